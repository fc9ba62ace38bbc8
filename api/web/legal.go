package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"scpo/domain"
)

// --- Forms: the order's legal history (service, a variation, a breach) ----

type legalData struct {
	Form  string // service, variation, breach, discharge, appeal, appeal-decision, charge, charge-outcome or breach-outcome
	Order domain.Order
	// The appeal, charge or breach case an outcome form is about.
	Appeal    *domain.OrderEvent
	Extension *domain.Extension
	Breach    *domain.BreachCase
	// The non-compliant check a breach was found at, or that was no breach.
	Check *domain.Check
	Stale bool
}

var legalTitles = map[string]string{"service": "Record service of the order", "variation": "Record a variation",
	"breach": "Record a breach", "discharge": "Record a discharge", "appeal": "Record an appeal lodged",
	"appeal-decision": "Record the appeal's decision", "charge": "Record a charge that extends the order",
	"charge-outcome": "Record the charge's outcome", "breach-outcome": "Record the breach's outcome",
	"no-breach": "Record that the check found no breach"}

var legalFields = map[string][]string{
	"service": {"method", "served_on-day", "served_on-month", "served_on-year", "address", "notes"},
	"variation": {"applicant", "applicant_name", "court", "applied_on-day", "applied_on-month", "applied_on-year",
		"heard_on-day", "heard_on-month", "heard_on-year", "outcome", "term_id", "remove", "category", "text", "term_starts_on-day", "term_starts_on-month", "term_starts_on-year", "term_ends_on-day", "term_ends_on-month", "term_ends_on-year", "notes"},
	"breach": {"occurred_on-day", "occurred_on-month", "occurred_on-year", "description", "action", "outcome",
		"found_by_check"},
	"no-breach":       {"reason"},
	"discharge":       {"court", "on-day", "on-month", "on-year", "reason", "applicant"},
	"appeal":          {"court", "lodged_on-day", "lodged_on-month", "lodged_on-year", "appellant", "grounds"},
	"appeal-decision": {"court", "decided_on-day", "decided_on-month", "decided_on-year", "outcome", "notes"},
	"charge":          {"charge_kind", "charged_on-day", "charged_on-month", "charged_on-year", "offence", "court"},
	"charge-outcome": {"outcome", "outcome_on-day", "outcome_on-month", "outcome_on-year",
		"settled_ends_on-day", "settled_ends_on-month", "settled_ends_on-year", "version"},
	"breach-outcome": {"action", "outcome", "outcome_on-day", "outcome_on-month", "outcome_on-year", "sentence", "version"},
}

var legalLabels = map[string]string{"method": "How it was served", "served_on": "Date served", "address": "Address",
	"notes": "Notes", "applicant": "Applicant", "applicant_name": "Applicant's name", "court": "Court",
	"heard_on": "Date of the hearing", "outcome": "Outcome", "term_id": "The term", "text": "The new wording", "category": "Kind of term",
	"occurred_on": "Date of the breach", "description": "What happened", "action": "Action taken", "term_ids": "Terms breached",
	"on": "Date of the decision", "reason": "Reason", "lodged_on": "Date lodged", "appellant": "Appellant",
	"grounds": "Grounds", "decided_on": "Date of the decision", "charge_kind": "Kind of charge", "charged_on": "Date charged",
	"offence": "Offence", "outcome_on": "Date of the outcome", "settled_ends_on": "End settled by the court",
	"sentence": "Sentence", "found_by_check": "The check that found it", "applied_on": "Date of the application",
	"remove": "Removed", "term_starts_on": "The term is in force from", "term_ends_on": "The term is in force until"}

