package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"scpo/domain"
	"scpo/domain/postgres"
)

// Sweep tests for every flag kind: each kind's boundary (due today is not
// overdue, the day after is), no second flag while the condition holds, the
// flag resolved by the first run that finds the condition gone, and a new
// flag (the old one kept, resolved) when it comes back.

const flForce = "gloucestershire"

// flWatch follows one order's flags of one kind through a job's runs.
type flWatch struct {
	t         *testing.T
	s         *postgres.Store
	job, kind string
	orderID   string
	subjectID string
}

func newFlWatch(t *testing.T, s *postgres.Store, job, kind string, o domain.Order) *flWatch {
	return &flWatch{t: t, s: s, job: job, kind: kind, orderID: o.ID, subjectID: o.SubjectID}
}

// all lists every flag of the kind on the order, open and resolved.
func (w *flWatch) all() []domain.Flag {
	w.t.Helper()
	fl, _, err := w.s.ListFlags(context.Background(), domain.FlagFilter{OrderID: w.orderID, Kind: w.kind},
		domain.Page{Limit: 500})
	if err != nil {
		w.t.Fatal(err)
	}
	return fl
}

func (w *flWatch) open() []domain.Flag {
	w.t.Helper()
	var out []domain.Flag
	for _, f := range w.all() {
		if f.ResolvedAt == nil {
			out = append(out, f)
		}
	}
	return out
}

// none runs the job as of asOf and wants no open flag of the kind.
func (w *flWatch) none(asOf domain.Date) domain.JobRun {
	w.t.Helper()
	before := len(w.all())
	r := run(w.t, w.s, w.job, asOf)
	if fl := w.open(); len(fl) != 0 {
		w.t.Errorf("as of %s: %d open %s flag(s) %s, want none", asOf, len(fl), w.kind, fl[0].Details)
	}
	if after := len(w.all()); after != before {
		w.t.Errorf("as of %s: %s flags went from %d to %d, want no new row", asOf, w.kind, before, after)
	}
	return r
}

// raised runs the job as of asOf and wants exactly one new open flag of
// the kind, raised by this run, every earlier one staying resolved.
func (w *flWatch) raised(asOf domain.Date, caseType string) domain.Flag {
	w.t.Helper()
	before := w.all()
	r := run(w.t, w.s, w.job, asOf)
	if r.Raised < 1 {
		w.t.Errorf("as of %s: run raised %d, want at least 1", asOf, r.Raised)
	}
	after := w.all()
	if len(after) != len(before)+1 {
		w.t.Fatalf("as of %s: %s flags went from %d to %d, want one new flag", asOf, w.kind, len(before), len(after))
	}
	open := w.open()
	if len(open) != 1 {
		w.t.Fatalf("as of %s: %d open %s flags, want 1", asOf, len(open), w.kind)
	}
	f := open[0]
	for _, old := range before {
		if old.ID == f.ID {
			w.t.Fatalf("as of %s: the open flag is an old one (%s), want a new row", asOf, f.ID)
		}
	}
	for _, old := range after {
		if old.ID != f.ID && old.ResolvedAt == nil {
			w.t.Errorf("earlier flag %s reopened", old.ID)
		}
	}
	got := []string{f.Kind, f.OrderID, f.SubjectID, f.Force, f.CaseType, flDeref(f.RaisedByRun), flDeref(f.ResolvedByRun)}
	want := []string{w.kind, w.orderID, w.subjectID, flForce, caseType, r.ID, ""}
	if diff := cmp.Diff(want, got); diff != "" {
		w.t.Errorf("as of %s: [kind order subject force case_type raised_by_run resolved_by_run] (-want +got):\n%s",
			asOf, diff)
	}
	if f.RaisedAt.IsZero() {
		w.t.Errorf("raised_at is zero")
	}
	return f
}

// unchanged runs the job as of asOf and wants prev still open, untouched,
// and no other flag of the kind raised.
func (w *flWatch) unchanged(asOf domain.Date, prev domain.Flag) domain.JobRun {
	w.t.Helper()
	before := len(w.all())
	r := run(w.t, w.s, w.job, asOf)
	open := w.open()
	if len(open) != 1 {
		w.t.Fatalf("as of %s: %d open %s flags, want the one raised before", asOf, len(open), w.kind)
	}
	if diff := cmp.Diff(prev, open[0]); diff != "" {
		w.t.Errorf("as of %s: a run that finds the condition still there changed the flag (-before +after):\n%s",
			asOf, diff)
	}
	if after := len(w.all()); after != before {
		w.t.Errorf("as of %s: %s flags went from %d to %d, want none raised twice", asOf, w.kind, before, after)
	}
	return r
}

// restated runs the job as of asOf and wants prev still the one open flag,
// as raised, with the details a change since has restated (want); it
// returns the flag as it now is.
func (w *flWatch) restated(asOf domain.Date, prev domain.Flag, want map[string]any) domain.Flag {
	w.t.Helper()
	before := len(w.all())
	run(w.t, w.s, w.job, asOf)
	open := w.open()
	if len(open) != 1 {
		w.t.Fatalf("as of %s: %d open %s flags, want the one raised before", asOf, len(open), w.kind)
	}
	f := open[0]
	if diff := cmp.Diff(prev, f, cmpopts.IgnoreFields(domain.Flag{}, "Details")); diff != "" {
		w.t.Errorf("as of %s: the flag was not kept as raised (-before +after):\n%s", asOf, diff)
	}
	flDetails(w.t, f, want)
	if after := len(w.all()); after != before {
		w.t.Errorf("as of %s: %s flags went from %d to %d, want none raised twice", asOf, w.kind, before, after)
	}
	return f
}

// resolved runs the job as of asOf and wants prev resolved by this run and
// nothing of the kind open.
func (w *flWatch) resolved(asOf domain.Date, prev domain.Flag) domain.JobRun {
	w.t.Helper()
	r := run(w.t, w.s, w.job, asOf)
	if r.Resolved < 1 {
		w.t.Errorf("as of %s: run resolved %d, want at least 1", asOf, r.Resolved)
	}
	w.wantResolved(prev, &r.ID)
	return r
}

