package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequestDecoding throws arbitrary bodies at every endpoint that reads
// one. Whatever arrives, the answer is a client error or success, never a
// 5xx and never a panic. The seed corpus runs in the normal suite; run
// `go test ./api -fuzz FuzzRequestDecoding` to search further.
func FuzzRequestDecoding(f *testing.F) {
	seeds := []string{
		`{}`, `[]`, `null`, `"x"`, `{"first_names": 5}`, `{"pnc_id": "12/345678U", "custody": {"status": "custody"}}`,
		`{"made_on": "2024-02-30", "commencement": "on_release", "duration_months": 61}`,
		`{"terms": [{"category": "travel", "text": ""}, 7]}`, `{"custody": []}`, `{"aliases": [1, null, "x"]}`,
		`{"officer_id": "not-a-uuid", "reason": ""}`, `{"due_on": "9999-99-99", "kind": "device"}`,
		`{"as_of": "2026-13-01"}`, `{"first_names": "\u0000"}`, "{\"last_name\": \"\xff\xfe\"}", `{"duration_months": 1e400}`,
		`{"starts_on": "2026-01-01", "ends_on": "2020-01-01", "commencement": "on_date"}`, `{"a":{"b":{"c":{}}}}`,
		strings.Repeat(`[`, 10000), `{"roles": ["admin", "admin"], "email": "x@"}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		// A fresh database per input: a body that succeeds cannot change
		// what the next one meets.
		e := newEnv(t)
		ids := map[string]string{"officer": e.officer(t, "iom_officer")}
		ids["subject"] = s(e.subject(t, nil), "id")
		ids["order"] = s(e.order(t, ids["subject"], nil), "id")
		for _, target := range []struct{ method, path string }{
			{http.MethodPost, "/api/v1/subjects"},
			{http.MethodPatch, "/api/v1/subjects/" + ids["subject"]},
			{http.MethodPost, "/api/v1/orders"},
			{http.MethodPatch, "/api/v1/orders/" + ids["order"]},
			{http.MethodPut, "/api/v1/orders/" + ids["order"] + "/owners/iom"},
			{http.MethodPost, "/api/v1/orders/" + ids["order"] + "/reviews"},
			{http.MethodPost, "/api/v1/orders/" + ids["order"] + "/checks"},
			{http.MethodPost, "/api/v1/officers"},
			{http.MethodPatch, "/api/v1/officers/" + ids["officer"]},
			{http.MethodPost, "/api/v1/jobs/review-sweep/runs"},
			{http.MethodPut, "/api/v1/forces/dorset/policy"},
			{http.MethodPost, "/api/v1/meetings"},
		} {
			req := httptest.NewRequest(target.method, e.srv.URL+target.path, strings.NewReader(body))
			req.RequestURI = ""
			req.Header.Set("Authorization", "Bearer "+e.admin)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", target.method, target.path, err)
			}
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Errorf("%s %s with %q answered %d", target.method, target.path, body, res.StatusCode)
			}
		}
	})
}

// FuzzIDsInPathsAndQueries puts arbitrary text where an ID or a code
// belongs: in every {id}, ?subject_id, ?owner, a body's officer_id and a
// force code. Whatever arrives, the answer is never a 5xx. Run `go test
// ./api -fuzz FuzzIDsInPathsAndQueries` to search further.
func FuzzIDsInPathsAndQueries(f *testing.F) {
	const id = "01a22c07-3b5e-4c5e-9d0a-6f0c1e2d3b4a"
	for _, s := range []string{
		"urn:uuid:" + id, "{" + id + "}", strings.ReplaceAll(id, "-", ""), strings.ToUpper(id), id,
		"\x00", "\xff\xfe", "dorset\x00", "%00", "%ff%fe", "../../etc", "", " ", "null", "'; DROP TABLE subjects; --",
		strings.Repeat("a", 5000),
	} {
		f.Add(s)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, v string) {
		p := url.PathEscape(v)
		q := url.QueryEscape(v)
		for _, target := range []struct{ method, path, body string }{
			{http.MethodGet, "/api/v1/orders/" + p, ""},
			{http.MethodGet, "/api/v1/subjects/" + p, ""},
			{http.MethodGet, "/api/v1/officers/" + p, ""},
			{http.MethodGet, "/api/v1/meetings/" + p, ""},
			{http.MethodGet, "/api/v1/forces/" + p, ""},
			{http.MethodGet, "/api/v1/forces/" + p + "/policy", ""},
			{http.MethodGet, "/api/v1/orders?subject_id=" + q, ""},
			{http.MethodGet, "/api/v1/orders?owner=" + q, ""},
			{http.MethodGet, "/api/v1/orders?cursor=" + q, ""},
			{http.MethodGet, "/api/v1/caseload?officer_id=" + q, ""},
			{http.MethodPatch, "/api/v1/orders/" + p + "/checks/" + p, `{"outcome":"compliant"}`},
			{http.MethodPut, "/api/v1/orders/" + p + "/owners/iom", js(obj{"officer_id": v, "reason": "x"})},
			{http.MethodPost, "/api/v1/orders", js(obj{"subject_id": v})},
			{http.MethodPost, "/api/v1/officers/" + p + "/reassign", js(obj{"to_officer_id": v, "reason": "x"})},
		} {
			req, err := http.NewRequest(target.method, e.srv.URL+target.path, strings.NewReader(target.body))
			if err != nil {
				continue // not a URL a client could send
			}
			req.Header.Set("Authorization", "Bearer "+e.admin)
			if target.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", target.method, target.path, err)
			}
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Errorf("%s %s answered %d", target.method, target.path, res.StatusCode)
			}
		}
	})
}
