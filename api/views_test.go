package api_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"scpo/domain"
)

// The views, tasking meetings and bulk reassignment, end to end: a small
// known register is built through the API, the sweeps are run with as_of,
// and every report is checked against exactly what that register implies.

// vwFixture is the known register. Gloucestershire (as of 2026-11-25):
//
//	G-001 Alan Able   community, iom A, home visit due 2026-11-15 (10 days overdue)
//	G-002 Bella Brown community, iom A, lro+orders_officer L, started 2026-06-01:
//	                  review due 2026-08-30 (87 days overdue)
//	G-003 Carl Cole   custody, release 2027-03-01 (96 days), pending, unowned
//	G-004 Dina Dale   custody, release 2026-11-20 (passed 5 days ago), pending, unowned
//	G-006 Fay Ford    community, iom A, nothing due
//
// Dorset:
//
//	D-001 Evan Ewing  community, unowned, check due 2026-11-01 (24 days overdue)
type vwFixture struct {
	e                          *env
	a, l, x                    string // officers: A (iom), L (lro, orders_officer), X (spare iom)
	aTok                       string
	o1, o2, o3, o4, o5, o6     string // orders
	s1, s2, s3, s4, s5, s6     string // subjects
	pnc1, pnc2, pnc3, pnc4, p6 string
}

func vwBuild(t *testing.T) *vwFixture {
	t.Helper()
	e := newEnv(t)
	f := &vwFixture{e: e}
	f.a = e.officer(t, "iom_officer")
	f.l = e.officer(t, "lro", "orders_officer")
	f.x = e.officer(t, "iom_officer")
	f.aTok = e.token(t, f.a)

	subj := func(first, last, force string, custody obj) (id, pncID string) {
		sub := e.subject(t, obj{"first_names": first, "last_name": last, "aliases": []string{}, "force": force,
			"custody": custody})
		return s(sub, "id"), s(sub, "pnc_id")
	}
	community := obj{"status": "community"}
	f.s1, f.pnc1 = subj("Alan", "Able", "gloucestershire", community)
	f.s2, f.pnc2 = subj("Bella", "Brown", "gloucestershire", community)
	f.s3, f.pnc3 = subj("Carl", "Cole", "gloucestershire", inCustody("2027-03-01"))
	f.s4, f.pnc4 = subj("Dina", "Dale", "gloucestershire", inCustody("2026-11-20"))
	f.s5, _ = subj("Evan", "Ewing", "dorset", community)
	f.s6, f.p6 = subj("Fay", "Ford", "gloucestershire", community)

	onRelease := obj{"commencement": "on_release", "starts_on": nil}
	f.o1 = s(e.order(t, f.s1, obj{"reference": "G-001"}), "id")
	f.o2 = s(e.order(t, f.s2, obj{"reference": "G-002", "made_on": "2026-05-20", "starts_on": "2026-06-01"}), "id")
	o3 := e.order(t, f.s3, with(onRelease, obj{"reference": "G-003"}))
	f.o3 = s(o3, "id")
	o4 := e.order(t, f.s4, with(onRelease, obj{"reference": "G-004"}))
	f.o4 = s(o4, "id")
	f.o5 = s(e.order(t, f.s5, obj{"reference": "D-001"}), "id")
	f.o6 = s(e.order(t, f.s6, obj{"reference": "G-006"}), "id")
	if s(o3, "status") != "pending" || s(o4, "status") != "pending" {
		t.Fatalf("on_release orders should be pending: %s, %s", s(o3, "status"), s(o4, "status"))
	}

	f.own(t, f.o1, "iom", f.a, "Allocated to A.")
	f.own(t, f.o2, "iom", f.a, "Allocated to A.")
	f.own(t, f.o6, "iom", f.a, "Allocated to A.")
	f.own(t, f.o2, "lro", f.l, "Licence supervision.")
	f.own(t, f.o2, "orders_officer", f.l, "Orders officer.")

	want(t, e.do(t, "POST", "/api/v1/orders/"+f.o1+"/checks", e.admin,
		js(obj{"kind": "home_visit", "due_on": "2026-11-15"})), http.StatusCreated)
	want(t, e.do(t, "POST", "/api/v1/orders/"+f.o5+"/checks", e.admin,
		js(obj{"kind": "financial", "due_on": "2026-11-01"})), http.StatusCreated)
	return f
}

// vwRegional creates a regional lead in Avon and Somerset, whose reading
// extends to the whole south-west region, and returns a token for them.
func vwRegional(t *testing.T, e *env) string {
	t.Helper()
	n := emails.Add(1)
	o := e.create(t, "/api/v1/officers", obj{"name": fmt.Sprintf("Regional %d", n),
		"email": fmt.Sprintf("regional%d@avon-and-somerset.police.uk", n), "force": "avon-and-somerset",
		"roles": []string{"regional"}})
	return e.token(t, s(o, "id"))
}

func (f *vwFixture) own(t *testing.T, order, role, officer, reason string) {
	t.Helper()
	want(t, f.e.do(t, "PUT", "/api/v1/orders/"+order+"/owners/"+role, f.e.admin,
		js(obj{"officer_id": officer, "reason": reason})), http.StatusOK)
}

// vwRun runs one job as the admin as of a date and returns the run.
func vwRun(t *testing.T, e *env, job, asOf string) map[string]any {
	t.Helper()
	r := e.do(t, "POST", "/api/v1/jobs/"+job+"/runs", e.admin, js(obj{"as_of": asOf}))
	want(t, r, http.StatusOK)
	if s(r.Body, "status") != "succeeded" || s(r.Body, "job") != job || s(r.Body, "as_of") != asOf {
		t.Fatalf("run of %s: %s", job, r)
	}
	return r.Body
}

// vwSweep runs every job in the day's order and returns "raised/resolved"
// per job.
func vwSweep(t *testing.T, e *env, asOf string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, job := range []string{"lifecycle-sweep", "ownership-sweep", "review-sweep", "custody-sweep"} {
		run := vwRun(t, e, job, asOf)
		out[job] = s(run, "raised") + "/" + s(run, "resolved")
	}
	return out
}

// vwSection summarises a tasking section: reference, days overdue and
// days to release per item, in order.
func vwSection(body map[string]any, section string) []string {
	list, _ := get(body, "sections."+section).([]any)
	out := []string{}
	for _, it := range list {
		out = append(out, fmt.Sprintf("%s od=%s rel=%s", s(it, "reference"), s(it, "days_overdue"), s(it, "days_to_release")))
	}
	return out
}

func vwSections(body map[string]any) map[string][]string {
	out := map[string][]string{}
	for _, sec := range []string{"check_overdue", "review_overdue", "unowned", "pre_release", "release_date_passed"} {
		out[sec] = vwSection(body, sec)
	}
	return out
}

func vwCheckSections(t *testing.T, what string, body map[string]any, w map[string][]string) {
	t.Helper()
	got := vwSections(body)
	for _, sec := range []string{"check_overdue", "review_overdue", "unowned", "pre_release", "release_date_passed"} {
		if !slices.Equal(got[sec], w[sec]) {
			t.Errorf("%s: section %s\n got %q\nwant %q", what, sec, got[sec], w[sec])
		}
	}
	secs, _ := body["sections"].(map[string]any)
	if wantKeys := slices.Sorted(slices.Values(domain.TaskingSections)); !slices.Equal(vwKeys(secs), wantKeys) {
		t.Errorf("%s: sections %v, want exactly the agenda sections %v", what, vwKeys(secs), wantKeys)
	}
}

func vwKeys(m map[string]any) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func vwOrderOwner(t *testing.T, e *env, order, role string) string {
	t.Helper()
	r := e.do(t, "GET", "/api/v1/orders/"+order, e.admin, "")
	want(t, r, http.StatusOK)
	return s(r.Body, "owners."+role+".id")
}

func vwHistory(t *testing.T, e *env, order string) []any {
	t.Helper()
	r := e.do(t, "GET", "/api/v1/orders/"+order+"/owners/history", e.admin, "")
	want(t, r, http.StatusOK)
	return items(r)
}

func vwCaseloadOrders(t *testing.T, e *env, token, officer string) []string {
	t.Helper()
	path := "/api/v1/caseload"
	if officer != "" {
		path += "?officer_id=" + officer
	}
	r := e.do(t, "GET", path, token, "")
	want(t, r, http.StatusOK)
	out := []string{}
	for _, it := range items(r) {
		out = append(out, s(it, "order_id"))
	}
	return out
}

