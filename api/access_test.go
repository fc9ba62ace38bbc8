package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"scpo/api"
)

// Need-to-know access, end to end: every route of the permission table,
// called by an officer of every role, against records of the caller's own
// force, of another force in the same region and of a force in another
// region.
//
// The expected table below is written by hand from the issue, not copied
// from routes.go, and a test fails when the server has a route it lacks.

var (
	acEveryone     = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison", "tasking_chair", "regional", "auditor"}
	acReaders      = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison", "tasking_chair", "regional"}
	acCaseworkers  = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison"}
	acOrderWriters = []string{"admin", "iom_officer", "lro", "orders_officer"}
	acChair        = []string{"admin", "tasking_chair"}
	acRegionalLead = []string{"regional"}
	// acMinuteTakers keep a meeting's minutes: a force meeting's chair, a
	// regional meeting's lead; a lead is refused a force meeting's
	// (acNotTheLeads) where they can see it.
	acMinuteTakers = []string{"admin", "tasking_chair", "regional"}
	acNotTheLeads  = map[string]int{"regional": 403}
	acActors       = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison", "tasking_chair"}
	// acNotTheirs: an officer who works orders may close only an action
	// given to them; the callers were given none.
	acNotTheirs       = map[string]int{"iom_officer": 403, "lro": 403, "orders_officer": 403, "prison_liaison": 403}
	acTransferSenders = []string{"admin", "tasking_chair", "orders_officer"}
	acAdmin           = []string{"admin"}
	acAuditor         = []string{"auditor"}
	acImporters       = []string{"admin", "orders_officer"}
	acDisclosers      = []string{"admin", "auditor"}
)

// acCaller is one caller of the matrix: a role held in a force ("" for
// none, a national officer).
type acCaller struct{ name, role, force string }

// acCallers: every role as an officer of Gloucestershire, plus a national
// administrator and a national auditor (no force). The scope rule:
// an administrator or auditor with a force is bound to it like anyone.
var acCallers = func() []acCaller {
	var out []acCaller
	for _, r := range acEveryone {
		out = append(out, acCaller{r, r, "gloucestershire"})
	}
	return append(out, acCaller{"national_admin", "admin", ""}, acCaller{"national_auditor", "auditor", ""})
}()

// acPublic are the routes served without a token.
var acPublic = []string{"GET /healthz", "GET /readyz", "GET /api/v1/openapi.json", "GET /calendar/:file"}

// acForce is one force's fixtures.
type acForce struct {
	code, region string
	subject      string // community subject, last name unique to the force
	lastName     string
	order        string // live order on subject, owned (iom) by officer iom
	flagged      string // live order on subject that nobody owns: an open unowned flag
	custodyOrder string // on-release order of a subject in custody, due out within 180 days
	iom          string // an iom officer of the force
	chair        string // a tasking chair of the force (not a caller)
	meeting      string // a tasking meeting of the force with an agenda item
	item         string // the agenda item for flagged
	action       string // an open action on item, given to iom
	regional     string // a regional meeting of the force's region
}

// acDecide has the admin record a fresh decision at f's meeting: an
// action given to f.iom (decision "action") or a note.
func acDecide(t *testing.T, w *acWorld, f *acForce, decision string) string {
	t.Helper()
	body := obj{"item_id": f.item, "decision": "note", "notes": "Noted."}
	if decision == "action" {
		body = obj{"item_id": f.item, "decision": "action", "action_by": f.iom, "due_by": today, "notes": "Find an owner."}
	}
	r := w.e.do(t, "POST", "/api/v1/meetings/"+f.meeting+"/decisions", w.e.admin, js(body))
	want(t, r, http.StatusCreated)
	return s(r.Body, "id")
}

// acWorld is the register the matrix runs against. Every caller is an
// officer of Gloucestershire (south-west), except the national admin.
type acWorld struct {
	e      *env
	forces []*acForce // gloucestershire, dorset (south-west), kent (eastern)
	tokens map[string]string
	runID  string // the ownership sweep's run
}

// acTransfer has the admin record a subject of from and request their
// transfer to to; it returns the transfer's id.
func acTransfer(t *testing.T, e *env, from, to string) string {
	t.Helper()
	sub := e.subject(t, obj{"force": from})
	r := e.do(t, "POST", "/api/v1/subjects/"+s(sub, "id")+"/transfers", e.admin,
		js(obj{"to_force": to, "reason": "Moving address."}))
	want(t, r, http.StatusCreated)
	return s(r.Body, "id")
}

var acSerial atomic.Int64

func acNext() int64 { return acSerial.Add(1) }

var acAbsenceDays atomic.Int64

// acAbsenceDay is a day no other absence of the matrix takes: an officer's
// absences do not overlap.
func acAbsenceDay() string {
	return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(acAbsenceDays.Add(1))).Format(time.DateOnly)
}

// acOfficer creates an officer of force (none when "") and returns its id.
func acOfficer(t *testing.T, e *env, force string, roles ...string) string {
	t.Helper()
	n := emails.Add(1)
	body := obj{"name": fmt.Sprintf("Matrix Officer %d", n), "email": fmt.Sprintf("matrix%d@police.example.uk", n),
		"roles": roles}
	if force != "" {
		body["force"] = force
	}
	return s(e.create(t, "/api/v1/officers", body), "id")
}

