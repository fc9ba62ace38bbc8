package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// An officer named to cover an absent colleague is told so (for how long,
// not whom), when the absence is recorded and when a new cover is named;
// nobody was told.
func TestCoverNamedIsTold(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { store = c.Store.(*postgres.Store) })
	away, first, second := e.officer(t, "iom_officer"), e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	told := func(officer string) []string {
		t.Helper()
		var subjects []string
		if err := store.DB().Raw(`SELECT subject FROM notification_events WHERE officer_id = ? AND kind = 'cover_named' ORDER BY id`,
			officer).Scan(&subjects).Error; err != nil {
			t.Fatal(err)
		}
		return subjects
	}
	r := e.do(t, "POST", "/api/v1/officers/"+away+"/absences", e.admin, js(obj{"kind": "annual_leave", "starts_on": "2026-12-01",
		"ends_on": "2026-12-20", "cover_officer_id": first}))
	want(t, r, http.StatusCreated)
	if got := told(first); len(got) != 1 || got[0] != "from 2026-12-01 to 2026-12-20" {
		t.Errorf("the first cover was told %q", got)
	}
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+away+"/absences/"+s(r.Body, "id"), e.admin, `{"notes": "Back on the 21st."}`),
		http.StatusOK)
	if got := told(first); len(got) != 1 {
		t.Errorf("an edit that kept the cover told them again: %q", got)
	}
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+away+"/absences/"+s(r.Body, "id"), e.admin, js(obj{"cover_officer_id": second})),
		http.StatusOK)
	if got := told(second); len(got) != 1 {
		t.Errorf("the new cover was told %q", got)
	}
	_, body := domain.ComposeMail([]domain.EventView{{Kind: domain.EventCoverNamed, Subject: told(second)[0]}}, nil,
		func(string) string { return "" })
	if !strings.Contains(body, "Cover for absent colleagues") || !strings.Contains(body, "You cover a colleague's orders from 2026-12-01") {
		t.Errorf("the message: %s", body)
	}
}

// An officer's absences do not overlap: with two on the same days, which
// cover holds is anyone's guess. The overlap is refused naming the other
// absence, whether recorded or moved; a cancelled absence is no obstacle,
// and days either side are free.
func TestAbsencesDoNotOverlap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	away := e.officer(t, "iom_officer")
	path := "/api/v1/officers/" + away + "/absences"
	leave := e.do(t, "POST", path, e.admin, js(obj{"kind": "annual_leave", "starts_on": "2026-12-01", "ends_on": "2026-12-10"}))
	want(t, leave, http.StatusCreated)
	r := e.do(t, "POST", path, e.admin, js(obj{"kind": "long_term", "starts_on": "2026-12-10"}))
	wantFields(t, r, http.StatusUnprocessableEntity, "starts_on")
	if !strings.Contains(r.String(), "annual leave from 2026-12-01 to 2026-12-10") {
		t.Errorf("the refusal does not name the other absence: %s", r)
	}
	wantFields(t, e.do(t, "POST", path, e.admin, js(obj{"kind": "long_term", "starts_on": "2026-11-20", "ends_on": "2026-12-25"})),
		http.StatusUnprocessableEntity, "starts_on")
	later := e.do(t, "POST", path, e.admin, js(obj{"kind": "long_term", "starts_on": "2026-12-11"}))
	want(t, later, http.StatusCreated)
	// Moving the first absence's end into the second is refused too.
	wantFields(t, e.do(t, "PATCH", path+"/"+s(leave.Body, "id"), e.admin, js(obj{"ends_on": "2026-12-12"})),
		http.StatusUnprocessableEntity, "starts_on")
	// Cancelled, the second leaves its days free.
	want(t, e.do(t, "PATCH", path+"/"+s(later.Body, "id"), e.admin, js(obj{"cancelled": true})), http.StatusOK)
	want(t, e.do(t, "PATCH", path+"/"+s(leave.Body, "id"), e.admin, js(obj{"ends_on": "2026-12-12"})), http.StatusOK)
}

