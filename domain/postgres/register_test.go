package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"

	"scpo/domain"
	"scpo/domain/postgres"
)

// ---------------------------------------------------------------- helpers

// pncFor makes a valid PNC ID for 2015 from serial, so each subject in a
// test can have its own.
func pncFor(serial int) string {
	return fmt.Sprintf("2015/%07d%c", serial, domain.PNCCheckLetter(15, serial))
}

func mustOfficer(t *testing.T, s *postgres.Store, email string, force *string, roles ...string) domain.Officer {
	t.Helper()
	o, err := s.CreateOfficer(context.Background(), domain.Officer{Name: "Officer " + email, Email: email,
		Force: force, Roles: roles, Active: true})
	if err != nil {
		t.Fatalf("create officer %s: %v", email, err)
	}
	return o
}

func mustAdmin(t *testing.T, s *postgres.Store) domain.Officer {
	t.Helper()
	return mustOfficer(t, s, "admin@scpo.police.uk", nil, domain.RoleAdmin)
}

func newSubject(t *testing.T, s *postgres.Store, serial int, force string, c domain.Custody) domain.Subject {
	t.Helper()
	sub, err := s.CreateSubject(context.Background(), domain.Subject{FirstNames: "Subject", LastName: fmt.Sprint(serial),
		DateOfBirth: domain.NewDate(1980, 1, 1), PNCID: pncFor(serial), Force: force, Custody: c})
	if err != nil {
		t.Fatalf("create subject: %v", err)
	}
	return sub
}

func community() domain.Custody { return domain.Custody{Status: domain.CustodyCommunity} }

func custody(release *domain.Date) domain.Custody {
	c := domain.Custody{Status: domain.CustodyCustody, Establishment: ptr("HMP Bristol")}
	if release != nil {
		c.ReleaseDate, c.ReleaseDateType = release, ptr("CRD")
	}
	return c
}

// onDate is a valid on-date order for subject.
// orderRefs makes each test order's court reference its own: the same
// order (subject, reference, day made) cannot be recorded twice.
var orderRefs atomic.Int64

func nextRef() string { return fmt.Sprintf("T2024%05d", orderRefs.Add(1)) }

func onDate(subjectID string, starts domain.Date, months int) domain.Order {
	return domain.Order{SubjectID: subjectID, Reference: nextRef(), Court: "Bristol Crown Court",
		CourtType: "crown", MadeOn: domain.NewDate(2026, 6, 10), Commencement: domain.CommenceOnDate,
		StartsOn: &starts, DurationMonths: &months}
}

// onRelease is a valid on-release order for subject.
func onRelease(subjectID string, months int) domain.Order {
	return domain.Order{SubjectID: subjectID, Reference: nextRef(), Court: "Bristol Crown Court",
		CourtType: "crown", MadeOn: domain.NewDate(2026, 6, 10), Commencement: domain.CommenceOnRelease,
		DurationMonths: &months}
}

func mustOrder(t *testing.T, s *postgres.Store, o domain.Order) domain.Order {
	t.Helper()
	out, err := s.CreateOrder(context.Background(), o)
	if err != nil {
		t.Fatalf("create order: %v", err)
	}
	return out
}

func date(y int, m time.Month, d int) *domain.Date { return ptr(domain.NewDate(y, m, d)) }

func dateString(d *domain.Date) string {
	if d == nil {
		return "<nil>"
	}
	return d.String()
}

// wantInvalid fails unless err is a ValidationError naming exactly fields.
func wantInvalid(t *testing.T, err error, fields ...string) {
	t.Helper()
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("got %v (%T), want a ValidationError on %v", err, err, fields)
	}
	var got []string
	for _, e := range v.Errors {
		got = append(got, e.Field)
	}
	if diff := cmp.Diff(fields, got); diff != "" {
		t.Errorf("validation fields (-want +got):\n%s\n%v", diff, err)
	}
}

// wantConflict fails unless err is a ConflictError on field.
func wantConflict(t *testing.T, err error, field string) {
	t.Helper()
	var c *domain.ConflictError
	if !errors.As(err, &c) {
		t.Fatalf("got %v (%T), want a ConflictError on %s", err, err, field)
	}
	if c.Field != field {
		t.Errorf("conflict on %q (%v), want %q", c.Field, err, field)
	}
}

func count(t *testing.T, s *postgres.Store, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB().Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = id(x)
	}
	return out
}

func officerIDs(os []domain.Officer) []string {
	return ids(os, func(o domain.Officer) string { return o.ID })
}
func orderIDs(os []domain.Order) []string {
	return ids(os, func(o domain.Order) string { return o.ID })
}

// ---------------------------------------------------------------- officers

