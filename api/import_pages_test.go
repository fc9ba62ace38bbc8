package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The banner after a commit says what the server recorded, kept with the
// session, and offers the next steps; the address says nothing of it.
func TestPageImportBannerIsTheServers(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "orders_officer")
	p := b.get("/imports?done=import&force=gloucestershire&subjects=1&orders=9999&matched=0")
	wantStatus(t, p, http.StatusOK)
	if strings.Contains(p.Body, "9999") || strings.Contains(p.Body, "Import recorded") {
		t.Errorf("the banner is made from the address")
	}
	csrf := csrfOf(t, p)
	// Two rows for one subject: the second adds an order to the subject
	// the first creates.
	first := importRow(map[string]string{"last_name": "Twice"})
	second := importRow(map[string]string{"last_name": "Twice", "pnc_id": first["pnc_id"]})
	p = b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "glos.csv", sheetCSV(first, second))
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Adds an order to the subject created at row 2", "1 new, 0 already in the register")
	if n := strings.Count(p.Body, ">Create<"); n != 1 { // the subject, once (an order says "Create (active)")
		t.Errorf("the page says a subject is created %d times, want 1", n)
	}
	check := hiddenCheck.FindStringSubmatch(p.Body)
	if check == nil {
		t.Fatalf("no checked file named in the commit form")
	}
	p = b.post("/imports/commit", url.Values{"csrf_token": {csrf}, "check": {check[1]}})
	wantStatus(t, p, http.StatusSeeOther)
	if loc := p.Header.Get("Location"); loc != "/imports" {
		t.Errorf("the commit redirects to %q, carrying what it did", loc)
	}
	p = b.get("/imports")
	wantText(t, p, "Import recorded for Gloucestershire Constabulary", "New subjects: 1. New orders: 2.",
		`href="/tasking?force=gloucestershire"`, `href="/jobs"`)
	// Shown once.
	if p = b.get("/imports"); strings.Contains(p.Body, "Import recorded") {
		t.Errorf("the banner is shown again")
	}
}

// A file saved with semicolons is said to be one, not 21 missing columns;
// an owner of another force is refused naming the force, not its code.
func TestPageImportSaysWhatIsWrongInWords(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "orders_officer")
	csrf := csrfOf(t, b.get("/imports"))
	semi := strings.ReplaceAll(sheetCSV(importRow(nil)), ",", ";")
	p := b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "glos.csv", semi)
	wantText(t, p, "Problems to correct (1)", "separated by semicolons (;), not commas")

	dorset := e.create(t, "/api/v1/officers", obj{"name": "Dee Dorset", "email": "dee.dorset@dorset.police.uk",
		"force": "dorset", "roles": []string{"lro"}})
	row := importRow(map[string]string{"lro_email": s(dorset, "email"), "lro_since": "2025-07-01"})
	p = b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "glos.csv", sheetCSV(row))
	wantText(t, p, "not of the subject&#39;s force (Gloucestershire Constabulary)")
	if strings.Contains(p.Body, "(gloucestershire)") {
		t.Errorf("the refusal names the force by its code")
	}
}
