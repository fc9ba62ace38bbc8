package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
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

// Reassignments that share orders run at once, in a ring (A to B, B to
// C, C to A, for the iom and the lro roles of the same orders), with
// allocations and reviews on those orders. PostgreSQL breaks the deadlocks
// this makes by aborting one transaction, which the service runs again:
// every request succeeds or is refused for what it asked (never a 5xx),
// and each order ends with one current owner per role.
func TestConcurrentReassignmentsShareOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ring := map[string][]string{"iom": {e.officer(t, "iom_officer"), e.officer(t, "iom_officer"), e.officer(t, "iom_officer")},
		"lro": {e.officer(t, "lro"), e.officer(t, "lro"), e.officer(t, "lro")}}
	var orders []string
	for i := range 45 {
		o := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
		for role, officers := range ring {
			want(t, e.do(t, "PUT", "/api/v1/orders/"+o+"/owners/"+role, e.admin,
				js(obj{"officer_id": officers[i%3], "reason": "Allocation."})), http.StatusOK)
		}
		orders = append(orders, o)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, officers := range ring {
		for k := range 3 {
			wg.Go(func() {
				<-start
				for range 8 {
					r := e.do(t, "POST", "/api/v1/officers/"+officers[k]+"/reassign", e.admin,
						js(obj{"to_officer_id": officers[(k+1)%3], "reason": "Handover."}))
					if r.Status != http.StatusOK && r.Status != http.StatusUnprocessableEntity {
						t.Errorf("reassign %s: %s", officers[k], r)
					}
				}
			})
		}
	}
	for w := range 2 {
		wg.Go(func() {
			<-start
			for i := range 30 {
				o := orders[(i*7+w)%len(orders)]
				want(t, e.do(t, "PUT", "/api/v1/orders/"+o+"/owners/iom", e.admin,
					js(obj{"officer_id": ring["iom"][i%3], "reason": "Allocation."})), http.StatusOK)
				want(t, e.do(t, "POST", "/api/v1/orders/"+o+"/reviews", e.admin,
					js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})), http.StatusCreated)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, o := range orders {
		r := e.do(t, "GET", "/api/v1/orders/"+o+"/owners/history", e.admin, "")
		current := map[string]int{}
		for _, it := range items(r) {
			if get(it, "until") == nil {
				current[s(it, "role")]++
			}
		}
		if current["iom"] != 1 || current["lro"] != 1 {
			t.Errorf("order %s ends with current owners %v, want one iom and one lro", o, current)
		}
	}
}

// Reviews recorded while a review sweep raises flags: a sweep reads the
// register as its statements begin, so a review committed while it ran was
// not in what it read, and it raised review_overdue on orders reviewed a
// moment before (the review's own change had found no flag to resolve).
// Those flags stood until the next day's sweep. Every order reviewed today
// must have no review_overdue open once both are done.
func TestReviewsDuringASweepLeaveNoStaleFlag(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000; store = c.Store.(*postgres.Store) })
	day, _ := domain.ParseDate(today)
	if _, err := store.GenerateOrders(context.Background(), 1500, day); err != nil {
		t.Fatal(err)
	}
	var orders []string
	if err := store.DB().Raw(`SELECT id FROM orders WHERE status IN ('pending', 'active') ORDER BY id LIMIT 800`).
		Scan(&orders).Error; err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		// Clear the kind, so the sweep raises it for every overdue order. (A
		// run as of an earlier day is refused once one has run as of today.)
		if err := store.DB().Exec(`UPDATE flags SET resolved_at = now() WHERE kind = 'review_overdue' AND resolved_at IS NULL`).Error; err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			if r := e.do(t, "POST", "/api/v1/jobs/review-sweep/runs", e.admin, js(obj{"as_of": today})); r.Status != http.StatusOK {
				t.Errorf("the sweep: %s", r)
			}
		})
		mine := orders[round*400 : round*400+400]
		for w := range 8 {
			wg.Go(func() {
				<-start
				for i := w; i < len(mine); i += 8 {
					want(t, e.do(t, "POST", "/api/v1/orders/"+mine[i]+"/reviews", e.admin,
						js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})), http.StatusCreated)
				}
			})
		}
		close(start)
		wg.Wait()
		var stale int
		if err := store.DB().Raw(`SELECT count(*) FROM flags f JOIN reviews r ON r.order_id = f.order_id
			WHERE f.kind = 'review_overdue' AND f.resolved_at IS NULL AND r.reviewed_on = ?`, day.Time).
			Scan(&stale).Error; err != nil {
			t.Fatal(err)
		}
		if stale > 0 {
			t.Errorf("round %d: %d orders reviewed today still flagged review_overdue", round, stale)
		}
	}
}

