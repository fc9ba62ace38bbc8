package api_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// A tasking meeting held end to end: the agenda one entry per order with
// all its reasons, worst first; who was there; decisions (an owner, an
// action, a note, an escalation), one corrected and one withdrawn; the
// minutes signed, then only amended; downloaded as CSV and printable, each
// a disclosure listed on the minutes; an overdue action carried to the
// next meeting's agenda.
func TestMeetingHeldSignedAndShared(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	vwSweep(t, e, today)
	chairID := e.officer(t, "tasking_chair")
	chair := e.token(t, chairID)
	otherChair := e.token(t, e.officer(t, "tasking_chair"))

	r := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, r, http.StatusCreated)
	mid := s(r.Body, "id")
	m := r.Body

	// 1. One entry per order, all its reasons, worst first: days overdue, then release soonest.
	orders, _ := m["orders"].([]any)
	var got []string
	for _, o := range orders {
		var kinds []string
		for _, rs := range get(o, "reasons").([]any) {
			kinds = append(kinds, s(rs, "kind"))
		}
		got = append(got, s(o, "reference")+":"+strings.Join(kinds, "+")+":"+s(o, "days_overdue")+":"+s(o, "days_to_release"))
	}
	wantOrders := []string{"G-002:review_overdue:87:<nil>", "G-001:check_overdue:10:<nil>",
		"G-004:unowned+release_date_passed:5:<nil>", "G-003:unowned+pre_release:<nil>:96"}
	if !slices.Equal(got, wantOrders) {
		t.Fatalf("agenda orders\n got %q\nwant %q", got, wantOrders)
	}
	if len(m["agenda"].([]any)) != 6 || len(m["carried_actions"].([]any)) != 0 {
		t.Errorf("flat agenda %d items, carried %v", len(m["agenda"].([]any)), m["carried_actions"])
	}
	itemOf := func(ref string) string {
		for _, o := range orders {
			if s(o, "reference") == ref {
				return s(o, "reasons.0.item_id")
			}
		}
		t.Fatalf("no %s", ref)
		return ""
	}

	// 2. Who was there.
	wantFields(t, e.do(t, "PUT", "/api/v1/meetings/"+mid+"/attendance", chair, js(obj{
		"attendees": []obj{{"name": "Pat Probation"}, {"officer_id": f.a, "name": "x", "organisation": "y"}}})),
		http.StatusUnprocessableEntity, "chair_id", "attendees[0].organisation", "attendees[1]")
	r = e.do(t, "PUT", "/api/v1/meetings/"+mid+"/attendance", chair, js(obj{"chair_id": chairID,
		"attendees": []obj{{"officer_id": f.a}, {"name": "Pat Probation", "organisation": "Probation Service"}},
		"apologies": []obj{{"name": "Gil Governor", "organisation": "HMP Bristol"}}}))
	want(t, r, http.StatusOK)
	if s(r.Body, "chair.id") != chairID || s(r.Body, "attendees.1.name") != "Pat Probation" ||
		s(r.Body, "attendees.1.organisation") != "Probation Service" || s(r.Body, "attendees.0.officer.id") != f.a ||
		s(r.Body, "apologies.0.organisation") != "HMP Bristol" {
		t.Errorf("attendance %s", r)
	}

	// 3. Decisions.
	decide := func(body obj) resp {
		t.Helper()
		return e.do(t, "POST", "/api/v1/meetings/"+mid+"/decisions", chair, js(body))
	}
	wantFields(t, decide(obj{"item_id": itemOf("G-001"), "decision": "action"}), http.StatusUnprocessableEntity,
		"action_by", "due_by")
	wantFields(t, decide(obj{"item_id": itemOf("G-001"), "decision": "action", "action_by": f.a, "due_by": "2026-11-24"}),
		http.StatusUnprocessableEntity, "due_by")
	wantFields(t, decide(obj{"item_id": itemOf("G-001"), "decision": "note"}), http.StatusUnprocessableEntity, "notes")
	alloc := decide(obj{"item_id": itemOf("G-004"), "decision": "assign_owner", "role": "iom", "officer_id": f.x})
	want(t, alloc, http.StatusCreated)
	if s(alloc.Body, "owner.id") != f.x || s(alloc.Body, "status") != "<nil>" {
		t.Errorf("allocation %s", alloc)
	}
	act := decide(obj{"item_id": itemOf("G-001"), "decision": "action", "action_by": f.a, "due_by": "2026-12-01",
		"notes": "Visit and report."})
	want(t, act, http.StatusCreated)
	if s(act.Body, "status") != "open" {
		t.Errorf("action %s", act)
	}
	wrong := decide(obj{"item_id": itemOf("G-002"), "decision": "action", "action_by": f.l, "due_by": "2026-11-30",
		"notes": "Review now."})
	want(t, wrong, http.StatusCreated)
	note := decide(obj{"item_id": itemOf("G-003"), "decision": "note", "notes": "Probation confirm release plan."})
	want(t, note, http.StatusCreated)
	esc := decide(obj{"item_id": itemOf("G-003"), "decision": "escalate", "notes": "Regional meeting to consider."})
	want(t, esc, http.StatusCreated)

	// Corrected (the original stays, its action cancelled) and withdrawn.
	corr := "/api/v1/meetings/" + mid + "/decisions/" + s(wrong.Body, "id") + "/corrections"
	wantFields(t, e.do(t, "POST", corr, chair, js(obj{"decision": "action", "action_by": f.a, "due_by": "2026-12-02"})),
		http.StatusUnprocessableEntity, "reason")
	c := e.do(t, "POST", corr, chair, js(obj{"decision": "action", "action_by": f.a, "due_by": "2026-12-02",
		"notes": "A to review.", "reason": "Minuted the wrong officer."}))
	want(t, c, http.StatusCreated)
	if s(c.Body, "corrects") != s(wrong.Body, "id") || s(c.Body, "item_id") != itemOf("G-002") || s(c.Body, "reason") != "Minuted the wrong officer." {
		t.Errorf("correction %s", c)
	}
	wantProblem(t, e.do(t, "POST", corr, chair, js(obj{"decision": "note", "notes": "x", "reason": "again"})), http.StatusConflict)
	wd := e.do(t, "POST", "/api/v1/meetings/"+mid+"/decisions/"+s(esc.Body, "id")+"/withdraw", chair,
		js(obj{"reason": "Dealt with in force."}))
	want(t, wd, http.StatusOK)
	if s(wd.Body, "withdrawn.reason") != "Dealt with in force." {
		t.Errorf("withdrawn %s", wd)
	}
	r = e.do(t, "GET", "/api/v1/meetings/"+mid, chair, "")
	want(t, r, http.StatusOK)
	var states []string
	for _, o := range r.Body["orders"].([]any) {
		for _, d := range get(o, "decisions").([]any) {
			st := "current"
			if s(d, "corrected_by") != "<nil>" {
				st = "corrected"
			} else if s(d, "withdrawn") != "<nil>" {
				st = "withdrawn"
			}
			states = append(states, s(o, "reference")+":"+s(d, "decision")+":"+st+":"+s(d, "status"))
		}
	}
	wantStates := []string{"G-002:action:corrected:cancelled", "G-002:action:current:open", "G-001:action:current:open",
		"G-004:assign_owner:current:<nil>", "G-003:note:current:<nil>", "G-003:escalate:withdrawn:<nil>"}
	if !slices.Equal(states, wantStates) {
		t.Errorf("decisions\n got %q\nwant %q", states, wantStates)
	}

	// 4. Sign-off by the chair only; then changes are amendments.
	wantFields(t, e.do(t, "POST", "/api/v1/meetings/"+mid+"/sign-off", otherChair, ""), http.StatusUnprocessableEntity, "chair_id")
	r = e.do(t, "POST", "/api/v1/meetings/"+mid+"/sign-off", chair, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "signed_by.id") != chairID || s(r.Body, "signed_at") == "<nil>" {
		t.Errorf("signed %s", r)
	}
	wantProblem(t, e.do(t, "POST", "/api/v1/meetings/"+mid+"/sign-off", chair, ""), http.StatusConflict)
	wantProblem(t, e.do(t, "PUT", "/api/v1/meetings/"+mid+"/attendance", chair, js(obj{"chair_id": chairID})), http.StatusConflict)
	wantFields(t, decide(obj{"item_id": itemOf("G-003"), "decision": "note", "notes": "Late news."}),
		http.StatusUnprocessableEntity, "reason")
	am := decide(obj{"item_id": itemOf("G-003"), "decision": "note", "notes": "Release date confirmed.", "reason": "News after the meeting."})
	want(t, am, http.StatusCreated)
	if s(am.Body, "amendment") != "true" {
		t.Errorf("amendment %s", am)
	}

	// Actions: the assignee closes theirs; someone else cannot.
	wantProblem(t, e.do(t, "POST", "/api/v1/actions/"+s(c.Body, "id")+"/done", e.token(t, f.l), js(obj{"note": "x"})),
		http.StatusForbidden)
	wantFields(t, e.do(t, "POST", "/api/v1/actions/"+s(c.Body, "id")+"/done", f.aTok, "{}"), http.StatusUnprocessableEntity, "note")
	dn := e.do(t, "POST", "/api/v1/actions/"+s(c.Body, "id")+"/done", f.aTok, js(obj{"note": "Reviewed, satisfactory."}))
	want(t, dn, http.StatusOK)
	if s(dn.Body, "status") != "done" || s(dn.Body, "status_note") != "Reviewed, satisfactory." || s(dn.Body, "reference") != "G-002" {
		t.Errorf("done %s", dn)
	}
	wantProblem(t, e.do(t, "POST", "/api/v1/actions/"+s(c.Body, "id")+"/cancel", f.aTok, js(obj{"reason": "x"})), http.StatusConflict)
	mine := e.do(t, "GET", "/api/v1/actions?assignee=me&status=open", f.aTok, "")
	want(t, mine, http.StatusOK)
	if len(items(mine)) != 1 || s(items(mine)[0], "id") != s(act.Body, "id") || s(items(mine)[0], "overdue") != "false" {
		t.Errorf("A's open actions %s", mine)
	}

	// 6. Sharing: CSV and printable, each a disclosure, listed on the minutes.
	csvR := e.do(t, "GET", "/api/v1/meetings/"+mid, chair, "", "Accept", "text/csv", "X-Purpose", "Minutes for the IOM team")
	want(t, csvR, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(string(csvR.Raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	body := string(csvR.Raw)
	for _, id := range []string{f.o1, f.s1, f.a, chairID, mid} {
		if strings.Contains(body, id) {
			t.Errorf("the minutes CSV carries an ID %s", id)
		}
	}
	records := map[string]int{}
	for _, row := range rows[1:] {
		records[row[0]]++
	}
	if records["chair"] != 1 || records["attended"] != 2 || records["apologies"] != 1 || records["decision"] != 7 ||
		records["signed"] != 1 || !strings.Contains(body, "Alan Able") || !strings.Contains(body, "Pat Probation") ||
		!strings.Contains(body, "Minuted the wrong officer.") {
		t.Errorf("minutes CSV records %v:\n%s", records, body)
	}
	h := e.do(t, "GET", "/api/v1/meetings/"+mid+"?format=html", chair, "")
	want(t, h, http.StatusOK)
	page := string(h.Raw)
	if !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, "@media print") ||
		!strings.Contains(page, "G-004") || !strings.Contains(page, "Bella Brown") || strings.Contains(page, "<script") ||
		strings.Contains(page, f.o2) || !strings.Contains(h.Header.Get("Content-Security-Policy"), "sha256-") {
		t.Errorf("printable minutes:\n%s", page)
	}
	r = e.do(t, "GET", "/api/v1/meetings/"+mid, f.aTok, "")
	shared, _ := r.Body["shared_with"].([]any)
	if len(shared) != 2 || s(shared[0], "officer.id") != chairID || s(shared[0], "format") != "csv" ||
		s(shared[0], "purpose") != "Minutes for the IOM team" || s(shared[1], "format") != "html" {
		t.Errorf("shared_with %v", shared)
	}
	aud := e.create(t, "/api/v1/officers", obj{"name": "Aud", "email": "aud.minutes@example.police.uk", "roles": []string{"auditor"}})
	ar := e.do(t, "GET", "/api/v1/audit?action=disclosure&limit=500", e.token(t, s(aud, "id")), "")
	want(t, ar, http.StatusOK)
	// Each download is a disclosure (its request's entry, and one entry per
	// page of the agenda naming its orders and subjects, written before
	// the page is sent).
	downloads, named := map[string]bool{}, map[string]bool{}
	for _, it := range items(ar) {
		if s(it, "route") == "/api/v1/meetings/:id" {
			downloads[s(it, "request_id")] = true
			for _, r := range it.(map[string]any)["records"].([]any) {
				if s(r, "type") == "subject" {
					named[s(r, "id")] = true
				}
			}
		}
	}
	if len(downloads) != 2 {
		t.Errorf("%d downloads of the minutes disclosed, want 2: %s", len(downloads), ar)
	}
	for _, it := range get(r.Body, "agenda").([]any) {
		if !named[s(it, "subject_id")] {
			t.Errorf("subject %s of the agenda is named on no disclosure of the minutes", s(it, "subject_id"))
		}
	}

	// The open action, overdue by the next meeting, is carried to its agenda.
	r = e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": "2026-12-10"}))
	want(t, r, http.StatusCreated)
	carried, _ := r.Body["carried_actions"].([]any)
	if len(carried) != 1 || s(carried[0], "id") != s(act.Body, "id") || s(carried[0], "overdue") != "true" ||
		s(carried[0], "reference") != "G-001" || s(carried[0], "held_on") != today {
		t.Errorf("carried actions %v", carried)
	}
}

// The recorded chair signs the minutes, so they must be able to: a force
// meeting's chair holds tasking_chair, a regional meeting's is a regional
// lead. An IOM officer recorded as chair left the minutes unsignable.
func TestMeetingChairMustBeAbleToSign(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := e.create(t, "/api/v1/meetings", obj{"force": "gloucestershire", "held_on": today})
	path := "/api/v1/meetings/" + s(m, "id") + "/attendance"
	r := e.do(t, "PUT", path, e.admin, js(obj{"chair_id": e.officer(t, "iom_officer")}))
	wantFields(t, r, http.StatusUnprocessableEntity, "chair_id")
	if !strings.Contains(string(r.Raw), "Tasking chair role") {
		t.Errorf("the refusal does not say why: %s", r)
	}
	want(t, e.do(t, "PUT", path, e.admin, js(obj{"chair_id": e.officer(t, "tasking_chair")})), http.StatusOK)
}
