package api_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Regression tests for an order's life as its users try it: each failed on
// the service as it was before (issue "Right at every step of an order's
// life").

// olPrisoner is a Gloucestershire subject in custody, CRD 2027-03-01, with
// an order made at sentencing to start on release.
func olPrisoner(t *testing.T, e *env) (subject, order map[string]any) {
	t.Helper()
	subject = e.subject(t, obj{"prison_number": nil, "custody": inCustody("2027-03-01")})
	order = e.order(t, s(subject, "id"), obj{"commencement": "on_release", "starts_on": nil, "made_on": "2024-06-10"})
	if s(order, "status") != "pending" {
		t.Fatalf("on-release order created %s", s(order, "status"))
	}
	return subject, order
}

func olRelease(t *testing.T, e *env, subjectID string, custody obj) resp {
	t.Helper()
	return e.do(t, "PATCH", "/api/v1/subjects/"+subjectID, e.admin, js(obj{"custody": custody}))
}

func TestStartedOnReleaseOrderIsVariedAndEndedLikeAnyOther(t *testing.T) {
	e := newEnv(t)
	sub, ord := olPrisoner(t, e)
	want(t, olRelease(t, e, s(sub, "id"), obj{"status": "community", "released_on": "2026-11-20"}), http.StatusOK)
	path := "/api/v1/orders/" + s(ord, "id")
	r := e.do(t, "GET", path, e.admin, "")
	if s(r.Body, "status") != "active" || s(r.Body, "starts_on") != "2026-11-20" || s(r.Body, "commencement") != "on_release" {
		t.Fatalf("after release: %s", r)
	}

	r = e.do(t, "PATCH", path, e.admin, `{"review_interval_days": 60}`)
	want(t, r, http.StatusOK)
	if s(r.Body, "review_interval_days") != "60" || s(r.Body, "commencement") != "on_release" || s(r.Body, "starts_on") != "2026-11-20" {
		t.Errorf("varied interval: %s", r)
	}
	r = e.do(t, "PATCH", path, e.admin, js(obj{"terms": []obj{{"category": "travel", "text": "No travel abroad."}}}))
	want(t, r, http.StatusOK)
	if s(r.Body, "terms.0.category") != "travel" {
		t.Errorf("varied terms: %s", r)
	}
	// How it was made stays true.
	wantFields(t, e.do(t, "PATCH", path, e.admin, `{"commencement": "on_date"}`), http.StatusUnprocessableEntity, "commencement")
	wantFields(t, e.do(t, "PATCH", path, e.admin, `{"starts_on": null}`), http.StatusUnprocessableEntity, "starts_on")

	r = e.do(t, "PATCH", path, e.admin, js(obj{"status": "discharged", "ended_on": today, "end_reason": "Discharged on application (s.18)."}))
	want(t, r, http.StatusOK)
	if s(r.Body, "status") != "discharged" || s(r.Body, "commencement") != "on_release" {
		t.Errorf("discharged: %s", r)
	}
}

func TestReleaseRecordsTheActualDayAndKeepsCustodyHistory(t *testing.T) {
	e := newEnv(t)
	sub, ord := olPrisoner(t, e)
	id := s(sub, "id")

	// A release in the future is refused, and nothing changes.
	wantFields(t, olRelease(t, e, id, obj{"status": "community", "released_on": "2026-11-26"}),
		http.StatusUnprocessableEntity, "custody.released_on")
	wantFields(t, olRelease(t, e, id, obj{"status": "community", "release_date": "2026-12-01"}),
		http.StatusUnprocessableEntity, "custody.release_date")
	if r := e.do(t, "GET", "/api/v1/subjects/"+id, e.admin, ""); s(r.Body, "custody.status") != "custody" {
		t.Fatalf("a refused release changed the subject: %s", r)
	}

	// The release_date sent with the release is the day the order starts.
	r := olRelease(t, e, id, obj{"status": "community", "release_date": "2026-11-20"})
	want(t, r, http.StatusOK)
	if s(r.Body, "custody.released_on") != "2026-11-20" || s(r.Body, "custody.establishment") != "<nil>" {
		t.Errorf("released subject: %s", r)
	}
	o := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, "")
	if s(o.Body, "starts_on") != "2026-11-20" || s(o.Body, "status") != "active" || s(o.Body, "ends_on") != "2029-11-20" {
		t.Errorf("order after release: %s", o)
	}

	// The spell in custody is kept.
	h := e.do(t, "GET", "/api/v1/subjects/"+id+"/custody-history", e.admin, "")
	want(t, h, http.StatusOK)
	if len(items(h)) != 1 || s(h.Body, "items.0.establishment") != "HMP Bristol" ||
		s(h.Body, "items.0.release_date") != "2027-03-01" || s(h.Body, "items.0.release_date_type") != "CRD" ||
		s(h.Body, "items.0.released_on") != "2026-11-20" {
		t.Errorf("custody history: %s", h)
	}

	// Recalled: a new spell opens; released again: both are kept.
	want(t, olRelease(t, e, id, inCustody("2027-06-01")), http.StatusOK)
	want(t, olRelease(t, e, id, obj{"status": "community", "released_on": today}), http.StatusOK)
	h = e.do(t, "GET", "/api/v1/subjects/"+id+"/custody-history", e.admin, "")
	if len(items(h)) != 2 || s(h.Body, "items.0.began_on") != today || s(h.Body, "items.0.released_on") != today ||
		s(h.Body, "items.1.released_on") != "2026-11-20" {
		t.Errorf("custody history after a recall: %s", h)
	}
}

