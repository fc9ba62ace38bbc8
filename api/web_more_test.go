package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// trail is an officer's audit entries, newest first, as an auditor reads
// them.
func (e *env) trail(t *testing.T, officerID string) []map[string]any {
	t.Helper()
	aud := e.token(t, s(e.create(t, "/api/v1/officers", obj{"name": "Trail Reader " + officerID[:8],
		"email": "reader." + officerID[:8] + "@hmicfrs.gov.uk", "roles": []string{"auditor"}}), "id"))
	r := e.do(t, "GET", "/api/v1/audit?limit=500&officer="+officerID, aud, "")
	want(t, r, http.StatusOK)
	var out []map[string]any
	for _, it := range items(r) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// hasEntry reports whether entries hold one for route with action and
// status (0: carried out) naming record.
func hasEntry(entries []map[string]any, route, action string, status int, record string) bool {
	for _, en := range entries {
		st, _ := en["status"].(float64)
		if en["route"] == route && en["action"] == action && int(st) == status && strings.Contains(js(en["records"]), record) {
			return true
		}
	}
	return false
}

var versionField = regexp.MustCompile(`name="version" value="(\d+)"`)

func versionOf(t *testing.T, p page) string {
	t.Helper()
	m := versionField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no version in page:\n%s", p.Body)
	}
	return m[1]
}

func TestPagePrisonLiaisonRecordsARelease(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, obj{"custody": inCustody("2026-12-01")})
	sid := s(sub, "id")
	ord := e.order(t, sid, obj{"commencement": "on_release", "starts_on": nil})
	if s(ord, "status") != "pending" {
		t.Fatalf("order made %s, want pending", s(ord, "status"))
	}
	other := e.subject(t, obj{"force": "avon-and-somerset", "custody": inCustody("2026-12-01")})
	b, me := e.signedIn(t, "prison_liaison")

	wantText(t, b.get("/subjects/"+sid), "Record release", "1 December 2026")
	form := b.get("/subjects/" + sid + "/release")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, `value="25"`) // today, ready to change
	// A release date passed (CRD 22 November) is offered as the day.
	late := s(e.subject(t, obj{"custody": inCustody("2026-11-22")}), "id")
	wantText(t, b.get("/subjects/"+late+"/release"), `name="released_on-day" type="text" inputmode="numeric" value="22"`)
	// Unless it is stale: an order to start on this release was made after
	// it, so the release cannot have been then; today is offered.
	stale := s(e.subject(t, obj{"custody": inCustody("2026-11-01")}), "id")
	e.order(t, stale, obj{"commencement": "on_release", "starts_on": nil, "made_on": "2026-11-20"})
	wantText(t, b.get("/subjects/"+stale+"/release"), `name="released_on-day" type="text" inputmode="numeric" value="25"`)
	csrf, version := csrfOf(t, form), versionOf(t, form)
	path := "/subjects/" + sid + "/release"

	// A release tomorrow is refused; the value is kept.
	p := b.post(path, url.Values{"csrf_token": {csrf}, "version": {version},
		"released_on-day": {"26"}, "released_on-month": {"11"}, "released_on-year": {"2026"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#released_on"`, "Date of release must not be in the future", `value="26"`)
	// No date at all.
	p = b.post(path, url.Values{"csrf_token": {csrf}, "version": {version}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "Date of release is required")

	// Someone changed the record meanwhile: refused, current details shown.
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, `{"custody": {"status": "custody", "establishment": "HMP Eastwood Park", "release_date": "2026-12-01", "release_date_type": "CRD"}}`), http.StatusOK)
	p = b.post(path, url.Values{"csrf_token": {csrf}, "version": {version},
		"released_on-day": {"24"}, "released_on-month": {"11"}, "released_on-year": {"2026"}})
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "Another officer changed this subject", "HMP Eastwood Park")
	version = versionOf(t, p)

	p = b.post(path, url.Values{"csrf_token": {csrf}, "version": {version},
		"released_on-day": {"24"}, "released_on-month": {"11"}, "released_on-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.Header.Get("Location") != "/subjects/"+sid+"?done=release" {
		t.Fatalf("redirected to %q", p.Header.Get("Location"))
	}
	wantText(t, b.get(p.Header.Get("Location")), "Release recorded", "In the community, released 24 November 2026")
	got := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, "")
	if s(got.Body, "status") != "active" || s(got.Body, "starts_on") != "2026-11-24" {
		t.Errorf("order after the release: %s from %s", s(got.Body, "status"), s(got.Body, "starts_on"))
	}
	wantText(t, b.get("/orders/"+s(ord, "id")), "Active", "24 November 2026")

	// Another force's subject is not there; an auditor cannot record one.
	wantStatus(t, b.get("/subjects/"+s(other, "id")+"/release"), http.StatusNotFound)
	wantStatus(t, b.post("/subjects/"+s(other, "id")+"/release", url.Values{"csrf_token": {csrf}, "version": {"1"},
		"released_on-day": {"24"}, "released_on-month": {"11"}, "released_on-year": {"2026"}}), http.StatusNotFound)

	trail := e.trail(t, me)
	if !hasEntry(trail, "/subjects/:id/release", "alteration", 0, sid) {
		t.Errorf("no alteration on the trail for the release: %s", js(trail))
	}
	if !hasEntry(trail, "/subjects/:id/release", "consultation", 0, sid) {
		t.Errorf("no consultation on the trail for the release form")
	}
	if !hasEntry(trail, "/subjects/:id/release", "consultation", 404, s(other, "id")) {
		t.Errorf("the refused look at another force's subject is not on the trail")
	}
}

