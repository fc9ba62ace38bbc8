package web

import (
	"errors"
	"net/http"
	"strconv"

	"scpo/domain"
)

// --- Forms: a release, and custody details ---------------------------------

// custodyData is the subject a custody form changes.
type custodyData struct {
	Subject domain.Subject
	Stale   bool
}

// custodyFields maps the API's field names to the forms' own.
var custodyFields = map[string]string{
	"custody.released_on":       "released_on",
	"custody.release_date":      "release_date",
	"custody.release_date_type": "release_date_type",
	"custody.establishment":     "establishment",
	"custody.began_on":          "began_on",
	"custody.status":            "",
}

// renameFields puts a validation failure's fields under the form's names.
func renameFields(err error, names map[string]string) error {
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		return err
	}
	out := &domain.ValidationError{}
	for _, fe := range v.Errors {
		f, ok := names[fe.Field]
		if !ok {
			f = fe.Field
		}
		out.Add(f, "%s", fe.Message)
	}
	return out
}

func formVersion(vals map[string]string) *int {
	v, err := strconv.Atoi(vals["version"])
	if err != nil {
		v = -1
	}
	return &v
}

func (w *Web) releaseForm(r *req) error {
	s, err := w.store.GetSubject(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	p := r.page("Record a release", "find", &custodyData{Subject: s})
	p.Values["version"] = strconv.Itoa(s.Version)
	// The day offered is the day the release would be recorded on with
	// none given: a passed release date (the record updated late) unless
	// it is stale, else today. The officer corrects it if not.
	day, err := w.store.LikelyReleaseDay(r.ctx(), s.ID)
	if err != nil {
		return err
	}
	setDate(p.Values, "released_on", day)
	return w.render(r, "release", p)
}

var releaseLabels = map[string]string{"released_on": "Date of release"}

func (w *Web) recordRelease(r *req) error {
	s, err := w.store.GetSubject(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	d := &custodyData{Subject: s}
	p := r.page("Record a release", "find", d)
	p.Values = formValues(r, "released_on-day", "released_on-month", "released_on-year", "version")
	v := &domain.ValidationError{}
	on := dateValue(p.Values, "released_on", v)
	if on == nil && !v.Has("released_on") {
		v.Add("released_on", "is required")
	}
	if v.Err() != nil {
		return w.formError(r, v, "release", p, releaseLabels)
	}
	_, err = w.store.UpdateSubject(r.ctx(), s.ID, formVersion(p.Values), func(sub *domain.Subject) error {
		if !sub.Custody.InCustody() {
			return domain.Conflict("released_on", "this subject is already recorded as in the community")
		}
		sub.Custody = domain.Custody{Status: domain.CustodyCommunity, ReleasedOn: on}
		return nil
	})
	if errors.Is(err, domain.ErrStale) {
		return w.staleCustody(r, "release", p, d)
	}
	if err != nil {
		return w.formError(r, renameFields(err, custodyFields), "release", p, releaseLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/subjects/"+s.ID+"?done=release")
}

// staleCustody shows a custody form again with the record as it now is.
func (w *Web) staleCustody(r *req, tmpl string, p *page, d *custodyData) error {
	cur, err := w.store.GetSubject(r.ctx(), d.Subject.ID)
	if err != nil {
		return err
	}
	d.Subject, d.Stale = cur, true
	p.Values["version"] = strconv.Itoa(cur.Version)
	field := "released_on"
	if tmpl == "custody" {
		field = "establishment"
		p.Values = custodyValues(cur)
	}
	p.Errors = []fieldError{{field, w.staleMessage(r, domain.RecordRef{Type: "subject", ID: cur.ID},
		"this subject's record", cur.UpdatedAt, "Its custody is now shown; check it before sending the form again")}}
	return w.renderStatus(r, http.StatusConflict, tmpl, p)
}

func custodyValues(s domain.Subject) map[string]string {
	vals := map[string]string{"version": strconv.Itoa(s.Version)}
	if s.Custody.InCustody() {
		vals["establishment"] = derefStr(s.Custody.Establishment)
		vals["release_date_type"] = derefStr(s.Custody.ReleaseDateType)
		if s.Custody.ReleaseDate != nil {
			setDate(vals, "release_date", *s.Custody.ReleaseDate)
		}
	}
	return vals
}

func (w *Web) custodyForm(r *req) error {
	s, err := w.store.GetSubject(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	p := r.page(custodyTitle(s), "find", &custodyData{Subject: s})
	p.Values = custodyValues(s)
	if !s.Custody.InCustody() {
		// A return to custody is offered as today; a recall recorded late
		// gives its own day.
		setDate(p.Values, "began_on", w.today())
	}
	return w.render(r, "custody", p)
}

func custodyTitle(s domain.Subject) string {
	if s.Custody.InCustody() {
		return "Update custody details"
	}
	return "Record a return to custody"
}

var custodyLabels = map[string]string{"establishment": "Prison", "release_date": "Expected release date",
	"release_date_type": "Type of release date", "began_on": "Date returned to custody"}

// updateCustody records the subject in custody: where, and the release
// date expected. For a subject in the community it begins a new period.
func (w *Web) updateCustody(r *req) error {
	s, err := w.store.GetSubject(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	d := &custodyData{Subject: s}
	p := r.page(custodyTitle(s), "find", d)
	p.Values = formValues(r, "establishment", "release_date-day", "release_date-month", "release_date-year", "release_date_type",
		"began_on-day", "began_on-month", "began_on-year", "version")
	v := &domain.ValidationError{}
	rd := dateValue(p.Values, "release_date", v)
	var began *domain.Date
	if !s.Custody.InCustody() {
		if began = dateValue(p.Values, "began_on", v); began == nil && !v.Has("began_on") {
			v.Add("began_on", "is required")
		}
	}
	if v.Err() != nil {
		return w.formError(r, v, "custody", p, custodyLabels)
	}
	_, err = w.store.UpdateSubject(r.ctx(), s.ID, formVersion(p.Values), func(sub *domain.Subject) error {
		sub.Custody = domain.Custody{Status: domain.CustodyCustody, Establishment: optional(p.Values["establishment"]),
			ReleaseDate: rd, ReleaseDateType: optional(p.Values["release_date_type"])}
		sub.Custody.BeganOn = began
		return nil
	})
	if errors.Is(err, domain.ErrStale) {
		return w.staleCustody(r, "custody", p, d)
	}
	if err != nil {
		return w.formError(r, renameFields(err, custodyFields), "custody", p, custodyLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/subjects/"+s.ID+"?done=custody")
}
