package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
	item := regexpItem(t, m.Body, "G-003")
	p = b.post(mpath+"/decisions", url.Values{"csrf_token": {tok}, "order": {f.o3}, "n": {"3"}, "item_id": {item},
		"decision": {"assign_owner"}, "role": {"iom"}, "notes": {"Allocated before release."}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantText(t, p, `href="#officer_id-3"`, "New owner is required", "Allocated before release.")
	p = b.post(mpath+"/decisions", url.Values{"csrf_token": {tok}, "order": {f.o3}, "n": {"3"}, "item_id": {item},
		"decision": {"assign_owner"}, "role": {"iom"}, "officer_id": {f.x}, "notes": {"Allocated before release."}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := vwOrderOwner(t, e, f.o3, "iom"); got != f.x {
		t.Errorf("G-003 owner %s, want %s", got, f.x)
	}
	p = b.post(mpath+"/sign-off", url.Values{"csrf_token": {tok}})
	wantStatus(t, p, http.StatusSeeOther)
	m = b.get(mpath + "?done=signed")
	wantText(t, m, "Minutes signed", "Pat Probation", "Gil Governor", "Reason for the amendment")

	pr := b.get(mpath + "/minutes")
	wantStatus(t, pr, http.StatusOK)
	wantText(t, pr, "@media print", "Carl Cole", "G-003", "Probation Service", "Minutes signed by")
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
	wantStatus(t, b.get("/meetings/"+s(other, "id")+"/minutes"), http.StatusNotFound)
}

func regexpItem(t *testing.T, body, ref string) string {
	t.Helper()
	i := strings.Index(body, ">"+ref+"</a>")
	if i < 0 {
		t.Fatalf("no %s on the page", ref)
	}
	rest := body[i:]
	j := strings.Index(rest, `name="item_id" value="`)
	if j < 0 {
		t.Fatalf("no decision form for %s", ref)
	}
	rest = rest[j+len(`name="item_id" value="`):]
	return rest[:strings.Index(rest, `"`)]
}