// raisedByChange wants one new open flag of the kind raised by the change
// just made, in its own transaction (no run), and a run as of asOf to find
// it still there and raise nothing more.
func (w *flWatch) raisedByChange(asOf domain.Date) domain.Flag {
	w.t.Helper()
	open := w.open()
	if len(open) != 1 {
		w.t.Fatalf("%d open %s flags after the change, want 1", len(open), w.kind)
	}
	f := open[0]
	if f.RaisedByRun != nil {
		w.t.Errorf("the %s flag was raised by run %s, want by the change", w.kind, *f.RaisedByRun)
	}
	w.unchanged(asOf, f)
	return f
}

// settled wants prev already resolved by the change just made, in its own
// transaction (no run), and a run as of asOf to find nothing to raise.
func (w *flWatch) settled(asOf domain.Date, prev domain.Flag) domain.JobRun {
	w.t.Helper()
	w.wantResolved(prev, ptr(""))
	before := len(w.all())
	r := run(w.t, w.s, w.job, asOf)
	if fl := w.open(); len(fl) != 0 {
		w.t.Errorf("as of %s: %d open %s flag(s) after the change resolved it", asOf, len(fl), w.kind)
	}
	if after := len(w.all()); after != before {
		w.t.Errorf("as of %s: %s flags went from %d to %d, want none raised", asOf, w.kind, before, after)
	}
	return r
}

// wantResolved wants prev resolved (by runID when given) and nothing of
// the kind open.
func (w *flWatch) wantResolved(prev domain.Flag, runID *string) {
	w.t.Helper()
	found := false
	for _, f := range w.all() {
		if f.ResolvedAt == nil {
			w.t.Errorf("%s flag %s still open (%s)", w.kind, f.ID, f.Details)
		}
		if f.ID != prev.ID {
			continue
		}
		found = true
		if f.ResolvedAt == nil {
			continue
		}
		if runID != nil && flDeref(f.ResolvedByRun) != *runID {
			w.t.Errorf("%s flag resolved_by_run %q, want the run %s", w.kind, flDeref(f.ResolvedByRun), *runID)
		}
		if flDeref(f.RaisedByRun) != flDeref(prev.RaisedByRun) || string(f.Details) != string(prev.Details) {
			w.t.Errorf("resolving changed the flag's raise: %+v, was %+v", f, prev)
		}
		if f.ResolvedAt.Before(f.RaisedAt) {
			w.t.Errorf("resolved_at %s before raised_at %s", f.ResolvedAt, f.RaisedAt)
		}
	}
	if !found {
		w.t.Errorf("%s flag %s is gone, want it kept as resolved", w.kind, prev.ID)
	}
}

func flDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// flDetails checks that f's details hold want's keys with want's values
// (compared as JSON).
func flDetails(t *testing.T, f domain.Flag, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal(f.Details, &got); err != nil {
		t.Fatalf("%s details %s: %v", f.Kind, f.Details, err)
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	for k, v := range w {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s details lack %q: %s", f.Kind, k, f.Details)
		} else if !cmp.Equal(v, g) {
			t.Errorf("%s details[%q] = %v, want %v (details %s)", f.Kind, k, g, v, f.Details)
		}
	}
}

// ---------------------------------------------------------------- fixtures

func flSubject(t *testing.T, s *postgres.Store, serial int, c domain.Custody) domain.Subject {
	t.Helper()
	return newSubject(t, s, serial, flForce, c)
}

// flOnDate is an on-date order made on its start.
func flOnDate(subjectID string, starts domain.Date, months int) domain.Order {
	o := onDate(subjectID, starts, months)
	o.MadeOn = starts
	o.ServedAtHearing = true // these tests are not about service (legal_test.go is)
	return o
}

func flOfficer(t *testing.T, s *postgres.Store, role string) domain.Officer {
	t.Helper()
	officerRole, _ := domain.OfficerRoleFor(role)
	return mustOfficer(t, s, role+"@glos.police.uk", ptr(flForce), officerRole)
}

func flAssign(t *testing.T, s *postgres.Store, orderID, role, officerID string) {
	t.Helper()
	if _, err := s.AssignOwner(context.Background(), domain.OwnerChange{OrderID: orderID, Role: role,
		OfficerID: officerID, Reason: "allocated"}); err != nil {
		t.Fatalf("assign %s: %v", role, err)
	}
}

func flRemove(t *testing.T, s *postgres.Store, orderID, role string) {
	t.Helper()
	if err := s.RemoveOwner(context.Background(), domain.OwnerChange{OrderID: orderID, Role: role,
		Reason: "moved on"}); err != nil {
		t.Fatalf("remove %s: %v", role, err)
	}
}

func flPolicy(t *testing.T, s *postgres.Store, change func(*domain.Policy)) {
	t.Helper()
	p := domain.DefaultPolicy(flForce)
	if change != nil {
		change(&p)
	}
	if _, err := s.PutPolicy(context.Background(), p, nil); err != nil {
		t.Fatalf("put policy: %v", err)
	}
}

func flReview(t *testing.T, s *postgres.Store, orderID string, on domain.Date, kind string) {
	t.Helper()
	if _, err := s.RecordReview(context.Background(), orderID, domain.Review{ReviewedOn: on, Kind: kind,
		Outcome: "satisfactory"}); err != nil {
		t.Fatalf("record %s review on %s: %v", kind, on, err)
	}
}

func flSetCustody(t *testing.T, s *postgres.Store, subjectID string, c domain.Custody) domain.Subject {
	t.Helper()
	sub, err := s.UpdateSubject(context.Background(), subjectID, nil, func(x *domain.Subject) error {
		x.Custody = c
		return nil
	})
	if err != nil {
		t.Fatalf("update custody: %v", err)
	}
	return sub
}