func TestJobRunNeverRunsAheadOfToday(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), nil) // active, ends 2029-11-01
	wantFields(t, e.do(t, "POST", "/api/v1/jobs/lifecycle-sweep/runs", e.admin, `{"as_of": "2031-01-01"}`),
		http.StatusUnprocessableEntity, "as_of")

	// Looking ahead is a preview that writes nothing.
	r := e.do(t, "GET", "/api/v1/jobs/lifecycle-sweep/preview?as_of=2031-01-01", e.admin, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "expired") != "1" || s(r.Body, "as_of") != "2031-01-01" {
		t.Errorf("preview: %s", r)
	}
	if o := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, ""); s(o.Body, "status") != "active" {
		t.Errorf("a preview changed the order: %s", o)
	}
	// Today's run still finds it live.
	vwRun(t, e, "lifecycle-sweep", today)
	if o := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, ""); s(o.Body, "status") != "active" {
		t.Errorf("after today's run: %s", o)
	}
}

func TestOwnersWhoCannotActStopOwning(t *testing.T) {
	e := newEnv(t)
	iom := e.officer(t, "iom_officer")
	lro := e.officer(t, "lro")
	sub := e.subject(t, nil)
	moved := e.order(t, s(sub, "id"), nil)
	own := func(order, role, officer string) {
		t.Helper()
		want(t, e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/"+role, e.admin,
			js(obj{"officer_id": officer, "reason": "Allocated."})), http.StatusOK)
	}
	own(s(moved, "id"), "iom", iom)
	other := e.order(t, s(e.subject(t, nil), "id"), nil)
	own(s(other, "id"), "lro", lro)

	t.Run("a subject moved to another force leaves its old force's owners", func(t *testing.T) {
		want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"force": "dorset"}`), http.StatusOK)
		o := e.do(t, "GET", "/api/v1/orders/"+s(moved, "id"), e.admin, "")
		if s(o.Body, "owners.iom") != "<nil>" || s(o.Body, "force") != "dorset" {
			t.Errorf("order after the move: %s", o)
		}
		h := e.do(t, "GET", "/api/v1/orders/"+s(moved, "id")+"/owners/history", e.admin, "")
		if s(h.Body, "items.0.until") == "<nil>" || s(h.Body, "items.0.end_reason") != "subject moved to Dorset Police: owners come from the subject's force" {
			t.Errorf("history after the move: %s", h)
		}
		// Dorset's agenda has it as unowned, and the sweep flags it for Dorset.
		tr := e.do(t, "GET", "/api/v1/reports/tasking?force=dorset", e.admin, "")
		if !slices.Contains(vwSection(tr.Body, "unowned"), s(moved, "reference")+"/<nil>/<nil>") &&
			!olSectionHas(tr.Body, "unowned", s(moved, "id")) {
			t.Errorf("dorset's agenda lacks the moved order: %s", tr)
		}
		vwRun(t, e, "ownership-sweep", today)
		f := e.do(t, "GET", "/api/v1/flags?status=open&kind=unowned&order_id="+s(moved, "id"), e.admin, "")
		if len(items(f)) != 1 || s(f.Body, "items.0.force") != "dorset" {
			t.Errorf("unowned flags for the moved order: %s", f)
		}
	})

	t.Run("a deactivated officer owns nothing", func(t *testing.T) {
		want(t, e.do(t, "PATCH", "/api/v1/officers/"+lro, e.admin, `{"active": false}`), http.StatusOK)
		o := e.do(t, "GET", "/api/v1/orders/"+s(other, "id"), e.admin, "")
		if s(o.Body, "owners.lro") != "<nil>" {
			t.Errorf("order after deactivation: %s", o)
		}
		h := e.do(t, "GET", "/api/v1/orders/"+s(other, "id")+"/owners/history", e.admin, "")
		if s(h.Body, "items.0.end_reason") != "officer deactivated" {
			t.Errorf("history after deactivation: %s", h)
		}
		vwRun(t, e, "ownership-sweep", today)
		f := e.do(t, "GET", "/api/v1/flags?status=open&kind=unowned&order_id="+s(other, "id"), e.admin, "")
		if len(items(f)) != 1 {
			t.Errorf("unowned flags after deactivation: %s", f)
		}
	})
}

// olSectionHas reports whether a tasking report section lists the order.
func olSectionHas(body map[string]any, section, orderID string) bool {
	l, _ := get(body, "sections."+section).([]any)
	for _, it := range l {
		if s(it, "order_id") == orderID {
			return true
		}
	}
	return false
}

func TestBulkReassignmentPreviewsAndNamesWhatCannotMove(t *testing.T) {
	e := newEnv(t)
	a := e.officer(t, "iom_officer", "lro")
	b := e.officer(t, "iom_officer")
	chair := e.officer(t, "tasking_chair")
	chairTok := e.token(t, chair)
	var orders []string
	for i := range 2 {
		o := e.order(t, s(e.subject(t, nil), "id"), nil)
		role := []string{"iom", "lro"}[i]
		want(t, e.do(t, "PUT", "/api/v1/orders/"+s(o, "id")+"/owners/"+role, e.admin,
			js(obj{"officer_id": a, "reason": "Allocated."})), http.StatusOK)
		orders = append(orders, s(o, "id"))
	}
	// A meeting gave A an action on the first order.
	vwRun(t, e, "review-sweep", today)
	want(t, e.do(t, "POST", "/api/v1/orders/"+orders[0]+"/checks", e.admin,
		js(obj{"kind": "home_visit", "due_on": "2026-11-20"})), http.StatusCreated)
	vwRun(t, e, "review-sweep", today)
	m := e.do(t, "POST", "/api/v1/meetings", chairTok, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	var item string
	for _, it := range get(m.Body, "agenda").([]any) {
		if s(it, "order_id") == orders[0] {
			item = s(it, "id")
		}
	}
	if item == "" {
		t.Fatalf("the meeting's agenda lacks the order: %s", m)
	}
	want(t, e.do(t, "POST", "/api/v1/meetings/"+s(m.Body, "id")+"/decisions", chairTok,
		js(obj{"item_id": item, "decision": "no_action", "action_by": a, "due_by": "2026-12-01", "notes": "Visit."})),
		http.StatusCreated)

	path := "/api/v1/officers/" + a + "/reassign"
	// B cannot be an LRO: the preview says what would move and what cannot,
	// and changes nothing.
	p := e.do(t, "POST", path, chairTok, js(obj{"to_officer_id": b, "reason": "A leaving.", "preview": true}))
	want(t, p, http.StatusOK)
	if s(p.Body, "preview") != "true" || s(p.Body, "moved") != "0" || len(get(p.Body, "moves").([]any)) != 1 ||
		s(p.Body, "moves.0.order_id") != orders[0] || s(p.Body, "blocked.0.order_id") != orders[1] ||
		s(p.Body, "blocked.0.reason") == "<nil>" || s(p.Body, "actions_moved") != "1" {
		t.Errorf("preview: %s", p)
	}
	if vwOrderOwner(t, e, orders[0], "iom") != a {
		t.Errorf("a preview moved an order")
	}
	// Moving everything is refused naming the order that cannot move.
	wantFields(t, e.do(t, "POST", path, chairTok, js(obj{"to_officer_id": b, "reason": "A leaving."})),
		http.StatusUnprocessableEntity, "orders."+orders[1]+".lro")
	// An empty list of roles is no role, not every role: refused.
	wantFields(t, e.do(t, "POST", path, chairTok, js(obj{"to_officer_id": b, "roles": []string{}, "reason": "A leaving."})),
		http.StatusUnprocessableEntity, "roles")
	// Moving what B can take moves the order and A's action on it.
	r := e.do(t, "POST", path, chairTok, js(obj{"to_officer_id": b, "roles": []string{"iom"}, "reason": "A leaving."}))
	want(t, r, http.StatusOK)
	if s(r.Body, "moved") != "1" || s(r.Body, "actions_moved") != "1" || vwOrderOwner(t, e, orders[0], "iom") != b {
		t.Errorf("reassignment: %s", r)
	}
	mt := e.do(t, "GET", "/api/v1/meetings/"+s(m.Body, "id"), e.admin, "")
	for _, it := range get(mt.Body, "agenda").([]any) {
		if s(it, "id") == item && s(it, "decisions.0.action_by.id") != b {
			t.Errorf("the meeting's action stayed with A: %v", it)
		}
	}
}

func TestChangesResolveTheFlagsTheyEnd(t *testing.T) {
	e := newEnv(t)
	iom := e.officer(t, "iom_officer")
	sub, ord := olPrisoner(t, e)
	// Release due in 96 days: unowned and pre_release are raised.
	for _, job := range []string{"ownership-sweep", "custody-sweep", "review-sweep"} {
		vwRun(t, e, job, today)
	}
	open := func() []string {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/flags?status=open&order_id="+s(ord, "id"), e.admin, "")
		var kinds []string
		for _, f := range items(r) {
			kinds = append(kinds, s(f, "kind"))
		}
		slices.Sort(kinds)
		return kinds
	}
	if got := open(); !slices.Equal(got, []string{"pre_release", "review_overdue", "unowned"}) {
		t.Fatalf("open flags after the sweeps %v", got)
	}
	// Owning it ends unowned at once: flags, the order and the caseload agree
	// with the agenda before any sweep.
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated at the meeting."})), http.StatusOK)
	if got := open(); !slices.Equal(got, []string{"pre_release", "review_overdue"}) {
		t.Errorf("open flags after an owner was allocated %v", got)
	}
	c := e.do(t, "GET", "/api/v1/caseload?officer_id="+iom, e.admin, "")
	if got := vwStrings(get(c.Body, "items.0.open_flags")); !slices.Equal(got, []string{"pre_release", "review_overdue"}) {
		t.Errorf("caseload open flags %v", got)
	}
	// Releasing the subject ends pre_release at once, and restarts the
	// review schedule from the start of the order.
	want(t, olRelease(t, e, s(sub, "id"), obj{"status": "community"}), http.StatusOK)
	if got := open(); len(got) != 0 {
		t.Errorf("open flags after the release %v", got)
	}
	rg := e.do(t, "GET", "/api/v1/reports/region?region=south-west", e.admin, "")
	for _, f := range get(rg.Body, "forces").([]any) {
		if s(f, "force") == "gloucestershire" && (s(f, "open_flags.pre_release") != "0" || s(f, "open_flags.unowned") != "0") {
			t.Errorf("region report still counts resolved flags: %v", f)
		}
	}
}

func TestHistoricOrderIsLoadedExpired(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	o := e.order(t, s(sub, "id"), obj{"made_on": "2019-01-10", "starts_on": "2019-01-10", "duration_months": 60})
	if s(o, "status") != "expired" || s(o, "ends_on") != "2024-01-10" {
		t.Fatalf("historic order: %v", o)
	}
	vwSweep(t, e, today)
	if f := e.do(t, "GET", "/api/v1/flags?order_id="+s(o, "id"), e.admin, ""); len(items(f)) != 0 {
		t.Errorf("a historic order raised flags: %s", f)
	}
}

func TestDuplicatesAreRefusedNamingTheRecord(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, obj{"prison_number": "A1234BC"})
	body := with(orderBody(s(sub, "id")), obj{"reference": "T20247001"})
	first := e.create(t, "/api/v1/orders", body)
	r := e.do(t, "POST", "/api/v1/orders", e.admin, js(with(body, obj{"reference": "t20247001"})))
	wantFields(t, r, http.StatusConflict, "reference")
	if s(r.Body, "existing") != "/api/v1/orders/"+s(first, "id") {
		t.Errorf("duplicate order problem: %s", r)
	}
	// A fresh order made on another day is a new order (s.16(6)).
	e.create(t, "/api/v1/orders", with(body, obj{"made_on": "2026-10-21"}))

	r = e.do(t, "POST", "/api/v1/subjects", e.admin, js(with(subjectBody(), obj{"prison_number": "a1234bc"})))
	wantFields(t, r, http.StatusConflict, "prison_number")
	if s(r.Body, "existing") != "/api/v1/subjects/"+s(sub, "id") {
		t.Errorf("duplicate prison number problem: %s", r)
	}
	other := e.subject(t, nil)
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(other, "id"), e.admin, `{"prison_number": "A1234BC"}`),
		http.StatusConflict, "prison_number")

	// An on-release order for a subject already in the community would be
	// pending for ever.
	wantFields(t, e.do(t, "POST", "/api/v1/orders", e.admin,
		js(with(orderBody(s(other, "id")), obj{"commencement": "on_release", "starts_on": nil}))),
		http.StatusUnprocessableEntity, "commencement")
}

func TestConcurrentSubjectUpdatesNeverStarveThePool(t *testing.T) {
	e := newEnv(t)
	sub := e.subject(t, nil)
	path := "/api/v1/subjects/" + s(sub, "id")
	const writers = 200
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
	)
	for i := range writers {
		wg.Go(func() {
			force := []string{"gloucestershire", "dorset"}[i%2]
			var r resp
			if i%3 == 0 {
				// A stale edit: the version read before everyone else wrote.
				r = e.do(t, "PATCH", path, e.admin, js(obj{"force": force, "last_name": "Carter" + strconv.Itoa(i)}),
					"If-Match", `"1"`)
			} else {
				r = e.do(t, "PATCH", path, e.admin, js(obj{"force": force, "last_name": "Carter" + strconv.Itoa(i)}))
			}
			mu.Lock()
			counts[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	for status, n := range counts {
		if status != http.StatusOK && status != http.StatusConflict && status != http.StatusPreconditionFailed {
			t.Errorf("%d answers were %d, want only 200, 409 or 412 (all: %v)", n, status, counts)
		}
	}
	if counts[http.StatusOK] < writers/2 {
		t.Errorf("only %d of %d writes succeeded: %v", counts[http.StatusOK], writers, counts)
	}
	r := e.do(t, "GET", path, e.admin, "")
	if v, _ := strconv.Atoi(s(r.Body, "version")); v != 1+counts[http.StatusOK] {
		t.Errorf("version %d after %d successful writes", v, counts[http.StatusOK])
	}
}

func TestEligibilityDatesAreNotMissedReleases(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		dateType string
		flagged  bool
	}{{"HDCED", false}, {"PED", false}, {"CRD", true}, {"ARD", true}} {
		t.Run(tc.dateType, func(t *testing.T) {
			sub := e.subject(t, obj{"custody": obj{"status": "custody", "establishment": "HMP Bristol",
				"release_date": "2026-11-01", "release_date_type": tc.dateType}})
			o := e.order(t, s(sub, "id"), obj{"made_on": "2024-01-10", "starts_on": "2024-02-01"})
			vwRun(t, e, "custody-sweep", today)
			f := e.do(t, "GET", "/api/v1/flags?status=open&kind=release_date_passed&order_id="+s(o, "id"), e.admin, "")
			if got := len(items(f)) == 1; got != tc.flagged {
				t.Errorf("%s passed: release_date_passed open %v, want %v", tc.dateType, got, tc.flagged)
			}
			// Past an eligibility date the subject may be released any day:
			// with nobody ready, pre_release stays open (it was closed the
			// day the date passed).
			f = e.do(t, "GET", "/api/v1/flags?status=open&kind=pre_release&order_id="+s(o, "id"), e.admin, "")
			if got := len(items(f)) == 1; got != !tc.flagged {
				t.Errorf("%s passed with nobody ready: pre_release open %v, want %v", tc.dateType, got, !tc.flagged)
			}
			if !tc.flagged {
				if s(f.Body, "items.0.details.days_to_release") != "-24" {
					t.Errorf("pre_release past %s: %s", tc.dateType, f)
				}
				chair, _ := e.signedIn(t, "tasking_chair")
				wantText(t, chair.get("/tasking"), "eligible for release 24 days ago")
			}
			pr := e.do(t, "GET", "/api/v1/reports/pre-release?force=gloucestershire", e.admin, "")
			for _, it := range get(pr.Body, "items").([]any) {
				if s(it, "order_id") != s(o, "id") {
					continue
				}
				if s(it, "release_due") != strconv.FormatBool(tc.flagged) ||
					s(it, "eligibility_passed") != strconv.FormatBool(!tc.flagged) {
					t.Errorf("pre-release item: %v", it)
				}
			}
		})
	}
}

// An active order's end moved to before today: the order reads expired
// and keeps no open flag. It was a crash (the change took the expiry for a
// discharge and read its date, which an expiry has not).
func TestOrderEndMovedIntoThePast(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.order(t, s(e.subject(t, nil), "id"), obj{"made_on": "2026-09-01", "starts_on": "2026-09-20", "commencement": "on_date"})
	r := e.do(t, "PATCH", "/api/v1/orders/"+s(o, "id"), e.admin, js(obj{"ends_on": "2026-11-20"}), "If-Match", `"`+s(o, "version")+`"`)
	want(t, r, http.StatusOK)
	if s(r.Body, "status") != "expired" || s(r.Body, "ends_on") != "2026-11-20" {
		t.Errorf("after moving the end into the past: %s", r)
	}
	if open := items(e.do(t, "GET", "/api/v1/flags?status=open&order_id="+s(o, "id"), e.admin, "")); len(open) != 0 {
		t.Errorf("an expired order keeps %d open flags", len(open))
	}
}

// An order cannot be said to have been made after its own records: a
// review or check dated before the new date is refused by field, as
// recording one before the order was made is.
func TestOrderMadeOnNotMovedPastItsRecords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.order(t, s(e.subject(t, nil), "id"), obj{"made_on": "2026-09-01", "starts_on": "2026-09-01", "commencement": "on_date"})
	want(t, e.do(t, "POST", "/api/v1/orders/"+s(o, "id")+"/reviews", e.admin,
		js(obj{"reviewed_on": "2026-09-10", "kind": "routine", "outcome": "satisfactory"})), http.StatusCreated)
	o = e.do(t, "GET", "/api/v1/orders/"+s(o, "id"), e.admin, "").Body
	wantFields(t, e.do(t, "PATCH", "/api/v1/orders/"+s(o, "id"), e.admin, js(obj{"made_on": "2026-09-20", "starts_on": "2026-09-20"}),
		"If-Match", `"`+s(o, "version")+`"`), http.StatusUnprocessableEntity, "made_on")
	// Earlier is a correction like any other.
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+s(o, "id"), e.admin, js(obj{"made_on": "2026-08-25", "starts_on": "2026-08-25"}),
		"If-Match", `"`+s(o, "version")+`"`), http.StatusOK)
	// An order with no record of its own yet is made later like any other
	// (this answered 500: no record, no earliest date).
	bare := e.order(t, s(e.subject(t, nil), "id"), obj{"served_at_hearing": false})
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+s(bare, "id"), e.admin, `{"made_on": "2026-10-25"}`), http.StatusOK)
}

// A corrected date of birth may not make a subject a child when an order
// against them was made (s.6): refused by field, as making the order then
// would be; a correction that keeps them an adult stands.
func TestSubjectBirthDateKeepsOrdersAgainstAnAdult(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	e.order(t, s(sub, "id"), obj{"made_on": "2026-07-01", "starts_on": "2026-07-01", "commencement": "on_date"})
	sub = e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), e.admin, "").Body
	wantFields(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, js(obj{"date_of_birth": "2010-01-01"}),
		"If-Match", `"`+s(sub, "version")+`"`), http.StatusUnprocessableEntity, "date_of_birth")
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, js(obj{"date_of_birth": "1990-01-01"}),
		"If-Match", `"`+s(sub, "version")+`"`), http.StatusOK)
	// A subject with no order yet has their date of birth corrected too
	// (this answered 500: no order, no earliest date).
	none := e.subject(t, nil)
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(none, "id"), e.admin, `{"date_of_birth": "1985-01-02"}`), http.StatusOK)
}

// An open flag's details say what is true now, not what was true when it
// was raised: an allocation that leaves the flag open (another role still
// missing, the pre-release review still to do) restates them at once.
func TestOpenFlagsSayWhatIsTrueNow(t *testing.T) {
	e := newEnv(t)
	want(t, e.do(t, "PUT", "/api/v1/forces/gloucestershire/policy", e.admin,
		js(obj{"required_roles": []string{"iom", "lro"}})), http.StatusOK)
	iom := e.officer(t, "iom_officer")
	sub, ord := olPrisoner(t, e)
	vwRun(t, e, "ownership-sweep", today)
	vwRun(t, e, "custody-sweep", today)
	flag := func(kind string) resp {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/flags?status=open&kind="+kind+"&order_id="+s(ord, "id"), e.admin, "")
		if len(items(r)) != 1 {
			t.Fatalf("open %s flags: %s", kind, r)
		}
		return r
	}
	if got := vwStrings(get(flag("unowned").Body, "items.0.details.missing_roles")); !slices.Equal(got, []string{"iom", "lro"}) {
		t.Fatalf("raised with missing_roles %v", got)
	}
	if s(flag("pre_release").Body, "items.0.details.has_iom_owner") != "false" {
		t.Fatalf("pre_release raised: %s", flag("pre_release"))
	}

	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated."})), http.StatusOK)
	if got := vwStrings(get(flag("unowned").Body, "items.0.details.missing_roles")); !slices.Equal(got, []string{"lro"}) {
		t.Errorf("after the iom allocation missing_roles %v", got)
	}
	if r := flag("pre_release"); s(r.Body, "items.0.details.has_iom_owner") != "true" ||
		s(r.Body, "items.0.details.has_pre_release_review") != "false" {
		t.Errorf("pre_release after the iom allocation: %s", r)
	}
	tr := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire", e.admin, "")
	for _, it := range get(tr.Body, "sections.unowned").([]any) {
		if s(it, "order_id") == s(ord, "id") {
			if got := vwStrings(get(it, "details.missing_roles")); !slices.Equal(got, []string{"lro"}) {
				t.Errorf("the agenda's missing_roles %v", got)
			}
		}
	}

	// Moved to a force that requires an iom alone: the subject's move ends
	// the iom's ownership, and the unowned flag, still open, names the
	// roles the new force requires.
	want(t, e.do(t, "PUT", "/api/v1/forces/dorset/policy", e.admin,
		js(obj{"required_roles": []string{"iom"}})), http.StatusOK)
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"force": "dorset"}`), http.StatusOK)
	r := flag("unowned")
	if s(r.Body, "items.0.force") != "dorset" {
		t.Errorf("after the move: %s", r)
	}
	if got := vwStrings(get(r.Body, "items.0.details.missing_roles")); !slices.Equal(got, []string{"iom"}) {
		t.Errorf("after the move to dorset missing_roles %v, want dorset's [iom]", got)
	}
	if s(flag("pre_release").Body, "items.0.details.has_iom_owner") != "false" {
		t.Errorf("pre_release after the move: %s", flag("pre_release"))
	}
}

