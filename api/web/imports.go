package web

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"

	"scpo/domain"
)

// maxImportFile is the largest spreadsheet the import page takes, as the
// API; the upload's form may be that and 1 MB more. The confirming form
// carries only the check's ID: the file is kept on the server.
const (
	maxImportFile = 8 << 20
	maxImportForm = maxImportFile + 1<<20
)

// --- Bringing a force's records in ---------------------------------------------

type importData struct {
	Forces   []domain.Force
	Force    string // fixed for an officer bound to a force
	Result   *domain.ImportResult
	FileName string
	Check    *domain.CheckedImport // the checked file, kept for the commit form
	Done     *importDone
}

// importDone is what a committed import recorded, kept in the session
// for the page the commit redirects to (see keepFlash).
type importDone struct {
	Kind                      string // "import"
	Force                     string
	Subjects, Orders, Matched int
}

func (w *Web) importPage(r *req) (*page, *importData, error) {
	d := &importData{}
	if r.me.Force != nil {
		d.Force = *r.me.Force
	} else {
		var err error
		if d.Forces, err = w.store.ListForces(r.ctx()); err != nil {
			return nil, nil, err
		}
	}
	return r.page("Bring records in from a spreadsheet", "imports", d), d, nil
}

func (w *Web) importForm(r *req) error {
	p, d, err := w.importPage(r)
	if err != nil {
		return err
	}
	var done importDone
	if ok, err := w.takeFlash(r, &done); err != nil {
		return err
	} else if ok && done.Kind == "import" {
		d.Done = &done
		p.Flash = "Import recorded for " + w.forceName(done.Force)
	}
	return w.render(r, "import", p)
}

// importForce is the force the records are for: the officer's own, or
// the one a national administrator chose.
func (w *Web) importForce(r *req, d *importData, v *domain.ValidationError) string {
	if d.Force != "" {
		return d.Force
	}
	f := r.FormValue("force")
	if f == "" || !slices.ContainsFunc(d.Forces, func(x domain.Force) bool { return x.Code == f }) {
		v.Add("force", "Choose the force whose records these are")
		return ""
	}
	return f
}

// importDryRun checks an uploaded file, writing nothing: what each row
// would create or match, and every problem by row and column.
func (w *Web) importDryRun(r *req) error {
	p, d, err := w.importPage(r)
	if err != nil {
		return err
	}
	v := &domain.ValidationError{}
	force := w.importForce(r, d, v)
	p.Values["force"] = r.FormValue("force")
	var data []byte
	if fh, ferr := r.FormFile("file"); ferr != nil {
		v.Add("file", "Choose a CSV or .xlsx file")
	} else if f, oerr := fh.Open(); oerr != nil {
		v.Add("file", "The file could not be read: choose it again")
	} else {
		data, err = io.ReadAll(io.LimitReader(f, maxImportFile+1))
		f.Close()
		switch {
		case err != nil:
			v.Add("file", "The file could not be read: choose it again")
		case len(data) == 0:
			v.Add("file", "The file is empty")
		case len(data) > maxImportFile:
			v.Add("file", "The file must be smaller than 8 MB: split it")
		}
		d.FileName = filepath.Base(fh.Filename)
	}
	if v.Err() != nil {
		for _, fe := range v.Errors {
			p.Errors = append(p.Errors, fieldError{fe.Field, fe.Message})
		}
		return w.renderStatus(r, http.StatusUnprocessableEntity, "import", p)
	}
	// A dry run writes nothing: it consults the records it matches.
	domain.AuditFrom(r.ctx()).SetAction(domain.ActionConsultation)
	res, err := w.store.Import(r.ctx(), domain.ImportRequest{Force: force, Source: d.FileName,
		Sheet: domain.ReadImportFile(data)})
	if err != nil {
		return w.formError(r, err, "import", p, importLabels)
	}
	d.Result = &res
	if res.Ready {
		// Kept for the commit, which names it by its ID alone.
		c := domain.NewCheckedImport(randomToken(), r.me.ID, force, d.FileName, data, w.cfg.Clock.Now())
		if err := w.store.KeepCheckedImport(r.ctx(), c); err != nil {
			return err
		}
		d.Check = &c
	}
	p.Title = "Check the import"
	return w.render(r, "import", p)
}

