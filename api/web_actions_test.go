package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// My work lists the open actions meetings gave the officer.
func TestPageMyWorkListsMyActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, me := e.signedIn(t, "iom_officer")
	other := e.officer(t, "iom_officer")
	sub := e.subject(t, nil)
	order := s(e.order(t, s(sub, "id"), obj{"reference": "ACT-MINE-1"}), "id")
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	m := e.create(t, "/api/v1/meetings", obj{"force": "gloucestershire", "held_on": today})
	item := ""
	agenda, _ := m["agenda"].([]any)
	for _, it := range agenda {
		if s(it, "order_id") == order {
			item = s(it, "id")
		}
	}
	if item == "" {
		t.Fatalf("no agenda item for the order: %v", m)
	}
	decide := func(who, note string) {
		e.create(t, "/api/v1/meetings/"+s(m, "id")+"/decisions", obj{"item_id": item, "decision": "action",
			"action_by": who, "due_by": "2026-12-01", "notes": note})
	}
	decide(me, "Visit the address with probation.")
	decide(other, "Someone else's task.")

	p := b.get("/")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Actions meetings gave me", "ACT-MINE-1", "Visit the address with probation.", "1 December 2026")
	if strings.Contains(p.Body, "Someone else&#39;s task.") || strings.Contains(p.Body, "Someone else's task.") {
		t.Errorf("My work lists another officer's action")
	}
}