// A release recorded before the order was made to start on it is refused,
// naming the order, and the subject stays in custody.
func TestReleaseBeforeTheOrderWasMadeIsRefused(t *testing.T) {
	e := newEnv(t)
	sub, ord := olPrisoner(t, e) // made 2024-06-10
	r := olRelease(t, e, s(sub, "id"), obj{"status": "community", "released_on": "2024-06-09"})
	wantFields(t, r, http.StatusUnprocessableEntity, "custody.released_on")
	if !strings.Contains(string(r.Raw), s(ord, "reference")) {
		t.Errorf("the refusal does not name the order: %s", r)
	}
	if got := e.do(t, "GET", "/api/v1/subjects/"+s(sub, "id"), e.admin, ""); s(got.Body, "custody.status") != "custody" {
		t.Errorf("a refused release changed the subject: %s", got)
	}
	if o := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, ""); s(o.Body, "status") != "pending" || s(o.Body, "starts_on") != "<nil>" {
		t.Errorf("a refused release started the order: %s", o)
	}
	want(t, olRelease(t, e, s(sub, "id"), obj{"status": "community", "released_on": "2024-06-10"}), http.StatusOK)
}

// A subject moved to another force takes their orders' flags with them,
// the resolved ones too: the old force no longer reads the orders, so it
// reads none of their flags, and the new force reads their whole history.
func TestFlagsMoveWithTheSubject(t *testing.T) {
	e := newEnv(t)
	glos := e.token(t, e.officer(t, "iom_officer"))
	dorsetOfficer := e.create(t, "/api/v1/officers", obj{"name": "Dorset Officer", "email": "officer.moves@dorset.police.uk",
		"force": "dorset", "roles": []string{"iom_officer"}})
	dorset := e.token(t, s(dorsetOfficer, "id"))
	iom := e.officer(t, "iom_officer")
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), nil)
	vwRun(t, e, "ownership-sweep", today) // raises unowned
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated."})), http.StatusOK) // resolves it
	path := "/api/v1/flags?order_id=" + s(ord, "id")
	if r := e.do(t, "GET", path, glos, ""); len(items(r)) != 1 || s(r.Body, "items.0.resolved_at") == "<nil>" {
		t.Fatalf("gloucestershire's view before the move: %s", r)
	}

	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+s(sub, "id"), e.admin, `{"force": "dorset"}`), http.StatusOK)
	if r := e.do(t, "GET", path, glos, ""); len(items(r)) != 0 {
		t.Errorf("gloucestershire still reads the moved order's flags: %s", r)
	}
	if r := e.do(t, "GET", "/api/v1/flags?status=resolved", glos, ""); len(items(r)) != 0 {
		t.Errorf("gloucestershire's resolved flags after the move: %s", r)
	}
	r := e.do(t, "GET", path, dorset, "")
	var kinds []string
	for _, it := range items(r) {
		kinds = append(kinds, s(it, "kind")+"/"+strconv.FormatBool(s(it, "resolved_at") == "<nil>"))
	}
	slices.Sort(kinds)
	// The resolved unowned, and the one the move raised (its iom was
	// gloucestershire's and stopped owning it).
	if !slices.Equal(kinds, []string{"unowned/false", "unowned/true"}) {
		t.Errorf("dorset reads the moved order's flags as %v: %s", kinds, r)
	}
}

