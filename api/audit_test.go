package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// The audit trail through the API: every collection, alteration,
// consultation and disclosure is read back as the auditor would, with who,
// what, which records, from where, why and the request's ID. Erasure has no
// route today (no DELETE of a subject or an order), so it has no test here.

// auEnv is an env whose store and database address the test keeps, to
// reach the database directly or start a second server on it.
type auEnv struct {
	*env
	store   *postgres.Store
	url     string
	handler http.Handler
}

func newAuditEnv(t *testing.T, burst int) *auEnv {
	t.Helper()
	ctx := context.Background()
	u := pgtest.URL(t)
	clock := domain.FixedClock(now)
	store, err := postgres.Open(ctx, u, clock, time.UTC)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	admin, err := store.EnsureBootstrapAdmin(ctx, adminToken)
	if err != nil {
		t.Fatalf("bootstrap admin: %v", err)
	}
	h := api.New(api.Config{Store: store, Clock: clock, Location: time.UTC, FailedAuthBurst: burst})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &auEnv{env: &env{srv: srv, admin: adminToken, adminID: admin.ID}, store: store, url: u, handler: h}
}

// auRaw sends a request like env.do but lets a 5xx through: some tests
// expect one.
func auRaw(t *testing.T, base, method, path, token, body string, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
}

