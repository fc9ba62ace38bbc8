package domain_test

import (
	"slices"
	"strings"
	"testing"

	"scpo/domain"
)

// Every flag kind is a section of the tasking agenda, once: a kind left
// out would be raised and never discussed.
func TestTaskingSectionsCoverEveryFlagKind(t *testing.T) {
	for _, kind := range domain.FlagKinds {
		if n := len(slices.DeleteFunc(slices.Clone(domain.TaskingSections), func(s string) bool { return s != kind })); n != 1 {
			t.Errorf("flag kind %q is a tasking section %d times, want once", kind, n)
		}
	}
	if len(domain.TaskingSections) != len(domain.FlagKinds) {
		t.Errorf("tasking sections %q, flag kinds %q", domain.TaskingSections, domain.FlagKinds)
	}
}

func TestValidateHeldOn(t *testing.T) {
	for _, tc := range []struct {
		held domain.Date
		want string
	}{
		{today, ""},
		{d(2025, 11, 25), ""}, // 365 days ago
		{d(2025, 11, 24), "held_on"},
		{d(1999, 11, 25), "held_on"},
		{d(2027, 2, 23), ""}, // 90 days ahead
		{d(2027, 2, 24), "held_on"},
		{d(2030, 1, 1), "held_on"},
	} {
		t.Run(tc.held.String(), func(t *testing.T) {
			v := &domain.ValidationError{}
			domain.ValidateHeldOn(tc.held, today, v)
			if got := fieldList(v); got != tc.want {
				t.Errorf("fields %q, want %q (%v)", got, tc.want, v.Errors)
			}
		})
	}
}

// fieldList is fields, sorted and joined with commas.
func fieldList(v *domain.ValidationError) string {
	out := fields(v)
	slices.Sort(out)
	return strings.Join(out, ",")
}

func TestDecisionValidateFor(t *testing.T) {
	glos := "gloucestershire"
	dorset := "dorset"
	m := domain.Meeting{Force: glos, HeldOn: today}
	officer := func(force *string, active bool, roles ...string) *domain.Officer {
		return &domain.Officer{ID: "o", Force: force, Active: active, Roles: roles}
	}
	ref := &domain.OfficerRef{ID: "o"}
	for _, tc := range []struct {
		name     string
		d        domain.Decision
		actionBy *domain.Officer
		want     string
	}{
		{"no one to act, no dates", domain.Decision{Decision: "no_action"}, nil, ""},
		{"an lro of the force", domain.Decision{Decision: "escalate", ActionBy: ref, DueBy: ptr(today)},
			officer(&glos, true, "lro"), ""},
		{"the tasking chair", domain.Decision{Decision: "escalate", ActionBy: ref}, officer(&glos, true, "tasking_chair"), ""},
		{"a prison liaison officer", domain.Decision{Decision: "escalate", ActionBy: ref},
			officer(&glos, true, "prison_liaison"), ""},
		{"no such officer", domain.Decision{Decision: "escalate", ActionBy: ref}, nil, "action_by"},
		{"another force", domain.Decision{Decision: "escalate", ActionBy: ref}, officer(&dorset, true, "lro"), "action_by"},
		{"an auditor", domain.Decision{Decision: "escalate", ActionBy: ref}, officer(nil, true, "auditor"), "action_by"},
		{"a national admin", domain.Decision{Decision: "escalate", ActionBy: ref}, officer(nil, true, "admin"), "action_by"},
		{"a regional lead of the force", domain.Decision{Decision: "escalate", ActionBy: ref},
			officer(&glos, true, "regional"), "action_by"},
		{"deactivated", domain.Decision{Decision: "escalate", ActionBy: ref}, officer(&glos, false, "lro"), "action_by"},
		{"due before the meeting", domain.Decision{Decision: "escalate", DueBy: ptr(today.AddDays(-1))}, nil, "due_by"},
		{"check due before the meeting", domain.Decision{Decision: "schedule_check", CheckDueOn: ptr(today.AddDays(-1))},
			nil, "check_due_on"},
		{"everything wrong at once", domain.Decision{Decision: "schedule_check", ActionBy: ref,
			DueBy: ptr(d(1999, 1, 1)), CheckDueOn: ptr(d(1999, 1, 1))}, officer(&dorset, true, "auditor"),
			"action_by,check_due_on,due_by"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			tc.d.ValidateFor(m, m.Force, tc.actionBy, v)
			if got := fieldList(v); got != tc.want {
				t.Errorf("fields %q, want %q (%v)", got, tc.want, v.Errors)
			}
		})
	}
}

// An absence is recorded within a year of its first day, but one under way
// for longer can still be ended or cancelled: the window judges a first
// day given, not one kept.
func TestAbsenceUnderWayForOverAYearCanStillChange(t *testing.T) {
	today := domain.NewDate(2026, 11, 25)
	a := domain.Absence{OfficerID: "a", Kind: "long_term", StartsOn: domain.NewDate(2025, 6, 1)}
	v := &domain.ValidationError{}
	a.Validate(today, v)
	if !v.Has("starts_on") {
		t.Error("a new absence from 18 months ago was accepted")
	}
	end := domain.NewDate(2026, 11, 30)
	a.EndsOn = &end
	v = &domain.ValidationError{}
	a.ValidateChange(today, domain.NewDate(2025, 6, 1), v)
	if v.Err() != nil {
		t.Errorf("ending an absence under way since June 2025: %v", v.Err())
	}
	v = &domain.ValidationError{}
	a.ValidateChange(today, domain.NewDate(2025, 7, 1), v)
	if !v.Has("starts_on") {
		t.Error("moving an absence's first day to 18 months ago was accepted")
	}
}

