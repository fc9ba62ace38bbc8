package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"scpo/domain"
)

// --- Audit trail (the auditor's) -------------------------------------------

type auditData struct {
	// Officers are those the officer filter's text matches, when it
	// matches more than one (Matches of them): links to choose one.
	Officers []auditOfficer
	Matches  int
	Actions  []string
	Subject  *domain.Subject // the subject filtered on, or whose access log this is
	Entries  []auditLine
	Next     string
	Searched bool
}

// auditRecordsShown is how many of an entry's records the trail's pages
// name; the entry's own page names them all, auditEntryPage at a time. An
// agenda's entry names thousands: listed and looked up one by one, 50 of
// them made a page of megabytes that took seconds.
const (
	auditRecordsShown = 5
	auditEntryPage    = 100
)

// auditLine is an entry as people read it: names, not IDs.
type auditLine struct {
	domain.AuditEntry
	Officer string
	// Shown are the first of its records, named; More how many others it
	// names, listed on its own page (Link).
	Shown []recordName
	More  int
	Link  string
}

type recordName struct {
	Type, Name, Link string
}

// names resolves the officers and records on audit entries to names and
// references, all at once through the store's AuditRecordNames. Only what
// the page shows is asked for (the first few records of each entry, or
// one page of an entry's), and the store notes the subjects among them on
// the reader's own entry: it names what the API's reading of the trail
// names (its filters' records) and the subjects whose names and PNC IDs
// the page shows, not every record the entries name.
type names struct {
	known map[domain.RecordRef]domain.RecordName
}

func (w *Web) namer(r *req, entries []domain.AuditEntry, shown func(domain.AuditEntry) []domain.RecordRef) (*names, error) {
	var refs []domain.RecordRef
	for _, e := range entries {
		if e.OfficerID != nil {
			refs = append(refs, domain.RecordRef{Type: "officer", ID: *e.OfficerID})
		}
		refs = append(refs, shown(e)...)
	}
	known, err := w.store.AuditRecordNames(r.ctx(), refs)
	if err != nil {
		return nil, err
	}
	return &names{known: known}, nil
}

func (n *names) officer(id *string) string {
	if id == nil {
		return "Nobody signed in"
	}
	if rn, ok := n.known[domain.RecordRef{Type: "officer", ID: *id}]; ok {
		return rn.Name
	}
	return "An officer no longer on the register"
}

func (n *names) record(ref domain.RecordRef) recordName {
	rn := recordName{Type: humanise(ref.Type)}
	known, ok := n.known[ref]
	switch ref.Type {
	case "subject":
		rn.Name = "a subject out of your view"
		if ok {
			rn.Name, rn.Link = known.Name, "/subjects/"+ref.ID+"/access-log"
			if known.Identifier != "" {
				rn.Name += " (" + known.Identifier + ")"
			}
		}
	case "order":
		rn.Name = "an order out of your view"
		if ok {
			rn.Name, rn.Link = known.Name, "/audit?order="+url.QueryEscape(known.Name)
		}
	case "officer":
		id := ref.ID
		rn.Name = n.officer(&id)
	case "region", "force", "job", "meeting":
		if len(ref.ID) != 36 {
			rn.Name = humanise(ref.ID)
		}
	}
	return rn
}

// firstRecords are the records of an entry the trail's pages name.
func firstRecords(e domain.AuditEntry) []domain.RecordRef {
	return e.Records[:min(len(e.Records), auditRecordsShown)]
}

// lines are the entries as the trail's pages show them: the first few of
// each entry's records named, the rest counted and a link away.
func (w *Web) lines(r *req, entries []domain.AuditEntry) ([]auditLine, error) {
	n, err := w.namer(r, entries, firstRecords)
	if err != nil {
		return nil, err
	}
	out := make([]auditLine, 0, len(entries))
	for _, e := range entries {
		l := auditLine{AuditEntry: e, Officer: n.officer(e.OfficerID), More: len(e.Records) - len(firstRecords(e)),
			Link: "/audit/entries/" + strconv.FormatInt(e.ID, 10)}
		for _, ref := range firstRecords(e) {
			l.Shown = append(l.Shown, n.record(ref))
		}
		out = append(out, l)
	}
	return out, nil
}

var auditLabels = map[string]string{"officer": "Officer", "subject": "PNC ID", "order": "Court reference", "from": "From", "to": "To"}

// auditOfficer is an officer the officer filter matches, with the trail's
// address filtered on them.
type auditOfficer struct {
	domain.Officer
	Link string
}

// auditMatchesShown is how many of the officers a filter's text matches
// the page offers to choose from.
const auditMatchesShown = 20

