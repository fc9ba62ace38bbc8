package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Keeping records moving: transfers between forces, absence and cover, the
// workload a chair allocates by.

// mvOfficer creates an officer of force with roles and returns its id and
// a token.
func mvOfficer(t *testing.T, e *env, force string, roles ...string) (string, string) {
	t.Helper()
	n := emails.Add(1)
	o := e.create(t, "/api/v1/officers", obj{"name": fmt.Sprintf("Mover %d", n),
		"email": fmt.Sprintf("mover%d@%s.police.uk", n, force), "force": force, "roles": roles})
	return s(o, "id"), e.token(t, s(o, "id"))
}

func TestTransferRequestedDeclinedRequestedAgainAndAccepted(t *testing.T) {
	e := newEnv(t)
	_, glosChairTok := mvOfficer(t, e, "gloucestershire", "tasking_chair")
	_, glosOrdersTok := mvOfficer(t, e, "gloucestershire", "orders_officer")
	_, dorsetChairTok := mvOfficer(t, e, "dorset", "tasking_chair")
	iom, _ := mvOfficer(t, e, "gloucestershire", "iom_officer")
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), obj{"made_on": "2025-01-01", "starts_on": "2025-01-10"})
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated."})), http.StatusOK)
	// A review overdue flag, to follow the subject.
	vwRun(t, e, "review-sweep", "2026-11-25")
	path := "/api/v1/subjects/" + s(sub, "id") + "/transfers"

	wantFields(t, e.do(t, "POST", path, glosOrdersTok, js(obj{"to_force": "gloucestershire", "reason": "x"})),
		http.StatusUnprocessableEntity, "to_force")
	wantFields(t, e.do(t, "POST", path, glosOrdersTok, js(obj{"to_force": "atlantis", "reason": ""})),
		http.StatusUnprocessableEntity, "to_force", "reason")
	// The receiving force cannot ask for a subject it cannot see.
	wantProblem(t, e.do(t, "POST", path, dorsetChairTok, js(obj{"to_force": "dorset", "reason": "Ours now."})),
		http.StatusNotFound)

	r := e.do(t, "POST", path, glosOrdersTok, js(obj{"to_force": "dorset", "reason": "Moved to Poole."}))
	want(t, r, http.StatusCreated)
	first := s(r.Body, "id")
	if s(r.Body, "status") != "requested" || s(r.Body, "subject_name") != "Dean Carter" ||
		s(r.Body, "orders.0.reference") != s(ord, "reference") {
		t.Errorf("requested transfer: %s", r)
	}
	wantProblem(t, e.do(t, "POST", path, glosOrdersTok, js(obj{"to_force": "dorset", "reason": "Again."})),
		http.StatusConflict)

	// Dorset sees it as incoming, and only that: the subject is not theirs yet.
	in := e.do(t, "GET", "/api/v1/transfers?force=dorset&direction=incoming&status=requested", dorsetChairTok, "")
	if len(items(in)) != 1 || s(in.Body, "items.0.id") != first {
		t.Errorf("dorset's incoming transfers: %s", in)
	}
	wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), dorsetChairTok, ""), http.StatusNotFound)
	// It is on Dorset's agenda as incoming.
	ag := e.do(t, "GET", "/api/v1/reports/tasking?force=dorset", dorsetChairTok, "")
	if s(ag.Body, "incoming_transfers.0.id") != first || s(ag.Body, "incoming_transfers.0.subject_name") != "Dean Carter" {
		t.Errorf("dorset's agenda lacks the incoming transfer: %s", ag)
	}
	// The sender cannot answer its own request.
	wantProblem(t, e.do(t, "POST", "/api/v1/transfers/"+first+"/accept", glosChairTok, ""), http.StatusForbidden)
	// Declining needs a reason.
	wantFields(t, e.do(t, "POST", "/api/v1/transfers/"+first+"/decline", dorsetChairTok, ""),
		http.StatusUnprocessableEntity, "reason")
	r = e.do(t, "POST", "/api/v1/transfers/"+first+"/decline", dorsetChairTok, js(obj{"reason": "No address here yet."}))
	want(t, r, http.StatusOK)
	if s(r.Body, "status") != "declined" || s(r.Body, "decision_reason") != "No address here yet." {
		t.Errorf("declined: %s", r)
	}
	wantProblem(t, e.do(t, "POST", "/api/v1/transfers/"+first+"/accept", dorsetChairTok, ""), http.StatusConflict)
	if g := e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), e.admin, ""); s(g.Body, "force") != "gloucestershire" {
		t.Errorf("a declined transfer moved the subject: %s", g)
	}

	// Asked again, and accepted.
	r = e.do(t, "POST", path, glosChairTok, js(obj{"to_force": "dorset", "reason": "Address in Poole confirmed."}))
	want(t, r, http.StatusCreated)
	second := s(r.Body, "id")
	r = e.do(t, "POST", "/api/v1/transfers/"+second+"/accept", dorsetChairTok, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "status") != "accepted" {
		t.Errorf("accepted: %s", r)
	}
	g := e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), dorsetChairTok, "")
	want(t, g, http.StatusOK)
	if s(g.Body, "force") != "dorset" {
		t.Errorf("subject after acceptance: %s", g)
	}
	o := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), dorsetChairTok, "")
	if s(o.Body, "owners.iom") != "<nil>" || s(o.Body, "force") != "dorset" {
		t.Errorf("order after acceptance: %s", o)
	}
	h := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id")+"/owners/history", e.admin, "")
	if s(h.Body, "items.0.end_reason") != "transferred to Dorset Police" {
		t.Errorf("ownership history after the transfer: %s", h)
	}
	tr := e.do(t, "GET", "/api/v1/reports/tasking?force=dorset", dorsetChairTok, "")
	if !olSectionHas(tr.Body, "unowned", s(ord, "id")) {
		t.Errorf("dorset's agenda lacks the transferred order as unowned: %s", tr)
	}
	f := e.do(t, "GET", "/api/v1/flags?status=open&order_id="+s(ord, "id"), dorsetChairTok, "")
	if len(items(f)) == 0 || s(f.Body, "items.0.force") != "dorset" {
		t.Errorf("open flags did not follow the subject: %s", f)
	}
	// Gloucestershire no longer sees the subject, but still its transfers.
	wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), glosChairTok, ""), http.StatusNotFound)
	want(t, e.do(t, "GET", "/api/v1/transfers/"+second, glosChairTok, ""), http.StatusOK)

	// A direct change of force stays an administrator's correction.
	other := e.subject(t, nil)
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(other, "id"), glosOrdersTok, `{"force": "dorset"}`),
		http.StatusUnprocessableEntity, "force")
}

