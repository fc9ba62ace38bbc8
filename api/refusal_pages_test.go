package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A force's administrator holds the role a job's run needs but not the
// scope: the Jobs page offers them no run, says who may, and a run sent
// anyway is refused in those words, not as a matter of their roles.
func TestPageJobsSaysOnlyANationalAdministratorRuns(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "admin")
	p := b.get("/jobs")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `id="jobs-who-runs"`, "Only a national administrator")
	if strings.Contains(p.Body, `id="run-job"`) {
		t.Errorf("the Jobs page offers a force's administrator a run")
	}
	p = b.post("/jobs/run", url.Values{"csrf_token": {csrfOf(t, p)}, "job": {"ownership-sweep"}})
	wantStatus(t, p, http.StatusForbidden)
	wantText(t, p, "Only a national administrator")
	if strings.Contains(p.Body, "Your roles do not allow") {
		t.Errorf("the refusal blames the roles of an administrator")
	}

	national := e.browser(t)
	national.signIn(e.admin)
	p = national.get("/jobs")
	wantText(t, p, `id="run-job"`)
	if strings.Contains(p.Body, `id="jobs-who-runs"`) {
		t.Errorf("a national administrator is told only a national administrator may run a job")
	}
}

// Every force's policy is readable (GET /api/v1/forces/{code}/policy is
// for every reader); the page shows another force's without the form, and
// changes only the reader's own.
func TestPagePolicyOfAnotherForceIsReadOnly(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "admin")
	p := b.get("/forces/dorset/policy")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Dorset Police", `id="policy-settings"`, `id="policy-read-only"`, "180")
	if strings.Contains(p.Body, `action="/forces/dorset/policy"`) {
		t.Errorf("another force's policy is offered for change")
	}
	own := b.get("/forces/gloucestershire/policy")
	wantStatus(t, own, http.StatusOK)
	wantText(t, own, `action="/forces/gloucestershire/policy"`)
	p = b.post("/forces/dorset/policy", url.Values{"csrf_token": {csrfOf(t, own)}, "version": {"0"},
		"pre_release_days": {"90"}, "community_review_days": {"90"}, "prison_review_days": {"180"}, "check_grace_days": {"0"},
		"expiry_warning_days": {"180"}, "em_warning_days": {"30"}, "absence_threshold_days": {"14"}})
	wantStatus(t, p, http.StatusForbidden)
	wantText(t, p, "Only an administrator of Dorset Police")

	// An IOM officer reads their own force's, without the form.
	iom, _ := e.signedIn(t, "iom_officer")
	p = iom.get("/forces/gloucestershire/policy")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `id="policy-read-only"`)
}

// Another force's meetings are not there at all, as its agenda is not.
func TestPageMeetingsOfAnotherForceIsNotFound(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "tasking_chair")
	wantStatus(t, b.get("/tasking?force=dorset"), http.StatusNotFound)
	p := b.get("/meetings?force=dorset")
	wantStatus(t, p, http.StatusNotFound)
	if strings.Contains(p.Body, "No meetings") {
		t.Errorf("another force's meetings listed as none")
	}
	wantStatus(t, b.get("/meetings"), http.StatusOK)
	wantStatus(t, b.get("/meetings?force=gloucestershire"), http.StatusOK)

	national := e.browser(t)
	national.signIn(e.admin)
	wantStatus(t, national.get("/meetings?force=dorset"), http.StatusOK)
}