// A corrected made date carries the order's making with it: the "made"
// event, a service at the hearing, and the first versions of the terms,
// in force from the day it was made. (Moved earlier, the terms in force
// between the two dates read as none, and the timeline kept the old day.)
func TestOrderMadeOnCorrectionCarriesItsMaking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.order(t, s(e.subject(t, nil), "id"), nil) // made 2026-10-20, served at the hearing
	path := "/api/v1/orders/" + s(o, "id")
	check := func(made, inForceOn string) {
		t.Helper()
		terms := e.do(t, "GET", path+"/terms?on="+inForceOn, e.admin, "")
		if len(items(terms)) != 1 {
			t.Errorf("made %s: terms in force on %s: %s", made, inForceOn, terms)
		}
		ev := e.do(t, "GET", path+"/events", e.admin, "")
		on := map[string]string{}
		for _, it := range items(ev) {
			on[s(it, "kind")] = s(it, "on")
			if s(it, "kind") == "served" && s(it, "details.served_on") != made {
				t.Errorf("made %s: the service says served on %s", made, s(it, "details.served_on"))
			}
		}
		if on["made"] != made || on["served"] != made {
			t.Errorf("made %s: the timeline has made %s, served %s: %s", made, on["made"], on["served"], ev)
		}
	}
	want(t, e.do(t, "PATCH", path, e.admin, `{"made_on": "2026-08-01", "starts_on": "2026-08-01"}`), http.StatusOK)
	check("2026-08-01", "2026-09-01")
	// Later again: the service at the hearing moves with it, and is no
	// record the new date would come after.
	want(t, e.do(t, "PATCH", path, e.admin, `{"made_on": "2026-08-15", "starts_on": "2026-08-15"}`), http.StatusOK)
	check("2026-08-15", "2026-08-16")
}