// A stale form says who changed the record since it was opened, from the
// change's own audit entry: not a later entry that only names the record
// (an absence recorded for an officer names them too), and an officer the
// reader may not see (a national administrator, to a force's officer) only
// as another officer.
func TestPageStaleFormSaysWhoChangedIt(t *testing.T) {
	e := newEnv(t)
	nameOf := func(id string) string { return s(e.do(t, "GET", "/api/v1/officers/"+id, e.admin, "").Body, "name") }
	sid := s(e.subject(t, obj{"custody": inCustody("2026-12-01")}), "id")
	b, _ := e.signedIn(t, "prison_liaison")
	colleague := e.officer(t, "prison_liaison")
	path := "/subjects/" + sid + "/custody"
	form := b.get(path)
	wantStatus(t, form, http.StatusOK)
	send := func(version string) page {
		return b.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "version": {version},
			"establishment": {"HMP Bristol"}, "release_date-day": {"1"}, "release_date-month": {"12"},
			"release_date-year": {"2026"}, "release_date_type": {"CRD"}})
	}
	custody := func(where string) string {
		return js(obj{"custody": obj{"status": "custody", "establishment": where, "release_date": "2026-12-01", "release_date_type": "CRD"}})
	}
	// A colleague of the same force: named.
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.token(t, colleague), custody("HMP Eastwood Park")), http.StatusOK)
	p := send(versionOf(t, form))
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, nameOf(colleague)+" changed this subject", "HMP Eastwood Park")
	// The national administrator, whom the officer cannot look up: not named.
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, custody("HMP Leyhill")), http.StatusOK)
	p = send(versionOf(t, form))
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "Another officer changed this subject", "HMP Leyhill")
	if admin := nameOf(e.adminID); strings.Contains(p.Body, admin+" changed") {
		t.Errorf("the stale form names %q, whom the officer may not see", admin)
	}

	// The officer's record: its roles changed by the force's administrator,
	// then leave recorded for them by the chair, which changes not the
	// officer but their absences. The national administrator sees everyone.
	target, forceAdmin, chair := e.officer(t, "iom_officer"), e.officer(t, "admin"), e.officer(t, "tasking_chair")
	adm := e.signedInAs(t, e.adminID)
	page := adm.get("/officers/" + target)
	wantStatus(t, page, http.StatusOK)
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+target, e.token(t, forceAdmin), js(obj{"roles": []string{"iom_officer", "lro"}})),
		http.StatusOK)
	want(t, e.do(t, "POST", "/api/v1/officers/"+target+"/absences", e.token(t, chair),
		js(obj{"kind": "annual_leave", "starts_on": today, "ends_on": "2026-12-04"})), http.StatusCreated)
	p = adm.post("/officers/"+target, url.Values{"csrf_token": {csrfOf(t, page)}, "version": {versionOf(t, page)},
		"roles": {"iom_officer"}, "active": {"yes"}})
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, nameOf(forceAdmin)+" changed this officer", `value="lro" checked`)
	if strings.Contains(p.Body, nameOf(chair)+" changed") {
		t.Errorf("the stale form names the chair, who recorded leave, as changing the officer")
	}
}