// auServe calls the handler directly as a client at remoteAddr.
func auServe(h http.Handler, method, path, token, remoteAddr string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = remoteAddr
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// auEntries reads the audit trail as the auditor with the given filters.
func auEntries(t *testing.T, e *env, auditor string, filters url.Values) []any {
	t.Helper()
	filters.Set("limit", "500")
	r := e.do(t, "GET", "/api/v1/audit?"+filters.Encode(), auditor, "")
	want(t, r, http.StatusOK)
	return items(r)
}

// auHasRecord reports whether an entry names the record.
func auHasRecord(entry any, typ, id string) bool {
	recs, _ := get(entry, "records").([]any)
	for _, r := range recs {
		if s(r, "type") == typ && s(r, "id") == id {
			return true
		}
	}
	return false
}

// auFind returns the one entry of the request with this ID.
func auFind(t *testing.T, entries []any, requestID string) any {
	t.Helper()
	if requestID == "" {
		t.Fatal("the response has no X-Request-Id")
	}
	var found []any
	for _, x := range entries {
		if s(x, "request_id") == requestID {
			found = append(found, x)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d audit entries for request %s, want 1: %v", len(found), requestID, entries)
	}
	return found[0]
}

const (
	purposeCase   = "management of serious crime prevention orders"
	purposeReport = "tasking and oversight of order management"
	purposeAudit  = "audit of lawful processing (DPA 2018 s.62)"
)

// auWantEntry checks an entry's fields.
func auWantEntry(t *testing.T, entry any, officer, action, method, route, purpose string) {
	t.Helper()
	for field, w := range map[string]string{"officer_id": officer, "action": action, "method": method, "route": route,
		"purpose": purpose, "client_ip": "127.0.0.1"} {
		if got := s(entry, field); got != w {
			t.Errorf("audit entry %s = %q, want %q: %v", field, got, w, entry)
		}
	}
	if !strings.HasPrefix(s(entry, "at"), "2026-11-25T10:00:00") {
		t.Errorf("audit entry at = %s, want the clock's time", s(entry, "at"))
	}
	if len(s(entry, "hash")) != 64 || len(s(entry, "prev_hash")) != 64 {
		t.Errorf("audit entry hashes %q, %q: want hex SHA-256", s(entry, "hash"), s(entry, "prev_hash"))
	}
}

func TestAuditEveryKindOfAction(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.officer(t, "iom_officer")
	tok := e.token(t, officer)
	auditor := e.token(t, e.officer(t, "auditor"))
	filter := func(sub, action string) url.Values { return url.Values{"subject": {sub}, "action": {action}} }

	// Collection, with a purpose given.
	body := with(subjectBody(), obj{"last_name": "Audited"})
	r := e.do(t, "POST", "/api/v1/subjects", tok, js(body), "X-Purpose", "Recording a new SCPO subject (op NIGHTJAR)")
	want(t, r, http.StatusCreated)
	sub := s(r.Body, "id")
	entry := auFind(t, auEntries(t, e, auditor, filter(sub, "collection")), r.Header.Get("X-Request-Id"))
	auWantEntry(t, entry, officer, "collection", "POST", "/api/v1/subjects", "Recording a new SCPO subject (op NIGHTJAR)")
	if !auHasRecord(entry, "subject", sub) {
		t.Errorf("collection entry does not name the subject: %v", entry)
	}

	// An order for the subject, owned by the officer, so the caseload shows
	// it; a second, unowned, so the tasking report shows the subject.
	owned := s(e.order(t, sub, obj{"reference": "AU-1"}), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+owned+"/owners/iom", e.admin,
		js(obj{"officer_id": officer, "reason": "Allocation."})), http.StatusOK)
	unowned := s(e.order(t, sub, obj{"reference": "AU-2"}), "id")

	// Alteration, with the route's default purpose.
	r = e.do(t, "PATCH", "/api/v1/subjects/"+sub, tok, `{"aliases":["Deano","DC"]}`)
	want(t, r, http.StatusOK)
	entry = auFind(t, auEntries(t, e, auditor, filter(sub, "alteration")), r.Header.Get("X-Request-Id"))
	auWantEntry(t, entry, officer, "alteration", "PATCH", "/api/v1/subjects/:id", purposeCase)
	if !auHasRecord(entry, "subject", sub) {
		t.Errorf("alteration entry does not name the subject: %v", entry)
	}

	// Consultations: the subject, a list, the caseload, a report.
	for _, c := range []struct {
		path, route, purpose, header string
		order                        string
	}{
		{"/api/v1/subjects/" + sub, "/api/v1/subjects/:id", purposeCase, "", ""},
		{"/api/v1/subjects/" + sub, "/api/v1/subjects/:id", "Checking an address before a home visit", "Checking an address before a home visit", ""},
		{"/api/v1/subjects?q=Audited", "/api/v1/subjects", purposeCase, "", ""},
		{"/api/v1/orders?subject_id=" + sub, "/api/v1/orders", purposeCase, "", owned},
		{"/api/v1/orders/" + owned, "/api/v1/orders/:id", purposeCase, "", owned},
		{"/api/v1/caseload", "/api/v1/caseload", purposeCase, "", owned},
		// No sweep has flagged the unowned order yet: the agenda as of a
		// day is evaluated from the rules.
		{"/api/v1/reports/tasking?force=gloucestershire&as_of=" + today, "/api/v1/reports/tasking", purposeReport, "", unowned},
		{"/api/v1/reports/tasking?force=gloucestershire&as_of=" + today, "/api/v1/reports/tasking", "Preparing Tuesday's tasking meeting", "Preparing Tuesday's tasking meeting", unowned},
	} {
		var hdr []string
		if c.header != "" {
			hdr = []string{"X-Purpose", c.header}
		}
		r := e.do(t, "GET", c.path, tok, "", hdr...)
		want(t, r, http.StatusOK)
		entry := auFind(t, auEntries(t, e, auditor, filter(sub, "consultation")), r.Header.Get("X-Request-Id"))
		auWantEntry(t, entry, officer, "consultation", "GET", c.route, c.purpose)
		if !auHasRecord(entry, "subject", sub) {
			t.Errorf("%s: consultation entry does not name the subject: %v", c.path, entry)
		}
		if c.order != "" {
			if !auHasRecord(entry, "order", c.order) {
				t.Errorf("%s: consultation entry does not name order %s: %v", c.path, c.order, entry)
			}
			byOrder := auEntries(t, e, auditor, url.Values{"order": {c.order}, "action": {"consultation"}})
			auFind(t, byOrder, r.Header.Get("X-Request-Id"))
		}
	}

	// Disclosure: the tasking agenda exported as CSV. The request's entry
	// names the force; each page of rows has an entry naming its records.
	r = e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&as_of="+today, tok, "", "Accept", "text/csv")
	want(t, r, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(r.Raw), unowned) {
		t.Fatalf("want the agenda as CSV with the unowned order: %s %s", r.Header.Get("Content-Type"), r.Raw)
	}
	entry = auFind(t, auEntries(t, e, auditor, filter(sub, "disclosure")), r.Header.Get("X-Request-Id"))
	auWantEntry(t, entry, officer, "disclosure", "GET", "/api/v1/reports/tasking", purposeReport)
	if !auHasRecord(entry, "order", unowned) {
		t.Errorf("disclosure entry does not name the exported order: %v", entry)
	}
	var exportEntries int
	for _, x := range auEntries(t, e, auditor, url.Values{"action": {"disclosure"}}) {
		if s(x, "request_id") == r.Header.Get("X-Request-Id") {
			exportEntries++
		}
	}
	if exportEntries != 2 {
		t.Errorf("%d disclosure entries for the export, want 2: the request's and its one page of rows", exportEntries)
	}
	if n := len(auEntries(t, e, auditor, filter(sub, "erasure"))); n != 0 {
		t.Errorf("%d erasure entries, want none", n)
	}

	// Filters: by officer, and by time range (the clock is fixed at now).
	mine := auEntries(t, e, auditor, url.Values{"officer": {officer}})
	for _, x := range mine {
		if s(x, "officer_id") != officer {
			t.Errorf("officer filter let through %v", x)
		}
	}
	if len(mine) != 12 { // 1 collection, 1 alteration, 8 consultations, 2 disclosure (request, page of rows)
		t.Errorf("%d entries for the officer, want 12", len(mine))
	}
	at := now.Format(time.RFC3339)
	later := now.Add(time.Second).Format(time.RFC3339)
	if n := len(auEntries(t, e, auditor, url.Values{"officer": {officer}, "from": {at}, "to": {later}})); n != len(mine) {
		t.Errorf("from %s to %s: %d entries, want %d", at, later, n, len(mine))
	}
	if n := len(auEntries(t, e, auditor, url.Values{"officer": {officer}, "from": {later}})); n != 0 {
		t.Errorf("from %s: %d entries, want 0", later, n)
	}
	if n := len(auEntries(t, e, auditor, url.Values{"officer": {officer}, "to": {at}})); n != 0 {
		t.Errorf("to %s (exclusive): %d entries, want 0", at, n)
	}
	wantFields(t, e.do(t, "GET", "/api/v1/audit?action=deletion", auditor, ""), http.StatusUnprocessableEntity, "action")
	wantFields(t, e.do(t, "GET", "/api/v1/audit?subject=nope", auditor, ""), http.StatusUnprocessableEntity, "subject")
	wantFields(t, e.do(t, "GET", "/api/v1/audit?from=yesterday", auditor, ""), http.StatusUnprocessableEntity, "from")
}

// TestAuditPagesNewestFirst: the trail pages backwards with the cursor and
// every page's entries are older than the last.
func TestAuditPagesNewestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token(t, e.officer(t, "iom_officer"))
	auditor := e.token(t, e.officer(t, "auditor"))
	sub := s(e.subject(t, nil), "id")
	for range 5 {
		want(t, e.do(t, "GET", "/api/v1/subjects/"+sub, tok, ""), http.StatusOK)
	}
	var seen []float64
	path := "/api/v1/audit?limit=2&subject=" + sub + "&action=consultation"
	for range 10 {
		r := e.do(t, "GET", path, auditor, "")
		want(t, r, http.StatusOK)
		for _, it := range items(r) {
			seen = append(seen, get(it, "id").(float64))
		}
		next := s(r.Body, "next_cursor")
		if next == "<nil>" {
			break
		}
		path = "/api/v1/audit?limit=2&subject=" + sub + "&action=consultation&cursor=" + next
	}
	if len(seen) != 5 || !slices.IsSortedFunc(seen, func(a, b float64) int { return int(b - a) }) {
		t.Errorf("entry ids %v: want 5, newest first", seen)
	}
}

