package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"scpo/api"
)

// Issue item 4: every refused attempt on a record is on the audit trail,
// with the status sent and the record named; every search is there with
// its terms; the request log carries the status actually sent.
func TestAuditRecordsRefusalsAndSearches(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	e := newEnvWith(t, func(c *api.Config) {
		c.FailedAuthBurst = 1_000_000
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	officer := e.officer(t, "iom_officer")
	tok := e.token(t, officer)
	auditor := e.token(t, acOfficer(t, e, "", "auditor")) // national: sees every force's records
	dorset := s(e.subject(t, obj{"force": "dorset"}), "id")
	glos := s(e.subject(t, nil), "id")
	order := s(e.order(t, glos, obj{"made_on": "2025-06-25", "starts_on": "2025-07-01"}), "id")

	type refusal struct {
		method, path, token, body string
		status                    int
		officer                   string // "" for the unknown caller of a 401
		record                    [2]string
	}
	for _, c := range []refusal{
		{"GET", "/api/v1/subjects/" + dorset, tok, "", 404, officer, [2]string{"subject", dorset}},
		{"PATCH", "/api/v1/subjects/" + dorset, tok, `{"aliases":[]}`, 404, officer, [2]string{"subject", dorset}},
		{"GET", "/api/v1/subjects/" + dorset + "/access-log", tok, "", 403, officer, [2]string{"subject", dorset}},
		{"GET", "/api/v1/orders/" + order, "scpo_wrong", "", 401, "", [2]string{"order", order}},
		{"POST", "/api/v1/orders/" + order + "/reviews", tok,
			js(obj{"reviewed_on": "2025-06-01", "kind": "routine", "outcome": "satisfactory"}), 422, officer, [2]string{"order", order}},
	} {
		r := e.do(t, c.method, c.path, c.token, c.body)
		wantProblem(t, r, c.status)
		rid := r.Header.Get("X-Request-Id")
		entry := auFind(t, auEntries(t, e, auditor, url.Values{}), rid)
		if got := s(entry, "status"); got != itoa(c.status) {
			t.Errorf("%s %s: entry status %s, want %d: %v", c.method, c.path, got, c.status, entry)
		}
		wantOfficer := c.officer
		if wantOfficer == "" {
			wantOfficer = "<nil>"
		}
		if got := s(entry, "officer_id"); got != wantOfficer {
			t.Errorf("%s %s: entry officer %s, want %s", c.method, c.path, got, wantOfficer)
		}
		if !auHasRecord(entry, c.record[0], c.record[1]) {
			t.Errorf("%s %s: entry does not name %s %s: %v", c.method, c.path, c.record[0], c.record[1], entry)
		}
		if line := logs.line(rid); s(line, "status") != itoa(c.status) {
			t.Errorf("%s %s: request log status %s, want %d: %v", c.method, c.path, s(line, "status"), c.status, line)
		}
	}

	// A search is on the trail with its terms.
	r := e.do(t, "GET", "/api/v1/subjects?q=Carter&pnc_id="+url.QueryEscape("12/345678U"), tok, "")
	want(t, r, http.StatusOK)
	entry := auFind(t, auEntries(t, e, auditor, url.Values{}), r.Header.Get("X-Request-Id"))
	if got := s(entry, "query"); got != "pnc_id=12%2F345678U&q=Carter" {
		t.Errorf("search entry query %q, want the terms", got)
	}
	if got := s(entry, "status"); got != "<nil>" {
		t.Errorf("a search carried out has status %s, want none", got)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// syncBuffer collects the JSON log lines of a server.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// line returns the request line with this request ID.
func (b *syncBuffer) line(requestID string) map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range strings.Split(b.buf.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["request_id"] == requestID {
			return m
		}
	}
	return nil
}