func TestOfficerCreateGetList(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()

	a := mustOfficer(t, s, "a@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	b := mustOfficer(t, s, "b@glos.police.uk", ptr("gloucestershire"), domain.RoleLRO, domain.RoleIOMOfficer)
	c := mustOfficer(t, s, "c@dorset.police.uk", ptr("dorset"), domain.RoleLRO)
	d := mustOfficer(t, s, "d@dorset.police.uk", ptr("dorset"), domain.RoleOrdersOfficer)
	e := mustOfficer(t, s, "e@scpo.police.uk", nil, domain.RoleAuditor)
	all := []domain.Officer{a, b, c, d, e}

	if a.Version != 1 || !a.Active || a.ID == "" || !a.CreatedAt.Equal(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("created officer %+v", a)
	}
	for _, want := range all {
		got, err := s.GetOfficer(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetOfficer (-created +read):\n%s", diff)
		}
	}
	for _, id := range []string{"019a0000-0000-7000-8000-000000000000", "not-a-uuid", ""} {
		if _, err := s.GetOfficer(ctx, id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("GetOfficer(%q) = %v, want ErrNotFound", id, err)
		}
	}

	t.Run("keyset pages", func(t *testing.T) {
		var pages [][]string
		cursor := ""
		for range 10 {
			items, next, err := s.ListOfficers(ctx, domain.OfficerFilter{}, domain.Page{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, officerIDs(items))
			if next == "" {
				break
			}
			id, ok := domain.DecodeCursor(next)
			if !ok {
				t.Fatalf("cursor %q does not decode", next)
			}
			cursor = id
		}
		want := [][]string{{a.ID, b.ID}, {c.ID, d.ID}, {e.ID}}
		if diff := cmp.Diff(want, pages); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		// Exactly one full page leaves no cursor.
		items, next, err := s.ListOfficers(ctx, domain.OfficerFilter{}, domain.Page{Limit: 5})
		if err != nil || len(items) != 5 || next != "" {
			t.Errorf("limit 5 over 5 rows: %d items, cursor %q, err %v", len(items), next, err)
		}
		if _, ok := domain.DecodeCursor("garbage!"); ok {
			t.Error("DecodeCursor accepted garbage")
		}
	})

	for _, tc := range []struct {
		name   string
		filter domain.OfficerFilter
		want   []domain.Officer
	}{
		{"all", domain.OfficerFilter{}, all},
		{"force", domain.OfficerFilter{Force: "dorset"}, []domain.Officer{c, d}},
		{"role", domain.OfficerFilter{Role: domain.RoleLRO}, []domain.Officer{b, c}},
		{"force and role", domain.OfficerFilter{Force: "gloucestershire", Role: domain.RoleLRO}, []domain.Officer{b}},
		{"nobody", domain.OfficerFilter{Force: "kent"}, nil},
	} {
		t.Run("filter "+tc.name, func(t *testing.T) {
			items, next, err := s.ListOfficers(ctx, tc.filter, domain.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(officerIDs(tc.want), officerIDs(items)); diff != "" || next != "" {
				t.Errorf("ids (-want +got):\n%s\nnext %q", diff, next)
			}
		})
	}

	t.Run("duplicate email", func(t *testing.T) {
		_, err := s.CreateOfficer(ctx, domain.Officer{Name: "Again", Email: "  A@Glos.Police.UK ",
			Force: ptr("gloucestershire"), Roles: []string{domain.RoleLRO}})
		wantConflict(t, err, "email")
	})
	t.Run("unknown force", func(t *testing.T) {
		_, err := s.CreateOfficer(ctx, domain.Officer{Name: "Nobody", Email: "x@atlantis.police.uk",
			Force: ptr("atlantis"), Roles: []string{domain.RoleLRO}})
		wantInvalid(t, err, "force")
	})
	t.Run("invalid", func(t *testing.T) {
		_, err := s.CreateOfficer(ctx, domain.Officer{Email: "bad", Roles: []string{"chief"}})
		wantInvalid(t, err, "name", "email", "roles")
	})
	if n := count(t, s, `SELECT count(*) FROM officers`); n != 5 {
		t.Errorf("%d officers stored, want 5", n)
	}
}

func TestUpdateOfficerVersion(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	o := mustOfficer(t, s, "sam@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	mustOfficer(t, s, "taken@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)

	got, err := s.UpdateOfficer(ctx, o.ID, ptr(1), func(x *domain.Officer) error {
		x.Name = "Sam Price"
		x.Roles = append(x.Roles, domain.RoleLRO)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Name != "Sam Price" || !got.HasRole(domain.RoleLRO) || !got.CreatedAt.Equal(o.CreatedAt) {
		t.Errorf("after update: %+v", got)
	}

	_, err = s.UpdateOfficer(ctx, o.ID, ptr(1), func(x *domain.Officer) error {
		x.Name = "Stale"
		return nil
	})
	if !errors.Is(err, domain.ErrStale) {
		t.Errorf("stale version: got %v, want ErrStale", err)
	}
	_, err = s.UpdateOfficer(ctx, o.ID, ptr(2), func(x *domain.Officer) error {
		x.Email = "TAKEN@glos.police.uk"
		return nil
	})
	wantConflict(t, err, "email")
	_, err = s.UpdateOfficer(ctx, o.ID, ptr(2), func(x *domain.Officer) error {
		x.Name = " "
		return nil
	})
	wantInvalid(t, err, "name")
	boom := errors.New("boom")
	if _, err := s.UpdateOfficer(ctx, o.ID, nil, func(*domain.Officer) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("change error: got %v", err)
	}

	read, err := s.GetOfficer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, read); diff != "" {
		t.Errorf("refused updates changed the officer (-want +got):\n%s", diff)
	}

	// No If-Match: applies to whatever is stored.
	got, err = s.UpdateOfficer(ctx, o.ID, nil, func(x *domain.Officer) error {
		x.Active = false
		return nil
	})
	if err != nil || got.Version != 3 || got.Active {
		t.Errorf("deactivate: %+v, %v", got, err)
	}
	if _, err := s.UpdateOfficer(ctx, "019a0000-0000-7000-8000-000000000000", nil,
		func(*domain.Officer) error { return nil }); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown officer: %v", err)
	}
}

// ---------------------------------------------------------------- subjects

func TestUpdateSubjectVersion(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)

	got, err := s.UpdateSubject(ctx, sub.ID, ptr(1), func(x *domain.Subject) error {
		x.LastName = "Carter-Smith"
		x.Aliases = append(x.Aliases, "DC")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.LastName != "Carter-Smith" || !cmp.Equal(got.Aliases, []string{"Deano", "DC"}) {
		t.Errorf("after update: %+v", got)
	}

	_, err = s.UpdateSubject(ctx, sub.ID, ptr(1), func(x *domain.Subject) error {
		x.LastName = "Stale"
		return nil
	})
	if !errors.Is(err, domain.ErrStale) {
		t.Errorf("stale version: got %v, want ErrStale", err)
	}
	_, err = s.UpdateSubject(ctx, sub.ID, ptr(2), func(x *domain.Subject) error {
		x.PNCID = "2012/0345678V"
		return nil
	})
	wantInvalid(t, err, "pnc_id")
	other := newSubject(t, s, 1, "dorset", community())
	_, err = s.UpdateSubject(ctx, other.ID, nil, func(x *domain.Subject) error {
		x.PNCID = "12/345678U"
		return nil
	})
	wantConflict(t, err, "pnc_id")

	read, err := s.GetSubject(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, read); diff != "" {
		t.Errorf("refused updates changed the subject (-want +got):\n%s", diff)
	}
}

func TestUpdateSubjectConcurrentIfMatch(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)

	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.UpdateSubject(ctx, sub.ID, ptr(1), func(x *domain.Subject) error {
				x.LastName = fmt.Sprint("Writer ", i)
				return nil
			})
		})
	}
	close(start)
	wg.Wait()

	ok, stale := 0, 0
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			winner = i
		case errors.Is(err, domain.ErrStale):
			stale++
		default:
			t.Errorf("writer %d: unexpected error %v", i, err)
		}
	}
	if ok != 1 || stale != n-1 {
		t.Fatalf("%d succeeded and %d were stale, want 1 and %d", ok, stale, n-1)
	}
	got, err := s.GetSubject(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.LastName != fmt.Sprint("Writer ", winner) {
		t.Errorf("stored version %d name %q, want 2 and the winner's (%d)", got.Version, got.LastName, winner)
	}
}