func TestTransferWithdrawnBySender(t *testing.T) {
	e := newEnv(t)
	_, glosTok := mvOfficer(t, e, "gloucestershire", "orders_officer")
	_, dorsetTok := mvOfficer(t, e, "dorset", "tasking_chair")
	sub := e.subject(t, nil)
	r := e.do(t, "POST", "/api/v1/subjects/"+s(sub, "id")+"/transfers", glosTok, js(obj{"to_force": "dorset", "reason": "Moving."}))
	want(t, r, http.StatusCreated)
	id := s(r.Body, "id")
	wantProblem(t, e.do(t, "POST", "/api/v1/transfers/"+id+"/withdraw", dorsetTok, ""), http.StatusForbidden)
	want(t, e.do(t, "POST", "/api/v1/transfers/"+id+"/withdraw", glosTok, ""), http.StatusOK)
	wantProblem(t, e.do(t, "POST", "/api/v1/transfers/"+id+"/accept", dorsetTok, ""), http.StatusConflict)
}

func TestAbsentOwnerWithoutCoverIsFlagged(t *testing.T) {
	e := newEnv(t)
	_, chairTok := mvOfficer(t, e, "gloucestershire", "tasking_chair")
	away, _ := mvOfficer(t, e, "gloucestershire", "iom_officer")
	cover, _ := mvOfficer(t, e, "gloucestershire", "iom_officer")
	dorsetIOM, _ := mvOfficer(t, e, "dorset", "iom_officer")
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": away, "reason": "Allocated."})), http.StatusOK)
	open := func() int {
		t.Helper()
		return len(items(e.do(t, "GET", "/api/v1/flags?status=open&kind=owner_absent&order_id="+s(ord, "id"), e.admin, "")))
	}
	absences := "/api/v1/officers/" + away + "/absences"

	// A week's leave is within the default threshold of 14 days.
	r := e.do(t, "POST", absences, chairTok, js(obj{"kind": "annual_leave", "starts_on": "2026-11-23", "ends_on": "2026-11-29"}))
	want(t, r, http.StatusCreated)
	vwRun(t, e, "ownership-sweep", today)
	if open() != 0 {
		t.Errorf("a week's leave raised owner_absent")
	}
	want(t, e.do(t, "PATCH", absences+"/"+s(r.Body, "id"), chairTok, `{"cancelled": true}`), http.StatusOK)

	wantFields(t, e.do(t, "POST", absences, chairTok, js(obj{"kind": "sabbatical", "starts_on": "2026-12-10",
		"ends_on": "2026-12-01", "cover_officer_id": dorsetIOM})), http.StatusUnprocessableEntity, "kind", "ends_on")
	wantFields(t, e.do(t, "POST", absences, chairTok, js(obj{"kind": "long_term", "starts_on": "2026-11-01",
		"cover_officer_id": dorsetIOM})), http.StatusUnprocessableEntity, "cover_officer_id")

	// Long-term, no cover: flagged.
	r = e.do(t, "POST", absences, chairTok, js(obj{"kind": "long_term", "starts_on": "2026-11-01"}))
	want(t, r, http.StatusCreated)
	longTerm := s(r.Body, "id")
	vwRun(t, e, "ownership-sweep", today)
	if open() != 1 {
		t.Fatalf("an uncovered long-term absence raised %d owner_absent flags, want 1", open())
	}
	tr := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire", chairTok, "")
	if !olSectionHas(tr.Body, "owner_absent", s(ord, "id")) {
		t.Errorf("the agenda lacks the absent owner's order: %s", tr)
	}
	// Cover named: the flag resolves in the same change, and the order is
	// on the cover officer's caseload.
	r = e.do(t, "PATCH", absences+"/"+longTerm, chairTok, js(obj{"cover_officer_id": cover}))
	want(t, r, http.StatusOK)
	if s(r.Body, "cover.id") != cover || open() != 0 {
		t.Errorf("after naming cover: %s, %d open owner_absent flags", r, open())
	}
	cl := e.do(t, "GET", "/api/v1/caseload?officer_id="+cover, chairTok, "")
	if s(cl.Body, "items.0.order_id") != s(ord, "id") || s(cl.Body, "items.0.roles.0") != "cover:iom" {
		t.Errorf("the cover officer's caseload: %s", cl)
	}
	w := e.do(t, "GET", "/api/v1/reports/workload?force=gloucestershire", chairTok, "")
	want(t, w, http.StatusOK)
	for _, line := range get(w.Body, "officers").([]any) {
		switch s(line, "officer.id") {
		case away:
			if s(line, "absent_now") != "true" || s(line, "owned.iom") != "1" || s(line, "total") != "1" {
				t.Errorf("the absent officer's workload: %v", line)
			}
		case cover:
			if s(line, "covering") != "1" || s(line, "total") != "0" {
				t.Errorf("the cover officer's workload: %v", line)
			}
		}
	}
	// Leavers go through bulk reassignment.
	rr := e.do(t, "POST", "/api/v1/officers/"+away+"/reassign", chairTok, js(obj{"to_officer_id": cover, "reason": "Leaving the force."}))
	want(t, rr, http.StatusOK)
	if s(rr.Body, "moved") != "1" {
		t.Errorf("reassigning the leaver: %s", rr)
	}
}

