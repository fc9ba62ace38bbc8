package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The tests live on a fixed day.
var (
	now   = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	today = "2026-11-25"
)

const adminToken = "test-bootstrap-admin-token-0123456789"

// env is one server on its own fresh database.
type env struct {
	srv     *httptest.Server
	admin   string // the bootstrap admin's token
	adminID string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	// Many tests present bad tokens on purpose; the limiter has its own test.
	return newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000 })
}

// newEnvWith is newEnv with the server's configuration adjusted by tune.
func newEnvWith(t testing.TB, tune func(*api.Config)) *env {
	t.Helper()
	ctx := context.Background()
	clock := domain.FixedClock(now)
	store, err := postgres.Open(ctx, pgtest.URL(t), clock, time.UTC)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	admin, err := store.EnsureBootstrapAdmin(ctx, adminToken)
	if err != nil {
		t.Fatalf("bootstrap admin: %v", err)
	}
	cfg := api.Config{Store: store, Clock: clock, Location: time.UTC}
	tune(&cfg)
	e := api.New(cfg)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &env{srv: srv, admin: adminToken, adminID: admin.ID}
}

// resp is an answer with its body decoded.
type resp struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any // the body when it is a JSON object
}

func (r resp) String() string {
	return fmt.Sprintf("%d %s", r.Status, strings.TrimSpace(string(r.Raw)))
}

// do sends one request. A body is sent as application/json unless headers
// (name, value pairs) say otherwise. Any 5xx fails the test: the service
// must never answer one to a client's request. It is safe to call from
// several goroutines.
func (e *env) do(t *testing.T, method, path, token, body string, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return resp{}
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
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return resp{}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Errorf("%s %s: read body: %v", method, path, err)
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &r.Body); err != nil {
			t.Errorf("%s %s: body is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	if r.Status >= 500 {
		t.Errorf("%s %s: server error %s", method, path, r)
	}
	return r
}

// want checks the status of a successful answer.
func want(t *testing.T, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r)
	}
}

// wantProblem checks a problem answer: status, media type and the status
// member, without looking at errors.
func wantProblem(t *testing.T, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	if r.Body == nil {
		t.Fatalf("problem body is not a JSON object: %s", r.Raw)
	}
	if got, _ := r.Body["status"].(float64); int(got) != status {
		t.Errorf("problem status member %v, want %d", r.Body["status"], status)
	}
	for _, k := range []string{"type", "title", "detail"} {
		if s, _ := r.Body[k].(string); s == "" {
			t.Errorf("problem lacks %q: %s", k, r.Raw)
		}
	}
}

// wantFields checks a problem and that errors[].field names exactly fields
// (in any order); no fields means no errors member.
func wantFields(t *testing.T, r resp, status int, fields ...string) {
	t.Helper()
	wantProblem(t, r, status)
	got := problemFields(r)
	w := slices.Clone(fields)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("errors[].field = %q, want %q: %s", got, w, r.Raw)
	}
}