func acBuild(t *testing.T) *acWorld {
	t.Helper()
	e := newEnv(t)
	w := &acWorld{e: e, tokens: map[string]string{}}
	for _, fr := range [][2]string{{"gloucestershire", "south-west"}, {"dorset", "south-west"}, {"kent", "eastern"}} {
		f := &acForce{code: fr[0], region: fr[1], lastName: "Matrix" + strings.ReplaceAll(fr[0], "-", "")}
		f.subject = s(e.subject(t, obj{"force": f.code, "last_name": f.lastName}), "id")
		f.order = s(e.order(t, f.subject, obj{"reference": "MX-" + f.code}), "id")
		f.flagged = s(e.order(t, f.subject, obj{"reference": "MF-" + f.code}), "id")
		custody := s(e.subject(t, obj{"force": f.code, "last_name": f.lastName + "Custody",
			"custody": inCustody("2027-01-10")}), "id")
		f.custodyOrder = s(e.order(t, custody, obj{"reference": "MC-" + f.code, "commencement": "on_release",
			"starts_on": nil}), "id")
		f.iom = acOfficer(t, e, f.code, "iom_officer")
		f.chair = acOfficer(t, e, f.code, "tasking_chair")
		want(t, e.do(t, "PUT", "/api/v1/orders/"+f.order+"/owners/iom", e.admin,
			js(obj{"officer_id": f.iom, "reason": "Allocation."})), http.StatusOK)
		w.forces = append(w.forces, f)
	}
	r := e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today}))
	want(t, r, http.StatusOK)
	w.runID = s(r.Body, "id")
	for _, f := range w.forces {
		m := e.create(t, "/api/v1/meetings", obj{"force": f.code, "held_on": today})
		f.meeting = s(m, "id")
		agenda, _ := m["agenda"].([]any)
		for _, it := range agenda {
			if s(it, "order_id") == f.flagged {
				f.item = s(it, "id")
			}
		}
		if f.item == "" {
			t.Fatalf("meeting for %s has no agenda item for the unowned order: %v", f.code, m)
		}
		f.action = acDecide(t, w, f, "action")
	}
	// Each region's lead opens its regional meeting.
	regional := map[string]string{}
	for _, f := range w.forces {
		if regional[f.region] == "" {
			lead := e.token(t, acOfficer(t, e, f.code, "regional"))
			r := e.do(t, "POST", "/api/v1/regional-meetings", lead, js(obj{"region": f.region, "held_on": today}))
			want(t, r, http.StatusCreated)
			regional[f.region] = s(r.Body, "id")
		}
		f.regional = regional[f.region]
	}
	for _, c := range acCallers {
		w.tokens[c.name] = e.token(t, acOfficer(t, e, c.force, c.role))
	}
	return w
}

// sees reports whether a caller may read records of force: their own
// force, their region with the regional role, every force for an officer
// with no force.
func (w *acWorld) sees(c acCaller, force string) bool {
	switch {
	case c.force == "":
		return true
	case c.role == "regional":
		return force == "gloucestershire" || force == "dorset"
	}
	return force == c.force
}

// acReq is one request of the matrix.
type acReq struct {
	path, body string
	headers    []string
}

// acCase is one route of the expected permission table.
type acCase struct {
	method, route string
	roles         []string
	// scoped: the route reads or changes a force's records, which are hidden
	// from officers who cannot read that force.
	scoped bool
	// national: the route acts on every force at once; a caller bound to a
	// force is refused with 403.
	national bool
	req      func(t *testing.T, w *acWorld, f *acForce) acReq
	ok       int // the status for an allowed caller who sees the record
	// okFor overrides ok for some roles allowed the route whose answer
	// the record decides (an action closed by someone not given it).
	okFor map[string]int
	// hidden is the status for an allowed caller who does not: 0 means 404;
	// 403 a record every caller may read but only its force may change;
	// 200 a list or report that answers without the record (has is false);
	// 422 a create that names the record, refused on hiddenField; -1 404, or
	// 200 without the record.
	hidden      int
	hiddenField string
	// has reports whether the answer holds f's record.
	has func(r resp, f *acForce) bool
}

func acFixed(path string) func(*testing.T, *acWorld, *acForce) acReq {
	return func(*testing.T, *acWorld, *acForce) acReq { return acReq{path: path} }
}

func acItemsWith(field string, want func(*acForce) string) func(resp, *acForce) bool {
	return func(r resp, f *acForce) bool {
		for _, it := range items(r) {
			if s(it, field) == want(f) {
				return true
			}
		}
		return false
	}
}

