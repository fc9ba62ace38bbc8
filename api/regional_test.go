package api_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// A regional meeting end to end: force meetings in the south-west escalate
// an unowned order each (and Kent, in another region, one too); the
// south-west's regional lead opens the regional meeting, which has the
// region's escalations and not Kent's, decides an action for an officer
// of the force concerned, and that officer sees it among their actions
// and closes it. The lead still changes no force's records.
func TestRegionalMeeting(t *testing.T) {
	e := newEnv(t)
	type force struct{ code, order, meeting, escalation, chair, iom string }
	forces := map[string]*force{}
	for _, code := range []string{"gloucestershire", "dorset", "kent"} {
		f := &force{code: code}
		sub := s(e.subject(t, obj{"force": code}), "id")
		f.order = s(e.order(t, sub, obj{"reference": "RG-" + code}), "id")
		f.chair = e.token(t, acOfficer(t, e, code, "tasking_chair"))
		f.iom = acOfficer(t, e, code, "iom_officer")
		forces[code] = f
	}
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	for _, f := range forces {
		m := e.do(t, "POST", "/api/v1/meetings", f.chair, js(obj{"force": f.code, "held_on": today}))
		want(t, m, http.StatusCreated)
		f.meeting = s(m.Body, "id")
		var item string
		for _, it := range m.Body["agenda"].([]any) {
			if s(it, "order_id") == f.order {
				item = s(it, "id")
			}
		}
		d := e.do(t, "POST", "/api/v1/meetings/"+f.meeting+"/decisions", f.chair,
			js(obj{"item_id": item, "decision": "escalate", "notes": "No owner after two cycles; regional help needed."}))
		want(t, d, http.StatusCreated)
		f.escalation = s(d.Body, "id")
	}
	glos, dorset := forces["gloucestershire"], forces["dorset"]
	lead := e.token(t, acOfficer(t, e, "gloucestershire", "regional"))

	// Only the lead's own region, only by a regional lead.
	wantFields(t, e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": "eastern", "held_on": today})),
		http.StatusUnprocessableEntity, "region")
	wantFields(t, e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"held_on": "3 March"})),
		http.StatusUnprocessableEntity, "region", "held_on")
	wantProblem(t, e.do(t, "POST", "/api/v1/regional-meetings", glos.chair, js(obj{"region": "south-west", "held_on": today})),
		http.StatusForbidden)

	r := e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": "south-west", "held_on": today}))
	want(t, r, http.StatusCreated)
	meeting := s(r.Body, "id")
	if s(r.Body, "region") != "south-west" || r.Body["force"] != nil {
		t.Errorf("regional meeting's region and force: %s", r)
	}
	agenda := map[string]string{} // escalation → item
	for _, it := range r.Body["agenda"].([]any) {
		if s(it, "kind") != "escalated" {
			t.Errorf("agenda item of kind %q", s(it, "kind"))
		}
		agenda[s(it, "escalation_id")] = s(it, "id")
		if esc := s(it, "escalation_id"); esc == glos.escalation && (s(it, "force") != "gloucestershire" || s(it, "order_id") != glos.order) {
			t.Errorf("Gloucestershire's escalation as an item: %v", it)
		}
	}
	if len(agenda) != 2 || agenda[glos.escalation] == "" || agenda[dorset.escalation] == "" {
		t.Fatalf("agenda has escalations %v, want Gloucestershire's %s and Dorset's %s (not Kent's)", agenda, glos.escalation, dorset.escalation)
	}
	item := agenda[glos.escalation]

	// The meeting is the lead's to read; a force's officers do not see the
	// region side by side.
	want(t, e.do(t, "GET", "/api/v1/meetings/"+meeting, lead, ""), http.StatusOK)
	wantProblem(t, e.do(t, "GET", "/api/v1/meetings/"+meeting, glos.chair, ""), http.StatusNotFound)

	// Decisions: actions for the force concerned only; owners and checks
	// stay the force's own.
	decide := func(body obj) resp {
		return e.do(t, "POST", "/api/v1/regional-meetings/"+meeting+"/decisions", lead, js(body))
	}
	wantFields(t, decide(obj{"item_id": item, "decision": "action", "action_by": dorset.iom, "due_by": "2026-12-09"}),
		http.StatusUnprocessableEntity, "action_by")
	wantFields(t, decide(obj{"item_id": item, "decision": "assign_owner", "role": "iom", "officer_id": glos.iom}),
		http.StatusUnprocessableEntity, "decision")
	d := decide(obj{"item_id": item, "decision": "action", "action_by": glos.iom, "due_by": "2026-12-09",
		"notes": "Allocate an IOM owner this week."})
	want(t, d, http.StatusCreated)
	action := s(d.Body, "id")
	// Not at a force meeting through the regional route, nor by the lead
	// through the force meeting's route.
	wantProblem(t, e.do(t, "POST", "/api/v1/regional-meetings/"+glos.meeting+"/decisions", lead,
		js(obj{"item_id": item, "decision": "note", "notes": "x"})), http.StatusNotFound)
	wantProblem(t, e.do(t, "POST", "/api/v1/meetings/"+glos.meeting+"/decisions", lead,
		js(obj{"item_id": item, "decision": "note", "notes": "x"})), http.StatusForbidden)
	// The lead's read scope stays read-only.
	wantProblem(t, e.do(t, "PUT", "/api/v1/orders/"+dorset.order+"/owners/iom", lead,
		js(obj{"officer_id": dorset.iom, "reason": "Regional allocation."})), http.StatusForbidden)

	// The officer sees the action, as their force's, and closes it.
	iom := e.token(t, glos.iom)
	a := e.do(t, "GET", "/api/v1/actions?assignee=me", iom, "")
	want(t, a, http.StatusOK)
	found := false
	for _, it := range items(a) {
		if s(it, "id") == action {
			found = true
			if s(it, "force") != "gloucestershire" || s(it, "meeting_id") != meeting || s(it, "order_id") != glos.order {
				t.Errorf("action as listed: %v", it)
			}
		}
	}
	if !found {
		t.Fatalf("the officer's actions lack the regional action %s: %s", action, a)
	}
	// Dorset's officers do not see Gloucestershire's action.
	if d := e.do(t, "GET", "/api/v1/actions", e.token(t, dorset.iom), ""); containsID(d, action) {
		t.Errorf("Dorset's officer sees Gloucestershire's regional action")
	}

	// The next regional meeting: the escalations are not taken twice; the
	// open action is carried.
	next := e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": "south-west", "held_on": today}))
	want(t, next, http.StatusCreated)
	if n := len(next.Body["agenda"].([]any)); n != 0 {
		t.Errorf("next regional meeting has %d escalations again", n)
	}
	carried := next.Body["carried_actions"].([]any)
	if len(carried) != 1 || s(carried[0], "id") != action {
		t.Errorf("carried actions %v, want %s", carried, action)
	}

	want(t, e.do(t, "POST", "/api/v1/actions/"+action+"/done", iom, js(obj{"note": "Owner allocated.", "on": today})), http.StatusOK)

	// The lead keeps the regional meeting's minutes: who chaired and
	// attended, a decision withdrawn, the sign-off; and finds the meeting
	// in the list of meetings. (The routes were the force chair's alone, so
	// a regional meeting's minutes could never be signed.)
	leadID := s(e.do(t, "GET", "/api/v1/me", lead, "").Body, "id")
	minutes := "/api/v1/meetings/" + s(next.Body, "id")
	wantFields(t, e.do(t, "PUT", minutes+"/attendance", lead, js(obj{"chair_id": acOfficer(t, e, "kent", "tasking_chair"),
		"attendees": []obj{}, "apologies": []obj{}})), http.StatusUnprocessableEntity, "chair_id")
	want(t, e.do(t, "PUT", minutes+"/attendance", lead, js(obj{"chair_id": leadID, "attendees": []obj{}, "apologies": []obj{}})),
		http.StatusOK)
	want(t, e.do(t, "POST", "/api/v1/meetings/"+meeting+"/decisions/"+action+"/withdraw", lead,
		js(obj{"reason": "Recorded against the wrong order."})), http.StatusOK)
	want(t, e.do(t, "POST", minutes+"/sign-off", lead, "{}"), http.StatusOK)
	list := e.do(t, "GET", "/api/v1/meetings?region=south-west", lead, "")
	want(t, list, http.StatusOK)
	if !containsID(list, meeting) || !containsID(list, s(next.Body, "id")) {
		t.Errorf("the lead's list of the region's meetings: %s", list)
	}
	if all := e.do(t, "GET", "/api/v1/meetings", lead, ""); !containsID(all, meeting) || !containsID(all, glos.meeting) {
		t.Errorf("the lead's list of meetings lacks the regional or a force meeting: %s", all)
	}
	if r := e.do(t, "GET", "/api/v1/meetings?region=south-west", glos.chair, ""); len(items(r)) != 0 {
		t.Errorf("a force chair lists the region's meetings: %s", r)
	}
	// The lead keeps no force meeting's minutes, their own force's either.
	wantProblem(t, e.do(t, "PUT", "/api/v1/meetings/"+glos.meeting+"/attendance", lead,
		js(obj{"chair_id": leadID, "attendees": []obj{}, "apologies": []obj{}})), http.StatusForbidden)
	wantProblem(t, e.do(t, "POST", "/api/v1/meetings/"+glos.meeting+"/sign-off", lead, "{}"), http.StatusForbidden)
}