// TestAuditFailedChangeLeavesNoEntry: a change that does not happen is not
// recorded as having happened: its entry carries the refusal's status.
func TestAuditFailedChangeLeavesNoEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.officer(t, "iom_officer")
	tok := e.token(t, officer)
	auditor := e.token(t, e.officer(t, "auditor"))
	sub := s(e.subject(t, nil), "id")
	// count counts the entries of requests carried out, and of refused ones.
	count := func(action string) (done, refused int) {
		for _, x := range auEntries(t, e, auditor, url.Values{"officer": {officer}, "action": {action}}) {
			if s(x, "status") == "<nil>" {
				done++
			} else {
				refused++
			}
		}
		return done, refused
	}

	wantProblem(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, tok, `{"aliases":["X"]}`, "If-Match", `"99"`),
		http.StatusPreconditionFailed)
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, tok, `{"date_of_birth":"1986-02-31"}`),
		http.StatusUnprocessableEntity, "date_of_birth")
	wantFields(t, e.do(t, "POST", "/api/v1/subjects", tok, js(with(subjectBody(), obj{"last_name": ""}))),
		http.StatusUnprocessableEntity, "last_name")
	long, _ := pnc()
	want(t, e.do(t, "POST", "/api/v1/subjects", tok, js(with(subjectBody(), obj{"pnc_id": long}))), http.StatusCreated)
	wantProblem(t, e.do(t, "POST", "/api/v1/subjects", tok, js(with(subjectBody(), obj{"pnc_id": long}))), http.StatusConflict)
	if done, refused := count("alteration"); done != 0 || refused != 2 {
		t.Errorf("alteration entries after failed changes: %d carried out, %d refused; want 0 and 2", done, refused)
	}
	if done, refused := count("collection"); done != 1 || refused != 2 {
		t.Errorf("collection entries: %d carried out, %d refused; want 1 (the subject recorded) and 2", done, refused)
	}
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, tok, `{"aliases":["X"]}`, "If-Match", `"1"`), http.StatusOK)
	if done, _ := count("alteration"); done != 1 {
		t.Errorf("%d alteration entries carried out after one change, want 1", done)
	}
}

func TestAuditAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reader := e.officer(t, "iom_officer")
	tok := e.token(t, reader)
	auditorID := e.officer(t, "auditor")
	auditor := e.token(t, auditorID)
	sub := s(e.subject(t, nil), "id")
	other := s(e.subject(t, nil), "id")
	read := e.do(t, "GET", "/api/v1/subjects/"+sub, tok, "", "X-Purpose", "Home visit planning")
	want(t, read, http.StatusOK)
	want(t, e.do(t, "GET", "/api/v1/subjects/"+other, tok, ""), http.StatusOK)

	first := e.do(t, "GET", "/api/v1/subjects/"+sub+"/access-log", auditor, "")
	want(t, first, http.StatusOK)
	got := auFind(t, items(first), read.Header.Get("X-Request-Id"))
	auWantEntry(t, got, reader, "consultation", "GET", "/api/v1/subjects/:id", "Home visit planning")
	for _, it := range items(first) {
		if !auHasRecord(it, "subject", sub) {
			t.Errorf("access log of %s lists an entry that does not name it: %v", sub, it)
		}
	}

	// The access log's own reading is in the next access log, and in the
	// trail, as the auditor's consultation.
	second := e.do(t, "GET", "/api/v1/subjects/"+sub+"/access-log", auditor, "")
	want(t, second, http.StatusOK)
	self := auFind(t, items(second), first.Header.Get("X-Request-Id"))
	auWantEntry(t, self, auditorID, "consultation", "GET", "/api/v1/subjects/:id/access-log", purposeAudit)

	// Reading the trail is itself in the trail.
	list := e.do(t, "GET", "/api/v1/audit?officer="+auditorID, auditor, "")
	want(t, list, http.StatusOK)
	again := auEntries(t, e, auditor, url.Values{"officer": {auditorID}})
	entry := auFind(t, again, list.Header.Get("X-Request-Id"))
	auWantEntry(t, entry, auditorID, "consultation", "GET", "/api/v1/audit", purposeAudit)

	// Only the auditor reads the trail.
	for _, role := range []string{"admin", "iom_officer", "tasking_chair", "regional"} {
		tok := e.token(t, e.officer(t, role))
		wantProblem(t, e.do(t, "GET", "/api/v1/audit", tok, ""), http.StatusForbidden)
		wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+sub+"/access-log", tok, ""), http.StatusForbidden)
	}
	wantProblem(t, e.do(t, "GET", "/api/v1/audit", e.admin, ""), http.StatusForbidden)
	wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+noSuchID+"/access-log", auditor, ""), http.StatusNotFound)
}