// A cover counts only while they can act: one away themselves from the
// start is refused, and one deactivated (or away) later leaves the absent
// owner's orders flagged again at the next sweep. Any cover named kept
// owner_absent closed, the demo's cover on open-ended sick leave included.
func TestAbsentOwnersCoverMustBeAbleToAct(t *testing.T) {
	e := newEnv(t)
	_, chairTok := mvOfficer(t, e, "gloucestershire", "tasking_chair")
	away, _ := mvOfficer(t, e, "gloucestershire", "iom_officer")
	sick, _ := mvOfficer(t, e, "gloucestershire", "iom_officer")
	cover, _ := mvOfficer(t, e, "gloucestershire", "iom_officer")
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": away, "reason": "Allocated."})), http.StatusOK)
	open := func() []any {
		t.Helper()
		return items(e.do(t, "GET", "/api/v1/flags?status=open&kind=owner_absent&order_id="+s(ord, "id"), e.admin, ""))
	}
	want(t, e.do(t, "POST", "/api/v1/officers/"+sick+"/absences", chairTok,
		js(obj{"kind": "long_term", "starts_on": "2026-10-01"})), http.StatusCreated)
	absences := "/api/v1/officers/" + away + "/absences"
	r := e.do(t, "POST", absences, chairTok, js(obj{"kind": "long_term", "starts_on": "2026-11-01", "cover_officer_id": sick}))
	wantFields(t, r, http.StatusUnprocessableEntity, "cover_officer_id")
	if !strings.Contains(string(r.Raw), "is away themselves") {
		t.Errorf("the refusal does not say why: %s", r)
	}
	r = e.do(t, "POST", absences, chairTok, js(obj{"kind": "long_term", "starts_on": "2026-11-01", "cover_officer_id": cover}))
	want(t, r, http.StatusCreated)
	vwRun(t, e, "ownership-sweep", today)
	if f := open(); len(f) != 0 {
		t.Fatalf("covered by an officer at work, owner_absent is open: %v", f)
	}
	// The cover named goes away later: the absence's other changes are not
	// refused for it (the sweep counts the cover only on days they can act).
	leave := e.do(t, "POST", "/api/v1/officers/"+cover+"/absences", chairTok, js(obj{"kind": "annual_leave", "starts_on": today, "ends_on": "2026-11-27"}))
	want(t, leave, http.StatusCreated)
	want(t, e.do(t, "PATCH", absences+"/"+s(r.Body, "id"), chairTok, `{"notes": "Expected back in the spring."}`), http.StatusOK)
	// Moving the absence's first day into the cover's leave is refused, as
	// recording it so would be.
	wantFields(t, e.do(t, "PATCH", absences+"/"+s(r.Body, "id"), chairTok, `{"starts_on": "2026-11-26"}`),
		http.StatusUnprocessableEntity, "cover_officer_id")
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+cover+"/absences/"+s(leave.Body, "id"), chairTok, `{"cancelled": true}`), http.StatusOK)
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+cover, e.admin, `{"active": false}`), http.StatusOK)
	vwRun(t, e, "ownership-sweep", today)
	if f := open(); len(f) != 1 || s(f[0], "details.cover_officer_id") != cover {
		t.Errorf("with the cover deactivated, owner_absent: %v, want one naming the cover", f)
	}
}