var importLabels = map[string]string{"force": "Force", "file": "File"}

// importCommit records the checked file kept under the form's ID: all of
// it or nothing. Only the officer who checked it may, within its day.
func (w *Web) importCommit(r *req) error {
	p, d, err := w.importPage(r)
	if err != nil {
		return err
	}
	c, err := w.store.CheckedImport(r.ctx(), r.FormValue("check"))
	if errors.Is(err, domain.ErrNotFound) {
		err = domain.CheckedImportGone()
	} else if err == nil {
		err = c.UsableBy(r.me.ID, w.cfg.Clock.Now())
	}
	if err != nil {
		return w.formError(r, err, "import", p, importLabels)
	}
	force, data := c.Force, c.Data
	d.FileName = c.FileName
	p.Values["force"] = force
	res, err := w.store.Import(r.ctx(), domain.ImportRequest{Force: force, Source: d.FileName,
		Sheet: domain.ReadImportFile(data), Commit: true})
	var ve *domain.ValidationError
	if errors.As(err, &ve) || (err == nil && !res.Committed) {
		// Something changed since the dry run: nothing was recorded. Show
		// the file checked again.
		domain.AuditFrom(r.ctx()).SetAction(domain.ActionConsultation)
		again, aerr := w.store.Import(r.ctx(), domain.ImportRequest{Force: force, Source: d.FileName, Sheet: domain.ReadImportFile(data)})
		if aerr != nil {
			return aerr
		}
		d.Result, d.Check = &again, &c
		p.Title = "Check the import"
		p.Errors = []fieldError{{"file", "Nothing was recorded: the file has problems now. Correct them and check the file again"}}
		return w.renderStatus(r, http.StatusUnprocessableEntity, "import", p)
	}
	if err != nil {
		return err
	}
	// Recorded: kept no longer (a second commit would find nothing new).
	if err := w.store.ForgetCheckedImport(r.ctx(), c.ID); err != nil {
		w.log.ErrorContext(r.ctx(), "checked import not forgotten", "error", err)
	}
	if err := w.keepFlash(r, importDone{Kind: "import", Force: force, Subjects: res.Summary.SubjectsCreated,
		Orders: res.Summary.OrdersCreated, Matched: res.Summary.OrdersMatched}); err != nil {
		return err
	}
	return r.Redirect(http.StatusSeeOther, "/imports")
}

// importTemplate is the API's CSV template (the header row; with
// ?example=true an example row).
func (w *Web) importTemplate(r *req) error { return w.host.ImportTemplate(r) }

// --- Subject access export ---------------------------------------------------

// exportSubject is the API's subject export: the printable page
// (?format=html) or the JSON document, each a disclosure.
func (w *Web) exportSubject(r *req) error { return w.host.ExportSubject(r) }

// --- Force policy -------------------------------------------------------------

type policyData struct {
	Force  domain.Force
	Policy domain.Policy
	Roles  []string
	Stale  bool
	// CanEdit: the reader may change this force's policy.
	CanEdit bool
}

var policyNumbers = []string{"pre_release_days", "community_review_days", "prison_review_days", "check_grace_days",
	"expiry_warning_days", "em_warning_days", "absence_threshold_days"}

var policyLabels = map[string]string{"required_roles": "Owners every order needs",
	"pre_release_days": "Days before release to prepare", "community_review_days": "Days between reviews in the community",
	"prison_review_days": "Days between reviews in prison", "check_grace_days": "Days' grace for an overdue check",
	"expiry_warning_days": "Days' warning of an order ending",
	"em_warning_days":     "Days' warning of electronic monitoring ending", "absence_threshold_days": "Days an owner may be away without cover"}