func acCases() []acCase {
	subjectPath := func(suffix string) func(*testing.T, *acWorld, *acForce) acReq {
		return func(_ *testing.T, _ *acWorld, f *acForce) acReq {
			return acReq{path: "/api/v1/subjects/" + f.subject + suffix}
		}
	}
	orderPath := func(suffix string) func(*testing.T, *acWorld, *acForce) acReq {
		return func(_ *testing.T, _ *acWorld, f *acForce) acReq {
			return acReq{path: "/api/v1/orders/" + f.order + suffix}
		}
	}
	return []acCase{
		{method: "GET", route: "/api/v1/me", roles: acEveryone, req: acFixed("/api/v1/me"), ok: 200},
		{method: "GET", route: "/api/v1/me/notifications", roles: acEveryone, req: acFixed("/api/v1/me/notifications"), ok: 200},
		{method: "PUT", route: "/api/v1/me/notifications", roles: acEveryone, ok: 200,
			req: func(*testing.T, *acWorld, *acForce) acReq {
				return acReq{path: "/api/v1/me/notifications", body: js(obj{"mode": "immediate"})}
			}},
		// An officer's own calendar feed: made, then revoked.
		{method: "POST", route: "/api/v1/me/calendar", roles: acEveryone, req: acFixed("/api/v1/me/calendar"), ok: 201},
		{method: "DELETE", route: "/api/v1/me/calendar", roles: acEveryone, ok: 204,
			req: func(t *testing.T, w *acWorld, _ *acForce) acReq {
				return acReq{path: "/api/v1/me/calendar"}
			}},
		{method: "GET", route: "/api/v1/forces", roles: acEveryone, req: acFixed("/api/v1/forces"), ok: 200},
		{method: "GET", route: "/api/v1/forces/:code", roles: acEveryone, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq { return acReq{path: "/api/v1/forces/" + f.code} }},

		// Officers, their tokens: the officer directory is scoped like
		// subjects.
		{method: "POST", route: "/api/v1/officers", roles: acAdmin, scoped: true, ok: 201, hidden: 422, hiddenField: "force",
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				n := acNext()
				return acReq{path: "/api/v1/officers", body: js(obj{"name": fmt.Sprintf("New Officer %d", n),
					"email": fmt.Sprintf("new%d@%s.police.example.uk", n, f.code), "force": f.code,
					"roles": []string{"iom_officer"}})}
			}},
		{method: "GET", route: "/api/v1/officers", roles: acEveryone, scoped: true, ok: 200, hidden: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/officers?force=" + f.code + "&role=iom_officer&limit=500"}
			},
			has: acItemsWith("id", func(f *acForce) string { return f.iom })},
		{method: "GET", route: "/api/v1/officers/:id", roles: acEveryone, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq { return acReq{path: "/api/v1/officers/" + f.iom} }},
		{method: "PATCH", route: "/api/v1/officers/:id", roles: acAdmin, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/officers/" + f.iom, body: js(obj{"name": fmt.Sprintf("Renamed %d", acNext())})}
			}},
		{method: "POST", route: "/api/v1/officers/:id/tokens", roles: acAdmin, scoped: true, ok: 201,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/officers/" + f.iom + "/tokens"}
			}},
		{method: "GET", route: "/api/v1/officers/:id/tokens", roles: acAdmin, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/officers/" + f.iom + "/tokens"}
			}},
		{method: "DELETE", route: "/api/v1/officers/:id/tokens/:token_id", roles: acAdmin, scoped: true, ok: 204,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				r := w.e.do(t, "POST", "/api/v1/officers/"+f.iom+"/tokens", w.e.admin, "")
				want(t, r, http.StatusCreated)
				return acReq{path: "/api/v1/officers/" + f.iom + "/tokens/" + s(r.Body, "id")}
			}},
		// Reassignment moves orders: another force's officer's orders are
		// out of view.
		{method: "POST", route: "/api/v1/officers/:id/reassign", roles: acChair, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				from, to := acOfficer(t, w.e, f.code, "iom_officer"), acOfficer(t, w.e, f.code, "iom_officer")
				o := s(w.e.order(t, f.subject, obj{"reference": fmt.Sprintf("MR-%d", acNext())}), "id")
				want(t, w.e.do(t, "PUT", "/api/v1/orders/"+o+"/owners/iom", w.e.admin,
					js(obj{"officer_id": from, "reason": "Allocation."})), http.StatusOK)
				return acReq{path: "/api/v1/officers/" + from + "/reassign",
					body: js(obj{"to_officer_id": to, "reason": "Officer on leave."})}
			}},

		// Absences and cover, and the workload a chair allocates by.
		{method: "POST", route: "/api/v1/officers/:id/absences", roles: acChair, scoped: true, ok: 201,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				day := acAbsenceDay()
				return acReq{path: "/api/v1/officers/" + f.iom + "/absences",
					body: js(obj{"kind": "annual_leave", "starts_on": day, "ends_on": day})}
			}},
		{method: "GET", route: "/api/v1/officers/:id/absences", roles: acReaders, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/officers/" + f.iom + "/absences"}
			}},
		{method: "PATCH", route: "/api/v1/officers/:id/absences/:absence_id", roles: acChair, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				day := acAbsenceDay()
				r := w.e.do(t, "POST", "/api/v1/officers/"+f.iom+"/absences", w.e.admin,
					js(obj{"kind": "long_term", "starts_on": day, "ends_on": day}))
				want(t, r, http.StatusCreated)
				return acReq{path: "/api/v1/officers/" + f.iom + "/absences/" + s(r.Body, "id"),
					body: js(obj{"notes": "Back in the new year."})}
			}},
		{method: "GET", route: "/api/v1/reports/workload", roles: acReaders, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/reports/workload?force=" + f.code}
			},
			has: func(r resp, f *acForce) bool {
				l, _ := r.Body["officers"].([]any)
				for _, x := range l {
					if s(x, "officer.id") == f.iom {
						return true
					}
				}
				return false
			}},

		// Transfers between forces: the business of both forces; the
		// receiving force's chair answers.
		{method: "POST", route: "/api/v1/subjects/:id/transfers", roles: acTransferSenders, scoped: true, ok: 201,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				sub := w.e.subject(t, obj{"force": f.code})
				return acReq{path: "/api/v1/subjects/" + s(sub, "id") + "/transfers",
					body: js(obj{"to_force": "cumbria", "reason": "Moved to Carlisle."})}
			}},
		{method: "GET", route: "/api/v1/transfers", roles: acReaders, scoped: true, ok: 200, hidden: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				acTransfer(t, w.e, f.code, "cumbria")
				return acReq{path: "/api/v1/transfers?force=" + f.code + "&direction=outgoing&limit=500"}
			},
			has: func(r resp, f *acForce) bool {
				for _, it := range items(r) {
					if s(it, "from_force") == f.code {
						return true
					}
				}
				return false
			}},
		{method: "GET", route: "/api/v1/transfers/:id", roles: acReaders, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/transfers/" + acTransfer(t, w.e, f.code, "cumbria")}
			}},
		{method: "POST", route: "/api/v1/transfers/:id/accept", roles: acChair, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/transfers/" + acTransfer(t, w.e, "cumbria", f.code) + "/accept"}
			}},
		{method: "POST", route: "/api/v1/transfers/:id/decline", roles: acChair, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/transfers/" + acTransfer(t, w.e, "cumbria", f.code) + "/decline",
					body: js(obj{"reason": "No address in the force area yet."})}
			}},
		{method: "POST", route: "/api/v1/transfers/:id/withdraw", roles: acTransferSenders, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/transfers/" + acTransfer(t, w.e, f.code, "cumbria") + "/withdraw"}
			}},

		// Subjects.
		{method: "POST", route: "/api/v1/subjects", roles: acCaseworkers, scoped: true, ok: 201, hidden: 422, hiddenField: "force",
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/subjects", body: js(with(subjectBody(), obj{"force": f.code, "last_name": "Collected"}))}
			}},
		{method: "GET", route: "/api/v1/subjects", roles: acReaders, scoped: true, ok: 200, hidden: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/subjects?q=" + f.lastName}
			},
			has: acItemsWith("id", func(f *acForce) string { return f.subject })},
		{method: "GET", route: "/api/v1/subjects/:id", roles: acReaders, scoped: true, ok: 200, req: subjectPath("")},
		{method: "PATCH", route: "/api/v1/subjects/:id", roles: acCaseworkers, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/subjects/" + f.subject, body: js(obj{"aliases": []string{"Deano", "DC"}})}
			}},
		{method: "GET", route: "/api/v1/subjects/:id/access-log", roles: acAuditor, scoped: true, ok: 200, req: subjectPath("/access-log")},
		{method: "GET", route: "/api/v1/subjects/:id/custody-history", roles: acReaders, scoped: true, ok: 200, req: subjectPath("/custody-history")},
		{method: "GET", route: "/api/v1/subjects/:id/export", roles: acDisclosers, scoped: true, ok: 200, req: subjectPath("/export")},

		// Orders and what hangs off them.
		{method: "POST", route: "/api/v1/orders", roles: acOrderWriters, scoped: true, ok: 201, hidden: 422, hiddenField: "subject_id",
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders", body: js(with(orderBody(f.subject), obj{"reference": fmt.Sprintf("MN-%d", acNext())}))}
			}},
		{method: "GET", route: "/api/v1/orders", roles: acReaders, scoped: true, ok: 200, hidden: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders?subject_id=" + f.subject + "&limit=100"}
			},
			has: acItemsWith("id", func(f *acForce) string { return f.order })},
		{method: "GET", route: "/api/v1/orders/:id", roles: acReaders, scoped: true, ok: 200, req: orderPath("")},
		{method: "PATCH", route: "/api/v1/orders/:id", roles: acOrderWriters, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + f.order, body: js(obj{"review_interval_days": 90})}
			}},
		{method: "PUT", route: "/api/v1/orders/:id/owners/:role", roles: acChair, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + f.order + "/owners/iom", body: js(obj{"officer_id": f.iom, "reason": "Allocation."})}
			}},
		{method: "DELETE", route: "/api/v1/orders/:id/owners/:role", roles: acChair, scoped: true, ok: 204,
			req: orderPath("/owners/lro?reason=No+longer+on+licence")},
		{method: "GET", route: "/api/v1/orders/:id/owners/history", roles: acReaders, scoped: true, ok: 200, req: orderPath("/owners/history")},
		{method: "POST", route: "/api/v1/orders/:id/reviews", roles: acCaseworkers, scoped: true, ok: 201,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + f.order + "/reviews",
					body: js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})}
			}},
		{method: "GET", route: "/api/v1/orders/:id/reviews", roles: acReaders, scoped: true, ok: 200, req: orderPath("/reviews")},
		{method: "POST", route: "/api/v1/orders/:id/checks", roles: acCaseworkers, scoped: true, ok: 201,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + f.order + "/checks", body: js(obj{"kind": "home_visit", "due_on": "2026-12-10"})}
			}},
		{method: "GET", route: "/api/v1/orders/:id/checks", roles: acReaders, scoped: true, ok: 200, req: orderPath("/checks")},
		{method: "PATCH", route: "/api/v1/orders/:id/checks/:check_id", roles: acCaseworkers, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				r := w.e.do(t, "POST", "/api/v1/orders/"+f.order+"/checks", w.e.admin, js(obj{"kind": "device", "due_on": "2026-12-01"}))
				want(t, r, http.StatusCreated)
				return acReq{path: "/api/v1/orders/" + f.order + "/checks/" + s(r.Body, "id"),
					body: js(obj{"completed_on": today, "outcome": "compliant"})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/checks/:check_id/cancel", roles: acCaseworkers, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				r := w.e.do(t, "POST", "/api/v1/orders/"+f.order+"/checks", w.e.admin, js(obj{"kind": "device", "due_on": "2026-12-01"}))
				want(t, r, http.StatusCreated)
				return acReq{path: "/api/v1/orders/" + f.order + "/checks/" + s(r.Body, "id") + "/cancel",
					body: js(obj{"reason": "No longer needed."})}
			}},

		// The legal life of an order.
		{method: "GET", route: "/api/v1/orders/:id/terms", roles: acReaders, scoped: true, ok: 200, req: orderPath("/terms?on=" + today)},
		{method: "GET", route: "/api/v1/orders/:id/terms/versions", roles: acReaders, scoped: true, ok: 200, req: orderPath("/terms/versions")},
		{method: "GET", route: "/api/v1/orders/:id/events", roles: acReaders, scoped: true, ok: 200, req: orderPath("/events")},
		{method: "GET", route: "/api/v1/orders/:id/decisions", roles: acReaders, scoped: true, ok: 200, req: orderPath("/decisions")},
		{method: "GET", route: "/api/v1/orders/:id/extensions", roles: acReaders, scoped: true, ok: 200, req: orderPath("/extensions")},
		{method: "GET", route: "/api/v1/orders/:id/breaches", roles: acReaders, scoped: true, ok: 200, req: orderPath("/breaches")},
		{method: "POST", route: "/api/v1/orders/:id/variations", roles: acOrderWriters, scoped: true, ok: 201,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + f.order + "/variations", body: js(obj{"applicant": "subject",
					"court": "Bristol Crown Court", "heard_on": today, "outcome": "refused"})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/service", roles: acCaseworkers, scoped: true, ok: 201,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + f.order + "/service", body: js(obj{"method": "in_person", "served_on": today})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/discharge", roles: acOrderWriters, scoped: true, ok: 201,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + acFreshOrder(t, w, f) + "/discharge",
					body: js(obj{"court": "Bristol Crown Court", "on": today, "reason": "Discharged (s.18)."})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/appeals", roles: acOrderWriters, scoped: true, ok: 201,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + acFreshOrder(t, w, f) + "/appeals",
					body: js(obj{"court": "Court of Appeal", "lodged_on": today, "appellant": "subject"})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/appeals/:appeal_id/decision", roles: acOrderWriters, scoped: true, ok: 201,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				o := acFreshOrder(t, w, f)
				r := w.e.do(t, "POST", "/api/v1/orders/"+o+"/appeals", w.e.admin, js(obj{"court": "Court of Appeal", "lodged_on": today, "appellant": "subject"}))
				want(t, r, http.StatusCreated)
				return acReq{path: "/api/v1/orders/" + o + "/appeals/" + s(r.Body, "id") + "/decision",
					body: js(obj{"court": "Court of Appeal", "decided_on": today, "outcome": "dismissed"})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/extensions", roles: acOrderWriters, scoped: true, ok: 201,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + acFreshOrder(t, w, f) + "/extensions", body: js(acCharge)}
			}},
		{method: "PATCH", route: "/api/v1/orders/:id/extensions/:extension_id", roles: acOrderWriters, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				o := acFreshOrder(t, w, f)
				r := w.e.do(t, "POST", "/api/v1/orders/"+o+"/extensions", w.e.admin, js(acCharge))
				want(t, r, http.StatusCreated)
				return acReq{path: "/api/v1/orders/" + o + "/extensions/" + s(r.Body, "id"),
					body: js(obj{"outcome": "acquitted", "outcome_on": today})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/breaches", roles: acCaseworkers, scoped: true, ok: 201,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/orders/" + f.order + "/breaches", body: js(acBreach(t, w, f.order))}
			}},
		{method: "PATCH", route: "/api/v1/orders/:id/breaches/:breach_id", roles: acCaseworkers, scoped: true, ok: 200,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				r := w.e.do(t, "POST", "/api/v1/orders/"+f.order+"/breaches", w.e.admin, js(acBreach(t, w, f.order)))
				want(t, r, http.StatusCreated)
				return acReq{path: "/api/v1/orders/" + f.order + "/breaches/" + s(r.Body, "id"),
					body: js(obj{"outcome": "no_further_action", "outcome_on": today})}
			}},
		{method: "POST", route: "/api/v1/orders/:id/checks/:check_id/no-breach", roles: acCaseworkers, scoped: true, ok: 201,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				o := acFreshOrder(t, w, f)
				r := w.e.do(t, "POST", "/api/v1/orders/"+o+"/checks", w.e.admin, js(obj{"kind": "device", "due_on": today}))
				want(t, r, http.StatusCreated)
				id := s(r.Body, "id")
				want(t, w.e.do(t, "PATCH", "/api/v1/orders/"+o+"/checks/"+id, w.e.admin,
					js(obj{"completed_on": today, "outcome": "non_compliant"})), http.StatusOK)
				return acReq{path: "/api/v1/orders/" + o + "/checks/" + id + "/no-breach", body: js(obj{"reason": "Not a breach."})}
			}},

		// Flags, jobs and policies.
		{method: "GET", route: "/api/v1/flags", roles: acReaders, scoped: true, ok: 200, hidden: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/flags?status=open&order_id=" + f.flagged}
			},
			has: acItemsWith("order_id", func(f *acForce) string { return f.flagged })},
		{method: "GET", route: "/api/v1/jobs", roles: acReaders, req: acFixed("/api/v1/jobs"), ok: 200},
		{method: "POST", route: "/api/v1/jobs/:name/runs", roles: acAdmin, national: true, ok: 200,
			req: func(*testing.T, *acWorld, *acForce) acReq {
				return acReq{path: "/api/v1/jobs/review-sweep/runs", body: js(obj{"as_of": today})}
			}},
		{method: "GET", route: "/api/v1/jobs/:name/runs", roles: acReaders, req: acFixed("/api/v1/jobs/ownership-sweep/runs"), ok: 200},
		{method: "GET", route: "/api/v1/jobs/:name/runs/:id", roles: acReaders, ok: 200,
			req: func(_ *testing.T, w *acWorld, _ *acForce) acReq {
				return acReq{path: "/api/v1/jobs/ownership-sweep/runs/" + w.runID}
			}},
		{method: "GET", route: "/api/v1/jobs/:name/preview", roles: acAdmin, national: true, req: acFixed("/api/v1/jobs/lifecycle-sweep/preview?as_of=2031-01-01"), ok: 200},
		{method: "GET", route: "/api/v1/forces/:code/policy", roles: acReaders, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/forces/" + f.code + "/policy"}
			}},
		{method: "PUT", route: "/api/v1/forces/:code/policy", roles: acAdmin, scoped: true, ok: 200, hidden: 403,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/forces/" + f.code + "/policy", body: "{}"}
			}},

		// Caseloads and reports.
		{method: "GET", route: "/api/v1/caseload", roles: acReaders, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/caseload?officer_id=" + f.iom}
			},
			has: acItemsWith("order_id", func(f *acForce) string { return f.order })},
		{method: "GET", route: "/api/v1/reports/tasking", roles: acReaders, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/reports/tasking?force=" + f.code}
			},
			has: func(r resp, f *acForce) bool { return strings.Contains(string(r.Raw), f.flagged) }},
		{method: "GET", route: "/api/v1/reports/pre-release", roles: acReaders, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/reports/pre-release?force=" + f.code}
			},
			has: acItemsWith("order_id", func(f *acForce) string { return f.custodyOrder })},
		{method: "GET", route: "/api/v1/reports/region", roles: acReaders, scoped: true, ok: 200, hidden: -1,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/reports/region?region=" + f.region}
			},
			has: func(r resp, f *acForce) bool {
				forces, _ := r.Body["forces"].([]any)
				for _, x := range forces {
					if s(x, "force") == f.code {
						return true
					}
				}
				return false
			}},

		// Tasking meetings.
		{method: "POST", route: "/api/v1/meetings", roles: acChair, scoped: true, ok: 201, hidden: 422, hiddenField: "force",
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/meetings", body: js(obj{"force": f.code, "held_on": today})}
			}},
		{method: "GET", route: "/api/v1/meetings", roles: acReaders, scoped: true, ok: 200, hidden: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/meetings?force=" + f.code}
			},
			has: acItemsWith("id", func(f *acForce) string { return f.meeting })},
		{method: "GET", route: "/api/v1/meetings/:id", roles: acReaders, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq { return acReq{path: "/api/v1/meetings/" + f.meeting} }},
		// A regional meeting is held by a regional lead of its region; a region
		// out of view is refused on region, its meeting is not found.
		{method: "POST", route: "/api/v1/regional-meetings", roles: acRegionalLead, scoped: true, ok: 201, hidden: 422,
			hiddenField: "region", req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/regional-meetings", body: js(obj{"region": f.region, "held_on": today})}
			}},
		// The force meeting's item is not on the regional agenda: the
		// permission and the scope hold first.
		{method: "POST", route: "/api/v1/regional-meetings/:id/decisions", roles: acRegionalLead, scoped: true, ok: 422,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/regional-meetings/" + f.regional + "/decisions",
					body: js(obj{"item_id": f.item, "decision": "note", "notes": "Noted."})}
			}},
		{method: "POST", route: "/api/v1/meetings/:id/decisions", roles: acChair, scoped: true, ok: 201,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/meetings/" + f.meeting + "/decisions",
					body: js(obj{"item_id": f.item, "decision": "no_action", "notes": "Owner to be found next week."})}
			}},

		{method: "POST", route: "/api/v1/meetings/:id/decisions/:decision_id/corrections", roles: acMinuteTakers, scoped: true, ok: 201, okFor: acNotTheLeads,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/meetings/" + f.meeting + "/decisions/" + acDecide(t, w, f, "note") + "/corrections",
					body: js(obj{"decision": "note", "notes": "Noted again.", "reason": "Wording."})}
			}},
		{method: "POST", route: "/api/v1/meetings/:id/decisions/:decision_id/withdraw", roles: acMinuteTakers, scoped: true, ok: 200, okFor: acNotTheLeads,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/meetings/" + f.meeting + "/decisions/" + acDecide(t, w, f, "note") + "/withdraw",
					body: js(obj{"reason": "Not needed."})}
			}},
		{method: "PUT", route: "/api/v1/meetings/:id/attendance", roles: acMinuteTakers, scoped: true, ok: 200, okFor: acNotTheLeads,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/meetings/" + f.meeting + "/attendance",
					body: js(obj{"chair_id": f.chair, "attendees": []obj{{"name": "Pat", "organisation": "Probation"}}})}
			}},
		// Only the meeting's recorded chair signs (the callers are not): the
		// permission and the scope hold first.
		{method: "POST", route: "/api/v1/meetings/:id/sign-off", roles: acMinuteTakers, scoped: true, ok: 422, okFor: acNotTheLeads,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				m := w.e.create(t, "/api/v1/meetings", obj{"force": f.code, "held_on": today})
				want(t, w.e.do(t, "PUT", "/api/v1/meetings/"+s(m, "id")+"/attendance", w.e.admin,
					js(obj{"chair_id": f.chair})), http.StatusOK)
				return acReq{path: "/api/v1/meetings/" + s(m, "id") + "/sign-off"}
			}},
		{method: "GET", route: "/api/v1/actions", roles: acReaders, scoped: true, ok: 200, hidden: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/actions?limit=500&assignee=" + f.iom}
			},
			has: acItemsWith("id", func(f *acForce) string { return f.action })},
		{method: "POST", route: "/api/v1/actions/:id/done", roles: acActors, scoped: true, ok: 200, okFor: acNotTheirs,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/actions/" + acDecide(t, w, f, "action") + "/done", body: js(obj{"note": "Done."})}
			}},
		{method: "POST", route: "/api/v1/actions/:id/cancel", roles: acActors, scoped: true, ok: 200, okFor: acNotTheirs,
			req: func(t *testing.T, w *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/actions/" + acDecide(t, w, f, "action") + "/cancel", body: js(obj{"reason": "Moot."})}
			}},

		// The audit trail.
		{method: "GET", route: "/api/v1/audit", roles: acAuditor, scoped: true, ok: 200,
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/audit?subject=" + f.subject}
			}},

		// Bringing records in: a dry run into the force, which writes nothing.
		{method: "GET", route: "/api/v1/imports/template", roles: acImporters, ok: 200,
			req: func(_ *testing.T, _ *acWorld, _ *acForce) acReq { return acReq{path: "/api/v1/imports/template"} }},
		{method: "POST", route: "/api/v1/imports", roles: acImporters, scoped: true, ok: 200, hidden: 422, hiddenField: "force",
			req: func(_ *testing.T, _ *acWorld, f *acForce) acReq {
				return acReq{path: "/api/v1/imports?force=" + f.code, body: "pnc_id,first_names\n12/345678U,Dean\n",
					headers: []string{"Content-Type", "text/csv"}}
			}},
	}
}

