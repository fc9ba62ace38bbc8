package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

const noSuchID = "0190a0c0-0000-7000-8000-000000000000"

func TestHealthAndOpenAPINeedNoToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
		r := e.do(t, "GET", p, "", "")
		want(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
	}
	r := e.do(t, "GET", "/api/v1/openapi.json", "", "")
	if !strings.HasPrefix(s(r.Body, "openapi"), "3.") {
		t.Errorf("openapi.json does not declare OpenAPI 3: openapi=%s", s(r.Body, "openapi"))
	}
}

func TestEveryRouteNeedsAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routes := []struct{ method, path string }{
		{"GET", "/api/v1/me"},
		{"GET", "/api/v1/forces"},
		{"GET", "/api/v1/forces/dorset"},
		{"POST", "/api/v1/officers"},
		{"GET", "/api/v1/officers"},
		{"GET", "/api/v1/officers/" + noSuchID},
		{"PATCH", "/api/v1/officers/" + noSuchID},
		{"POST", "/api/v1/officers/" + noSuchID + "/tokens"},
		{"POST", "/api/v1/subjects"},
		{"GET", "/api/v1/subjects"},
		{"GET", "/api/v1/subjects/" + noSuchID},
		{"PATCH", "/api/v1/subjects/" + noSuchID},
		{"POST", "/api/v1/orders"},
		{"GET", "/api/v1/orders"},
		{"GET", "/api/v1/orders/" + noSuchID},
		{"PATCH", "/api/v1/orders/" + noSuchID},
		{"PUT", "/api/v1/orders/" + noSuchID + "/owners/iom"},
		{"DELETE", "/api/v1/orders/" + noSuchID + "/owners/iom?reason=x"},
		{"GET", "/api/v1/orders/" + noSuchID + "/owners/history"},
		{"POST", "/api/v1/orders/" + noSuchID + "/reviews"},
		{"GET", "/api/v1/orders/" + noSuchID + "/reviews"},
		{"POST", "/api/v1/orders/" + noSuchID + "/checks"},
		{"GET", "/api/v1/orders/" + noSuchID + "/checks"},
		{"PATCH", "/api/v1/orders/" + noSuchID + "/checks/" + noSuchID},
		{"GET", "/api/v1/no-such-route"},
	}
	body := `{"name":"x"}`
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			for _, c := range []struct{ name, auth string }{
				{"none", ""},
				{"unknown token", "Bearer scpo_not-a-real-token"},
				{"wrong scheme", "Basic " + adminToken},
				{"empty bearer", "Bearer "},
			} {
				var r resp
				if c.auth == "" {
					r = e.do(t, rt.method, rt.path, "", body)
				} else {
					r = e.do(t, rt.method, rt.path, "", body, "Authorization", c.auth)
				}
				t.Run(c.name, func(t *testing.T) { wantFields(t, r, http.StatusUnauthorized) })
			}
		})
	}
}

func TestMeAndForces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(t, "GET", "/api/v1/me", e.admin, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "id") != e.adminID || !slices.Contains(get(r.Body, "roles").([]any), any("admin")) {
		t.Errorf("me = %s", r)
	}
	if r.Header.Get("ETag") == "" {
		t.Error("GET /me has no ETag")
	}

	r = e.do(t, "GET", "/api/v1/forces", e.admin, "")
	want(t, r, http.StatusOK)
	forces := items(r)
	if len(forces) != 43 {
		t.Errorf("%d forces, want 43", len(forces))
	}
	var sw []string
	for _, f := range forces {
		if s(f, "region") == "south-west" {
			sw = append(sw, s(f, "code"))
		}
		if c := s(f, "code"); c != strings.ToLower(c) || strings.Contains(c, " ") || s(f, "name") == "" {
			t.Errorf("bad force %v", f)
		}
	}
	slices.Sort(sw)
	if w := []string{"avon-and-somerset", "devon-and-cornwall", "dorset", "gloucestershire", "wiltshire"}; !slices.Equal(sw, w) {
		t.Errorf("south-west forces %q, want %q", sw, w)
	}
	if v := get(r.Body, "next_cursor"); v != nil {
		t.Errorf("next_cursor = %v, want null", v)
	}
}

