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