func containsID(r resp, id string) bool {
	for _, it := range items(r) {
		if s(it, "id") == id {
			return true
		}
	}
	return false
}

// A subject moved to another force after a meeting set its agenda is no
// longer that meeting's to decide: a force meeting's decisions on it are
// refused, an escalation of it waits out of another region's meeting,
// and the open actions given to the old force's officers end with the
// move (the new force could not close them). An officer of a force the
// caller cannot see is "no such officer" wherever one is named.
func TestDecisionsFollowAMovedSubject(t *testing.T) {
	e := newEnv(t)
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	glosIOM := acOfficer(t, e, "gloucestershire", "iom_officer")
	sub := s(e.subject(t, nil), "id")
	ord := s(e.order(t, sub, nil), "id")
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	mid := s(m.Body, "id")
	var item string
	for _, it := range m.Body["agenda"].([]any) {
		if s(it, "order_id") == ord {
			item = s(it, "id")
		}
	}
	decide := func(body obj) resp { return e.do(t, "POST", "/api/v1/meetings/"+mid+"/decisions", chair, js(body)) }
	act := decide(obj{"item_id": item, "decision": "action", "action_by": glosIOM, "due_by": "2026-11-26", "notes": "Visit."})
	want(t, act, http.StatusCreated)
	want(t, decide(obj{"item_id": item, "decision": "escalate", "notes": "Regional help needed."}), http.StatusCreated)

	// Kent's officer named by a Gloucestershire chair: no such officer, as
	// for an officer who does not exist.
	kentIOM := acOfficer(t, e, "kent", "iom_officer")
	for _, who := range []string{kentIOM, "0190f5e4-0000-7000-8000-000000000000"} {
		r := decide(obj{"item_id": item, "decision": "action", "action_by": who, "due_by": "2026-12-01", "notes": "x"})
		wantFields(t, r, http.StatusUnprocessableEntity, "action_by")
		if !strings.Contains(r.String(), "no such officer") {
			t.Errorf("naming %s: %s", who, r)
		}
		r = e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", chair, js(obj{"officer_id": who, "reason": "x"}))
		wantFields(t, r, http.StatusUnprocessableEntity, "officer_id")
		if !strings.Contains(r.String(), "no such officer") {
			t.Errorf("allocating %s: %s", who, r)
		}
	}

	// The subject moves to Kent, in another region.
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, e.admin, js(obj{"force": "kent"})), http.StatusOK)
	for _, d := range []obj{
		{"item_id": item, "decision": "note", "notes": "Still on our list."},
		{"item_id": item, "decision": "action", "action_by": glosIOM, "due_by": "2026-12-01", "notes": "Visit again."},
	} {
		r := decide(d)
		wantFields(t, r, http.StatusUnprocessableEntity, "item_id")
		if !strings.Contains(r.String(), "moved to another force") {
			t.Errorf("a decision on the moved subject's order: %s", r)
		}
	}
	a := e.do(t, "GET", "/api/v1/actions?assignee="+glosIOM+"&status=cancelled", e.admin, "")
	if its := items(a); len(its) != 1 || s(its[0], "id") != s(act.Body, "id") || !strings.Contains(a.String(), "moved to Kent Police") {
		t.Errorf("the Gloucestershire officer's action after the move: %s", a)
	}
	// Not on the south-west's regional agenda.
	lead := e.token(t, acOfficer(t, e, "gloucestershire", "regional"))
	r := e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": "south-west", "held_on": today}))
	want(t, r, http.StatusCreated)
	if strings.Contains(r.String(), ord) {
		t.Errorf("the regional agenda carries the order moved out of the region: %s", r)
	}
}

