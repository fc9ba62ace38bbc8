package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// badCase is one malformed or invalid request and the problem it must get.
type badCase struct {
	name        string
	method      string
	path        string
	contentType string // default application/json
	body        string
	status      int
	fields      []string // exact errors[].field; nil means none
}

// generic is what every JSON endpoint must do with a body it cannot read.
func generic(method, path, valid string) []badCase {
	big := `{"notes":"` + strings.Repeat("x", 1<<20) + `"}`
	return []badCase{
		{name: "malformed JSON", method: method, path: path, body: `{"a": `, status: 400},
		{name: "trailing garbage", method: method, path: path, body: valid + `}`, status: 400},
		{name: "oversized body", method: method, path: path, body: big, status: 413},
		{name: "text/plain", method: method, path: path, body: valid, contentType: "text/plain", status: 415},
		{name: "form encoded", method: method, path: path, body: "a=b", contentType: "application/x-www-form-urlencoded", status: 415},
		{name: "empty body", method: method, path: path, body: "", status: 400},
		{name: "whitespace body", method: method, path: path, body: "  \n", status: 400},
		{name: "JSON array", method: method, path: path, body: "[" + valid + "]", status: 400},
		{name: "JSON null", method: method, path: path, body: "null", status: 400},
		{name: "JSON string", method: method, path: path, body: `"hello"`, status: 400},
		{name: "unknown field", method: method, path: path, body: strings.Replace(valid, "{", `{"colour":"red",`, 1),
			status: 400, fields: []string{"colour"}},
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	subject := s(sub, "id")
	order := s(e.order(t, subject, nil), "id")
	iom := e.officer(t, "iom_officer")
	r := e.do(t, "POST", "/api/v1/orders/"+order+"/checks", e.admin, js(obj{"kind": "home_visit", "due_on": "2026-12-01"}))
	want(t, r, http.StatusCreated)
	check := s(r.Body, "id")

	validSubject := js(subjectBody())
	validOrder := js(orderBody(subject))
	validOwner := js(obj{"officer_id": iom, "reason": "Allocated."})
	validReview := js(obj{"reviewed_on": "2026-11-20", "kind": "routine", "outcome": "satisfactory"})
	validCheck := js(obj{"kind": "home_visit", "due_on": "2026-12-01"})
	validCompletion := js(obj{"completed_on": "2026-11-24", "outcome": "compliant"})
	validOfficer := js(obj{"name": "A", "email": "a@dorset.police.uk", "force": "dorset", "roles": []string{"lro"}})

	const (
		subjects = "/api/v1/subjects"
		orders   = "/api/v1/orders"
		officers = "/api/v1/officers"
	)
	subjectPath := subjects + "/" + subject
	orderPath := orders + "/" + order
	ownerPath := orderPath + "/owners/iom"
	reviews := orderPath + "/reviews"
	checks := orderPath + "/checks"
	checkPath := checks + "/" + check

	var cases []badCase
	add := func(group string, cs ...badCase) {
		for _, c := range cs {
			c.name = group + "/" + c.name
			cases = append(cases, c)
		}
	}

	add("subjects", generic("POST", subjects, validSubject)...)
	add("subjects",
		badCase{name: "unknown nested field", method: "POST", path: subjects,
			body:   js(with(subjectBody(), obj{"custody": obj{"status": "community", "cell": "B2"}})),
			status: 400, fields: []string{"custody.cell"}},
		badCase{name: "wrong types", method: "POST", path: subjects,
			body: js(with(subjectBody(), obj{"first_names": 1, "aliases": "Deano", "date_of_birth": 19860402,
				"custody": obj{"status": 5}})),
			status: 422, fields: []string{"aliases", "custody.status", "date_of_birth", "first_names"}},
		badCase{name: "wrong type alias item", method: "POST", path: subjects,
			body:   js(with(subjectBody(), obj{"aliases": []any{"Deano", 7}, "visor_id": true})),
			status: 422, fields: []string{"aliases[1]", "visor_id"}},
		badCase{name: "missing required", method: "POST", path: subjects, body: `{}`,
			status: 422, fields: []string{"date_of_birth", "first_names", "force", "last_name", "pnc_id"}},
		badCase{name: "impossible date", method: "POST", path: subjects,
			body:   js(with(subjectBody(), obj{"date_of_birth": "2024-02-30"})),
			status: 422, fields: []string{"date_of_birth"}},
		badCase{name: "impossible release date", method: "POST", path: subjects,
			body:   js(with(subjectBody(), obj{"custody": inCustody("2027-02-29")})),
			status: 422, fields: []string{"custody.release_date"}},
		badCase{name: "date in another format", method: "POST", path: subjects,
			body:   js(with(subjectBody(), obj{"date_of_birth": "02/04/1986"})),
			status: 422, fields: []string{"date_of_birth"}},
	)

	add("subject patch", generic("PATCH", subjectPath, `{"last_name":"X"}`)...)
	add("subject patch",
		badCase{name: "wrong types", method: "PATCH", path: subjectPath, body: `{"last_name":7,"aliases":{}}`,
			status: 422, fields: []string{"aliases", "last_name"}},
		badCase{name: "impossible date", method: "PATCH", path: subjectPath, body: `{"date_of_birth":"1986-13-01"}`,
			status: 422, fields: []string{"date_of_birth"}},
		badCase{name: "read-only field", method: "PATCH", path: subjectPath, body: `{"version":9}`,
			status: 400, fields: []string{"version"}},
	)

	add("orders", generic("POST", orders, validOrder)...)
	add("orders",
		badCase{name: "unknown nested field", method: "POST", path: orders,
			body:   js(with(orderBody(subject), obj{"terms": []obj{{"category": "items", "text": "x", "until": "never"}}})),
			status: 400, fields: []string{"terms[0].until"}},
		badCase{name: "read-only status on create", method: "POST", path: orders,
			body: js(with(orderBody(subject), obj{"status": "active"})), status: 400, fields: []string{"status"}},
		badCase{name: "wrong types", method: "POST", path: orders,
			body: js(with(orderBody(subject), obj{"subject_id": 5, "made_on": 20261020, "duration_months": "36",
				"ends_on": "2029-11-01", "review_interval_days": 1.5,
				"terms": []obj{{"category": 1, "text": "x"}}})),
			status: 422, fields: []string{"duration_months", "made_on", "review_interval_days", "subject_id", "terms[0].category"}},
		badCase{name: "starts_on without ends_on or duration", method: "POST", path: orders,
			body: js(with(orderBody(subject), obj{"duration_months": nil})), status: 422, fields: []string{"ends_on"}},
		badCase{name: "terms not an array", method: "POST", path: orders,
			body: js(with(orderBody(subject), obj{"terms": "none"})), status: 422, fields: []string{"terms"}},
		badCase{name: "missing required", method: "POST", path: orders, body: `{}`,
			status: 422, fields: []string{"commencement", "court", "court_type", "ends_on", "made_on", "reference", "subject_id"}},
		badCase{name: "impossible dates", method: "POST", path: orders,
			body:   js(with(orderBody(subject), obj{"made_on": "2024-02-30", "starts_on": "2025-02-29"})),
			status: 422, fields: []string{"made_on", "starts_on"}},
	)

	add("order patch", generic("PATCH", orderPath, `{"court":"X"}`)...)
	add("order patch",
		badCase{name: "wrong types", method: "PATCH", path: orderPath, body: `{"duration_months":"12","court":false}`,
			status: 422, fields: []string{"court", "duration_months"}},
		badCase{name: "impossible ended_on", method: "PATCH", path: orderPath,
			body: `{"status":"discharged","ended_on":"2026-02-30","end_reason":"x"}`, status: 422, fields: []string{"ended_on"}},
		badCase{name: "derived field", method: "PATCH", path: orderPath, body: `{"case_type":"prison"}`,
			status: 400, fields: []string{"case_type"}},
		badCase{name: "clearing duration_months", method: "PATCH", path: orderPath, body: `{"duration_months":null}`,
			status: 422, fields: []string{"ends_on"}},
		badCase{name: "clearing ends_on", method: "PATCH", path: orderPath, body: `{"ends_on":null}`,
			status: 422, fields: []string{"ends_on"}},
	)

	add("owners", generic("PUT", ownerPath, validOwner)...)
	add("owners",
		badCase{name: "wrong types", method: "PUT", path: ownerPath, body: `{"officer_id":12,"reason":["a"]}`,
			status: 422, fields: []string{"officer_id", "reason"}},
		badCase{name: "missing required", method: "PUT", path: ownerPath, body: `{}`,
			status: 422, fields: []string{"officer_id", "reason"}},
	)

	add("reviews", generic("POST", reviews, validReview)...)
	add("reviews",
		badCase{name: "wrong types", method: "POST", path: reviews,
			body:   `{"reviewed_on":20261120,"kind":true,"outcome":["satisfactory"],"notes":5}`,
			status: 422, fields: []string{"kind", "notes", "outcome", "reviewed_on"}},
		badCase{name: "missing required", method: "POST", path: reviews, body: `{}`,
			status: 422, fields: []string{"kind", "outcome", "reviewed_on"}},
		badCase{name: "impossible date", method: "POST", path: reviews,
			body: `{"reviewed_on":"2026-02-30","kind":"routine","outcome":"satisfactory"}`, status: 422, fields: []string{"reviewed_on"}},
	)

	add("checks", generic("POST", checks, validCheck)...)
	add("checks",
		badCase{name: "wrong types", method: "POST", path: checks, body: `{"kind":1,"due_on":{}}`,
			status: 422, fields: []string{"due_on", "kind"}},
		badCase{name: "missing required", method: "POST", path: checks, body: `{}`,
			status: 422, fields: []string{"due_on", "kind"}},
		badCase{name: "impossible date", method: "POST", path: checks, body: `{"kind":"device","due_on":"2026-11-31"}`,
			status: 422, fields: []string{"due_on"}},
	)

	add("check completion", generic("PATCH", checkPath, validCompletion)...)
	add("check completion",
		badCase{name: "wrong types", method: "PATCH", path: checkPath, body: `{"completed_on":1,"outcome":2}`,
			status: 422, fields: []string{"completed_on", "outcome"}},
		badCase{name: "missing required", method: "PATCH", path: checkPath, body: `{}`,
			status: 422, fields: []string{"completed_on", "outcome"}},
		badCase{name: "impossible date", method: "PATCH", path: checkPath, body: `{"completed_on":"2026-04-31","outcome":"compliant"}`,
			status: 422, fields: []string{"completed_on"}},
	)

	add("officers", generic("POST", officers, validOfficer)...)
	add("officers",
		badCase{name: "wrong types", method: "POST", path: officers,
			body:   `{"name":"A","email":"a@dorset.police.uk","force":"dorset","roles":"lro","active":"yes"}`,
			status: 422, fields: []string{"active", "roles"}},
		badCase{name: "missing required", method: "POST", path: officers, body: `{}`,
			status: 422, fields: []string{"email", "name", "roles"}},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := c.contentType
			if ct == "" {
				ct = "application/json"
			}
			r := e.do(t, c.method, c.path, e.admin, c.body, "Content-Type", ct)
			wantFields(t, r, c.status, c.fields...)
		})
	}

	// None of that changed anything.
	r = e.do(t, "GET", orderPath, e.admin, "")
	if s(r.Body, "version") != "1" || s(r.Body, "owners.iom") != "<nil>" || s(r.Body, "status") != "active" {
		t.Errorf("bad input changed the order: %s", r)
	}
	r = e.do(t, "GET", subjectPath, e.admin, "")
	if s(r.Body, "version") != "1" {
		t.Errorf("bad input changed the subject: %s", r)
	}
	r = e.do(t, "GET", checks, e.admin, "")
	if len(items(r)) != 1 || s(r.Body, "items.0.outcome") != "<nil>" {
		t.Errorf("bad input changed the checks: %s", r)
	}
	r = e.do(t, "GET", reviews, e.admin, "")
	if len(items(r)) != 0 {
		t.Errorf("bad input recorded reviews: %s", r)
	}
}

// Query strings are input too: unknown parameters are 400, bad values 422.
func TestBadQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		path   string
		status int
		fields []string
	}{
		{"/api/v1/subjects?limit=-1", 422, []string{"limit"}},
		{"/api/v1/subjects?cursor=%00%01", 422, []string{"cursor"}},
		{"/api/v1/orders?cursor=bm90LWEtdXVpZA", 422, []string{"cursor"}},
		{"/api/v1/orders?flag=sleepy", 422, []string{"flag"}},
		{"/api/v1/orders?sort=name", 400, []string{"sort"}},
		{"/api/v1/officers?role=wizard", 422, []string{"role"}},
		{"/api/v1/forces?colour=blue", 400, []string{"colour"}},
		{"/api/v1/subjects?q=" + strings.Repeat("a", 201), 422, []string{"q"}},
	} {
		t.Run(c.path, func(t *testing.T) {
			wantFields(t, e.do(t, "GET", c.path, e.admin, ""), c.status, c.fields...)
		})
	}
}
