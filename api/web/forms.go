package web

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"scpo/domain"
)

// formValues reads the named fields of a posted form.
func formValues(r *req, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = strings.TrimSpace(r.FormValue(n))
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// setDate fills a GOV.UK date input's three fields.
func setDate(vals map[string]string, name string, d domain.Date) {
	vals[name+"-day"] = strconv.Itoa(d.Day())
	vals[name+"-month"] = strconv.Itoa(int(d.Month()))
	vals[name+"-year"] = strconv.Itoa(d.Year())
}

// dateValue reads a GOV.UK date input: nil when left empty (the domain's
// own rule then says whether it is required), an error on the field when it
// is not a real date.
func dateValue(vals map[string]string, name string, v *domain.ValidationError) *domain.Date {
	day, month, year := vals[name+"-day"], vals[name+"-month"], vals[name+"-year"]
	if day == "" && month == "" && year == "" {
		return nil
	}
	d, derr := strconv.Atoi(day)
	m, merr := strconv.Atoi(month)
	y, yerr := strconv.Atoi(year)
	if derr != nil || merr != nil || yerr != nil || y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		v.Add(name, "must be a real date, for example 27 3 2027")
		return nil
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		v.Add(name, "must be a real date, for example 27 3 2027")
		return nil
	}
	out := domain.AsDate(t)
	return &out
}

// staleMessage is a stale form's message: who changed the record, and
// when, after the form was opened (what names it: "this policy"), then
// what to do now. The officer is named from the change's audit entry when
// the reader may see them; "Another officer" when not; "Someone else" when
// the trail does not say (a sweep's change), or cannot be read: the form
// is refused all the same.
func (w *Web) staleMessage(r *req, ref domain.RecordRef, what string, at time.Time, then string) string {
	who := "Someone else"
	c, err := w.store.LastChange(r.ctx(), ref)
	switch {
	case err != nil:
		w.log.ErrorContext(r.ctx(), "who changed a record not read", "record", ref.Type, "error", err)
	case c == nil:
	case c.By == nil:
		who = "Another officer"
	case c.By.ID == r.me.ID:
		who = "You" // in another tab or window
	default:
		who = c.By.Name
	}
	return who + " changed " + what + " at " + at.In(w.cfg.Location).Format("15:04 on 2 January 2006") +
		", after you opened the page. " + then
}

// formError shows a form again with an error summary and each field's
// message, its values kept; anything but a validation failure or conflict
// is the caller's to answer.
func (w *Web) formError(r *req, err error, tmpl string, p *page, labels map[string]string) error {
	var v *domain.ValidationError
	var c *domain.ConflictError
	switch {
	case errors.As(err, &v):
		for _, fe := range v.Errors {
			p.Errors = append(p.Errors, fieldError{Field: fe.Field, Message: sentence(labels[fe.Field], fe.Message)})
		}
		return w.renderStatus(r, http.StatusUnprocessableEntity, tmpl, p)
	case errors.As(err, &c):
		field := c.Field
		if _, ok := labels[field]; !ok {
			field = ""
		}
		p.Errors = append(p.Errors, fieldError{Field: field, Message: sentence("", c.Message)})
		return w.renderStatus(r, http.StatusConflict, tmpl, p)
	}
	return err
}

// sentence makes a domain message ("is required") read as a sentence about
// its field ("Outcome is required").
func sentence(label, msg string) string {
	msg = codesInWords(datesInWords(msg))
	// The page offers the choices: say to choose, in the page's words
	// (the API's rule lists its codes).
	if opts, ok := strings.CutPrefix(msg, "must be one of "); ok && label != "" {
		words := strings.Split(opts, ", ")
		for i, w := range words {
			if words[i] = domain.Humanise(w); words[i] != strings.ToUpper(words[i]) {
				words[i] = strings.ToLower(words[i]) // not an initialism: HDCED stays
			}
		}
		list := words[0]
		if n := len(words); n > 1 {
			list = strings.Join(words[:n-1], ", ") + " or " + words[n-1]
		}
		return "Choose the " + strings.ToLower(label[:1]) + label[1:] + " (" + list + ")"
	}
	// A rule that says a whole sentence ("a monitoring requirement lasts
	// at most 12 months") is not glued to the field's label.
	for _, article := range []string{"a ", "an ", "the "} {
		if strings.HasPrefix(msg, article) {
			label = ""
		}
	}
	if label == "" {
		return strings.ToUpper(msg[:1]) + msg[1:]
	}
	return label + " " + msg
}

// codesInWords writes the codes a rule's message names (heard_on,
// non_compliant) as words.
func codesInWords(msg string) string {
	return snakeCodes.ReplaceAllStringFunc(msg, func(c string) string { return strings.ToLower(domain.Humanise(c)) })
}

var snakeCodes = regexp.MustCompile(`\b[a-z]+(?:_[a-z]+)+\b`)

// datesInWords writes a message's dates as people do.
func datesInWords(msg string) string {
	return isoDates.ReplaceAllStringFunc(msg, func(d string) string {
		if day, err := domain.ParseDate(d); err == nil {
			return day.Format("2 January 2006")
		}
		return d
	})
}

// isoDates are the dates in a rule's message, written for the API (2026-12-01),
// which a page writes as people do (1 December 2026).
var isoDates = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