func problemFields(r resp) []string {
	list, _ := r.Body["errors"].([]any)
	out := []string{}
	for _, e := range list {
		m, _ := e.(map[string]any)
		f, _ := m["field"].(string)
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// get walks a decoded JSON value along a dotted path; numeric segments
// index arrays.
func get(v any, path string) any {
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// s is get for a string; absent or null is "<nil>".
func s(v any, path string) string {
	x := get(v, path)
	if x == nil {
		return "<nil>"
	}
	if str, ok := x.(string); ok {
		return str
	}
	return fmt.Sprint(x)
}

func items(r resp) []any {
	l, _ := r.Body["items"].([]any)
	return l
}

func ids(r resp) []string {
	var out []string
	for _, it := range items(r) {
		out = append(out, s(it, "id"))
	}
	return out
}

// js marshals v as a request body.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// obj is a request body under construction.
type obj = map[string]any

// with returns a copy of base with the changes applied; a nil value
// removes the key.
func with(base obj, changes obj) obj {
	out := obj{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

var serials atomic.Int64

// pnc returns a fresh valid PNC ID in the long and short forms.
func pnc() (long, short string) {
	n := int(500000 + serials.Add(1))
	c := domain.PNCCheckLetter(19, n)
	return fmt.Sprintf("2019/%07d%c", n, c), fmt.Sprintf("19/%d%c", n, c)
}

// subjectBody is a valid subject in the community.
func subjectBody() obj {
	long, _ := pnc()
	return obj{"first_names": "Dean", "last_name": "Carter", "aliases": []string{"Deano"},
		"date_of_birth": "1986-04-02", "pnc_id": long, "force": "gloucestershire",
		"custody": obj{"status": "community"}}
}

// inCustody is a custody block released on the given date.
func inCustody(release string) obj {
	return obj{"status": "custody", "establishment": "HMP Bristol", "release_date": release, "release_date_type": "CRD"}
}

// orderBody is a valid on_date order that started on 2026-11-01.
// orderRefs gives each order body its own court reference: the same order
// (subject, reference, day made) is refused the second time.
var orderRefs atomic.Int64

func orderBody(subjectID string) obj {
	return obj{"subject_id": subjectID, "type": "scpo", "reference": fmt.Sprintf("T2026%04d", orderRefs.Add(1)), "court": "Bristol Crown Court",
		"court_type": "crown", "made_on": "2026-10-20", "commencement": "on_date", "starts_on": "2026-11-01",
		"duration_months": 36, "served_at_hearing": true,
		"terms": []obj{{"category": "communications", "text": "Not to possess more than one mobile phone."}}}
}

func (e *env) create(t *testing.T, path string, body obj) map[string]any {
	t.Helper()
	r := e.do(t, "POST", path, e.admin, js(body))
	want(t, r, http.StatusCreated)
	return r.Body
}

func (e *env) subject(t *testing.T, changes obj) map[string]any {
	t.Helper()
	return e.create(t, "/api/v1/subjects", with(subjectBody(), changes))
}

func (e *env) order(t *testing.T, subjectID string, changes obj) map[string]any {
	t.Helper()
	return e.create(t, "/api/v1/orders", with(orderBody(subjectID), changes))
}

var emails atomic.Int64

// officer creates an officer in Gloucestershire with roles and returns
// its id.
func (e *env) officer(t *testing.T, roles ...string) string {
	t.Helper()
	n := emails.Add(1)
	o := e.create(t, "/api/v1/officers", obj{"name": fmt.Sprintf("Officer %d", n),
		"email": fmt.Sprintf("officer%d@gloucestershire.police.uk", n), "force": "gloucestershire", "roles": roles})
	return s(o, "id")
}

// token issues a bearer token for an officer.
func (e *env) token(t *testing.T, officerID string) string {
	t.Helper()
	r := e.do(t, "POST", "/api/v1/officers/"+officerID+"/tokens", e.admin, "")
	want(t, r, http.StatusCreated)
	tok := s(r.Body, "token")
	if tok == "<nil>" || tok == "" {
		t.Fatalf("no token in %s", r)
	}
	return tok
}

// decideOnUnowned opens a meeting of force today, after an ownership sweep
// puts the order on its agenda as unowned, and records decision (its
// item_id filled in) on the order's item as chair: the meeting's body, and
// the decision's answer (201 wanted).
func (e *env) decideOnUnowned(t *testing.T, chair, force, orderID string, decision obj) (map[string]any, resp) {
	t.Helper()
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": force, "held_on": today}))
	want(t, m, http.StatusCreated)
	for _, it := range m.Body["agenda"].([]any) {
		if s(it, "order_id") == orderID {
			decision["item_id"] = s(it, "id")
			d := e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions", chair, js(decision))
			want(t, d, http.StatusCreated)
			return m.Body, d
		}
	}
	t.Fatalf("order %s is not on the agenda of %s's meeting: %v", orderID, force, m.Body["agenda"])
	return nil, resp{}
}
