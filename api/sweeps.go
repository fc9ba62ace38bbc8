package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// jobRunView is a run as a caller sees it: the counts cover every force,
// so a caller who does not see every force gets them as null.
type jobRunView struct {
	domain.JobRun
	Raised   *int `json:"raised"`
	Resolved *int `json:"resolved"`
	Changed  *int `json:"changed"`
}

func viewRun(c echo.Context, r domain.JobRun) jobRunView {
	v := jobRunView{JobRun: r}
	if domain.ScopeFrom(ctxOf(c)).AllForces {
		v.Raised, v.Resolved, v.Changed = &r.Raised, &r.Resolved, &r.Changed
	}
	return v
}

type jobView struct {
	domain.Job
	LastRun *jobRunView `json:"last_run"`
}

func (s *Server) listJobs(c echo.Context) error {
	last, err := s.store.LastJobRuns(ctxOf(c))
	if err != nil {
		return err
	}
	jobs := make([]jobView, 0, len(domain.JobNames))
	for _, name := range domain.JobNames {
		j := jobView{Job: domain.Job{Name: name, Schedule: s.schedules[name], Raises: domain.JobFlags[name]}}
		if r, ok := last[name]; ok {
			v := viewRun(c, r)
			j.LastRun = &v
		}
		jobs = append(jobs, j)
	}
	return respond(c, http.StatusOK, listOf(jobs, ""))
}

func jobName(c echo.Context) (string, error) {
	name := c.Param("name")
	if !slices.Contains(domain.JobNames, name) {
		return "", domain.ErrNotFound
	}
	return name, nil
}

type runRequest struct {
	AsOf *string `json:"as_of"`
}

func (s *Server) runJob(c echo.Context) error {
	name, err := jobName(c)
	if err != nil {
		return err
	}
	// A sweep changes every force's flags: only an administrator who sees
	// every force runs one.
	if !domain.ScopeFrom(ctxOf(c)).AllForces {
		return domain.ErrForbidden
	}
	var req runRequest
	if err := bindOptionalJSON(c, &req); err != nil {
		return err
	}
	v := &domain.ValidationError{}
	asOf := s.today()
	if d := dateField(v, "as_of", req.AsOf); d != nil {
		asOf = *d
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := domain.CheckRunDate(asOf, s.today()); err != nil {
		return err
	}
	// The run goes on without the request: an answer within runWait is
	// the finished run; a longer run is answered 202 with its URL, where
	// it reads as running until it ends (and is recorded either way).
	run, done, err := s.store.StartJob(ctxOf(c), name, asOf)
	if err != nil {
		return err
	}
	if s.runWait > 0 {
		t := time.NewTimer(s.runWait)
		defer t.Stop()
		select {
		case out := <-done:
			if out.Err != nil {
				// The failure is recorded in the run history; the caller sees
				// the run, not the cause.
				s.log.Error("manual job run failed", "job", name, "run_id", out.Run.ID, "error", out.Err)
				p := Problem{Type: problemBase + "job-failed", Title: "The job failed",
					Status: http.StatusInternalServerError,
					Detail: "The run failed and is recorded as " + out.Run.ID + " in GET " + runURL(name, out.Run.ID) + "."}
				if s.store.Unavailable(out.Err) {
					// The database went away mid-run (a restart): nothing was
					// changed, and the run can be asked for again shortly.
					p.Type, p.Title, p.Status = problemBase+"unavailable", "Service Unavailable", http.StatusServiceUnavailable
					// Its failure may not have been recorded either (the
					// database was gone): the next run of the job marks it.
					p.Detail = "The service lost its database during the run (" + runURL(name, out.Run.ID) +
						"), which changed nothing; run it again shortly. Until the job runs again the run may still read as running."
					c.Response().Header().Set("Retry-After", "5")
				}
				return respondProblem(c, p)
			}
			return respond(c, http.StatusOK, out.Run)
		case <-t.C:
		case <-c.Request().Context().Done():
		}
	}
	c.Response().Header().Set(echo.HeaderLocation, runURL(name, run.ID))
	return respond(c, http.StatusAccepted, run)
}

func runURL(job, id string) string { return "/api/v1/jobs/" + job + "/runs/" + id }

// getJobRun reads one run: a run answered 202 is followed here.
func (s *Server) getJobRun(c echo.Context) error {
	name, err := jobName(c)
	if err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	run, err := s.store.GetJobRun(ctxOf(c), name, c.Param("id"))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, viewRun(c, run))
}

