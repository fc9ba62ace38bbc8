package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"scpo/api"
)

// officerIn creates an officer of force with roles; its id.
func (e *env) officerIn(t *testing.T, force, name string, roles ...string) string {
	t.Helper()
	n := emails.Add(1)
	o := e.create(t, "/api/v1/officers", obj{"name": name, "email": fmt.Sprintf("officer%d@%s.police.uk", n, force),
		"force": force, "roles": roles})
	return s(o, "id")
}

func (e *env) signedInAs(t *testing.T, id string) *browser {
	b := e.browser(t)
	b.signIn(e.token(t, id))
	return b
}

func TestPageTransferBetweenForces(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, nil), "id")
	ord := e.order(t, sid, nil)
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": e.officer(t, "iom_officer"), "reason": "allocated"})), http.StatusOK)
	glos, glosID := e.signedIn(t, "tasking_chair")
	avonID := e.officerIn(t, "avon-and-somerset", "Sam Avon", "tasking_chair")
	avon := e.signedInAs(t, avonID)
	dorset := e.signedInAs(t, e.officerIn(t, "dorset", "Dee Dorset", "tasking_chair"))

	subj := glos.get("/subjects/" + sid)
	wantText(t, subj, "Transfer to another force", "Gloucestershire Constabulary")
	form := glos.get("/subjects/" + sid + "/transfer")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, ">Avon and Somerset Police</option>")
	if strings.Contains(form.Body, `value="gloucestershire"`) {
		t.Errorf("the form offers the subject's own force")
	}
	csrf := csrfOf(t, form)
	path := "/subjects/" + sid + "/transfer"

	p := glos.post(path, url.Values{"csrf_token": {csrf}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#to_force"`, `href="#reason"`)
	p = glos.post(path, url.Values{"csrf_token": {csrf}, "to_force": {"avon-and-somerset"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `value="avon-and-somerset" selected`, "Reason is required")

	p = glos.post(path, url.Values{"csrf_token": {csrf}, "to_force": {"avon-and-somerset"}, "reason": {"Moved to Bristol"}})
	wantStatus(t, p, http.StatusSeeOther)
	loc := p.Header.Get("Location")
	m := regexp.MustCompile(`^/transfers/([0-9a-f-]{36})\?done=requested$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("redirected to %q", loc)
	}
	tid := m[1]
	view := glos.get(loc)
	wantText(t, view, "Transfer requested", "Waiting", "Withdraw the request", "Avon and Somerset Police", s(ord, "reference"))
	if strings.Contains(view.Body, "Accept the transfer") {
		t.Errorf("the sender is offered the receiver's answer")
	}
	wantText(t, glos.get("/subjects/"+sid), "waiting for an answer")
	wantText(t, glos.get("/transfers"), "Asked of other forces (1)")

	// A third force sees nothing of it.
	wantStatus(t, dorset.get("/transfers/"+tid), http.StatusNotFound)

	// The receiver: on its agenda, then a decline needs a reason.
	agenda := avon.get("/tasking")
	wantText(t, agenda, "Transfers to answer (1)", "/transfers/"+tid, "Gloucestershire Constabulary", "Dean Carter")
	page := avon.get("/transfers/" + tid)
	wantText(t, page, "Accept the transfer", "Decline the transfer")
	acsrf := csrfOf(t, page)
	p = avon.post("/transfers/"+tid+"/decline", url.Values{"csrf_token": {acsrf}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#decline_reason"`, "Reason is required")

	p = avon.post("/transfers/"+tid+"/accept", url.Values{"csrf_token": {acsrf}})
	wantStatus(t, p, http.StatusSeeOther)
	after := avon.get(p.Header.Get("Location"))
	wantText(t, after, "Transfer accepted: Dean Carter", s(ord, "reference"), "No owner (")
	// Answered twice: refused, shown as it now is.
	p = avon.post("/transfers/"+tid+"/decline", url.Values{"csrf_token": {acsrf}, "decline_reason": {"too late"}})
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "already accepted", "Accepted")

	// The sender no longer sees the subject.
	wantStatus(t, glos.get("/subjects/"+sid), http.StatusNotFound)
	wantText(t, glos.get("/transfers"), "Settled (1)")

	if !hasEntry(e.trail(t, avonID), "/transfers/:id/accept", "alteration", 0, tid) {
		t.Errorf("no alteration on the trail for the acceptance")
	}
	if !hasEntry(e.trailAgain(t, glosID), "/subjects/:id/transfer", "collection", 0, sid) {
		t.Errorf("no collection on the trail for the request")
	}
}

func TestPageAbsenceCoverAndWorkload(t *testing.T) {
	e := newEnv(t)
	iom := e.officerIn(t, "gloucestershire", "Josie Away", "iom_officer")
	cover := e.officerIn(t, "gloucestershire", "Carl Cover", "lro")
	other := e.officerIn(t, "avon-and-somerset", "Amy Avon", "iom_officer")
	ord := e.order(t, s(e.subject(t, nil), "id"), nil)
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "allocated"})), http.StatusOK)
	chair, chairID := e.signedIn(t, "tasking_chair")

	wantText(t, chair.get("/tasking"), `href="/workload?force=gloucestershire"`)
	wl := chair.get("/workload")
	wantStatus(t, wl, http.StatusOK)
	wantText(t, wl, "Workload: Gloucestershire Constabulary", `href="/officers/`+iom+`"`, "Josie Away", "Carl Cover")

	wantText(t, chair.get("/officers/"+iom), "No absences recorded", "Record an absence")
	form := chair.get("/officers/" + iom + "/absences/new")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, ">Carl Cover (Lead responsible officer)</option>")
	if strings.Contains(form.Body, "Amy Avon") {
		t.Errorf("another force's officer offered as cover")
	}
	csrf := csrfOf(t, form)
	path := "/officers/" + iom + "/absences"
	p := chair.post(path, url.Values{"csrf_token": {csrf}, "starts_on-day": {"25"}, "starts_on-month": {"11"},
		"starts_on-year": {"2026"}, "ends_on-day": {"1"}, "ends_on-month": {"11"}, "ends_on-year": {"2026"}, "notes": {"surgery"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#kind"`, `href="#ends_on"`, "Last day away must not be before", "surgery")

	p = chair.post(path, url.Values{"csrf_token": {csrf}, "kind": {"long_term"}, "starts_on-day": {"25"},
		"starts_on-month": {"11"}, "starts_on-year": {"2026"}, "cover_officer_id": {cover}})
	wantStatus(t, p, http.StatusSeeOther)
	page := chair.get(p.Header.Get("Location"))
	wantText(t, page, "Absence recorded", "Long term", "25 November 2026 to no end date", "Carl Cover")
	aid := regexp.MustCompile(`/officers/` + iom + `/absences/([0-9a-f-]{36})`).FindStringSubmatch(page.Body)
	if aid == nil {
		t.Fatalf("no change link:\n%s", page.Body)
	}

	// The cover officer's My work shows the order they cover.
	home := e.signedInAs(t, cover).get("/")
	wantText(t, home, s(ord, "reference"), "IOM officer (covering)")
	wantText(t, chair.get("/workload"), "Away")

	change := chair.get("/officers/" + iom + "/absences/" + aid[1])
	wantStatus(t, change, http.StatusOK)
	version := versionOf(t, change)
	vals := url.Values{"csrf_token": {csrf}, "version": {"0"}, "kind": {"long_term"}, "starts_on-day": {"25"},
		"starts_on-month": {"11"}, "starts_on-year": {"2026"}, "ends_on-day": {"31"}, "ends_on-month": {"12"}, "ends_on-year": {"2026"}}
	p = chair.post("/officers/"+iom+"/absences/"+aid[1], vals)
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "You changed this absence")
	vals.Set("version", version)
	p = chair.post("/officers/"+iom+"/absences/"+aid[1], vals)
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, chair.get(p.Header.Get("Location")), "Absence changed", "25 November 2026 to 31 December 2026", "Nobody")

	change = chair.get("/officers/" + iom + "/absences/" + aid[1])
	p = chair.post("/officers/"+iom+"/absences/"+aid[1], url.Values{"csrf_token": {csrf}, "version": {versionOf(t, change)}, "cancel": {"yes"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, chair.get(p.Header.Get("Location")), "Absence cancelled", "Cancelled")

	// Another force's officer: not there; an IOM officer cannot record one.
	wantStatus(t, chair.get("/officers/"+other+"/absences/new"), http.StatusNotFound)
	iomB := e.signedInAs(t, iom)
	wantStatus(t, iomB.get("/officers/"+cover+"/absences/new"), http.StatusForbidden)

	trail := e.trail(t, chairID)
	if !hasEntry(trail, "/officers/:id/absences", "collection", 0, iom) {
		t.Errorf("no collection on the trail for the absence")
	}
	if !hasEntry(trail, "/officers/:id/absences/:absence_id", "alteration", 0, aid[1]) {
		t.Errorf("no alteration on the trail for the change")
	}
	if !hasEntry(trail, "/workload", "consultation", 0, "") {
		t.Errorf("no consultation on the trail for the workload")
	}
}

// trailAgain is trail for a second officer in one test (trail's reader
// is named after the officer's ID, whose first characters are a time).
func (e *env) trailAgain(t *testing.T, officerID string) []map[string]any {
	t.Helper()
	n := emails.Add(1)
	aud := e.token(t, s(e.create(t, "/api/v1/officers", obj{"name": "Second Reader", "email": fmt.Sprintf("reader%d@hmicfrs.gov.uk", n),
		"roles": []string{"auditor"}}), "id"))
	r := e.do(t, "GET", "/api/v1/audit?limit=500&officer="+officerID, aud, "")
	want(t, r, http.StatusOK)
	var out []map[string]any
	for _, it := range items(r) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// postFile sends a multipart form with a file.
func (b *browser) postFile(path string, fields url.Values, name, content string) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write([]byte(content))
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(res.Body)
	p := page{Status: res.StatusCode, Header: res.Header, Body: out.String()}
	if p.Status >= 500 {
		b.t.Errorf("POST %s: %d\n%s", path, p.Status, p.Body)
	}
	return p
}

var hiddenCheck = regexp.MustCompile(`name="check" value="([^"]+)"`)

func TestPageImportDryRunThenCommit(t *testing.T) {
	e := newEnv(t)
	b, me := e.signedIn(t, "orders_officer")
	form := b.get("/imports")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, `href="/imports/template.csv"`, "Gloucestershire Constabulary")
	tmpl := b.get("/imports/template.csv")
	wantStatus(t, tmpl, http.StatusOK)
	if !strings.HasPrefix(tmpl.Header.Get("Content-Type"), "text/csv") || !strings.Contains(tmpl.Body, "pnc_id") {
		t.Errorf("template: %q %q", tmpl.Header.Get("Content-Type"), tmpl.Body)
	}
	csrf := csrfOf(t, form)

	// No file: the error summary.
	p := b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "", "")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#file"`, "Choose a CSV or .xlsx file")

	good := importRow(map[string]string{"last_name": "Pageimport"})
	bad := importRow(map[string]string{"date_of_birth": "31/02/1990"})
	p = b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "glos.csv", sheetCSV(good, bad))
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Problems to correct (1)", "<td class=\"govuk-table__cell\">3</td>", "<code>date_of_birth</code>", "Nothing has been recorded yet",
		"Not recorded</strong> (see the problems above)")
	if strings.Count(p.Body, "Matches the register") != 0 {
		t.Errorf("a row in error is said to match the register")
	}
	if strings.Contains(p.Body, `id="commit"`) {
		t.Errorf("a file with problems can be committed")
	}

	p = b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "glos.csv", sheetCSV(good))
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "1 new, 0 already in the register", good["reference"], "Record all of it")
	check := hiddenCheck.FindStringSubmatch(p.Body)
	if check == nil {
		t.Fatalf("no checked file named in the commit form")
	}
	if n := len(items(e.do(t, "GET", "/api/v1/subjects?q=Pageimport", e.admin, ""))); n != 0 {
		t.Fatalf("the dry run recorded %d subjects", n)
	}
	p = b.post("/imports/commit", url.Values{"csrf_token": {csrf}, "check": {check[1]}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Import recorded for Gloucestershire Constabulary", "New subjects: 1. New orders: 1.")
	if n := len(items(e.do(t, "GET", "/api/v1/subjects?q=Pageimport", e.admin, ""))); n != 1 {
		t.Fatalf("%d subjects after the commit", n)
	}

	trail := e.trail(t, me)
	if !hasEntry(trail, "/imports/commit", "collection", 0, good["reference"]) && !hasEntry(trail, "/imports/commit", "collection", 0, "") {
		t.Errorf("no collection on the trail for the commit")
	}
	if !hasEntry(trail, "/imports", "consultation", 0, "") {
		t.Errorf("the dry run is not a consultation on the trail")
	}
	// An IOM officer may not import.
	iom, _ := e.signedIn(t, "iom_officer")
	wantStatus(t, iom.get("/imports"), http.StatusForbidden)
}

func TestPageSubjectExport(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, nil), "id")
	other := s(e.subject(t, obj{"force": "avon-and-somerset"}), "id")
	admin := e.browser(t)
	admin.signIn(e.admin)
	wantText(t, admin.get("/subjects/"+sid), `href="/subjects/`+sid+`/export?format=html"`)
	p := admin.get("/subjects/" + sid + "/export?format=html")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Everything the SCPO register holds about Dean Carter")
	p = admin.get("/subjects/" + sid + "/export?format=json")
	wantStatus(t, p, http.StatusOK)
	if !strings.Contains(p.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("JSON export is not an attachment")
	}

	audID := s(e.create(t, "/api/v1/officers", obj{"name": "Ann Auditor", "email": "ann.auditor@hmicfrs.gov.uk",
		"roles": []string{"auditor"}}), "id")
	aud := e.signedInAs(t, audID)
	wantText(t, aud.get("/subjects/"+sid+"/access-log"), `href="/subjects/`+sid+`/export?format=html"`)
	wantStatus(t, aud.get("/subjects/"+sid+"/export?format=html"), http.StatusOK)
	if !hasEntry(e.trail(t, audID), "/subjects/:id/export", "disclosure", 0, sid) {
		t.Errorf("the export is not a disclosure on the trail")
	}
	// Scope: an officer bound to a force sees only its subjects; a reader may not export.
	iom, _ := e.signedIn(t, "iom_officer")
	wantStatus(t, iom.get("/subjects/"+sid+"/export?format=html"), http.StatusForbidden)
	adminGlos := e.signedInAs(t, e.officerIn(t, "gloucestershire", "Glos Admin", "admin"))
	wantStatus(t, adminGlos.get("/subjects/"+other+"/export?format=html"), http.StatusNotFound)
}