func flEnd(t *testing.T, s *postgres.Store, orderID, status string) domain.Order {
	t.Helper()
	o, err := s.UpdateOrder(context.Background(), orderID, nil, func(x *domain.Order, _ domain.Subject) error {
		v := &domain.ValidationError{}
		// Ended on the store's day, so a sweep as of a later day sees it ended.
		x.End(status, ptr(s.Today()), ptr("Ended by the court."), s.Today(), v)
		return v.Err()
	})
	if err != nil {
		t.Fatalf("end order: %v", err)
	}
	return o
}

func flAllOrderFlags(t *testing.T, s *postgres.Store, orderID string) []domain.Flag {
	t.Helper()
	fl, _, err := s.ListFlags(context.Background(), domain.FlagFilter{OrderID: orderID}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

// ---------------------------------------------------------------- review_overdue

func TestFlagReviewOverdue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		custody  bool
		policy   func(*domain.Policy)
		order    func(subjectID string) domain.Order
		base     domain.Date // starts_on, or made_on when there is no start
		interval int
		caseType string
	}{
		{"community order counts 90 days from starts_on", false, nil, func(id string) domain.Order {
			return flOnDate(id, domain.NewDate(2026, 6, 1), 24)
		}, domain.NewDate(2026, 6, 1), 90, domain.CaseCommunity},
		{"prison case in force counts 180 days from starts_on", true, nil, func(id string) domain.Order {
			return flOnDate(id, domain.NewDate(2026, 3, 1), 24)
		}, domain.NewDate(2026, 3, 1), 180, domain.CasePrison},
		{"prison on_release order counts 180 days from made_on", true, nil, func(id string) domain.Order {
			o := onRelease(id, 60)
			o.MadeOn = domain.NewDate(2026, 3, 1)
			return o
		}, domain.NewDate(2026, 3, 1), 180, domain.CasePrison},
		{"the order's own interval wins", true, nil, func(id string) domain.Order {
			o := flOnDate(id, domain.NewDate(2026, 6, 1), 24)
			o.ReviewIntervalDays = ptr(30)
			return o
		}, domain.NewDate(2026, 6, 1), 30, domain.CasePrison},
		{"force policy community interval", false, func(p *domain.Policy) { p.CommunityReviewDays = 60 },
			func(id string) domain.Order { return flOnDate(id, domain.NewDate(2026, 6, 1), 24) },
			domain.NewDate(2026, 6, 1), 60, domain.CaseCommunity},
		{"force policy prison interval", true, func(p *domain.Policy) { p.PrisonReviewDays = 120 },
			func(id string) domain.Order {
				o := onRelease(id, 60)
				o.MadeOn = domain.NewDate(2026, 3, 1)
				return o
			}, domain.NewDate(2026, 3, 1), 120, domain.CasePrison},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			clockOf(s).startOn(tc.base) // the story runs from the order's start
			c := community()
			if tc.custody {
				c = custody(date(2027, 12, 1))
			}
			sub := flSubject(t, s, 1, c)
			if tc.policy != nil {
				flPolicy(t, s, tc.policy)
			}
			o := mustOrder(t, s, tc.order(sub.ID))
			due := tc.base.AddDays(tc.interval)
			if dateString(o.NextReviewDue) != due.String() {
				t.Errorf("next_review_due %s, want %s", dateString(o.NextReviewDue), due)
			}
			w := newFlWatch(t, s, domain.JobReview, domain.FlagReviewOverdue, o)
			w.none(tc.base)
			w.none(due.AddDays(-1))
			w.none(due) // due today is not overdue
			f := w.raised(due.AddDays(1), tc.caseType)
			flDetails(t, f, map[string]any{"due_on": due, "days_overdue": 1, "last_reviewed_on": nil})
			w.unchanged(due.AddDays(7), f)
			if got := mustGetOrder(t, s, o.ID).OpenFlags; !cmp.Equal(got, []string{domain.FlagReviewOverdue}) {
				t.Errorf("order open_flags %v", got)
			}

			reviewed := due.AddDays(10)
			clockOf(s).advanceTo(reviewed)
			flReview(t, s, o.ID, reviewed, "routine")
			w.settled(reviewed.AddDays(1), f)
			if got := mustGetOrder(t, s, o.ID).OpenFlags; len(got) != 0 {
				t.Errorf("order open_flags after the review %v", got)
			}

			next := reviewed.AddDays(tc.interval)
			w.none(next)
			g := w.raised(next.AddDays(1), tc.caseType)
			flDetails(t, g, map[string]any{"due_on": next, "days_overdue": 1, "last_reviewed_on": reviewed})
			if n := len(w.all()); n != 2 {
				t.Errorf("%d review_overdue flags in history, want 2", n)
			}
		})
	}

	t.Run("release restarts the schedule from starts_on", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 1, custody(date(2027, 3, 1)))
		ord := onRelease(sub.ID, 60)
		ord.MadeOn = domain.NewDate(2026, 3, 1)
		o := mustOrder(t, s, ord)
		w := newFlWatch(t, s, domain.JobReview, domain.FlagReviewOverdue, o)
		f := w.raised(domain.NewDate(2026, 8, 29), domain.CasePrison)
		// Released before the release date: the order starts today and its
		// first review falls due 90 days on, as a community case.
		flSetCustody(t, s, sub.ID, community())
		got := mustGetOrder(t, s, o.ID)
		if dateString(got.StartsOn) != today.String() || dateString(got.NextReviewDue) != today.AddDays(90).String() {
			t.Errorf("after release: starts_on %s next_review_due %s", dateString(got.StartsOn), dateString(got.NextReviewDue))
		}
		w.settled(today.AddDays(1), f)
		w.none(today.AddDays(90))
		g := w.raised(today.AddDays(91), domain.CaseCommunity)
		flDetails(t, g, map[string]any{"due_on": today.AddDays(90), "days_overdue": 1})
	})
}

// ---------------------------------------------------------------- check_overdue

