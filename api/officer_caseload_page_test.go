package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A chair opens an officer's orders from the officer page ("Orders held"
// was a number with no list); another force's officer is not there.
func TestPageOfficerCaseload(t *testing.T) {
	e := newEnv(t)
	iom := e.officerIn(t, "gloucestershire", "Ira Owens", "iom_officer")
	var refs []string
	for range 2 {
		ord := e.order(t, s(e.subject(t, nil), "id"), nil)
		want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
			js(obj{"officer_id": iom, "reason": "Allocated at tasking."})), http.StatusOK)
		refs = append(refs, s(ord, "reference"))
	}
	dorset := e.officerIn(t, "dorset", "Dee Dorset", "iom_officer")

	chair, _ := e.signedIn(t, "tasking_chair")
	p := chair.get("/officers/" + iom)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `href="/officers/`+iom+`/caseload"`)
	p = chair.get("/officers/" + iom + "/caseload")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Ira Owens", `id="officer-orders"`, refs[0], refs[1], "2 orders they own", "IOM officer")
	if strings.Contains(p.Body, "My work") && strings.Contains(p.Body, "<h1 class=\"govuk-heading-l\">My work") {
		t.Errorf("the officer's orders are shown as the reader's own")
	}
	wantStatus(t, chair.get("/officers/"+dorset+"/caseload"), http.StatusNotFound)

	// An auditor may not read a caseload, as through the API.
	aud, _ := e.signedIn(t, "auditor")
	wantStatus(t, aud.get("/officers/"+iom+"/caseload"), http.StatusForbidden)
}
