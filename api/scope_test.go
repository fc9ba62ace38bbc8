package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Issue item 5: a force-bound auditor reads only their force's trail, with
// no other force's record IDs in it; job runs show their national counts
// only to callers who see every force; reassignment answers the same 404
// for another force's officer whatever they own.
func TestScopeAuditorsJobsAndReassignment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	glosAuditor := e.token(t, e.officer(t, "auditor"))
	national := e.token(t, acOfficer(t, e.env(), "", "auditor"))
	glos := s(e.subject(t, nil), "id")
	dorset := s(e.subject(t, obj{"force": "dorset"}), "id")
	// One entry naming both subjects: the national admin's search.
	want(t, e.do(t, "GET", "/api/v1/subjects?q=Carter&limit=500", e.admin, ""), http.StatusOK)
	// A Gloucestershire officer filters by another force's subject (an
	// empty list) and by their own: the ID typed is on the entry's query.
	glosIOMToken := e.token(t, e.officer(t, "iom_officer"))
	want(t, e.do(t, "GET", "/api/v1/orders?subject_id="+strings.ToUpper(dorset), glosIOMToken, ""), http.StatusOK)
	want(t, e.do(t, "GET", "/api/v1/orders?subject_id="+glos, glosIOMToken, ""), http.StatusOK)

	wantProblem(t, e.do(t, "GET", "/api/v1/audit?subject="+dorset, glosAuditor, ""), http.StatusNotFound)
	want(t, e.do(t, "GET", "/api/v1/audit?subject="+dorset, national, ""), http.StatusOK)
	for _, p := range []string{"/api/v1/audit?limit=500", "/api/v1/audit?subject=" + glos + "&limit=500",
		"/api/v1/subjects/" + glos + "/access-log?limit=500"} {
		r := e.do(t, "GET", p, glosAuditor, "")
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.Raw), glos) {
			t.Errorf("%s: the auditor's own force's subject is missing: %s", p, r)
		}
		for _, entry := range items(r) {
			if auHasRecord(entry, "subject", dorset) {
				t.Errorf("%s: a Gloucestershire auditor sees Dorset's subject %s: %v", p, dorset, entry)
			}
		}
		if raw := strings.ToLower(string(r.Raw)); strings.Contains(raw, dorset) {
			t.Errorf("%s: a Gloucestershire auditor finds Dorset's subject ID in the trail: %s", p, r)
		}
	}
	// Their own force's ID in a query is kept.
	ownQuery := false
	for _, entry := range auEntries(t, e, glosAuditor, url.Values{}) {
		ownQuery = ownQuery || s(entry, "query") == "subject_id="+glos
	}
	if !ownQuery {
		t.Errorf("the auditor does not see their own force's officer's filter by subject_id=%s", glos)
	}
	r := e.do(t, "GET", "/api/v1/audit?"+url.Values{"subject": {glos}, "limit": {"500"}}.Encode(), national, "")
	if !strings.Contains(string(r.Raw), dorset) {
		t.Errorf("the national auditor does not see the whole entry: %s", r)
	}

	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	reader := e.token(t, e.officer(t, "iom_officer"))
	for _, tok := range []string{reader, e.admin} {
		r := e.do(t, "GET", "/api/v1/jobs/ownership-sweep/runs", tok, "")
		want(t, r, http.StatusOK)
		raised := s(items(r)[0], "raised")
		if national := tok == e.admin; (raised != "<nil>") != national {
			t.Errorf("raised = %s for a caller who sees every force: %v", raised, national)
		}
	}

	// Reassignment: another force's officer is 404 whether they own orders
	// or not, or do not exist.
	chair := e.token(t, e.officer(t, "tasking_chair"))
	glosIOM := e.officer(t, "iom_officer")
	dorsetIdle := acOfficer(t, e.env(), "dorset", "iom_officer")
	dorsetBusy := acOfficer(t, e.env(), "dorset", "iom_officer")
	order := s(e.order(t, dorset, nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/iom", e.admin,
		js(obj{"officer_id": dorsetBusy, "reason": "Allocation."})), http.StatusOK)
	for _, from := range []string{dorsetIdle, dorsetBusy, noSuchID} {
		wantProblem(t, e.do(t, "POST", "/api/v1/officers/"+from+"/reassign", chair,
			js(obj{"to_officer_id": glosIOM, "reason": "Leave."})), http.StatusNotFound)
	}
	for _, to := range []string{dorsetIdle, noSuchID} {
		wantFields(t, e.do(t, "POST", "/api/v1/officers/"+glosIOM+"/reassign", chair,
			js(obj{"to_officer_id": to, "reason": "Leave."})), http.StatusUnprocessableEntity, "to_officer_id")
	}
	// The directory: another force's officer is 404, absent from lists.
	wantProblem(t, e.do(t, "GET", "/api/v1/officers/"+dorsetIdle, reader, ""), http.StatusNotFound)
	if r := e.do(t, "GET", "/api/v1/officers?limit=500", reader, ""); strings.Contains(string(r.Raw), dorsetIdle) {
		t.Errorf("the directory lists another force's officer to an IOM officer")
	}
	// An officer named on a record one may see is still shown on it.
	glosOrder := s(e.order(t, glos, nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+glosOrder+"/owners/iom", e.admin,
		js(obj{"officer_id": glosIOM, "reason": "Allocation."})), http.StatusOK)
	r = e.do(t, "GET", "/api/v1/orders/"+glosOrder+"/owners/history", reader, "")
	want(t, r, http.StatusOK)
	if !strings.Contains(string(r.Raw), e.adminID) {
		t.Errorf("the national admin who assigned the owner is not named on the history: %s", r)
	}
}

func (e *env) env() *env { return e }