func TestFlagCheckOverdue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		custody  bool
		grace    int
		caseType string
	}{
		{"community, no grace", false, 0, domain.CaseCommunity},
		{"prison, no grace", true, 0, domain.CasePrison},
		{"grace of 3 days moves the boundary", false, 3, domain.CaseCommunity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			c := community()
			if tc.custody {
				c = custody(date(2027, 12, 1))
			}
			sub := flSubject(t, s, 2, c)
			if tc.grace > 0 {
				flPolicy(t, s, func(p *domain.Policy) { p.CheckGraceDays = tc.grace })
			}
			ord := flOnDate(sub.ID, domain.NewDate(2026, 6, 1), 24)
			ord.ReviewIntervalDays = ptr(366) // no review falls due in this test
			o := mustOrder(t, s, ord)
			ctx := context.Background()
			due := domain.NewDate(2026, 10, 1)
			ch, err := s.ScheduleCheck(ctx, o.ID, domain.Check{Kind: "home_visit", DueOn: due})
			if err != nil {
				t.Fatal(err)
			}
			w := newFlWatch(t, s, domain.JobReview, domain.FlagCheckOverdue, o)
			w.none(due.AddDays(-1))
			w.none(due) // due today is not overdue
			boundary := due.AddDays(tc.grace)
			if tc.grace > 0 {
				w.none(due.AddDays(1))
				w.none(boundary)
			}
			f := w.raised(boundary.AddDays(1), tc.caseType)
			flDetails(t, f, map[string]any{"check_id": ch.ID, "check_kind": "home_visit", "due_on": due,
				"days_overdue": tc.grace + 1, "grace_days": tc.grace, "overdue_checks": 1})
			if r := w.unchanged(boundary.AddDays(2), f); r.Raised != 0 || r.Resolved != 0 {
				t.Errorf("still overdue: raised %d resolved %d, want nothing", r.Raised, r.Resolved)
			}

			done := boundary.AddDays(3)
			if _, err := s.CompleteCheck(ctx, o.ID, ch.ID, nil, func(c *domain.Check) error {
				c.CompletedOn, c.Outcome = &done, ptr("compliant")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			w.settled(done, f)

			due2 := domain.NewDate(2026, 11, 1)
			ch2, err := s.ScheduleCheck(ctx, o.ID, domain.Check{Kind: "device", DueOn: due2})
			if err != nil {
				t.Fatal(err)
			}
			w.none(due2.AddDays(tc.grace))
			g := w.raised(due2.AddDays(tc.grace+1), tc.caseType)
			flDetails(t, g, map[string]any{"check_id": ch2.ID, "check_kind": "device", "due_on": due2,
				"days_overdue": tc.grace + 1})
		})
	}

	t.Run("open while any check is overdue", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 2, community())
		ord := flOnDate(sub.ID, domain.NewDate(2026, 6, 1), 24)
		ord.ReviewIntervalDays = ptr(366)
		o := mustOrder(t, s, ord)
		ctx := context.Background()
		first, err := s.ScheduleCheck(ctx, o.ID, domain.Check{Kind: "financial", DueOn: domain.NewDate(2026, 9, 1)})
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.ScheduleCheck(ctx, o.ID, domain.Check{Kind: "travel", DueOn: domain.NewDate(2026, 9, 3)})
		if err != nil {
			t.Fatal(err)
		}
		w := newFlWatch(t, s, domain.JobReview, domain.FlagCheckOverdue, o)
		f := w.raised(domain.NewDate(2026, 9, 10), domain.CaseCommunity)
		flDetails(t, f, map[string]any{"check_id": first.ID, "due_on": "2026-09-01", "days_overdue": 9,
			"overdue_checks": 2})
		for _, c := range []domain.Check{first, second} {
			if _, err := s.CompleteCheck(ctx, o.ID, c.ID, nil, func(c *domain.Check) error {
				c.CompletedOn, c.Outcome = date(2026, 9, 12), ptr("no_access")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if c.ID == first.ID {
				// The second is still overdue, and the flag now names it.
				f = w.restated(domain.NewDate(2026, 9, 12), f, map[string]any{"check_id": second.ID,
					"due_on": "2026-09-03", "overdue_checks": 1})
			}
		}
		w.settled(domain.NewDate(2026, 9, 12), f)
	})
}

// ---------------------------------------------------------------- unowned

