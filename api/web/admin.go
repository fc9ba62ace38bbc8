package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"scpo/domain"
)

// --- Officers ----------------------------------------------------------------

type officersData struct {
	Officers []domain.Officer
	Page     keyset
	// Forces are those the reader can see (the list's filter) or, on the
	// form adding an officer, those they manage; Force the one chosen.
	Forces   []domain.Force
	Force    string
	Roles    []string
	CanAdd   bool
	National bool // the officer may add an officer with no force
}

// officersPage is how many officers a page of the list shows;
// officerListPage how many of an officer's tokens, or absences, their
// page shows.
const (
	officersPage    = 50
	officerListPage = 25
)

// officers lists the officers in the reader's view (of one force with
// ?force=, chosen from the forces they can see), by name, a page at a
// time: a national deployment has thousands.
func (w *Web) officers(r *req) error {
	d := &officersData{CanAdd: w.host.Permitted(r.me, "POST /api/v1/officers")}
	forces, err := w.store.ListForces(r.ctx())
	if err != nil {
		return err
	}
	d.Forces = forcesWhere(forces, domain.ScopeFrom(r.ctx()).CanRead)
	f := domain.OfficerFilter{Force: r.QueryParam("force"), ByName: true}
	if f.Force != "" && !slices.ContainsFunc(d.Forces, func(x domain.Force) bool { return x.Code == f.Force }) {
		return domain.ErrNotFound // another force's officers are not in view, as its agenda is not
	}
	d.Force = f.Force
	d.Page = keysetFrom(r)
	if d.Officers, err = readPage(r, &d.Page, officersPage, func(p domain.Page) ([]domain.Officer, string, error) {
		return w.store.ListOfficers(r.ctx(), f, p)
	}, func() (int, error) { return w.store.CountOfficers(r.ctx(), f) }); err != nil {
		return err
	}
	p := r.page("Officers", "officers", d)
	if d.Force != "" {
		p.Title = "Officers: " + w.forceName(d.Force)
	}
	p.Flash = officerFlashes[r.QueryParam("done")]
	return w.render(r, "officers", p)
}

var officerFlashes = map[string]string{"created": "Officer added", "saved": "Officer's details saved", "revoked": "Token revoked",
	"absence": "Absence recorded", "absence-changed": "Absence changed", "absence-cancelled": "Absence cancelled"}

func (w *Web) officerForm(r *req) error {
	d := &officersData{Roles: domain.OfficerRoles}
	var err error
	if d.Forces, err = w.store.ListForces(r.ctx()); err != nil {
		return err
	}
	d.Forces = forcesWhere(d.Forces, domain.ScopeFrom(r.ctx()).CanWrite)
	d.National = domain.ScopeFrom(r.ctx()).AllForces
	return w.render(r, "officer-new", r.page("Add an officer", "officers", d))
}

var officerLabels = map[string]string{"name": "Name", "email": "Email address", "force": "Force", "roles": "Roles"}