func policyValues(p domain.Policy) map[string]string {
	vals := map[string]string{"version": strconv.Itoa(p.Version)}
	for _, r := range p.RequiredRoles {
		vals["role-"+r] = "on"
	}
	for _, n := range policyNumbers {
		vals[n] = strconv.Itoa(*policyField(&p, n))
	}
	return vals
}

func policyField(p *domain.Policy, name string) *int {
	switch name {
	case "pre_release_days":
		return &p.PreReleaseDays
	case "community_review_days":
		return &p.CommunityReviewDays
	case "prison_review_days":
		return &p.PrisonReviewDays
	case "check_grace_days":
		return &p.CheckGraceDays
	case "expiry_warning_days":
		return &p.ExpiryWarningDays
	case "em_warning_days":
		return &p.EMWarningDays
	}
	return &p.AbsenceThresholdDays
}

// policyPage is a force's policy. Every force's is readable, as through
// the API; it is changed by an administrator of that force (or a national
// one), and shown to anyone else without the form.
func (w *Web) policyPage(r *req) (*page, *policyData, error) {
	f, err := w.store.GetForce(r.ctx(), r.Param("code"))
	if err != nil {
		return nil, nil, domain.ErrNotFound
	}
	pol, err := w.store.GetPolicy(r.ctx(), f.Code)
	if err != nil {
		return nil, nil, err
	}
	d := &policyData{Force: f, Policy: pol, Roles: domain.OwnerRoles,
		CanEdit: w.host.Permitted(r.me, "PUT /api/v1/forces/:code/policy") && domain.ScopeFrom(r.ctx()).CanWrite(f.Code)}
	p := r.page("Policy: "+f.Name, "officers", d)
	p.Values = policyValues(pol)
	return p, d, nil
}

func (w *Web) policyForm(r *req) error {
	p, _, err := w.policyPage(r)
	if err != nil {
		return err
	}
	if r.QueryParam("done") == "saved" {
		p.Flash = "Policy saved"
	}
	return w.render(r, "policy", p)
}

func (w *Web) savePolicy(r *req) error {
	p, d, err := w.policyPage(r)
	if err != nil {
		return err
	}
	if !d.CanEdit {
		return refuse("Only an administrator of " + d.Force.Name + ", or a national administrator, can change its policy.")
	}
	p.Values = formValues(r, append([]string{"version"}, policyNumbers...)...)
	form, _ := r.FormParams()
	pol := domain.DefaultPolicy(d.Force.Code)
	pol.RequiredRoles = []string{}
	for _, role := range form["required_roles"] {
		p.Values["role-"+role] = "on"
		pol.RequiredRoles = append(pol.RequiredRoles, role)
	}
	v := &domain.ValidationError{}
	for _, n := range policyNumbers {
		x, err := strconv.Atoi(p.Values[n])
		if err != nil {
			v.Add(n, "must be a whole number")
			continue
		}
		*policyField(&pol, n) = x
	}
	// The rules too, at once (they waited for every number to be one):
	// a field not a number keeps its default, and its own error.
	rules := &domain.ValidationError{}
	pol.Validate(rules)
	for _, fe := range rules.Errors {
		if !v.Has(fe.Field) {
			v.Add(fe.Field, "%s", fe.Message)
		}
	}
	if v.Err() != nil {
		return w.formError(r, v, "policy", p, policyLabels)
	}
	_, err = w.store.PutPolicy(r.ctx(), pol, formVersion(p.Values))
	if errors.Is(err, domain.ErrStale) {
		cur, gerr := w.store.GetPolicy(r.ctx(), d.Force.Code)
		if gerr != nil {
			return gerr
		}
		d.Policy, d.Stale = cur, true
		p.Values = policyValues(cur)
		p.Errors = []fieldError{{"pre_release_days", w.staleMessage(r, domain.RecordRef{Type: "force_policy", ID: cur.Force},
			"this policy", cur.UpdatedAt, "Its current settings are shown; check them and save again if still needed")}}
		return w.renderStatus(r, http.StatusConflict, "policy", p)
	}
	if err != nil {
		return w.formError(r, err, "policy", p, policyLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/forces/"+d.Force.Code+"/policy?done=saved")
}