// The region report as of another day is the register as it stood then,
// in every column: the orders live that day, owned that day, and the flags
// the rules found open that day (it was today's orders and flags, with
// only the review column as of the day asked).
func TestRegionReportAsOfADayIsThatDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), nil) // made 2026-10-20, in force 2026-11-01
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": e.officer(t, "iom_officer"), "reason": "Allocated."})), http.StatusOK)
	vwSweep(t, e, today)
	glos := func(asOf string) map[string]any {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/reports/region?region=south-west&as_of="+asOf, e.admin, "")
		want(t, r, http.StatusOK)
		for _, f := range get(r.Body, "forces").([]any) {
			if s(f, "force") == "gloucestershire" {
				return f.(map[string]any)
			}
		}
		t.Fatalf("no gloucestershire in %s", r)
		return nil
	}
	now := glos(today)
	if s(now, "live_orders.total") != "1" || s(now, "owned") != "1" || s(now, "open_flags.unowned") != "0" {
		t.Fatalf("today: %v", now)
	}
	before := glos("2020-01-01")
	if s(before, "live_orders.total") != "0" || s(before, "owned") != "0" || s(before, "reviews_on_time") != "0" ||
		s(before, "open_flags.unowned") != "0" {
		t.Errorf("as of 2020-01-01, before the order was made: %v", before)
	}
	// Yesterday the order was live and nobody owned it yet.
	y := glos("2026-11-24")
	if s(y, "live_orders.total") != "1" || s(y, "owned") != "0" || s(y, "open_flags.unowned") != "1" {
		t.Errorf("as of 2026-11-24, before its owner came: %v", y)
	}
}

