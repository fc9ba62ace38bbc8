package domain_test

import (
	"slices"
	"testing"

	"scpo/domain"
)

// Interim orders, organisations as subjects and the conviction of a Crown
// Court order, without a database.

func interim() domain.Order {
	return domain.Order{Type: "scpo", Reference: "HC-1", Court: "High Court", CourtType: "high", MadeOn: d(2026, 11, 1),
		Commencement: domain.CommenceOnDate, StartsOn: dp(2026, 11, 1), Interim: true}
}

func TestInterimUnservedFromDay8(t *testing.T) {
	o := interim()
	if err := validates(&o); err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.StatusActive || o.EndsOn != nil {
		t.Fatalf("interim order: status %s, ends %v", o.Status, o.EndsOn)
	}
	if got := o.InterimServeBy(); !got.Equal(d(2026, 11, 8).Time) {
		t.Errorf("serve by %s", got)
	}
	for _, c := range []struct {
		name   string
		on     domain.Date
		served *domain.Date
		want   bool
	}{
		{"day 7, unserved", d(2026, 11, 8), nil, false},
		{"day 8, unserved", d(2026, 11, 9), nil, true},
		{"day 8, served on day 7", d(2026, 11, 9), dp(2026, 11, 8), false},
		{"day 8, served later (not yet on the day)", d(2026, 11, 9), dp(2026, 11, 10), true},
		{"day 30, served on day 9", d(2026, 12, 1), dp(2026, 11, 10), false},
	} {
		if got := o.InterimUnservedOn(c.on, c.served); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	full := o
	full.Interim = false
	if full.InterimUnservedOn(d(2026, 12, 1), nil) {
		t.Errorf("a full order is flagged as an unserved interim order")
	}
}

func validates(o *domain.Order) error {
	v := &domain.ValidationError{}
	o.Validate(adult(), today, v)
	return v.Err()
}

func TestInterimOrderRules(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*domain.Order)
		want   []string
	}{
		{"no end of its own", func(*domain.Order) {}, nil},
		{"an end is still at most five years", func(o *domain.Order) { o.EndsOn = dp(2032, 1, 1) }, []string{"ends_on"}},
		{"Crown Court", func(o *domain.Order) { o.CourtType = "crown" }, []string{"court_type"}},
		{"on release", func(o *domain.Order) { o.Commencement, o.StartsOn = domain.CommenceOnRelease, nil }, []string{"commencement"}},
		{"replacing another", func(o *domain.Order) { o.InterimOrderID = ptr("x") }, []string{"interim_order_id"}},
		{"a full order needs an end", func(o *domain.Order) { o.Interim = false }, []string{"ends_on"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := interim()
			c.change(&o)
			v := &domain.ValidationError{}
			o.Validate(adult(), today, v)
			if got := fields(v); !slices.Equal(got, c.want) {
				t.Errorf("fields %v, want %v", got, c.want)
			}
		})
	}
}

func TestReplaceInterim(t *testing.T) {
	base := interim()
	base.ID, base.SubjectID = "i1", "s1"
	full := domain.Order{SubjectID: "s1", Reference: "HC-9", CourtType: "high", MadeOn: d(2026, 11, 20)}
	for _, c := range []struct {
		name    string
		interim func(*domain.Order)
		full    func(*domain.Order)
		want    []string
	}{
		{"replaced", nil, nil, nil},
		{"not interim", func(o *domain.Order) { o.Interim = false }, nil, []string{"interim_order_id"}},
		{"another subject", func(o *domain.Order) { o.SubjectID = "s2" }, nil, []string{"interim_order_id"}},
		{"already ended", func(o *domain.Order) { o.Status = domain.StatusDischarged }, nil, []string{"interim_order_id"}},
		{"full order by the Crown Court", nil, func(o *domain.Order) { o.CourtType = "crown" }, []string{"court_type"}},
		{"made before the interim order", nil, func(o *domain.Order) { o.MadeOn = d(2026, 10, 1) }, []string{"made_on"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			i, f := base, full
			if c.interim != nil {
				c.interim(&i)
			}
			if c.full != nil {
				c.full(&f)
			}
			v := &domain.ValidationError{}
			f.ReplaceInterim(&i, v)
			if got := fields(v); !slices.Equal(got, c.want) {
				t.Fatalf("fields %v, want %v", got, c.want)
			}
			if c.want == nil && (i.Status != domain.StatusDischarged || !i.EndedOn.Equal(f.MadeOn.Time) || i.EndReason == nil) {
				t.Errorf("interim after replacement: %s %v", i.Status, i.EndedOn)
			}
		})
	}
}

