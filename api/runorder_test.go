package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// A run as of an earlier day than the job's last run would take the flags
// back to that day, and everyone would read them until the next run: it is
// refused (a manual run) or recorded as not run (a late scheduled tick),
// and changes nothing. Looking back is a preview.
func TestJobRunNeverTakesTheRegisterBack(t *testing.T) {
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { store = c.Store.(*postgres.Store) })
	sub := e.subject(t, nil)
	e.order(t, s(sub, "id"), obj{"made_on": "2024-06-10", "starts_on": "2024-06-10"})
	vwRun(t, e, "review-sweep", today)
	before := e.do(t, "GET", "/api/v1/flags?status=open", e.admin, "")
	if len(items(before)) == 0 {
		t.Fatalf("no open flag to keep: %s", before)
	}
	runs := len(items(e.do(t, "GET", "/api/v1/jobs/review-sweep/runs", e.admin, "")))

	r := e.do(t, "POST", "/api/v1/jobs/review-sweep/runs", e.admin, `{"as_of": "2024-07-01"}`)
	wantFields(t, r, http.StatusUnprocessableEntity, "as_of")
	if !strings.Contains(string(r.Raw), today) {
		t.Errorf("the refusal does not name the last run's day: %s", r)
	}
	// The same day as the last run, or a later one, still runs.
	vwRun(t, e, "review-sweep", today)
	runs++

	// A scheduled tick that comes late, after a later run, is recorded as
	// not run.
	tick := time.Date(2024, 7, 1, 2, 30, 0, 0, time.UTC)
	if _, err := store.RunJob(context.Background(), "review-sweep", domain.DateOf(tick, time.UTC), &tick); err == nil {
		t.Errorf("a tick as of 2024-07-01 ran after a run as of %s", today)
	}
	h := e.do(t, "GET", "/api/v1/jobs/review-sweep/runs", e.admin, "")
	if len(items(h)) != runs+1 {
		t.Fatalf("runs: %d, want %d: %s", len(items(h)), runs+1, h)
	}
	late := false
	for _, it := range items(h) {
		if s(it, "as_of") == "2024-07-01" {
			late = s(it, "status") == "failed" && strings.HasPrefix(s(it, "error"), "not run: must not be before")
		}
	}
	if !late {
		t.Errorf("the late tick is not recorded as not run: %s", h)
	}
	if after := e.do(t, "GET", "/api/v1/flags?status=open", e.admin, ""); string(after.Raw) != string(before.Raw) {
		t.Errorf("open flags changed:\nbefore %s\nafter  %s", before, after)
	}
	// Looking back is a preview, which writes nothing.
	want(t, e.do(t, "GET", "/api/v1/jobs/review-sweep/preview?as_of=2024-07-01", e.admin, ""), http.StatusOK)
}