// auditOfficer finds the officer the audit filter's text names: their ID
// (a link from elsewhere), their e-mail address, or part of their name or
// address that no other officer's holds. An officer out of the reader's
// view matches nothing. Several matching are offered on d (each a link to
// the trail filtered on them) with an error asking for more of the name.
func (w *Web) auditOfficer(r *req, text string, d *auditData, v *domain.ValidationError) (string, error) {
	if id, ok := domain.CanonicalID(text); ok {
		if _, err := w.store.GetOfficer(r.ctx(), id); errors.Is(err, domain.ErrNotFound) {
			v.Add("officer", "matches no officer you can see")
			return "", nil
		} else if err != nil {
			return "", err
		}
		return id, nil
	}
	f := domain.OfficerFilter{Name: text, ByName: true}
	list, next, err := w.store.ListOfficers(r.ctx(), f, domain.Page{Limit: auditMatchesShown})
	if err != nil {
		return "", err
	}
	for _, o := range list {
		if strings.EqualFold(o.Email, text) {
			return o.ID, nil // the address, whichever others hold it in part
		}
	}
	switch {
	case len(list) == 0:
		v.Add("officer", "matches no officer you can see: type part of their name or e-mail address")
		return "", nil
	case len(list) == 1:
		return list[0].ID, nil
	}
	d.Matches = len(list)
	if next != "" {
		if d.Matches, err = w.store.CountOfficers(r.ctx(), f); err != nil {
			return "", err
		}
	}
	q := r.QueryParams()
	for _, o := range list {
		link := url.Values{}
		for k, vs := range q {
			if k != "cursor" {
				link[k] = vs
			}
		}
		link.Set("officer", o.Email)
		d.Officers = append(d.Officers, auditOfficer{Officer: o, Link: "/audit?" + link.Encode()})
	}
	v.Add("officer", "matches %s officers: choose one below, or type more of their name or their e-mail address", thousands(d.Matches))
	return "", nil
}

func (w *Web) audit(r *req) error {
	ctx := r.ctx()
	d := &auditData{Actions: domain.AuditActions}
	p := r.page("Audit trail", "audit", d)
	q := r.QueryParams()
	for _, k := range []string{"officer", "subject", "order", "action", "from-day", "from-month", "from-year", "to-day", "to-month", "to-year"} {
		p.Values[k] = q.Get(k)
	}
	v := &domain.ValidationError{}
	f := domain.AuditFilter{}
	if text := strings.TrimSpace(p.Values["officer"]); text != "" {
		id, err := w.auditOfficer(r, text, d, v)
		if err != nil {
			return err
		}
		f.OfficerID = id
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
	// Days in the service's zone, as the API takes them.
	if from := dateValue(p.Values, "from", v); from != nil {
		t := from.Start(w.cfg.Location)
		f.From = &t
	}
	if to := dateValue(p.Values, "to", v); to != nil {
		t := to.AddDays(1).Start(w.cfg.Location) // to the end of that day
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
	if d.Entries, err = w.lines(r, entries); err != nil {
		return err
	}
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
	if d.Entries, err = w.lines(r, entries); err != nil {
		return err
	}
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

// auditEntryData is one entry of the trail and a page of the records it
// names.
type auditEntryData struct {
	Entry   auditLine
	Records []recordName
	List    listing
}

// auditEntry is one entry with every record it names, auditEntryPage to a
// page, named as on the trail. Looking at it is a consultation of the
// trail, as the trail's own page is.
func (w *Web) auditEntry(r *req) error {
	id, err := strconv.ParseInt(r.Param("entry"), 10, 64)
	if err != nil || id < 1 {
		return domain.ErrNotFound
	}
	entries, _, err := w.store.ListAudit(r.ctx(), domain.AuditFilter{Entry: id}, domain.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return domain.ErrNotFound
	}
	e := entries[0]
	l := listing{Total: len(e.Records), Pages: max(1, (len(e.Records)+auditEntryPage-1)/auditEntryPage),
		Base: url.Values{}, Path: r.Request().URL.Path}
	l.Page, _ = strconv.Atoi(r.QueryParam("page"))
	l.Page = min(max(l.Page, 1), l.Pages)
	lo := (l.Page - 1) * auditEntryPage
	page := e.Records[lo:min(lo+auditEntryPage, len(e.Records))]
	n, err := w.namer(r, entries, func(domain.AuditEntry) []domain.RecordRef { return page })
	if err != nil {
		return err
	}
	d := &auditEntryData{Entry: auditLine{AuditEntry: e, Officer: n.officer(e.OfficerID)}, List: l}
	for _, ref := range page {
		d.Records = append(d.Records, n.record(ref))
	}
	return w.render(r, "audit-entry", r.page("Audit entry "+strconv.FormatInt(id, 10), "audit", d))
}