// ---------------------------------------------------------------- orders

func TestOrderCreateAndRead(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)

	in := onDate(sub.ID, domain.NewDate(2026, 7, 1), 36)
	in.Terms = []domain.Term{
		{Category: "communications", Text: "  Not to possess more than one mobile phone.  "},
		{Category: "financial", Text: "Not to hold cash above £1,000."},
		{Category: "travel", Text: "Surrender passport."},
	}
	o := mustOrder(t, s, in)

	wantTerms := []domain.Term{
		{Category: "communications", Text: "Not to possess more than one mobile phone."},
		{Category: "financial", Text: "Not to hold cash above £1,000."},
		{Category: "travel", Text: "Surrender passport."},
	}
	gotTerms := append([]domain.Term(nil), o.Terms...)
	for i := range gotTerms {
		if gotTerms[i].ID == "" {
			t.Errorf("term %d has no id", i)
		}
		gotTerms[i].ID = ""
	}
	if diff := cmp.Diff(wantTerms, gotTerms); diff != "" {
		t.Errorf("terms (-want +got):\n%s", diff)
	}
	type summary struct {
		Type, Status, Starts, Ends, CaseType, Force, NextReview, NextCheck string
		Duration, Version                                                  int
		Owners                                                             domain.Owners
		Flags                                                              []string
	}
	sum := func(o domain.Order) summary {
		return summary{o.Type, o.Status, dateString(o.StartsOn), dateString(o.EndsOn), o.CaseType, o.Force,
			dateString(o.NextReviewDue), dateString(o.NextCheckDue), *o.DurationMonths, o.Version, o.Owners, o.OpenFlags}
	}
	want := summary{Type: "scpo", Status: "active", Starts: "2026-07-01", Ends: "2029-07-01", CaseType: "community",
		Force: "gloucestershire", NextReview: "2026-09-29", NextCheck: "<nil>", Duration: 36, Version: 1,
		Flags: []string{}}
	if diff := cmp.Diff(want, sum(o)); diff != "" {
		t.Errorf("created order (-want +got):\n%s", diff)
	}
	read, err := s.GetOrder(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o, read); diff != "" {
		t.Errorf("GetOrder differs from CreateOrder's answer (-create +get):\n%s", diff)
	}

	// Checks: the earliest open one is next; a completed one no longer counts.
	admin := mustAdmin(t, s)
	actx := domain.WithActor(ctx, admin)
	late, err := s.ScheduleCheck(actx, o.ID, domain.Check{Kind: "home_visit", DueOn: domain.NewDate(2026, 12, 10)})
	if err != nil {
		t.Fatal(err)
	}
	early, err := s.ScheduleCheck(actx, o.ID, domain.Check{Kind: "device", DueOn: domain.NewDate(2026, 12, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if early.ScheduledBy == nil || early.ScheduledBy.ID != admin.ID || early.Version != 1 {
		t.Errorf("scheduled check %+v", early)
	}
	if got := mustGetOrder(t, s, o.ID); dateString(got.NextCheckDue) != "2026-12-01" {
		t.Errorf("next_check_due %s, want 2026-12-01", dateString(got.NextCheckDue))
	}
	done, err := s.CompleteCheck(actx, o.ID, early.ID, ptr(1), func(c *domain.Check) error {
		c.CompletedOn, c.Outcome = ptr(today), ptr("compliant")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.CompletedBy == nil || done.CompletedBy.ID != admin.ID || done.Version != 2 {
		t.Errorf("completed check %+v", done)
	}
	if got := mustGetOrder(t, s, o.ID); dateString(got.NextCheckDue) != late.DueOn.String() {
		t.Errorf("next_check_due %s, want %s", dateString(got.NextCheckDue), late.DueOn)
	}
	_, err = s.CompleteCheck(actx, o.ID, early.ID, nil, func(c *domain.Check) error { return nil })
	wantConflict(t, err, "outcome")

	// Reviews: the next one falls due the interval after the latest review.
	r, err := s.RecordReview(actx, o.ID, domain.Review{ReviewedOn: domain.NewDate(2026, 11, 20), Kind: "routine",
		Outcome: "satisfactory"})
	if err != nil {
		t.Fatal(err)
	}
	if r.RecordedBy == nil || r.RecordedBy.ID != admin.ID {
		t.Errorf("review recorded_by %+v, want the actor", r.RecordedBy)
	}
	if _, err := s.RecordReview(actx, o.ID, domain.Review{ReviewedOn: domain.NewDate(2026, 10, 1), Kind: "routine",
		Outcome: "concerns"}); err != nil {
		t.Fatal(err)
	}
	if got := mustGetOrder(t, s, o.ID); dateString(got.NextReviewDue) != "2027-02-18" {
		t.Errorf("next_review_due after review on 2026-11-20: %s, want 2027-02-18", dateString(got.NextReviewDue))
	}
	_, err = s.RecordReview(actx, o.ID, domain.Review{ReviewedOn: today.AddDays(1), Kind: "routine", Outcome: "x"})
	wantInvalid(t, err, "reviewed_on", "outcome")

	// The order's own interval wins over the default.
	o2, err := s.UpdateOrder(ctx, o.ID, nil, func(x *domain.Order, sub domain.Subject) error {
		x.ReviewIntervalDays = ptr(30)
		v := &domain.ValidationError{}
		x.Validate(sub, today, v)
		return v.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if dateString(o2.NextReviewDue) != "2026-12-20" {
		t.Errorf("next_review_due with a 30-day interval: %s, want 2026-12-20", dateString(o2.NextReviewDue))
	}

	if _, err := s.GetOrder(ctx, "019a0000-0000-7000-8000-000000000000"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	if _, err := s.GetOrder(ctx, "nope"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("malformed id: %v", err)
	}
}

func mustGetOrder(t *testing.T, s *postgres.Store, id string) domain.Order {
	t.Helper()
	o, err := s.GetOrder(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestPrisonOrderOnRelease(t *testing.T) {
	s := newStore(t)
	sub := mustSubject(t, s, "12/345678U", true)
	o := mustOrder(t, s, onRelease(sub.ID, 60))
	got := []string{o.Status, dateString(o.StartsOn), dateString(o.EndsOn), o.CaseType, dateString(o.NextReviewDue)}
	// No start yet: the first review falls due 180 days after made_on.
	want := []string{"pending", "<nil>", "<nil>", "prison", "2026-12-07"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("[status starts ends case_type next_review] (-want +got):\n%s", diff)
	}
	if _, err := s.RecordReview(context.Background(), o.ID, domain.Review{ReviewedOn: domain.NewDate(2026, 11, 1),
		Kind: "pre_release", Outcome: "satisfactory"}); err != nil {
		t.Fatal(err)
	}
	if got := mustGetOrder(t, s, o.ID); dateString(got.NextReviewDue) != "2027-04-30" {
		t.Errorf("next_review_due after a review on 2026-11-01: %s, want 2027-04-30", dateString(got.NextReviewDue))
	}
}

func TestCreateOrderRefusals(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)

	_, err := s.CreateOrder(ctx, onDate("019a0000-0000-7000-8000-000000000000", domain.NewDate(2026, 7, 1), 12))
	wantInvalid(t, err, "subject_id")
	_, err = s.CreateOrder(ctx, onDate("not-a-uuid", domain.NewDate(2026, 7, 1), 12))
	wantInvalid(t, err, "subject_id")

	long := onDate(sub.ID, domain.NewDate(2026, 7, 1), 12)
	long.DurationMonths, long.EndsOn = nil, date(2031, 7, 2)
	_, err = s.CreateOrder(ctx, long)
	wantInvalid(t, err, "ends_on")

	bad := onDate(sub.ID, domain.NewDate(2026, 7, 1), 61)
	bad.Terms = []domain.Term{{Category: "music", Text: "x"}}
	_, err = s.CreateOrder(ctx, bad)
	wantInvalid(t, err, "duration_months", "terms[0].category")

	// A status given by the caller is ignored: a new order is never ended.
	ended := onDate(sub.ID, domain.NewDate(2026, 7, 1), 12)
	ended.Status, ended.EndedOn, ended.EndReason = domain.StatusDischarged, ptr(today), ptr("no")
	o, err := s.CreateOrder(ctx, ended)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.StatusActive || o.EndedOn != nil || o.EndReason != nil {
		t.Errorf("created %s order with ended_on %v", o.Status, o.EndedOn)
	}

	t.Run("neither ends_on nor duration_months", func(t *testing.T) {
		noEnd := onDate(sub.ID, domain.NewDate(2026, 7, 1), 12)
		noEnd.DurationMonths = nil
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("CreateOrder panicked: %v", r)
				}
			}()
			_, err = s.CreateOrder(ctx, noEnd)
			return err
		}()
		wantInvalid(t, err, "ends_on")
	})
	if n := count(t, s, `SELECT count(*) FROM orders`); n != 1 {
		t.Errorf("%d orders stored, want 1", n)
	}
}

func TestUpdateOrderVersion(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))

	revalidate := func(x *domain.Order, sub domain.Subject) error {
		v := &domain.ValidationError{}
		x.Validate(sub, today, v)
		return v.Err()
	}
	got, err := s.UpdateOrder(ctx, o.ID, ptr(1), func(x *domain.Order, sub domain.Subject) error {
		x.Reference = "T2"
		x.Terms = []domain.Term{{Category: "items", Text: "No crypto wallets."}}
		x.StartsOn, x.EndsOn = date(2027, 1, 1), nil // pending again, ends re-derived
		return revalidate(x, sub)
	})
	if err != nil {
		t.Fatal(err)
	}
	summary := []string{got.Reference, got.Status, dateString(got.EndsOn), fmt.Sprint(got.Version),
		fmt.Sprint(got.Terms[0].Category, " ", got.Terms[0].Text)}
	want := []string{"T2", "pending", "2030-01-01", "2", "items No crypto wallets."}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("[reference status ends version terms] (-want +got):\n%s", diff)
	}

	_, err = s.UpdateOrder(ctx, o.ID, ptr(1), func(x *domain.Order, _ domain.Subject) error {
		x.Reference = "Stale"
		x.Terms = nil
		return nil
	})
	if !errors.Is(err, domain.ErrStale) {
		t.Errorf("stale version: got %v, want ErrStale", err)
	}
	_, err = s.UpdateOrder(ctx, o.ID, ptr(2), func(x *domain.Order, sub domain.Subject) error {
		x.Reference = "Invalid"
		x.DurationMonths, x.EndsOn = nil, date(2032, 1, 2)
		return revalidate(x, sub)
	})
	wantInvalid(t, err, "ends_on")
	if diff := cmp.Diff(got, mustGetOrder(t, s, o.ID)); diff != "" {
		t.Errorf("refused updates changed the order (-want +got):\n%s", diff)
	}

	// Ending it; afterwards it is read-only.
	ended, err := s.UpdateOrder(ctx, o.ID, ptr(2), func(x *domain.Order, _ domain.Subject) error {
		v := &domain.ValidationError{}
		x.End(domain.StatusDischarged, ptr(today), ptr("Discharged on application (s.18)."), today, v)
		return v.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if ended.Status != domain.StatusDischarged || ended.Version != 3 || ended.NextReviewDue != nil {
		t.Errorf("ended order: status %s version %d next review %v", ended.Status, ended.Version, ended.NextReviewDue)
	}
	_, err = s.UpdateOrder(ctx, o.ID, nil, func(x *domain.Order, _ domain.Subject) error {
		x.Reference = "Too late"
		return nil
	})
	wantConflict(t, err, "status")
	_, err = s.RecordReview(ctx, o.ID, domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "satisfactory"})
	wantConflict(t, err, "status")
	_, err = s.ScheduleCheck(ctx, o.ID, domain.Check{Kind: "other", DueOn: today})
	wantConflict(t, err, "status")
}

// ---------------------------------------------------------------- owners

func TestOwnerHistory(t *testing.T) {
	s := newStore(t)
	admin := mustAdmin(t, s)
	ctx := domain.WithActor(context.Background(), admin)
	sub := mustSubject(t, s, "12/345678U", false)
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
	glos := ptr("gloucestershire")
	a := mustOfficer(t, s, "a@glos.police.uk", glos, domain.RoleIOMOfficer)
	b := mustOfficer(t, s, "b@glos.police.uk", glos, domain.RoleIOMOfficer)
	lro := mustOfficer(t, s, "lro@glos.police.uk", glos, domain.RoleLRO)

	first, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "iom", OfficerID: a.ID, Reason: " allocated "})
	if err != nil {
		t.Fatal(err)
	}
	if first.Officer.ID != a.ID || first.Reason != "allocated" || first.Until != nil ||
		first.AssignedBy == nil || first.AssignedBy.ID != admin.ID || first.Role != "iom" {
		t.Errorf("first assignment %+v", first)
	}
	if got := mustGetOrder(t, s, o.ID).Owners; got.IOM == nil || got.IOM.ID != a.ID || got.LRO != nil {
		t.Errorf("owners after assigning A: %+v", got)
	}
	again, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "iom", OfficerID: a.ID, Reason: "again"})
	if err != nil || again.ID != first.ID {
		t.Errorf("assigning the current holder again: %+v, %v; want the same assignment", again, err)
	}

	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "iom", OfficerID: b.ID,
		Reason: "handover"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "lro", OfficerID: lro.ID,
		Reason: "allocated"}); err != nil {
		t.Fatal(err)
	}
	owners := mustGetOrder(t, s, o.ID).Owners
	if owners.IOM == nil || owners.IOM.ID != b.ID || owners.IOM.Email != b.Email || owners.LRO == nil ||
		owners.LRO.ID != lro.ID || owners.OrdersOfficer != nil {
		t.Errorf("owners after replacing A with B: %+v", owners)
	}

	if err := s.RemoveOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "iom", Reason: "left the unit"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "orders_officer", Reason: "none"}); err != nil {
		t.Errorf("removing from an empty role: %v", err)
	}
	owners = mustGetOrder(t, s, o.ID).Owners
	if owners.IOM != nil || owners.LRO == nil {
		t.Errorf("owners after removing the iom: %+v", owners)
	}

	hist, _, err := s.OwnerHistory(ctx, o.ID, domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Role, Officer, Reason, EndedBy, EndReason string
		Ended                                     bool
	}
	rows := make([]row, len(hist))
	for i, h := range hist {
		rows[i] = row{Role: h.Role, Officer: h.Officer.ID, Reason: h.Reason, Ended: h.Until != nil}
		if h.EndedBy != nil {
			rows[i].EndedBy = h.EndedBy.ID
		}
		if h.EndReason != nil {
			rows[i].EndReason = *h.EndReason
		}
	}
	want := []row{
		{Role: "lro", Officer: lro.ID, Reason: "allocated"},
		{Role: "iom", Officer: b.ID, Reason: "handover", Ended: true, EndedBy: admin.ID, EndReason: "left the unit"},
		{Role: "iom", Officer: a.ID, Reason: "allocated", Ended: true, EndedBy: admin.ID, EndReason: "handover"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("history, newest first (-want +got):\n%s", diff)
	}
	for _, h := range hist {
		if h.Until != nil && h.Until.Before(h.From) {
			t.Errorf("assignment %s ends before it starts", h.ID)
		}
	}
	if _, _, err := s.OwnerHistory(ctx, "019a0000-0000-7000-8000-000000000000", domain.Page{}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("history of an unknown order: %v", err)
	}
}

