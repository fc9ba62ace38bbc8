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