// TestAuditUnwritableEntryFailsTheRequest: when the trail cannot be
// written, a read is refused rather than answered unrecorded, and a change
// does not happen; once the trail can be written again, both work.
func TestAuditUnwritableEntryFailsTheRequest(t *testing.T) {
	t.Parallel()
	a := newAuditEnv(t, 1_000_000)
	tok := a.token(t, a.officer(t, "iom_officer"))
	sub := a.subject(t, obj{"first_names": "Nadia", "last_name": "Quarrington"})
	id, pncID := s(sub, "id"), s(sub, "pnc_id")
	db := a.store.DB()
	exec := func(sql string) {
		t.Helper()
		if err := db.Exec(sql).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`CREATE FUNCTION au_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'the audit store is full'; END $$`)
	exec(`CREATE TRIGGER au_refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION au_refuse_audit()`)

	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/subjects/" + id, ""},
		{"GET", "/api/v1/subjects?q=Quarrington", ""},
		{"GET", "/api/v1/reports/tasking?force=gloucestershire", ""},
		{"PATCH", "/api/v1/subjects/" + id, `{"last_name":"Changed"}`},
	} {
		r := auRaw(t, a.srv.URL, c.method, c.path, tok, c.body)
		if r.Status < 500 {
			t.Errorf("%s %s with the trail unwritable: %s, want a 5xx", c.method, c.path, r)
		}
		for _, leak := range []string{"Quarrington", pncID, id} {
			if strings.Contains(string(r.Raw), leak) {
				t.Errorf("%s %s answered %q although its audit entry was not written: %s", c.method, c.path, leak, r.Raw)
			}
		}
	}
	r := auRaw(t, a.srv.URL, "GET", "/api/v1/reports/tasking?force=gloucestershire", tok, "", "Accept", "text/csv")
	if r.Status < 500 || strings.Contains(string(r.Raw), "section,order_id") {
		t.Errorf("CSV export with the trail unwritable: %s, want a 5xx and no CSV", r)
	}

	exec(`DROP TRIGGER au_refuse_audit ON audit_log`)
	got := a.do(t, "GET", "/api/v1/subjects/"+id, tok, "")
	want(t, got, http.StatusOK)
	if s(got.Body, "last_name") != "Quarrington" {
		t.Errorf("the PATCH refused for want of an audit entry changed the subject: %s", got)
	}
	n, err := a.store.VerifyAudit(context.Background())
	if err != nil || n == 0 {
		t.Errorf("VerifyAudit after the outage: %d, %v", n, err)
	}
}