// An owner given an order while a colleague deactivates them: whichever
// commits first, the officer ends owning nothing (the assignment waits for
// the deactivation and is refused, or the deactivation waits for it and
// ends it). Before, the assignment read the officer as active and both
// committed, leaving a deactivated owner.
func TestAssignmentRacingADeactivation(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000 })
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	for round := range 12 {
		officer := e.officer(t, "iom_officer")
		var wg sync.WaitGroup
		wg.Go(func() {
			r := e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": officer, "reason": "Allocated."}))
			if r.Status != http.StatusOK && r.Status != http.StatusUnprocessableEntity {
				t.Errorf("round %d: the assignment: %s", round, r)
			}
		})
		wg.Go(func() {
			want(t, e.do(t, "PATCH", "/api/v1/officers/"+officer, e.admin, `{"active": false}`), http.StatusOK)
		})
		wg.Wait()
		if got := s(e.do(t, "GET", "/api/v1/orders/"+ord, e.admin, "").Body, "owners.iom.id"); got == officer {
			t.Errorf("round %d: the deactivated officer still owns the order", round)
		}
	}
}

// A force's policy changed while an order of the force is allocated: the
// two re-settle the order's flags from each other's data, and neither saw
// the other's write. Now a policy change has the register to itself, so
// the unowned flag ends resolved, as the rule says.
func TestPolicyChangeRacingAnAllocation(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000 })
	lro := e.officer(t, "lro")
	policy := "/api/v1/forces/gloucestershire/policy"
	for round := range 12 {
		want(t, e.do(t, "PUT", policy, e.admin, js(obj{"required_roles": []string{"iom", "lro"}})), http.StatusOK)
		ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
		want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, "{}"), http.StatusOK)
		var wg sync.WaitGroup
		wg.Go(func() {
			want(t, e.do(t, "PUT", policy, e.admin, js(obj{"required_roles": []string{"lro"}})), http.StatusOK)
		})
		wg.Go(func() {
			want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/lro", e.admin, js(obj{"officer_id": lro, "reason": "Allocated."})),
				http.StatusOK)
		})
		wg.Wait()
		if f := e.do(t, "GET", "/api/v1/flags?status=open&kind=unowned&order_id="+ord, e.admin, ""); len(items(f)) != 0 {
			t.Errorf("round %d: the order has its LRO, the policy asks for an LRO alone, and unowned is open: %s", round, f)
		}
	}
}

// A meeting action that follows its order to a new officer in a bulk
// reassignment is told to them, as an action given at a meeting is.
func TestReassignedActionIsToldToItsNewHolder(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { store = c.Store.(*postgres.Store) })
	a, b := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, "{}"), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	want(t, e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions", e.admin, js(obj{"item_id": s(m.Body, "agenda.0.id"),
		"decision": "assign_owner", "role": "iom", "officer_id": a, "action_by": a, "due_by": "2026-12-01", "notes": "Visit."})),
		http.StatusCreated)
	told := func(officer string) int {
		t.Helper()
		var n int
		if err := store.DB().Raw(`SELECT count(*) FROM notification_events WHERE officer_id = ? AND kind = 'action_assigned'
			AND order_id = ?`, officer, ord).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if told(a) != 1 {
		t.Fatalf("A was not told of the action given at the meeting")
	}
	r := e.do(t, "POST", "/api/v1/officers/"+a+"/reassign", e.admin, js(obj{"to_officer_id": b, "reason": "A leaving."}))
	want(t, r, http.StatusOK)
	if s(r.Body, "actions_moved") != "1" || told(b) != 1 {
		t.Errorf("the action moved to B (%s), and B was told %d times, want once", s(r.Body, "actions_moved"), told(b))
	}
}