// TestAccessTableCoversEveryRoute fails when the server has an
// authenticated route the expected table lacks, or the table names a route
// the server does not have.
func TestAccessTableCoversEveryRoute(t *testing.T) {
	t.Parallel()
	served := map[string]bool{}
	for _, r := range api.New(api.Config{}).Routes() {
		if strings.Contains(r.Path, "*") || !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, r.Method) {
			continue // echo's own catch-alls for the group
		}
		if !strings.HasPrefix(r.Path, "/api/v1/") && !slices.Contains(acPublic, r.Method+" "+r.Path) {
			continue // a page: TestPagesFollowThePermissionTable holds those to the table
		}
		served[r.Method+" "+r.Path] = true
	}
	if len(served) < 40 {
		t.Fatalf("api.New(...).Routes() lists only %d routes; is the listing still echo's?", len(served))
	}
	table := map[string]bool{}
	for _, c := range acCases() {
		key := c.method + " " + c.route
		if table[key] {
			t.Errorf("the expected table lists %s twice", key)
		}
		table[key] = true
	}
	for _, p := range acPublic {
		if !served[p] {
			t.Errorf("public route %s is not served", p)
		}
		table[p] = true
	}
	for k := range served {
		if !table[k] {
			t.Errorf("the server has %s, which the expected permission table in access_test.go lacks", k)
		}
	}
	for k := range table {
		if !served[k] {
			t.Errorf("the expected permission table lists %s, which the server does not have", k)
		}
	}
}