// A meeting recorded for an earlier day leaves out what was not yet
// overdue on that day: no item is "-10 days overdue".
func TestMeetingForAnEarlierDayLeavesOutWhatWasNotYetDue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	early := e.order(t, s(e.subject(t, nil), "id"), nil)
	late := e.order(t, s(e.subject(t, nil), "id"), nil)
	for o, due := range map[string]string{s(early, "id"): "2026-11-10", s(late, "id"): "2026-11-22"} {
		want(t, e.do(t, "POST", "/api/v1/orders/"+o+"/checks", e.admin, js(obj{"kind": "home_visit", "due_on": due})),
			http.StatusCreated)
	}
	vwRun(t, e, "review-sweep", today)
	m := e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": "2026-11-15"}))
	want(t, m, http.StatusCreated)
	var checks []string
	for _, it := range get(m.Body, "agenda").([]any) {
		if d, ok := get(it, "days_overdue").(float64); ok && d < 0 {
			t.Errorf("an item %v days overdue: %v", d, it)
		}
		if s(it, "kind") == "check_overdue" {
			checks = append(checks, s(it, "order_id")+"/"+s(it, "days_overdue"))
		}
	}
	if !slices.Equal(checks, []string{s(early, "id") + "/5"}) {
		t.Errorf("check_overdue items of the meeting held 2026-11-15: %v, want only the check due 2026-11-10 (5 days)", checks)
	}
	// Today's meeting has both.
	m = e.do(t, "POST", "/api/v1/meetings", e.admin, js(obj{"force": "gloucestershire", "held_on": today}))
	want(t, m, http.StatusCreated)
	if n := int(get(m.Body, "summary.sections.check_overdue").(float64)); n != 2 {
		t.Errorf("today's meeting has %d overdue checks, want 2: %s", n, m)
	}
}