func TestFlagUnowned(t *testing.T) {
	t.Parallel()
	for _, role := range domain.OwnerRoles {
		t.Run("default policy: an "+role+" owner clears it", func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			sub := flSubject(t, s, 3, community())
			o := mustOrder(t, s, flOnDate(sub.ID, domain.NewDate(2026, 6, 1), 24))
			officer := flOfficer(t, s, role)
			w := newFlWatch(t, s, domain.JobOwnership, domain.FlagUnowned, o)
			f := w.raised(today, domain.CaseCommunity)
			flDetails(t, f, map[string]any{"missing_roles": []string{"iom", "lro", "orders_officer"},
				"required_roles": "any one owner", "current_roles": []string{}})
			w.unchanged(today.AddDays(1), f)
			flAssign(t, s, o.ID, role, officer.ID)
			w.settled(today.AddDays(1), f)
			w.none(today.AddDays(2))
			flRemove(t, s, o.ID, role)
			g := w.raisedByChange(today.AddDays(2))
			flDetails(t, g, map[string]any{"missing_roles": []string{"iom", "lro", "orders_officer"}})
		})
	}

	t.Run("an order owned from the start is never flagged", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 3, community())
		o := mustOrder(t, s, flOnDate(sub.ID, domain.NewDate(2026, 6, 1), 24))
		flAssign(t, s, o.ID, "iom", flOfficer(t, s, "iom").ID)
		w := newFlWatch(t, s, domain.JobOwnership, domain.FlagUnowned, o)
		w.none(today)
		w.none(today.AddDays(365))
	})

	t.Run("a pending prison case is flagged", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 3, custody(date(2027, 3, 1)))
		o := mustOrder(t, s, onRelease(sub.ID, 60))
		if o.Status != domain.StatusPending {
			t.Fatalf("status %s", o.Status)
		}
		w := newFlWatch(t, s, domain.JobOwnership, domain.FlagUnowned, o)
		f := w.raised(today, domain.CasePrison)
		flAssign(t, s, o.ID, "lro", flOfficer(t, s, "lro").ID)
		w.settled(today, f)
	})

	t.Run("policy required roles", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 3, community())
		o := mustOrder(t, s, flOnDate(sub.ID, domain.NewDate(2026, 6, 1), 24))
		flAssign(t, s, o.ID, "iom", flOfficer(t, s, "iom").ID)
		lro := flOfficer(t, s, "lro")
		w := newFlWatch(t, s, domain.JobOwnership, domain.FlagUnowned, o)
		w.none(today)

		// The policy change raises it at once; the next sweep adds nothing.
		flPolicy(t, s, func(p *domain.Policy) { p.RequiredRoles = []string{"iom", "lro"} })
		f := w.raisedByChange(today)
		flDetails(t, f, map[string]any{"missing_roles": []string{"lro"}, "required_roles": []string{"iom", "lro"},
			"current_roles": []string{"iom"}})
		w.unchanged(today, f)
		flAssign(t, s, o.ID, "lro", lro.ID)
		w.settled(today, f)

		flRemove(t, s, o.ID, "lro")
		g := w.raisedByChange(today)
		flDetails(t, g, map[string]any{"missing_roles": []string{"lro"}})
		// Relaxing the policy resolves it on the next sweep.
		flPolicy(t, s, nil)
		w.settled(today, g)
		if n := len(w.all()); n != 2 {
			t.Errorf("%d unowned flags in history, want 2", n)
		}
	})
}

// ---------------------------------------------------------------- pre_release

func TestFlagPreRelease(t *testing.T) {
	t.Parallel()
	release := domain.NewDate(2027, 3, 1)
	setup := func(t *testing.T) (*postgres.Store, domain.Subject, domain.Order, *flWatch) {
		s := newStore(t)
		sub := flSubject(t, s, 4, custody(&release))
		o := mustOrder(t, s, onRelease(sub.ID, 60))
		return s, sub, o, newFlWatch(t, s, domain.JobCustody, domain.FlagPreRelease, o)
	}

	t.Run("no iom owner", func(t *testing.T) {
		t.Parallel()
		s, _, o, w := setup(t)
		w.none(release.AddDays(-181))
		f := w.raised(release.AddDays(-180), domain.CasePrison)
		flDetails(t, f, map[string]any{"release_date": release, "release_date_type": "CRD", "window_days": 180,
			"days_to_release": 180, "has_iom_owner": false, "has_pre_release_review": false})
		w.unchanged(release.AddDays(-170), f)
		flAssign(t, s, o.ID, "iom", flOfficer(t, s, "iom").ID)
		// An owner but still no pre-release review: the flag says so.
		f = w.restated(release.AddDays(-160), f, map[string]any{"has_iom_owner": true, "has_pre_release_review": false})
		flReview(t, s, o.ID, domain.NewDate(2026, 11, 20), "pre_release")
		w.settled(today, f)
		w.none(today.AddDays(1))
		flRemove(t, s, o.ID, "iom")
		g := w.raised(today.AddDays(1), domain.CasePrison)
		flDetails(t, g, map[string]any{"has_iom_owner": false, "has_pre_release_review": true,
			"days_to_release": today.AddDays(1).DaysUntil(release)})
		w.unchanged(release, g) // release date today is still in the window
		// Once the date has passed it is release_date_passed's business.
		w.resolved(release.AddDays(1), g)
	})

	t.Run("iom owner but no pre_release review in the window", func(t *testing.T) {
		t.Parallel()
		s, _, o, w := setup(t)
		// The rules read the day as it stood: the story happens in its time.
		clockOf(s).startOn(release.AddDays(-200))
		flAssign(t, s, o.ID, "iom", flOfficer(t, s, "iom").ID)
		// Neither a routine review nor a pre-release review before the
		// window opens counts.
		flReview(t, s, o.ID, release.AddDays(-200), "pre_release")
		clockOf(s).advanceTo(release.AddDays(-181))
		flReview(t, s, o.ID, release.AddDays(-181), "routine")
		w.none(release.AddDays(-181))
		f := w.raised(release.AddDays(-180), domain.CasePrison)
		flDetails(t, f, map[string]any{"has_iom_owner": true, "has_pre_release_review": false, "window_days": 180})
		flReview(t, s, o.ID, release.AddDays(-180), "pre_release") // the window's first day
		w.settled(release.AddDays(-100), f)
	})

	t.Run("ready when the window opens is never flagged", func(t *testing.T) {
		t.Parallel()
		s, _, o, w := setup(t)
		clockOf(s).startOn(release.AddDays(-181))
		flAssign(t, s, o.ID, "iom", flOfficer(t, s, "iom").ID)
		clockOf(s).advanceTo(release.AddDays(-180))
		flReview(t, s, o.ID, release.AddDays(-180), "pre_release")
		w.none(release.AddDays(-180))
		w.none(release.AddDays(-1))
		w.none(release)
	})

	t.Run("release resolves it", func(t *testing.T) {
		t.Parallel()
		s, sub, _, w := setup(t)
		clockOf(s).startOn(release.AddDays(-181))
		f := w.raised(release.AddDays(-180), domain.CasePrison)
		flSetCustody(t, s, sub.ID, community())
		w.settled(release.AddDays(-179), f)
	})

	t.Run("release date moved out of the window resolves it", func(t *testing.T) {
		t.Parallel()
		s, sub, _, w := setup(t)
		f := w.raised(release.AddDays(-100), domain.CasePrison)
		flSetCustody(t, s, sub.ID, custody(ptr(release.AddDays(365))))
		w.settled(release.AddDays(-100), f)
		g := w.raised(release.AddDays(365-180), domain.CasePrison)
		flDetails(t, g, map[string]any{"release_date": release.AddDays(365)})
	})

	t.Run("policy pre_release_days narrows the window on the next sweep", func(t *testing.T) {
		t.Parallel()
		s, _, _, w := setup(t)
		f := w.raised(release.AddDays(-100), domain.CasePrison)
		flPolicy(t, s, func(p *domain.Policy) { p.PreReleaseDays = 30 })
		w.settled(release.AddDays(-100), f)
		w.none(release.AddDays(-31))
		g := w.raised(release.AddDays(-30), domain.CasePrison)
		flDetails(t, g, map[string]any{"window_days": 30, "days_to_release": 30})
	})

	t.Run("community subject or unknown release date is never flagged", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		free := flSubject(t, s, 5, community())
		unknown := flSubject(t, s, 6, custody(nil))
		for _, o := range []domain.Order{mustOrder(t, s, flOnDate(free.ID, domain.NewDate(2026, 6, 1), 24)),
			mustOrder(t, s, onRelease(unknown.ID, 60))} {
			w := newFlWatch(t, s, domain.JobCustody, domain.FlagPreRelease, o)
			w.none(today)
		}
	})
}