// previewJob answers what a run as of a day (ahead of today too) would
// change, writing nothing.
func (s *Server) previewJob(c echo.Context) error {
	name, err := jobName(c)
	if err != nil {
		return err
	}
	// National counts, like a run: only an administrator of every force.
	if !domain.ScopeFrom(ctxOf(c)).AllForces {
		return domain.ErrForbidden
	}
	q := newQuery(c, "as_of")
	asOf := s.asOf(q)
	if err := q.err(); err != nil {
		return err
	}
	out, err := s.store.PreviewJob(ctxOf(c), name, asOf)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) listJobRuns(c echo.Context) error {
	name, err := jobName(c)
	if err != nil {
		return err
	}
	q := newQuery(c)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	runs, next, err := s.store.ListJobRuns(ctxOf(c), name, p)
	if err != nil {
		return err
	}
	out := make([]jobRunView, len(runs))
	for i, r := range runs {
		out[i] = viewRun(c, r)
	}
	return respond(c, http.StatusOK, listOf(out, next))
}

func (s *Server) listFlags(c echo.Context) error {
	q := newQuery(c, "status", "kind", "case_type", "force", "order_id")
	f := domain.FlagFilter{Status: q.oneOf("status", []string{"open", "resolved"}), Kind: q.oneOf("kind", domain.FlagKinds),
		CaseType: q.oneOf("case_type", caseTypes), Force: q.str("force"), OrderID: q.id("order_id")}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	flags, next, err := s.store.ListFlags(ctxOf(c), f, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(flags, next))
}

func (s *Server) getPolicy(c echo.Context) error {
	p, err := s.store.GetPolicy(ctxOf(c), c.Param("code"))
	if err != nil {
		return err
	}
	etag(c, p.Version)
	return respond(c, http.StatusOK, p)
}

type policyRequest struct {
	RequiredRoles        []string `json:"required_roles"`
	PreReleaseDays       *int     `json:"pre_release_days"`
	CommunityReviewDays  *int     `json:"community_review_days"`
	PrisonReviewDays     *int     `json:"prison_review_days"`
	CheckGraceDays       *int     `json:"check_grace_days"`
	ExpiryWarningDays    *int     `json:"expiry_warning_days"`
	EMWarningDays        *int     `json:"em_warning_days"`
	AbsenceThresholdDays *int     `json:"absence_threshold_days"`
}

// putPolicy replaces a force's policy; a field left out takes its default.
func (s *Server) putPolicy(c echo.Context) error {
	// Every force's policy is readable; only one's own force's is changed.
	if !domain.ScopeFrom(ctxOf(c)).CanWrite(c.Param("code")) {
		return domain.ErrForbidden
	}
	var req policyRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p := domain.DefaultPolicy(c.Param("code"))
	if req.RequiredRoles != nil {
		p.RequiredRoles = req.RequiredRoles
	}
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.PreReleaseDays, req.PreReleaseDays)
	set(&p.CommunityReviewDays, req.CommunityReviewDays)
	set(&p.PrisonReviewDays, req.PrisonReviewDays)
	set(&p.CheckGraceDays, req.CheckGraceDays)
	set(&p.ExpiryWarningDays, req.ExpiryWarningDays)
	set(&p.EMWarningDays, req.EMWarningDays)
	set(&p.AbsenceThresholdDays, req.AbsenceThresholdDays)
	out, err := s.store.PutPolicy(ctxOf(c), p, ifMatch(c))
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}
