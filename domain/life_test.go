package domain_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// The rules of an order's life, without a database.

func started() domain.Order {
	start := d(2026, 11, 20)
	return domain.Order{SubjectID: "s1", Reference: "T20247001", Court: "Bristol Crown Court", CourtType: "crown",
		MadeOn: d(2024, 6, 10), Commencement: domain.CommenceOnRelease, StartsOn: &start, EndsOn: dp(2029, 11, 20),
		DurationMonths: ptr(36), Status: domain.StatusActive}
}

func TestVaryAStartedOnReleaseOrder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.Order)
		want   []string
		status string
	}{
		{"new review interval", func(o *domain.Order) { o.ReviewIntervalDays = ptr(60) }, nil, domain.StatusActive},
		{"new terms", func(o *domain.Order) { o.Terms = []domain.Term{{Category: "travel", Text: "No travel."}} }, nil,
			domain.StatusActive},
		{"start corrected to an earlier release day", func(o *domain.Order) { o.StartsOn, o.EndsOn = dp(2026, 11, 18), nil },
			nil, domain.StatusActive},
		{"start removed", func(o *domain.Order) { o.StartsOn = nil }, []string{"starts_on"}, ""},
		{"start in the future", func(o *domain.Order) { o.StartsOn, o.EndsOn = dp(2026, 12, 1), nil }, []string{"starts_on"}, ""},
		{"turned into an on_date order", func(o *domain.Order) { o.Commencement = domain.CommenceOnDate },
			[]string{"commencement"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := started()
			o := started()
			tc.change(&o)
			v := &domain.ValidationError{}
			o.Vary(before, adult(), today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
			if tc.status != "" && o.Status != tc.status {
				t.Errorf("status %s, want %s", o.Status, tc.status)
			}
		})
	}
	// A pending on-release order still takes no start.
	pending := started()
	pending.StartsOn, pending.EndsOn, pending.Status = nil, nil, domain.StatusPending
	o := pending
	o.StartsOn = ptr(today)
	v := &domain.ValidationError{}
	held := adult()
	held.Custody = domain.Custody{Status: domain.CustodyCustody}
	o.Vary(pending, held, today, v)
	if diff := cmp.Diff([]string{"starts_on"}, fields(v)); diff != "" {
		t.Errorf("pending on-release order given a start (-want +got):\n%s", diff)
	}
}

func TestReleaseDay(t *testing.T) {
	crd := func(on domain.Date) domain.Custody {
		return domain.Custody{Status: domain.CustodyCustody, ReleaseDate: &on, ReleaseDateType: ptr("CRD")}
	}
	hdced := func(on domain.Date) domain.Custody {
		return domain.Custody{Status: domain.CustodyCustody, ReleaseDate: &on, ReleaseDateType: ptr("HDCED")}
	}
	for _, tc := range []struct {
		name     string
		before   domain.Custody
		given    *domain.Date
		began    *domain.Date
		madeBy   *domain.Date
		want     string
		errField string
	}{
		{"the day given", crd(d(2027, 3, 1)), dp(2026, 11, 20), nil, nil, "2026-11-20", ""},
		{"today when nothing says otherwise", crd(d(2027, 3, 1)), nil, nil, nil, "2026-11-25", ""},
		{"a passed CRD when no day is given", crd(d(2026, 11, 1)), nil, nil, nil, "2026-11-01", ""},
		{"not a CRD before an order made to start on this release: stale", crd(d(2026, 5, 1)), nil, nil, dp(2026, 6, 10), "2026-11-25", ""},
		{"a CRD on the day the order was made", crd(d(2026, 6, 10)), nil, nil, dp(2026, 6, 10), "2026-06-10", ""},
		{"not a CRD before the spell began (a recall kept the old date): stale", crd(d(2026, 11, 1)), nil, dp(2026, 11, 10), nil, "2026-11-25", ""},
		{"not a passed HDCED: an eligibility date", hdced(d(2026, 11, 1)), nil, nil, nil, "2026-11-25", ""},
		{"not in the future", crd(d(2027, 3, 1)), dp(2026, 11, 26), nil, nil, "", "custody.released_on"},
		{"not before the spell began", crd(d(2027, 3, 1)), dp(2026, 1, 1), dp(2026, 2, 1), nil, "", "custody.released_on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := adult()
			s.Custody = domain.Custody{Status: domain.CustodyCommunity, ReleasedOn: tc.given}
			got, err := s.Release(tc.before, tc.began, tc.madeBy, today)
			if tc.errField != "" {
				v, ok := err.(*domain.ValidationError)
				if !ok || !v.Has(tc.errField) {
					t.Fatalf("got %v, want an error on %s", err, tc.errField)
				}
				return
			}
			if err != nil || got.String() != tc.want || s.Custody.ReleasedOn.String() != tc.want {
				t.Errorf("released on %s (%v), recorded %v, want %s", got, err, s.Custody.ReleasedOn, tc.want)
			}
		})
	}
}

func TestCanOwn(t *testing.T) {
	glos := "gloucestershire"
	dorset := "dorset"
	iom := domain.Officer{Active: true, Force: &glos, Roles: []string{domain.RoleIOMOfficer}}
	for _, tc := range []struct {
		name    string
		officer domain.Officer
		role    string
		ok      bool
	}{
		{"an active IOM officer of the force", iom, domain.OwnerIOM, true},
		{"deactivated", domain.Officer{Force: &glos, Roles: iom.Roles}, domain.OwnerIOM, false},
		{"of another force", domain.Officer{Active: true, Force: &dorset, Roles: iom.Roles}, domain.OwnerIOM, false},
		{"of no force", domain.Officer{Active: true, Roles: iom.Roles}, domain.OwnerIOM, false},
		{"without the role", iom, domain.OwnerLRO, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := domain.CanOwn(tc.officer, tc.role, domain.Force{Code: glos}); (err == nil) != tc.ok {
				t.Errorf("CanOwn = %v, want ok %v", err, tc.ok)
			}
		})
	}
	// The refusal names the force as officers know it.
	err := domain.CanOwn(domain.Officer{Active: true, Force: &dorset, Roles: iom.Roles}, domain.OwnerIOM,
		domain.Force{Code: glos, Name: "Gloucestershire Constabulary"})
	if err == nil || !strings.Contains(err.Error(), "(Gloucestershire Constabulary)") {
		t.Errorf("refusal of another force's officer: %v", err)
	}
	if got := domain.OwnerEndReason(iom, domain.Officer{Force: &glos}); got != "officer deactivated" {
		t.Errorf("end reason on deactivation %q", got)
	}
	if got := domain.OwnerEndReason(iom, domain.Officer{Active: true, Force: &dorset}); got != "officer moved force" {
		t.Errorf("end reason on a move %q", got)
	}
}

func TestCheckRunDate(t *testing.T) {
	if err := domain.CheckRunDate(today, today); err != nil {
		t.Errorf("today refused: %v", err)
	}
	if err := domain.CheckRunDate(today.AddDays(-400), today); err != nil {
		t.Errorf("a past day refused: %v", err)
	}
	v, ok := domain.CheckRunDate(today.AddDays(1), today).(*domain.ValidationError)
	if !ok || !v.Has("as_of") {
		t.Errorf("tomorrow: %v, want a refusal naming as_of", v)
	}
}

func TestReleaseIsDue(t *testing.T) {
	got := map[string]bool{}
	for _, dt := range domain.ReleaseDateTypes {
		got[dt] = domain.ReleaseIsDue(dt)
	}
	want := map[string]bool{"HDCED": false, "PED": false, "CRD": true, "ARD": true, "LED": true, "SED": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