func TestPageForcePolicy(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(e.admin)
	form := b.get("/forces/gloucestershire/policy")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, "Gloucestershire Constabulary", `name="absence_threshold_days" type="text" inputmode="numeric" spellcheck="false" value="14"`)
	csrf, version := csrfOf(t, form), versionOf(t, form)
	vals := url.Values{"csrf_token": {csrf}, "version": {version}, "required_roles": {"iom"}, "pre_release_days": {"180"},
		"community_review_days": {"91"}, "prison_review_days": {"182"}, "check_grace_days": {"0"},
		"expiry_warning_days": {"180"}, "em_warning_days": {"30"}, "absence_threshold_days": {"0"}}
	p := b.post("/forces/gloucestershire/policy", vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#absence_threshold_days"`, "must be from 1 to 365", `value="0"`)
	// Every error at once: a number that is not one, and a rule broken.
	vals.Set("community_review_days", "x")
	p = b.post("/forces/gloucestershire/policy", vals)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#community_review_days"`, `href="#absence_threshold_days"`)
	vals.Set("community_review_days", "91")

	vals.Set("absence_threshold_days", "21")
	p = b.post("/forces/gloucestershire/policy", vals)
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Policy saved", `value="21"`)
	got := e.do(t, "GET", "/api/v1/forces/gloucestershire/policy", e.admin, "")
	if s(got.Body, "absence_threshold_days") != "21" || s(got.Body, "em_warning_days") != "30" || s(got.Body, "required_roles.0") != "iom" {
		t.Errorf("policy after saving: %s", got)
	}
	// The same (now stale) version again: refused with the current values.
	vals.Set("absence_threshold_days", "30")
	p = b.post("/forces/gloucestershire/policy", vals)
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "You changed this policy", `value="21"`)

	wantStatus(t, b.get("/forces/nowhere/policy"), http.StatusNotFound)
	// A chair reads it (as the API lets every reader) but may not change it.
	chair, _ := e.signedIn(t, "tasking_chair")
	read := chair.get("/forces/gloucestershire/policy")
	wantStatus(t, read, http.StatusOK)
	wantText(t, read, `id="policy-read-only"`)
	vals.Set("csrf_token", csrfOf(t, read))
	wantStatus(t, chair.post("/forces/gloucestershire/policy", vals), http.StatusForbidden)
}