// TestAccessMatrix calls every route as every role against a record of the
// caller's own force, of a neighbouring force in the same region
// (Dorset) and of a force in another region (Kent): 403 for a role not
// allowed, whichever record; 404 (or absence from the list or report) for
// a record out of view; success otherwise.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	w := acBuild(t)
	cases := acCases()
	for _, caller := range acCallers {
		t.Run(caller.name, func(t *testing.T) {
			t.Parallel()
			tok := w.tokens[caller.name]
			for _, c := range cases {
				allowed := slices.Contains(c.roles, caller.role) && (!c.national || caller.force == "")
				for _, f := range w.forces {
					visible := !c.scoped || w.sees(caller, f.code)
					t.Run(fmt.Sprintf("%s %s/%s", c.method, c.route, f.code), func(t *testing.T) {
						rq := c.req(t, w, f)
						r := w.e.do(t, c.method, rq.path, tok, rq.body, rq.headers...)
						switch {
						case !allowed:
							wantProblem(t, r, http.StatusForbidden)
						case visible:
							if st, ok := c.okFor[caller.role]; ok {
								wantProblem(t, r, st)
								return
							}
							want(t, r, c.ok)
							if c.has != nil && !c.has(r, f) {
								t.Errorf("the answer lacks %s's record: %s", f.code, r)
							}
						default:
							acHidden(t, c, r, f)
						}
					})
				}
			}
		})
	}
}

