package web

import (
	"errors"
	"net/http"
	"strings"

	"scpo/domain"
)

// --- Forms: the order's legal history (service, a variation, a breach) ----

type legalData struct {
	Form  string // service, variation or breach
	Order domain.Order
}

var legalTitles = map[string]string{"service": "Record service of the order", "variation": "Record a variation",
	"breach": "Record a breach"}

var legalFields = map[string][]string{
	"service": {"method", "served_on-day", "served_on-month", "served_on-year", "address", "notes"},
	"variation": {"applicant", "applicant_name", "court", "heard_on-day", "heard_on-month", "heard_on-year", "outcome",
		"term_id", "category", "text", "notes"},
	"breach": {"occurred_on-day", "occurred_on-month", "occurred_on-year", "description", "action", "outcome"},
}

var legalLabels = map[string]string{"method": "How it was served", "served_on": "Date served", "address": "Address",
	"notes": "Notes", "applicant": "Applicant", "applicant_name": "Applicant's name", "court": "Court",
	"heard_on": "Date of the hearing", "outcome": "Outcome", "term_id": "The term", "text": "The new wording", "category": "Kind of term",
	"occurred_on": "Date of the breach", "description": "What happened", "action": "Action taken", "term_ids": "Terms breached"}

func legalForm(form string) func(*Web, *req) error {
	return func(w *Web, r *req) error {
		o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
		if err != nil {
			return err
		}
		p := r.page(legalTitles[form], "find", legalData{form, o})
		p.Values = map[string]string{"outcome": "", "action": ""}
		today := w.today()
		switch form {
		case "service":
			setDate(p.Values, "served_on", today)
		case "variation":
			setDate(p.Values, "heard_on", today)
			p.Values["court"] = o.Court
		case "breach":
			setDate(p.Values, "occurred_on", today)
			p.Values["outcome"] = "pending"
		}
		return w.render(r, "legal", p)
	}
}

func recordLegal(form string) func(*Web, *req) error {
	return func(w *Web, r *req) error {
		o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
		if err != nil {
			return err
		}
		p := r.page(legalTitles[form], "find", legalData{form, o})
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
			if va.Outcome != domain.VariationRefused {
				switch id := vals["term_id"]; id {
				case "":
					v.Add("term_id", "must be chosen: the one the court changed, or a new term")
				case "new":
					va.Added = []domain.Term{{Category: vals["category"], Text: vals["text"]}}
				default:
					for _, t := range o.Terms {
						if t.ID == id {
							t.Text = vals["text"]
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
				TermIDs: r.Request().Form["term_ids"]}
			if d := dateValue(vals, "occurred_on", v); d != nil {
				b.OccurredOn = *d
			}
			if v.Err() == nil {
				_, err = w.store.RecordBreach(r.ctx(), o.ID, b)
			}
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
						ve.Errors[i].Field = map[string]string{"id": "term_id", "text": "text", "category": "category"}[f]
						if ve.Errors[i].Field == "" {
							ve.Errors[i].Field = "text"
						}
					}
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
