package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"scpo/domain"
)

// --- Pre-release board -----------------------------------------------------

type preReleaseData struct {
	Forces []domain.Force
	Force  string
	Within string
	// Window is where the days ahead came from when none were asked for:
	// "policy" (the force's pre-release window) or "default" (every force).
	Window  string
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

// forcesWhere keeps the forces the signed-in officer's scope allows
// (Scope.CanRead or CanWrite), so a chooser offers none that would then be
// refused as not found.
func forcesWhere(forces []domain.Force, allowed func(force string) bool) []domain.Force {
	return slices.DeleteFunc(forces, func(f domain.Force) bool { return !allowed(f.Code) })
}

func (w *Web) preRelease(r *req) error {
	forces, err := w.store.ListForces(r.ctx())
	if err != nil {
		return err
	}
	forces = forcesWhere(forces, domain.ScopeFrom(r.ctx()).CanRead)
	d := &preReleaseData{Forces: forces, Force: r.defaultForce(), Within: strings.TrimSpace(r.QueryParam("within_days"))}
	p := r.page("Pre-release board", "pre-release", d)
	if d.Force != "" {
		if _, err := w.store.GetForce(r.ctx(), d.Force); err != nil {
			p.Errors = append(p.Errors, fieldError{"force", "Choose a force from the list"})
		}
	}
	within, asked := 0, d.Within != ""
	if asked {
		n, err := strconv.Atoi(d.Within)
		if err != nil || n < 0 || n > 1095 {
			p.Errors = append(p.Errors, fieldError{"within_days", "Days ahead must be a whole number from 0 to 1095"})
		} else {
			within = n
		}
	}
	if p.Errors != nil {
		return w.renderStatus(r, http.StatusUnprocessableEntity, "pre-release", p)
	}
	if !asked {
		// The force's own window, as its flags are raised; across forces
		// the default, and the page says which. The box stays blank, so
		// choosing another force shows that force's window, not this one
		// as if asked.
		if within, err = domain.PreReleaseWindow(r.ctx(), w.store, d.Force); err != nil {
			return err
		}
		d.Window = "default"
		if d.Force != "" {
			d.Window = "policy"
		}
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
	q := url.Values{"force": {d.Force}}
	if asked {
		q.Set("within_days", d.Within)
	}
	d.First = "/pre-release?" + q.Encode()
	d.IsFirst = page.Cursor == ""
	if d.Report.NextCursor != nil {
		q.Set("cursor", *d.Report.NextCursor)
		d.Next = "/pre-release?" + q.Encode()
	}
	return w.render(r, "pre-release", p)
}

// --- Region ----------------------------------------------------------------

type regionData struct {
	Regions []string
	Region  string
	Report  domain.RegionReport
	Rows    []regionRow
	Kinds   []string // flag kinds open anywhere in the region
}

// regionRow is one force's line with its bars' widths (in steps of 5%,
// against the largest force in the region).
type regionRow struct {
	domain.ForceSummary
	Live, Flags                 int
	LiveW, OwnedW, OnTimeW, FlW int
}

// barWidth is n's share of most, rounded to a step of 5%; anything above
// nothing shows at least a sliver.
func barWidth(n, most int) int {
	if n <= 0 || most <= 0 {
		return 0
	}
	w := (n*100/most + 2) / 5 * 5
	return max(w, 5)
}

func (w *Web) region(r *req) error {
	forces, err := w.store.ListForces(r.ctx())
	if err != nil {
		return err
	}
	d := &regionData{Region: strings.TrimSpace(r.QueryParam("region"))}
	seen := map[string]bool{}
	mine := ""
	scope := domain.ScopeFrom(r.ctx())
	for _, f := range forces {
		// Only the regions with a force the reader may see: the others
		// answer not found.
		if !scope.CanRead(f.Code) {
			continue
		}
		if !seen[f.Region] {
			seen[f.Region] = true
			d.Regions = append(d.Regions, f.Region)
		}
		if r.me.Force != nil && f.Code == *r.me.Force {
			mine = f.Region
		}
	}
	if d.Region == "" {
		d.Region = mine
	}
	p := r.page("Region", "region", d)
	if d.Region == "" {
		return w.render(r, "region", p)
	}
	if !seen[d.Region] {
		p.Errors = []fieldError{{"region", "Choose a region from the list"}}
		return w.renderStatus(r, http.StatusUnprocessableEntity, "region", p)
	}
	if d.Report, err = w.store.Region(r.ctx(), d.Region, w.today()); err != nil {
		return err
	}
	p.Title = "Region: " + w.regionName(d.Region)
	most, mostFlags := 0, 0
	open := map[string]bool{}
	for _, f := range d.Report.Forces {
		row := regionRow{ForceSummary: f, Live: f.LiveOrders["total"]}
		for k, n := range f.OpenFlags {
			row.Flags += n
			if n > 0 {
				open[k] = true
			}
		}
		most, mostFlags = max(most, row.Live), max(mostFlags, row.Flags)
		d.Rows = append(d.Rows, row)
	}
	for i := range d.Rows {
		row := &d.Rows[i]
		row.LiveW, row.OwnedW, row.OnTimeW = barWidth(row.Live, most), barWidth(row.Owned, most), barWidth(row.ReviewsOnTime, most)
		row.FlW = barWidth(row.Flags, mostFlags)
	}
	for _, k := range domain.TaskingSections {
		if open[k] {
			d.Kinds = append(d.Kinds, k)
		}
	}
	return w.render(r, "region", p)
}