func TestAssignOwnerRefusals(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
	glos := ptr("gloucestershire")
	iom := mustOfficer(t, s, "iom@glos.police.uk", glos, domain.RoleIOMOfficer)
	lro := mustOfficer(t, s, "lro@glos.police.uk", glos, domain.RoleLRO)
	gone := mustOfficer(t, s, "gone@glos.police.uk", glos, domain.RoleIOMOfficer)
	if _, err := s.UpdateOfficer(ctx, gone.ID, nil, func(x *domain.Officer) error {
		x.Active = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	assign := func(orderID, role, officerID string) error {
		_, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: orderID, Role: role, OfficerID: officerID, Reason: "r"})
		return err
	}
	wantInvalid(t, assign(o.ID, "iom", lro.ID), "officer_id")
	wantInvalid(t, assign(o.ID, "lro", iom.ID), "officer_id")
	wantInvalid(t, assign(o.ID, "iom", gone.ID), "officer_id")
	wantInvalid(t, assign(o.ID, "iom", "019a0000-0000-7000-8000-000000000000"), "officer_id")
	wantInvalid(t, assign(o.ID, "iom", ""), "officer_id")
	wantInvalid(t, assign(o.ID, "iom_officer", iom.ID), "role")
	if err := assign("019a0000-0000-7000-8000-000000000000", "iom", iom.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown order: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM owner_assignments`); n != 0 {
		t.Errorf("%d assignments after refusals, want 0", n)
	}

	if err := assign(o.ID, "iom", iom.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateOrder(ctx, o.ID, nil, func(x *domain.Order, _ domain.Subject) error {
		v := &domain.ValidationError{}
		x.End(domain.StatusDischarged, ptr(today), ptr("Discharged on application (s.18)."), today, v)
		return v.Err()
	}); err != nil {
		t.Fatal(err)
	}
	other := mustOfficer(t, s, "other@glos.police.uk", glos, domain.RoleIOMOfficer)
	wantConflict(t, assign(o.ID, "iom", other.ID), "status")
	wantConflict(t, s.RemoveOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "iom", Reason: "r"}), "status")
	if got := mustGetOrder(t, s, o.ID).Owners.IOM; got == nil || got.ID != iom.ID {
		t.Errorf("owner of the discharged order changed: %+v", got)
	}
}

func TestAssignOwnerConcurrent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))

	const n = 20
	officers := make([]domain.Officer, n)
	for i := range officers {
		officers[i] = mustOfficer(t, s, fmt.Sprintf("iom%02d@glos.police.uk", i), ptr("gloucestershire"),
			domain.RoleIOMOfficer)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "iom",
				OfficerID: officers[i].ID, Reason: fmt.Sprint("caseload ", i)})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("assignment %d: %v", i, err)
		}
	}

	if got := count(t, s, `SELECT count(*) FROM owner_assignments WHERE order_id = ? AND role = 'iom'`, o.ID); got != n {
		t.Errorf("%d history rows, want %d", got, n)
	}
	if got := count(t, s, `SELECT count(*) FROM owner_assignments WHERE order_id = ? AND ended_at IS NULL`, o.ID); got != 1 {
		t.Errorf("%d current holders, want 1", got)
	}
	hist, _, err := s.OwnerHistory(ctx, o.ID, domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	current := mustGetOrder(t, s, o.ID).Owners.IOM
	if len(hist) != n || current == nil || hist[0].Until != nil || hist[0].Officer.ID != current.ID {
		t.Fatalf("history has %d rows, newest %+v; current holder %+v", len(hist), hist[0], current)
	}
	seen := map[string]bool{}
	for i, h := range hist {
		seen[h.Officer.ID] = true
		if i > 0 && h.Until == nil {
			t.Errorf("older assignment %s is still current", h.ID)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct officers in history, want %d", len(seen), n)
	}
	mine, _, err := s.ListOrders(ctx, domain.OrderFilter{Owner: current.ID}, domain.Page{})
	if err != nil || len(mine) != 1 || mine[0].ID != o.ID {
		t.Errorf("orders owned by the current holder: %v, %v", orderIDs(mine), err)
	}
}

// ---------------------------------------------------------------- release

func TestReleaseStartsOnReleaseOrders(t *testing.T) {
	for _, tc := range []struct {
		name       string
		release    *domain.Date
		order      func(subjectID string) domain.Order
		wantStarts string
		wantEnds   string
		wantMonths int
	}{
		{"release date in the future starts today", date(2027, 3, 1),
			func(id string) domain.Order { return onRelease(id, 60) }, "2026-11-25", "2031-11-25", 60},
		{"release date passed starts on it", date(2026, 11, 1),
			func(id string) domain.Order { return onRelease(id, 24) }, "2026-11-01", "2028-11-01", 24},
		{"release date today", ptr(today),
			func(id string) domain.Order { return onRelease(id, 12) }, "2026-11-25", "2027-11-25", 12},
		{"no release date starts today", nil,
			func(id string) domain.Order { return onRelease(id, 12) }, "2026-11-25", "2027-11-25", 12},
		{"ends_on given derives the duration", date(2026, 11, 1), func(id string) domain.Order {
			o := onRelease(id, 1)
			o.DurationMonths, o.EndsOn = nil, date(2029, 1, 1)
			return o
		}, "2026-11-01", "2029-01-01", 26},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			sub := newSubject(t, s, 7, "gloucestershire", custody(tc.release))
			o := mustOrder(t, s, tc.order(sub.ID))
			running := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))

			got, err := s.UpdateSubject(ctx, sub.ID, ptr(1), func(x *domain.Subject) error {
				x.Custody = community()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got.Custody.Status != domain.CustodyCommunity || got.Custody.ReleaseDate != nil || got.Version != 2 {
				t.Errorf("subject after release: %+v", got.Custody)
			}
			after := mustGetOrder(t, s, o.ID)
			summary := []string{dateString(after.StartsOn), dateString(after.EndsOn), fmt.Sprint(*after.DurationMonths),
				after.Status, fmt.Sprint(after.Version), after.CaseType}
			want := []string{tc.wantStarts, tc.wantEnds, fmt.Sprint(tc.wantMonths), "active", "2", "community"}
			if diff := cmp.Diff(want, summary); diff != "" {
				t.Errorf("[starts ends months status version case_type] (-want +got):\n%s", diff)
			}
			if want := after.StartsOn.AddDays(90).String(); dateString(after.NextReviewDue) != want {
				t.Errorf("next_review_due %s, want %s (90 days after the start)", dateString(after.NextReviewDue), want)
			}
			still := mustGetOrder(t, s, running.ID)
			if still.Version != 1 || !cmp.Equal(still.StartsOn, running.StartsOn) || still.Status != running.Status {
				t.Errorf("the order already in force changed: version %d starts %s status %s",
					still.Version, dateString(still.StartsOn), still.Status)
			}
		})
	}

	t.Run("ended and community moves leave orders alone", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		sub := newSubject(t, s, 8, "gloucestershire", custody(nil))
		quashed := mustOrder(t, s, onRelease(sub.ID, 12))
		if _, err := s.UpdateOrder(ctx, quashed.ID, nil, func(x *domain.Order, _ domain.Subject) error {
			v := &domain.ValidationError{}
			x.End(domain.StatusQuashed, ptr(today), ptr("Quashed."), today, v)
			return v.Err()
		}); err != nil {
			t.Fatal(err)
		}
		pending := mustOrder(t, s, onRelease(sub.ID, 12))
		// Still in custody, only the establishment changes: nothing starts.
		if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error {
			x.Custody.Establishment = ptr("HMP Leyhill")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := mustGetOrder(t, s, pending.ID); got.StartsOn != nil || got.Status != domain.StatusPending {
			t.Errorf("order started without a release: %s %s", dateString(got.StartsOn), got.Status)
		}
		if _, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error {
			x.Custody = community()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := mustGetOrder(t, s, quashed.ID); got.StartsOn != nil || got.Status != domain.StatusQuashed {
			t.Errorf("quashed order changed on release: %s %s", dateString(got.StartsOn), got.Status)
		}
		if got := mustGetOrder(t, s, pending.ID); dateString(got.StartsOn) != "2026-11-25" || got.Status != "active" {
			t.Errorf("pending order on release: %s %s", dateString(got.StartsOn), got.Status)
		}
	})
}

// ---------------------------------------------------------------- tokens

func TestTokens(t *testing.T) {
	s := newStore(t)
	admin := mustAdmin(t, s)
	ctx := domain.WithActor(context.Background(), admin)
	o := mustOfficer(t, s, "sam@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)

	tok, err := s.IssueToken(ctx, o.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Token, "scpo_") || tok.OfficerID != o.ID || tok.ExpiresAt != nil {
		t.Errorf("issued %+v", tok)
	}
	who, err := s.Authenticate(ctx, tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o, who); diff != "" {
		t.Errorf("authenticated as (-want +got):\n%s", diff)
	}
	if n := count(t, s, `SELECT count(*) FROM officer_tokens WHERE id = ? AND created_by = ?`, tok.ID, admin.ID); n != 1 {
		t.Errorf("token not stamped with the issuing admin")
	}
	if n := count(t, s, `SELECT count(*) FROM officer_tokens WHERE position(convert_to(?, 'UTF8') in token_hash) > 0`,
		tok.Token); n != 0 {
		t.Errorf("the token itself is stored")
	}

	for _, bad := range []string{"", "scpo_nope", tok.Token + "x"} {
		if _, err := s.Authenticate(ctx, bad); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("Authenticate(%q) = %v, want ErrUnauthenticated", bad, err)
		}
	}

	past := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	expired, err := s.IssueToken(ctx, o.ID, &past)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, expired.Token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("expired token: %v, want ErrUnauthenticated", err)
	}
	future := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	live, err := s.IssueToken(ctx, o.ID, &future)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, live.Token); err != nil {
		t.Errorf("unexpired token: %v", err)
	}

	if _, err := s.UpdateOfficer(ctx, o.ID, nil, func(x *domain.Officer) error {
		x.Active = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{tok.Token, live.Token} {
		if _, err := s.Authenticate(ctx, token); !errors.Is(err, domain.ErrUnauthenticated) {
			t.Errorf("deactivated officer's token: %v, want ErrUnauthenticated", err)
		}
	}
	_, err = s.IssueToken(ctx, o.ID, nil)
	wantConflict(t, err, "officer")
	if _, err := s.IssueToken(ctx, "019a0000-0000-7000-8000-000000000000", nil); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("token for an unknown officer: %v", err)
	}
}

func TestEnsureBootstrapAdmin(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	const token = "bootstrap-0123456789abcdef"

	first, err := s.EnsureBootstrapAdmin(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.EnsureBootstrapAdmin(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second call changed the admin (-first +second):\n%s", diff)
	}
	if !first.Active || !first.HasRole(domain.RoleAdmin) {
		t.Errorf("bootstrap officer %+v is not an active admin", first)
	}
	who, err := s.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if who.ID != first.ID || !who.HasRole(domain.RoleAdmin) {
		t.Errorf("token authenticates as %+v, want the bootstrap admin", who)
	}
	if n := count(t, s, `SELECT count(*) FROM officers`); n != 1 {
		t.Errorf("%d officers, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM officer_tokens`); n != 1 {
		t.Errorf("%d tokens, want 1", n)
	}

	// Deactivating the bootstrap admin revokes its token, which stays
	// revoked at the next start; a new value brings the officer back.
	if _, err := s.UpdateOfficer(ctx, first.ID, nil, func(x *domain.Officer) error {
		x.Active = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("deactivated bootstrap admin: %v", err)
	}
	if _, err := s.EnsureBootstrapAdmin(ctx, token); !errors.Is(err, postgres.ErrBootstrapTokenRevoked) {
		t.Errorf("restart with the revoked token: %v, want ErrBootstrapTokenRevoked", err)
	}
	if _, err := s.Authenticate(ctx, token); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("the revoked bootstrap token works again after a restart: %v", err)
	}

	// A new token for the same bootstrap officer is added, not a new
	// officer, and reactivates it.
	const token2 = "bootstrap-fedcba9876543210"
	fourth, err := s.EnsureBootstrapAdmin(ctx, token2)
	if err != nil || fourth.ID != first.ID || !fourth.Active {
		t.Errorf("second token: %+v, %v", fourth, err)
	}
	if _, err := s.Authenticate(ctx, token2); err != nil {
		t.Errorf("new bootstrap token: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM officers`); n != 1 {
		t.Errorf("%d officers after a second token, want 1", n)
	}
	if _, err := s.EnsureBootstrapAdmin(ctx, "short"); err == nil {
		t.Error("a short bootstrap token was accepted")
	}
}

// ---------------------------------------------------------------- constraints

func constraintOf(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName
	}
	return ""
}