func vwStrings(v any) []string {
	list, _ := v.([]any)
	out := []string{}
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

var vwFirstSweep = map[string]string{
	"lifecycle-sweep": "0/0",
	"ownership-sweep": "3/0", // G-003, G-004, D-001
	"review-sweep":    "3/0", // G-001 check, G-002 review, D-001 check
	"custody-sweep":   "2/0", // G-003 pre_release, G-004 release_date_passed
}

var vwTodaySections = map[string][]string{
	"check_overdue":       {"G-001 od=10 rel=<nil>"},
	"review_overdue":      {"G-002 od=87 rel=<nil>"},
	"unowned":             {"G-003 od=<nil> rel=<nil>", "G-004 od=<nil> rel=<nil>"},
	"pre_release":         {"G-003 od=<nil> rel=96"},
	"release_date_passed": {"G-004 od=5 rel=<nil>"},
}

func TestViewsJobsAndFlags(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e

	r := e.do(t, "GET", "/api/v1/jobs", f.aTok, "")
	want(t, r, http.StatusOK)
	var names []string
	for _, j := range items(r) {
		names = append(names, s(j, "name"))
		if s(j, "last_run") != "<nil>" {
			t.Errorf("job %s has a last run before any ran: %v", s(j, "name"), j)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"custody-sweep", "lifecycle-sweep", "ownership-sweep", "review-sweep"}) {
		t.Errorf("jobs %q", names)
	}

	t.Run("only an admin runs a job", func(t *testing.T) {
		chair := e.token(t, e.officer(t, "tasking_chair"))
		for _, tok := range []string{f.aTok, chair} {
			wantProblem(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", tok, js(obj{"as_of": today})), http.StatusForbidden)
		}
		r := e.do(t, "GET", "/api/v1/jobs/ownership-sweep/runs", f.aTok, "")
		want(t, r, http.StatusOK)
		if len(items(r)) != 0 {
			t.Errorf("a refused run was recorded: %s", r)
		}
		r = e.do(t, "GET", "/api/v1/flags", f.aTok, "")
		if len(items(r)) != 0 {
			t.Errorf("a refused run raised flags: %s", r)
		}
		wantProblem(t, e.do(t, "POST", "/api/v1/jobs/no-such-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusNotFound)
		wantFields(t, e.do(t, "POST", "/api/v1/jobs/review-sweep/runs", e.admin, js(obj{"as_of": "2026-13-01"})),
			http.StatusUnprocessableEntity, "as_of")
	})

	run := vwRun(t, e, "ownership-sweep", today)
	for _, k := range []string{"id", "started_at", "finished_at"} {
		if s(run, k) == "<nil>" || s(run, k) == "" {
			t.Errorf("run lacks %s: %v", k, run)
		}
	}
	if s(run, "raised") != "3" || s(run, "resolved") != "0" {
		t.Errorf("first ownership sweep raised/resolved %s/%s, want 3/0", s(run, "raised"), s(run, "resolved"))
	}
	first := s(run, "id")
	got := map[string]string{"ownership-sweep": "3/0"}
	for _, job := range []string{"lifecycle-sweep", "review-sweep", "custody-sweep"} {
		run := vwRun(t, e, job, today)
		got[job] = s(run, "raised") + "/" + s(run, "resolved")
	}
	if !reflect.DeepEqual(got, vwFirstSweep) {
		t.Errorf("first sweeps raised/resolved %v, want %v", got, vwFirstSweep)
	}

	// A sweep that finds the same conditions changes nothing.
	again := vwRun(t, e, "ownership-sweep", today)
	if s(again, "raised") != "0" || s(again, "resolved") != "0" {
		t.Errorf("repeat sweep raised/resolved %s/%s, want 0/0", s(again, "raised"), s(again, "resolved"))
	}
	r = e.do(t, "GET", "/api/v1/jobs/ownership-sweep/runs", f.aTok, "")
	want(t, r, http.StatusOK)
	if got := ids(r); !slices.Equal(got, []string{s(again, "id"), first}) {
		t.Errorf("run history %q, want newest first [%s %s]", got, s(again, "id"), first)
	}
	r = e.do(t, "GET", "/api/v1/jobs", f.aTok, "")
	for _, j := range items(r) {
		if s(j, "last_run.status") != "succeeded" {
			t.Errorf("job %s last_run %v", s(j, "name"), get(j, "last_run"))
		}
		if s(j, "name") == "ownership-sweep" && s(j, "last_run.id") != s(again, "id") {
			t.Errorf("ownership-sweep last_run %s, want %s", s(j, "last_run.id"), s(again, "id"))
		}
	}

	t.Run("flag filters", func(t *testing.T) {
		type fl struct{ kind, order string }
		listAs := func(tok, q string) []fl {
			t.Helper()
			r := e.do(t, "GET", "/api/v1/flags?"+q, tok, "")
			want(t, r, http.StatusOK)
			out := []fl{}
			for _, it := range items(r) {
				out = append(out, fl{s(it, "kind"), s(it, "order_id")})
			}
			slices.SortFunc(out, func(a, b fl) int { return strings.Compare(a.kind+a.order, b.kind+b.order) })
			return out
		}
		list := func(q string) []fl { t.Helper(); return listAs(f.aTok, q) }
		sorted := func(l ...fl) []fl {
			slices.SortFunc(l, func(a, b fl) int { return strings.Compare(a.kind+a.order, b.kind+b.order) })
			return l
		}
		cases := []struct {
			q    string
			want []fl
		}{
			{"status=open&kind=unowned&force=gloucestershire", sorted(fl{"unowned", f.o3}, fl{"unowned", f.o4})},
			{"status=open&case_type=prison", sorted(fl{"unowned", f.o3}, fl{"unowned", f.o4},
				fl{"pre_release", f.o3}, fl{"release_date_passed", f.o4})},
			{"order_id=" + f.o1, sorted(fl{"check_overdue", f.o1})},
			// Need-to-know: a Gloucestershire officer sees no Dorset flags.
			{"force=dorset", []fl{}},
			{"order_id=" + f.o5, []fl{}},
			{"status=resolved", []fl{}},
			{"kind=expiring", []fl{}},
		}
		for _, c := range cases {
			if got := list(c.q); !slices.Equal(got, c.want) {
				t.Errorf("flags?%s\n got %v\nwant %v", c.q, got, c.want)
			}
		}
		// Unfiltered, the Gloucestershire officer's list holds only Gloucestershire flags.
		for _, it := range items(e.do(t, "GET", "/api/v1/flags", f.aTok, "")) {
			if s(it, "force") != "gloucestershire" {
				t.Errorf("gloucestershire officer sees a %s flag: %v", s(it, "force"), it)
			}
		}
		// The admin, and a regional lead in the south-west, see Dorset's.
		dorset := sorted(fl{"unowned", f.o5}, fl{"check_overdue", f.o5})
		regional := vwRegional(t, e)
		for who, tok := range map[string]string{"admin": e.admin, "regional": regional} {
			if got := listAs(tok, "force=dorset"); !slices.Equal(got, dorset) {
				t.Errorf("%s: flags?force=dorset\n got %v\nwant %v", who, got, dorset)
			}
			if got := listAs(tok, "status=open&kind=unowned"); !slices.Equal(got,
				sorted(fl{"unowned", f.o3}, fl{"unowned", f.o4}, fl{"unowned", f.o5})) {
				t.Errorf("%s: open unowned flags across forces %v", who, got)
			}
		}
		r := e.do(t, "GET", "/api/v1/flags?order_id="+f.o3+"&kind=unowned", f.aTok, "")
		fl0 := get(r.Body, "items.0")
		if s(fl0, "force") != "gloucestershire" || s(fl0, "case_type") != "prison" || s(fl0, "subject_id") != f.s3 ||
			s(fl0, "resolved_at") != "<nil>" || s(fl0, "raised_at") != now.Format(time.RFC3339) {
			t.Errorf("unowned flag for G-003: %v", fl0)
		}
		if got := vwStrings(get(fl0, "details.missing_roles")); len(got) == 0 {
			t.Errorf("unowned flag lacks details.missing_roles: %v", fl0)
		}
		wantFields(t, e.do(t, "GET", "/api/v1/flags?status=closed", f.aTok, ""), http.StatusUnprocessableEntity, "status")
		wantFields(t, e.do(t, "GET", "/api/v1/flags?kind=bogus", f.aTok, ""), http.StatusUnprocessableEntity, "kind")

		// Owning G-003 resolves its flag in the same change (the next sweep
		// finds nothing left to do); the resolved list shows it.
		f.own(t, f.o3, "iom", f.x, "Allocated.")
		run := vwRun(t, e, "ownership-sweep", today)
		if s(run, "raised") != "0" || s(run, "resolved") != "0" {
			t.Errorf("sweep after owning G-003 raised/resolved %s/%s, want 0/0", s(run, "raised"), s(run, "resolved"))
		}
		if got := list("status=resolved"); !slices.Equal(got, []fl{{"unowned", f.o3}}) {
			t.Errorf("resolved flags %v", got)
		}
		r = e.do(t, "GET", "/api/v1/flags?status=resolved", f.aTok, "")
		if s(r.Body, "items.0.resolved_by_run") != s(run, "id") && s(r.Body, "items.0.resolved_at") == "<nil>" {
			t.Errorf("resolved flag %v", get(r.Body, "items.0"))
		}
	})
}

func TestViewsTaskingReport(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	path := "/api/v1/reports/tasking?force=gloucestershire&as_of=" + today

	// The agenda comes from the rules themselves: before any sweep it
	// already shows the day's problems, none of them flagged yet.
	r := e.do(t, "GET", path, f.aTok, "")
	want(t, r, http.StatusOK)
	vwCheckSections(t, "before the sweeps", r.Body, vwTodaySections)
	if s(r.Body, "sections.check_overdue.0.open_since") != "<nil>" {
		t.Errorf("open_since before any flag was raised: %v", get(r.Body, "sections.check_overdue.0"))
	}

	if got := vwSweep(t, e, today); !reflect.DeepEqual(got, vwFirstSweep) {
		t.Errorf("sweeps %v, want %v", got, vwFirstSweep)
	}
	r = e.do(t, "GET", path, f.aTok, "")
	want(t, r, http.StatusOK)
	body := r.Body
	if s(body, "force") != "gloucestershire" || s(body, "as_of") != today {
		t.Errorf("report header force=%s as_of=%s", s(body, "force"), s(body, "as_of"))
	}
	vwCheckSections(t, "as of today", body, vwTodaySections)

	t.Run("items", func(t *testing.T) {
		it := get(body, "sections.check_overdue.0")
		if s(it, "order_id") != f.o1 || s(it, "case_type") != "community" || s(it, "subject.id") != f.s1 ||
			s(it, "subject.name") != "Alan Able" || s(it, "subject.pnc_id") != f.pnc1 {
			t.Errorf("check_overdue item %v", it)
		}
		if s(it, "owners.iom.id") != f.a || s(it, "owners.lro") != "<nil>" || s(it, "owners.orders_officer") != "<nil>" {
			t.Errorf("check_overdue owners %v", get(it, "owners"))
		}
		if s(it, "open_since") != now.Format(time.RFC3339) {
			t.Errorf("open_since %s, want the sweep's time %s", s(it, "open_since"), now.Format(time.RFC3339))
		}
		it = get(body, "sections.review_overdue.0")
		if s(it, "order_id") != f.o2 || s(it, "subject.name") != "Bella Brown" || s(it, "owners.iom.id") != f.a ||
			s(it, "owners.lro.id") != f.l || s(it, "owners.orders_officer.id") != f.l {
			t.Errorf("review_overdue item %v", it)
		}
		it = get(body, "sections.pre_release.0")
		if s(it, "order_id") != f.o3 || s(it, "case_type") != "prison" || s(it, "subject.id") != f.s3 ||
			s(it, "owners.iom") != "<nil>" || s(it, "subject.release_date") != "2027-03-01" {
			t.Errorf("pre_release item %v", it)
		}
		it = get(body, "sections.release_date_passed.0")
		if s(it, "order_id") != f.o4 || s(it, "case_type") != "prison" || s(it, "subject.name") != "Dina Dale" {
			t.Errorf("release_date_passed item %v", it)
		}
		for i, want := range []string{f.o3, f.o4} {
			if got := s(body, fmt.Sprintf("sections.unowned.%d.order_id", i)); got != want {
				t.Errorf("unowned.%d order %s, want %s", i, got, want)
			}
		}
	})

	t.Run("another day", func(t *testing.T) {
		r := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&as_of=2026-12-05", f.aTok, "")
		want(t, r, http.StatusOK)
		if s(r.Body, "as_of") != "2026-12-05" {
			t.Errorf("as_of %s", s(r.Body, "as_of"))
		}
		vwCheckSections(t, "as of 2026-12-05", r.Body, map[string][]string{
			"check_overdue":       {"G-001 od=20 rel=<nil>"},
			"review_overdue":      {"G-002 od=97 rel=<nil>"},
			"unowned":             {"G-003 od=<nil> rel=<nil>", "G-004 od=<nil> rel=<nil>"},
			"pre_release":         {"G-003 od=<nil> rel=86"},
			"release_date_passed": {"G-004 od=15 rel=<nil>"},
		})
		// The register as it stood on 2026-08-01: G-003's and G-004's
		// orders were not yet made; G-002 was in force with nobody
		// assigned yet (its owners came on 2026-11-25); no check was due
		// and G-002's review was not yet late.
		r = e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&as_of=2026-08-01", f.aTok, "")
		want(t, r, http.StatusOK)
		vwCheckSections(t, "as of 2026-08-01", r.Body, map[string][]string{
			"check_overdue":       {},
			"review_overdue":      {},
			"unowned":             {"G-002 od=<nil> rel=<nil>"},
			"pre_release":         {},
			"release_date_passed": {},
		})
	})

	t.Run("other force", func(t *testing.T) {
		dorset := map[string][]string{
			"check_overdue":       {"D-001 od=24 rel=<nil>"},
			"review_overdue":      {},
			"unowned":             {"D-001 od=<nil> rel=<nil>"},
			"pre_release":         {},
			"release_date_passed": {},
		}
		// The admin and a south-west regional lead see Dorset's agenda.
		regional := vwRegional(t, e)
		for who, tok := range map[string]string{"admin": e.admin, "regional": regional} {
			r := e.do(t, "GET", "/api/v1/reports/tasking?force=dorset", tok, "")
			want(t, r, http.StatusOK)
			if s(r.Body, "as_of") != today {
				t.Errorf("%s: as_of defaults to %s, want today %s", who, s(r.Body, "as_of"), today)
			}
			vwCheckSections(t, who+": dorset", r.Body, dorset)
		}
		r := e.do(t, "GET", path, regional, "")
		want(t, r, http.StatusOK)
		vwCheckSections(t, "regional: gloucestershire", r.Body, vwTodaySections)
		// A Gloucestershire officer cannot see Dorset's, as if it did not
		// exist; nor can the regional lead see a force outside the region.
		wantProblem(t, e.do(t, "GET", "/api/v1/reports/tasking?force=dorset", f.aTok, ""), http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/reports/tasking?force=dorset", f.aTok, "", "Accept", "text/csv"),
			http.StatusNotFound)
		wantProblem(t, e.do(t, "GET", "/api/v1/reports/tasking?force=kent", regional, ""), http.StatusNotFound)
		// The admin sees a force anywhere.
		want(t, e.do(t, "GET", "/api/v1/reports/tasking?force=kent", e.admin, ""), http.StatusOK)
		wantFields(t, e.do(t, "GET", "/api/v1/reports/tasking", f.aTok, ""), http.StatusUnprocessableEntity, "force")
		wantFields(t, e.do(t, "GET", "/api/v1/reports/tasking?force=dorset&as_of=yesterday", f.aTok, ""),
			http.StatusUnprocessableEntity, "as_of")
	})

	t.Run("csv", func(t *testing.T) {
		r := e.do(t, "GET", path, f.aTok, "", "Accept", "text/csv")
		want(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type %q, want text/csv", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Raw))).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v\n%s", err, r.Raw)
		}
		header := []string{"section", "order_id", "reference", "case_type", "subject_id", "subject_name", "pnc_id",
			"iom", "lro", "orders_officer", "days_overdue", "days_to_release", "open_since", "days_to_end"}
		if len(rows) == 0 || !slices.Equal(rows[0], header) {
			t.Fatalf("CSV header %q, want %q", rows, header)
		}
		// The same items as the JSON, section by section.
		var wantRows [][]string
		for _, sec := range domain.TaskingSections {
			list, _ := get(body, "sections."+sec).([]any)
			for _, it := range list {
				cell := func(p string) string {
					if v := s(it, p); v != "<nil>" {
						return v
					}
					return ""
				}
				wantRows = append(wantRows, []string{sec, cell("order_id"), cell("reference"), cell("case_type"),
					cell("subject.id"), cell("subject.name"), cell("subject.pnc_id"), cell("owners.iom.name"),
					cell("owners.lro.name"), cell("owners.orders_officer.name"), cell("days_overdue"),
					cell("days_to_release"), cell("open_since"), cell("days_to_end")})
			}
		}
		if !reflect.DeepEqual(rows[1:], wantRows) {
			t.Errorf("CSV rows\n got %q\nwant %q", rows[1:], wantRows)
		}
		// And spelled out, for the first rows.
		aName := s(get(body, "sections.check_overdue.0"), "owners.iom.name")
		lName := s(get(body, "sections.review_overdue.0"), "owners.lro.name")
		if aName == "<nil>" || lName == "<nil>" {
			t.Fatalf("owners carry no names: %v", body)
		}
		exact := [][]string{
			{"check_overdue", f.o1, "G-001", "community", f.s1, "Alan Able", f.pnc1, aName, "", "", "10", "", "2026-11-25T10:00:00Z", ""},
			{"review_overdue", f.o2, "G-002", "community", f.s2, "Bella Brown", f.pnc2, aName, lName, lName, "87", "", "2026-11-25T10:00:00Z", ""},
			{"unowned", f.o3, "G-003", "prison", f.s3, "Carl Cole", f.pnc3, "", "", "", "", "", "2026-11-25T10:00:00Z", ""},
			{"unowned", f.o4, "G-004", "prison", f.s4, "Dina Dale", f.pnc4, "", "", "", "", "", "2026-11-25T10:00:00Z", ""},
			{"pre_release", f.o3, "G-003", "prison", f.s3, "Carl Cole", f.pnc3, "", "", "", "", "96", "2026-11-25T10:00:00Z", ""},
			{"release_date_passed", f.o4, "G-004", "prison", f.s4, "Dina Dale", f.pnc4, "", "", "", "5", "", "2026-11-25T10:00:00Z", ""},
		}
		if !reflect.DeepEqual(rows[1:], exact) {
			t.Errorf("CSV rows\n got %q\nwant %q", rows[1:], exact)
		}
		// JSON is still the default, and wins when preferred first.
		r = e.do(t, "GET", path, f.aTok, "", "Accept", "application/json, text/csv")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Accept: application/json, text/csv gave %q", ct)
		}
	})
}

func TestViewsPreReleaseReport(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	vwSweep(t, e, today)
	type row struct {
		order, release, days, ready, missing string
	}
	reportAs := func(tok, q string) (map[string]any, []row) {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/reports/pre-release?"+q, tok, "")
		want(t, r, http.StatusOK)
		out := []row{}
		for _, it := range items(r) {
			out = append(out, row{s(it, "order_id"), s(it, "release_date"), s(it, "days_to_release"), s(it, "ready"),
				strings.Join(vwStrings(get(it, "missing")), ",")})
		}
		return r.Body, out
	}
	report := func(q string) (map[string]any, []row) { t.Helper(); return reportAs(f.aTok, q) }

	body, got := report("within_days=180&force=gloucestershire")
	w := []row{
		{f.o4, "2026-11-20", "-5", "false", "iom_owner,pre_release_review"},
		{f.o3, "2027-03-01", "96", "false", "iom_owner,pre_release_review"},
	}
	if !slices.Equal(got, w) {
		t.Errorf("pre-release, by release date\n got %v\nwant %v", got, w)
	}
	if s(body, "within_days") != "180" || s(body, "force") != "gloucestershire" || s(body, "as_of") != today {
		t.Errorf("report header %v", body)
	}
	it := get(body, "items.1")
	if s(it, "subject.id") != f.s3 || s(it, "subject.name") != "Carl Cole" || s(it, "establishment") != "HMP Bristol" ||
		s(it, "release_date_type") != "CRD" || s(it, "reference") != "G-003" || s(it, "owners.iom") != "<nil>" {
		t.Errorf("G-003 item %v", it)
	}

	if _, got := report("within_days=30&force=gloucestershire"); !slices.Equal(got, w[:1]) {
		t.Errorf("within 30 days %v, want only the passed release %v", got, w[:1])
	}
	// Dorset is outside a Gloucestershire officer's view: not found.
	wantProblem(t, e.do(t, "GET", "/api/v1/reports/pre-release?force=dorset", f.aTok, ""), http.StatusNotFound)
	// The admin and a south-west regional lead see it: nobody in custody.
	regional := vwRegional(t, e)
	for who, tok := range map[string]string{"admin": e.admin, "regional": regional} {
		if _, got := reportAs(tok, "force=dorset"); len(got) != 0 {
			t.Errorf("%s: dorset has nobody in custody, got %v", who, got)
		}
		if _, got := reportAs(tok, ""); !slices.Equal(got, w) {
			t.Errorf("%s: all forces, default window %v, want %v", who, got, w)
		}
	}
	// Kent is outside the regional lead's region.
	wantProblem(t, e.do(t, "GET", "/api/v1/reports/pre-release?force=kent", regional, ""), http.StatusNotFound)
	if _, got := report(""); !slices.Equal(got, w) {
		t.Errorf("all visible forces, default window %v, want %v", got, w)
	}
	wantFields(t, e.do(t, "GET", "/api/v1/reports/pre-release?within_days=-1", f.aTok, ""), http.StatusUnprocessableEntity, "within_days")

	// An iom owner alone does not make the case ready...
	f.own(t, f.o3, "iom", f.x, "Community owner before release.")
	body, got = report("within_days=180&force=gloucestershire")
	if got[1] != (row{f.o3, "2027-03-01", "96", "false", "pre_release_review"}) {
		t.Errorf("with an iom owner: %v", got[1])
	}
	if s(body, "items.1.owners.iom.id") != f.x {
		t.Errorf("owners %v", get(body, "items.1.owners"))
	}
	// A regional lead reads but does not record reviews.
	wantProblem(t, e.do(t, "POST", "/api/v1/orders/"+f.o3+"/reviews", regional,
		js(obj{"reviewed_on": today, "kind": "pre_release", "outcome": "satisfactory", "notes": "Release plan agreed."})),
		http.StatusForbidden)
	if _, got = report("within_days=180&force=gloucestershire"); got[1].ready != "false" {
		t.Errorf("a refused review made G-003 ready: %v", got[1])
	}
	if r := e.do(t, "GET", "/api/v1/orders/"+f.o3+"/reviews", regional, ""); r.Status != http.StatusOK || len(items(r)) != 0 {
		t.Errorf("reviews of G-003 after a refused one: %s", r)
	}
	// ...a pre-release review inside the window as well does.
	want(t, e.do(t, "POST", "/api/v1/orders/"+f.o3+"/reviews", e.admin,
		js(obj{"reviewed_on": today, "kind": "pre_release", "outcome": "satisfactory", "notes": "Release plan agreed."})),
		http.StatusCreated)
	_, got = report("within_days=180&force=gloucestershire")
	if got[1] != (row{f.o3, "2027-03-01", "96", "true", ""}) {
		t.Errorf("with an iom owner and a pre-release review: %v", got[1])
	}
	if got[0].ready != "false" {
		t.Errorf("G-004 became ready: %v", got[0])
	}
	// The flag agrees at once: the review resolved G-003's pre_release flag,
	// so the custody sweep has nothing to do.
	run := vwRun(t, e, "custody-sweep", today)
	if s(run, "raised") != "0" || s(run, "resolved") != "0" {
		t.Errorf("custody sweep raised/resolved %s/%s, want 0/0", s(run, "raised"), s(run, "resolved"))
	}
	r := e.do(t, "GET", "/api/v1/flags?status=open&kind=pre_release", f.aTok, "")
	if len(items(r)) != 0 {
		t.Errorf("pre_release flags still open: %s", r)
	}
}

func TestViewsRegionReport(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	vwSweep(t, e, today)
	type line struct {
		community, prison, owned, onTime string
		flags                            map[string]string
	}
	zero := map[string]string{}
	for _, k := range domain.FlagKinds {
		zero[k] = "0"
	}
	flags := func(changes map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range zero {
			out[k] = v
		}
		for k, v := range changes {
			out[k] = v
		}
		return out
	}
	w := map[string]line{
		"avon-and-somerset":  {"0", "0", "0", "0", flags(nil)},
		"devon-and-cornwall": {"0", "0", "0", "0", flags(nil)},
		"dorset":             {"1", "0", "0", "1", flags(map[string]string{"unowned": "1", "check_overdue": "1"})},
		// G-001, G-002, G-006 community; G-003, G-004 prison; A and L own
		// three; G-002's review is late.
		"gloucestershire": {"3", "2", "3", "4", flags(map[string]string{"unowned": "2", "review_overdue": "1",
			"check_overdue": "1", "pre_release": "1", "release_date_passed": "1"})},
		"wiltshire": {"0", "0", "0", "0", flags(nil)},
	}
	lines := func(r resp) (map[string]line, []string) {
		t.Helper()
		if s(r.Body, "region") != "south-west" || s(r.Body, "as_of") != today {
			t.Errorf("header %v", r.Body)
		}
		got := map[string]line{}
		var order []string
		forces, _ := r.Body["forces"].([]any)
		for _, fc := range forces {
			code := s(fc, "force")
			order = append(order, code)
			fl := map[string]string{}
			if m, ok := get(fc, "open_flags").(map[string]any); ok {
				for k, v := range m {
					fl[k] = fmt.Sprint(v)
				}
			}
			got[code] = line{s(fc, "live_orders.community"), s(fc, "live_orders.prison"), s(fc, "owned"),
				s(fc, "reviews_on_time"), fl}
		}
		return got, order
	}

	// The admin and a south-west regional lead see the whole region.
	regional := vwRegional(t, e)
	for who, tok := range map[string]string{"admin": e.admin, "regional": regional} {
		r := e.do(t, "GET", "/api/v1/reports/region?region=south-west", tok, "")
		want(t, r, http.StatusOK)
		got, order := lines(r)
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: region report\n got %v\nwant %v", who, got, w)
		}
		if !slices.Equal(order, []string{"avon-and-somerset", "devon-and-cornwall", "dorset", "gloucestershire", "wiltshire"}) {
			t.Errorf("%s: forces %q", who, order)
		}
	}
	// A Gloucestershire officer sees only Gloucestershire's line.
	r := e.do(t, "GET", "/api/v1/reports/region?region=south-west", f.aTok, "")
	want(t, r, http.StatusOK)
	got, order := lines(r)
	if !reflect.DeepEqual(got, map[string]line{"gloucestershire": w["gloucestershire"]}) {
		t.Errorf("gloucestershire officer's region report\n got %v\nwant only %v", got, w["gloucestershire"])
	}
	if !slices.Equal(order, []string{"gloucestershire"}) {
		t.Errorf("gloucestershire officer's forces %q", order)
	}
	// A region with no force in view is not found, for the regional lead as
	// for the officer; the admin sees it.
	wantProblem(t, e.do(t, "GET", "/api/v1/reports/region?region=south-east", regional, ""), http.StatusNotFound)
	wantProblem(t, e.do(t, "GET", "/api/v1/reports/region?region=south-east", f.aTok, ""), http.StatusNotFound)
	want(t, e.do(t, "GET", "/api/v1/reports/region?region=south-east", e.admin, ""), http.StatusOK)

	// Resolving flags and owning orders shows up on the next sweep.
	f.own(t, f.o3, "iom", f.x, "Allocated.")
	f.own(t, f.o4, "iom", f.x, "Allocated.")
	vwRun(t, e, "ownership-sweep", today)
	r = e.do(t, "GET", "/api/v1/reports/region?region=south-west", f.aTok, "")
	for _, fc := range r.Body["forces"].([]any) {
		if s(fc, "force") == "gloucestershire" && (s(fc, "owned") != "5" || s(fc, "open_flags.unowned") != "0") {
			t.Errorf("gloucestershire after owning all: owned %s, unowned %s", s(fc, "owned"), s(fc, "open_flags.unowned"))
		}
	}

	wantFields(t, e.do(t, "GET", "/api/v1/reports/region", f.aTok, ""), http.StatusUnprocessableEntity, "region")
	wantProblem(t, e.do(t, "GET", "/api/v1/reports/region?region=atlantis", f.aTok, ""), http.StatusNotFound)
}

func TestViewsCaseload(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	vwSweep(t, e, today)

	r := e.do(t, "GET", "/api/v1/caseload", f.aTok, "")
	want(t, r, http.StatusOK)
	if s(r.Body, "officer.id") != f.a {
		t.Errorf("caseload officer %v, want the caller %s", get(r.Body, "officer"), f.a)
	}
	type row struct{ order, ref, subject, caseType, roles, review, check, flags string }
	rows := func(r resp) []row {
		out := []row{}
		for _, it := range items(r) {
			out = append(out, row{s(it, "order_id"), s(it, "reference"), s(it, "subject.name"), s(it, "case_type"),
				strings.Join(vwStrings(get(it, "roles")), ","), s(it, "next_review_due"), s(it, "next_check_due"),
				strings.Join(vwStrings(get(it, "open_flags")), ",")})
		}
		return out
	}
	// Most urgent first: G-002's review is 87 days late, G-001's check 10
	// days; G-006 has nothing open.
	w := []row{
		{f.o2, "G-002", "Bella Brown", "community", "iom", "2026-08-30", "<nil>", "review_overdue"},
		{f.o1, "G-001", "Alan Able", "community", "iom", "2027-01-30", "2026-11-15", "check_overdue"},
		{f.o6, "G-006", "Fay Ford", "community", "iom", "2027-01-30", "<nil>", ""},
	}
	if got := rows(r); !slices.Equal(got, w) {
		t.Errorf("A's caseload\n got %v\nwant %v", got, w)
	}
	if s(r.Body, "items.0.subject.id") != f.s2 || s(r.Body, "items.0.subject.pnc_id") != f.pnc2 {
		t.Errorf("subject %v", get(r.Body, "items.0.subject"))
	}

	// Someone else's, by officer_id.
	r = e.do(t, "GET", "/api/v1/caseload?officer_id="+f.l, f.aTok, "")
	want(t, r, http.StatusOK)
	if got := rows(r); !slices.Equal(got, []row{{f.o2, "G-002", "Bella Brown", "community", "lro,orders_officer",
		"2026-08-30", "<nil>", "review_overdue"}}) {
		t.Errorf("L's caseload %v", got)
	}
	// A prison case carries its case type and every open flag.
	f.own(t, f.o3, "iom", f.x, "Allocated.")
	vwRun(t, e, "ownership-sweep", today)
	r = e.do(t, "GET", "/api/v1/caseload?officer_id="+f.x, e.admin, "")
	if got := rows(r); !slices.Equal(got, []row{{f.o3, "G-003", "Carl Cole", "prison", "iom", "2027-04-18", "<nil>", "pre_release"}}) {
		t.Errorf("X's caseload %v", got)
	}
	if got := vwCaseloadOrders(t, e, e.admin, ""); len(got) != 0 {
		t.Errorf("the admin owns nothing, caseload %v", got)
	}
	// An ended order leaves the caseload.
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+f.o6, e.admin,
		js(obj{"status": "discharged", "ended_on": today, "end_reason": "Discharged on appeal."})), http.StatusOK)
	if got := vwCaseloadOrders(t, e, f.aTok, ""); !slices.Equal(got, []string{f.o2, f.o1}) {
		t.Errorf("caseload after discharging G-006 %v", got)
	}
	wantProblem(t, e.do(t, "GET", "/api/v1/caseload?officer_id="+noSuchID, f.aTok, ""), http.StatusNotFound)
	wantFields(t, e.do(t, "GET", "/api/v1/caseload?officer_id=nope", f.aTok, ""), http.StatusUnprocessableEntity, "officer_id")
}

