package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"scpo/domain"
)

// --- Transfers between forces ------------------------------------------------

type transferFormData struct {
	Subject domain.Subject
	Forces  []domain.Force // the forces it may go to
}

func (w *Web) transferPage(r *req) (*page, *transferFormData, error) {
	s, err := w.store.GetSubject(r.ctx(), r.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	if !domain.ScopeFrom(r.ctx()).CanWrite(s.Force) {
		return nil, nil, domain.ErrForbidden
	}
	forces, err := w.store.ListForces(r.ctx())
	if err != nil {
		return nil, nil, err
	}
	forces = slices.DeleteFunc(forces, func(f domain.Force) bool { return f.Code == s.Force })
	d := &transferFormData{Subject: s, Forces: forces}
	return r.page("Transfer to another force", "find", d), d, nil
}

func (w *Web) transferForm(r *req) error {
	p, _, err := w.transferPage(r)
	if err != nil {
		return err
	}
	return w.render(r, "transfer-new", p)
}

var transferLabels = map[string]string{"to_force": "Force", "reason": "Reason"}

// requestTransfer asks another force to take the subject and their orders.
func (w *Web) requestTransfer(r *req) error {
	p, d, err := w.transferPage(r)
	if err != nil {
		return err
	}
	p.Values = formValues(r, "to_force", "reason")
	out, err := w.store.RequestTransfer(r.ctx(), domain.TransferRequest{SubjectID: d.Subject.ID,
		ToForce: p.Values["to_force"], Reason: p.Values["reason"]})
	if err != nil {
		return w.formError(r, err, "transfer-new", p, transferLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/transfers/"+out.ID+"?done=requested")
}

type transfersData struct {
	Force  domain.Force
	Forces []domain.Force
	// Each list newest first, a page at a time (its keyset: where the
	// page is in the whole), paged on its own.
	Incoming, Outgoing, Past             []domain.Transfer
	IncomingPage, OutgoingPage, PastPage keyset
}

// transfers lists a force's transfers: incoming waiting for its answer,
// outgoing waiting for the other force's, and those settled, each newest
// first, a page at a time with its count.
func (w *Web) transfers(r *req) error {
	d := &transfersData{}
	p := r.page("Transfers", "tasking", d)
	force := r.defaultForce()
	if force == "" {
		var err error
		if d.Forces, err = w.store.ListForces(r.ctx()); err != nil {
			return err
		}
		d.Forces = forcesWhere(d.Forces, domain.ScopeFrom(r.ctx()).CanRead)
		return w.render(r, "transfers", p)
	}
	f, err := w.store.GetForce(r.ctx(), force)
	if err != nil || !domain.ScopeFrom(r.ctx()).CanRead(f.Code) {
		// Another force's list is not in view, as its agenda is not.
		return domain.ErrNotFound
	}
	d.Force = f
	for _, l := range []struct {
		filter domain.TransferFilter
		name   string
		items  *[]domain.Transfer
		k      *keyset
	}{
		{domain.TransferFilter{Force: f.Code, Direction: "incoming", Status: domain.TransferRequested}, "incoming", &d.Incoming, &d.IncomingPage},
		{domain.TransferFilter{Force: f.Code, Direction: "outgoing", Status: domain.TransferRequested}, "outgoing", &d.Outgoing, &d.OutgoingPage},
		{domain.TransferFilter{Force: f.Code, Settled: true}, "past", &d.Past, &d.PastPage},
	} {
		*l.k = keysetNamed(r, l.name+"_", "transfers-"+l.name)
		if *l.items, err = readPage(r, l.k, pageSize, byID(func(p domain.Page) ([]domain.Transfer, string, error) {
			return w.store.ListTransfers(r.ctx(), l.filter, p)
		}), func() (int, error) { return w.store.CountTransfers(r.ctx(), l.filter) }); err != nil {
			return err
		}
	}
	p.Title = "Transfers: " + f.Name
	return w.render(r, "transfers", p)
}

type transferData struct {
	Transfer    domain.Transfer
	CanDecide   bool // the receiving force's chair
	CanWithdraw bool // the sending force
	SeeSubject  bool
}

func (w *Web) transferView(r *req) (*page, *transferData, error) {
	t, err := w.store.GetTransfer(r.ctx(), r.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	scope := domain.ScopeFrom(r.ctx())
	open := t.Status == domain.TransferRequested
	d := &transferData{Transfer: t,
		CanDecide:   open && scope.CanWrite(t.ToForce) && w.host.Permitted(r.me, "POST /api/v1/transfers/:id/accept"),
		CanWithdraw: open && scope.CanWrite(t.FromForce) && w.host.Permitted(r.me, "POST /api/v1/transfers/:id/withdraw"),
	}
	// The subject's record is the force's that holds them now.
	holder := t.FromForce
	if t.Status == domain.TransferAccepted {
		holder = t.ToForce
	}
	d.SeeSubject = scope.CanRead(holder) && w.host.Permitted(r.me, "GET /api/v1/subjects/:id")
	return r.page("Transfer of "+t.SubjectName, "tasking", d), d, nil
}

var transferFlashes = map[string]string{"requested": "Transfer requested", "accepted": "Transfer accepted",
	"declined": "Transfer declined", "withdrawn": "Transfer withdrawn"}

func (w *Web) transfer(r *req) error {
	p, _, err := w.transferView(r)
	if err != nil {
		return err
	}
	p.Flash = transferFlashes[r.QueryParam("done")]
	return w.render(r, "transfer", p)
}

// decideTransfer answers a transfer: accepted or declined by the receiving
// force's chair, withdrawn by the sender. A transfer already settled by
// someone else is shown as it now is.
func decideTransfer(status string) func(*Web, *req) error {
	return func(w *Web, r *req) error {
		p, d, err := w.transferView(r)
		if err != nil {
			return err
		}
		field := "reason"
		if status == domain.TransferDeclined {
			field = "decline_reason"
		}
		p.Values = formValues(r, field)
		_, err = w.store.DecideTransfer(r.ctx(), d.Transfer.ID, status, optional(p.Values[field]))
		var c *domain.ConflictError
		if errors.As(err, &c) {
			p, _, err = w.transferView(r)
			if err != nil {
				return err
			}
			p.Errors = []fieldError{{"", "This transfer was already " + p.Data.(*transferData).Transfer.Status +
				" before your answer was sent. It is shown as it now is"}}
			return w.renderStatus(r, http.StatusConflict, "transfer", p)
		}
		if err != nil {
			return w.formError(r, renameFields(err, map[string]string{"reason": field}), "transfer", p,
				map[string]string{field: "Reason"})
		}
		if status == domain.TransferAccepted {
			q := url.Values{"force": {d.Transfer.ToForce}, "done": {"transfer"}, "name": {d.Transfer.SubjectName}}
			return r.Redirect(http.StatusSeeOther, "/tasking?"+q.Encode())
		}
		return r.Redirect(http.StatusSeeOther, "/transfers/"+d.Transfer.ID+"?done="+status)
	}
}

// --- Absence and cover -------------------------------------------------------

type absenceData struct {
	Officer domain.Officer
	Absence *domain.Absence // the one being changed
	// Covers are the officers who may cover, the first pickMax by name
	// (narrowed by Filter's name, when typed), and the absence's cover.
	Covers officerPick
	Filter nameFilter
	Stale  bool
	Kinds  []string
}

// absencePage loads the officer (and absence, when one is named) and the
// officers who may cover: active, same force, an owner role.
func (w *Web) absencePage(r *req) (*page, *absenceData, error) {
	o, err := w.store.GetOfficer(r.ctx(), r.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	if o.Force == nil || !domain.ScopeFrom(r.ctx()).CanWrite(*o.Force) {
		return nil, nil, domain.ErrNotFound
	}
	d := &absenceData{Officer: o, Kinds: domain.AbsenceKinds}
	if id := r.Param("absence_id"); id != "" {
		a, err := w.findAbsence(r, o.ID, id)
		if err != nil {
			return nil, nil, err
		}
		d.Absence = &a
	}
	who := pickName(r)
	pick, err := w.pickOfficers(r.ctx(), domain.OfficerFilter{Force: *o.Force, AnyRole: domain.OwningRoles}, who)
	if err != nil {
		return nil, nil, err
	}
	d.Covers = pick.without(func(c domain.Officer) bool { return c.ID == o.ID || domain.CanCover(o, c) != nil })
	d.Filter = officerFilter(r, who, d.Covers.Cut())
	// The absence's cover is offered whatever the list holds: a change of
	// its notes must not drop them.
	if a := d.Absence; a != nil && a.Cover != nil &&
		!slices.ContainsFunc(d.Covers.Officers, func(c domain.Officer) bool { return c.ID == a.Cover.ID }) {
		d.Covers.Officers = append([]domain.Officer{{ID: a.Cover.ID, Name: a.Cover.Name}}, d.Covers.Officers...)
	}
	title := "Record an absence"
	if d.Absence != nil {
		title = "Change an absence"
	}
	return r.page(title, "officers", d), d, nil
}

func (w *Web) findAbsence(r *req, officerID, id string) (domain.Absence, error) {
	list, err := domain.AllPages(func(p domain.Page) ([]domain.Absence, string, error) {
		return w.store.ListAbsences(r.ctx(), officerID, p)
	})
	if err != nil {
		return domain.Absence{}, err
	}
	for _, a := range list {
		if a.ID == strings.ToLower(id) {
			return a, nil
		}
	}
	return domain.Absence{}, domain.ErrNotFound
}

func absenceValues(a domain.Absence) map[string]string {
	vals := map[string]string{"version": strconv.Itoa(a.Version), "kind": a.Kind, "notes": derefStr(a.Notes)}
	setDate(vals, "starts_on", a.StartsOn)
	if a.EndsOn != nil {
		setDate(vals, "ends_on", *a.EndsOn)
	}
	if a.Cover != nil {
		vals["cover_officer_id"] = a.Cover.ID
	}
	return vals
}

var absenceLabels = map[string]string{"kind": "Kind of absence", "starts_on": "First day away", "ends_on": "Last day away",
	"cover_officer_id": "Cover", "notes": "Notes"}

var absenceFields = []string{"kind", "starts_on-day", "starts_on-month", "starts_on-year", "ends_on-day", "ends_on-month",
	"ends_on-year", "cover_officer_id", "notes", "version", "cancel"}

// readAbsence puts the form's values on a.
func (w *Web) readAbsence(vals map[string]string, a *domain.Absence, v *domain.ValidationError) {
	a.Kind, a.Notes = vals["kind"], optional(vals["notes"])
	a.StartsOn = domain.Date{}
	if d := dateValue(vals, "starts_on", v); d != nil {
		a.StartsOn = *d
	}
	a.EndsOn = dateValue(vals, "ends_on", v)
	a.Cover = nil
	if id := vals["cover_officer_id"]; id != "" {
		if cid, ok := domain.CanonicalID(id); ok {
			a.Cover = &domain.OfficerRef{ID: cid}
		} else {
			v.Add("cover_officer_id", "must be an officer from the list")
		}
	}
}

func (w *Web) absenceForm(r *req) error {
	p, d, err := w.absencePage(r)
	if err != nil {
		return err
	}
	if d.Absence != nil {
		p.Values = absenceValues(*d.Absence)
	} else {
		setDate(p.Values, "starts_on", w.today())
	}
	return w.render(r, "absence", p)
}

func (w *Web) recordAbsence(r *req) error {
	p, d, err := w.absencePage(r)
	if err != nil {
		return err
	}
	p.Values = formValues(r, absenceFields...)
	a := domain.Absence{OfficerID: d.Officer.ID}
	v := &domain.ValidationError{}
	w.readAbsence(p.Values, &a, v)
	if v.Err() != nil {
		a.Validate(w.today(), v)
		return w.formError(r, v, "absence", p, absenceLabels)
	}
	if _, err := w.store.RecordAbsence(r.ctx(), a); err != nil {
		return w.formError(r, err, "absence", p, absenceLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/officers/"+d.Officer.ID+"?done=absence")
}

// changeAbsence changes an absence's dates or cover, or (the cancel
// button) cancels it; a version changed meanwhile is refused with the
// absence as it now is.
func (w *Web) changeAbsence(r *req) error {
	p, d, err := w.absencePage(r)
	if err != nil {
		return err
	}
	p.Values = formValues(r, absenceFields...)
	cancel := p.Values["cancel"] != ""
	today := w.today()
	_, err = w.store.UpdateAbsence(r.ctx(), d.Officer.ID, d.Absence.ID, formVersion(p.Values), func(a *domain.Absence) error {
		if cancel {
			now := w.cfg.Clock.Now()
			a.CancelledAt = &now
			return nil
		}
		v := &domain.ValidationError{}
		w.readAbsence(p.Values, a, v)
		if v.Err() != nil {
			a.Validate(today, v)
			return v
		}
		return nil
	})
	if errors.Is(err, domain.ErrStale) {
		cur, gerr := w.findAbsence(r, d.Officer.ID, d.Absence.ID)
		if gerr != nil {
			return gerr
		}
		d.Absence, d.Stale = &cur, true
		p.Values = absenceValues(cur)
		p.Errors = []fieldError{{"kind", w.staleMessage(r, domain.RecordRef{Type: "absence", ID: cur.ID},
			"this absence", cur.UpdatedAt, "It is shown as it now is; check it and send the form again if still needed")}}
		return w.renderStatus(r, http.StatusConflict, "absence", p)
	}
	if err != nil {
		return w.formError(r, err, "absence", p, absenceLabels)
	}
	done := "absence-changed"
	if cancel {
		done = "absence-cancelled"
	}
	return r.Redirect(http.StatusSeeOther, "/officers/"+d.Officer.ID+"?done="+done)
}

// --- Workload ----------------------------------------------------------------

type workloadData struct {
	Force  domain.Force
	Forces []domain.Force
	Report domain.Workload
	Roles  []string
}

// workload shows a force's officers side by side, lightest first, for a
// chair allocating fairly.
func (w *Web) workload(r *req) error {
	d := &workloadData{Roles: domain.OwnerRoles}
	p := r.page("Workload", "tasking", d)
	force := r.defaultForce()
	if force == "" {
		var err error
		if d.Forces, err = w.store.ListForces(r.ctx()); err != nil {
			return err
		}
		return w.render(r, "workload", p)
	}
	f, err := w.store.GetForce(r.ctx(), force)
	if err != nil {
		return domain.ErrNotFound
	}
	d.Force = f
	if d.Report, err = w.store.Workload(r.ctx(), f.Code, w.today()); err != nil {
		return err
	}
	p.Title = "Workload: " + f.Name
	return w.render(r, "workload", p)
}