func TestAuditTokens(t *testing.T) {
	t.Parallel()
	a := newAuditEnv(t, 1_000_000)
	officer := a.officer(t, "iom_officer")

	t.Run("revoked", func(t *testing.T) {
		r := a.do(t, "POST", "/api/v1/officers/"+officer+"/tokens", a.admin, "")
		want(t, r, http.StatusCreated)
		tok, tokID := s(r.Body, "token"), s(r.Body, "id")
		keep := a.token(t, officer)
		want(t, a.do(t, "GET", "/api/v1/me", tok, ""), http.StatusOK)
		want(t, a.do(t, "DELETE", "/api/v1/officers/"+officer+"/tokens/"+tokID, a.admin, ""), http.StatusNoContent)
		wantProblem(t, a.do(t, "GET", "/api/v1/me", tok, ""), http.StatusUnauthorized)
		want(t, a.do(t, "GET", "/api/v1/me", keep, ""), http.StatusOK)
		list := a.do(t, "GET", "/api/v1/officers/"+officer+"/tokens", a.admin, "")
		want(t, list, http.StatusOK)
		for _, it := range items(list) {
			if s(it, "token") != "<nil>" {
				t.Errorf("the token list shows a token: %v", it)
			}
			if revoked := s(it, "revoked_at") != "<nil>"; revoked != (s(it, "id") == tokID) {
				t.Errorf("token %s revoked_at %s", s(it, "id"), s(it, "revoked_at"))
			}
		}
		// Another officer's token, or no such token, is not found.
		wantProblem(t, a.do(t, "DELETE", "/api/v1/officers/"+a.adminID+"/tokens/"+tokID, a.admin, ""), http.StatusNotFound)
		wantProblem(t, a.do(t, "DELETE", "/api/v1/officers/"+officer+"/tokens/"+noSuchID, a.admin, ""), http.StatusNotFound)
	})

	t.Run("expired", func(t *testing.T) {
		past := now.Add(-time.Minute).Format(time.RFC3339)
		wantFields(t, a.do(t, "POST", "/api/v1/officers/"+officer+"/tokens", a.admin, js(obj{"expires_at": past})),
			http.StatusUnprocessableEntity, "expires_at")
		wantFields(t, a.do(t, "POST", "/api/v1/officers/"+officer+"/tokens", a.admin, js(obj{"expires_at": now.Format(time.RFC3339)})),
			http.StatusUnprocessableEntity, "expires_at")
		soon := now.Add(time.Hour)
		r := a.do(t, "POST", "/api/v1/officers/"+officer+"/tokens", a.admin, js(obj{"expires_at": soon.Format(time.RFC3339)}))
		want(t, r, http.StatusCreated)
		expiring := s(r.Body, "token")
		lasting := a.token(t, officer)
		want(t, a.do(t, "GET", "/api/v1/me", expiring, ""), http.StatusOK)

		// The same database, two hours on.
		clock := domain.FixedClock(now.Add(2 * time.Hour))
		later, err := postgres.Open(context.Background(), a.url, clock, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { later.Close() })
		srv := httptest.NewServer(api.New(api.Config{Store: later, Clock: clock, Location: time.UTC}))
		t.Cleanup(srv.Close)
		r = auRaw(t, srv.URL, "GET", "/api/v1/me", expiring, "")
		if r.Status != http.StatusUnauthorized {
			t.Errorf("expired token two hours on: %s, want 401", r)
		}
		if r := auRaw(t, srv.URL, "GET", "/api/v1/me", lasting, ""); r.Status != http.StatusOK {
			t.Errorf("token without expiry two hours on: %s, want 200", r)
		}
	})

	t.Run("deactivated officer", func(t *testing.T) {
		leaver := a.officer(t, "iom_officer")
		tok1, tok2 := a.token(t, leaver), a.token(t, leaver)
		want(t, a.do(t, "GET", "/api/v1/me", tok1, ""), http.StatusOK)
		want(t, a.do(t, "PATCH", "/api/v1/officers/"+leaver, a.admin, `{"active":false}`), http.StatusOK)
		for _, tok := range []string{tok1, tok2} {
			wantProblem(t, a.do(t, "GET", "/api/v1/me", tok, ""), http.StatusUnauthorized)
			wantProblem(t, a.do(t, "GET", "/api/v1/subjects", tok, ""), http.StatusUnauthorized)
		}
		wantProblem(t, a.do(t, "POST", "/api/v1/officers/"+leaver+"/tokens", a.admin, ""), http.StatusConflict)
	})
}

