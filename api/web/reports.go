package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"scpo/domain"
)

// --- Pre-release board -----------------------------------------------------

type preReleaseData struct {
	Forces  []domain.Force
	Force   string
	Within  string
	Report  domain.PreReleaseReport
	Next    string // the next page's link, if any
	IsFirst bool
	First   string
}

// missingNames say what a subject due out still lacks.
var missingNames = map[string]string{"iom_owner": "No IOM owner", "pre_release_review": "No pre-release review"}

func missingName(m string) string {
	if n, ok := missingNames[m]; ok {
		return n
	}
	return humanise(m)
}

// defaultForce is the force a page shows first: the officer's own, or
// none for a national officer (who then chooses).
func (r *req) defaultForce() string {
	if f, ok := r.QueryParams()["force"]; ok {
		return strings.TrimSpace(f[0])
	}
	if r.me.Force != nil {
		return *r.me.Force
	}
	return ""
}

func (w *Web) preRelease(r *req) error {
	forces, err := w.store.ListForces(r.ctx())
	if err != nil {
		return err
	}
	d := &preReleaseData{Forces: forces, Force: r.defaultForce(), Within: strings.TrimSpace(r.QueryParam("within_days"))}
	p := r.page("Pre-release board", "pre-release", d)
	if d.Force != "" {
		if _, err := w.store.GetForce(r.ctx(), d.Force); err != nil {
			p.Errors = append(p.Errors, fieldError{"force", "Choose a force from the list"})
		}
	}
	within := 180
	if d.Within != "" {
		n, err := strconv.Atoi(d.Within)
		if err != nil || n < 0 || n > 1095 {
			p.Errors = append(p.Errors, fieldError{"within_days", "Days ahead must be a whole number from 0 to 1095"})
		} else {
			within = n
		}
	} else {
		d.Within = "180"
	}
	if p.Errors != nil {
		return w.renderStatus(r, http.StatusUnprocessableEntity, "pre-release", p)
	}
	page := domain.Page{Limit: pageSize}
	if cur := r.QueryParam("cursor"); cur != "" {
		if _, ok := domain.DecodeKeyCursor(cur, 2); ok {
			page.Cursor = cur
		}
	}
	if d.Report, err = w.store.PreRelease(r.ctx(), d.Force, within, w.today(), page); err != nil {
		return err
	}
	q := url.Values{"force": {d.Force}, "within_days": {strconv.Itoa(within)}}
	d.First = "/pre-release?" + q.Encode()
	d.IsFirst = page.Cursor == ""
	if d.Report.NextCursor != nil {
		q.Set("cursor", *d.Report.NextCursor)
		d.Next = "/pre-release?" + q.Encode()
	}
	return w.render(r, "pre-release", p)
}
