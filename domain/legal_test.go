package domain_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// The statutory rules of an order's legal life, without a database.

// inForce is an active order made 2024-06-10, in force 2024-07-01 to
// 2029-07-01, with two terms.
func inForce() domain.Order {
	return domain.Order{ID: "o1", MadeOn: d(2024, 6, 10), StartsOn: dp(2024, 7, 1), EndsOn: dp(2029, 7, 1),
		Status: domain.StatusActive, Terms: []domain.Term{
			{ID: "t1", Category: "communications", Text: "One phone."},
			{ID: "t2", Category: "travel", Text: "No travel abroad."}}}
}

func TestTermDatesAndMonitoring(t *testing.T) {
	em := func(start, end domain.Date) domain.Term {
		return domain.Term{Category: "electronic_monitoring", Text: "Wear a tag.", StartsOn: &start, EndsOn: &end,
			Monitoring: &domain.Monitoring{ResponsiblePerson: "EMS Ltd", Duties: "Charge the tag daily."}}
	}
	for _, tc := range []struct {
		name string
		term domain.Term
		want []string
	}{
		{"with the order", domain.Term{Category: "travel", Text: "No travel."}, nil},
		{"own dates within the order", domain.Term{Category: "travel", Text: "x", StartsOn: dp(2025, 1, 1), EndsOn: dp(2026, 1, 1)}, nil},
		{"starts before the order", domain.Term{Category: "travel", Text: "x", StartsOn: dp(2024, 6, 30)}, []string{"terms_added[0].starts_on"}},
		{"ends after the order's five years", domain.Term{Category: "travel", Text: "x", EndsOn: dp(2029, 7, 2)}, []string{"terms_added[0].ends_on"}},
		{"ends before it starts", domain.Term{Category: "travel", Text: "x", StartsOn: dp(2026, 1, 2), EndsOn: dp(2026, 1, 1)}, []string{"terms_added[0].ends_on"}},
		{"monitoring for 12 months", em(d(2026, 1, 1), d(2027, 1, 1)), nil},
		{"monitoring for 13 months (s.5B)", em(d(2026, 1, 1), d(2027, 2, 1)), []string{"terms_added[0].ends_on"}},
		{"monitoring without its dates or people", domain.Term{Category: "items", Text: "Tag.", Monitoring: &domain.Monitoring{}},
			[]string{"terms_added[0].category", "terms_added[0].monitoring.responsible_person",
				"terms_added[0].monitoring.duties", "terms_added[0].starts_on", "terms_added[0].ends_on"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			va := domain.Variation{Applicant: domain.ApplicantAuthority, Court: "Bristol Crown Court",
				HeardOn: d(2026, 1, 1), Outcome: domain.VariationGranted, Added: []domain.Term{tc.term}}
			v := &domain.ValidationError{}
			va.Plan(inForce(), d(2024, 6, 10), today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, v.Errors)
			}
		})
	}
}