// ---------------------------------------------------------------- release_date_passed

func TestFlagReleaseDatePassed(t *testing.T) {
	t.Parallel()
	release := domain.NewDate(2026, 10, 1)
	setup := func(t *testing.T, order func(subjectID string) domain.Order) (*postgres.Store, domain.Subject, domain.Order, *flWatch) {
		s := newStore(t)
		sub := flSubject(t, s, 7, custody(&release))
		o := mustOrder(t, s, order(sub.ID))
		return s, sub, o, newFlWatch(t, s, domain.JobCustody, domain.FlagReleaseDatePassed, o)
	}
	inForce := func(id string) domain.Order { return flOnDate(id, domain.NewDate(2026, 6, 1), 24) }

	t.Run("released, then recalled", func(t *testing.T) {
		t.Parallel()
		s, sub, _, w := setup(t, inForce)
		clockOf(s).startOn(release.AddDays(-1))
		w.none(release.AddDays(-1))
		w.none(release) // release today is not passed
		f := w.raised(release.AddDays(1), domain.CasePrison)
		flDetails(t, f, map[string]any{"release_date": release, "release_date_type": "CRD", "days_since": 1})
		w.unchanged(release.AddDays(5), f)
		flSetCustody(t, s, sub.ID, community())
		w.settled(release.AddDays(6), f)

		recalled := domain.NewDate(2026, 11, 1)
		clockOf(s).advanceTo(recalled.AddDays(-1))
		flSetCustody(t, s, sub.ID, custody(&recalled))
		w.none(recalled)
		g := w.raised(recalled.AddDays(1), domain.CasePrison)
		flDetails(t, g, map[string]any{"release_date": recalled, "days_since": 1})
		if n := len(w.all()); n != 2 {
			t.Errorf("%d release_date_passed flags in history, want 2", n)
		}
	})

	t.Run("release date moved later resolves it", func(t *testing.T) {
		t.Parallel()
		s, sub, _, w := setup(t, inForce)
		f := w.raised(release.AddDays(1), domain.CasePrison)
		flSetCustody(t, s, sub.ID, custody(date(2027, 1, 1)))
		w.settled(release.AddDays(2), f)
	})

	t.Run("on_release order starts on release and the flag resolves", func(t *testing.T) {
		t.Parallel()
		s, sub, o, w := setup(t, func(id string) domain.Order { return onRelease(id, 24) })
		f := w.raised(release.AddDays(1), domain.CasePrison)
		flSetCustody(t, s, sub.ID, community())
		got := mustGetOrder(t, s, o.ID)
		summary := []string{got.Status, dateString(got.StartsOn), dateString(got.EndsOn), got.CaseType}
		want := []string{domain.StatusActive, "2026-10-01", "2028-10-01", domain.CaseCommunity}
		if diff := cmp.Diff(want, summary); diff != "" {
			t.Errorf("[status starts ends case_type] after release (-want +got):\n%s", diff)
		}
		w.settled(today, f)
	})

	t.Run("unknown release date is never flagged", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 8, custody(nil))
		o := mustOrder(t, s, onRelease(sub.ID, 24))
		newFlWatch(t, s, domain.JobCustody, domain.FlagReleaseDatePassed, o).none(today.AddDays(1000))
	})
}

// ---------------------------------------------------------------- expiring