// The pre-release report as of another day is the custody of that day:
// the spell that contained it, its prison and release date, and nothing
// for a day the subject was out. It read today's custody for every day.
func TestPreReleaseReportAsOfADayIsThatDaysCustody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, obj{"custody": inCustody("2027-01-15")})
	ord := e.order(t, s(sub, "id"), obj{"commencement": "on_release", "starts_on": nil, "made_on": "2025-01-10"})
	want(t, olRelease(t, e, s(sub, "id"), obj{"status": "community", "released_on": "2026-11-20"}), http.StatusOK)
	want(t, olRelease(t, e, s(sub, "id"), obj{"status": "custody", "establishment": "HMP Eastwood Park",
		"release_date": "2027-03-01", "release_date_type": "CRD"}), http.StatusOK)
	report := func(asOf string) []any {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/reports/pre-release?force=gloucestershire&within_days=365&as_of="+asOf, e.admin, "")
		want(t, r, http.StatusOK)
		var mine []any
		for _, it := range get(r.Body, "items").([]any) {
			if s(it, "order_id") == s(ord, "id") {
				mine = append(mine, it)
			}
		}
		return mine
	}
	if got := report(today); len(got) != 1 || s(got[0], "establishment") != "HMP Eastwood Park" || s(got[0], "release_date") != "2027-03-01" {
		t.Errorf("today: %v", got)
	}
	if got := report("2026-11-21"); len(got) != 0 {
		t.Errorf("as of 2026-11-21, when the subject was out: %v", got)
	}
	if got := report("2026-11-10"); len(got) != 1 || s(got[0], "establishment") != "HMP Bristol" ||
		s(got[0], "release_date") != "2027-01-15" || s(got[0], "days_to_release") != "66" {
		t.Errorf("as of 2026-11-10, in the first spell: %v", got)
	}
}