// A regional meeting's chair is a regional lead: an administrator of one
// of its forces cannot reach the meeting, so could never sign it.
func TestWhoMayChair(t *testing.T) {
	glos := "gloucestershire"
	for _, c := range []struct {
		roles    []string
		regional bool
		want     bool
	}{
		{[]string{domain.RoleTaskingChair}, false, true},
		{[]string{domain.RoleAdmin}, false, true},
		{[]string{domain.RoleIOMOfficer}, false, false},
		{[]string{domain.RoleRegional}, true, true},
		{[]string{domain.RoleAdmin}, true, false},
		{[]string{domain.RoleTaskingChair}, true, false},
	} {
		if got := domain.CanChair(domain.Officer{Force: &glos, Roles: c.roles, Active: true}, c.regional); got != c.want {
			t.Errorf("%v chairing (regional %v): %v, want %v", c.roles, c.regional, got, c.want)
		}
	}
}

// A release date is a day in a life: not before the subject was born, not
// in the year 9999.
func TestReleaseDateIsPlausible(t *testing.T) {
	today := domain.NewDate(2026, 11, 25)
	for _, c := range []struct {
		release domain.Date
		ok      bool
	}{
		{domain.NewDate(2027, 3, 1), true},
		{domain.NewDate(2025, 1, 1), true},
		{domain.NewDate(1960, 1, 1), false},
		{domain.NewDate(1975, 1, 1), false}, // before the date of birth
		{domain.NewDate(9999, 12, 31), false},
	} {
		s := domain.Subject{FirstNames: "Dean", LastName: "Carter", DateOfBirth: domain.NewDate(1986, 4, 2),
			PNCID: "2012/0345678U", Force: "gloucestershire", Custody: domain.Custody{Status: domain.CustodyCustody,
				Establishment: ptrTo("HMP Bristol"), ReleaseDate: &c.release, ReleaseDateType: ptrTo("CRD")}}
		v := &domain.ValidationError{}
		s.Validate(today, v)
		if got := !v.Has("custody.release_date"); got != c.ok {
			t.Errorf("release %s: accepted %v, want %v (%v)", c.release, got, c.ok, v.Err())
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

// An order's start years after its making is a mistyped year, refused:
// 9999-12-31 was taken, and its end written as 10002-12-31.
func TestOrderStartWithinFiveYearsOfItsMaking(t *testing.T) {
	today := domain.NewDate(2026, 11, 25)
	sub := domain.Subject{ID: "s", Force: "gloucestershire", Custody: domain.Custody{Status: domain.CustodyCommunity}}
	for _, c := range []struct {
		starts domain.Date
		ok     bool
	}{{domain.NewDate(2025, 3, 1), true}, {domain.NewDate(9999, 12, 31), false}, {domain.NewDate(2030, 2, 2), false}} {
		months := 36
		o := domain.Order{SubjectID: "s", Type: "scpo", Reference: "T1", Court: "Bristol Crown Court", CourtType: "crown",
			MadeOn: domain.NewDate(2025, 2, 1), Commencement: domain.CommenceOnDate, StartsOn: &c.starts, DurationMonths: &months,
			Terms: []domain.Term{{Category: "travel", Text: "To stay in Gloucestershire."}}}
		v := &domain.ValidationError{}
		o.Validate(sub, today, v)
		if got := !v.Has("starts_on"); got != c.ok {
			t.Errorf("starts %s: accepted %v, want %v (%v)", c.starts, got, c.ok, v.Err())
		}
	}
}

// A check is scheduled while the order is in force: one due years after
// its end was accepted, and printed in the minutes.
func TestCheckDueWhileTheOrderIsInForce(t *testing.T) {
	ends := domain.NewDate(2028, 9, 30)
	o := domain.Order{MadeOn: domain.NewDate(2025, 9, 1), EndsOn: &ends}
	for _, c := range []struct {
		due domain.Date
		ok  bool
	}{{domain.NewDate(2028, 9, 30), true}, {domain.NewDate(2040, 1, 1), false}} {
		ck := domain.Check{Kind: "home_visit", DueOn: c.due}
		v := &domain.ValidationError{}
		ck.ValidateSchedule(o, v)
		if got := !v.Has("due_on"); got != c.ok {
			t.Errorf("due %s: accepted %v, want %v", c.due, got, c.ok)
		}
	}
	o.ExtensionPending = true // charged (s.22E): no end yet
	ck := domain.Check{Kind: "home_visit", DueOn: domain.NewDate(2040, 1, 1)}
	v := &domain.ValidationError{}
	if ck.ValidateSchedule(o, v); v.Has("due_on") {
		t.Errorf("a check on an order a pending charge keeps in force: %v", v.Err())
	}
}