func TestFlagExpiring(t *testing.T) {
	t.Parallel()
	starts := domain.NewDate(2026, 1, 5)
	ends := domain.NewDate(2027, 1, 5)
	for _, tc := range []struct {
		name     string
		custody  bool
		caseType string
	}{
		{"community", false, domain.CaseCommunity},
		{"prison", true, domain.CasePrison},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			c := community()
			if tc.custody {
				c = custody(date(2028, 1, 1))
			}
			sub := flSubject(t, s, 9, c)
			o := mustOrder(t, s, flOnDate(sub.ID, starts, 12))
			if dateString(o.EndsOn) != ends.String() || o.Status != domain.StatusActive {
				t.Fatalf("order ends %s status %s", dateString(o.EndsOn), o.Status)
			}
			w := newFlWatch(t, s, domain.JobLifecycle, domain.FlagExpiring, o)
			w.none(ends.AddDays(-181))
			f := w.raised(ends.AddDays(-180), tc.caseType)
			flDetails(t, f, map[string]any{"ends_on": ends, "days_to_end": 180, "window_days": 180})
			w.unchanged(ends.AddDays(-100), f)

			// A narrower warning resolves it on the next sweep and raises it
			// anew once the end is inside the new window.
			flPolicy(t, s, func(p *domain.Policy) { p.ExpiryWarningDays = 30 })
			w.settled(ends.AddDays(-100), f)
			w.none(ends.AddDays(-31))
			g := w.raised(ends.AddDays(-30), tc.caseType)
			flDetails(t, g, map[string]any{"ends_on": ends, "days_to_end": 30, "window_days": 30})
			w.unchanged(ends, g) // ends today: still active

			r := w.resolved(ends.AddDays(1), g)
			if got := mustGetOrder(t, s, o.ID); got.Status != domain.StatusExpired || r.Changed != 1 {
				t.Errorf("the day after ends_on: status %s, run changed %d; want expired, 1", got.Status, r.Changed)
			}
			w.none(ends.AddDays(2))
			if n := len(w.all()); n != 2 {
				t.Errorf("%d expiring flags in history, want 2", n)
			}
		})
	}

	t.Run("discharge resolves it", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		clockOf(s).startOn(ends.AddDays(-181))
		sub := flSubject(t, s, 9, community())
		o := mustOrder(t, s, flOnDate(sub.ID, starts, 12))
		w := newFlWatch(t, s, domain.JobLifecycle, domain.FlagExpiring, o)
		f := w.raised(ends.AddDays(-180), domain.CaseCommunity)
		flEnd(t, s, o.ID, domain.StatusDischarged)
		w.wantResolved(f, nil)
		w.none(ends.AddDays(-100))
	})

	t.Run("a pending order is flagged once it comes into force", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 9, community())
		ord := flOnDate(sub.ID, domain.NewDate(2026, 12, 10), 3)
		ord.MadeOn = domain.NewDate(2026, 11, 1)
		o := mustOrder(t, s, ord)
		if o.Status != domain.StatusPending {
			t.Fatalf("status %s, want pending", o.Status)
		}
		w := newFlWatch(t, s, domain.JobLifecycle, domain.FlagExpiring, o)
		w.none(domain.NewDate(2026, 12, 9)) // ends within 180 days but not in force
		f := w.raised(domain.NewDate(2026, 12, 10), domain.CaseCommunity)
		flDetails(t, f, map[string]any{"ends_on": "2027-03-10", "days_to_end": 90})
	})
}

// ---------------------------------------------------------------- lifecycle