func acHidden(t *testing.T, c acCase, r resp, f *acForce) {
	t.Helper()
	switch c.hidden {
	case 0:
		wantProblem(t, r, http.StatusNotFound)
	case 403:
		wantProblem(t, r, http.StatusForbidden)
	case 422:
		wantFields(t, r, http.StatusUnprocessableEntity, c.hiddenField)
	case 200:
		want(t, r, http.StatusOK)
		if c.has(r, f) {
			t.Errorf("%s's record is out of view but listed: %s", f.code, r)
		}
	case -1:
		if r.Status == http.StatusNotFound {
			wantProblem(t, r, http.StatusNotFound)
			return
		}
		want(t, r, http.StatusOK)
		if c.has(r, f) {
			t.Errorf("%s is out of view but in the report: %s", f.code, r)
		}
	}
	// Whatever the answer, it gives away nothing of the hidden records.
	for _, id := range []string{f.subject, f.order, f.flagged, f.custodyOrder, f.meeting} {
		if strings.Contains(string(r.Raw), id) {
			t.Errorf("the answer names %s's record %s: %s", f.code, id, r)
		}
	}
}

// TestAccessHiddenFromListsAndReports asks every list and report, without
// naming a force, as an officer of Gloucestershire and as a south-west
// regional lead, and checks that no record of a force out of view appears
// anywhere in the answers, while the records in view do.
func TestAccessHiddenFromListsAndReports(t *testing.T) {
	t.Parallel()
	w := acBuild(t)
	paths := []string{
		"/api/v1/subjects?limit=100",
		"/api/v1/orders?limit=100",
		"/api/v1/flags?limit=100",
		"/api/v1/meetings?limit=100",
		"/api/v1/reports/pre-release",
		"/api/v1/reports/region?region=south-west",
		"/api/v1/officers?limit=500",
	}
	for _, caller := range []acCaller{{"iom_officer", "iom_officer", "gloucestershire"},
		{"regional", "regional", "gloucestershire"}, {"tasking_chair", "tasking_chair", "gloucestershire"},
		{"admin", "admin", "gloucestershire"}} {
		role := caller.name
		t.Run(role, func(t *testing.T) {
			bodies := ""
			for _, p := range paths {
				r := w.e.do(t, "GET", p, w.tokens[role], "")
				want(t, r, http.StatusOK)
				if next := s(r.Body, "next_cursor"); next != "<nil>" {
					t.Fatalf("%s: more than one page; the test expects one", p)
				}
				bodies += string(r.Raw)
			}
			for _, f := range w.forces {
				visible := w.sees(caller, f.code)
				for what, id := range map[string]string{"subject": f.subject, "order": f.order, "unowned order": f.flagged,
					"custody order": f.custodyOrder, "meeting": f.meeting} {
					if got := strings.Contains(bodies, id); got != visible {
						t.Errorf("%s's %s %s: in the lists and reports %v, want %v", f.code, what, id, got, visible)
					}
				}
				if got := strings.Contains(bodies, `"force":"`+f.code+`"`); got != visible {
					t.Errorf("force %s named in the lists and reports %v, want %v", f.code, got, visible)
				}
			}
		})
	}
}

