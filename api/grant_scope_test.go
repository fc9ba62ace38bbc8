package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// An administrator bound to a force cannot give anyone, themselves
// included, more sight than they have: the regional role reads every
// force of the region. A Gloucestershire admin made a colleague (or
// themselves) a regional lead and read Dorset's subjects.
func TestForceBoundAdminCannotGrantTheRegion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dorsetSubject := s(e.subject(t, obj{"force": "dorset"}), "id")
	glosAdmin := acOfficer(t, e, "gloucestershire", "admin")
	tok := e.token(t, glosAdmin)
	n := emails.Add(1)
	wantFields(t, e.do(t, "POST", "/api/v1/officers", tok, js(obj{"name": "Reg Lead", "force": "gloucestershire",
		"email": fmt.Sprintf("grant%d@glos.police.uk", n), "roles": []string{"regional"}})), http.StatusUnprocessableEntity, "roles")
	wantFields(t, e.do(t, "PATCH", "/api/v1/officers/"+glosAdmin, tok, js(obj{"roles": []string{"admin", "regional"}})),
		http.StatusUnprocessableEntity, "roles")
	iom := acOfficer(t, e, "gloucestershire", "iom_officer")
	wantFields(t, e.do(t, "PATCH", "/api/v1/officers/"+iom, tok, js(obj{"roles": []string{"iom_officer", "regional"}})),
		http.StatusUnprocessableEntity, "roles")
	want(t, e.do(t, "GET", "/api/v1/subjects/"+dorsetSubject, tok, ""), http.StatusNotFound)
	// The admin still manages their force's officers.
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+iom, tok, js(obj{"roles": []string{"iom_officer", "lro"}})), http.StatusOK)

	// A national administrator may grant it; the force's admin may then
	// edit that regional lead's other details, adding no sight.
	lead := acOfficer(t, e, "gloucestershire", "regional")
	want(t, e.do(t, "GET", "/api/v1/subjects/"+dorsetSubject, e.token(t, lead), ""), http.StatusOK)
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+lead, tok, js(obj{"name": "Renamed Lead"})), http.StatusOK)
	// A force-bound admin who is a regional lead of the region sees it all,
	// and may make a colleague one.
	regAdmin := acOfficer(t, e, "gloucestershire", "admin", "regional")
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+iom, e.token(t, regAdmin), js(obj{"roles": []string{"iom_officer", "regional"}})),
		http.StatusOK)
}

// A request refused over a record named only in its body (another force's
// subject, officer) names that record on its audit entry, as one named in
// the path does: the subject's access log shows the attempt.
func TestRefusalNamesTheRecordInTheBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dorsetSubject := s(e.subject(t, obj{"force": "dorset"}), "id")
	dorsetOfficer := acOfficer(t, e, "dorset", "iom_officer")
	glos := e.token(t, acOfficer(t, e, "gloucestershire", "admin"))
	glosOrder := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	auditor := e.token(t, acOfficer(t, e, "", "auditor"))
	for _, c := range []struct {
		method, path, body, recType, recID, field string
	}{
		{"POST", "/api/v1/orders", string(js(with(orderBody(dorsetSubject), nil))), "subject", dorsetSubject, "subject_id"},
		{"PUT", "/api/v1/orders/" + glosOrder + "/owners/iom", string(js(obj{"officer_id": dorsetOfficer, "reason": "r"})),
			"officer", dorsetOfficer, "officer_id"},
	} {
		r := e.do(t, c.method, c.path, glos, c.body)
		wantFields(t, r, 422, c.field)
		list := e.do(t, "GET", "/api/v1/audit?limit=500", auditor, "")
		found := false
		for _, it := range items(list) {
			if s(it, "request_id") != r.Header.Get("X-Request-Id") {
				continue
			}
			for _, rec := range it.(map[string]any)["records"].([]any) {
				found = found || s(rec, "type") == c.recType && s(rec, "id") == c.recID
			}
		}
		if !found {
			t.Errorf("%s %s refused: its entry does not name %s %s", c.method, c.path, c.recType, c.recID)
		}
	}
}
