package api_test

import (
	"net/http"
	"testing"
	"time"

	"scpo/api"
)

// A manual run that outlasts its request's wait is answered 202 with the
// run's URL, goes on to the end, and is recorded; a retry with the same
// Idempotency-Key gets the same answer and starts nothing.
func TestManualRunAnsweredAccepted(t *testing.T) {
	e := newEnvWith(t, func(c *api.Config) { c.ManualRunWait = -1 })
	o := e.order(t, s(e.subject(t, nil), "id"), nil) // unowned: the ownership sweep raises it
	body := js(obj{"as_of": today})
	r := e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, body, "Idempotency-Key", "run-1")
	want(t, r, http.StatusAccepted)
	id := s(r.Body, "id")
	loc := r.Header.Get("Location")
	if loc != "/api/v1/jobs/ownership-sweep/runs/"+id {
		t.Fatalf("Location %q, want the run's URL with id %s", loc, id)
	}
	if st := s(r.Body, "status"); st != "running" {
		t.Errorf("answered run's status %q, want running", st)
	}

	again := e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, body, "Idempotency-Key", "run-1")
	want(t, again, http.StatusAccepted)
	if again.Header.Get("Idempotent-Replayed") != "true" || s(again.Body, "id") != id {
		t.Errorf("retry: replayed %q, id %s; want the first answer (run %s)", again.Header.Get("Idempotent-Replayed"),
			s(again.Body, "id"), id)
	}

	// Follow the URL until the run ends (not a timing assertion: it only
	// bounds the wait).
	var run resp
	for i := 0; i < 600; i++ {
		run = e.do(t, "GET", loc, e.admin, "")
		want(t, run, http.StatusOK)
		if s(run.Body, "status") != "running" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s(run.Body, "status") != "succeeded" || s(run.Body, "finished_at") == "" {
		t.Fatalf("run %s: %s, want succeeded with finished_at", id, run)
	}
	if n, _ := run.Body["raised"].(float64); n < 1 {
		t.Errorf("run raised %v flags, want the unowned order's", run.Body["raised"])
	}
	flags := e.do(t, "GET", "/api/v1/flags?status=open&kind=unowned&order_id="+s(o, "id"), e.admin, "")
	want(t, flags, http.StatusOK)
	if got := items(flags); len(got) != 1 || s(got[0], "raised_by_run") != id {
		t.Errorf("open unowned flags of the order: %v, want one raised by run %s", got, id)
	}
	list := e.do(t, "GET", "/api/v1/jobs/ownership-sweep/runs", e.admin, "")
	if got := items(list); len(got) != 1 {
		t.Errorf("%d runs recorded, want 1 (the retry started none): %s", len(got), list)
	}

	wantProblem(t, e.do(t, "GET", "/api/v1/jobs/ownership-sweep/runs/not-a-uuid", e.admin, ""), http.StatusNotFound)
	wantProblem(t, e.do(t, "GET", "/api/v1/jobs/review-sweep/runs/"+id, e.admin, ""), http.StatusNotFound)
}