func TestOfficers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := obj{"name": "Sam Patel", "email": "sam.patel@gloucestershire.police.uk", "force": "gloucestershire",
		"roles": []string{"iom_officer"}}
	r := e.do(t, "POST", "/api/v1/officers", e.admin, js(body))
	want(t, r, http.StatusCreated)
	id := s(r.Body, "id")
	if id == "<nil>" || s(r.Body, "active") != "true" || s(r.Body, "roles.0") != "iom_officer" {
		t.Fatalf("created officer %s", r)
	}

	t.Run("get and list", func(t *testing.T) {
		r := e.do(t, "GET", "/api/v1/officers/"+id, e.admin, "")
		want(t, r, http.StatusOK)
		if s(r.Body, "email") != "sam.patel@gloucestershire.police.uk" {
			t.Errorf("got %s", r)
		}
		r = e.do(t, "GET", "/api/v1/officers", e.admin, "")
		want(t, r, http.StatusOK)
		if !slices.Contains(ids(r), id) || !slices.Contains(ids(r), e.adminID) {
			t.Errorf("list %s", r)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/officers/"+noSuchID, e.admin, ""), http.StatusNotFound)
	})

	tok := e.token(t, id)
	t.Run("issued token works", func(t *testing.T) {
		r := e.do(t, "GET", "/api/v1/me", tok, "")
		want(t, r, http.StatusOK)
		if s(r.Body, "id") != id {
			t.Errorf("me with new token = %s", r)
		}
	})

	t.Run("non-admin may not create officers or tokens", func(t *testing.T) {
		other := with(body, obj{"email": "someone.else@gloucestershire.police.uk"})
		wantProblem(t, e.do(t, "POST", "/api/v1/officers", tok, js(other)), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", "/api/v1/officers/"+id+"/tokens", tok, ""), http.StatusForbidden)
		wantProblem(t, e.do(t, "PATCH", "/api/v1/officers/"+id, tok, `{"active":false}`), http.StatusForbidden)
	})

	t.Run("duplicate email", func(t *testing.T) {
		wantFields(t, e.do(t, "POST", "/api/v1/officers", e.admin, js(body)), http.StatusConflict, "email")
		upper := with(body, obj{"email": "SAM.PATEL@gloucestershire.police.uk"})
		wantFields(t, e.do(t, "POST", "/api/v1/officers", e.admin, js(upper)), http.StatusConflict, "email")
	})

	t.Run("invalid fields", func(t *testing.T) {
		bad := obj{"name": "X", "email": "not-an-email", "force": "dorset", "roles": []string{"wizard"}}
		wantFields(t, e.do(t, "POST", "/api/v1/officers", e.admin, js(bad)), http.StatusUnprocessableEntity, "email", "roles")
		bad = obj{"name": "X", "email": "x@dorset.police.uk", "roles": []string{"lro"}}
		wantFields(t, e.do(t, "POST", "/api/v1/officers", e.admin, js(bad)), http.StatusUnprocessableEntity, "force")
		bad = obj{"name": "X", "email": "x@dorset.police.uk", "force": "atlantis", "roles": []string{"lro"}}
		wantFields(t, e.do(t, "POST", "/api/v1/officers", e.admin, js(bad)), http.StatusUnprocessableEntity, "force")
	})

	t.Run("deactivation revokes access", func(t *testing.T) {
		r := e.do(t, "PATCH", "/api/v1/officers/"+id, e.admin, `{"active":false}`)
		want(t, r, http.StatusOK)
		if s(r.Body, "active") != "false" || s(r.Body, "version") != "2" || r.Header.Get("ETag") != `"2"` {
			t.Errorf("after deactivation %s (ETag %q)", r, r.Header.Get("ETag"))
		}
		wantFields(t, e.do(t, "GET", "/api/v1/me", tok, ""), http.StatusUnauthorized)
	})

	t.Run("stale If-Match", func(t *testing.T) {
		r := e.do(t, "PATCH", "/api/v1/officers/"+id, e.admin, `{"name":"Changed"}`, "If-Match", `"1"`)
		wantProblem(t, r, http.StatusPreconditionFailed)
		r = e.do(t, "GET", "/api/v1/officers/"+id, e.admin, "")
		if s(r.Body, "name") != "Sam Patel" {
			t.Errorf("stale PATCH changed the officer: %s", r)
		}
	})
}

func TestSubjects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := with(subjectBody(), obj{"pnc_id": "12/345678U", "prison_number": "a1234bc"})
	r := e.do(t, "POST", "/api/v1/subjects", e.admin, js(body))
	want(t, r, http.StatusCreated)
	id := s(r.Body, "id")
	if s(r.Body, "pnc_id") != "2012/0345678U" {
		t.Errorf("pnc_id stored as %q, want the long form 2012/0345678U", s(r.Body, "pnc_id"))
	}
	if s(r.Body, "prison_number") != "A1234BC" || s(r.Body, "version") != "1" || r.Header.Get("ETag") != `"1"` {
		t.Errorf("created %s (ETag %q)", r, r.Header.Get("ETag"))
	}

	t.Run("duplicate PNC", func(t *testing.T) {
		dup := with(subjectBody(), obj{"pnc_id": "2012/0345678U", "first_names": "Other"})
		wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(dup)), http.StatusConflict, "pnc_id")
	})

	t.Run("invalid identifiers", func(t *testing.T) {
		bad := with(subjectBody(), obj{"pnc_id": "2012/0345678A", "prison_number": "12345"})
		wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(bad)), http.StatusUnprocessableEntity,
			"pnc_id", "prison_number")
		bad = with(subjectBody(), obj{"force": "atlantis"})
		wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(bad)), http.StatusUnprocessableEntity, "force")
		bad = with(subjectBody(), obj{"custody": obj{"status": "custody", "release_date": "2027-01-01", "release_date_type": "XYZ"}})
		wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(bad)), http.StatusUnprocessableEntity,
			"custody.release_date_type")
		bad = with(subjectBody(), obj{"custody": obj{"status": "elsewhere"}})
		wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(bad)), http.StatusUnprocessableEntity, "custody.status")
	})

	t.Run("get", func(t *testing.T) {
		r := e.do(t, "GET", "/api/v1/subjects/"+id, e.admin, "")
		want(t, r, http.StatusOK)
		if s(r.Body, "id") != id || s(r.Body, "aliases.0") != "Deano" || r.Header.Get("ETag") != `"1"` {
			t.Errorf("got %s", r)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+noSuchID, e.admin, ""), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/subjects/not-a-uuid", e.admin, ""), http.StatusNotFound)
	})

	b := e.subject(t, obj{"first_names": "Brian", "last_name": "Moss", "aliases": []string{"Bristol Bob"}, "force": "dorset"})
	c := e.subject(t, obj{"first_names": "Carla", "last_name": "Smith", "aliases": []string{}, "force": "dorset"})

	t.Run("list filters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{id, s(b, "id"), s(c, "id")}},
			{"?force=dorset", []string{s(b, "id"), s(c, "id")}},
			{"?force=gloucestershire", []string{id}},
			{"?pnc_id=12/345678U", []string{id}},
			{"?pnc_id=2012/0345678U", []string{id}},
			{"?q=bob", []string{s(b, "id")}},
			{"?q=SMITH", []string{s(c, "id")}},
			{"?q=deano", []string{id}},
			{"?q=nobody", nil},
			{"?force=dorset&q=bristol", []string{s(b, "id")}},
		} {
			r := e.do(t, "GET", "/api/v1/subjects"+tc.query, e.admin, "")
			want(t, r, http.StatusOK)
			got, w := ids(r), slices.Clone(tc.want)
			slices.Sort(got)
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("%s: got %v, want %v", tc.query, got, w)
			}
		}
		wantFields(t, e.do(t, "GET", "/api/v1/subjects?pnc_id=12/345678A", e.admin, ""), http.StatusUnprocessableEntity, "pnc_id")
	})

	t.Run("pagination", func(t *testing.T) {
		var seen []string
		cursor := ""
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatal("pagination does not end")
			}
			path := "/api/v1/subjects?limit=1"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			r := e.do(t, "GET", path, e.admin, "")
			want(t, r, http.StatusOK)
			if n := len(items(r)); n > 1 {
				t.Fatalf("page of %d with limit=1", n)
			}
			seen = append(seen, ids(r)...)
			next := get(r.Body, "next_cursor")
			if next == nil {
				break
			}
			cursor = next.(string)
		}
		if len(seen) != 3 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 3 {
			t.Errorf("pages gave %v, want the 3 subjects once each", seen)
		}
		wantFields(t, e.do(t, "GET", "/api/v1/subjects?cursor=garbage!", e.admin, ""), http.StatusUnprocessableEntity, "cursor")
		wantFields(t, e.do(t, "GET", "/api/v1/subjects?limit=0", e.admin, ""), http.StatusUnprocessableEntity, "limit")
		wantFields(t, e.do(t, "GET", "/api/v1/subjects?limit=ten", e.admin, ""), http.StatusUnprocessableEntity, "limit")
		wantFields(t, e.do(t, "GET", "/api/v1/subjects?colour=red", e.admin, ""), http.StatusBadRequest, "colour")
	})

	t.Run("patch with If-Match", func(t *testing.T) {
		r := e.do(t, "PATCH", "/api/v1/subjects/"+id, e.admin, `{"last_name":"Carter-Jones"}`, "If-Match", `"1"`)
		want(t, r, http.StatusOK)
		if s(r.Body, "last_name") != "Carter-Jones" || s(r.Body, "version") != "2" || r.Header.Get("ETag") != `"2"` {
			t.Errorf("patched %s (ETag %q)", r, r.Header.Get("ETag"))
		}
		if s(r.Body, "aliases.0") != "Deano" || s(r.Body, "pnc_id") != "2012/0345678U" {
			t.Errorf("patch lost other fields: %s", r)
		}

		r = e.do(t, "PATCH", "/api/v1/subjects/"+id, e.admin, `{"last_name":"Stale"}`, "If-Match", `"1"`)
		wantFields(t, r, http.StatusPreconditionFailed)
		r = e.do(t, "GET", "/api/v1/subjects/"+id, e.admin, "")
		if s(r.Body, "last_name") != "Carter-Jones" || s(r.Body, "version") != "2" {
			t.Errorf("a stale PATCH changed the subject: %s", r)
		}

		r = e.do(t, "PATCH", "/api/v1/subjects/"+id, e.admin, `{"pnc_id":"`+s(b, "pnc_id")+`"}`)
		wantFields(t, r, http.StatusConflict, "pnc_id")
		r = e.do(t, "PATCH", "/api/v1/subjects/"+id, e.admin, `{"date_of_birth":"2030-01-01"}`)
		wantFields(t, r, http.StatusUnprocessableEntity, "date_of_birth")
		wantProblem(t, e.do(t, "PATCH", "/api/v1/subjects/"+noSuchID, e.admin, `{"last_name":"X"}`), http.StatusNotFound)
	})
}

func TestReleaseStartsOnReleaseOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name, release, wantStart, wantEnd string
	}{
		{"release date passed", "2026-11-01", "2026-11-01", "2031-11-01"},
		{"release date ahead", "2027-03-01", today, "2031-11-25"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := e.subject(t, obj{"custody": inCustody(tc.release)})
			o := e.order(t, s(sub, "id"), obj{"commencement": "on_release", "starts_on": nil, "duration_months": 60,
				"made_on": "2024-06-10"})
			if s(o, "status") != "pending" || s(o, "starts_on") != "<nil>" || s(o, "ends_on") != "<nil>" || s(o, "case_type") != "prison" {
				t.Fatalf("on_release order %v", o)
			}
			r := e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"custody":{"status":"community"}}`)
			want(t, r, http.StatusOK)
			if s(r.Body, "custody.status") != "community" || s(r.Body, "custody.release_date") != "<nil>" {
				t.Errorf("subject after release %s", r)
			}
			r = e.do(t, "GET", "/api/v1/orders/"+s(o, "id"), e.admin, "")
			want(t, r, http.StatusOK)
			got := []string{s(r.Body, "status"), s(r.Body, "starts_on"), s(r.Body, "ends_on"), s(r.Body, "case_type")}
			if w := []string{"active", tc.wantStart, tc.wantEnd, "community"}; !slices.Equal(got, w) {
				t.Errorf("[status starts_on ends_on case_type] = %q, want %q", got, w)
			}
		})
	}
}

func TestOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	community := e.subject(t, nil)
	prison := e.subject(t, obj{"custody": inCustody("2027-03-01"), "force": "dorset"})
	young := e.subject(t, obj{"date_of_birth": "2010-01-01"})

	r := e.do(t, "POST", "/api/v1/orders", e.admin, js(orderBody(s(community, "id"))))
	want(t, r, http.StatusCreated)
	active := r.Body
	t.Run("on_date order", func(t *testing.T) {
		if r.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		for path, w := range map[string]string{
			"status": "active", "starts_on": "2026-11-01", "ends_on": "2029-11-01", "duration_months": "36",
			"type": "scpo", "case_type": "community", "force": "gloucestershire", "next_review_due": "2027-01-30",
			"next_check_due": "<nil>", "terms.0.category": "communications", "version": "1",
		} {
			if got := s(active, path); got != w {
				t.Errorf("%s = %q, want %q", path, got, w)
			}
		}
		owners, ok := get(active, "owners").(map[string]any)
		if !ok {
			t.Fatalf("owners missing: %v", active)
		}
		for _, role := range []string{"iom", "lro", "orders_officer"} {
			if v, present := owners[role]; !present || v != nil {
				t.Errorf("owners.%s = %v (present %v), want null", role, v, present)
			}
		}
		if f, ok := get(active, "open_flags").([]any); !ok || len(f) != 0 {
			t.Errorf("open_flags = %v, want []", get(active, "open_flags"))
		}
	})

	pending := e.order(t, s(community, "id"), obj{"starts_on": "2026-11-26", "duration_months": 12, "reference": "T2"})
	t.Run("starts tomorrow is pending", func(t *testing.T) {
		if s(pending, "status") != "pending" || s(pending, "ends_on") != "2027-11-26" {
			t.Errorf("order %v", pending)
		}
	})
	startsToday := e.order(t, s(community, "id"), obj{"starts_on": today, "duration_months": 1})
	if s(startsToday, "status") != "active" || s(startsToday, "ends_on") != "2026-12-25" {
		t.Errorf("order starting today %v", startsToday)
	}
	withEnd := e.order(t, s(community, "id"), obj{"duration_months": nil, "ends_on": "2028-11-01"})
	if s(withEnd, "duration_months") != "24" {
		t.Errorf("duration not derived from ends_on: %v", withEnd)
	}

	onRelease := e.order(t, s(prison, "id"), obj{"commencement": "on_release", "starts_on": nil, "made_on": "2024-06-10",
		"duration_months": 60})
	t.Run("on_release order", func(t *testing.T) {
		for path, w := range map[string]string{
			"status": "pending", "starts_on": "<nil>", "ends_on": "<nil>", "duration_months": "60",
			"case_type": "prison", "force": "dorset", "next_review_due": "2024-12-07",
		} {
			if got := s(onRelease, path); got != w {
				t.Errorf("%s = %q, want %q", path, got, w)
			}
		}
	})

	t.Run("date rules", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			subject map[string]any
			changes obj
			fields  []string
		}{
			{"made_on in the future", community, obj{"made_on": "2026-11-26", "starts_on": "2026-11-27"}, []string{"made_on"}},
			{"subject under 18 on made_on", young, obj{"made_on": "2026-06-01"}, []string{"made_on"}},
			{"more than five years", community, obj{"duration_months": nil, "ends_on": "2031-11-02"}, []string{"ends_on"}},
			{"61 months", community, obj{"duration_months": 61}, []string{"duration_months"}},
			{"ends_on equal to starts_on", community, obj{"duration_months": nil, "ends_on": "2026-11-01"}, []string{"ends_on"}},
			{"ends_on before starts_on", community, obj{"duration_months": nil, "ends_on": "2026-10-31"}, []string{"ends_on"}},
			{"on_date without starts_on", community, obj{"starts_on": nil}, []string{"starts_on"}},
			{"on_release with starts_on", prison, obj{"commencement": "on_release"}, []string{"starts_on"}},
			{"neither ends_on nor duration", community, obj{"duration_months": nil}, []string{"ends_on"}},
			{"bad enums", community, obj{"court_type": "magistrates", "type": "sopo", "commencement": "soon"},
				[]string{"commencement", "court_type", "type"}},
			{"bad term", community, obj{"terms": []obj{{"category": "hobbies", "text": ""}}},
				[]string{"terms[0].category", "terms[0].text"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := with(orderBody(s(tc.subject, "id")), tc.changes)
				wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(body)), http.StatusUnprocessableEntity, tc.fields...)
			})
		}
		t.Run("unknown subject", func(t *testing.T) {
			for _, id := range []string{noSuchID, "not-a-uuid"} {
				body := orderBody(id)
				wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin, js(body)), http.StatusUnprocessableEntity, "subject_id")
			}
		})
	})

	iom := e.officer(t, "iom_officer")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(active, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated at tasking."})), http.StatusOK)

	t.Run("list filters", func(t *testing.T) {
		all := []string{s(active, "id"), s(pending, "id"), s(startsToday, "id"), s(withEnd, "id"), s(onRelease, "id")}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", all},
			{"?status=active", []string{s(active, "id"), s(startsToday, "id"), s(withEnd, "id")}},
			{"?status=pending", []string{s(pending, "id"), s(onRelease, "id")}},
			{"?status=discharged", nil},
			{"?case_type=prison", []string{s(onRelease, "id")}},
			{"?case_type=community", all[:4]},
			{"?subject_id=" + s(prison, "id"), []string{s(onRelease, "id")}},
			{"?subject_id=" + s(young, "id"), nil},
			{"?owner=" + iom, []string{s(active, "id")}},
			{"?owner=" + e.adminID, nil},
			{"?force=dorset", []string{s(onRelease, "id")}},
			{"?status=pending&case_type=community", []string{s(pending, "id")}},
		} {
			r := e.do(t, "GET", "/api/v1/orders"+tc.query, e.admin, "")
			want(t, r, http.StatusOK)
			got, w := ids(r), slices.Clone(tc.want)
			slices.Sort(got)
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("%q: got %v, want %v", tc.query, got, w)
			}
			for _, it := range items(r) {
				for _, k := range []string{"case_type", "owners", "next_review_due", "next_check_due", "open_flags"} {
					if _, ok := it.(map[string]any)[k]; !ok {
						t.Errorf("%q: listed order lacks %s", tc.query, k)
					}
				}
			}
		}
		r := e.do(t, "GET", "/api/v1/orders?owner="+iom, e.admin, "")
		if s(r.Body, "items.0.owners.iom.id") != iom {
			t.Errorf("owners.iom in list: %s", r)
		}
		wantFields(t, e.do(t, "GET", "/api/v1/orders?status=finished&case_type=jail&owner=x&subject_id=y", e.admin, ""),
			http.StatusUnprocessableEntity, "case_type", "owner", "status", "subject_id")
	})

	t.Run("patch", func(t *testing.T) {
		id := s(pending, "id")
		r := e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"court":"Exeter Crown Court"}`, "If-Match", `"1"`)
		want(t, r, http.StatusOK)
		if s(r.Body, "court") != "Exeter Crown Court" || s(r.Body, "version") != "2" || r.Header.Get("ETag") != `"2"` {
			t.Errorf("patched %s", r)
		}
		r = e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"court":"Stale"}`, "If-Match", `"1"`)
		wantProblem(t, r, http.StatusPreconditionFailed)
		r = e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"duration_months":24}`)
		want(t, r, http.StatusOK)
		if s(r.Body, "ends_on") != "2028-11-26" {
			t.Errorf("ends_on not re-derived: %s", r)
		}
		r = e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"status":"active"}`)
		wantFields(t, r, http.StatusUnprocessableEntity, "status")
		r = e.do(t, "GET", "/api/v1/orders/"+id, e.admin, "")
		if s(r.Body, "court") != "Exeter Crown Court" || s(r.Body, "version") != "3" || s(r.Body, "status") != "pending" {
			t.Errorf("after patches %s", r)
		}
	})

	t.Run("ending an order", func(t *testing.T) {
		id := s(active, "id")
		r := e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"status":"discharged"}`)
		wantFields(t, r, http.StatusUnprocessableEntity, "ended_on", "end_reason")
		r = e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"status":"discharged","ended_on":"2026-11-26","end_reason":"x"}`)
		wantFields(t, r, http.StatusUnprocessableEntity, "ended_on")

		r = e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin,
			`{"status":"discharged","ended_on":"2026-11-20","end_reason":"Discharged on application."}`)
		want(t, r, http.StatusOK)
		if s(r.Body, "status") != "discharged" || s(r.Body, "ended_on") != "2026-11-20" ||
			s(r.Body, "end_reason") != "Discharged on application." {
			t.Fatalf("ended %s", r)
		}
		r = e.do(t, "GET", "/api/v1/orders/"+id, e.admin, "")
		if s(r.Body, "status") != "discharged" {
			t.Errorf("GET after ending: %s", r)
		}

		wantProblem(t, e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin, `{"court":"Elsewhere"}`), http.StatusConflict)
		wantProblem(t, e.do(t, "PATCH", "/api/v1/orders/"+id, e.admin,
			`{"status":"quashed","ended_on":"2026-11-21","end_reason":"Appeal."}`), http.StatusConflict)
		wantProblem(t, e.do(t, "PUT", "/api/v1/orders/"+id+"/owners/iom", e.admin,
			js(obj{"officer_id": iom, "reason": "Again."})), http.StatusConflict)
		wantProblem(t, e.do(t, "DELETE", "/api/v1/orders/"+id+"/owners/iom?reason=Gone", e.admin, ""), http.StatusConflict)
		wantProblem(t, e.do(t, "POST", "/api/v1/orders/"+id+"/reviews", e.admin,
			js(obj{"reviewed_on": "2026-11-24", "kind": "routine", "outcome": "satisfactory"})), http.StatusConflict)
		wantProblem(t, e.do(t, "POST", "/api/v1/orders/"+id+"/checks", e.admin,
			js(obj{"kind": "home_visit", "due_on": "2026-12-01"})), http.StatusConflict)
		r = e.do(t, "GET", "/api/v1/orders/"+id, e.admin, "")
		if s(r.Body, "court") != "Bristol Crown Court" || s(r.Body, "status") != "discharged" || s(r.Body, "owners.iom.id") != iom {
			t.Errorf("an ended order changed: %s", r)
		}
	})

	t.Run("missing order", func(t *testing.T) {
		wantProblem(t, e.do(t, "GET", "/api/v1/orders/"+noSuchID, e.admin, ""), http.StatusNotFound)
		wantProblem(t, e.do(t, "PATCH", "/api/v1/orders/"+noSuchID, e.admin, `{"court":"X"}`), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/orders/"+noSuchID+"/reviews", e.admin, ""), http.StatusNotFound)
	})
}

// An order recorded with an ends_on that is not a whole number of months
// from starts_on must stay editable and endable: the service derived the
// duration itself.
func TestOrderWithGivenEndsOnCanBeEnded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	o := e.order(t, s(sub, "id"), obj{"duration_months": nil, "ends_on": "2028-11-15"})
	r := e.do(t, "PATCH", "/api/v1/orders/"+s(o, "id"), e.admin, `{"court":"Gloucester Crown Court"}`)
	want(t, r, http.StatusOK)
	r = e.do(t, "PATCH", "/api/v1/orders/"+s(o, "id"), e.admin,
		`{"status":"quashed","ended_on":"2026-11-24","end_reason":"Quashed on appeal."}`)
	want(t, r, http.StatusOK)
	if s(r.Body, "ends_on") != "2028-11-15" {
		t.Errorf("ends_on changed: %s", r)
	}
}

func TestOwners(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	order := s(e.order(t, s(sub, "id"), nil), "id")
	iom1, iom2 := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	lro := e.officer(t, "lro")
	gone := e.officer(t, "iom_officer")
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+gone, e.admin, `{"active":false}`), http.StatusOK)
	put := func(role, officer, reason string) resp {
		return e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/"+role, e.admin, js(obj{"officer_id": officer, "reason": reason}))
	}
	current := func() map[string]any {
		r := e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "")
		want(t, r, http.StatusOK)
		return r.Body
	}

	r := put("iom", iom1, "Allocated at tasking.")
	want(t, r, http.StatusOK)
	if s(r.Body, "role") != "iom" || s(r.Body, "officer.id") != iom1 || s(r.Body, "until") != "<nil>" ||
		s(r.Body, "reason") != "Allocated at tasking." || s(r.Body, "assigned_by.id") != e.adminID {
		t.Errorf("assignment %s", r)
	}
	if s(current(), "owners.iom.id") != iom1 {
		t.Errorf("owners.iom after PUT: %v", get(current(), "owners"))
	}

	t.Run("invalid assignments", func(t *testing.T) {
		wantFields(t, put("iom", lro, "Wrong role."), http.StatusUnprocessableEntity, "officer_id")
		wantFields(t, put("lro", iom2, "Wrong role."), http.StatusUnprocessableEntity, "officer_id")
		wantFields(t, put("iom", gone, "Deactivated."), http.StatusUnprocessableEntity, "officer_id")
		wantFields(t, put("iom", noSuchID, "Nobody."), http.StatusUnprocessableEntity, "officer_id")
		wantFields(t, put("iom", iom2, ""), http.StatusUnprocessableEntity, "reason")
		wantFields(t, put("iom", iom2, "   "), http.StatusUnprocessableEntity, "reason")
		wantFields(t, e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/iom", e.admin, js(obj{"officer_id": iom2})),
			http.StatusUnprocessableEntity, "reason")
		wantProblem(t, put("boss", iom2, "No such role."), http.StatusNotFound)
		wantProblem(t, e.do(t, "DELETE", "/api/v1/orders/"+order+"/owners/boss?reason=x", e.admin, ""), http.StatusNotFound)
		wantProblem(t, e.do(t, "PUT", "/api/v1/orders/"+noSuchID+"/owners/iom", e.admin,
			js(obj{"officer_id": iom2, "reason": "x"})), http.StatusNotFound)
		if s(current(), "owners.iom.id") != iom1 {
			t.Errorf("a refused PUT changed the owner")
		}
	})

	t.Run("replace", func(t *testing.T) {
		r := put("iom", iom2, "Caseload rebalanced.")
		want(t, r, http.StatusOK)
		if s(r.Body, "officer.id") != iom2 {
			t.Errorf("replacement %s", r)
		}
		want(t, put("lro", lro, "Licence supervision."), http.StatusOK)
		o := current()
		if s(o, "owners.iom.id") != iom2 || s(o, "owners.lro.id") != lro || s(o, "owners.orders_officer") != "<nil>" {
			t.Errorf("owners %v", get(o, "owners"))
		}
	})

	t.Run("remove", func(t *testing.T) {
		wantFields(t, e.do(t, "DELETE", "/api/v1/orders/"+order+"/owners/iom", e.admin, ""), http.StatusUnprocessableEntity, "reason")
		r := e.do(t, "DELETE", "/api/v1/orders/"+order+"/owners/iom?reason=Officer+moved+on", e.admin, "")
		want(t, r, http.StatusNoContent)
		if len(r.Raw) != 0 {
			t.Errorf("204 with a body: %q", r.Raw)
		}
		o := current()
		if s(o, "owners.iom") != "<nil>" || s(o, "owners.lro.id") != lro {
			t.Errorf("owners after DELETE %v", get(o, "owners"))
		}
	})

	t.Run("history", func(t *testing.T) {
		r := e.do(t, "GET", "/api/v1/orders/"+order+"/owners/history", e.admin, "")
		want(t, r, http.StatusOK)
		h := items(r)
		type row struct{ role, officer, until, endedBy, assignedBy, reason string }
		var got []row
		for _, it := range h {
			until := "set"
			if get(it, "until") == nil {
				until = "null"
			}
			if _, ok := it.(map[string]any)["until"]; !ok {
				until = "absent"
			}
			got = append(got, row{s(it, "role"), s(it, "officer.id"), until, s(it, "ended_by.id"), s(it, "assigned_by.id"), s(it, "reason")})
			if s(it, "from") == "<nil>" {
				t.Errorf("history row without from: %v", it)
			}
		}
		w := []row{
			{"lro", lro, "null", "<nil>", e.adminID, "Licence supervision."},
			{"iom", iom2, "set", e.adminID, e.adminID, "Caseload rebalanced."},
			{"iom", iom1, "set", e.adminID, e.adminID, "Allocated at tasking."},
		}
		if !slices.Equal(got, w) {
			t.Errorf("history, newest first:\n got %v\nwant %v", got, w)
		}
		wantProblem(t, e.do(t, "GET", "/api/v1/orders/"+noSuchID+"/owners/history", e.admin, ""), http.StatusNotFound)
	})
}

// The contract: a PUT with an If-Match that does not match the current
// version is refused with 412 and changes nothing.
func TestOwnerPutHonoursIfMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	order := s(e.order(t, s(sub, "id"), nil), "id")
	iom := e.officer(t, "iom_officer")
	r := e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated."}), "If-Match", `"999"`)
	wantProblem(t, r, http.StatusPreconditionFailed)
	r = e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "")
	if s(r.Body, "owners.iom") != "<nil>" {
		t.Errorf("a PUT with a stale If-Match assigned an owner: %v", get(r.Body, "owners"))
	}
}

func TestReviewsAndChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	o := e.order(t, s(sub, "id"), nil)
	order := s(o, "id")
	if s(o, "next_review_due") != "2027-01-30" {
		t.Fatalf("next_review_due %s, want starts_on + 90 days", s(o, "next_review_due"))
	}
	getOrder := func() map[string]any {
		r := e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "")
		want(t, r, http.StatusOK)
		return r.Body
	}

	t.Run("review", func(t *testing.T) {
		r := e.do(t, "POST", "/api/v1/orders/"+order+"/reviews", e.admin,
			js(obj{"reviewed_on": "2026-11-20", "kind": "routine", "outcome": "satisfactory", "notes": "Seen at home."}))
		want(t, r, http.StatusCreated)
		if s(r.Body, "reviewed_on") != "2026-11-20" || s(r.Body, "kind") != "routine" || s(r.Body, "recorded_by.id") != e.adminID {
			t.Errorf("review %s", r)
		}
		if got := s(getOrder(), "next_review_due"); got != "2027-02-18" {
			t.Errorf("next_review_due %s, want 2027-02-18 (review + 90 days)", got)
		}
		wantFields(t, e.do(t, "POST", "/api/v1/orders/"+order+"/reviews", e.admin,
			js(obj{"reviewed_on": "2026-11-26", "kind": "routine", "outcome": "satisfactory"})),
			http.StatusUnprocessableEntity, "reviewed_on")
		wantFields(t, e.do(t, "POST", "/api/v1/orders/"+order+"/reviews", e.admin,
			js(obj{"reviewed_on": "2026-10-01", "kind": "yearly", "outcome": "fine"})),
			http.StatusUnprocessableEntity, "reviewed_on", "kind", "outcome")
		r = e.do(t, "GET", "/api/v1/orders/"+order+"/reviews", e.admin, "")
		want(t, r, http.StatusOK)
		if len(items(r)) != 1 {
			t.Errorf("reviews %s", r)
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/orders/"+noSuchID+"/reviews", e.admin,
			js(obj{"reviewed_on": "2026-11-20", "kind": "routine", "outcome": "satisfactory"})), http.StatusNotFound)
	})

	t.Run("checks", func(t *testing.T) {
		r := e.do(t, "POST", "/api/v1/orders/"+order+"/checks", e.admin, js(obj{"kind": "home_visit", "due_on": "2026-12-01"}))
		want(t, r, http.StatusCreated)
		check := s(r.Body, "id")
		if s(r.Body, "outcome") != "<nil>" || s(r.Body, "completed_on") != "<nil>" || s(r.Body, "due_on") != "2026-12-01" {
			t.Errorf("scheduled %s", r)
		}
		if got := s(getOrder(), "next_check_due"); got != "2026-12-01" {
			t.Errorf("next_check_due %s, want 2026-12-01", got)
		}
		r = e.do(t, "POST", "/api/v1/orders/"+order+"/checks", e.admin, js(obj{"kind": "device", "due_on": "2027-01-15"}))
		want(t, r, http.StatusCreated)
		second := s(r.Body, "id")

		path := "/api/v1/orders/" + order + "/checks/" + check
		r = e.do(t, "PATCH", path, e.admin, js(obj{"completed_on": "2026-11-24", "outcome": "compliant", "notes": "All in order."}))
		want(t, r, http.StatusOK)
		if s(r.Body, "outcome") != "compliant" || s(r.Body, "completed_on") != "2026-11-24" || s(r.Body, "completed_by.id") != e.adminID {
			t.Errorf("completed %s", r)
		}
		// On a completed check a PATCH is a correction, which needs a reason.
		wantFields(t, e.do(t, "PATCH", path, e.admin, js(obj{"completed_on": "2026-11-25", "outcome": "no_access"})),
			http.StatusUnprocessableEntity, "reason")
		if got := s(getOrder(), "next_check_due"); got != "2027-01-15" {
			t.Errorf("next_check_due %s after completing the first, want 2027-01-15", got)
		}

		path2 := "/api/v1/orders/" + order + "/checks/" + second
		wantFields(t, e.do(t, "PATCH", path2, e.admin, js(obj{"completed_on": "2026-11-26", "outcome": "compliant"})),
			http.StatusUnprocessableEntity, "completed_on")
		wantFields(t, e.do(t, "PATCH", path2, e.admin, js(obj{"completed_on": "2026-11-25", "outcome": "fine"})),
			http.StatusUnprocessableEntity, "outcome")
		wantProblem(t, e.do(t, "PATCH", path2, e.admin, js(obj{"completed_on": "2026-11-25", "outcome": "compliant"}),
			"If-Match", `"7"`), http.StatusPreconditionFailed)
		wantProblem(t, e.do(t, "PATCH", "/api/v1/orders/"+order+"/checks/"+noSuchID, e.admin,
			js(obj{"completed_on": "2026-11-25", "outcome": "compliant"})), http.StatusNotFound)

		r = e.do(t, "GET", "/api/v1/orders/"+order+"/checks", e.admin, "")
		want(t, r, http.StatusOK)
		if len(items(r)) != 2 || s(r.Body, "items.1.outcome") != "<nil>" {
			t.Errorf("checks %s", r)
		}
		wantFields(t, e.do(t, "POST", "/api/v1/orders/"+order+"/checks", e.admin, js(obj{"kind": "psychic", "due_on": "2026-12-01"})),
			http.StatusUnprocessableEntity, "kind")
	})
}

// The contract: validation problems name every offending field. An
// unknown force code is as much a field problem as a bad PNC ID, so one
// request with both must name both.
func TestUnknownForceIsReportedWithOtherFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := with(subjectBody(), obj{"pnc_id": "not a pnc", "force": "atlantis"})
	wantFields(t, e.do(t, "POST", "/api/v1/subjects", e.admin, js(bad)), http.StatusUnprocessableEntity, "force", "pnc_id")
	off := obj{"name": "X", "email": "not-an-email", "force": "atlantis", "roles": []string{"lro"}}
	wantFields(t, e.do(t, "POST", "/api/v1/officers", e.admin, js(off)), http.StatusUnprocessableEntity, "email", "force")
}