func TestPageUpdatesCustodyDetails(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, obj{"custody": inCustody("2027-03-01")}), "id")
	b, _ := e.signedIn(t, "prison_liaison")
	form := b.get("/subjects/" + sid + "/custody")
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, `value="HMP Bristol"`, `value="2027"`, `<option value="CRD" selected>`)
	path := "/subjects/" + sid + "/custody"
	base := url.Values{"csrf_token": {csrfOf(t, form)}, "version": {versionOf(t, form)}, "establishment": {"HMP Bristol"},
		"release_date-day": {"1"}, "release_date-month": {"6"}, "release_date-year": {"2027"}}
	// A date without its type: the domain's rule, on the form's field.
	p := b.post(path, base)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#release_date_type"`, "Type of release date is required with a release date", `value="6"`)
	base.Set("release_date_type", "HDCED")
	p = b.post(path, base)
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Custody details saved", "release 1 June 2027 (HDCED)")
	// The history keeps what the period said before, and who changed it.
	subject := b.get("/subjects/" + sid)
	wantText(t, subject, "Changed while in custody", "expected release 1 March 2027 CRD to 1 June 2027 HDCED")
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, js(obj{"custody": obj{"status": "custody",
		"establishment": "HMP Leyhill", "release_date": "2027-06-01", "release_date_type": "HDCED"}})), http.StatusOK)
	wantText(t, b.get("/subjects/"+sid), "HMP Bristol to HMP Leyhill")
	hist := e.do(t, "GET", "/api/v1/subjects/"+sid+"/custody-history", e.admin, "")
	want(t, hist, http.StatusOK)
	if b := string(hist.Raw); !strings.Contains(b, `"establishment":"HMP Bristol"`) || !strings.Contains(b, `"changes":[{`) {
		t.Errorf("the custody history does not keep the prison moved from: %s", hist.Raw)
	}
	// The IOM officer with no role to change it: the regional lead cannot.
	rl, _ := e.signedIn(t, "regional")
	wantStatus(t, rl.get(path), http.StatusForbidden)
}

func TestPagePreReleaseBoard(t *testing.T) {
	e := newEnv(t)
	due := e.subject(t, obj{"last_name": "Dueout", "custody": inCustody("2026-12-20")})
	e.order(t, s(due, "id"), obj{"commencement": "on_release", "starts_on": nil})
	hdc := e.subject(t, obj{"last_name": "Curfew", "custody": obj{"status": "custody", "establishment": "HMP Leyhill",
		"release_date": "2026-11-01", "release_date_type": "HDCED"}})
	e.order(t, s(hdc, "id"), obj{"commencement": "on_release", "starts_on": nil})
	far := e.subject(t, obj{"last_name": "Faraway", "custody": inCustody("2028-01-01")})
	e.order(t, s(far, "id"), obj{"commencement": "on_release", "starts_on": nil})
	other := e.subject(t, obj{"last_name": "Elsewhere", "force": "avon-and-somerset", "custody": inCustody("2026-12-20")})
	e.order(t, s(other, "id"), obj{"commencement": "on_release", "starts_on": nil})
	unknown := e.subject(t, obj{"last_name": "Undated", "custody": obj{"status": "custody", "establishment": "HMP Bristol"}})
	e.order(t, s(unknown, "id"), obj{"commencement": "on_release", "starts_on": nil})
	b, me := e.signedIn(t, "prison_liaison")

	p := b.get("/pre-release")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "In custody with no release date recorded", "/subjects/"+s(unknown, "id")+"/custody")
	wantText(t, p, "Dueout", "20 December 2026 (CRD)", "in 25 days", "No IOM owner", "No pre-release review",
		"Curfew", "Eligible, not yet released", "24 days ago")
	for _, absent := range []string{"Faraway", "Elsewhere"} {
		if strings.Contains(p.Body, absent) {
			t.Errorf("the board shows %s", absent)
		}
	}
	if strings.Index(p.Body, "Curfew") > strings.Index(p.Body, "Dueout") {
		t.Errorf("the board is not in release date order")
	}
	wantText(t, b.get("/pre-release?within_days=800"), "Faraway")
	// The force chooser offers the forces the officer can see, no other
	// (another force's board answers not found).
	wantText(t, p, `<option value="gloucestershire" selected>`)
	if strings.Contains(p.Body, `<option value="avon-and-somerset"`) {
		t.Errorf("the force chooser offers a force outside the officer's view")
	}

	p = b.get("/pre-release?within_days=soon")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", `href="#within_days"`, `value="soon"`)

	if !hasEntry(e.trail(t, me), "/pre-release", "consultation", 0, s(due, "id")) {
		t.Errorf("the board's consultation does not name the subjects shown")
	}
	// The auditor has no business here.
	a, _ := e.signedIn(t, "auditor")
	wantStatus(t, a.get("/pre-release"), http.StatusForbidden)
}