func TestViewsTaskingMeeting(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	vwSweep(t, e, today)
	chairID := e.officer(t, "tasking_chair")
	chair := e.token(t, chairID)

	t.Run("permissions", func(t *testing.T) {
		wantProblem(t, e.do(t, "POST", "/api/v1/meetings", f.aTok, js(obj{"force": "gloucestershire", "held_on": today})),
			http.StatusForbidden)
		r := e.do(t, "GET", "/api/v1/meetings", f.aTok, "")
		want(t, r, http.StatusOK)
		if len(items(r)) != 0 {
			t.Errorf("a refused meeting was opened: %s", r)
		}
	})
	wantFields(t, e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "atlantis", "held_on": "2026-02-30"})),
		http.StatusUnprocessableEntity, "force", "held_on")
	wantFields(t, e.do(t, "POST", "/api/v1/meetings", chair, "{}"), http.StatusUnprocessableEntity, "force", "held_on")
	wantFields(t, e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "atlantis", "held_on": today})),
		http.StatusUnprocessableEntity, "force")

	r := e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": "2026-11-26"}))
	want(t, r, http.StatusCreated)
	meeting := r.Body
	mid := s(meeting, "id")
	if loc := r.Header.Get("Location"); loc != "/api/v1/meetings/"+mid {
		t.Errorf("Location %q", loc)
	}
	if s(meeting, "force") != "gloucestershire" || s(meeting, "held_on") != "2026-11-26" || s(meeting, "created_by.id") != chairID {
		t.Errorf("meeting %v", meeting)
	}

	// The agenda is the force's open flags, in the agenda's section order.
	agenda, _ := meeting["agenda"].([]any)
	type ai struct{ kind, order string }
	var gotAgenda []ai
	for i, it := range agenda {
		gotAgenda = append(gotAgenda, ai{s(it, "kind"), s(it, "order_id")})
		if s(it, "position") != fmt.Sprint(i+1) {
			t.Errorf("item %d position %s", i, s(it, "position"))
		}
		if d, _ := get(it, "decisions").([]any); len(d) != 0 {
			t.Errorf("new item with decisions: %v", it)
		}
	}
	wantAgenda := []ai{{"check_overdue", f.o1}, {"review_overdue", f.o2}, {"unowned", f.o3}, {"unowned", f.o4},
		{"pre_release", f.o3}, {"release_date_passed", f.o4}}
	if len(gotAgenda) == 6 && gotAgenda[2].order == f.o4 { // the two unowned items may come either way
		gotAgenda[2], gotAgenda[3] = gotAgenda[3], gotAgenda[2]
	}
	if !slices.Equal(gotAgenda, wantAgenda) {
		t.Fatalf("agenda\n got %v\nwant %v", gotAgenda, wantAgenda)
	}
	fr := e.do(t, "GET", "/api/v1/flags?status=open&force=gloucestershire", f.aTok, "")
	flagIDs := ids(fr)
	var agendaFlags []string
	for _, it := range agenda {
		agendaFlags = append(agendaFlags, s(it, "flag_id"))
	}
	slices.Sort(flagIDs)
	slices.Sort(agendaFlags)
	if !slices.Equal(flagIDs, agendaFlags) {
		t.Errorf("agenda flags %q, open flags %q", agendaFlags, flagIDs)
	}
	item := func(kind, order string) string {
		for _, it := range agenda {
			if s(it, "kind") == kind && s(it, "order_id") == order {
				return s(it, "id")
			}
		}
		t.Fatalf("no %s item for %s", kind, order)
		return ""
	}
	if it := agenda[0]; s(it, "subject_id") != f.s1 || s(it, "case_type") != "community" || s(it, "details.days_overdue") != "10" {
		t.Errorf("check_overdue item %v", it)
	}
	decide := func(token string, body obj) resp {
		t.Helper()
		return e.do(t, "POST", "/api/v1/meetings/"+mid+"/decisions", token, js(body))
	}
	decisionsOf := func(m map[string]any) map[string][]string {
		out := map[string][]string{}
		list, _ := m["agenda"].([]any)
		for _, it := range list {
			ds, _ := get(it, "decisions").([]any)
			for _, d := range ds {
				out[s(it, "id")] = append(out[s(it, "id")], s(d, "decision"))
			}
		}
		return out
	}
	getMeeting := func() map[string]any {
		t.Helper()
		r := e.do(t, "GET", "/api/v1/meetings/"+mid, f.aTok, "")
		want(t, r, http.StatusOK)
		return r.Body
	}

	var assigned, scheduled map[string]any
	t.Run("assign_owner", func(t *testing.T) {
		wantProblem(t, decide(f.aTok, obj{"item_id": item("unowned", f.o3), "decision": "assign_owner", "role": "iom",
			"officer_id": f.x}), http.StatusForbidden)
		r := decide(chair, obj{"item_id": item("unowned", f.o3), "decision": "assign_owner", "role": "iom",
			"officer_id": f.x, "action_by": chairID, "due_by": "2026-12-01", "notes": "X to take the case before release."})
		want(t, r, http.StatusCreated)
		assigned = r.Body
		if s(r.Body, "decision") != "assign_owner" || s(r.Body, "item_id") != item("unowned", f.o3) ||
			s(r.Body, "action_by.id") != chairID || s(r.Body, "due_by") != "2026-12-01" || s(r.Body, "decided_by.id") != chairID ||
			s(r.Body, "role") != "iom" || s(r.Body, "officer_id") != f.x || s(r.Body, "assignment_id") == "<nil>" {
			t.Errorf("decision %s", r)
		}
		if got := vwOrderOwner(t, e, f.o3, "iom"); got != f.x {
			t.Errorf("G-003 iom owner %s, want %s", got, f.x)
		}
		h := vwHistory(t, e, f.o3)
		if len(h) != 1 || s(h[0], "role") != "iom" || s(h[0], "officer.id") != f.x || s(h[0], "until") != "<nil>" ||
			s(h[0], "assigned_by.id") != chairID || s(h[0], "reason") == "<nil>" || s(h[0], "reason") == "" {
			t.Errorf("G-003 owner history %v", h)
		}
		if s(h[0], "id") != "<nil>" && s(h[0], "id") != s(r.Body, "assignment_id") {
			t.Errorf("history row %s is not the decision's assignment %s", s(h[0], "id"), s(r.Body, "assignment_id"))
		}
	})

	t.Run("schedule_check", func(t *testing.T) {
		r := decide(chair, obj{"item_id": item("check_overdue", f.o1), "decision": "schedule_check",
			"check_kind": "home_visit", "check_due_on": "2026-12-03", "action_by": f.a, "due_by": "2026-12-03"})
		want(t, r, http.StatusCreated)
		scheduled = r.Body
		checkID := s(r.Body, "check_id")
		if checkID == "<nil>" || s(r.Body, "check_kind") != "home_visit" || s(r.Body, "check_due_on") != "2026-12-03" ||
			s(r.Body, "action_by.id") != f.a {
			t.Errorf("decision %s", r)
		}
		cr := e.do(t, "GET", "/api/v1/orders/"+f.o1+"/checks", f.aTok, "")
		want(t, cr, http.StatusOK)
		found := false
		for _, c := range items(cr) {
			if s(c, "id") == checkID {
				found = true
				if s(c, "kind") != "home_visit" || s(c, "due_on") != "2026-12-03" || s(c, "outcome") != "<nil>" {
					t.Errorf("scheduled check %v", c)
				}
			}
		}
		if !found || len(items(cr)) != 2 {
			t.Errorf("checks on G-001 %s, want the overdue one and %s", cr, checkID)
		}
		// The same rules as the direct endpoint: a due date before the order was made is refused.
		wantFields(t, decide(chair, obj{"item_id": item("check_overdue", f.o1), "decision": "schedule_check",
			"check_kind": "home_visit", "check_due_on": "2020-01-01"}), http.StatusUnprocessableEntity, "check_due_on")
		wantFields(t, decide(chair, obj{"item_id": item("check_overdue", f.o1), "decision": "schedule_check",
			"check_kind": "psychic", "check_due_on": "2026-12-03"}), http.StatusUnprocessableEntity, "check_kind")
	})

	t.Run("escalate and no_action", func(t *testing.T) {
		r := decide(chair, obj{"item_id": item("review_overdue", f.o2), "decision": "escalate", "action_by": f.l,
			"due_by": "2026-12-10", "notes": "Refer to the detective inspector."})
		want(t, r, http.StatusCreated)
		if s(r.Body, "decision") != "escalate" || s(r.Body, "action_by.id") != f.l || s(r.Body, "due_by") != "2026-12-10" ||
			s(r.Body, "notes") != "Refer to the detective inspector." || s(r.Body, "assignment_id") != "<nil>" ||
			s(r.Body, "check_id") != "<nil>" {
			t.Errorf("escalate %s", r)
		}
		r = decide(chair, obj{"item_id": item("release_date_passed", f.o4), "decision": "no_action",
			"notes": "Release confirmed; custody record being updated."})
		want(t, r, http.StatusCreated)
		if s(r.Body, "decision") != "no_action" || s(r.Body, "action_by") != "<nil>" {
			t.Errorf("no_action %s", r)
		}
	})

	t.Run("refused decisions record nothing", func(t *testing.T) {
		before := decisionsOf(getMeeting())
		// L holds lro and orders_officer, not iom_officer.
		wantFields(t, decide(chair, obj{"item_id": item("unowned", f.o4), "decision": "assign_owner", "role": "iom",
			"officer_id": f.l, "action_by": chairID}), http.StatusUnprocessableEntity, "officer_id")
		if got := vwOrderOwner(t, e, f.o4, "iom"); got != "<nil>" {
			t.Errorf("a refused decision assigned G-004 to %s", got)
		}
		if h := vwHistory(t, e, f.o4); len(h) != 0 {
			t.Errorf("a refused decision left history %v", h)
		}
		wantFields(t, decide(chair, obj{"item_id": noSuchID, "decision": "no_action"}), http.StatusUnprocessableEntity, "item_id")
		wantFields(t, decide(chair, obj{"decision": "shrug", "due_by": "soon"}),
			http.StatusUnprocessableEntity, "item_id", "decision", "due_by")
		wantFields(t, decide(chair, obj{"item_id": item("unowned", f.o4), "decision": "shrug"}),
			http.StatusUnprocessableEntity, "decision")
		wantFields(t, decide(chair, obj{"item_id": item("unowned", f.o4), "decision": "assign_owner"}),
			http.StatusUnprocessableEntity, "role", "officer_id")
		wantFields(t, decide(chair, obj{"item_id": item("unowned", f.o4), "decision": "escalate", "action_by": noSuchID}),
			http.StatusUnprocessableEntity, "action_by", "notes")
		wantProblem(t, e.do(t, "POST", "/api/v1/meetings/"+noSuchID+"/decisions", chair,
			js(obj{"item_id": item("unowned", f.o4), "decision": "no_action"})), http.StatusNotFound)
		if after := decisionsOf(getMeeting()); !reflect.DeepEqual(before, after) {
			t.Errorf("refused decisions changed the record:\nbefore %v\nafter  %v", before, after)
		}
	})

	// The agenda as it stood, with its decisions.
	m := getMeeting()
	wantDecisions := map[string][]string{
		item("unowned", f.o3):             {"assign_owner"},
		item("check_overdue", f.o1):       {"schedule_check"},
		item("review_overdue", f.o2):      {"escalate"},
		item("release_date_passed", f.o4): {"no_action"},
	}
	if got := decisionsOf(m); !reflect.DeepEqual(got, wantDecisions) {
		t.Errorf("decisions by item\n got %v\nwant %v", got, wantDecisions)
	}
	if assigned != nil && scheduled != nil {
		for _, it := range m["agenda"].([]any) {
			ds, _ := get(it, "decisions").([]any)
			for _, d := range ds {
				switch s(d, "decision") {
				case "assign_owner":
					if s(d, "id") != s(assigned, "id") || s(d, "assignment_id") != s(assigned, "assignment_id") {
						t.Errorf("assign_owner shown as %v, recorded as %v", d, assigned)
					}
				case "schedule_check":
					if s(d, "id") != s(scheduled, "id") || s(d, "check_id") != s(scheduled, "check_id") {
						t.Errorf("schedule_check shown as %v, recorded as %v", d, scheduled)
					}
				}
			}
		}
	}

	// The flags move on: G-004 is owned, G-001's overdue check is done,
	// and each change resolves its flag (G-003 was owned at the meeting).
	f.own(t, f.o4, "iom", f.x, "Allocated after the meeting.")
	cr := e.do(t, "GET", "/api/v1/orders/"+f.o1+"/checks", e.admin, "")
	for _, c := range items(cr) {
		if s(c, "due_on") == "2026-11-15" {
			want(t, e.do(t, "PATCH", "/api/v1/orders/"+f.o1+"/checks/"+s(c, "id"), e.admin,
				js(obj{"completed_on": today, "outcome": "compliant"})), http.StatusOK)
		}
	}
	if run := vwRun(t, e, "ownership-sweep", today); s(run, "resolved") != "0" {
		t.Errorf("ownership sweep resolved %s, want 0: the allocations resolved G-003's and G-004's flags", s(run, "resolved"))
	}
	if run := vwRun(t, e, "review-sweep", today); s(run, "resolved") != "0" {
		t.Errorf("review sweep resolved %s, want 0: completing G-001's check resolved its flag", s(run, "resolved"))
	}
	fr = e.do(t, "GET", "/api/v1/flags?status=open&force=gloucestershire", f.aTok, "")
	if len(items(fr)) != 3 {
		t.Errorf("open flags after the meeting: %s", fr)
	}

	// The meeting's agenda is frozen: the same items, flags and details.
	later := getMeeting()
	strip := func(m map[string]any) string {
		list, _ := m["agenda"].([]any)
		var out []any
		for _, it := range list {
			c := map[string]any{}
			for k, v := range it.(map[string]any) {
				if k != "decisions" {
					c[k] = v
				}
			}
			out = append(out, c)
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	if strip(later) != strip(meeting) {
		t.Errorf("agenda changed after the flags moved on\nopened %s\n   now %s", strip(meeting), strip(later))
	}
	if got := decisionsOf(later); !reflect.DeepEqual(got, wantDecisions) {
		t.Errorf("decisions after the flags moved on %v", got)
	}

	// A meeting opened now sees only what is still open.
	r = e.do(t, "POST", "/api/v1/meetings", chair, js(obj{"force": "gloucestershire", "held_on": "2026-12-03"}))
	want(t, r, http.StatusCreated)
	second := r.Body
	var kinds []ai
	for _, it := range second["agenda"].([]any) {
		kinds = append(kinds, ai{s(it, "kind"), s(it, "order_id")})
	}
	if w := []ai{{"review_overdue", f.o2}, {"pre_release", f.o3}, {"release_date_passed", f.o4}}; !slices.Equal(kinds, w) {
		t.Errorf("second agenda %v, want %v", kinds, w)
	}
	// An item of the second meeting is not an item of the first.
	wantFields(t, decide(chair, obj{"item_id": s(second, "agenda.0.id"), "decision": "no_action"}),
		http.StatusUnprocessableEntity, "item_id")

	r = e.do(t, "GET", "/api/v1/meetings?force=gloucestershire", f.aTok, "")
	want(t, r, http.StatusOK)
	if got := ids(r); len(got) != 2 || !slices.Contains(got, mid) || !slices.Contains(got, s(second, "id")) {
		t.Errorf("meetings %q", got)
	}
	r = e.do(t, "GET", "/api/v1/meetings?force=dorset", f.aTok, "")
	if len(items(r)) != 0 {
		t.Errorf("dorset meetings %s", r)
	}
	wantProblem(t, e.do(t, "GET", "/api/v1/meetings/"+noSuchID, f.aTok, ""), http.StatusNotFound)

	// The direct endpoint's rules hold for an order ended since the
	// meeting: 409, and no decision is recorded.
	want(t, e.do(t, "PATCH", "/api/v1/orders/"+f.o2, e.admin,
		js(obj{"status": "discharged", "ended_on": today, "end_reason": "Discharged on appeal."})), http.StatusOK)
	wantProblem(t, e.do(t, "PUT", "/api/v1/orders/"+f.o2+"/owners/iom", e.admin,
		js(obj{"officer_id": f.x, "reason": "Direct."})), http.StatusConflict)
	wantProblem(t, decide(chair, obj{"item_id": item("review_overdue", f.o2), "decision": "assign_owner", "role": "iom",
		"officer_id": f.x}), http.StatusConflict)
	if got := decisionsOf(getMeeting()); !reflect.DeepEqual(got, wantDecisions) {
		t.Errorf("a refused decision on an ended order was recorded: %v", got)
	}
	if got := vwOrderOwner(t, e, f.o2, "iom"); got != f.a {
		t.Errorf("ended G-002's iom owner %s, want A", got)
	}
}

func TestViewsBulkReassignment(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	chairID := e.officer(t, "tasking_chair")
	chair := e.token(t, chairID)
	b := e.officer(t, "iom_officer")
	c := e.officer(t, "lro") // lacks iom_officer
	path := "/api/v1/officers/" + f.a + "/reassign"
	aOrders := []string{f.o2, f.o1, f.o6}
	sorted := func(l []string) []string { l = slices.Clone(l); slices.Sort(l); return l }
	histLen := func() map[string]int {
		out := map[string]int{}
		for _, o := range []string{f.o1, f.o2, f.o6} {
			out[o] = len(vwHistory(t, e, o))
		}
		return out
	}
	before := histLen()

	t.Run("refused", func(t *testing.T) {
		reason := "A on long-term leave."
		wantProblem(t, e.do(t, "POST", path, f.aTok, js(obj{"to_officer_id": b, "reason": reason})), http.StatusForbidden)
		// One error per ownership that cannot move, naming the order.
		aFields := []string{"orders." + f.o1 + ".iom", "orders." + f.o2 + ".iom", "orders." + f.o6 + ".iom"}
		wantFields(t, e.do(t, "POST", path, chair, js(obj{"to_officer_id": c, "reason": reason})),
			http.StatusUnprocessableEntity, aFields...)
		wantFields(t, e.do(t, "POST", path, chair, js(obj{"to_officer_id": c, "roles": []string{"iom"}, "reason": reason})),
			http.StatusUnprocessableEntity, aFields...)
		wantFields(t, e.do(t, "POST", path, chair, js(obj{"to_officer_id": f.a, "reason": reason})),
			http.StatusUnprocessableEntity, "to_officer_id")
		wantFields(t, e.do(t, "POST", path, chair, js(obj{"to_officer_id": noSuchID, "reason": reason})),
			http.StatusUnprocessableEntity, "to_officer_id")
		wantFields(t, e.do(t, "POST", path, chair, js(obj{"to_officer_id": b})), http.StatusUnprocessableEntity, "reason")
		wantFields(t, e.do(t, "POST", path, chair, js(obj{"to_officer_id": b, "roles": []string{"boss"}, "reason": reason})),
			http.StatusUnprocessableEntity, "roles")
		wantProblem(t, e.do(t, "POST", "/api/v1/officers/"+noSuchID+"/reassign", chair,
			js(obj{"to_officer_id": b, "reason": reason})), http.StatusNotFound)
		if got := vwCaseloadOrders(t, e, f.aTok, ""); !slices.Equal(sorted(got), sorted(aOrders)) {
			t.Errorf("A's caseload after refusals %v", got)
		}
		if got := histLen(); !reflect.DeepEqual(got, before) {
			t.Errorf("refusals wrote history: %v, before %v", got, before)
		}
		for _, o := range aOrders {
			if got := vwOrderOwner(t, e, o, "iom"); got != f.a {
				t.Errorf("order %s iom owner %s after refusals, want A", o, got)
			}
		}
	})

	t.Run("all or nothing", func(t *testing.T) {
		// M owns G-003 as iom and G-004 as lro; N holds only iom_officer.
		m := e.officer(t, "iom_officer", "lro")
		n := e.officer(t, "iom_officer")
		f.own(t, f.o3, "iom", m, "Allocated to M.")
		f.own(t, f.o4, "lro", m, "Allocated to M.")
		mp := "/api/v1/officers/" + m + "/reassign"
		wantFields(t, e.do(t, "POST", mp, chair, js(obj{"to_officer_id": n, "reason": "M retiring."})),
			http.StatusUnprocessableEntity, "orders."+f.o4+".lro")
		if vwOrderOwner(t, e, f.o3, "iom") != m || vwOrderOwner(t, e, f.o4, "lro") != m {
			t.Errorf("a refused reassignment moved part of M's caseload")
		}
		if h := vwHistory(t, e, f.o3); len(h) != 1 {
			t.Errorf("G-003 history after a refused reassignment %v", h)
		}
		// Moving only the roles N can take works.
		r := e.do(t, "POST", mp, chair, js(obj{"to_officer_id": n, "roles": []string{"iom"}, "reason": "M retiring."}))
		want(t, r, http.StatusOK)
		if s(r.Body, "moved") != "1" || vwOrderOwner(t, e, f.o3, "iom") != n || vwOrderOwner(t, e, f.o4, "lro") != m {
			t.Errorf("iom-only reassignment %s", r)
		}
		// Deactivating M ends what M still owns, with the reason in the
		// history: a deactivated officer owns nothing.
		want(t, e.do(t, "PATCH", "/api/v1/officers/"+m, e.admin, `{"active":false}`), http.StatusOK)
		if got := vwOrderOwner(t, e, f.o4, "lro"); got != "<nil>" {
			t.Errorf("G-004 lro owner after M was deactivated: %q, want none", got)
		}
		h := e.do(t, "GET", "/api/v1/orders/"+f.o4+"/owners/history", e.admin, "")
		if s(get(h.Body, "items.0"), "end_reason") != "officer deactivated" {
			t.Errorf("G-004 history after deactivation %s", h)
		}
	})

	reason := "A on long-term leave."
	r := e.do(t, "POST", path, chair, js(obj{"to_officer_id": b, "roles": []string{"iom"}, "reason": reason}))
	want(t, r, http.StatusOK)
	if s(r.Body, "moved") != "3" {
		t.Errorf("moved %s, want 3: %s", s(r.Body, "moved"), r)
	}
	var moved []string
	as, _ := r.Body["assignments"].([]any)
	for _, a := range as {
		moved = append(moved, s(a, "order_id"))
		if s(a, "role") != "iom" || s(a, "officer.id") != b || s(a, "reason") != reason || s(a, "assigned_by.id") != chairID ||
			s(a, "until") != "<nil>" {
			t.Errorf("assignment %v", a)
		}
	}
	if !slices.Equal(sorted(moved), sorted(aOrders)) {
		t.Errorf("moved orders %v, want %v", moved, aOrders)
	}
	for _, o := range aOrders {
		h := vwHistory(t, e, o)
		if len(h) != before[o]+1 {
			t.Errorf("order %s: %d history rows, want %d", o, len(h), before[o]+1)
			continue
		}
		if s(h[0], "role") != "iom" || s(h[0], "officer.id") != b || s(h[0], "reason") != reason ||
			s(h[0], "until") != "<nil>" || s(h[0], "assigned_by.id") != chairID {
			t.Errorf("order %s newest history row %v", o, h[0])
		}
		var prev any
		for _, row := range h[1:] {
			if s(row, "role") == "iom" {
				prev = row
				break
			}
		}
		if s(prev, "officer.id") != f.a || s(prev, "until") == "<nil>" || s(prev, "ended_by.id") != chairID {
			t.Errorf("order %s: A's iom row %v, want ended by the chair", o, prev)
		}
	}
	if got := vwCaseloadOrders(t, e, f.aTok, ""); len(got) != 0 {
		t.Errorf("A's caseload after the move %v, want empty", got)
	}
	// B's caseload, most urgent first, as A's was.
	if got := vwCaseloadOrders(t, e, chair, b); !slices.Equal(got, []string{f.o2, f.o1, f.o6}) {
		t.Errorf("B's caseload %v, want %v", got, []string{f.o2, f.o1, f.o6})
	}
	// L's roles on G-002 were never A's and stay with L.
	if vwOrderOwner(t, e, f.o2, "lro") != f.l || vwOrderOwner(t, e, f.o2, "orders_officer") != f.l {
		t.Errorf("G-002's other owners moved")
	}
	// Nothing left to move.
	r = e.do(t, "POST", path, chair, js(obj{"to_officer_id": b, "reason": reason}))
	want(t, r, http.StatusOK)
	if s(r.Body, "moved") != "0" {
		t.Errorf("second reassignment %s", r)
	}
}

func TestViewsPolicyChangeAndPermissions(t *testing.T) {
	t.Parallel()
	f := vwBuild(t)
	e := f.e
	vwSweep(t, e, today)
	ppath := "/api/v1/forces/gloucestershire/policy"

	r := e.do(t, "GET", ppath, f.aTok, "")
	want(t, r, http.StatusOK)
	if got := vwStrings(get(r.Body, "required_roles")); len(got) != 0 || s(r.Body, "pre_release_days") != "180" {
		t.Errorf("default policy %s", r)
	}
	change := js(obj{"required_roles": []string{"iom", "lro"}, "pre_release_days": 60})

	t.Run("plain officer refused", func(t *testing.T) {
		wantProblem(t, e.do(t, "PUT", ppath, f.aTok, change), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", f.aTok, js(obj{"as_of": today})), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", "/api/v1/meetings", f.aTok, js(obj{"force": "gloucestershire", "held_on": today})),
			http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", "/api/v1/meetings/"+noSuchID+"/decisions", f.aTok,
			js(obj{"item_id": noSuchID, "decision": "no_action"})), http.StatusForbidden)
		wantProblem(t, e.do(t, "POST", "/api/v1/officers/"+f.a+"/reassign", f.aTok,
			js(obj{"to_officer_id": f.x, "reason": "Swap."})), http.StatusForbidden)
		r := e.do(t, "GET", ppath, f.aTok, "")
		if got := vwStrings(get(r.Body, "required_roles")); len(got) != 0 {
			t.Errorf("a refused PUT changed the policy: %s", r)
		}
		if vwOrderOwner(t, e, f.o1, "iom") != f.a {
			t.Errorf("a refused reassignment moved G-001")
		}
	})

	r = e.do(t, "PUT", ppath, e.admin, change)
	want(t, r, http.StatusOK)
	if got := vwStrings(get(r.Body, "required_roles")); !slices.Equal(got, []string{"iom", "lro"}) ||
		s(r.Body, "pre_release_days") != "60" {
		t.Errorf("policy %s", r)
	}

	// It is in force at once: G-001 and G-006 lack an lro, and are raised
	// unowned by the change itself; the next sweep finds nothing to add.
	// G-003 at 96 days is outside a 60-day window.
	run := vwRun(t, e, "ownership-sweep", today)
	if s(run, "raised") != "0" || s(run, "resolved") != "0" {
		t.Errorf("ownership sweep after the policy change raised/resolved %s/%s, want 0/0", s(run, "raised"), s(run, "resolved"))
	}
	fr := e.do(t, "GET", "/api/v1/flags?status=open&kind=unowned&order_id="+f.o1, f.aTok, "")
	if got := vwStrings(get(fr.Body, "items.0.details.missing_roles")); !slices.Equal(got, []string{"lro"}) {
		t.Errorf("G-001 unowned missing_roles %v: %s", got, fr)
	}
	// G-003's flag stays open, unchanged, from the first sweep; the
	// agenda as of today, built from the rules, shows what is missing now.
	fr = e.do(t, "GET", "/api/v1/flags?status=open&kind=unowned&order_id="+f.o3, f.aTok, "")
	if len(items(fr)) != 1 {
		t.Errorf("G-003 unowned flags %s", fr)
	}
	tr := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&as_of="+today, f.aTok, "")
	for _, it := range get(tr.Body, "sections.unowned").([]any) {
		if s(it, "order_id") == f.o3 {
			if got := vwStrings(get(it, "details.missing_roles")); !slices.Equal(got, []string{"iom", "lro"}) {
				t.Errorf("G-003 missing_roles on the agenda %v", got)
			}
		}
	}
	// The narrower window resolved the flag it ends with the policy change.
	run = vwRun(t, e, "custody-sweep", today)
	if s(run, "raised") != "0" || s(run, "resolved") != "0" {
		t.Errorf("custody sweep under a 60-day window raised/resolved %s/%s, want 0/0", s(run, "raised"), s(run, "resolved"))
	}
	r = e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire", f.aTok, "")
	want(t, r, http.StatusOK)
	vwCheckSections(t, "under the new policy", r.Body, map[string][]string{
		"check_overdue":       {"G-001 od=10 rel=<nil>"},
		"review_overdue":      {"G-002 od=87 rel=<nil>"},
		"unowned":             {"G-001 od=<nil> rel=<nil>", "G-003 od=<nil> rel=<nil>", "G-004 od=<nil> rel=<nil>", "G-006 od=<nil> rel=<nil>"},
		"pre_release":         {},
		"release_date_passed": {"G-004 od=5 rel=<nil>"},
	})
	// Dorset keeps the defaults.
	r = e.do(t, "GET", "/api/v1/forces/dorset/policy", f.aTok, "")
	if got := vwStrings(get(r.Body, "required_roles")); len(got) != 0 {
		t.Errorf("dorset policy %s", r)
	}
}