func TestFlagLifecycle(t *testing.T) {
	t.Parallel()
	t.Run("pending becomes active on starts_on", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 10, community())
		ord := flOnDate(sub.ID, domain.NewDate(2026, 12, 10), 24)
		ord.MadeOn = domain.NewDate(2026, 11, 1)
		o := mustOrder(t, s, ord)
		if o.Status != domain.StatusPending {
			t.Fatalf("status %s, want pending", o.Status)
		}
		if r := run(t, s, domain.JobLifecycle, domain.NewDate(2026, 12, 9)); r.Changed != 0 {
			t.Errorf("the day before starts_on changed %d", r.Changed)
		}
		if got := mustGetOrder(t, s, o.ID); got.Status != domain.StatusPending {
			t.Errorf("the day before starts_on: %s", got.Status)
		}
		if r := run(t, s, domain.JobLifecycle, domain.NewDate(2026, 12, 10)); r.Changed != 1 {
			t.Errorf("on starts_on changed %d, want 1", r.Changed)
		}
		got := mustGetOrder(t, s, o.ID)
		if got.Status != domain.StatusActive || got.Version != o.Version+1 {
			t.Errorf("on starts_on: %s version %d", got.Status, got.Version)
		}
		if r := run(t, s, domain.JobLifecycle, domain.NewDate(2026, 12, 11)); r.Changed != 0 {
			t.Errorf("a second run changed %d", r.Changed)
		}
	})

	t.Run("active expires the day after ends_on and its flags resolve", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 10, community())
		o := mustOrder(t, s, flOnDate(sub.ID, domain.NewDate(2026, 1, 5), 12))
		ends := *o.EndsOn
		if _, err := s.ScheduleCheck(context.Background(), o.ID, domain.Check{Kind: "other",
			DueOn: domain.NewDate(2026, 10, 1)}); err != nil {
			t.Fatal(err)
		}
		for _, job := range domain.JobNames {
			run(t, s, job, ends)
		}
		want := []string{domain.FlagCheckOverdue, domain.FlagExpiring, domain.FlagReviewOverdue, domain.FlagUnowned}
		if diff := cmp.Diff(want, flOpenKinds(t, s, o.ID)); diff != "" {
			t.Fatalf("open flags as of ends_on (-want +got):\n%s", diff)
		}
		if got := mustGetOrder(t, s, o.ID); got.Status != domain.StatusActive {
			t.Errorf("as of ends_on: %s, want still active", got.Status)
		}

		r := run(t, s, domain.JobLifecycle, ends.AddDays(1))
		if got := mustGetOrder(t, s, o.ID); got.Status != domain.StatusExpired || r.Changed != 1 {
			t.Errorf("the day after ends_on: %s, changed %d", got.Status, r.Changed)
		}
		all := flAllOrderFlags(t, s, o.ID)
		if r.Resolved != len(all) {
			t.Errorf("the expiring lifecycle run reports %d resolved, want %d (every flag of the expired order)",
				r.Resolved, len(all))
		}
		for _, f := range all {
			if f.ResolvedAt == nil || flDeref(f.ResolvedByRun) != r.ID {
				t.Errorf("%s flag resolved_at %v by run %q, want resolved by the lifecycle run %s",
					f.Kind, f.ResolvedAt, flDeref(f.ResolvedByRun), r.ID)
			}
		}
		flNoFlagsAfterEnd(t, s, o.ID, len(all), ends.AddDays(2), ends.AddDays(400))
	})

	for _, status := range []string{domain.StatusDischarged, domain.StatusQuashed} {
		t.Run(status+" order keeps no open flags", func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			sub := flSubject(t, s, 10, custody(date(2026, 10, 1)))
			o := mustOrder(t, s, flOnDate(sub.ID, domain.NewDate(2026, 3, 1), 24))
			for _, job := range domain.JobNames {
				run(t, s, job, today)
			}
			want := []string{domain.FlagReleaseDatePassed, domain.FlagReviewOverdue, domain.FlagUnowned}
			if diff := cmp.Diff(want, flOpenKinds(t, s, o.ID)); diff != "" {
				t.Fatalf("open flags before ending (-want +got):\n%s", diff)
			}
			ended := flEnd(t, s, o.ID, status)
			if ended.Status != status || len(ended.OpenFlags) != 0 {
				t.Errorf("ended order: %s, open_flags %v", ended.Status, ended.OpenFlags)
			}
			all := flAllOrderFlags(t, s, o.ID)
			for _, f := range all {
				if f.ResolvedAt == nil {
					t.Errorf("%s flag still open after the order was %s", f.Kind, status)
				}
			}
			flNoFlagsAfterEnd(t, s, o.ID, len(all), today, today.AddDays(400))
		})
	}

	t.Run("an on_release order whose fixed end passes in custody expires and keeps no open flags", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		clockOf(s).startOn(domain.NewDate(2025, 12, 1))
		sub := flSubject(t, s, 10, custody(date(2026, 1, 10)))
		ord := onRelease(sub.ID, 12)
		ord.MadeOn, ord.DurationMonths, ord.EndsOn = domain.NewDate(2025, 6, 1), nil, date(2026, 1, 1)
		o := mustOrder(t, s, ord)
		if o.Status != domain.StatusPending {
			t.Fatalf("created %s, want pending", o.Status)
		}
		for _, job := range domain.JobNames {
			run(t, s, job, domain.NewDate(2025, 12, 31))
		}
		want := []string{domain.FlagPreRelease, domain.FlagReviewOverdue, domain.FlagUnowned}
		if diff := cmp.Diff(want, flOpenKinds(t, s, o.ID)); diff != "" {
			t.Fatalf("open flags before the end date (-want +got):\n%s", diff)
		}
		// Still held after the fixed end date: the order can never come
		// into force, so the lifecycle expires it and its flags resolve.
		for _, job := range domain.JobNames {
			run(t, s, job, domain.NewDate(2026, 1, 2))
		}
		got := mustGetOrder(t, s, o.ID)
		if got.Status != domain.StatusExpired {
			t.Fatalf("order after its end date: %s, want expired", got.Status)
		}
		if open := flOpenKinds(t, s, o.ID); len(open) != 0 || len(got.OpenFlags) != 0 {
			t.Errorf("expired but flags %v still open (order open_flags %v), want none", open, got.OpenFlags)
		}
		flNoFlagsAfterEnd(t, s, o.ID, 3, today, today.AddDays(400))
	})

	t.Run("an order whose end has passed is loaded expired and raises nothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 11, community())
		ord := flOnDate(sub.ID, domain.NewDate(2019, 1, 10), 60)
		o := mustOrder(t, s, ord)
		if o.Status != domain.StatusExpired || dateString(o.EndsOn) != "2024-01-10" {
			t.Fatalf("historic order created %s ending %s, want expired ending 2024-01-10", o.Status, dateString(o.EndsOn))
		}
		flNoFlagsAfterEnd(t, s, o.ID, 0, today, today.AddDays(400))
	})

	t.Run("an on_release order gets its dates on release", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		sub := flSubject(t, s, 10, custody(date(2026, 11, 1)))
		o := mustOrder(t, s, onRelease(sub.ID, 36))
		run(t, s, domain.JobLifecycle, today)
		if got := mustGetOrder(t, s, o.ID); got.Status != domain.StatusPending || got.StartsOn != nil {
			t.Errorf("in custody after a lifecycle run: %s starts %s", got.Status, dateString(got.StartsOn))
		}
		flSetCustody(t, s, sub.ID, community())
		got := mustGetOrder(t, s, o.ID)
		summary := []string{got.Status, dateString(got.StartsOn), dateString(got.EndsOn)}
		if diff := cmp.Diff([]string{domain.StatusActive, "2026-11-01", "2029-11-01"}, summary); diff != "" {
			t.Errorf("[status starts ends] after release (-want +got):\n%s", diff)
		}
		run(t, s, domain.JobLifecycle, domain.NewDate(2029, 11, 1))
		if got := mustGetOrder(t, s, o.ID); got.Status != domain.StatusActive {
			t.Errorf("as of ends_on: %s", got.Status)
		}
		run(t, s, domain.JobLifecycle, domain.NewDate(2029, 11, 2))
		if got := mustGetOrder(t, s, o.ID); got.Status != domain.StatusExpired {
			t.Errorf("the day after ends_on: %s", got.Status)
		}
	})
}

// flOpenKinds lists the kinds of the order's open flags, sorted.
func flOpenKinds(t *testing.T, s *postgres.Store, orderID string) []string {
	t.Helper()
	kinds := []string{}
	for _, f := range openFlags(t, s, orderID, "") {
		kinds = append(kinds, f.Kind)
	}
	slices.Sort(kinds)
	return kinds
}

// flNoFlagsAfterEnd runs every job as of each date and wants the ended
// order to keep no open flag and gain no new one.
func flNoFlagsAfterEnd(t *testing.T, s *postgres.Store, orderID string, want int, asOf ...domain.Date) {
	t.Helper()
	for _, d := range asOf {
		for _, job := range domain.JobNames {
			run(t, s, job, d)
		}
		if open := openFlags(t, s, orderID, ""); len(open) != 0 {
			t.Errorf("as of %s: ended order has open %s flag", d, open[0].Kind)
		}
		if n := len(flAllOrderFlags(t, s, orderID)); n != want {
			t.Errorf("as of %s: ended order has %d flags, want %d", d, n, want)
		}
	}
	if o := mustGetOrder(t, s, orderID); len(o.OpenFlags) != 0 || o.NextReviewDue != nil {
		t.Errorf("ended order open_flags %v next_review_due %s", o.OpenFlags, dateString(o.NextReviewDue))
	}
}
