package api_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// Twenty officers asked for the same order's iom role at once: every
// request succeeds in turn, and exactly one of them holds it afterwards.
func TestConcurrentOwnerAssignment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	order := s(e.order(t, s(sub, "id"), nil), "id")
	const n = 20
	officers := make([]string, n)
	for i := range officers {
		officers[i] = e.officer(t, "iom_officer")
	}

	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/iom", e.admin,
				js(obj{"officer_id": officers[i], "reason": fmt.Sprintf("Claim %d.", i)}))
			statuses[i] = r.Status
			if r.Status != http.StatusOK {
				t.Errorf("PUT %d: %s", i, r)
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("request %d got %d, want 200", i, st)
		}
	}

	r := e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "")
	want(t, r, http.StatusOK)
	holder := s(r.Body, "owners.iom.id")
	found := false
	for _, id := range officers {
		found = found || id == holder
	}
	if !found {
		t.Fatalf("owners.iom = %v, want one of the 20 officers", get(r.Body, "owners.iom"))
	}

	r = e.do(t, "GET", "/api/v1/orders/"+order+"/owners/history", e.admin, "")
	want(t, r, http.StatusOK)
	h := items(r)
	if len(h) != n {
		t.Fatalf("history has %d rows, want %d", len(h), n)
	}
	open := 0
	seen := map[string]bool{}
	for i, it := range h {
		seen[s(it, "officer.id")] = true
		if s(it, "role") != "iom" {
			t.Errorf("row %d role %s", i, s(it, "role"))
		}
		if get(it, "until") == nil {
			open++
			if s(it, "officer.id") != holder {
				t.Errorf("the open assignment is %s's, but the order says %s holds the role", s(it, "officer.id"), holder)
			}
			if i != 0 {
				t.Errorf("the open assignment is row %d, want it first (newest)", i)
			}
		} else if s(it, "ended_by.id") != e.adminID {
			t.Errorf("row %d ended_by %v", i, get(it, "ended_by"))
		}
	}
	if open != 1 {
		t.Errorf("%d assignments with until null, want exactly 1", open)
	}
	if len(seen) != n {
		t.Errorf("history names %d distinct officers, want %d", len(seen), n)
	}
}

// Ten PATCHes against the same version: one wins, the rest are 412 and
// change nothing.
func TestConcurrentSubjectPatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	id := s(sub, "id")
	const n = 10
	statuses := make([]int, n)
	names := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := e.do(t, "PATCH", "/api/v1/subjects/"+id, e.admin, js(obj{"last_name": fmt.Sprintf("Name%d", i)}),
				"If-Match", `"1"`)
			statuses[i] = r.Status
			if r.Status == http.StatusPreconditionFailed {
				if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("412 with Content-Type %q", ct)
				}
			}
			names[i] = s(r.Body, "last_name")
		}()
	}
	close(start)
	wg.Wait()

	ok, stale := 0, 0
	winner := ""
	for i, st := range statuses {
		switch st {
		case http.StatusOK:
			ok++
			winner = names[i]
		case http.StatusPreconditionFailed:
			stale++
		default:
			t.Errorf("request %d got %d, want 200 or 412", i, st)
		}
	}
	if ok != 1 || stale != n-1 {
		t.Errorf("%d × 200 and %d × 412, want 1 and %d", ok, stale, n-1)
	}
	r := e.do(t, "GET", "/api/v1/subjects/"+id, e.admin, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "version") != "2" || s(r.Body, "last_name") != winner {
		t.Errorf("after the race: version %s last_name %s, want 2 and the winner's %s",
			s(r.Body, "version"), s(r.Body, "last_name"), winner)
	}
}