func TestDatabaseConstraints(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sub := mustSubject(t, s, "12/345678U", false)
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
	a := mustOfficer(t, s, "a@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	b := mustOfficer(t, s, "b@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: "iom", OfficerID: a.ID, Reason: "r"}); err != nil {
		t.Fatal(err)
	}

	t.Run("one current owner per order and role", func(t *testing.T) {
		err := s.DB().Exec(`INSERT INTO owner_assignments (order_id, role, officer_id, reason) VALUES (?, 'iom', ?, 'sneaky')`,
			o.ID, b.ID).Error
		if err == nil {
			t.Fatal("a second current iom owner was stored")
		}
		if c := constraintOf(err); c != "owner_assignments_one_current" {
			t.Errorf("refused by %q (%v), want owner_assignments_one_current", c, err)
		}
		// Another role, or an ended row, is fine.
		if err := s.DB().Exec(`INSERT INTO owner_assignments (order_id, role, officer_id, reason, ended_at)
			VALUES (?, 'iom', ?, 'old', now())`, o.ID, b.ID).Error; err != nil {
			t.Errorf("ended assignment refused: %v", err)
		}
	})

	insertOrder := func(starts, ends string) error {
		return s.DB().Exec(`INSERT INTO orders (subject_id, reference, court, court_type, made_on, commencement,
			starts_on, ends_on, status) VALUES (?, 'R', 'C', 'crown', '2020-01-01', 'on_date', ?::date, ?::date, 'active')`,
			sub.ID, starts, ends).Error
	}
	t.Run("at most five years", func(t *testing.T) {
		err := insertOrder("2026-07-01", "2031-07-02")
		if err == nil {
			t.Fatal("an order of five years and a day was stored")
		}
		if c := constraintOf(err); c != "orders_at_most_five_years" {
			t.Errorf("refused by %q (%v), want orders_at_most_five_years", c, err)
		}
		if err := insertOrder("2026-07-01", "2031-07-01"); err != nil {
			t.Errorf("exactly five years refused: %v", err)
		}
		if err := insertOrder("2024-02-29", "2029-03-01"); constraintOf(err) != "orders_at_most_five_years" {
			t.Errorf("five years from 29 February to 1 March: %v", err)
		}
	})
	t.Run("ends after it starts", func(t *testing.T) {
		if err := insertOrder("2026-07-01", "2026-07-01"); constraintOf(err) != "orders_ends_after_start" {
			t.Errorf("ends_on = starts_on: %v", err)
		}
	})
	t.Run("an update skipping validation is refused", func(t *testing.T) {
		_, err := s.UpdateOrder(ctx, o.ID, nil, func(x *domain.Order, _ domain.Subject) error {
			x.EndsOn = date(2031, 7, 2) // no Validate: only the database stands in the way
			return nil
		})
		wantInvalid(t, err, "orders_at_most_five_years")
		// Version 2: assigning the owner above moved it on from 1.
		if got := mustGetOrder(t, s, o.ID); got.Version != 2 || dateString(got.EndsOn) != "2029-07-01" {
			t.Errorf("order changed: version %d ends %s", got.Version, dateString(got.EndsOn))
		}
	})
}