// Two regional meetings opened at once share out the escalations waiting:
// each goes to one, and the loser is told to open again (409), never a
// 500 from the unique index.
func TestRegionalMeetingsOpenedAtOnce(t *testing.T) {
	e := newEnv(t)
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	lead := e.token(t, acOfficer(t, e, "gloucestershire", "regional"))
	for round := range 4 {
		ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
		e.decideOnUnowned(t, chair, "gloucestershire", ord, obj{"decision": "escalate", "notes": "Help."})
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i := range codes {
			wg.Go(func() {
				codes[i] = e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": "south-west", "held_on": today})).Status
			})
		}
		wg.Wait()
		for _, c := range codes {
			if c != http.StatusCreated && c != http.StatusConflict {
				t.Errorf("round %d: regional meetings opened at once answered %v", round, codes)
			}
		}
	}
}

// A leaver's whole caseload moved takes their open meeting actions with
// it, those on orders they do not own too: left behind, they stood
// overdue on the agenda with nobody to close them. A move of one role
// takes only the actions on the orders it moves.
func TestReassigningALeaverTakesTheirOpenActions(t *testing.T) {
	e := newEnv(t)
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	leaver, successor := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	owned := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	other := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+owned+"/owners/iom", e.admin,
		js(obj{"officer_id": leaver, "reason": "Allocated."})), http.StatusOK)
	first, _ := e.decideOnUnowned(t, chair, "gloucestershire", other, obj{"decision": "action", "action_by": leaver,
		"due_by": "2026-12-10", "notes": "Visit the address."})
	one := e.do(t, "POST", "/api/v1/officers/"+leaver+"/reassign", chair,
		js(obj{"to_officer_id": successor, "reason": "Covering the IOM work.", "roles": []string{"iom"}, "preview": true}))
	want(t, one, http.StatusOK)
	if s(one.Body, "actions_moved") != "0" {
		t.Errorf("a move of one role takes the officer's other actions: %s", one)
	}
	preview := e.do(t, "POST", "/api/v1/officers/"+leaver+"/reassign", chair,
		js(obj{"to_officer_id": successor, "reason": "Leaving the force.", "preview": true}))
	want(t, preview, http.StatusOK)
	if s(preview.Body, "actions_moved") != "1" {
		t.Errorf("the preview of a whole move: %s", preview)
	}
	want(t, e.do(t, "POST", "/api/v1/officers/"+leaver+"/reassign", chair,
		js(obj{"to_officer_id": successor, "reason": "Leaving the force."})), http.StatusOK)
	r := e.do(t, "GET", "/api/v1/actions?assignee="+successor+"&status=open", e.admin, "")
	if its := items(r); len(its) != 1 || s(its[0], "order_id") != other || s(its[0], "reassigned_from.id") != leaver {
		t.Errorf("the successor's open actions (first given to the leaver): %s", r)
	}
	// The minutes and the next meeting's actions carried forward say who
	// it was first given to, as the meeting page and the printed minutes do.
	leaverName := s(e.do(t, "GET", "/api/v1/officers/"+leaver, e.admin, "").Body, "name")
	successorName := s(e.do(t, "GET", "/api/v1/officers/"+successor, e.admin, "").Body, "name")
	minutes := e.do(t, "GET", "/api/v1/meetings/"+s(first, "id"), chair, "", "Accept", "text/csv", "X-Purpose", "Minutes")
	want(t, minutes, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(minutes.String())).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("minutes: %v %s", err, minutes)
	}
	col := slices.Index(rows[0], "action_first_given_to")
	by := slices.Index(rows[0], "action_by")
	found := false
	for _, row := range rows[1:] {
		if col >= 0 && row[0] == "decision" && row[by] == successorName && row[col] == leaverName {
			found = true
		}
	}
	if !found {
		t.Errorf("the minutes do not say the action was first given to %s: %v", leaverName, rows)
	}
	b, _ := e.signedIn(t, "tasking_chair")
	next := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": "2026-11-26"}))
	want(t, next, http.StatusCreated)
	wantText(t, b.get("/meetings/"+s(next.Body, "id")), successorName+" (first given to "+leaverName+")")
}