// TestAuditFailedAuthenticationIsRateLimited: each client address has a
// budget of failed authentications (here 3); once spent, every request from
// that address is 429, a valid token included, until the budget refills
// (one every 6 s). Other addresses are unaffected, and a forwarded-for
// header does not move a client to another address.
func TestAuditFailedAuthenticationIsRateLimited(t *testing.T) {
	t.Parallel()
	a := newAuditEnv(t, 3)
	good, other := a.token(t, a.officer(t, "iom_officer")), a.token(t, a.officer(t, "iom_officer"))
	const attacker, bystander = "203.0.113.7:40000", "198.51.100.2:40000"
	status := func(token, addr string, headers ...string) int {
		return auServe(a.handler, "GET", "/api/v1/me", token, addr, headers...).Code
	}
	// The operator has used the bootstrap token from the shared address.
	if got := status(adminToken, attacker); got != http.StatusOK {
		t.Fatalf("the bootstrap token before the block: %d", got)
	}
	// No Authorization header at all is 401 but spends nothing.
	for range 5 {
		if got := status("", attacker); got != http.StatusUnauthorized {
			t.Fatalf("no token: %d, want 401", got)
		}
	}
	for i := range 3 {
		if got := status("scpo_guess", attacker); got != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d, want 401", i+1, got)
		}
	}
	rec := auServe(a.handler, "GET", "/api/v1/me", "scpo_guess", attacker)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("4th bad token: %d, want 429: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("429 Content-Type %q, want a problem", ct)
	}
	// Its type is a URI (it was ".../http-Too Many Requests").
	if !strings.Contains(rec.Body.String(), `"type":"https://scpo.police.uk/problems/too-many-requests"`) {
		t.Errorf("429 problem: %s", rec.Body)
	}
	// A service token (32 random bytes) is still checked: officers behind
	// the address keep working, and guessing one is hopeless.
	if got := status(good, attacker); got != http.StatusOK {
		t.Errorf("a service token from the blocked address: %d, want 200", got)
	}
	// A credential typed by hand (the bootstrap token) only if it worked
	// from here lately: a blocked address cannot go on guessing it and
	// read the answer.
	if got := status(adminToken, attacker); got != http.StatusOK {
		t.Errorf("the bootstrap token, proven from the blocked address: %d, want 200", got)
	}
	if got := status(adminToken, "203.0.113.8:40000"); got != http.StatusOK {
		t.Fatalf("the bootstrap token from a second address: %d", got)
	}
	for range 3 {
		status("guess", "203.0.113.9:40000")
	}
	if got := status(adminToken, "203.0.113.9:40000"); got != http.StatusTooManyRequests {
		t.Errorf("the bootstrap token never used from a blocked address: %d, want 429 (unchecked)", got)
	}
	if got := status("scpo_guess", attacker); got != http.StatusTooManyRequests {
		t.Errorf("bad token after a good one from the blocked address: %d, want 429", got)
	}
	if got := status("scpo_guess", attacker, "X-Forwarded-For", "192.0.2.55", "X-Real-Ip", "192.0.2.56"); got != http.StatusTooManyRequests {
		t.Errorf("bad token from the blocked address claiming another: %d, want 429", got)
	}
	if got := status(other, bystander); got != http.StatusOK {
		t.Errorf("good token from another address: %d, want 200", got)
	}
	if got := status("scpo_guess", bystander); got != http.StatusUnauthorized {
		t.Errorf("bad token from another address: %d, want 401", got)
	}
	// The public routes are not behind authentication at all.
	if got := auServe(a.handler, "GET", "/healthz", "", attacker).Code; got != http.StatusOK {
		t.Errorf("/healthz from the blocked address: %d, want 200", got)
	}
}

// TestAuditRequestIDAndAddress: the entry carries the request ID the
// response carries and the address the request came from.
func TestAuditRequestIDAndAddress(t *testing.T) {
	t.Parallel()
	a := newAuditEnv(t, 1_000_000)
	officer := a.officer(t, "iom_officer")
	tok := a.token(t, officer)
	auditor := a.token(t, a.officer(t, "auditor"))
	sub := s(a.subject(t, nil), "id")
	rec := auServe(a.handler, "GET", "/api/v1/subjects/"+sub, tok, "198.51.100.23:51000",
		"X-Forwarded-For", "10.9.9.9", "X-Purpose", "  Warrant check\tat the custody suite  ")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET subject: %d %s", rec.Code, rec.Body)
	}
	rid := rec.Header().Get("X-Request-Id")
	entry := auFind(t, auEntries(t, a.env, auditor, url.Values{"subject": {sub}, "action": {"consultation"}}), rid)
	if got := s(entry, "client_ip"); got != "198.51.100.23" {
		t.Errorf("client_ip %q, want the connection's address 198.51.100.23", got)
	}
	if got := s(entry, "purpose"); got != "Warrant checkat the custody suite" {
		t.Errorf("purpose %q: want the header trimmed and without control characters", got)
	}

	// Every request has its own ID.
	ids := map[string]bool{}
	for range 3 {
		r := a.do(t, "GET", "/api/v1/subjects/"+sub, tok, "")
		want(t, r, http.StatusOK)
		ids[r.Header.Get("X-Request-Id")] = true
	}
	if len(ids) != 3 || ids[""] {
		t.Errorf("request IDs %v: want 3 distinct", ids)
	}
	for id := range ids {
		auFind(t, auEntries(t, a.env, auditor, url.Values{"subject": {sub}}), id)
	}
}