func TestVariation(t *testing.T) {
	changed := domain.Term{ID: "t1", Category: "communications", Text: "Two phones."}
	for _, tc := range []struct {
		name    string
		va      domain.Variation
		want    []string
		ended   []string
		current []string // texts
	}{
		{"granted: change one, remove one, add one",
			domain.Variation{Applicant: domain.ApplicantSubject, Court: "c", HeardOn: d(2026, 3, 1), Outcome: domain.VariationGranted,
				Changed: []domain.Term{changed}, Removed: []string{"t2"}, Added: []domain.Term{{Category: "premises", Text: "Not to enter X."}}},
			nil, []string{"t1", "t2"}, []string{"Two phones.", "Not to enter X."}},
		{"refused: changes nothing",
			domain.Variation{Applicant: domain.ApplicantAuthority, Court: "c", HeardOn: d(2026, 3, 1), Outcome: domain.VariationRefused},
			nil, nil, []string{"One phone.", "No travel abroad."}},
		{"refused with changes",
			domain.Variation{Applicant: domain.ApplicantAuthority, Court: "c", HeardOn: d(2026, 3, 1), Outcome: domain.VariationRefused,
				Removed: []string{"t2"}},
			[]string{"terms_removed"}, nil, nil},
		{"granted in part with nothing changed",
			domain.Variation{Applicant: domain.ApplicantAuthority, Court: "c", HeardOn: d(2026, 3, 1), Outcome: domain.VariationGrantedInPart},
			[]string{"terms_added"}, nil, nil},
		{"third party without a name (s.17(3))",
			domain.Variation{Applicant: domain.ApplicantThirdParty, Court: "c", HeardOn: d(2026, 3, 1), Outcome: domain.VariationGranted,
				Removed: []string{"t2"}},
			[]string{"applicant_name"}, nil, nil},
		{"heard before the last change, in the future, unknown term, changed and removed",
			domain.Variation{Applicant: "court", Court: "", HeardOn: d(2025, 1, 1), Outcome: "allowed",
				Changed: []domain.Term{{ID: "t9", Category: "travel", Text: "x"}, {ID: "t1", Category: "travel", Text: "x"}},
				Removed: []string{"t1"}},
			[]string{"applicant", "court", "heard_on", "outcome", "terms_changed[0].id", "terms_removed[0]"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			p := tc.va.Plan(inForce(), d(2025, 6, 1), today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Fatalf("fields (-want +got):\n%s\n%v", diff, v.Errors)
			}
			if tc.want != nil {
				return
			}
			if diff := cmp.Diff(tc.ended, p.Ended); diff != "" {
				t.Errorf("ended (-want +got):\n%s", diff)
			}
			var texts []string
			for _, t := range p.Current {
				texts = append(texts, t.Text)
			}
			if diff := cmp.Diff(tc.current, texts); diff != "" {
				t.Errorf("current (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAmendTermsKeepsUnchangedVersions(t *testing.T) {
	before := inForce().Terms
	after := []domain.Term{{Category: "communications", Text: "One phone."}, {Category: "travel", Text: "No travel."},
		{Category: "items", Text: "No crypto wallets."}}
	p := domain.AmendTerms(before, after)
	if diff := cmp.Diff([]string{"t2"}, p.Ended); diff != "" {
		t.Errorf("ended (-want +got):\n%s", diff)
	}
	if len(p.New) != 2 || p.New[0].ID != "t2" || p.New[1].ID != "" {
		t.Errorf("new versions %+v: want t2's second version and one new term", p.New)
	}
	if p.Current[0].ID != "t1" {
		t.Errorf("the unchanged term lost its identity: %+v", p.Current[0])
	}
	if !domain.AmendTerms(before, before).Empty() {
		t.Error("the same terms make a change")
	}
}

func TestTermVersionInForceOn(t *testing.T) {
	v1 := domain.TermVersion{Term: domain.Term{ID: "t1"}, EffectiveFrom: d(2024, 6, 10), EffectiveTo: dp(2026, 3, 1)}
	v2 := domain.TermVersion{Term: domain.Term{ID: "t1", StartsOn: dp(2026, 4, 1)}, EffectiveFrom: d(2026, 3, 1)}
	for _, tc := range []struct {
		on     domain.Date
		v1, v2 bool
	}{
		{d(2026, 2, 28), true, false},
		{d(2026, 3, 1), false, false}, // v2 is current but its own start is later
		{d(2026, 4, 1), false, true},
	} {
		if got := [2]bool{v1.InForceOn(tc.on), v2.InForceOn(tc.on)}; got != [2]bool{tc.v1, tc.v2} {
			t.Errorf("%s: in force %v, want %v", tc.on, got, [2]bool{tc.v1, tc.v2})
		}
	}
}

func TestService(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    domain.Service
		want []string
	}{
		{"represented at the hearing", domain.Service{Method: domain.ServedAtHearing, ServedOn: d(2024, 6, 10)}, nil},
		{"represented on another day", domain.Service{Method: domain.ServedAtHearing, ServedOn: d(2024, 6, 11)}, []string{"served_on"}},
		{"recorded delivery without the address", domain.Service{Method: domain.ServedRecordedDelivery, ServedOn: d(2024, 6, 12)}, []string{"address"}},
		{"in person in the future", domain.Service{Method: domain.ServedInPerson, ServedOn: today.AddDays(1)}, []string{"served_on"}},
		{"by email", domain.Service{Method: "email", ServedOn: d(2024, 6, 12)}, []string{"method"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			tc.s.Validate(inForce(), today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtensionWhileCharged(t *testing.T) {
	// Charged on day 1,820 of an order in force from 2024-07-01.
	o := inForce()
	charged := d(2024, 7, 1).AddDays(1820)
	x := domain.Extension{ChargeKind: domain.ChargeBreach, ChargedOn: charged, Offence: "Breach of SCPO (s.25)", Court: "Bristol MC"}
	v := &domain.ValidationError{}
	o.Extend(&x, charged, v)
	if v.Err() != nil || !o.ExtensionPending || o.EffectiveEnd() != nil {
		t.Fatalf("extend: %v, pending %v, end %v", v.Errors, o.ExtensionPending, o.EffectiveEnd())
	}
	pastFive := o.EndsOn.AddDays(30)
	if !o.InForceOn(pastFive) {
		t.Errorf("a charge pending keeps the order in force past its five years")
	}
	outcome := "convicted"
	v = &domain.ValidationError{}
	o.DecideCharge(&x, nil, &outcome, &pastFive, nil, pastFive, v)
	if v.Err() != nil || o.ExtensionPending || o.ExtendedTo == nil || !o.ExtendedTo.Equal(pastFive.Time) {
		t.Fatalf("decide: %v, pending %v, extended to %v", v.Errors, o.ExtensionPending, o.ExtendedTo)
	}
	if o.InForceOn(pastFive.AddDays(1)) {
		t.Errorf("the order outlived the outcome of its charge")
	}
	// The end the court settles may be later than the outcome, never before
	// the order's own end: a charge does not shorten an order.
	early := o.EndsOn.AddDays(-1)
	v = &domain.ValidationError{}
	o.DecideCharge(&x, nil, nil, nil, &early, pastFive, v)
	if diff := cmp.Diff([]string{"settled_ends_on"}, fields(v)); diff != "" {
		t.Errorf("a settled end before the order's end: fields (-want +got):\n%s", diff)
	}
	later := pastFive.AddDays(10)
	v = &domain.ValidationError{}
	o.DecideCharge(&x, nil, nil, nil, &later, pastFive.AddDays(10), v)
	if v.Err() != nil || o.ExtendedTo == nil || !o.ExtendedTo.Equal(later.Time) {
		t.Errorf("a settled end after the outcome: %v, extended to %v", v.Errors, o.ExtendedTo)
	}
	// A charge after the order ended cannot extend it.
	late := inForce()
	v = &domain.ValidationError{}
	late.Extend(&domain.Extension{ChargeKind: domain.ChargeSeriousOffence, ChargedOn: d(2029, 7, 2), Offence: "x", Court: "c"},
		d(2029, 8, 1), v)
	if diff := cmp.Diff([]string{"charged_on"}, fields(v)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}

func TestBreachNamesTheVersionInForce(t *testing.T) {
	o := inForce()
	old := domain.TermVersion{Term: domain.Term{ID: "t1", Text: "One phone."}, VersionID: "v1", EffectiveFrom: d(2024, 6, 10), EffectiveTo: dp(2026, 3, 1)}
	for _, tc := range []struct {
		name string
		b    domain.BreachCase
		want []string
	}{
		{"a breach of a term in force", domain.BreachCase{OccurredOn: d(2026, 2, 1), TermIDs: []string{"t1"}, Description: "Two phones found.",
			Action: "arrest", Outcome: "pending"}, nil},
		{"a term not in force that day", domain.BreachCase{OccurredOn: d(2026, 2, 1), TermIDs: []string{"t2"}, Description: "x",
			Action: "warning", Outcome: "no_further_action", OutcomeOn: dp(2026, 2, 2)}, []string{"term_ids[0]"}},
		{"before the order was in force", domain.BreachCase{OccurredOn: d(2024, 6, 20), TermIDs: []string{"t1"}, Description: "x",
			Action: "none", Outcome: "pending"}, []string{"occurred_on"}},
		{"a sentence without conviction; an outcome undated", domain.BreachCase{OccurredOn: d(2026, 2, 1), TermIDs: []string{"t1"},
			Description: "x", Action: "charge", Outcome: "acquitted", Sentence: ptr("6 months")}, []string{"outcome_on", "sentence"}},
		{"unknown action and outcome", domain.BreachCase{OccurredOn: d(2026, 2, 1), TermIDs: []string{"t1"}, Description: "x",
			Action: "caution", Outcome: "open"}, []string{"action", "outcome"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			tc.b.Validate(o, []domain.TermVersion{old}, today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, v.Errors)
			}
			if tc.want == nil && (len(tc.b.Terms) != 1 || tc.b.Terms[0].VersionID != "v1") {
				t.Errorf("breach names %+v, want version v1", tc.b.Terms)
			}
		})
	}
}

func TestAppealAndDischarge(t *testing.T) {
	o := inForce()
	v := &domain.ValidationError{}
	if err := o.LodgeAppeal(&domain.Appeal{Court: "Court of Appeal", LodgedOn: d(2024, 7, 1), Appellant: domain.ApplicantSubject}, today, v); err != nil {
		t.Fatal(err)
	}
	if err := o.LodgeAppeal(&domain.Appeal{Court: "CA", LodgedOn: d(2024, 7, 2), Appellant: domain.ApplicantSubject}, today, &domain.ValidationError{}); err == nil {
		t.Error("a second appeal while one is pending was accepted")
	}
	if err := o.DecideAppeal(&domain.AppealDecision{Court: "Court of Appeal", DecidedOn: d(2025, 1, 10), Outcome: domain.AppealAllowed},
		d(2024, 7, 1), today, &domain.ValidationError{}); err != nil {
		t.Fatal(err)
	}
	if o.Status != domain.StatusQuashed || o.AppealPending || !o.EndedOn.Equal(d(2025, 1, 10).Time) {
		t.Errorf("allowed appeal: status %s, pending %v, ended %v", o.Status, o.AppealPending, o.EndedOn)
	}
	o = inForce()
	v = &domain.ValidationError{}
	o.Discharge(&domain.Ending{Court: "", On: today.AddDays(1), Reason: ""}, today, v)
	if diff := cmp.Diff([]string{"court", "on", "reason"}, fields(v)); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
}