// An escalation says why (the regional meeting reads nothing else from
// the force), and an order waits for the regional meeting once: a second
// escalation is refused while the first waits, and allowed once it is
// withdrawn.
func TestEscalationSaysWhyOnce(t *testing.T) {
	e := newEnv(t)
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	m, first := e.decideOnUnowned(t, chair, "gloucestershire", ord, obj{"decision": "escalate", "notes": "Needs a regional analyst."})
	var item string
	for _, it := range m["agenda"].([]any) {
		if s(it, "order_id") == ord {
			item = s(it, "id")
		}
	}
	decide := func(body obj) resp {
		return e.do(t, "POST", "/api/v1/meetings/"+s(m, "id")+"/decisions", chair, js(body))
	}
	wantFields(t, decide(obj{"item_id": item, "decision": "escalate"}), http.StatusUnprocessableEntity, "notes")
	again := decide(obj{"item_id": item, "decision": "escalate", "notes": "Again."})
	wantFields(t, again, http.StatusConflict, "decision")
	if !strings.Contains(again.String(), "already escalated") {
		t.Errorf("the second escalation: %s", again)
	}
	want(t, e.do(t, "POST", "/api/v1/meetings/"+s(m, "id")+"/decisions/"+s(first.Body, "id")+"/withdraw", chair,
		js(obj{"reason": "Recorded on the wrong order."})), http.StatusOK)
	want(t, decide(obj{"item_id": item, "decision": "escalate", "notes": "Needs a regional analyst."}), http.StatusCreated)
}

