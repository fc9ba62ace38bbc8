package web

import (
	"net/url"
	"slices"
	"strconv"

	"scpo/domain"
)

// --- Audit trail (the auditor's) -------------------------------------------

type auditData struct {
	Officers []domain.Officer
	Actions  []string
	Subject  *domain.Subject // the subject filtered on, or whose access log this is
	Entries  []auditLine
	Next     string
	Searched bool
}

// auditLine is an entry as people read it: names, not IDs.
type auditLine struct {
	domain.AuditEntry
	Officer string
	Records []recordName
}

type recordName struct {
	Type, Name, Link string
}

// names resolves the IDs on audit entries to names and references, once
// each, through the same store methods the API uses.
type names struct {
	w        *Web
	r        *req
	officers map[string]string
	records  map[string]recordName
}

func (w *Web) namer(r *req) *names {
	return &names{w: w, r: r, officers: map[string]string{}, records: map[string]recordName{}}
}

func (n *names) officer(id *string) string {
	if id == nil {
		return "Nobody signed in"
	}
	if name, ok := n.officers[*id]; ok {
		return name
	}
	name := "An officer no longer on the register"
	if o, err := n.w.store.GetOfficer(n.r.ctx(), *id); err == nil {
		name = o.Name
	}
	n.officers[*id] = name
	return name
}

func (n *names) record(ref domain.RecordRef) recordName {
	key := ref.Type + "/" + ref.ID
	if rn, ok := n.records[key]; ok {
		return rn
	}
	rn := recordName{Type: humanise(ref.Type)}
	ctx := n.r.ctx()
	switch ref.Type {
	case "subject":
		rn.Name = "a subject out of your view"
		if s, err := n.w.store.GetSubject(ctx, ref.ID); err == nil {
			rn.Name, rn.Link = s.DisplayName()+identity(s), "/subjects/"+s.ID+"/access-log"
		}
	case "order":
		rn.Name = "an order out of your view"
		if o, err := n.w.store.GetOrder(ctx, ref.ID); err == nil {
			rn.Name, rn.Link = o.Reference, "/audit?order="+url.QueryEscape(o.Reference)
		}
	case "officer":
		id := ref.ID
		rn.Name = n.officer(&id)
	case "region", "force", "job", "meeting":
		if len(ref.ID) != 36 {
			rn.Name = humanise(ref.ID)
		}
	}
	n.records[key] = rn
	return rn
}

func (n *names) lines(entries []domain.AuditEntry) []auditLine {
	out := make([]auditLine, 0, len(entries))
	for _, e := range entries {
		l := auditLine{AuditEntry: e, Officer: n.officer(e.OfficerID)}
		seen := map[string]bool{}
		for _, ref := range e.Records {
			rn := n.record(ref)
			if k := rn.Type + rn.Name; !seen[k] {
				seen[k] = true
				l.Records = append(l.Records, rn)
			}
		}
		out = append(out, l)
	}
	return out
}

var auditLabels = map[string]string{"subject": "PNC ID", "order": "Court reference", "from": "From", "to": "To"}

func (w *Web) audit(r *req) error {
	ctx := r.ctx()
	d := &auditData{Actions: domain.AuditActions}
	p := r.page("Audit trail", "audit", d)
	var err error
	if d.Officers, _, err = w.store.ListOfficers(ctx, domain.OfficerFilter{}, domain.Page{Limit: 500}); err != nil {
		return err
	}
	slices.SortFunc(d.Officers, func(a, b domain.Officer) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	q := r.QueryParams()
	for _, k := range []string{"officer", "subject", "order", "action", "from-day", "from-month", "from-year", "to-day", "to-month", "to-year"} {
		p.Values[k] = q.Get(k)
	}
	v := &domain.ValidationError{}
	f := domain.AuditFilter{OfficerID: p.Values["officer"]}
	if f.OfficerID != "" && !slices.ContainsFunc(d.Officers, func(o domain.Officer) bool { return o.ID == f.OfficerID }) {
		v.Add("officer", "Choose an officer from the list")
	}
	if a := p.Values["action"]; a != "" {
		if !slices.Contains(domain.AuditActions, a) {
			v.Add("action", "Choose an action from the list")
		}
		f.Action = a
	}
	if pnc := p.Values["subject"]; pnc != "" {
		norm, perr := domain.NormalisePNC(pnc, w.today())
		if perr != nil {
			v.Add("subject", "%s", perr)
		} else {
			subs, _, err := w.store.ListSubjects(ctx, domain.SubjectFilter{PNCID: norm}, domain.Page{Limit: 1})
			if err != nil {
				return err
			}
			if len(subs) == 0 {
				v.Add("subject", "matches no subject you can see")
			} else {
				d.Subject, f.SubjectID = &subs[0], subs[0].ID
			}
		}
	}
	if ref := p.Values["order"]; ref != "" {
		orders, _, err := w.store.ListOrders(ctx, domain.OrderFilter{Reference: ref}, domain.Page{Limit: 1})
		if err != nil {
			return err
		}
		if len(orders) == 0 {
			v.Add("order", "matches no order you can see")
		} else {
			f.OrderID = orders[0].ID
		}
	}
	if from := dateValue(p.Values, "from", v); from != nil {
		t := from.Time
		f.From = &t
	}
	if to := dateValue(p.Values, "to", v); to != nil {
		t := to.AddDays(1).Time // to the end of that day
		f.To = &t
	}
	if f.From != nil && f.To != nil && !f.To.After(*f.From) {
		v.Add("to", "must be the same day as From or later")
	}
	if v.Err() != nil {
		return w.formError(r, v, "audit", p, auditLabels)
	}
	d.Searched = true
	page := domain.Page{Limit: 50}
	if cur := q.Get("cursor"); cur != "" {
		if _, err := strconv.ParseInt(cur, 10, 64); err == nil {
			page.Cursor = cur
		}
	}
	entries, next, err := w.store.ListAudit(ctx, f, page)
	if err != nil {
		return err
	}
	d.Entries = w.namer(r).lines(entries)
	if next != "" {
		nq := url.Values{}
		for k, v := range p.Values {
			if v != "" {
				nq.Set(k, v)
			}
		}
		nq.Set("cursor", next)
		d.Next = "/audit?" + nq.Encode()
	}
	return w.render(r, "audit", p)
}

// accessLog is who looked at or changed one subject's records, and why.
func (w *Web) accessLog(r *req) error {
	s, err := w.store.GetSubject(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	d := &auditData{Subject: &s, Searched: true}
	page := domain.Page{Limit: 50}
	if cur := r.QueryParam("cursor"); cur != "" {
		if _, err := strconv.ParseInt(cur, 10, 64); err == nil {
			page.Cursor = cur
		}
	}
	entries, next, err := w.store.ListAudit(r.ctx(), domain.AuditFilter{SubjectID: s.ID}, page)
	if err != nil {
		return err
	}
	d.Entries = w.namer(r).lines(entries)
	if next != "" {
		d.Next = "/subjects/" + s.ID + "/access-log?cursor=" + url.QueryEscape(next)
	}
	return w.render(r, "access-log", r.page("Access log: "+s.DisplayName(), "audit", d))
}

// identity is how a subject is told apart after its name: the PNC ID, or
// an organisation's registration number.
func identity(s domain.Subject) string {
	switch {
	case s.PNCID != "":
		return " (" + s.PNCID + ")"
	case s.RegistrationNumber != nil:
		return " (" + *s.RegistrationNumber + ")"
	}
	return ""
}