// TestAccessForbiddenBeforeExistence: a role not allowed on a route is 403
// whether or not the record exists, so a refusal says nothing about what
// is there.
func TestAccessForbiddenBeforeExistence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	liaison := e.token(t, e.officer(t, "prison_liaison"))
	auditorTok := e.token(t, e.officer(t, "auditor"))
	regional := e.token(t, e.officer(t, "regional"))
	for _, c := range []struct{ tok, method, path, body string }{
		{liaison, "PATCH", "/api/v1/orders/" + noSuchID, `{"review_interval_days":90}`},
		{liaison, "PUT", "/api/v1/orders/" + noSuchID + "/owners/iom", `{"officer_id":"` + noSuchID + `","reason":"x"}`},
		{auditorTok, "GET", "/api/v1/subjects/" + noSuchID, ""},
		{auditorTok, "GET", "/api/v1/orders/" + noSuchID, ""},
		{regional, "PATCH", "/api/v1/subjects/" + noSuchID, `{"aliases":[]}`},
		{regional, "GET", "/api/v1/subjects/" + noSuchID + "/access-log", ""},
		{regional, "GET", "/api/v1/audit", ""},
		{liaison, "DELETE", "/api/v1/officers/" + noSuchID + "/tokens/" + noSuchID, ""},
	} {
		wantProblem(t, e.do(t, c.method, c.path, c.tok, c.body), http.StatusForbidden)
	}
}