// An escalation left waiting by a force whose subject then moved to another
// region will never reach a regional meeting; it does not stop the new
// force escalating the order.
func TestEscalationAfterAMoveToAnotherRegion(t *testing.T) {
	e := newEnv(t)
	glos := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	kent := e.token(t, acOfficer(t, e, "kent", "tasking_chair"))
	sub := s(e.subject(t, nil), "id")
	ord := s(e.order(t, sub, nil), "id")
	e.decideOnUnowned(t, glos, "gloucestershire", ord, obj{"decision": "escalate", "notes": "Regional help."})
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, e.admin, js(obj{"force": "kent"})), http.StatusOK)
	e.decideOnUnowned(t, kent, "kent", ord, obj{"decision": "escalate", "notes": "Kent asks the south-east."})
}

// A force and a region may share a code (west-midlands): the force's
// minutes name the force, not the region.
func TestMinutesNameTheForceSharingARegionsCode(t *testing.T) {
	e := newEnv(t)
	chair := e.token(t, acOfficer(t, e, "west-midlands", "tasking_chair"))
	ord := s(e.order(t, s(e.subject(t, obj{"force": "west-midlands"}), "id"), nil), "id")
	m, _ := e.decideOnUnowned(t, chair, "west-midlands", ord, obj{"decision": "note", "notes": "Seen."})
	r := e.do(t, "GET", "/api/v1/meetings/"+s(m, "id"), chair, "", "Accept", "text/csv", "X-Purpose", "Minutes")
	want(t, r, http.StatusOK)
	if !strings.Contains(r.String(), "\ndecision,West Midlands Police,") {
		t.Errorf("the West Midlands Police minutes: %s", r)
	}
}

// The force whose order went to the regional meeting reads what that
// meeting decided on it, on the order (API and page), though it cannot
// open the regional meeting; another force reads nothing of it.
func TestOrderShowsItsMeetingsDecisionsRegionalToo(t *testing.T) {
	e := newEnv(t)
	sub := s(e.subject(t, obj{"force": "gloucestershire"}), "id")
	order := s(e.order(t, sub, obj{"reference": "RD-GLOS"}), "id")
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	var item string
	for _, it := range m.Body["agenda"].([]any) {
		if s(it, "order_id") == order {
			item = s(it, "id")
		}
	}
	want(t, e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions", chair,
		js(obj{"item_id": item, "decision": "escalate", "notes": "No owner after two cycles."})), http.StatusCreated)
	lead := e.token(t, acOfficer(t, e, "gloucestershire", "regional"))
	r := e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": "south-west", "held_on": today}))
	want(t, r, http.StatusCreated)
	regional := s(r.Body, "id")
	var ritem string
	for _, it := range r.Body["agenda"].([]any) {
		if s(it, "order_id") == order {
			ritem = s(it, "id")
		}
	}
	want(t, e.do(t, "POST", "/api/v1/regional-meetings/"+regional+"/decisions", lead,
		js(obj{"item_id": ritem, "decision": "note", "notes": "Refer to the ROCU's lifetime management team."})), http.StatusCreated)

	list := e.do(t, "GET", "/api/v1/orders/"+order+"/decisions", chair, "")
	want(t, list, http.StatusOK)
	got := items(list)
	if len(got) != 2 || s(got[0], "decision.decision") != "escalate" || got[0].(map[string]any)["region"] != nil ||
		s(got[1], "region") != "south-west" || s(got[1], "decision.notes") != "Refer to the ROCU's lifetime management team." {
		t.Fatalf("the order's decisions: %s", list)
	}
	wantProblem(t, e.do(t, "GET", "/api/v1/meetings/"+regional, chair, ""), http.StatusNotFound)
	dorset := e.token(t, acOfficer(t, e, "dorset", "tasking_chair"))
	wantProblem(t, e.do(t, "GET", "/api/v1/orders/"+order+"/decisions", dorset, ""), http.StatusNotFound)

	b := e.signedInAs(t, acOfficer(t, e, "gloucestershire", "iom_officer"))
	p := b.get("/orders/" + order)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Meeting decisions", "Escalated to the regional meeting. No owner after two cycles.",
		"Regional meeting, South West, 25 November 2026", "Note. Refer to the ROCU")
}
