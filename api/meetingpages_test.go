package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// The chair holds a meeting in the pages: starts it, records who was
// there, allocates an owner inline (an error first, shown in the summary
// with the values kept), signs, and prints the minutes; another force's
// meeting is 404.
func TestPageChairHoldsAMeeting(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	vwSweep(t, e, today)
	b, chairID := e.signedIn(t, "tasking_chair")

	list := b.get("/meetings")
	wantStatus(t, list, http.StatusOK)
	wantText(t, list, "Start a meeting")
	p := b.post("/meetings", url.Values{"csrf_token": {csrfOf(t, list)}, "force": {"gloucestershire"},
		"held_on-day": {"24"}, "held_on-month": {"11"}, "held_on-year": {"2025"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "There is a problem", "Date of the meeting must not be more than 365 days ago")
	p = b.post("/meetings", url.Values{"csrf_token": {csrfOf(t, list)}, "force": {"gloucestershire"},
		"held_on-day": {"25"}, "held_on-month": {"11"}, "held_on-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	loc := p.Header.Get("Location")
	mpath, _, _ := strings.Cut(loc, "?")
	// An officer on leave is shown as away where owners and actions are named.
	want(t, e.do(t, "POST", "/api/v1/officers/"+f.a+"/absences", e.admin,
		js(obj{"kind": "annual_leave", "starts_on": today, "ends_on": "2026-12-04"})), http.StatusCreated)
	m := b.get(loc)
	wantStatus(t, m, http.StatusOK)
	wantText(t, m, "Meeting started", "G-002", "Bella Brown", "Review overdue", "87 days overdue", "release in 96 days",
		`href="/workload?force=gloucestershire"`)
	if strings.Index(m.Body, "G-002") > strings.Index(m.Body, "G-003") {
		t.Errorf("the most overdue order is not first")
	}
	tok := csrfOf(t, m)

	p = b.post(mpath+"/attendance", url.Values{"csrf_token": {tok}, "chair_id": {chairID}, "attendee": {f.a},
		"others": {"Pat Probation, Probation Service"}, "apologies": {"Gil Governor"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, "Apologies write each person as Name, Organisation", "Pat Probation, Probation Service")
	p = b.post(mpath+"/attendance", url.Values{"csrf_token": {tok}, "chair_id": {chairID}, "attendee": {f.a},
		"others": {"Pat Probation, Probation Service"}, "apologies": {"Gil Governor, HMP Bristol"}})
	wantStatus(t, p, http.StatusSeeOther)

	// G-003 is fourth on the agenda (n=3).
	m = b.get(mpath)
	// Saving attendance replaces it whole: the form starts from what is
	// recorded, or a second save (a late arrival) wiped the rest.
	wantText(t, m, `value="`+f.a+`" checked>`, "Pat Probation, Probation Service</textarea>", "Gil Governor, HMP Bristol</textarea>")
	// G-003's card links to its decision page: the officers who may own
	// or act, the one on leave shown as away.
	dpath := decisionPath(t, m.Body, f.o3)
	dp := b.get(dpath)
	wantStatus(t, dp, http.StatusOK)
	wantText(t, dp, "Record a decision on G-003", " (away until 4 December 2026)</option>", `href="/meetings/`+
		strings.TrimPrefix(mpath, "/meetings/")+`#order-`+f.o3+`" class="govuk-back-link"`)
	item := formItem(t, dp.Body)
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "item_id": {item},
		"decision": {"assign_owner"}, "role": {"iom"}, "notes": {"Allocated before release."}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#officer_id"`, `id="officer_id-error"`, "New owner is required",
		"Allocated before release.</textarea>", `<option value="iom" selected>`, "Record a decision on G-003")
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "item_id": {item},
		"decision": {"assign_owner"}, "role": {"iom"}, "officer_id": {f.x}, "notes": {"Allocated before release."}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := vwOrderOwner(t, e, f.o3, "iom"); got != f.x {
		t.Errorf("G-003 owner %s, want %s", got, f.x)
	}
	if loc := p.Header.Get("Location"); !strings.HasPrefix(loc, mpath+"?") || !strings.HasSuffix(loc, "#order-"+f.o3) {
		t.Errorf("after the decision, back to %q, want G-003's place on the meeting's page", loc)
	}
	wantText(t, b.get(p.Header.Get("Location")), "Decision recorded for G-003")
	// An officer who reads the meeting but does not decide has no link to
	// the decision page, nor the page.
	reader := e.signedInAs(t, f.a)
	if rp := reader.get(mpath); rp.Status != http.StatusOK || strings.Contains(rp.Body, "/decision\"") {
		t.Errorf("a reader's meeting page: %d, with a link to record a decision: %v", rp.Status, strings.Contains(rp.Body, "/decision\""))
	}
	wantStatus(t, reader.get(dpath), http.StatusForbidden)
	// The order is the page's, never the form's: an order not on the
	// agenda has no decision page.
	for _, method := range []string{"GET", "POST"} {
		wantStatus(t, b.send(method, mpath+"/orders/01a22ddd-a4aa-7cc1-90d8-f29ca228a5e5/decision",
			url.Values{"csrf_token": {tok}, "decision": {"note"}, "notes": {"Noted."}}), http.StatusNotFound)
	}
	p = b.post(mpath+"/sign-off", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	m = b.get(mpath + "?done=signed")
	wantText(t, m, "Minutes signed", "Pat Probation", "Gil Governor")
	// Signed: a decision is an amendment, and says why.
	dp = b.get(dpath)
	wantText(t, dp, "Reason for the amendment", "recorded as an amendment")
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "item_id": {item}, "decision": {"note"}, "notes": {"Late news."}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#reason"`, `id="reason-error"`, "Late news.</textarea>")
	p = b.post(dpath, url.Values{"csrf_token": {tok}, "item_id": {item}, "decision": {"note"}, "notes": {"Late news."},
		"reason": {"Heard after the meeting."}})
	wantStatus(t, p, http.StatusSeeOther)
	wantText(t, b.get(p.Header.Get("Location")), "Amendment</strong> Heard after the meeting.")

	pr := b.get(mpath + "/minutes")
	wantStatus(t, pr, http.StatusOK)
	wantText(t, pr, "@media print", "Carl Cole", "G-003", "Probation Service", "Minutes signed by",
		"Sensitive tasking meeting: Gloucestershire Constabulary, 25 November 2026", "Owner allocated</span>: ",
		" as IOM officer. Allocated before release.",
		"No owner")
	for _, code := range []string{"assign owner", ">unowned", "iom owner"} {
		if strings.Contains(pr.Body, code) {
			t.Errorf("the printable minutes show the code %q", code)
		}
	}
	csvP := b.get(mpath + "/minutes.csv")
	wantStatus(t, csvP, http.StatusOK)
	if !strings.HasPrefix(csvP.Header.Get("Content-Type"), "text/csv") || strings.Contains(csvP.Body, f.o3) {
		t.Errorf("minutes CSV %s\n%s", csvP.Header, csvP.Body)
	}
	r := e.do(t, "GET", "/api/v1/meetings/"+strings.TrimPrefix(mpath, "/meetings/"), e.admin, "")
	if shared, _ := r.Body["shared_with"].([]any); len(shared) != 2 {
		t.Errorf("shared_with %v", r.Body["shared_with"])
	}

	// Another force's meeting is not there for this chair.
	other := e.create(t, "/api/v1/meetings", obj{"force": "dorset", "held_on": today})
	wantStatus(t, b.get("/meetings/"+s(other, "id")), http.StatusNotFound)
	wantStatus(t, b.get("/meetings/"+s(other, "id")+"/orders/"+f.o3+"/decision"), http.StatusNotFound)
	wantStatus(t, b.get("/meetings/"+s(other, "id")+"/minutes"), http.StatusNotFound)
}

// formItem is the item_id a browser sends with the decision form of card
// (an order's decision page): the hidden item of an order on the agenda
// for one reason, else the item chosen in the form's list (selected, or
// its first option).
func formItem(t *testing.T, card string) string {
	t.Helper()
	if end := strings.Index(card[1:], `class="govuk-summary-card"`); end > 0 {
		card = card[:end+1]
	}
	if m := regexp.MustCompile(`name="item_id" value="([^"]*)"`).FindStringSubmatch(card); m != nil {
		return m[1]
	}
	sel := regexp.MustCompile(`(?s)<select[^>]*name="item_id"[^>]*>(.*?)</select>`).FindStringSubmatch(card)
	if sel == nil {
		t.Fatalf("no decision form on the card")
	}
	opts := regexp.MustCompile(`<option value="([^"]*)"( selected)?>`).FindAllStringSubmatch(sel[1], -1)
	for _, o := range opts {
		if o[2] != "" {
			return o[1]
		}
	}
	return opts[0][1]
}

// decisionPath is the address of order's decision page, from its card on
// the meeting's page body.
func decisionPath(t *testing.T, body, order string) string {
	t.Helper()
	m := regexp.MustCompile(`href="(/meetings/[0-9a-f-]{36}/orders/` + order + `/decision)" role="button"`).
		FindStringSubmatch(orderCard(t, body, order))
	if m == nil {
		t.Fatalf("order %s's card has no link to record a decision", order)
	}
	return m[1]
}

// orderCard is the page from order's card on.
func orderCard(t *testing.T, body, order string) string {
	t.Helper()
	i := strings.Index(body, `id="order-`+order+`"`)
	if i < 0 {
		t.Fatalf("order %s has no card on the page", order)
	}
	return body[i:]
}

// A decision is filed against the agenda item it answers: left to the
// decision, an owner allocated answers the order's "No owner" and a check
// scheduled its overdue check, whatever the order's first reason; the
// chair may name the item. The form sent the order's first reason with
// every decision, so each allocation read "Review overdue: Owner
// allocated" in the minutes and the subject's export.
func TestPageDecisionFiledAgainstTheItemItAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := s(e.subject(t, nil), "id")
	ord := s(e.order(t, sub, obj{"made_on": "2026-05-20", "starts_on": "2026-06-01"}), "id")
	want(t, e.do(t, "POST", "/api/v1/orders/"+ord+"/checks", e.admin,
		js(obj{"kind": "home_visit", "due_on": "2026-11-15"})), http.StatusCreated)
	vwSweep(t, e, today)
	owner := e.officer(t, "iom_officer")
	b, _ := e.signedIn(t, "tasking_chair")
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	mid := s(m.Body, "id")
	kinds := map[string]string{} // item → kind
	for _, it := range m.Body["agenda"].([]any) {
		if s(it, "order_id") == ord {
			kinds[s(it, "id")] = s(it, "kind")
		}
	}
	if len(kinds) != 3 {
		t.Fatalf("the order is on the agenda for %v, want an overdue check and review, and no owner", kinds)
	}
	dpath := decisionPath(t, b.get("/meetings/"+mid).Body, ord)
	page := b.get(dpath)
	wantStatus(t, page, http.StatusOK)
	wantText(t, page, "Agenda item it answers", "The one the decision answers")
	decide := func(fields url.Values) {
		t.Helper()
		form := url.Values{"csrf_token": {csrfOf(t, page)}, "item_id": {formItem(t, page.Body)}}
		for k, v := range fields {
			form[k] = v
		}
		wantStatus(t, b.post(dpath, form), http.StatusSeeOther)
	}
	decide(url.Values{"decision": {"assign_owner"}, "role": {"iom"}, "officer_id": {owner}})
	decide(url.Values{"decision": {"schedule_check"}, "check_kind": {"home_visit"},
		"check_due_on-day": {"10"}, "check_due_on-month": {"12"}, "check_due_on-year": {"2026"}})
	decide(url.Values{"decision": {"note"}, "notes": {"Left to the decision."}})
	for item, kind := range kinds {
		if kind == "review_overdue" {
			decide(url.Values{"decision": {"note"}, "notes": {"On the review."}, "item_id": {item}})
		}
	}
	got := map[string]string{}
	exp := e.do(t, "GET", "/api/v1/subjects/"+sub+"/export", e.admin, "")
	want(t, exp, http.StatusOK)
	decisions, _ := get(exp.Body, "orders.0.meeting_decisions").([]any)
	for _, d := range decisions {
		got[s(d, "decision.decision")+" "+s(d, "decision.notes")] = s(d, "item_kind")
	}
	wantKinds := map[string]string{"assign_owner <nil>": "unowned", "schedule_check <nil>": "check_overdue",
		"note Left to the decision.": "check_overdue", "note On the review.": "review_overdue"}
	if diff := cmp.Diff(wantKinds, got); diff != "" {
		t.Errorf("the decisions' agenda items in the subject's export (-want +got):\n%s", diff)
	}
}

// A decision reads the same on the meeting page and in the printable
// minutes, in words: the page wrote "Action; Officer to act" and the
// minutes "Action ; action for Officer".
func TestPageAndMinutesWordADecisionAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	actor := e.officer(t, "iom_officer")
	name := s(e.do(t, "GET", "/api/v1/officers/"+actor, e.admin, "").Body, "name")
	b, _ := e.signedIn(t, "tasking_chair")
	m, _ := e.decideOnUnowned(t, e.admin, "gloucestershire", ord, obj{"decision": "action", "action_by": actor,
		"due_by": "2026-12-03", "notes": "Visit the address."})
	words := ": " + name + " to act by 3 December 2026 (open). Visit the address."
	wantText(t, b.get("/meetings/"+s(m, "id")), "<strong>Action</strong>"+words)
	wantText(t, b.get("/meetings/"+s(m, "id")+"/minutes"), `<span class="tag">Action</span>`+words)
}

// The meeting page shows who owns an order by role and which roles are
// missing, offers to allocate the missing one, offers as owners only the
// officers who hold the role's officer role (with what each holds) and as
// officers to act only those who can, and replaces an owner only when the
// chair confirms it; the minutes say who was replaced. The card said only
// "No owner", the form offered the IOM officer and every officer of the
// force (the auditor too), and allocating an IOM officer silently ended
// the IOM owner's assignment while the LRO stayed missing.
func TestPageMeetingAllocatesTheMissingOwnerAndConfirmsAReplacement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want(t, e.do(t, "PUT", "/api/v1/forces/gloucestershire/policy", e.admin, js(obj{"required_roles": []string{"iom", "lro"}})),
		http.StatusOK)
	amy := e.officerIn(t, "gloucestershire", "Amy O'Neill", "iom_officer")
	ben := e.officerIn(t, "gloucestershire", "Ben Bright", "iom_officer")
	lara := e.officerIn(t, "gloucestershire", "Lara Lane", "lro")
	auditor := e.officerIn(t, "gloucestershire", "Aude Auditor", "auditor")
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+ord+"/owners/iom", e.admin, js(obj{"officer_id": amy, "reason": "Allocated."})),
		http.StatusOK)
	b, _ := e.signedIn(t, "tasking_chair")
	m, _ := e.meetingOn(t, ord)
	mid := s(m.Body, "id")
	page := b.get("/meetings/" + mid)
	wantStatus(t, page, http.StatusOK)
	card := orderCard(t, page.Body, ord)
	owners := regexp.MustCompile(`(?s)<dl class="govuk-summary-list govuk-summary-list--no-border" id="owners-` + ord + `">(.*?)</dl>`).
		FindStringSubmatch(card)
	if owners == nil || !regexp.MustCompile(`IOM officer</dt><dd class="govuk-summary-list__value">Amy O&#39;Neill, since`).MatchString(owners[1]) ||
		!strings.Contains(owners[1], `Lead responsible officer</dt><dd class="govuk-summary-list__value"><strong class="govuk-tag govuk-tag--red">Missing</strong>`) {
		t.Errorf("the card does not show the IOM owner and the missing LRO: %v", owners)
	}
	// The card links to the order's decision page, which offers the
	// officers.
	dpath := decisionPath(t, page.Body, ord)
	card = b.get(dpath).Body
	if !strings.Contains(card, `<option value="lro" selected>Lead responsible officer (missing)</option>`) {
		t.Errorf("the owner role does not start on the missing LRO")
	}
	group := func(body, role string) string {
		m := regexp.MustCompile(`(?s)<optgroup label="[^"]*" data-app-owner-role="` + role + `">(.*?)</optgroup>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s officers offered as owner", role)
		}
		return m[1]
	}
	if iom, lro := group(card, "iom"), group(card, "lro"); !strings.Contains(iom, ben) || !strings.Contains(iom, amy) ||
		strings.Contains(iom, lara) || !strings.Contains(lro, lara) || strings.Contains(lro, ben) || !strings.Contains(iom, "Ben Bright: holds 0") {
		t.Errorf("owners offered by role: IOM %s\nLRO %s", iom, lro)
	}
	for _, name := range []string{"officer_id", "action_by"} {
		sel := regexp.MustCompile(`(?s)<select[^>]*name="` + name + `"[^>]*>(.*?)</select>`).FindStringSubmatch(card)
		if sel == nil || strings.Contains(sel[1], auditor) {
			t.Errorf("the auditor is offered as %s (or there is no such list)", name)
		}
	}
	if !strings.Contains(card, `<label class="govuk-label govuk-checkboxes__label" for="replaces_iom">This replaces Amy O&#39;Neill as IOM officer</label>`) {
		t.Errorf("the decision page does not offer to confirm replacing the IOM owner")
	}

	form := func(fields url.Values) url.Values {
		f := url.Values{"csrf_token": {csrfOf(t, page)}, "item_id": {formItem(t, card)}}
		for k, v := range fields {
			f[k] = v
		}
		return f
	}
	// Not confirmed: refused, naming who would be replaced.
	p := b.post(dpath, form(url.Values{"decision": {"assign_owner"}, "role": {"iom"}, "officer_id": {ben}}))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#replaces_iom"`, "This replaces Amy O&#39;Neill as IOM officer: confirm the replacement",
		`id="replaces_iom-error"`, `<option value="iom" selected>`, `<option value="`+ben+`" selected>`)
	if got := vwOrderOwner(t, e, ord, "iom"); got != amy {
		t.Errorf("a refused allocation made %s the IOM owner", got)
	}
	// An auditor cannot act, and is refused.
	p = b.post(dpath, form(url.Values{"decision": {"action"}, "action_by": {auditor}, "notes": {"Look."},
		"due_by-day": {"3"}, "due_by-month": {"12"}, "due_by-year": {"2026"}}))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#action_by"`, "none of the roles that act", `name="due_by-month" type="text" inputmode="numeric" value="12"`)
	// Confirmed: Ben replaces Amy; the missing LRO needs no confirming.
	wantStatus(t, b.post(dpath, form(url.Values{"decision": {"assign_owner"}, "role": {"iom"},
		"officer_id": {ben}, "replaces_iom": {amy}})), http.StatusSeeOther)
	wantStatus(t, b.post(dpath, form(url.Values{"decision": {"assign_owner"}, "role": {"lro"},
		"officer_id": {lara}})), http.StatusSeeOther)
	if iom, lro := vwOrderOwner(t, e, ord, "iom"), vwOrderOwner(t, e, ord, "lro"); iom != ben || lro != lara {
		t.Errorf("owners IOM %s, LRO %s; want Ben and Lara", iom, lro)
	}
	r := e.do(t, "GET", "/api/v1/meetings/"+mid, e.admin, "")
	want(t, r, http.StatusOK)
	replaced := map[string]string{}
	for _, d := range get(r.Body, "orders.0.decisions").([]any) {
		replaced[s(d, "role")] = s(d, "replaced.id")
	}
	if diff := cmp.Diff(map[string]string{"iom": amy, "lro": "<nil>"}, replaced); diff != "" {
		t.Errorf("the decisions' replaced owners (-want +got):\n%s", diff)
	}
	if s(r.Body, "orders.0.owners.iom.id") != ben || s(r.Body, "orders.0.owners.lro.id") != lara {
		t.Errorf("the agenda's owners: %v", get(r.Body, "orders.0.owners"))
	}
	words := ": Ben Bright as IOM officer, replacing Amy O&#39;Neill"
	after := b.get("/meetings/" + mid)
	wantText(t, after, "<strong>Owner allocated</strong>"+words, "<strong>Owner allocated</strong>: Lara Lane as Lead responsible officer\n")
	if strings.Contains(orderCard(t, after.Body, ord), "Missing</strong>") {
		t.Errorf("the card still shows a role missing")
	}
	wantText(t, b.get("/meetings/"+mid+"/minutes"), `<span class="tag">Owner allocated</span>`+words)
	rows, err := csv.NewReader(strings.NewReader(b.get("/meetings/" + mid + "/minutes.csv").Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "owner_replaced")
	found := false
	for _, row := range rows[1:] {
		found = found || col >= 0 && row[col] == "Amy O'Neill"
	}
	if !found {
		t.Errorf("the minutes CSV does not say Amy O'Neill was replaced: %v", rows)
	}
	// The API's allocation replaces the holder as PUT owners does (its
	// contract is unchanged), and says whom it replaced.
	lee := e.officerIn(t, "gloucestershire", "Lee Long", "lro")
	d := e.do(t, "POST", "/api/v1/meetings/"+mid+"/decisions", e.admin, js(obj{"item_id": formItem(t, card),
		"decision": "assign_owner", "role": "lro", "officer_id": lee}))
	want(t, d, http.StatusCreated)
	if s(d.Body, "replaced.id") != lara || s(d.Body, "replaced.name") != "Lara Lane" {
		t.Errorf("the API's allocation replaced %v, want Lara Lane", get(d.Body, "replaced"))
	}
}

// A force's agenda longer than a page comes a hundred orders at a time,
// worst first: the page says how many of how many it shows, links the
// next page and back to the first, and a decision recorded on a later
// page returns to that page.
func TestPageMeetingAgendaComesInPages(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000; store = c.Store.(*postgres.Store) })
	ctx := context.Background()
	day, _ := domain.ParseDate(today)
	if _, err := store.GenerateOrders(ctx, 9000, day); err != nil {
		t.Fatal(err)
	}
	vwSweep(t, e, today)
	b, _ := e.signedIn(t, "tasking_chair")
	list := b.get("/meetings")
	p := b.post("/meetings", url.Values{"csrf_token": {csrfOf(t, list)}, "force": {"gloucestershire"},
		"held_on-day": {"25"}, "held_on-month": {"11"}, "held_on-year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	first := b.get(p.Header.Get("Location"))
	wantStatus(t, first, http.StatusOK)
	total := regexp.MustCompile(`Showing 100 of (\d+) orders, the worst first`).FindStringSubmatch(first.Body)
	if total == nil {
		t.Fatalf("the first page does not say it shows 100 of the agenda's orders:\n%s", first.Body)
	}
	next := regexp.MustCompile(`href="(/meetings/[^"?]+\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(first.Body)
	if next == nil || strings.Contains(first.Body, "First page") {
		t.Fatalf("the first page links no next page, or links a first page")
	}
	second := b.get(html.UnescapeString(next[1]))
	wantStatus(t, second, http.StatusOK)
	wantText(t, second, "Showing orders 101 to ", "of "+total[1]+" orders", "First page", `101. <a class="govuk-link"`)
	refs := regexp.MustCompile(`<a class="govuk-link" href="/orders/([0-9a-f-]+)">`)
	onFirst := map[string]bool{}
	for _, m := range refs.FindAllStringSubmatch(first.Body, -1) {
		onFirst[m[1]] = true
	}
	later := refs.FindAllStringSubmatch(second.Body, -1)
	if len(onFirst) != 100 || len(later) == 0 {
		t.Fatalf("%d orders on the first page, %d on the second", len(onFirst), len(later))
	}
	for _, m := range later {
		if onFirst[m[1]] {
			t.Fatalf("order %s is on both pages", m[1])
		}
	}
	// A decision on the second page comes back to it, at the order.
	order := later[0][1]
	nextURL, _ := url.Parse(html.UnescapeString(next[1]))
	dpath := decisionPath(t, second.Body, order)
	form := b.get(dpath)
	wantStatus(t, form, http.StatusOK)
	wantText(t, form, "order 101 of "+total[1], `href="`+html.EscapeString(nextURL.String())+`#order-`+order+`" class="govuk-back-link"`)
	d := b.post(dpath, url.Values{"csrf_token": {csrfOf(t, form)}, "item_id": {formItem(t, form.Body)},
		"decision": {"note"}, "notes": {"Discussed."}})
	wantStatus(t, d, http.StatusSeeOther)
	loc, err := url.Parse(d.Header.Get("Location"))
	if err != nil || loc.Path != nextURL.Path || loc.Query().Get("cursor") != nextURL.Query().Get("cursor") ||
		loc.Fragment != "order-"+order {
		t.Errorf("after a decision on the second page: %s; want %s at the order", d.Header.Get("Location"), nextURL)
	}
	back := b.get(d.Header.Get("Location"))
	wantText(t, back, "Showing orders 101 to ", "Decision recorded for ", `id="order-`+order+`"`)
}

// The meeting's page is bounded by the orders it shows, not by the
// force's staff: an order's card carries its owners, reasons and
// decisions and a link to its decision page, which offers the officers
// who may own or act once. Every card carried a decision form with every
// officer list: 1.06 MB for a page of 100 orders in a force of six
// officers (its JSON is 127 KB), growing with the force's officers times
// the orders shown.
func TestPageMeetingCarriesNoOfficerListPerOrder(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000; store = c.Store.(*postgres.Store) })
	day, _ := domain.ParseDate(today)
	if _, err := store.GenerateOrders(context.Background(), 9000, day); err != nil {
		t.Fatal(err)
	}
	vwSweep(t, e, today)
	b, _ := e.signedIn(t, "tasking_chair")
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	mid := s(m.Body, "id")
	officers := func() int {
		r := e.do(t, "GET", "/api/v1/officers?force=gloucestershire&limit=500", e.admin, "")
		want(t, r, http.StatusOK)
		return len(items(r))
	}
	before, staff := b.get("/meetings/"+mid), officers()
	wantStatus(t, before, http.StatusOK)
	cards := regexp.MustCompile(`<div class="govuk-summary-card" id="order-([0-9a-f-]{36})">`).FindAllStringSubmatch(before.Body, -1)
	if len(cards) != 100 {
		t.Fatalf("the meeting's page shows %d orders, want a page of 100", len(cards))
	}
	// Forty officers more who may own an order or act on it (none chairs).
	var added []string
	for i := range 40 {
		added = append(added, e.officerIn(t, "gloucestershire", fmt.Sprintf("Added Officer %02d", i),
			[]string{"iom_officer", "lro", "orders_officer"}[i%3]))
	}
	after := b.get("/meetings/" + mid)
	wantStatus(t, after, http.StatusOK)
	t.Logf("the meeting's page of %d orders: %d bytes with %d officers in the force, %d bytes with %d",
		len(cards), len(before.Body), staff, len(after.Body), officers())
	// The page names each officer once more at most, to record who was
	// there (twice: present, or sent apologies); no list per order.
	if grew := len(after.Body) - len(before.Body); grew > 40*2000 {
		t.Errorf("40 officers more made the page %d bytes longer: it grows with the orders times the force's officers", grew)
	}
	if n, was := strings.Count(after.Body, "<option"), strings.Count(before.Body, "<option"); n != was {
		t.Errorf("40 officers more (none may chair) added %d options to the page", n-was)
	}
	for i, c := range cards {
		card := orderCard(t, after.Body, c[1])
		if i+1 < len(cards) {
			card = card[:strings.Index(card, `id="order-`+cards[i+1][1]+`"`)]
		}
		if strings.Contains(card, "<select") || strings.Contains(card, "<option") {
			t.Fatalf("order %d's card carries a list:\n%s", i+1, card)
		}
		if !strings.Contains(card, `href="/meetings/`+mid+`/orders/`+c[1]+`/decision" role="button"`) {
			t.Fatalf("order %d's card has no link to record a decision on it:\n%s", i+1, card)
		}
	}
	// The decision page offers them, once each where an owner is chosen
	// and where an officer is named to act.
	form := b.get("/meetings/" + mid + "/orders/" + cards[0][1] + "/decision")
	wantStatus(t, form, http.StatusOK)
	t.Logf("an order's decision page: %d bytes", len(form.Body))
	for _, id := range added {
		if n := strings.Count(form.Body, `<option value="`+id+`"`); n != 2 {
			t.Errorf("officer %s is offered %d times on the decision page, want twice (new owner, officer to act)", id, n)
		}
	}
}

// The minutes are one file however long the agenda: read and disclosed a
// page of orders at a time (three here), each page's orders and subjects
// named on an entry of the download's own before the page is sent, and
// every order of the agenda in the file once.
func TestMinutesComeAPageAtATime(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) {
		c.FailedAuthBurst, c.MinutesPage = 1_000_000, 3
		store = c.Store.(*postgres.Store)
	})
	day, _ := domain.ParseDate(today)
	if _, err := store.GenerateOrders(context.Background(), 1200, day); err != nil {
		t.Fatal(err)
	}
	vwSweep(t, e, today)
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	all := e.do(t, "GET", "/api/v1/meetings/"+s(m.Body, "id")+"?limit=500", e.admin, "")
	want(t, all, http.StatusOK)
	orders := get(all.Body, "orders").([]any)
	if len(orders) < 8 || s(all.Body, "next_cursor") != "<nil>" || s(all.Body, "summary.orders") != fmt.Sprint(len(orders)) {
		t.Fatalf("the agenda: %d orders, summary %v, next %s", len(orders), get(all.Body, "summary"), s(all.Body, "next_cursor"))
	}
	// Through the API too, a page of three orders at a time, following
	// next_cursor, gives the agenda's orders once each, in its order.
	var paged []any
	cursor := ""
	for range len(orders) {
		p := e.do(t, "GET", "/api/v1/meetings/"+s(m.Body, "id")+"?limit=3&cursor="+url.QueryEscape(cursor), e.admin, "")
		want(t, p, http.StatusOK)
		paged = append(paged, get(p.Body, "orders").([]any)...)
		if cursor = s(p.Body, "next_cursor"); cursor == "<nil>" {
			break
		}
	}
	if len(paged) != len(orders) {
		t.Fatalf("pages of three gave %d orders; the agenda has %d", len(paged), len(orders))
	}
	for i := range paged {
		if a, b := paged[i].(map[string]any)["order_id"], orders[i].(map[string]any)["order_id"]; a != b {
			t.Fatalf("order %d: %v paged, %v in the whole agenda", i, a, b)
		}
	}
	// A made-up cursor is refused by name, however large its number.
	forged := domain.EncodeKeyCursor("3000000000", orders[0].(map[string]any)["order_id"].(string))
	bad := e.do(t, "GET", "/api/v1/meetings/"+s(m.Body, "id")+"?cursor="+forged, e.admin, "")
	want(t, bad, http.StatusUnprocessableEntity)
	if !strings.Contains(string(bad.Raw), `"cursor"`) {
		t.Errorf("a made-up cursor: %s", bad.Raw)
	}
	auditor := e.token(t, acOfficer(t, e, "", "auditor"))
	for _, format := range []string{"csv", "html"} {
		r := e.do(t, "GET", "/api/v1/meetings/"+s(m.Body, "id")+"?format="+format, e.admin, "")
		want(t, r, http.StatusOK)
		body := string(r.Raw)
		if format == "csv" {
			rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for _, row := range rows {
				if row[0] == "agenda" {
					seen[row[5]]++
				}
			}
			if len(seen) != len(orders) {
				t.Errorf("csv: %d orders in the file, %d on the agenda", len(seen), len(orders))
			}
			for _, o := range orders {
				if seen[s(o, "reference")] != 1 {
					t.Errorf("csv: %s is in the file %d times", s(o, "reference"), seen[s(o, "reference")])
				}
			}
		} else {
			for _, o := range orders {
				if !strings.Contains(body, ">"+s(o, "reference")+"<") {
					t.Errorf("html: %s is not in the minutes", s(o, "reference"))
				}
			}
		}
		trail := e.do(t, "GET", "/api/v1/audit?action=disclosure&limit=500", auditor, "")
		entries, named := 0, map[string]bool{}
		for _, it := range items(trail) {
			if s(it, "route") == "/api/v1/meetings/:id" && s(it, "request_id") == r.Header.Get("X-Request-Id") {
				entries++
				for _, rec := range it.(map[string]any)["records"].([]any) {
					named[s(rec, "type")+":"+s(rec, "id")] = true
				}
			}
		}
		if want := 1 + (len(orders)+2)/3; entries != want {
			t.Errorf("%s: %d disclosures for the download, want %d (the request and a page of three orders each)",
				format, entries, want)
		}
		for _, o := range orders {
			if !named["order:"+s(o, "order_id")] || !named["subject:"+s(o, "subject_id")] {
				t.Errorf("%s: order %s or its subject is named on no disclosure of the download", format, s(o, "reference"))
			}
		}
	}
}

// Saving the attendance form as it opens changes nothing: a name with a
// comma in it stays whole, and an officer's apology stays the officer's.
// An unchanged save split "Smith, Anna, HMPPS" at its first comma and
// made the officer a line of text.
func TestPageAttendanceSavedUnchangedChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, chairID := e.signedIn(t, "tasking_chair")
	away := e.officer(t, "iom_officer")
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	mid := s(m.Body, "id")
	want(t, e.do(t, "PUT", "/api/v1/meetings/"+mid+"/attendance", e.admin, js(obj{"chair_id": chairID,
		"attendees": []obj{{"name": "Smith, Anna", "organisation": "HMPPS"}}, "apologies": []obj{{"officer_id": away}}})),
		http.StatusOK)
	before := e.do(t, "GET", "/api/v1/meetings/"+mid, e.admin, "")
	page := b.get("/meetings/" + mid)
	form := url.Values{"csrf_token": {csrfOf(t, page)}}
	for _, c := range regexp.MustCompile(`name="(attendee|apology|chair_id)"[^>]*value="([^"]+)"[^>]*(checked|selected)`).
		FindAllStringSubmatch(page.Body, -1) {
		form.Add(c[1], c[2])
	}
	for _, sel := range regexp.MustCompile(`<option value="([^"]+)" selected>`).FindAllStringSubmatch(page.Body, -1) {
		if sel[1] == chairID {
			form.Set("chair_id", chairID)
		}
	}
	for _, ta := range regexp.MustCompile(`name="(others|apologies)" rows="\d+">([^<]*)</textarea>`).FindAllStringSubmatch(page.Body, -1) {
		form.Set(ta[1], html.UnescapeString(ta[2]))
	}
	wantStatus(t, b.post("/meetings/"+mid+"/attendance", form), http.StatusSeeOther)
	after := e.do(t, "GET", "/api/v1/meetings/"+mid, e.admin, "")
	for _, k := range []string{"attendees", "apologies", "chair.id"} {
		if fmt.Sprint(get(after.Body, k)) != fmt.Sprint(get(before.Body, k)) {
			t.Errorf("%s changed by an unchanged save: %v, was %v", k, get(after.Body, k), get(before.Body, k))
		}
	}
}

// A decision refused because the order's subject moved force since the
// agenda was set is shown on the decision chosen, where the summary's link
// lands (it linked to the hidden item field, which is nowhere).
func TestPageDecisionOnAMovedSubject(t *testing.T) {
	e := newEnv(t)
	sub := s(e.subject(t, nil), "id")
	ord := s(e.order(t, sub, nil), "id")
	b, _ := e.signedIn(t, "tasking_chair")
	m, item := e.meetingOn(t, ord)
	dpath := decisionPath(t, b.get("/meetings/"+s(m.Body, "id")).Body, ord)
	page := b.get(dpath)
	wantStatus(t, page, http.StatusOK)
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+sub, e.admin, js(obj{"force": "kent"})), http.StatusOK)
	p := b.post(dpath, url.Values{"csrf_token": {csrfOf(t, page)}, "item_id": {item}, "decision": {"note"},
		"notes": {"Still ours?"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#decision"`, `id="decision-error"`, "moved to another force", "Still ours?</textarea>", "Moved to Kent Police")
	// The agenda says where it went and does not link to the order, now
	// out of the chair's view (the link was "Page not found").
	after := b.get("/meetings/" + s(m.Body, "id"))
	wantText(t, after, "Moved to Kent Police")
	if strings.Contains(after.Body, `href="/orders/`+ord+`"`) {
		t.Errorf("the agenda links to an order moved out of the chair's view")
	}
}

// A chair corrects a decision recorded wrongly from the meeting page: the
// original stays, marked corrected, and the minutes say why. The page had
// only withdraw-and-record-again, so the minutes never showed a correction.
func TestPageCorrectsADecision(t *testing.T) {
	e := newEnv(t)
	o := e.order(t, s(e.subject(t, nil), "id"), nil)
	ord := s(o, "id")
	wrong, right := e.officer(t, "iom_officer"), e.officer(t, "iom_officer")
	b, _ := e.signedIn(t, "tasking_chair")
	m, item := e.meetingOn(t, ord)
	mid := s(m.Body, "id")
	dpath := decisionPath(t, b.get("/meetings/"+mid).Body, ord)
	page := b.get(dpath)
	if strings.Contains(page.Body, `id="corrects"`) {
		t.Errorf("the decision page offers to correct a decision before there is one")
	}
	form := url.Values{"csrf_token": {csrfOf(t, page)}, "item_id": {item}, "decision": {"action"},
		"action_by": {wrong}, "notes": {"Visit the address."}, "due_by-day": {"3"}, "due_by-month": {"12"}, "due_by-year": {"2026"}}
	wantStatus(t, b.post(dpath, form), http.StatusSeeOther)
	page = b.get(dpath)
	first := regexp.MustCompile(`<option value="([0-9a-f-]{36})">Action: `).FindStringSubmatch(page.Body)
	if first == nil {
		t.Fatalf("the decision form offers no decision to correct")
	}
	form.Set("corrects", first[1])
	form.Set("action_by", right)
	p := b.post(dpath, form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#reason"`, "say why the decision is corrected", `<option value="`+first[1]+`" selected>`)
	form.Set("reason", "Minuted the wrong officer.")
	p = b.post(dpath, form)
	wantStatus(t, p, http.StatusSeeOther)
	// The banner says it was a correction, not a decision more.
	done := b.get(p.Header.Get("Location"))
	wantText(t, done, "Correction recorded for "+s(o, "reference"))
	if strings.Contains(done.Body, "Decision recorded") {
		t.Errorf("after a correction the banner says a decision was recorded")
	}
	wantText(t, b.get("/meetings/"+mid), "Corrected", "Correction</strong> Minuted the wrong officer.")
	minutes := b.get("/meetings/" + mid + "/minutes")
	wantText(t, minutes, "(correction: Minuted the wrong officer.)", "[corrected]")
	// Corrected once: it is no longer offered.
	if regexp.MustCompile(`<option value="` + first[1] + `"`).MatchString(b.get(dpath).Body) {
		t.Errorf("a corrected decision is still offered for correction")
	}
}

// A second escalation refused on the page is shown on that order's
// decision, where the summary links.
func TestPageSecondEscalationShownOnTheDecision(t *testing.T) {
	e := newEnv(t)
	ord := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	b, _ := e.signedIn(t, "tasking_chair")
	m, item := e.meetingOn(t, ord)
	dpath := decisionPath(t, b.get("/meetings/"+s(m.Body, "id")).Body, ord)
	page := b.get(dpath)
	form := url.Values{"csrf_token": {csrfOf(t, page)}, "item_id": {item}, "decision": {"escalate"},
		"notes": {"Regional help."}}
	wantStatus(t, b.post(dpath, form), http.StatusSeeOther)
	p := b.post(dpath, form)
	wantStatus(t, p, http.StatusConflict)
	wantText(t, p, `href="#decision"`, "already escalated", "Regional help.</textarea>")
}

// meetingOn opens today's Gloucestershire meeting with the order on its
// agenda (as unowned, after the ownership sweep): the meeting and the
// order's item.
func (e *env) meetingOn(t *testing.T, ord string) (resp, string) {
	t.Helper()
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	for _, it := range m.Body["agenda"].([]any) {
		if s(it, "order_id") == ord {
			return m, s(it, "id")
		}
	}
	t.Fatalf("order %s is not on the meeting's agenda", ord)
	return m, ""
}