// TestAuditPurposeIsKeptShortAndValid: a long purpose is cut to 200 bytes
// without splitting a character, and the read it explains still works.
func TestAuditPurposeIsKeptShortAndValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token(t, e.officer(t, "iom_officer"))
	auditor := e.token(t, e.officer(t, "auditor"))
	sub := s(e.subject(t, nil), "id")
	for _, purpose := range []string{
		strings.Repeat("p", 250),
		strings.Repeat("a", 199) + "é and more", // the 200th byte is inside é
		strings.Repeat("€", 80),                 // 3 bytes each: 200 is inside the 67th
	} {
		r := e.do(t, "GET", "/api/v1/subjects/"+sub, tok, "", "X-Purpose", purpose)
		if r.Status != http.StatusOK {
			t.Errorf("X-Purpose of %d bytes: %s, want 200", len(purpose), r)
			continue
		}
		got := s(auFind(t, auEntries(t, e, auditor, url.Values{"subject": {sub}}), r.Header.Get("X-Request-Id")), "purpose")
		if len(got) > 200 || !utf8.ValidString(got) || !strings.HasPrefix(purpose, got) || len(got) < 197 {
			t.Errorf("purpose stored as %q (%d bytes): want a valid prefix of at most 200 bytes", got, len(got))
		}
	}
	// Blank is no purpose: the default applies.
	r := e.do(t, "GET", "/api/v1/subjects/"+sub, tok, "", "X-Purpose", "   ")
	want(t, r, http.StatusOK)
	if got := s(auFind(t, auEntries(t, e, auditor, url.Values{"subject": {sub}}), r.Header.Get("X-Request-Id")), "purpose"); got != purposeCase {
		t.Errorf("blank X-Purpose stored as %q, want the default", got)
	}
}

// Deactivating an officer ends their ownerships: the change's entry names
// the orders and subjects it changed, so each subject's access log shows
// it (it named the officer alone).
func TestDeactivationOnTheSubjectsAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iom := e.officer(t, "iom_officer")
	sub := s(e.subject(t, nil), "id")
	ord := s(e.order(t, sub, nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": iom, "reason": "Allocated."})),
		http.StatusOK)
	off := e.do(t, "PATCH", "/api/v1/officers/"+iom, e.admin, js(obj{"active": false}))
	want(t, off, http.StatusOK)
	log := e.do(t, "GET", "/api/v1/subjects/"+sub+"/access-log", e.token(t, e.officer(t, "auditor")), "")
	want(t, log, http.StatusOK)
	got := auFind(t, items(log), off.Header.Get("X-Request-Id"))
	if !auHasRecord(got, "order", ord) {
		t.Errorf("the deactivation's entry does not name the order it changed: %v", got)
	}
}

// A flag list names each flag's subject: its reading is on their access
// log, not only on the order's.
func TestAuditFlagListOnTheSubjectsAccessLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	reader := e.token(t, e.officer(t, "iom_officer"))
	auditor := e.token(t, e.officer(t, "auditor"))
	sub := s(e.subject(t, nil), "id")
	e.order(t, sub, nil)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	list := e.do(t, "GET", "/api/v1/flags?status=open", reader, "")
	want(t, list, http.StatusOK)
	if !strings.Contains(string(list.Raw), sub) {
		t.Fatalf("the flag list does not name the subject: %s", list.Raw)
	}
	log := e.do(t, "GET", "/api/v1/subjects/"+sub+"/access-log", auditor, "")
	want(t, log, http.StatusOK)
	auFind(t, items(log), list.Header.Get("X-Request-Id"))
}