func (w *Web) createOfficer(r *req) error {
	d := &officersData{Roles: domain.OfficerRoles}
	var err error
	if d.Forces, err = w.store.ListForces(r.ctx()); err != nil {
		return err
	}
	d.Forces = forcesWhere(d.Forces, domain.ScopeFrom(r.ctx()).CanWrite)
	d.National = domain.ScopeFrom(r.ctx()).AllForces
	p := r.page("Add an officer", "officers", d)
	p.Values = formValues(r, "name", "email", "force")
	form, _ := r.FormParams()
	roles := form["roles"]
	for _, role := range roles {
		p.Values["role-"+role] = "on"
	}
	o := domain.Officer{Name: p.Values["name"], Email: p.Values["email"], Force: optional(p.Values["force"]), Roles: roles, Active: true}
	v := &domain.ValidationError{}
	if o.Force != nil {
		if _, err := w.store.GetForce(r.ctx(), *o.Force); err != nil {
			v.Add("force", "must be a force from the list")
		}
	}
	o.Validate(v)
	if v.Err() != nil {
		return w.formError(r, v, "officer-new", p, officerLabels)
	}
	out, err := w.store.CreateOfficer(r.ctx(), o)
	if err != nil {
		return w.formError(r, err, "officer-new", p, officerLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/officers/"+out.ID+"?done=created")
}

// --- One officer: details, roles, tokens, absences --------------------------

type officerData struct {
	Officer domain.Officer
	Roles   []string
	// Tokens are a page of their tokens, as issued (TokensPage where it
	// is in the whole).
	Tokens     []domain.TokenInfo
	TokensPage keyset
	Issued     *domain.IssuedToken
	CanEdit    bool
	CanToken   bool
	Stale      bool
	// Absences, a page of them for those who may see them, the latest
	// first; CanAbsence: record and change.
	Absences     []domain.Absence
	AbsencesPage keyset
	ShowAbsent   bool
	CanAbsence   bool
	// Forces is offered to a national administrator, who may move an
	// officer to another force (or make them national).
	Forces []domain.Force
	// Holds is how many live orders they own; CanReassign: the reader may
	// move them to a colleague (deactivating would leave them unowned).
	Holds       int
	ShowHolds   bool
	CanReassign bool
	// CanCaseload: the reader may list the orders they hold.
	CanCaseload bool
}

func (w *Web) officerPage(r *req) (*page, *officerData, error) {
	o, err := w.store.GetOfficer(r.ctx(), r.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	d := &officerData{Officer: o, Roles: domain.OfficerRoles,
		CanEdit:  w.host.Permitted(r.me, "PATCH /api/v1/officers/:id"),
		CanToken: w.host.Permitted(r.me, "GET /api/v1/officers/:id/tokens")}
	// Each list a page at a time, paged on its own (an officer given a
	// token a week for years has hundreds).
	counts := func(n func(domain.OfficerListCounts) int) func() (int, error) {
		return func() (int, error) {
			c, err := w.store.CountOfficerLists(r.ctx(), o.ID)
			return n(c), err
		}
	}
	if d.CanToken {
		d.TokensPage = keysetNamed(r, "tokens_", "tokens")
		if d.Tokens, err = readPage(r, &d.TokensPage, officerListPage, func(p domain.Page) ([]domain.TokenInfo, string, error) {
			return w.store.ListTokens(r.ctx(), o.ID, p)
		}, counts(func(c domain.OfficerListCounts) int { return c.Tokens })); err != nil {
			return nil, nil, err
		}
	}
	if o.Force != nil && domain.ScopeFrom(r.ctx()).CanRead(*o.Force) && w.host.Permitted(r.me, "GET /api/v1/reports/workload") {
		// The live orders they own (not those they cover), as the
		// workload view counts them. Only this officer's count is shown:
		// read without noting the force's other officers on the entry.
		load, err := w.store.Workload(domain.WithAudit(r.ctx(), nil), *o.Force, w.today())
		if err != nil {
			return nil, nil, err
		}
		d.ShowHolds = true
		for _, l := range load.Officers {
			if l.Officer.ID == o.ID {
				d.Holds = l.Total
			}
		}
		d.CanReassign = domain.ScopeFrom(r.ctx()).CanWrite(*o.Force) && w.host.Permitted(r.me, "POST /api/v1/officers/:id/reassign")
		d.CanCaseload = w.host.Permitted(r.me, "GET /api/v1/caseload")
	}
	if d.CanEdit && domain.ScopeFrom(r.ctx()).AllForces {
		if d.Forces, err = w.store.ListForces(r.ctx()); err != nil {
			return nil, nil, err
		}
	}
	if o.Force != nil && domain.ScopeFrom(r.ctx()).CanRead(*o.Force) && w.host.Permitted(r.me, "GET /api/v1/officers/:id/absences") {
		d.ShowAbsent = true
		d.AbsencesPage = keysetNamed(r, "absences_", "absences")
		if d.Absences, err = readPage(r, &d.AbsencesPage, officerListPage, func(p domain.Page) ([]domain.Absence, string, error) {
			return w.store.ListAbsences(r.ctx(), o.ID, p)
		}, counts(func(c domain.OfficerListCounts) int { return c.Absences })); err != nil {
			return nil, nil, err
		}
		d.CanAbsence = domain.ScopeFrom(r.ctx()).CanWrite(*o.Force) && w.host.Permitted(r.me, "POST /api/v1/officers/:id/absences")
	}
	p := r.page(o.Name, "officers", d)
	p.Values = officerValues(o)
	return p, d, nil
}

// officerCaseloadData is another officer's caseload, as My work lists one's own.
type officerCaseloadData struct {
	Officer domain.Officer
	Items   []domain.CaseloadItem
	Page    keyset
	All     int
}

// officerCaseload lists an officer's orders for whoever may read them
// through GET /api/v1/caseload?officer_id= (a chair or administrator of
// their force, a regional lead of their region); another force's officer
// is not found. The officer page counted "Orders held" with no list.
func (w *Web) officerCaseload(r *req) error {
	o, err := w.store.GetOfficer(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	// A page at a time, as My work lists them; the summary counts all.
	cl, k, err := w.caseloadPage(r, o.ID)
	if err != nil {
		return err
	}
	d := &officerCaseloadData{Officer: o, Items: cl.Items, Page: k, All: cl.Summary.Orders}
	return w.render(r, "officer-caseload", r.page(o.Name+": orders", "officers", d))
}

func officerValues(o domain.Officer) map[string]string {
	vals := map[string]string{"version": strconv.Itoa(o.Version), "force": derefStr(o.Force)}
	for _, role := range o.Roles {
		vals["role-"+role] = "on"
	}
	if o.Active {
		vals["active"] = "yes"
	} else {
		vals["active"] = "no"
	}
	return vals
}

func (w *Web) officer(r *req) error {
	p, _, err := w.officerPage(r)
	if err != nil {
		return err
	}
	p.Flash = officerFlashes[r.QueryParam("done")]
	var done reassignDone
	if ok, err := w.takeFlash(r, &done); err != nil {
		return err
	} else if ok && done.Officer == r.Param("id") {
		p.Flash = fmt.Sprintf("Orders reassigned: %d ownerships and %d open actions moved", done.Moved, done.Actions)
	}
	return w.render(r, "officer", p)
}

// saveOfficer changes an officer's roles and whether they are active (a
// deactivated officer's sessions end at once).
func (w *Web) saveOfficer(r *req) error {
	p, d, err := w.officerPage(r)
	if err != nil {
		return err
	}
	p.Values = formValues(r, "active", "version", "force")
	form, _ := r.FormParams()
	roles := form["roles"]
	for _, role := range roles {
		p.Values["role-"+role] = "on"
	}
	if p.Values["active"] != "yes" && p.Values["active"] != "no" {
		return w.formError(r, domain.Invalid("active", "must be chosen"), "officer", p, map[string]string{"active": "Whether they can sign in"})
	}
	_, err = w.store.UpdateOfficer(r.ctx(), d.Officer.ID, formVersion(p.Values), func(o *domain.Officer) error {
		o.Roles = roles
		o.Active = p.Values["active"] == "yes"
		// A national administrator moves an officer between forces (their
		// ownerships of the old force's orders end, as through the API).
		if _, sent := form["force"]; d.Forces != nil && sent {
			force := optional(p.Values["force"])
			if force != nil && !slices.ContainsFunc(d.Forces, func(f domain.Force) bool { return f.Code == *force }) {
				return domain.Invalid("force", "is not one of the forces offered")
			}
			o.Force = force
		}
		return nil
	})
	if errors.Is(err, domain.ErrStale) {
		cur, gerr := w.store.GetOfficer(r.ctx(), d.Officer.ID)
		if gerr != nil {
			return gerr
		}
		d.Officer, d.Stale = cur, true
		p.Values = officerValues(cur)
		p.Errors = []fieldError{{"roles", w.staleMessage(r, domain.RecordRef{Type: "officer", ID: cur.ID},
			"this officer", cur.UpdatedAt, "Their current roles are shown; check them and save again if still needed")}}
		return w.renderStatus(r, http.StatusConflict, "officer", p)
	}
	if err != nil {
		return w.formError(r, err, "officer", p, officerLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/officers/"+d.Officer.ID+"?done=saved")
}

// issueToken shows a new token once. It is not redirected: the token is
// in this answer only (no-store), never in a URL or the database.
func (w *Web) issueToken(r *req) error {
	o, err := w.store.GetOfficer(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	tok, err := w.store.IssueToken(r.ctx(), o.ID, nil)
	if err != nil {
		return err
	}
	p, d, err := w.officerPage(r)
	if err != nil {
		return err
	}
	d.Issued = &tok
	p.Flash = "Token issued. Copy it now: it is not shown again"
	return w.render(r, "officer", p)
}

func (w *Web) revokeToken(r *req) error {
	o, err := w.store.GetOfficer(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	if err := w.store.RevokeToken(r.ctx(), o.ID, r.Param("token_id")); err != nil {
		return err
	}
	return r.Redirect(http.StatusSeeOther, "/officers/"+o.ID+"?done=revoked")
}

// --- Jobs ------------------------------------------------------------------

type jobsData struct {
	Jobs   []jobLine
	CanRun bool
	// National: the reader sees every force, and so the runs' counts
	// (national, as GET /jobs answers them only to such a reader).
	National bool
	Run      *domain.JobRun
	Preview  *domain.JobPreview
	Job      string
	// OnlyNational says who may run a job, to a reader who may not.
	OnlyNational string
}

type jobLine struct {
	Name, Schedule string
	Raises         []string
	Last           *domain.JobRun
}

func (w *Web) jobLines(ctx context.Context) ([]jobLine, error) {
	last, err := w.store.LastJobRuns(ctx)
	if err != nil {
		return nil, err
	}
	schedules := w.host.JobSchedules()
	out := make([]jobLine, 0, len(domain.JobNames))
	for _, name := range domain.JobNames {
		l := jobLine{Name: name, Schedule: schedules[name], Raises: domain.JobFlags[name]}
		if run, ok := last[name]; ok {
			l.Last = &run
		}
		out = append(out, l)
	}
	return out, nil
}

func (w *Web) jobs(r *req) error {
	lines, err := w.jobLines(r.ctx())
	if err != nil {
		return err
	}
	national := domain.ScopeFrom(r.ctx()).AllForces
	// A sweep is national: a force's administrator may not run one (the
	// buttons answered "not allowed"), nor read its national counts.
	d := &jobsData{Jobs: lines, National: national, CanRun: national && w.host.Permitted(r.me, "POST /api/v1/jobs/:name/runs"),
		OnlyNational: onlyNational}
	p := r.page("Jobs", "jobs", d)
	setDate(p.Values, "as_of", w.today())
	if r.QueryParam("done") == "run" {
		p.Flash = humanise(r.QueryParam("job")) + " ran"
	}
	return w.render(r, "jobs", p)
}

var jobLabels = map[string]string{"as_of": "As of", "job": ""}

// runJob runs a sweep now, as of today or an earlier day; previewJob
// counts what a run would change, any day, writing nothing.
func (w *Web) runJob(r *req) error {
	return w.jobAction(r, true)
}

func (w *Web) previewJob(r *req) error {
	return w.jobAction(r, false)
}

// onlyNational says who may run or preview a sweep, to anyone else.
const onlyNational = "Only a national administrator (an administrator with no force) can run or preview a job: " +
	"each sweep runs across every force. Ask yours to run it, or wait for its next scheduled run."

func (w *Web) jobAction(r *req, run bool) error {
	if !domain.ScopeFrom(r.ctx()).AllForces {
		return refuse(onlyNational) // a sweep is national
	}
	lines, err := w.jobLines(r.ctx())
	if err != nil {
		return err
	}
	d := &jobsData{Jobs: lines, CanRun: true}
	p := r.page("Jobs", "jobs", d)
	// One form, two buttons: run (a change) or preview (a consultation
	// that writes nothing; posted so the CSRF token stays out of URLs).
	p.Values = formValues(r, "job", "as_of-day", "as_of-month", "as_of-year")
	name := p.Values["job"]
	d.Job = name
	v := &domain.ValidationError{}
	if !slices.Contains(domain.JobNames, name) {
		v.Add("job", "Choose a job")
	}
	asOf := w.today()
	if a := dateValue(p.Values, "as_of", v); a != nil {
		asOf = *a
	}
	if run && v.Err() == nil && domain.CheckRunDate(asOf, w.today()) != nil {
		v.Add("as_of", "must be today or earlier: a run changes the register. Use Preview to look ahead")
	}
	if v.Err() != nil {
		return w.formError(r, v, "jobs", p, jobLabels)
	}
	if !run {
		pv, err := w.store.PreviewJob(r.ctx(), name, asOf)
		if err != nil {
			return err
		}
		d.Preview = &pv
		return w.render(r, "jobs", p)
	}
	if _, err := w.store.RunJob(r.ctx(), name, asOf, nil); err != nil {
		var c *domain.ConflictError
		var invalid *domain.ValidationError
		if errors.As(err, &invalid) {
			// A day before the job's last run (see domain.CheckRunAfter).
			return w.formError(r, invalid, "jobs", p, jobLabels)
		}
		if errors.As(err, &c) {
			p.Errors = []fieldError{{"", "The " + humanise(name) + " is already running. Try again when it has finished"}}
			return w.renderStatus(r, http.StatusConflict, "jobs", p)
		}
		return err
	}
	return r.Redirect(http.StatusSeeOther, "/jobs?done=run&job="+name)
}