// TestAccessRegionalReadsRegionButWritesNothing: the regional lead reads
// the region's records but changes none, not even their own force's.
func TestAccessRegionalReadsRegionButWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	regional := e.token(t, e.officer(t, "regional"))
	dorset := s(e.subject(t, obj{"force": "dorset"}), "id")
	kent := s(e.subject(t, obj{"force": "kent"}), "id")
	want(t, e.do(t, "GET", "/api/v1/subjects/"+dorset, regional, ""), http.StatusOK)
	wantProblem(t, e.do(t, "GET", "/api/v1/subjects/"+kent, regional, ""), http.StatusNotFound)
	wantProblem(t, e.do(t, "PATCH", "/api/v1/subjects/"+dorset, regional, `{"aliases":[]}`), http.StatusForbidden)

	// An officer holding both a caseworker role and the regional role reads
	// the region but changes only their own force.
	both := e.token(t, e.officer(t, "iom_officer", "regional"))
	want(t, e.do(t, "GET", "/api/v1/subjects/"+dorset, both, ""), http.StatusOK)
	wantProblem(t, e.do(t, "PATCH", "/api/v1/subjects/"+dorset, both, `{"aliases":["X"]}`), http.StatusForbidden)
	wantProblem(t, e.do(t, "PATCH", "/api/v1/subjects/"+kent, both, `{"aliases":["X"]}`), http.StatusNotFound)
	wantFields(t, e.do(t, "POST", "/api/v1/subjects", both, js(with(subjectBody(), obj{"force": "dorset"}))),
		http.StatusUnprocessableEntity, "force")
	glos := s(e.subject(t, nil), "id")
	want(t, e.do(t, "PATCH", "/api/v1/subjects/"+glos, both, `{"aliases":["X"]}`), http.StatusOK)
}

// acFreshOrder records a new live order on f's subject, for a route that
// ends or extends an order once.
func acFreshOrder(t *testing.T, w *acWorld, f *acForce) string {
	t.Helper()
	r := w.e.do(t, "POST", "/api/v1/orders", w.e.admin, js(orderBody(f.subject)))
	want(t, r, http.StatusCreated)
	return s(r.Body, "id")
}

var acCharge = obj{"charge_kind": "breach", "charged_on": today, "offence": "Breach of an SCPO (s.25)", "court": "Bristol Magistrates' Court"}

// acBreach is a breach case of the order's first term, today.
func acBreach(t *testing.T, w *acWorld, order string) obj {
	t.Helper()
	r := w.e.do(t, "GET", "/api/v1/orders/"+order, w.e.admin, "")
	want(t, r, http.StatusOK)
	return obj{"occurred_on": today, "term_ids": []string{s(r.Body, "terms.0.id")}, "description": "Second phone.", "action": "warning"}
}