// Absences that overlapped before the rule can still be given a cover or
// notes (only a change of dates is judged against the others).
func TestOverlappingAbsencesFromBeforeTheRuleStayEditable(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { store = c.Store.(*postgres.Store) })
	away, cover := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	path := "/api/v1/officers/" + away + "/absences"
	first := e.do(t, "POST", path, e.admin, js(obj{"kind": "annual_leave", "starts_on": "2026-12-01", "ends_on": "2026-12-10"}))
	want(t, first, http.StatusCreated)
	second := e.do(t, "POST", path, e.admin, js(obj{"kind": "long_term", "starts_on": "2026-12-20"}))
	want(t, second, http.StatusCreated)
	// As an older release could leave them.
	if err := store.DB().Exec(`UPDATE officer_absences SET starts_on = '2026-12-05' WHERE id = ?`, s(second.Body, "id")).Error; err != nil {
		t.Fatal(err)
	}
	want(t, e.do(t, "PATCH", path+"/"+s(second.Body, "id"), e.admin, js(obj{"cover_officer_id": cover})), http.StatusOK)
	want(t, e.do(t, "PATCH", path+"/"+s(first.Body, "id"), e.admin, js(obj{"notes": "Back on the 11th."})), http.StatusOK)
	wantFields(t, e.do(t, "PATCH", path+"/"+s(first.Body, "id"), e.admin, js(obj{"ends_on": "2026-12-12"})),
		http.StatusUnprocessableEntity, "starts_on")
}

// An officer whose action a subject's move to another force cancelled is
// told so, as they were told when it was given; the action left their
// list without a word.
func TestActionCancelledByAMoveIsTold(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { store = c.Store.(*postgres.Store) })
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	iom := acOfficer(t, e, "gloucestershire", "iom_officer")
	sub := s(e.subject(t, nil), "id")
	ord := s(e.order(t, sub, nil), "id")
	_, act := e.decideOnUnowned(t, chair, "gloucestershire", ord,
		obj{"decision": "action", "action_by": iom, "due_by": "2026-12-01", "notes": "Visit."})
	type told struct {
		OrderID string
		Subject string
	}
	cancelled := func() []told {
		t.Helper()
		var got []told
		if err := store.DB().Raw(`SELECT order_id, subject FROM notification_events WHERE officer_id = ? AND kind = ?`,
			iom, domain.EventActionCancelled).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := cancelled(); len(got) != 0 {
		t.Fatalf("told of a cancellation before any: %v", got)
	}
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, e.admin, js(obj{"force": "kent"})), http.StatusOK)
	got := cancelled()
	if len(got) != 1 || got[0].OrderID != ord || got[0].Subject != s(act.Body, "id") {
		t.Fatalf("after the move the officer was told %v, want the action %s on order %s", got, s(act.Body, "id"), ord)
	}
	_, body := domain.ComposeMail([]domain.EventView{{Kind: domain.EventActionCancelled, OrderID: ord, Reference: "G-1"}}, nil,
		func(id string) string { return "https://scpo.example/orders/" + id })
	if !strings.Contains(body, "Actions cancelled") || !strings.Contains(body, "Your action on order G-1 was cancelled: the order moved out of your force's hands") {
		t.Errorf("the message: %s", body)
	}
	// No link to the order, which the officer can no longer open.
	if strings.Contains(body, "https://scpo.example/orders/") {
		t.Errorf("the message links to an order out of the officer's view: %s", body)
	}
}

// A cover's own absence cancelled resolves, in the same change, the
// owner_absent flags of the colleague's orders it made (the cover away):
// they stood on the agenda until the next sweep.
func TestCoverBackResolvesTheColleaguesFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	away, cover := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": away, "reason": "Allocated."})),
		http.StatusOK)
	want(t, e.do(t, "POST", "/api/v1/officers/"+away+"/absences", e.admin, js(obj{"kind": "long_term", "starts_on": today,
		"ends_on": "2027-03-31", "cover_officer_id": cover})), http.StatusCreated)
	coverAway := e.do(t, "POST", "/api/v1/officers/"+cover+"/absences", e.admin, js(obj{"kind": "annual_leave",
		"starts_on": today, "ends_on": "2026-12-31"}))
	want(t, coverAway, http.StatusCreated)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	open := func() []string {
		r := e.do(t, "GET", "/api/v1/orders/"+ord, e.admin, "")
		want(t, r, http.StatusOK)
		return vwStrings(get(r.Body, "open_flags"))
	}
	if !slices.Contains(open(), "owner_absent") {
		t.Fatalf("owner and cover both away: flags %v, want owner_absent", open())
	}
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+cover+"/absences/"+s(coverAway.Body, "id"), e.admin,
		js(obj{"cancelled": true})), http.StatusOK)
	if f := open(); slices.Contains(f, "owner_absent") {
		t.Errorf("the cover is back, the colleague's order still flagged owner_absent: %v", f)
	}
}