// A transfer still waiting when an administrator moves the subject
// directly is overtaken: withdrawn, saying why, so the new force can ask
// for one of its own. It stayed "requested", and nobody could answer it.
func TestDirectMoveOvertakesAWaitingTransfer(t *testing.T) {
	e := newEnv(t)
	_, dorsetTok := mvOfficer(t, e, "dorset", "tasking_chair")
	_, devonTok := mvOfficer(t, e, "devon-and-cornwall", "tasking_chair")
	sub := e.subject(t, obj{"force": "dorset"})
	tr := e.do(t, "POST", "/api/v1/subjects/"+s(sub, "id")+"/transfers", dorsetTok, js(obj{"to_force": "wiltshire", "reason": "Moving."}))
	want(t, tr, http.StatusCreated)
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"force": "devon-and-cornwall"}`), http.StatusOK)
	got := e.do(t, "GET", "/api/v1/transfers/"+s(tr.Body, "id"), e.admin, "")
	if s(got.Body, "status") != "withdrawn" || !strings.Contains(s(got.Body, "decision_reason"), "overtaken") {
		t.Errorf("the waiting transfer after the direct move: %s", got)
	}
	want(t, e.do(t, "POST", "/api/v1/subjects/"+s(sub, "id")+"/transfers", devonTok, js(obj{"to_force": "dorset", "reason": "Back."})),
		http.StatusCreated)
}

// The order's legal history says when it came into force and when its
// subject was transferred, and names each owner: they were missing, and
// an owner event carried only an officer's ID.
func TestOrderEventsNameOwnersForceAndTransfers(t *testing.T) {
	e := newEnv(t)
	iom, _ := mvOfficer(t, e, "gloucestershire", "iom_officer")
	_, glosOrdersTok := mvOfficer(t, e, "gloucestershire", "orders_officer")
	_, dorsetChairTok := mvOfficer(t, e, "dorset", "tasking_chair")
	sub := e.subject(t, nil)
	ord := s(e.order(t, s(sub, "id"), obj{"made_on": "2025-01-01", "starts_on": "2025-01-10"}), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": iom, "reason": "Allocated."})),
		http.StatusOK)
	r := e.do(t, "POST", "/api/v1/subjects/"+s(sub, "id")+"/transfers", glosOrdersTok,
		js(obj{"to_force": "dorset", "reason": "Moved to Poole."}))
	want(t, r, http.StatusCreated)
	want(t, e.do(t, "POST", "/api/v1/transfers/"+s(r.Body, "id")+"/accept", dorsetChairTok, ""), http.StatusOK)

	name := s(e.do(t, "GET", "/api/v1/officers/"+iom, e.admin, "").Body, "name")
	kinds := map[string]any{}
	for _, ev := range items(e.do(t, "GET", "/api/v1/orders/"+ord+"/events", e.admin, "")) {
		kinds[s(ev, "kind")] = ev
	}
	if ev := kinds["in_force"]; ev == nil || s(ev, "on") != "2025-01-10" || s(ev, "details.commencement") != "on_date" {
		t.Errorf("came into force: %v", ev)
	}
	if ev := kinds["owner_assigned"]; ev == nil || s(ev, "details.officer_name") != name {
		t.Errorf("owner assigned: %v, want %s named", ev, name)
	}
	if ev := kinds["transferred"]; ev == nil || s(ev, "details.from_force") != "gloucestershire" ||
		s(ev, "details.to_force") != "dorset" {
		t.Errorf("transferred: %v", ev)
	}
	dorset := e.signedInAs(t, acOfficer(t, e, "dorset", "iom_officer"))
	p := dorset.get("/orders/" + ord)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Came into force", "IOM officer: "+name+" allocated", "Transferred from Gloucestershire Constabulary to Dorset Police")
}

// An order discharged before its day came never came into force: its
// history says so (it showed "came into force" on a day after its end).
func TestOrderEndedBeforeItsDayNeverCameIntoForce(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := s(e.order(t, s(sub, "id"), obj{"made_on": "2026-11-01", "starts_on": "2026-11-20"}), "id")
	want(t, e.do(t, "POST", "/api/v1/orders/"+ord+"/discharge", e.admin,
		js(obj{"court": "Bristol Crown Court", "on": "2026-11-10", "reason": "Discharged on application."})), http.StatusCreated)
	for _, ev := range items(e.do(t, "GET", "/api/v1/orders/"+ord+"/events", e.admin, "")) {
		if s(ev, "kind") == "in_force" {
			t.Errorf("an order discharged before its day came into force: %v", ev)
		}
	}
}