// named signs in an officer of force (none when empty) with roles.
func (e *env) named(t *testing.T, name, force string, roles ...string) (*browser, string) {
	t.Helper()
	body := obj{"name": name, "email": strings.ReplaceAll(strings.ToLower(name), " ", ".") + "@police.uk", "roles": roles}
	if force != "" {
		body["force"] = force
	}
	id := s(e.create(t, "/api/v1/officers", body), "id")
	b := e.browser(t)
	b.signIn(e.token(t, id))
	return b, id
}

func TestPageRegion(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.order(t, s(e.subject(t, nil), "id"), nil)
	}
	e.order(t, s(e.subject(t, obj{"force": "avon-and-somerset"}), "id"), nil)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, "{}"), http.StatusOK)
	b, me := e.named(t, "Rhian Pugh", "gloucestershire", "regional")

	p := b.get("/region?region=south-west")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `href="/tasking?force=gloucestershire"`, `href="/tasking?force=avon-and-somerset"`, "Wiltshire",
		"3 community, 0 prison", "app-bar--w100", "No owner",
		// Regions by their names, not their codes humanised ("South west").
		`<option value="south-west" selected>South West</option>`, "<title>Region: South West")
	glos := p.Body[strings.Index(p.Body, `id="force-gloucestershire"`):]
	if !strings.HasPrefix(glos[strings.Index(glos, `class="app-count"`):], `class="app-count">3<`) {
		t.Errorf("Gloucestershire's live orders are not 3: %.600s", glos)
	}
	if strings.Contains(p.Body, " style=") {
		t.Errorf("bars drawn with style attributes, which the CSP refuses")
	}
	if !hasEntry(e.trail(t, me), "/region", "consultation", 0, "south-west") {
		t.Errorf("the region's consultation is not on the trail")
	}
	p = b.get("/region?region=atlantis")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#region"`, "Choose a region")

	// A force's officer sees only their own force, and no other region.
	chair, _ := e.signedIn(t, "tasking_chair")
	p = chair.get("/region")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `href="/tasking?force=gloucestershire"`)
	if strings.Contains(p.Body, `href="/tasking?force=avon-and-somerset"`) {
		t.Errorf("a Gloucestershire chair sees Avon and Somerset's counts")
	}
	// Only the regions the officer may see are offered; another is not one
	// of them (it was offered, and answered "Page not found").
	if strings.Count(p.Body, "<option value=") != 1 {
		t.Errorf("a Gloucestershire chair is offered regions beyond the south-west")
	}
	wantStatus(t, chair.get("/region?region=london"), http.StatusUnprocessableEntity)
	if strings.Count(b.get("/region").Body, "<option value=") != 1 {
		t.Errorf("a south-west regional lead is offered other regions")
	}
}

func TestPageAuditorFindsWhoOpenedASubject(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, obj{"first_names": "Lewis", "last_name": "Hart"})
	ord := e.order(t, s(sub, "id"), nil)
	iom, iomID := e.named(t, "Sarah Okafor", "gloucestershire", "iom_officer")
	wantStatus(t, iom.send("GET", "/subjects/"+s(sub, "id"), nil, "X-Purpose", "preparing the home visit"), http.StatusOK)
	wantStatus(t, iom.get("/orders/"+s(ord, "id")), http.StatusOK)
	aud, audID := e.named(t, "Graham Ellis", "", "auditor")

	p := aud.get("/audit?subject=" + url.QueryEscape(s(sub, "pnc_id")))
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Sarah Okafor", "GET /subjects/:id", "preparing the home visit", "Lewis Hart", `id="access-log-link"`)
	if strings.Contains(p.Body, ">"+s(sub, "id")) || strings.Contains(p.Body, ">"+iomID) {
		t.Errorf("the trail shows raw IDs")
	}
	log := aud.get("/subjects/" + s(sub, "id") + "/access-log")
	wantStatus(t, log, http.StatusOK)
	wantText(t, log, "Access log", "Lewis Hart", "Sarah Okafor", "preparing the home visit", s(ord, "reference"))

	// Filters: officer and action; an order by its court reference.
	p = aud.get("/audit?officer=" + iomID + "&action=alteration")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "No entries.")
	wantText(t, aud.get("/audit?order="+s(ord, "reference")), "Sarah Okafor", "GET /orders/:id")

	// Bad filters: the error summary, values kept.
	p = aud.get("/audit?subject=12/345&from-day=31&from-month=2&from-year=2026&order=NOPE")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#subject"`, `href="#from"`, `href="#order"`, `value="12/345"`, "Court reference matches no order")
	p = aud.get("/audit?from-day=2&from-month=3&from-year=2026&to-day=1&to-month=3&to-year=2026")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#to"`)

	// A force's auditor sees nothing of another force's subject.
	avon, _ := e.named(t, "Avon Auditor", "avon-and-somerset", "auditor")
	wantStatus(t, avon.get("/subjects/"+s(sub, "id")+"/access-log"), http.StatusNotFound)
	wantText(t, avon.get("/audit?subject="+url.QueryEscape(s(sub, "pnc_id"))), "matches no subject you can see")

	// Only the auditor; and their looking is itself on the trail.
	wantStatus(t, iom.get("/audit"), http.StatusForbidden)
	wantStatus(t, iom.get("/subjects/"+s(sub, "id")+"/access-log"), http.StatusForbidden)
	if !hasEntry(e.trail(t, audID), "/subjects/:id/access-log", "consultation", 0, s(sub, "id")) {
		t.Errorf("the auditor's reading of the access log is not on the trail")
	}
}