// loadLegal reads the order and, for an outcome form, the appeal, charge
// or breach case it is about (not found unless it is this order's).
func (w *Web) loadLegal(r *req, form string) (legalData, error) {
	o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
	if err != nil {
		return legalData{}, err
	}
	d := legalData{Form: form, Order: o}
	// The check a breach was found at (from the check's row, kept by the
	// form) or the one found to be no breach: this order's, non-compliant.
	checkID := r.Param("check_id")
	if form == "breach" {
		checkID = r.QueryParam("found_by_check")
		if r.Request().Method == http.MethodPost {
			checkID = r.FormValue("found_by_check")
		}
	}
	if checkID != "" {
		checks, err := domain.AllPages(func(p domain.Page) ([]domain.Check, string, error) {
			return w.store.ListChecks(r.ctx(), o.ID, p)
		})
		if err != nil {
			return d, err
		}
		for i := range checks {
			if checks[i].ID == checkID && checks[i].Outcome != nil && *checks[i].Outcome == "non_compliant" {
				d.Check = &checks[i]
			}
		}
		if d.Check == nil {
			return d, domain.ErrNotFound
		}
	}
	switch form {
	case "appeal-decision":
		events, err := domain.AllPages(func(p domain.Page) ([]domain.OrderEvent, string, error) {
			return w.store.OrderEvents(r.ctx(), o.ID, p)
		})
		if err != nil {
			return d, err
		}
		for i := range events {
			if events[i].ID == r.Param("appeal_id") && events[i].Kind == domain.EventAppealLodged {
				d.Appeal = &events[i]
			}
		}
		if d.Appeal == nil {
			return d, domain.ErrNotFound
		}
	case "charge-outcome":
		list, err := domain.AllPages(func(p domain.Page) ([]domain.Extension, string, error) {
			return w.store.ListExtensions(r.ctx(), o.ID, p)
		})
		if err != nil {
			return d, err
		}
		for i := range list {
			if list[i].ID == r.Param("extension_id") {
				d.Extension = &list[i]
			}
		}
		if d.Extension == nil {
			return d, domain.ErrNotFound
		}
	case "breach-outcome":
		list, err := domain.AllPages(func(p domain.Page) ([]domain.BreachCase, string, error) {
			return w.store.ListBreaches(r.ctx(), o.ID, p)
		})
		if err != nil {
			return d, err
		}
		for i := range list {
			if list[i].ID == r.Param("breach_id") {
				d.Breach = &list[i]
			}
		}
		if d.Breach == nil {
			return d, domain.ErrNotFound
		}
	}
	return d, nil
}