func TestOrganisationSubjects(t *testing.T) {
	org := func() domain.Subject {
		return domain.Subject{Kind: domain.SubjectPartnership, Name: " Severn Partners ", RegisteredAddress: ptr("1 Quay St"),
			Force: "gloucestershire"}
	}
	s := org()
	v := &domain.ValidationError{}
	s.Validate(today, v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	if s.Name != "Severn Partners" || s.LastName != "Severn Partners" || s.FirstNames != "" || s.DisplayName() != "Severn Partners" ||
		s.Custody.Status != domain.CustodyCommunity || s.IsIndividual() {
		t.Errorf("organisation normalised: %+v", s)
	}
	for _, c := range []struct {
		name   string
		change func(*domain.Subject)
		want   []string
	}{
		{"date of birth", func(s *domain.Subject) { s.DateOfBirth = d(1990, 1, 1) }, []string{"date_of_birth"}},
		{"PNC ID", func(s *domain.Subject) { s.PNCID = "2012/0345678U" }, []string{"pnc_id"}},
		{"no name", func(s *domain.Subject) { s.Name = "" }, []string{"name"}},
		{"no registered address", func(s *domain.Subject) { s.RegisteredAddress = nil }, []string{"registered_address"}},
		{"in custody", func(s *domain.Subject) { s.Custody.Status = domain.CustodyCustody }, []string{"custody.status"}},
		{"prison number", func(s *domain.Subject) { s.PrisonNumber = ptr("A1234BC") }, []string{"prison_number"}},
		{"unknown kind", func(s *domain.Subject) { s.Kind = "trust" }, []string{"kind"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := org()
			c.change(&s)
			v := &domain.ValidationError{}
			s.Validate(today, v)
			if got := fields(v); !slices.Equal(got, c.want) {
				t.Errorf("fields %v, want %v", got, c.want)
			}
		})
	}
	// An individual takes no registration details.
	ind := domain.Subject{FirstNames: "Dean", LastName: "Carter", DateOfBirth: d(1986, 4, 2), PNCID: "2012/0345678U",
		Force: "gloucestershire", RegisteredAddress: ptr("1 Quay St"), Custody: domain.Custody{Status: domain.CustodyCommunity}}
	v = &domain.ValidationError{}
	ind.Validate(today, v)
	if got := fields(v); !slices.Equal(got, []string{"registered_address"}) {
		t.Errorf("individual with a registered address: %v", got)
	}
}

func TestAgeRuleIsForIndividuals(t *testing.T) {
	o := domain.Order{Type: "scpo", Reference: "C-1", Court: "Bristol Crown Court", CourtType: "crown", MadeOn: d(2026, 10, 1),
		Commencement: domain.CommenceOnDate, StartsOn: dp(2026, 10, 1), DurationMonths: ptr(24)}
	young := adult()
	young.DateOfBirth = d(2009, 1, 1)
	v := &domain.ValidationError{}
	o.Validate(young, today, v)
	if !v.Has("made_on") {
		t.Errorf("an order against a 17-year-old is accepted")
	}
	// An organisation has no date of birth; its orders are not refused for it.
	org := domain.Subject{ID: "s2", Kind: domain.SubjectBodyCorporate, Custody: domain.Custody{Status: domain.CustodyCommunity}}
	o2 := o
	v = &domain.ValidationError{}
	o2.Validate(org, today, v)
	if err := v.Err(); err != nil {
		t.Errorf("order against an organisation: %v", err)
	}
}

func TestConviction(t *testing.T) {
	crown := func() domain.Order {
		return domain.Order{Type: "scpo", Reference: "C-1", Court: "Bristol Crown Court", CourtType: "crown", MadeOn: d(2026, 10, 1),
			Commencement: domain.CommenceOnDate, StartsOn: dp(2026, 10, 1), DurationMonths: ptr(24),
			Conviction: &domain.Conviction{Offences: []string{" Conspiracy to supply class A "}, ConvictedOn: d(2026, 9, 1), Court: "Bristol Crown Court"}}
	}
	o := crown()
	if err := validates(&o); err != nil {
		t.Fatal(err)
	}
	if o.Conviction.Offences[0] != "Conspiracy to supply class A" {
		t.Errorf("offence not trimmed: %q", o.Conviction.Offences[0])
	}
	for _, c := range []struct {
		name   string
		change func(*domain.Order)
		want   []string
	}{
		{"after the order", func(o *domain.Order) { o.Conviction.ConvictedOn = d(2026, 10, 2) }, []string{"conviction.convicted_on"}},
		{"on the day of the order", func(o *domain.Order) { o.Conviction.ConvictedOn = d(2026, 10, 1) }, nil},
		{"no offence", func(o *domain.Order) { o.Conviction.Offences = nil }, []string{"conviction.offences"}},
		{"no court", func(o *domain.Order) { o.Conviction.Court = " " }, []string{"conviction.court"}},
		{"High Court", func(o *domain.Order) { o.CourtType = "high" }, []string{"conviction"}},
		{"none: a Crown Court order recorded without one", func(o *domain.Order) { o.Conviction = nil }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := crown()
			c.change(&o)
			v := &domain.ValidationError{}
			o.Validate(adult(), today, v)
			if got := fields(v); !slices.Equal(got, c.want) {
				t.Errorf("fields %v, want %v", got, c.want)
			}
		})
	}
}