// An officer chooses their mail on My work: it was an API call only, and
// every digest told officers to make it.
func TestPageOfficerChoosesTheirMail(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "iom_officer")
	home := b.get("/")
	wantText(t, home, "Mail from the register", `name="notify" type="radio" value="digest" checked`)
	p := b.post("/notifications", url.Values{"csrf_token": {csrfOf(t, home)}, "notify": {"immediate"}})
	wantStatus(t, p, http.StatusSeeOther)
	after := b.get(p.Header.Get("Location"))
	wantText(t, after, "Your choice of mail is saved", `name="notify" type="radio" value="immediate" checked`)
	// A choice the form does not offer changes nothing: back to the form.
	p = b.post("/notifications", url.Values{"csrf_token": {csrfOf(t, home)}, "notify": {"pigeon"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get("/"), `name="notify" type="radio" value="immediate" checked`)
}

// An officer given a meeting action records it done (or cancels it) from
// My work: there was no page for it, and past its due date it stood on the
// agenda as overdue.
func TestPageOfficerClosesTheirAction(t *testing.T) {
	e := newEnv(t)
	b, me := e.signedIn(t, "iom_officer")
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	_, d := e.decideOnUnowned(t, chair, "gloucestershire", ord, obj{"decision": "action", "action_by": me,
		"due_by": "2026-12-01", "notes": "Visit the address."})
	act := s(d.Body, "id")
	home := b.get("/")
	wantText(t, home, `href="/actions/`+act+`"`, "Visit the address.", "Due soon") // due 1 December, today 25 November
	form := b.get("/actions/" + act)
	wantStatus(t, form, http.StatusOK)
	p := b.post("/actions/"+act+"/done", url.Values{"csrf_token": {csrfOf(t, form)}, "note": {" "},
		"on-day": {"25"}, "on-month": {"11"}, "on-year": {"2026"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#note"`)
	p = b.post("/actions/"+act+"/done", url.Values{"csrf_token": {csrfOf(t, form)}, "note": {"Visited; all as notified."},
		"on-day": {"25"}, "on-month": {"11"}, "on-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Action recorded as done", "No open actions.")
	r := e.do(t, "GET", "/api/v1/actions?assignee="+me+"&status=done", e.admin, "")
	if its := items(r); len(its) != 1 || s(its[0], "id") != act {
		t.Errorf("the officer's done actions: %s", r)
	}
	// Another officer's action is not theirs to close.
	other, _ := e.signedIn(t, "iom_officer")
	wantStatus(t, other.post("/actions/"+act+"/cancel", url.Values{"csrf_token": {csrfOf(t, other.get("/"))},
		"reason": {"Not mine."}}), http.StatusForbidden)
}

// A check is scheduled from the pages: from the order page, and as a
// meeting's decision. Neither had a form (the API only).
func TestPageSchedulesAChecks(t *testing.T) {
	e := newEnv(t)
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	b, _ := e.signedIn(t, "iom_officer")
	wantText(t, b.get("/orders/"+ord), `href="/orders/`+ord+`/checks/new"`)
	form := b.get("/orders/" + ord + "/checks/new")
	wantStatus(t, form, http.StatusOK)
	p := b.post("/orders/"+ord+"/checks", url.Values{"csrf_token": {csrfOf(t, form)}, "kind": {"device"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#due_on"`)
	p = b.post("/orders/"+ord+"/checks", url.Values{"csrf_token": {csrfOf(t, form)}, "kind": {"device"},
		"due_on-day": {"10"}, "due_on-month": {"12"}, "due_on-year": {"2026"}, "notes": {"Phone inspection."}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Check scheduled", "10 December 2026")

	// At a meeting: the chair decides a home visit on the order.
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	chair, _ := e.signedIn(t, "tasking_chair")
	list := chair.get("/meetings")
	p = chair.post("/meetings", url.Values{"csrf_token": {csrfOf(t, list)}, "force": {"gloucestershire"},
		"held_on-day": {"25"}, "held_on-month": {"11"}, "held_on-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	mpath, _, _ := strings.Cut(p.Header.Get("Location"), "?")
	m := chair.get(decisionPath(t, chair.get(mpath).Body, ord))
	wantText(t, m, "Schedule a compliance check")
	item := regexp.MustCompile(`name="item_id" value="([^"]+)"`).FindStringSubmatch(m.Body)[1]
	p = chair.post(decisionPath(t, chair.get(mpath).Body, ord), url.Values{"csrf_token": {csrfOf(t, m)}, "item_id": {item},
		"decision": {"schedule_check"}, "check_kind": {"home_visit"},
		"check_due_on-day": {"15"}, "check_due_on-month": {"12"}, "check_due_on-year": {"2026"}, "notes": {"Booked at tasking."}})
	wantStatus(t, p, http.StatusSeeOther)
	r := e.do(t, "GET", "/api/v1/orders/"+ord+"/checks", e.admin, "")
	found := false
	for _, c := range items(r) {
		if s(c, "kind") == "home_visit" && s(c, "due_on") == "2026-12-15" {
			found = true
		}
	}
	if !found {
		t.Errorf("the meeting's home visit is not scheduled: %s", r)
	}
	wantText(t, chair.get(mpath), "home visit check due 15 December 2026")
}

// The import check page is bounded: a large file shows its first 100 rows
// (the summary counts them all); a 10,000-row file made a 7.6 MB page.
// The checked file is kept on the server: the commit form carries its ID,
// not the file. Only the officer who checked it may record it, within its
// day; an ID unknown, already recorded or expired is refused, saying to
// check the file again, and nothing is recorded.
func TestPageImportCheckKeptOnTheServer(t *testing.T) {
	clk := &clock{t: now}
	e := newEnvWith(t, func(c *api.Config) { c.Clock = clk; c.FailedAuthBurst = 1_000_000 })
	me := e.officer(t, "orders_officer")
	b := e.signedInAs(t, me)
	form := b.get("/imports")
	csrf := csrfOf(t, form)
	row := importRow(map[string]string{"last_name": "Keptcheck"})
	sheet := sheetCSV(row)
	p := b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "glos.csv", sheet)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Record all of it", "kept for you to record until 26 November 2026 10:00 UTC")
	check := hiddenCheck.FindStringSubmatch(p.Body)
	if check == nil {
		t.Fatalf("no checked file named in the commit form")
	}
	if strings.Contains(p.Body, `name="data"`) || strings.Contains(p.Body, base64.StdEncoding.EncodeToString([]byte(sheet))[:40]) {
		t.Errorf("the check page carries the file")
	}
	subjects := func() int { return len(items(e.do(t, "GET", "/api/v1/subjects?q=Keptcheck", e.admin, ""))) }
	refused := func(p page, why string) {
		t.Helper()
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantText(t, p, "There is a problem", `href="#file"`, why, "Check the file")
		if n := subjects(); n != 0 {
			t.Fatalf("a refused commit recorded %d subjects", n)
		}
	}

	// Another officer of the force, who may import too, may not record it.
	other, _ := e.signedIn(t, "orders_officer")
	refused(other.post("/imports/commit", url.Values{"csrf_token": {csrfOf(t, other.get("/imports"))}, "check": {check[1]}}),
		"The file was checked by another officer")
	// An ID never given.
	refused(b.post("/imports/commit", url.Values{"csrf_token": {csrf}, "check": {"not-a-check"}}), "The checked file is no longer kept")
	refused(b.post("/imports/commit", url.Values{"csrf_token": {csrf}}), "The checked file is no longer kept")

	// Its officer records it, once: the ID is then used up.
	p = b.post("/imports/commit", url.Values{"csrf_token": {csrf}, "check": {check[1]}})
	wantStatus(t, p, http.StatusSeeOther)
	if n := subjects(); n != 1 {
		t.Fatalf("%d subjects after the commit", n)
	}
	p = b.post("/imports/commit", url.Values{"csrf_token": {csrf}, "check": {check[1]}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "The checked file is no longer kept")

	// A check a day old has expired, though still kept.
	again := importRow(map[string]string{"last_name": "Keptlate"})
	p = b.postFile("/imports", url.Values{"csrf_token": {csrf}}, "late.csv", sheetCSV(again))
	late := hiddenCheck.FindStringSubmatch(p.Body)
	if late == nil {
		t.Fatalf("no checked file named in the commit form")
	}
	clk.add(24 * time.Hour)
	b = e.signedInAs(t, me) // the session has ended meanwhile
	p = b.post("/imports/commit", url.Values{"csrf_token": {csrfOf(t, b.get("/imports"))}, "check": {late[1]}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "The check has expired")
	if n := len(items(e.do(t, "GET", "/api/v1/subjects?q=Keptlate", e.admin, ""))); n != 0 {
		t.Errorf("an expired check recorded %d subjects", n)
	}
}

func TestPageImportCheckShowsTheFirstRows(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "orders_officer")
	form := b.get("/imports")
	rows := make([]map[string]string, 150)
	for i := range rows {
		rows[i] = importRow(nil)
	}
	p := b.postFile("/imports", url.Values{"csrf_token": {csrfOf(t, form)}}, "big.csv", sheetCSV(rows...))
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "The first 100 rows of 150", "150 new")
	if n := strings.Count(p.Body[strings.Index(p.Body, `id="import-rows"`):], `<tr class="govuk-table__row">`); n != 101 {
		t.Errorf("the row table has %d rows (with its header), want 101", n)
	}
}

// An action cancelled by its subject's move says where the subject went,
// by the force's name, and its page does not link to the order the officer
// can no longer open (it was a link to "Page not found").
func TestPageActionOfAMovedSubject(t *testing.T) {
	e := newEnv(t)
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	iom := acOfficer(t, e, "gloucestershire", "iom_officer")
	sub := s(e.subject(t, nil), "id")
	ord := e.order(t, sub, nil)
	_, act := e.decideOnUnowned(t, chair, "gloucestershire", s(ord, "id"),
		obj{"decision": "action", "action_by": iom, "due_by": "2026-12-01", "notes": "Visit."})
	b := e.signedInAs(t, iom)
	page := "/actions/" + s(act.Body, "id")
	wantText(t, b.get(page), `href="/orders/`+s(ord, "id")+`"`)
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, e.admin, js(obj{"force": "kent"})), http.StatusOK)
	p := b.get(page)
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, s(ord, "reference")+" (now Kent Police's: the subject moved)", "moved to Kent Police, whose officers decide")
	if strings.Contains(p.Body, `href="/orders/`+s(ord, "id")+`"`) {
		t.Errorf("the action page links to the order now out of the officer's view")
	}
}

// A chair moves a leaver's orders to a colleague from the officer's page:
// the page says what they hold (and warns before deactivating them), the
// preview says what would move and changes nothing, and the move takes
// every ownership. It was API only; deactivating said nothing and left the
// orders unowned.
func TestPageReassignALeaversOrders(t *testing.T) {
	e := newEnv(t)
	leaver, successor := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	var orders []string
	for range 2 {
		ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
		want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": leaver, "reason": "Allocated."})),
			http.StatusOK)
		orders = append(orders, ord)
	}
	chair, _ := e.signedIn(t, "tasking_chair")
	page := chair.get("/officers/" + leaver)
	wantText(t, page, `id="officer-holds">2`, `href="/officers/`+leaver+`/reassign"`)
	adm := e.browser(t)
	adm.signIn(e.admin)
	wantText(t, adm.get("/officers/"+leaver), "Deactivating ends their ownership of 2 orders")

	form := chair.get("/officers/" + leaver + "/reassign")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, "holds 2 live orders", `value="`+successor+`"`)
	if strings.Contains(form.Body, `<option value="`+leaver+`"`) {
		t.Errorf("the leaver is offered to take their own orders")
	}
	path := "/officers/" + leaver + "/reassign"
	p := chair.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "reason": {"Leaving the force."}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#to_officer_id"`)
	p = chair.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "to_officer_id": {successor}, "reason": {"Leaving the force."},
		"preview": {"1"}})
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Nothing was changed. This would move 2 ownerships")
	if r := e.do(t, "GET", "/api/v1/orders/"+orders[0], e.admin, ""); s(r.Body, "owners.iom.id") != leaver {
		t.Fatalf("the preview moved the order: %s", r)
	}
	p = chair.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "to_officer_id": {successor}, "reason": {"Leaving the force."}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, chair.get(p.Header.Get("Location")), "Orders reassigned: 2 ownerships", `id="officer-holds">0`)
	for _, ord := range orders {
		if r := e.do(t, "GET", "/api/v1/orders/"+ord, e.admin, ""); s(r.Body, "owners.iom.id") != successor {
			t.Errorf("order %s after the move: %s", ord, r)
		}
	}
	// The same form sent again (a tab left open): nothing to move, said.
	again := chair.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "to_officer_id": {successor}, "reason": {"Leaving the force."}})
	wantStatus(t, again, http.StatusConflict)
	wantText(t, again, "Nothing was moved")
	// Another force's officer: not this chair's to move, and no form.
	dorset := acOfficer(t, e, "dorset", "iom_officer")
	wantStatus(t, chair.get("/officers/"+dorset+"/reassign"), http.StatusNotFound)
	// A chair who is also a regional lead reads Dorset's officers, and still
	// may not move their orders.
	lead := e.signedInAs(t, acOfficer(t, e, "gloucestershire", "tasking_chair", "regional"))
	wantStatus(t, lead.get("/officers/"+dorset+"/reassign"), http.StatusForbidden)
	// The banner comes from the session, once: the address cannot write it.
	// (Its numbers are looked for as the banner writes them: a bare "99"
	// turned up by chance in the page's ids and tokens.)
	if b := chair.get("/officers/" + leaver + "?done=reassigned&moved=99&actions=1").Body; strings.Contains(b, "99 ownerships") ||
		strings.Contains(b, "Orders reassigned") {
		t.Errorf("the banner shows numbers from the address")
	}
	// An auditor sees no count they were not given.
	aud := e.browser(t)
	aud.signIn(e.token(t, e.officer(t, "auditor")))
	if strings.Contains(aud.get("/officers/"+successor).Body, `id="officer-holds"`) {
		t.Errorf("an auditor is shown an orders-held count that was not read")
	}
}