// legalDefaults are an empty form's values: today's dates, the order's
// court, and the current state of the charge or breach case.
func legalDefaults(d legalData, today domain.Date) map[string]string {
	vals := map[string]string{"outcome": "", "action": ""}
	switch d.Form {
	case "service":
		setDate(vals, "served_on", today)
	case "variation":
		setDate(vals, "heard_on", today)
		vals["court"] = d.Order.Court
	case "breach":
		setDate(vals, "occurred_on", today)
		vals["outcome"] = "pending"
		if d.Check != nil {
			vals["found_by_check"] = d.Check.ID
			setDate(vals, "occurred_on", *d.Check.CompletedOn)
		}
	case "discharge":
		setDate(vals, "on", today)
		vals["court"] = d.Order.Court
		if d.Order.Interim {
			vals["reason"] = "The main application was refused"
		}
	case "appeal":
		setDate(vals, "lodged_on", today)
	case "appeal-decision":
		setDate(vals, "decided_on", today)
		vals["court"] = derefString(d.Appeal.Court)
	case "charge":
		setDate(vals, "charged_on", today)
	case "charge-outcome":
		x := d.Extension
		vals["version"] = strconv.Itoa(x.Version)
		if x.Outcome != nil {
			vals["outcome"] = *x.Outcome
			setDate(vals, "outcome_on", *x.OutcomeOn)
		} else {
			setDate(vals, "outcome_on", today)
		}
	case "breach-outcome":
		b := d.Breach
		vals["version"] = strconv.Itoa(b.Version)
		vals["action"] = b.Action
		setDate(vals, "outcome_on", today)
	}
	return vals
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// legalTitle heads a legal form's page: a charge whose outcome is in
// asks only for the end the court settled.
func legalTitle(form string, d legalData) string {
	if form == "charge-outcome" && d.Extension != nil && d.Extension.Outcome != nil {
		return "Record the end the court settled"
	}
	return legalTitles[form]
}

func legalForm(form string) func(*Web, *req) error {
	return func(w *Web, r *req) error {
		d, err := w.loadLegal(r, form)
		if err != nil {
			return err
		}
		p := r.page(legalTitle(form, d), "find", d)
		p.Values = legalDefaults(d, w.today())
		if form == "variation" {
			// Opened from a term ("vary this term"): that term chosen, its
			// wording ready to edit rather than typed again.
			for _, t := range d.Order.Terms {
				if t.ID == r.QueryParam("term_id") {
					p.Values["term_id"], p.Values["text"] = t.ID, t.Text
				}
			}
		}
		return w.render(r, "legal", p)
	}
}

func recordLegal(form string) func(*Web, *req) error {
	return func(w *Web, r *req) error {
		d, err := w.loadLegal(r, form)
		if err != nil {
			return err
		}
		o := d.Order
		p := r.page(legalTitle(form, d), "find", d)
		p.Values = formValues(r, legalFields[form]...)
		vals := p.Values
		v := &domain.ValidationError{}
		switch form {
		case "service":
			sv := domain.Service{Method: vals["method"], Address: optional(vals["address"]), Notes: optional(vals["notes"])}
			if d := dateValue(vals, "served_on", v); d != nil {
				sv.ServedOn = *d
			}
			if v.Err() == nil {
				_, err = w.store.RecordService(r.ctx(), o.ID, sv)
			}
		case "variation":
			va := domain.Variation{Applicant: vals["applicant"], ApplicantName: optional(vals["applicant_name"]),
				Court: vals["court"], Outcome: vals["outcome"], Notes: optional(vals["notes"])}
			if d := dateValue(vals, "heard_on", v); d != nil {
				va.HeardOn = *d
			}
			va.AppliedOn = dateValue(vals, "applied_on", v)
			if va.Outcome != domain.VariationRefused {
				// The term's own dates, when the court set them: a
				// renewed electronic monitoring requirement runs up to
				// 12 months from its renewal (s.5B), so it needs a new
				// start as well as a new end. Blank keeps what it had.
				from := dateValue(vals, "term_starts_on", v)
				until := dateValue(vals, "term_ends_on", v)
				switch id := vals["term_id"]; id {
				case "":
					v.Add("term_id", "must be chosen: the one the court changed, or a new term")
				case "new":
					if vals["remove"] != "" {
						v.Add("remove", "applies to a term of the order: choose the term the court removed")
					}
					va.Added = []domain.Term{{Category: vals["category"], Text: vals["text"], StartsOn: from, EndsOn: until}}
				default:
					if vals["remove"] != "" {
						// The court struck the term out: its wording and
						// dates on the form are not used.
						va.Removed = []string{id}
						break
					}
					for _, t := range o.Terms {
						if t.ID == id {
							t.Text = vals["text"]
							if from != nil {
								t.StartsOn = from
							}
							if until != nil {
								t.EndsOn = until
							}
							va.Changed = []domain.Term{t}
						}
					}
					if len(va.Changed) == 0 {
						v.Add("term_id", "is not a term of this order in force now")
					}
				}
			}
			if v.Err() == nil {
				_, err = w.store.Vary(r.ctx(), o.ID, va)
			}
		case "breach":
			b := domain.BreachCase{Description: vals["description"], Action: vals["action"], Outcome: vals["outcome"],
				TermIDs: r.Request().Form["term_ids"], FoundByCheck: optional(vals["found_by_check"])}
			// The terms ticked stay ticked if the form comes back.
			for _, id := range b.TermIDs {
				vals["term_ids:"+id] = "on"
			}
			if d := dateValue(vals, "occurred_on", v); d != nil {
				b.OccurredOn = *d
			}
			if v.Err() == nil {
				_, err = w.store.RecordBreach(r.ctx(), o.ID, b)
			}
		case "no-breach":
			_, err = w.store.DecideNoBreach(r.ctx(), o.ID, d.Check.ID, vals["reason"])
		case "discharge":
			e := domain.Ending{Court: vals["court"], Reason: vals["reason"], Applicant: vals["applicant"]}
			if day := dateValue(vals, "on", v); day != nil {
				e.On = *day
			}
			if v.Err() != nil {
				o.Discharge(&e, w.today(), v)
			} else {
				_, err = w.store.Discharge(r.ctx(), o.ID, e)
			}
		case "appeal":
			a := domain.Appeal{Court: vals["court"], Appellant: vals["appellant"], Grounds: optional(vals["grounds"])}
			if day := dateValue(vals, "lodged_on", v); day != nil {
				a.LodgedOn = *day
			}
			if v.Err() != nil {
				_ = o.LodgeAppeal(&a, w.today(), v)
			} else {
				_, err = w.store.LodgeAppeal(r.ctx(), o.ID, a)
			}
		case "appeal-decision":
			ad := domain.AppealDecision{Court: vals["court"], Outcome: vals["outcome"], Notes: optional(vals["notes"])}
			if day := dateValue(vals, "decided_on", v); day != nil {
				ad.DecidedOn = *day
			}
			if v.Err() == nil {
				_, err = w.store.DecideAppeal(r.ctx(), o.ID, d.Appeal.ID, ad)
			}
		case "charge":
			x := domain.Extension{ChargeKind: vals["charge_kind"], Offence: vals["offence"], Court: vals["court"]}
			if day := dateValue(vals, "charged_on", v); day != nil {
				x.ChargedOn = *day
			}
			if v.Err() != nil {
				o.Extend(&x, w.today(), v)
			} else {
				_, err = w.store.RecordCharge(r.ctx(), o.ID, x)
			}
		case "charge-outcome":
			on := dateValue(vals, "outcome_on", v)
			settled := dateValue(vals, "settled_ends_on", v)
			outcome := optional(vals["outcome"])
			if d.Extension.Outcome != nil {
				// Decided already: only the settled end is asked for now.
				outcome, on = nil, nil
			}
			if v.Err() == nil {
				_, err = w.store.DecideCharge(r.ctx(), o.ID, d.Extension.ID, version(vals), outcome, on, settled)
			}
		case "breach-outcome":
			on := dateValue(vals, "outcome_on", v)
			if vals["outcome"] == "" {
				v.Add("outcome", "is required")
			}
			if v.Err() == nil {
				_, err = w.store.DecideBreach(r.ctx(), o.ID, d.Breach.ID, version(vals), optional(vals["action"]),
					vals["outcome"], on, optional(vals["sentence"]))
			}
		}
		if errors.Is(err, domain.ErrStale) {
			// Someone changed the charge or breach case since this form
			// was opened: show what it says now; nothing of ours is kept.
			cur, lerr := w.loadLegal(r, form)
			if lerr != nil {
				return lerr
			}
			cur.Stale = true
			p.Data, p.Values = cur, legalDefaults(cur, w.today())
			msg := "Someone else recorded a change after you opened the page. The current details are shown; check them before recording the outcome again"
			const then = "Its current details are shown; check them before recording the outcome again"
			switch {
			case form == "charge-outcome" && cur.Extension != nil:
				msg = w.staleMessage(r, domain.RecordRef{Type: "extension", ID: cur.Extension.ID}, "this charge", cur.Extension.UpdatedAt, then)
			case form == "breach-outcome" && cur.Breach != nil:
				msg = w.staleMessage(r, domain.RecordRef{Type: "breach_case", ID: cur.Breach.ID}, "this breach case", cur.Breach.UpdatedAt, then)
			}
			p.Errors = []fieldError{{"outcome", msg}}
			return w.renderStatus(r, http.StatusConflict, "legal", p)
		}
		if v.Err() != nil {
			err = v
		}
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			// The form has one term: its fields by their form names.
			for i, fe := range ve.Errors {
				for _, prefix := range []string{"terms_changed[0].", "terms_added[0]."} {
					if f, ok := strings.CutPrefix(fe.Field, prefix); ok {
						ve.Errors[i].Field = map[string]string{"id": "term_id", "text": "text", "category": "category",
							"starts_on": "term_starts_on", "ends_on": "term_ends_on"}[f]
						if ve.Errors[i].Field == "" {
							ve.Errors[i].Field = "text"
						}
					}
				}
				if strings.HasPrefix(fe.Field, "terms_removed") {
					ve.Errors[i].Field = "term_id"
				}
				if fe.Field == "terms_added" || strings.HasPrefix(fe.Field, "term_ids") {
					ve.Errors[i].Field = map[bool]string{true: "term_id", false: "term_ids"}[fe.Field == "terms_added"]
				}
			}
		}
		if err != nil {
			return w.formError(r, err, "legal", p, legalLabels)
		}
		return r.Redirect(http.StatusSeeOther, "/orders/"+o.ID+"?done="+form+"#legal-history")
	}
}

// version is the hidden version field, sent as the If-Match the store
// honours (-1, never current, when it is not a number).
func version(vals map[string]string) *int {
	n, err := strconv.Atoi(vals["version"])
	if err != nil {
		n = -1
	}
	return &n
}