// A page cursor edited by hand (a day that does not exist, year 0, a part
// missing) is refused as a cursor, never a database error: the caseload
// and the pre-release report answered 500 (and a cursor that did not decode
// panicked the caseload).
func TestEditedCursorsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	officer := e.officer(t, "iom_officer")
	enc := func(parts ...string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x1f")))
	}
	id := "01a22f4b-8c97-7226-86d0-b0740799cd6d"
	for _, c := range []string{enc("2027-02-30", id), enc("0000-01-01", id), enc("", id), "%%%"} {
		for _, path := range []string{"/api/v1/reports/pre-release?force=gloucestershire&cursor=",
			"/api/v1/reports/pre-release?force=gloucestershire&as_of=2026-11-20&cursor="} {
			wantFields(t, e.do(t, "GET", path+url.QueryEscape(c), e.admin, ""), http.StatusUnprocessableEntity, "cursor")
		}
	}
	for _, c := range []string{enc("-1", "2027-02-30", "T1", id), enc("-1", "0000-01-01", "T1", id), enc("x", "2027-01-01", "T1", id), "%%%"} {
		wantFields(t, e.do(t, "GET", "/api/v1/caseload?officer_id="+officer+"&cursor="+url.QueryEscape(c), e.admin, ""),
			http.StatusUnprocessableEntity, "cursor")
	}
}

// A pre-release review prepares the release of the spell it was made in:
// recalled, the subject needs a new one before the next release, however
// close the old review falls to the new date.
func TestPreReleaseReviewCountsForItsOwnSpell(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, obj{"custody": inCustody("2026-12-20")})
	ord := e.order(t, s(sub, "id"), obj{"commencement": "on_release", "starts_on": nil, "made_on": "2025-01-10"})
	oid := s(ord, "id")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+oid+"/owners/iom", e.admin,
		js(obj{"officer_id": e.officer(t, "iom_officer"), "reason": "Allocated before release."})), http.StatusOK)
	want(t, e.do(t, "POST", "/api/v1/orders/"+oid+"/reviews", e.admin,
		js(obj{"reviewed_on": "2026-11-10", "kind": "pre_release", "outcome": "satisfactory", "notes": "Release plan agreed."})),
		http.StatusCreated)
	want(t, olRelease(t, e, s(sub, "id"), obj{"status": "community", "released_on": "2026-11-20"}), http.StatusOK)
	// Recalled today, to be released again in January.
	want(t, olRelease(t, e, s(sub, "id"), inCustody("2027-01-15")), http.StatusOK)
	vwRun(t, e, "custody-sweep", today)
	if f := llOpenFlags(t, e, oid); !slices.Contains(f, "pre_release") {
		t.Errorf("recalled with only the last spell's review, the order's flags: %v", f)
	}
	r := e.do(t, "GET", "/api/v1/reports/pre-release?force=gloucestershire&within_days=180", e.admin, "")
	want(t, r, http.StatusOK)
	for _, it := range get(r.Body, "items").([]any) {
		if s(it, "order_id") == oid && !slices.Contains(vwStrings(get(it, "missing")), "pre_release_review") {
			t.Errorf("the pre-release report counts the last spell's review: %v", it)
		}
	}
	// A review in this spell makes the subject ready, at once.
	want(t, e.do(t, "POST", "/api/v1/orders/"+oid+"/reviews", e.admin,
		js(obj{"reviewed_on": today, "kind": "pre_release", "outcome": "satisfactory", "notes": "New plan after recall."})),
		http.StatusCreated)
	if f := llOpenFlags(t, e, oid); slices.Contains(f, "pre_release") {
		t.Errorf("with this spell's review, the order's flags: %v", f)
	}
}

// An order is live to its end: as of a day after it, it is on no agenda
// and in no region's count, whether or not the lifecycle sweep has
// expired it yet.
func TestOrderPastItsEndIsNotLiveAsOfALaterDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"duration_months": 24, "ends_on": nil})
	oid, ends := s(ord, "id"), s(ord, "ends_on")
	if ends != "2028-10-31" && ends != "2028-11-01" {
		t.Fatalf("the order ends %s", ends)
	}
	section := func(asOf string) []string {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&section=review_overdue&limit=500&as_of="+asOf, e.admin, "")
		want(t, r, http.StatusOK)
		var ids []string
		l, _ := get(r.Body, "sections.review_overdue").([]any)
		for _, it := range l {
			ids = append(ids, s(it, "order_id"))
		}
		return ids
	}
	if ids := section("2028-10-01"); !slices.Contains(ids, oid) {
		t.Errorf("as of 2028-10-01, before its end, the order is not review overdue: %v", ids)
	}
	if ids := section("2029-06-01"); slices.Contains(ids, oid) {
		t.Errorf("as of 2029-06-01, after its end, the order is review overdue: %v", ids)
	}
	r := e.do(t, "GET", "/api/v1/reports/region?region=south-west&as_of=2029-06-01", e.admin, "")
	want(t, r, http.StatusOK)
	if !strings.Contains(r.String(), `"force":"gloucestershire"`) {
		t.Fatalf("region report: %s", r)
	}
	for _, f := range get(r.Body, "forces").([]any) {
		if s(f, "force") == "gloucestershire" && s(f, "live_orders.total") != "0" {
			t.Errorf("as of 2029-06-01 Gloucestershire has live orders: %v", f)
		}
	}
}

// An order made to start on release starts when the subject is released,
// however long the sentence: released seven years after it was made, it
// can still be changed (the five-year bound on a start is for an order
// given its start on the day it is made).
func TestOnReleaseOrderReleasedYearsLaterStaysEditable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, obj{"custody": inCustody("2026-11-20")})
	ord := e.order(t, s(sub, "id"), obj{"commencement": "on_release", "starts_on": nil, "made_on": "2019-06-01"})
	want(t, olRelease(t, e, s(sub, "id"), obj{"status": "community", "released_on": "2026-11-20"}), http.StatusOK)
	r := e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, "")
	if s(r.Body, "starts_on") != "2026-11-20" {
		t.Fatalf("after the release: %s", r)
	}
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+s(ord, "id"), e.admin, js(obj{"court": "Bristol Crown Court (sitting at Gloucester)"})),
		http.StatusOK)
}