// ---------------------------------------------------------------- lists

func TestListOrdersFilters(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	glos := newSubject(t, s, 1, "gloucestershire", community())
	dorset := newSubject(t, s, 2, "dorset", custody(date(2027, 3, 1)))

	a1 := mustOrder(t, s, onDate(glos.ID, domain.NewDate(2026, 7, 1), 36))   // active
	a2 := mustOrder(t, s, onDate(glos.ID, domain.NewDate(2027, 1, 1), 36))   // pending
	b1 := mustOrder(t, s, onRelease(dorset.ID, 60))                          // pending
	b2 := mustOrder(t, s, onDate(dorset.ID, domain.NewDate(2026, 7, 1), 12)) // discharged below
	if _, err := s.UpdateOrder(ctx, b2.ID, nil, func(x *domain.Order, _ domain.Subject) error {
		v := &domain.ValidationError{}
		x.End(domain.StatusDischarged, ptr(today), ptr("Discharged."), today, v)
		return v.Err()
	}); err != nil {
		t.Fatal(err)
	}
	x := mustOfficer(t, s, "x@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	y := mustOfficer(t, s, "y@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer, domain.RoleLRO)
	// Owners come from the subject's force, so Dorset's order has its own.
	z := mustOfficer(t, s, "z@dorset.police.uk", ptr("dorset"), domain.RoleIOMOfficer)
	for id, officer := range map[string]string{a1.ID: x.ID, b1.ID: z.ID} {
		if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: id, Role: "iom", OfficerID: officer, Reason: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: b1.ID, Role: "lro", OfficerID: y.ID, Reason: "r"}); err == nil {
		t.Error("a Gloucestershire officer was made owner of a Dorset order")
	}
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: a2.ID, Role: "lro", OfficerID: y.ID, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	// y held a1's lro role once, but no longer does.
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: a1.ID, Role: "lro", OfficerID: y.ID, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveOwner(ctx, domain.OwnerChange{OrderID: a1.ID, Role: "lro", Reason: "r"}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		filter domain.OrderFilter
		want   []domain.Order
	}{
		{"all", domain.OrderFilter{}, []domain.Order{a1, a2, b1, b2}},
		{"force gloucestershire", domain.OrderFilter{Force: "gloucestershire"}, []domain.Order{a1, a2}},
		{"force dorset", domain.OrderFilter{Force: "dorset"}, []domain.Order{b1, b2}},
		{"force kent", domain.OrderFilter{Force: "kent"}, nil},
		{"status active", domain.OrderFilter{Status: "active"}, []domain.Order{a1}},
		{"status pending", domain.OrderFilter{Status: "pending"}, []domain.Order{a2, b1}},
		{"status discharged", domain.OrderFilter{Status: "discharged"}, []domain.Order{b2}},
		{"case type prison", domain.OrderFilter{CaseType: "prison"}, []domain.Order{b1, b2}},
		{"case type community", domain.OrderFilter{CaseType: "community"}, []domain.Order{a1, a2}},
		{"subject", domain.OrderFilter{SubjectID: glos.ID}, []domain.Order{a1, a2}},
		{"owner x", domain.OrderFilter{Owner: x.ID}, []domain.Order{a1}},
		{"owner z", domain.OrderFilter{Owner: z.ID}, []domain.Order{b1}},
		{"owner y, current only", domain.OrderFilter{Owner: y.ID}, []domain.Order{a2}},
		{"force and status", domain.OrderFilter{Force: "dorset", Status: "pending"}, []domain.Order{b1}},
		{"owner and case type", domain.OrderFilter{Owner: x.ID, CaseType: "community"}, []domain.Order{a1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, next, err := s.ListOrders(ctx, tc.filter, domain.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(orderIDs(tc.want), orderIDs(items)); diff != "" || next != "" {
				t.Errorf("ids (-want +got):\n%s\nnext %q", diff, next)
			}
		})
	}

	t.Run("list items match GetOrder", func(t *testing.T) {
		items, _, err := s.ListOrders(ctx, domain.OrderFilter{}, domain.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if diff := cmp.Diff(mustGetOrder(t, s, it.ID), it); diff != "" {
				t.Errorf("order %s (-get +list):\n%s", it.ID, diff)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		first, next, err := s.ListOrders(ctx, domain.OrderFilter{}, domain.Page{Limit: 3})
		if err != nil || next == "" {
			t.Fatalf("first page: %v, cursor %q", err, next)
		}
		cursor, ok := domain.DecodeCursor(next)
		if !ok {
			t.Fatalf("cursor %q does not decode", next)
		}
		second, last, err := s.ListOrders(ctx, domain.OrderFilter{}, domain.Page{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		got := [][]string{orderIDs(first), orderIDs(second)}
		want := [][]string{{a1.ID, a2.ID, b1.ID}, {b2.ID}}
		if diff := cmp.Diff(want, got); diff != "" || last != "" {
			t.Errorf("pages (-want +got):\n%s\nlast cursor %q", diff, last)
		}
	})
}

// Recording that a subject has left custody must not be refused because of
// an on-release order's dates: the release happened. Today the store starts
// the order with dates the schema refuses, the update fails with a
// ValidationError named after a check constraint (a rule "the domain should
// have caught"), and the subject stays recorded in custody.
func TestReleaseNeverBlockedByOrderDates(t *testing.T) {
	for _, tc := range []struct {
		name    string
		release *domain.Date
		endsOn  *domain.Date
	}{
		// Accepted at creation (no start yet), but more than five years
		// from any release before 2035.
		{"ends_on far in the future", nil, date(2040, 1, 1)},
		// The release came after the order's fixed end date.
		{"ends_on before the release", date(2026, 11, 1), date(2026, 10, 1)},
		// A stale release date from before the order was made: the very
		// data-quality problem the release_date_passed flag looks for.
		{"stale release date before made_on", date(2026, 5, 1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			sub := newSubject(t, s, 7, "gloucestershire", custody(tc.release))
			in := onRelease(sub.ID, 12) // made 2026-06-10
			if tc.endsOn != nil {
				in.DurationMonths, in.EndsOn = nil, tc.endsOn
			}
			o := mustOrder(t, s, in)
			got, err := s.UpdateSubject(ctx, sub.ID, nil, func(x *domain.Subject) error {
				x.Custody = community()
				return nil
			})
			if err != nil {
				t.Fatalf("moving the subject to the community was refused: %v", err)
			}
			if got.Custody.Status != domain.CustodyCommunity {
				t.Errorf("custody %q after release", got.Custody.Status)
			}
			after := mustGetOrder(t, s, o.ID)
			if after.StartsOn != nil && after.StartsOn.Before(after.MadeOn.Time) {
				t.Errorf("order starts %s, before it was made (%s)", after.StartsOn, after.MadeOn)
			}
		})
	}
}