func TestPageAdminManagesOfficersAndTokens(t *testing.T) {
	e := newEnv(t)
	adm, admID := e.named(t, "Alex Admin", "", "admin")
	form := adm.get("/officers/new")
	wantStatus(t, form, http.StatusOK)
	csrf := csrfOf(t, form)
	// No roles, a bad email: the error summary, values kept.
	p := adm.post("/officers", url.Values{"csrf_token": {csrf}, "name": {"Priya Shah"}, "email": {"not-an-email"}, "force": {"gloucestershire"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#email"`, `href="#roles"`, `value="Priya Shah"`, `<option value="gloucestershire" selected>`)
	p = adm.post("/officers", url.Values{"csrf_token": {csrf}, "name": {"Priya Shah"}, "email": {"priya.shah@gloucestershire.police.uk"},
		"force": {"gloucestershire"}, "roles": {"iom_officer"}})
	wantStatus(t, p, http.StatusSeeOther)
	loc := p.Header.Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/officers/"), "?done=created")
	page := adm.get(loc)
	wantText(t, page, "Officer added", "Priya Shah", "IOM officer", "No tokens issued.")

	// A token, shown once.
	p = adm.post("/officers/"+id+"/tokens", url.Values{"csrf_token": {csrf}})
	wantStatus(t, p, http.StatusOK)
	tok := regexp.MustCompile(`<code class="app-token">([^<]+)</code>`).FindStringSubmatch(p.Body)
	if tok == nil {
		t.Fatalf("no token shown:\n%s", p.Body)
	}
	want(t, e.do(t, "GET", "/api/v1/me", tok[1], ""), http.StatusOK)
	page = adm.get("/officers/" + id)
	if strings.Contains(page.Body, tok[1]) {
		t.Errorf("the token is shown again")
	}
	revoke := regexp.MustCompile(`action="(/officers/[^"]+/revoke)"`).FindStringSubmatch(page.Body)
	if revoke == nil {
		t.Fatalf("no revoke form")
	}
	wantStatus(t, adm.post(revoke[1], url.Values{"csrf_token": {csrf}}), http.StatusSeeOther)
	want(t, e.do(t, "GET", "/api/v1/me", tok[1], ""), http.StatusUnauthorized)

	// Roles and deactivation; a stale form is refused with the current roles.
	version := versionOf(t, page)
	p = adm.post("/officers/"+id, url.Values{"csrf_token": {csrf}, "version": {version}, "roles": {"iom_officer", "lro"}, "active": {"yes"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, adm.get(p.Header.Get("Location")), "IOM officer, Lead responsible officer")
	p = adm.post("/officers/"+id, url.Values{"csrf_token": {csrf}, "version": {version}, "roles": {"iom_officer"}, "active": {"no"}})
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, "You changed this officer", `value="lro" checked`)
	p = adm.post("/officers/"+id, url.Values{"csrf_token": {csrf}, "version": {versionOf(t, p)}, "roles": {"iom_officer", "lro"}, "active": {"no"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, adm.get("/officers/"+id), `id="officer-status">Deactivated`)

	// Only the admin; a force's admin sees no other force's officer.
	iom, _ := e.signedIn(t, "iom_officer")
	wantStatus(t, iom.get("/officers/new"), http.StatusForbidden)
	wantStatus(t, iom.post("/officers/"+id, url.Values{"csrf_token": {csrf}}), http.StatusForbidden)
	avonAdmin, _ := e.named(t, "Avon Admin", "avon-and-somerset", "admin")
	wantStatus(t, avonAdmin.get("/officers/"+id), http.StatusNotFound)
	// A force's admin is offered their own force only, and no national
	// officer (either would be refused); the national admin every force.
	avonForm := avonAdmin.get("/officers/new")
	wantText(t, avonForm, `<option value="avon-and-somerset"`)
	for _, other := range []string{`<option value="gloucestershire"`, `<option value="">None (national)`} {
		if strings.Contains(avonForm.Body, other) {
			t.Errorf("Avon and Somerset's admin is offered %s", other)
		}
	}
	wantText(t, form, `<option value="">None (national)`, `<option value="gloucestershire"`, `<option value="avon-and-somerset"`)

	trail := e.trail(t, admID)
	if !hasEntry(trail, "/officers", "collection", 0, id) || !hasEntry(trail, "/officers/:id", "alteration", 0, id) {
		t.Errorf("creating and changing the officer are not on the trail: %s", js(trail))
	}
}

func TestPageAdminRunsAndPreviewsJobs(t *testing.T) {
	e := newEnv(t)
	e.order(t, s(e.subject(t, nil), "id"), nil)
	adm, _ := e.named(t, "Alex Admin", "", "admin")
	p := adm.get("/jobs")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Ownership sweep", "Never run")
	csrf := csrfOf(t, p)
	p = adm.post("/jobs/preview", url.Values{"csrf_token": {csrf}, "job": {"ownership-sweep"},
		"as_of-day": {"1"}, "as_of-month": {"1"}, "as_of-year": {"2027"}})
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Preview: Ownership sweep as of 1 January 2027", "would raise 1",
		`<td class="govuk-table__cell">No owner</td><td class="govuk-table__cell govuk-table__cell--numeric">1</td><td class="govuk-table__cell govuk-table__cell--numeric">0</td>`)
	p = adm.post("/jobs/run", url.Values{"csrf_token": {csrf}, "job": {"ownership-sweep"},
		"as_of-day": {"1"}, "as_of-month": {"1"}, "as_of-year": {"2027"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#as_of"`, "must be today or earlier", `value="2027"`)
	p = adm.post("/jobs/run", url.Values{"csrf_token": {csrf}, "job": {"ownership-sweep"},
		"as_of-day": {"25"}, "as_of-month": {"11"}, "as_of-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, adm.get(p.Header.Get("Location")), "Ownership sweep ran", "1 raised")
	// A day before the last run would take the flags back: refused by field.
	p = adm.post("/jobs/run", url.Values{"csrf_token": {csrf}, "job": {"ownership-sweep"},
		"as_of-day": {"1"}, "as_of-month": {"11"}, "as_of-year": {"2026"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#as_of"`, "must not be before the job&#39;s last run, as of 25 November 2026", `value="2026"`)
	// A force's administrator runs no national sweep, is offered none,
	// and reads no national counts.
	glos, _ := e.signedIn(t, "admin")
	jobs := glos.get("/jobs")
	wantText(t, jobs, "Ownership sweep")
	if strings.Contains(jobs.Body, "raised,") || strings.Contains(jobs.Body, `id="job-form"`) {
		t.Errorf("a force's administrator sees the national counts or the run form")
	}
	wantStatus(t, glos.post("/jobs/run", url.Values{"csrf_token": {csrfOf(t, jobs)}, "job": {"ownership-sweep"}}), http.StatusForbidden)
}

// A subject returned to custody (recalled) with an expected release date
// before the day they went back is refused on that field, on the page and
// in the API; it was saved, and the subject stood overdue for release the
// day they were recalled.
func TestReturnToCustodyReleaseNotBeforeIt(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, nil), "id") // in the community
	recall := func(release string) resp {
		return e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, js(obj{"custody": obj{"status": "custody",
			"establishment": "HMP Bristol", "release_date": release, "release_date_type": "CRD"}}))
	}
	r := recall("2026-06-01")
	wantFields(t, r, http.StatusUnprocessableEntity, "custody.release_date")
	if !strings.Contains(r.String(), "must not be before the return to custody") {
		t.Errorf("the refusal: %s", r)
	}
	b, _ := e.signedIn(t, "prison_liaison")
	path := "/subjects/" + sid + "/custody"
	form := b.get(path)
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, `name="began_on-day" type="text" inputmode="numeric" value="25"`)
	p := b.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "version": {versionOf(t, form)}, "establishment": {"HMP Bristol"},
		"release_date-day": {"1"}, "release_date-month": {"6"}, "release_date-year": {"2026"}, "release_date_type": {"CRD"},
		"began_on-day": {"25"}, "began_on-month": {"11"}, "began_on-year": {"2026"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#release_date"`, "must not be before the return to custody (25 November 2026)")
	want(t, recall("2027-06-01"), http.StatusOK)
	// A passed eligibility date (PED) is no overdue release: accepted.
	other := s(e.subject(t, nil), "id")
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+other, e.admin, js(obj{"custody": obj{"status": "custody",
		"establishment": "HMP Bristol", "release_date": "2026-06-01", "release_date_type": "PED"}})), http.StatusOK)
	// ... and the subject's page says so, not "Overdue".
	pg := b.get("/subjects/" + other)
	wantText(t, pg, "Eligible, not yet released")
	if custody := pg.Body[strings.Index(pg.Body, `id="custody"`):]; strings.Contains(custody[:strings.Index(custody, "</dd>")], "Overdue") {
		t.Errorf("a passed PED is shown as an overdue release")
	}
}

// A national administrator moves an officer to another force from the
// officer's page; their ownership of the old force's order ends, as through
// the API. A force's administrator is offered no force to move them to.
func TestPageAdminMovesAnOfficerToAnotherForce(t *testing.T) {
	e := newEnv(t)
	adm, _ := e.named(t, "Alex Admin", "", "admin")
	iom := e.officer(t, "iom_officer")
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": iom, "reason": "Allocated."})),
		http.StatusOK)
	page := adm.get("/officers/" + iom)
	wantText(t, page, `<select class="govuk-select" id="force" name="force"`, `<option value="gloucestershire" selected>`)
	p := adm.post("/officers/"+iom, url.Values{"csrf_token": {csrfOf(t, page)}, "version": {versionOf(t, page)},
		"force": {"atlantis"}, "roles": {"iom_officer"}, "active": {"yes"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#force"`)
	p = adm.post("/officers/"+iom, url.Values{"csrf_token": {csrfOf(t, page)}, "version": {versionOf(t, page)},
		"force": {"dorset"}, "roles": {"iom_officer"}, "active": {"yes"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, adm.get(p.Header.Get("Location")), "Dorset Police")
	if r := e.do(t, "GET", "/api/v1/orders/"+ord, e.admin, ""); s(r.Body, "owners.iom") != "<nil>" {
		t.Errorf("the moved officer still owns the Gloucestershire order: %s", r)
	}
	glos, _ := e.signedIn(t, "admin")
	if strings.Contains(glos.get("/officers/"+e.officer(t, "lro")).Body, `id="force" name="force"`) {
		t.Errorf("a force's administrator is offered to move an officer to another force")
	}
}

// An officer moved to another force can no longer act on the old force's
// orders: their open actions there are cancelled, saying why, and they are
// told (left open, the actions stood overdue with nobody able to close them).
func TestOfficerMovedForceEndsTheirActions(t *testing.T) {
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { store = c.Store.(*postgres.Store) })
	chair := e.token(t, acOfficer(t, e, "gloucestershire", "tasking_chair"))
	iom := acOfficer(t, e, "gloucestershire", "iom_officer")
	ord := s(e.order(t, s(e.subject(t, nil), "id"), obj{"made_on": "2026-10-01", "starts_on": "2026-10-01"}), "id")
	// A meeting a fortnight ago gave an action, overdue since the 12th.
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": "2026-11-10"})), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": "2026-11-10"}))
	want(t, m, http.StatusCreated)
	var item string
	for _, it := range m.Body["agenda"].([]any) {
		if s(it, "order_id") == ord {
			item = s(it, "id")
		}
	}
	act := e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions", chair, js(obj{"item_id": item,
		"decision": "action", "action_by": iom, "due_by": "2026-11-12", "notes": "Visit."}))
	want(t, act, http.StatusCreated)
	want(t, e.do(t, "POST", "/api/v1/jobs/review-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	if f := llOpenFlags(t, e, ord); !slices.Contains(f, "action_overdue") {
		t.Fatalf("the overdue action is not flagged: %v", f)
	}
	want(t, e.do(t, "PATCH", "/api/v1/officers/"+iom, e.admin, js(obj{"force": "dorset"})), http.StatusOK)
	r := e.do(t, "GET", "/api/v1/actions?assignee="+iom+"&status=cancelled", e.admin, "")
	if its := items(r); len(its) != 1 || s(its[0], "id") != s(act.Body, "id") || !strings.Contains(r.String(), "the officer moved to Dorset Police") {
		t.Errorf("the moved officer's action: %s", r)
	}
	// The flag ends with the action, in the same change, and they are told.
	if f := llOpenFlags(t, e, ord); slices.Contains(f, "action_overdue") {
		t.Errorf("the cancelled action is still flagged overdue: %v", f)
	}
	var told int64
	if err := store.DB().Raw(`SELECT count(*) FROM notification_events WHERE officer_id = ? AND kind = ?`, iom,
		domain.EventActionCancelled).Scan(&told).Error; err != nil || told != 1 {
		t.Errorf("the officer was told %d times (%v), want once", told, err)
	}
}

// Find takes a prison number however it is typed, and a name without its
// accents or apostrophe.
func TestPageFindAsTyped(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, obj{"first_names": "Siobhán", "last_name": "O'Connor", "prison_number": "A4821KD"}), "id")
	b, _ := e.signedIn(t, "iom_officer")
	p := b.get("/find?q=" + url.QueryEscape("'"))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "Search for a name, PNC ID, prison number or court reference")
	for _, q := range []string{"a4821kd", "A4821KD", "siobhan oconnor"} {
		p := b.get("/find?q=" + url.QueryEscape(q))
		wantStatus(t, p, http.StatusOK)
		wantText(t, p, "/subjects/"+sid)
	}
}

// A recall recorded a few days late gives the day it began: the spell, its
// release bounds and the history start then, not on the day it was typed.
// The form offers today and takes another day; the day is refused in the
// future, before the last release, or over a year ago.
func TestReturnToCustodyOnTheDayGiven(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, nil), "id") // in the community
	recall := func(began string) resp {
		return e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, js(obj{"custody": obj{"status": "custody",
			"establishment": "HMP Bristol", "began_on": began}}))
	}
	for _, bad := range []string{"2026-11-26", "2025-11-01"} {
		wantFields(t, recall(bad), http.StatusUnprocessableEntity, "custody.began_on")
	}
	want(t, recall("2026-11-20"), http.StatusOK)
	hist := e.do(t, "GET", "/api/v1/subjects/"+sid+"/custody-history", e.admin, "")
	want(t, hist, http.StatusOK)
	if !strings.Contains(string(hist.Raw), `"began_on":"2026-11-20"`) {
		t.Errorf("the spell does not begin on the day given: %s", hist.Raw)
	}
	// Released the day after it began, recorded now: accepted (the spell
	// began on the 20th, not today).
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, js(obj{"custody": obj{"status": "community",
		"released_on": "2026-11-21"}})), http.StatusOK)
	// Not before that release.
	wantFields(t, recall("2026-11-20"), http.StatusUnprocessableEntity, "custody.began_on")
	// Corrected while in custody: kept in the period's changes.
	want(t, recall("2026-11-23"), http.StatusOK)
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, js(obj{"custody": obj{"began_on": "2026-11-22"}})), http.StatusOK)
	b, _ := e.signedIn(t, "prison_liaison")
	wantText(t, b.get("/subjects/"+sid), "in custody from 23 November 2026 to 22 November 2026")
	// Only with a return to custody or while in custody.
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, js(obj{"custody": obj{"status": "community",
		"released_on": "2026-11-24"}})), http.StatusOK)
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+sid, e.admin, js(obj{"custody": obj{"began_on": "2026-11-24"}})),
		http.StatusUnprocessableEntity, "custody.began_on")

	// The page: a day typed in the form.
	other := s(e.subject(t, nil), "id")
	path := "/subjects/" + other + "/custody"
	form := b.get(path)
	p := b.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "version": {versionOf(t, form)}, "establishment": {"HMP Leyhill"},
		"began_on-day": {"29"}, "began_on-month": {"11"}, "began_on-year": {"2026"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#began_on"`, "must not be in the future")
	p = b.post(path, url.Values{"csrf_token": {csrfOf(t, form)}, "version": {versionOf(t, form)}, "establishment": {"HMP Leyhill"},
		"began_on-day": {"22"}, "began_on-month": {"11"}, "began_on-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get("/subjects/"+other), "22 November 2026")
}
