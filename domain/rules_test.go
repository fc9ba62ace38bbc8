package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

// today is the date every rule is checked on: 25 November 2026.
var today = domain.NewDate(2026, 11, 25)

func ptr[T any](v T) *T { return &v }

func d(y, m, day int) domain.Date { return domain.NewDate(y, time.Month(m), day) }

func dp(y, m, day int) *domain.Date { return ptr(d(y, m, day)) }

// fields lists the field names a ValidationError recorded, in order; nil
// when nothing was recorded.
func fields(v *domain.ValidationError) []string {
	var out []string
	for _, e := range v.Errors {
		out = append(out, e.Field)
	}
	return out
}

// validateOrder runs Order.Validate, turning a panic into a test failure so
// one broken rule does not stop every other case.
func validateOrder(t *testing.T, o *domain.Order, s domain.Subject) (v *domain.ValidationError, ok bool) {
	t.Helper()
	v = &domain.ValidationError{}
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Order.Validate panicked: %v", r)
			ok = false
		}
	}()
	o.Validate(s, today, v)
	return v, true
}

func datePtrString(p *domain.Date) string {
	if p == nil {
		return "<nil>"
	}
	return p.String()
}

func intPtrString(p *int) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

// ---------------------------------------------------------------- PNC IDs

func TestNormalisePNC(t *testing.T) {
	// Check letters worked out by hand from the rule:
	// "ZABCDEFGHJKLMNPQRTUVWXY"[(yy*10^7 + serial) mod 23].
	//   12, 0345678 -> 120345678 mod 23 = 18 -> U
	//   99, 1234567 -> 991234567 mod 23 = 2  -> B
	//   00, 0000001 -> 1 -> A
	//   26, 0000042 -> 260000042 mod 23 = 15 -> Q
	//   85, 7654321 -> 857654321 mod 23 = 7  -> G
	//   26, 0000000 -> 260000000 mod 23 = 19 -> V
	//   05, 0000123 -> 50000123 mod 23 = 9   -> J
	valid := []struct {
		in, want string
	}{
		{"2012/0345678U", "2012/0345678U"},
		{"12/345678U", "2012/0345678U"},
		{"12/0345678U", "2012/0345678U"},
		{"2012/345678U", "2012/0345678U"},
		{"2012/0345678u", "2012/0345678U"},
		{"  2012/0345678U  ", "2012/0345678U"},
		{"1999/1234567B", "1999/1234567B"},
		{"99/1234567B", "1999/1234567B"}, // 99 is later than 26: last century
		{"2000/0000001A", "2000/0000001A"},
		{"00/1A", "2000/0000001A"},
		{"2026/0000042Q", "2026/0000042Q"}, // this year is allowed
		{"26/42Q", "2026/0000042Q"},
		{"1985/7654321G", "1985/7654321G"},
		{"85/7654321G", "1985/7654321G"},
		{"2026/0000000V", "2026/0000000V"},
		{"05/123J", "2005/0000123J"},
	}
	for _, tc := range valid {
		t.Run("valid "+tc.in, func(t *testing.T) {
			got, err := domain.NormalisePNC(tc.in, today)
			if err != nil {
				t.Fatalf("NormalisePNC(%q) refused: %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NormalisePNC(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}

	invalid := []struct {
		name, in, errHas string
	}{
		{"wrong letter", "2012/0345678V", "check letter"},
		{"wrong letter short form", "12/345678A", "check letter"},
		{"letter of another year", "2013/0345678U", "check letter"},
		{"future year", "2027/0000000A", "year"},
		{"far future year", "2099/1234567B", "year"},
		{"before 1900", "1899/0000001A", "year"},
		{"empty", "", "PNC ID"},
		{"no letter", "2012/0345678", "PNC ID"},
		{"digit for letter", "2012/03456781", "PNC ID"},
		{"two letters", "2012/0345678UU", "PNC ID"},
		{"eight digit serial", "2012/03456789U", "PNC ID"},
		{"three digit year", "201/0345678U", "PNC ID"},
		{"one digit year", "2/0345678U", "PNC ID"},
		{"dash separator", "2012-0345678U", "PNC ID"},
		{"no separator", "20120345678U", "PNC ID"},
		{"empty serial", "2012/U", "PNC ID"},
		{"inner space", "2012/ 0345678U", "PNC ID"},
	}
	for _, tc := range invalid {
		t.Run("invalid "+tc.name, func(t *testing.T) {
			got, err := domain.NormalisePNC(tc.in, today)
			if err == nil {
				t.Fatalf("NormalisePNC(%q) = %q, want an error", tc.in, got)
			}
			if !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("NormalisePNC(%q) error %q, want it to mention %q", tc.in, err, tc.errHas)
			}
		})
	}
}

func TestPNCCheckLetter(t *testing.T) {
	for _, tc := range []struct {
		yy, serial int
		want       byte
	}{
		{12, 345678, 'U'}, {99, 1234567, 'B'}, {0, 1, 'A'}, {26, 42, 'Q'},
		{85, 7654321, 'G'}, {26, 0, 'V'}, {5, 123, 'J'}, {0, 0, 'Z'},
	} {
		t.Run(fmt.Sprintf("%02d/%07d", tc.yy, tc.serial), func(t *testing.T) {
			if got := domain.PNCCheckLetter(tc.yy, tc.serial); got != tc.want {
				t.Errorf("got %c, want %c", got, tc.want)
			}
		})
	}
}

func TestNormalisePrisonNumber(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"A1234BC", "A1234BC", true},
		{"a1234bc", "A1234BC", true},
		{" A1234bC ", "A1234BC", true},
		{"Z0000ZZ", "Z0000ZZ", true},
		{"", "", false},
		{"A123BC", "", false},
		{"A12345BC", "", false},
		{"11234BC", "", false},
		{"A1234B", "", false},
		{"A1234BCD", "", false},
		{"AB1234C", "", false},
		{"A1234B1", "", false},
		{"A 1234BC", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := domain.NormalisePrisonNumber(tc.in)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			} else if err == nil {
				t.Errorf("accepted as %q, want an error", got)
			}
		})
	}
}

// ---------------------------------------------------------------- subjects

func validSubject() domain.Subject {
	return domain.Subject{FirstNames: "Dean", LastName: "Carter", Aliases: []string{"Deano"},
		DateOfBirth: d(1986, 4, 2), PNCID: "12/345678U", Force: "gloucestershire",
		Custody: domain.Custody{Status: domain.CustodyCustody, Establishment: ptr("HMP Bristol"),
			ReleaseDate: dp(2027, 3, 1), ReleaseDateType: ptr("CRD")}}
}

func TestSubjectValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*domain.Subject)
		want   []string
	}{
		{"valid", func(*domain.Subject) {}, nil},
		{"valid community", func(s *domain.Subject) { s.Custody = domain.Custody{Status: "community"} }, nil},
		{"valid custody without release date", func(s *domain.Subject) {
			s.Custody.ReleaseDate, s.Custody.ReleaseDateType = nil, nil
		}, nil},
		{"valid custody without establishment", func(s *domain.Subject) { s.Custody.Establishment = nil }, nil},
		{"valid born today", func(s *domain.Subject) { s.DateOfBirth = today }, nil},
		{"valid born 1900", func(s *domain.Subject) { s.DateOfBirth = d(1900, 1, 1) }, nil},
		{"valid visor and prison number", func(s *domain.Subject) {
			s.VisorID, s.PrisonNumber = ptr("19/12345-AB"), ptr("A1234BC")
		}, nil},
		{"valid no aliases", func(s *domain.Subject) { s.Aliases = nil }, nil},
		{"everything missing", func(s *domain.Subject) { *s = domain.Subject{} },
			[]string{"first_names", "last_name", "date_of_birth", "pnc_id", "force", "custody.status"}},
		{"blank names", func(s *domain.Subject) { s.FirstNames, s.LastName = "  ", "\t" },
			[]string{"first_names", "last_name"}},
		{"long first names", func(s *domain.Subject) { s.FirstNames = strings.Repeat("a", 201) }, []string{"first_names"}},
		{"long last name", func(s *domain.Subject) { s.LastName = strings.Repeat("a", 201) }, []string{"last_name"}},
		{"blank alias", func(s *domain.Subject) { s.Aliases = []string{"ok", " "} }, []string{"aliases"}},
		{"long alias", func(s *domain.Subject) { s.Aliases = []string{strings.Repeat("x", 201)} }, []string{"aliases"}},
		{"too many aliases", func(s *domain.Subject) {
			s.Aliases = make([]string, 51)
			for i := range s.Aliases {
				s.Aliases[i] = fmt.Sprint("alias", i)
			}
		}, []string{"aliases"}},
		{"future date of birth", func(s *domain.Subject) { s.DateOfBirth = today.AddDays(1) }, []string{"date_of_birth"}},
		{"date of birth before 1900", func(s *domain.Subject) { s.DateOfBirth = d(1899, 12, 31) }, []string{"date_of_birth"}},
		{"bad pnc check letter", func(s *domain.Subject) { s.PNCID = "2012/0345678V" }, []string{"pnc_id"}},
		{"bad pnc format", func(s *domain.Subject) { s.PNCID = "nonsense" }, []string{"pnc_id"}},
		{"future pnc year", func(s *domain.Subject) { s.PNCID = "2027/0000000A" }, []string{"pnc_id"}},
		{"bad visor id", func(s *domain.Subject) { s.VisorID = ptr("no spaces allowed") }, []string{"visor_id"}},
		{"empty visor id", func(s *domain.Subject) { s.VisorID = ptr("") }, []string{"visor_id"}},
		{"bad prison number", func(s *domain.Subject) { s.PrisonNumber = ptr("A123BC") }, []string{"prison_number"}},
		{"blank force", func(s *domain.Subject) { s.Force = " " }, []string{"force"}},
		{"custody status missing", func(s *domain.Subject) { s.Custody = domain.Custody{} }, []string{"custody.status"}},
		{"custody status unknown", func(s *domain.Subject) { s.Custody.Status = "prison" }, []string{"custody.status"}},
		{"blank establishment", func(s *domain.Subject) { s.Custody.Establishment = ptr("   ") },
			[]string{"custody.establishment"}},
		{"long establishment", func(s *domain.Subject) { s.Custody.Establishment = ptr(strings.Repeat("e", 201)) },
			[]string{"custody.establishment"}},
		{"unknown release date type", func(s *domain.Subject) { s.Custody.ReleaseDateType = ptr("XYZ") },
			[]string{"custody.release_date_type"}},
		{"release date without type", func(s *domain.Subject) { s.Custody.ReleaseDateType = nil },
			[]string{"custody.release_date_type"}},
		{"release type without date", func(s *domain.Subject) { s.Custody.ReleaseDate = nil },
			[]string{"custody.release_date"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := validSubject()
			tc.change(&s)
			v := &domain.ValidationError{}
			s.Validate(today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
		})
	}
}

func TestSubjectValidateNormalises(t *testing.T) {
	s := domain.Subject{FirstNames: "  Dean ", LastName: " Carter ", Aliases: []string{" Deano "},
		DateOfBirth: d(1986, 4, 2), PNCID: "12/345678u", PrisonNumber: ptr("a1234bc"), Force: "gloucestershire",
		Custody: domain.Custody{Status: domain.CustodyCommunity, Establishment: ptr("HMP Bristol"),
			ReleaseDate: dp(2027, 3, 1), ReleaseDateType: ptr("CRD")}}
	v := &domain.ValidationError{}
	s.Validate(today, v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	want := domain.Subject{Kind: domain.SubjectIndividual, Name: "Dean Carter", FirstNames: "Dean", LastName: "Carter", Aliases: []string{"Deano"},
		DateOfBirth: d(1986, 4, 2), PNCID: "2012/0345678U", PrisonNumber: ptr("A1234BC"), Force: "gloucestershire",
		Custody: domain.Custody{Status: domain.CustodyCommunity}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("normalised subject (-want +got):\n%s", diff)
	}

	// In custody, the establishment is trimmed.
	c := validSubject()
	c.Custody.Establishment = ptr("  HMP Bristol ")
	c.Validate(today, v)
	if got := *c.Custody.Establishment; got != "HMP Bristol" {
		t.Errorf("establishment = %q, want trimmed", got)
	}
}

// ---------------------------------------------------------------- orders

func adult() domain.Subject {
	return domain.Subject{ID: "s1", DateOfBirth: d(1986, 4, 2), Force: "gloucestershire",
		Custody: domain.Custody{Status: domain.CustodyCommunity}}
}

func validOrder() domain.Order {
	return domain.Order{SubjectID: "s1", Reference: "T20247001", Court: "Bristol Crown Court", CourtType: "crown",
		MadeOn: d(2026, 6, 10), Commencement: domain.CommenceOnDate, StartsOn: dp(2026, 7, 1),
		DurationMonths: ptr(36)}
}

func TestOrderValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		subject func(*domain.Subject)
		change  func(*domain.Order)
		want    []string
	}{
		{name: "valid", change: func(*domain.Order) {}},
		{name: "valid high court", change: func(o *domain.Order) { o.CourtType = "high" }},
		{name: "valid made today", change: func(o *domain.Order) { o.MadeOn, o.StartsOn = today, ptr(today) }},
		{name: "valid type scpo", change: func(o *domain.Order) { o.Type = "scpo" }},
		{name: "type other", change: func(o *domain.Order) { o.Type = "sopo" }, want: []string{"type"}},
		{name: "nothing given", change: func(o *domain.Order) { *o = domain.Order{} },
			want: []string{"reference", "court", "court_type", "made_on", "commencement", "ends_on"}},
		{name: "blank reference and court", change: func(o *domain.Order) { o.Reference, o.Court = " ", " " },
			want: []string{"reference", "court"}},
		{name: "long reference", change: func(o *domain.Order) { o.Reference = strings.Repeat("r", 51) },
			want: []string{"reference"}},
		{name: "long court", change: func(o *domain.Order) { o.Court = strings.Repeat("c", 201) },
			want: []string{"court"}},
		{name: "court type missing", change: func(o *domain.Order) { o.CourtType = "" }, want: []string{"court_type"}},
		{name: "court type magistrates", change: func(o *domain.Order) { o.CourtType = "magistrates" },
			want: []string{"court_type"}},

		// made_on
		{name: "made_on missing", change: func(o *domain.Order) { o.MadeOn = domain.Date{} }, want: []string{"made_on"}},
		{name: "made_on tomorrow", change: func(o *domain.Order) {
			o.MadeOn, o.StartsOn = today.AddDays(1), dp(2026, 12, 1)
		}, want: []string{"made_on"}},
		{name: "made_on the day before the 18th birthday",
			subject: func(s *domain.Subject) { s.DateOfBirth = d(2000, 3, 15) },
			change: func(o *domain.Order) {
				o.MadeOn, o.StartsOn = d(2018, 3, 14), dp(2018, 3, 14)
				o.DurationMonths = ptr(12)
			}, want: []string{"made_on"}},
		{name: "made_on the 18th birthday",
			subject: func(s *domain.Subject) { s.DateOfBirth = d(2000, 3, 15) },
			change: func(o *domain.Order) {
				o.MadeOn, o.StartsOn = d(2018, 3, 15), dp(2018, 3, 15)
				o.DurationMonths = ptr(12)
			}},
		{name: "subject still a child today",
			subject: func(s *domain.Subject) { s.DateOfBirth = d(2010, 1, 1) },
			change:  func(*domain.Order) {}, want: []string{"made_on"}},

		// commencement and starts_on
		{name: "commencement missing", change: func(o *domain.Order) { o.Commencement = "" },
			want: []string{"commencement"}},
		{name: "commencement unknown", change: func(o *domain.Order) { o.Commencement = "on_sentence" },
			want: []string{"commencement"}},
		{name: "on_date needs starts_on", change: func(o *domain.Order) { o.StartsOn = nil },
			want: []string{"starts_on"}},
		{name: "on_release without starts_on", change: func(o *domain.Order) {
			o.Commencement, o.StartsOn = domain.CommenceOnRelease, nil
		}},
		{name: "on_release refuses starts_on", change: func(o *domain.Order) { o.Commencement = domain.CommenceOnRelease },
			want: []string{"starts_on"}},
		{name: "on_release needs ends_on or duration", change: func(o *domain.Order) {
			o.Commencement, o.StartsOn, o.DurationMonths = domain.CommenceOnRelease, nil, nil
		}, want: []string{"ends_on"}},
		{name: "starts_on before made_on", change: func(o *domain.Order) { o.StartsOn = dp(2026, 6, 9) },
			want: []string{"starts_on"}},
		{name: "starts_on on made_on", change: func(o *domain.Order) { o.StartsOn = dp(2026, 6, 10) }},
		{name: "starts_on in the future", change: func(o *domain.Order) { o.StartsOn = dp(2027, 6, 10) }},

		// ends_on and duration_months
		{name: "neither ends_on nor duration", change: func(o *domain.Order) { o.DurationMonths = nil },
			want: []string{"ends_on"}},
		{name: "ends_on equal to starts_on", change: func(o *domain.Order) {
			o.DurationMonths, o.EndsOn = nil, dp(2026, 7, 1)
		}, want: []string{"ends_on"}},
		{name: "ends_on before starts_on", change: func(o *domain.Order) {
			o.DurationMonths, o.EndsOn = nil, dp(2026, 6, 30)
		}, want: []string{"ends_on"}},
		{name: "ends_on the day after starts_on", change: func(o *domain.Order) {
			o.DurationMonths, o.EndsOn = nil, dp(2026, 7, 2)
		}},
		{name: "exactly five years", change: func(o *domain.Order) {
			o.DurationMonths, o.EndsOn = nil, dp(2031, 7, 1)
		}},
		{name: "five years and a day", change: func(o *domain.Order) {
			o.DurationMonths, o.EndsOn = nil, dp(2031, 7, 2)
		}, want: []string{"ends_on"}},
		{name: "five years from 29 February ends 28 February", change: func(o *domain.Order) {
			o.MadeOn, o.StartsOn, o.DurationMonths, o.EndsOn = d(2024, 2, 29), dp(2024, 2, 29), nil, dp(2029, 2, 28)
		}},
		{name: "five years from 29 February, 1 March is too late", change: func(o *domain.Order) {
			o.MadeOn, o.StartsOn, o.DurationMonths, o.EndsOn = d(2024, 2, 29), dp(2024, 2, 29), nil, dp(2029, 3, 1)
		}, want: []string{"ends_on"}},
		{name: "duration 0", change: func(o *domain.Order) { o.DurationMonths = ptr(0) },
			want: []string{"duration_months"}},
		{name: "duration negative", change: func(o *domain.Order) { o.DurationMonths = ptr(-1) },
			want: []string{"duration_months"}},
		{name: "duration 61", change: func(o *domain.Order) { o.DurationMonths = ptr(61) },
			want: []string{"duration_months"}},
		{name: "on release for a subject already in the community", subject: func(s *domain.Subject) {},
			change: func(o *domain.Order) { o.Commencement, o.StartsOn = domain.CommenceOnRelease, nil },
			want:   []string{"commencement"}},
		{name: "duration 61 on release", change: func(o *domain.Order) {
			o.Commencement, o.StartsOn, o.DurationMonths = domain.CommenceOnRelease, nil, ptr(61)
		}, want: []string{"duration_months"}},
		{name: "duration 1", change: func(o *domain.Order) { o.DurationMonths = ptr(1) }},
		{name: "duration 60", change: func(o *domain.Order) { o.DurationMonths = ptr(60) }},
		{name: "duration matching ends_on", change: func(o *domain.Order) { o.EndsOn = dp(2029, 7, 1) }},
		{name: "duration not matching ends_on", change: func(o *domain.Order) { o.EndsOn = dp(2029, 7, 2) },
			want: []string{"duration_months"}},

		// review interval
		{name: "review interval 1", change: func(o *domain.Order) { o.ReviewIntervalDays = ptr(1) }},
		{name: "review interval 366", change: func(o *domain.Order) { o.ReviewIntervalDays = ptr(366) }},
		{name: "review interval 0", change: func(o *domain.Order) { o.ReviewIntervalDays = ptr(0) },
			want: []string{"review_interval_days"}},
		{name: "review interval 367", change: func(o *domain.Order) { o.ReviewIntervalDays = ptr(367) },
			want: []string{"review_interval_days"}},

		// terms
		{name: "unknown term category", change: func(o *domain.Order) {
			o.Terms = []domain.Term{{Category: "travel", Text: "No travel abroad."}, {Category: "music", Text: "x"}}
		}, want: []string{"terms[1].category"}},
		{name: "empty term category", change: func(o *domain.Order) {
			o.Terms = []domain.Term{{Category: "", Text: "x"}}
		}, want: []string{"terms[0].category"}},
		{name: "term category in capitals", change: func(o *domain.Order) {
			o.Terms = []domain.Term{{Category: "Travel", Text: "x"}}
		}, want: []string{"terms[0].category"}},
		{name: "blank term text", change: func(o *domain.Order) {
			o.Terms = []domain.Term{{Category: "travel", Text: "x"}, {Category: "items", Text: "  "}}
		}, want: []string{"terms[1].text"}},
		{name: "long term text", change: func(o *domain.Order) {
			o.Terms = []domain.Term{{Category: "travel", Text: strings.Repeat("t", 4001)}}
		}, want: []string{"terms[0].text"}},
		{name: "both term fields bad", change: func(o *domain.Order) {
			o.Terms = []domain.Term{{Category: "nope", Text: ""}}
		}, want: []string{"terms[0].category", "terms[0].text"}},
		{name: "too many terms", change: func(o *domain.Order) {
			o.Terms = make([]domain.Term, 101)
			for i := range o.Terms {
				o.Terms[i] = domain.Term{Category: "other", Text: "x"}
			}
		}, want: []string{"terms"}},
		{name: "100 terms", change: func(o *domain.Order) {
			o.Terms = make([]domain.Term, 100)
			for i := range o.Terms {
				o.Terms[i] = domain.Term{Category: "other", Text: "x"}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := adult()
			if tc.subject != nil {
				tc.subject(&s)
			}
			o := validOrder()
			tc.change(&o)
			if tc.subject == nil && o.Commencement == domain.CommenceOnRelease {
				s.Custody = domain.Custody{Status: domain.CustodyCustody} // still to be released
			}
			v, ok := validateOrder(t, &o, s)
			if !ok {
				return
			}
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
		})
	}
}

func TestOrderTermCategories(t *testing.T) {
	want := []string{"financial", "property", "working", "communications", "associations", "premises", "items",
		"travel", "information", "electronic_monitoring", "other"}
	if diff := cmp.Diff(want, domain.TermCategories); diff != "" {
		t.Errorf("TermCategories (-want +got):\n%s", diff)
	}
	for _, c := range want {
		t.Run(c, func(t *testing.T) {
			o := validOrder()
			o.Terms = []domain.Term{{Category: c, Text: "  A term.  "}}
			v := &domain.ValidationError{}
			o.Validate(adult(), today, v)
			if err := v.Err(); err != nil {
				t.Fatalf("category %q refused: %v", c, err)
			}
			if diff := cmp.Diff([]domain.Term{{Category: c, Text: "A term."}}, o.Terms); diff != "" {
				t.Errorf("terms (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrderValidateDerives(t *testing.T) {
	for _, tc := range []struct {
		name             string
		madeOn           domain.Date
		commencement     string
		startsOn, endsOn *domain.Date
		duration         *int
		wantEnds         string
		wantDuration     string
		wantStatus       string
	}{
		{name: "ends_on from duration", madeOn: d(2026, 6, 10), commencement: "on_date",
			startsOn: dp(2026, 7, 1), duration: ptr(36), wantEnds: "2029-07-01", wantDuration: "36", wantStatus: "active"},
		{name: "31 January plus one month", madeOn: d(2026, 1, 15), commencement: "on_date",
			startsOn: dp(2026, 1, 31), duration: ptr(1), wantEnds: "2026-02-28", wantDuration: "1", wantStatus: "expired"},
		{name: "31 January plus one month in a leap year", madeOn: d(2024, 1, 15), commencement: "on_date",
			startsOn: dp(2024, 1, 31), duration: ptr(1), wantEnds: "2024-02-29", wantDuration: "1", wantStatus: "expired"},
		{name: "31 August plus six months", madeOn: d(2026, 8, 1), commencement: "on_date",
			startsOn: dp(2026, 8, 31), duration: ptr(6), wantEnds: "2027-02-28", wantDuration: "6", wantStatus: "active"},
		{name: "60 months from 29 February", madeOn: d(2024, 2, 29), commencement: "on_date",
			startsOn: dp(2024, 2, 29), duration: ptr(60), wantEnds: "2029-02-28", wantDuration: "60", wantStatus: "active"},
		{name: "whole months from ends_on", madeOn: d(2026, 6, 10), commencement: "on_date",
			startsOn: dp(2026, 7, 1), endsOn: dp(2029, 7, 1), wantEnds: "2029-07-01", wantDuration: "36", wantStatus: "active"},
		{name: "part month rounds up", madeOn: d(2026, 6, 10), commencement: "on_date",
			startsOn: dp(2026, 7, 1), endsOn: dp(2029, 7, 2), wantEnds: "2029-07-02", wantDuration: "37", wantStatus: "active"},
		{name: "one day is one month", madeOn: d(2026, 6, 10), commencement: "on_date",
			startsOn: dp(2026, 7, 1), endsOn: dp(2026, 7, 2), wantEnds: "2026-07-02", wantDuration: "1", wantStatus: "expired"},
		{name: "28 February from 31 January is one month", madeOn: d(2026, 1, 15), commencement: "on_date",
			startsOn: dp(2026, 1, 31), endsOn: dp(2026, 2, 28), wantEnds: "2026-02-28", wantDuration: "1", wantStatus: "expired"},
		{name: "exactly five years is 60 months", madeOn: d(2026, 6, 10), commencement: "on_date",
			startsOn: dp(2026, 7, 1), endsOn: dp(2031, 7, 1), wantEnds: "2031-07-01", wantDuration: "60", wantStatus: "active"},
		{name: "starts today is active", madeOn: d(2026, 11, 1), commencement: "on_date",
			startsOn: ptr(today), duration: ptr(12), wantEnds: "2027-11-25", wantDuration: "12", wantStatus: "active"},
		{name: "starts tomorrow is pending", madeOn: d(2026, 11, 1), commencement: "on_date",
			startsOn: ptr(today.AddDays(1)), duration: ptr(12), wantEnds: "2027-11-26", wantDuration: "12", wantStatus: "pending"},
		{name: "on release is pending with nothing derived", madeOn: d(2024, 6, 10), commencement: "on_release",
			duration: ptr(60), wantEnds: "<nil>", wantDuration: "60", wantStatus: "pending"},
		{name: "on release keeps a given ends_on", madeOn: d(2024, 6, 10), commencement: "on_release",
			endsOn: dp(2030, 1, 1), wantEnds: "2030-01-01", wantDuration: "<nil>", wantStatus: "pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := domain.Order{Reference: "R1", Court: "Bristol Crown Court", CourtType: "crown", MadeOn: tc.madeOn,
				Commencement: tc.commencement, StartsOn: tc.startsOn, EndsOn: tc.endsOn, DurationMonths: tc.duration,
				Status: domain.StatusActive} // a live status given on input is recomputed
			sub := adult()
			if tc.commencement == domain.CommenceOnRelease {
				sub.Custody = domain.Custody{Status: domain.CustodyCustody}
			}
			v, ok := validateOrder(t, &o, sub)
			if !ok {
				return
			}
			if err := v.Err(); err != nil {
				t.Fatalf("refused: %v", err)
			}
			got := []string{datePtrString(o.EndsOn), intPtrString(o.DurationMonths), o.Status, o.Type}
			want := []string{tc.wantEnds, tc.wantDuration, tc.wantStatus, "scpo"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[ends_on duration status type] (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrderValidateKeepsEndedStatus(t *testing.T) {
	for _, status := range []string{domain.StatusDischarged, domain.StatusQuashed} {
		t.Run(status, func(t *testing.T) {
			o := validOrder()
			o.Status, o.EndedOn, o.EndReason = status, dp(2026, 10, 1), ptr("appeal")
			v := &domain.ValidationError{}
			o.Validate(adult(), today, v)
			if err := v.Err(); err != nil {
				t.Fatal(err)
			}
			if o.Status != status {
				t.Errorf("status = %q, want %q kept", o.Status, status)
			}
		})
	}
}

func TestOrderEnd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  string
		endedOn *domain.Date
		reason  *string
		want    []string
	}{
		{"discharged", domain.StatusDischarged, ptr(today), ptr("Discharged on application."), nil},
		{"quashed", domain.StatusQuashed, dp(2026, 9, 1), ptr("Quashed on appeal."), nil},
		{"ended on made_on", domain.StatusDischarged, dp(2026, 6, 10), ptr("r"), nil},
		{"status active", domain.StatusActive, ptr(today), ptr("r"), []string{"status"}},
		{"status expired", domain.StatusExpired, ptr(today), ptr("r"), []string{"status"}},
		{"status pending", domain.StatusPending, ptr(today), ptr("r"), []string{"status"}},
		{"status empty", "", ptr(today), ptr("r"), []string{"status"}},
		{"no date and no reason", domain.StatusDischarged, nil, nil, []string{"ended_on", "end_reason"}},
		{"ended tomorrow", domain.StatusDischarged, ptr(today.AddDays(1)), ptr("r"), []string{"ended_on"}},
		{"ended before made_on", domain.StatusQuashed, dp(2026, 6, 9), ptr("r"), []string{"ended_on"}},
		{"blank reason", domain.StatusDischarged, ptr(today), ptr("  "), []string{"end_reason"}},
		{"long reason", domain.StatusDischarged, ptr(today), ptr(strings.Repeat("x", 2001)), []string{"end_reason"}},
		{"reason of 2000", domain.StatusDischarged, ptr(today), ptr(strings.Repeat("x", 2000)), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := validOrder()
			o.Status = domain.StatusActive
			v := &domain.ValidationError{}
			o.End(tc.status, tc.endedOn, tc.reason, today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
			if tc.want == nil {
				if o.Status != tc.status || o.EndedOn != tc.endedOn || o.EndReason != tc.reason || !o.Ended() {
					t.Errorf("after End: status %q ended_on %v reason %v", o.Status, o.EndedOn, o.EndReason)
				}
			}
		})
	}
}

func TestOrderEnded(t *testing.T) {
	for status, want := range map[string]bool{"pending": false, "active": false, "discharged": true,
		"expired": true, "quashed": true} {
		if got := (domain.Order{Status: status}).Ended(); got != want {
			t.Errorf("Ended() for %s = %v, want %v", status, got, want)
		}
	}
}

func TestOrderStartOnRelease(t *testing.T) {
	onRelease := func() domain.Order {
		return domain.Order{MadeOn: d(2024, 6, 10), Commencement: domain.CommenceOnRelease,
			DurationMonths: ptr(24), Status: domain.StatusPending}
	}
	type result struct {
		StartsOn, EndsOn, Duration, Status string
	}
	resultOf := func(o domain.Order) result {
		return result{datePtrString(o.StartsOn), datePtrString(o.EndsOn), intPtrString(o.DurationMonths), o.Status}
	}
	for _, tc := range []struct {
		name     string
		order    func() domain.Order
		released domain.Date
		want     result
	}{
		{"released today", onRelease, today, result{"2026-11-25", "2028-11-25", "24", "active"}},
		{"released last week", onRelease, d(2026, 11, 18), result{"2026-11-18", "2028-11-18", "24", "active"}},
		{"released 31 January", func() domain.Order {
			o := onRelease()
			o.DurationMonths = ptr(1)
			return o
		}, d(2026, 1, 31), result{"2026-01-31", "2026-02-28", "1", "expired"}},
		{"release in the future stays pending", onRelease, today.AddDays(3),
			result{"2026-11-28", "2028-11-28", "24", "pending"}},
		{"duration replaces a stored ends_on", func() domain.Order {
			o := onRelease()
			o.EndsOn = dp(2030, 1, 1)
			return o
		}, today, result{"2026-11-25", "2028-11-25", "24", "active"}},
		{"ends_on gives the duration", func() domain.Order {
			o := onRelease()
			o.DurationMonths, o.EndsOn = nil, dp(2029, 11, 25)
			return o
		}, today, result{"2026-11-25", "2029-11-25", "36", "active"}},
		{"on_date order untouched", func() domain.Order {
			o := onRelease()
			o.Commencement, o.StartsOn, o.EndsOn, o.Status = domain.CommenceOnDate, dp(2024, 7, 1), dp(2026, 7, 1), "active"
			return o
		}, today, result{"2024-07-01", "2026-07-01", "24", "active"}},
		{"already started untouched", func() domain.Order {
			o := onRelease()
			o.StartsOn, o.EndsOn, o.Status = dp(2025, 1, 1), dp(2027, 1, 1), "active"
			return o
		}, today, result{"2025-01-01", "2027-01-01", "24", "active"}},
		{"ended order untouched", func() domain.Order {
			o := onRelease()
			o.Status = domain.StatusQuashed
			return o
		}, today, result{"<nil>", "<nil>", "24", "quashed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.order()
			if err := o.StartOnRelease(tc.released, today); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, resultOf(o)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A release before the order was made contradicts it: made to start on
// release, the order was made while its subject was in custody.
func TestOrderStartOnReleaseBeforeItWasMade(t *testing.T) {
	o := domain.Order{MadeOn: d(2024, 6, 10), Reference: "T20240001", Commencement: domain.CommenceOnRelease,
		DurationMonths: ptr(24), Status: domain.StatusPending}
	err := o.StartOnRelease(d(2024, 6, 9), today)
	var v *domain.ValidationError
	if !errors.As(err, &v) || v.Errors[0].Field != "custody.released_on" ||
		!strings.Contains(v.Errors[0].Message, "2024-06-10") || !strings.Contains(v.Errors[0].Message, "T20240001") {
		t.Fatalf("release the day before it was made: %v", err)
	}
	if o.StartsOn != nil || o.Status != domain.StatusPending {
		t.Errorf("a refused release changed the order: %+v", o)
	}
	if err := o.StartOnRelease(d(2024, 6, 10), today); err != nil || datePtrString(o.StartsOn) != "2024-06-10" {
		t.Errorf("released the day it was made: %v, starts %s", err, datePtrString(o.StartsOn))
	}
}

// ---------------------------------------------------------------- reviews and checks

func TestReviewValidate(t *testing.T) {
	order := validOrder() // made 2026-06-10
	for _, tc := range []struct {
		name   string
		review domain.Review
		want   []string
	}{
		{"valid", domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "satisfactory"}, nil},
		{"valid pre-release on made_on", domain.Review{ReviewedOn: d(2026, 6, 10), Kind: "pre_release",
			Outcome: "breach_suspected", Notes: ptr("n")}, nil},
		{"valid concerns", domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "concerns"}, nil},
		{"nothing given", domain.Review{}, []string{"reviewed_on", "kind", "outcome"}},
		{"future", domain.Review{ReviewedOn: today.AddDays(1), Kind: "routine", Outcome: "satisfactory"},
			[]string{"reviewed_on"}},
		{"before made_on", domain.Review{ReviewedOn: d(2026, 6, 9), Kind: "routine", Outcome: "satisfactory"},
			[]string{"reviewed_on"}},
		{"unknown kind", domain.Review{ReviewedOn: today, Kind: "annual", Outcome: "satisfactory"}, []string{"kind"}},
		{"unknown outcome", domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "fine"}, []string{"outcome"}},
		{"long notes", domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "concerns",
			Notes: ptr(strings.Repeat("n", 10001))}, []string{"notes"}},
		{"notes of 10000", domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "concerns",
			Notes: ptr(strings.Repeat("n", 10000))}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			r := tc.review
			r.Validate(order, today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
		})
	}
}

func TestCheckValidateSchedule(t *testing.T) {
	order := validOrder()
	for _, tc := range []struct {
		name  string
		check domain.Check
		want  []string
	}{
		{"valid", domain.Check{Kind: "home_visit", DueOn: d(2026, 12, 1)}, nil},
		{"valid in the past", domain.Check{Kind: "financial", DueOn: d(2026, 6, 10)}, nil},
		{"valid kinds", domain.Check{Kind: "device", DueOn: today}, nil},
		{"travel", domain.Check{Kind: "travel", DueOn: today}, nil},
		{"association", domain.Check{Kind: "association", DueOn: today}, nil},
		{"other", domain.Check{Kind: "other", DueOn: today}, nil},
		{"nothing given", domain.Check{}, []string{"kind", "due_on"}},
		{"unknown kind", domain.Check{Kind: "phone", DueOn: today}, []string{"kind"}},
		{"due before made_on", domain.Check{Kind: "other", DueOn: d(2026, 6, 9)}, []string{"due_on"}},
		{"long notes", domain.Check{Kind: "other", DueOn: today, Notes: ptr(strings.Repeat("n", 10001))},
			[]string{"notes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			c := tc.check
			c.ValidateSchedule(order, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
		})
	}
}

func TestCheckValidateCompletion(t *testing.T) {
	order := validOrder()
	for _, tc := range []struct {
		name  string
		check domain.Check
		want  []string
	}{
		{"compliant", domain.Check{CompletedOn: ptr(today), Outcome: ptr("compliant")}, nil},
		{"non compliant on made_on", domain.Check{CompletedOn: dp(2026, 6, 10), Outcome: ptr("non_compliant")}, nil},
		{"no access", domain.Check{CompletedOn: ptr(today), Outcome: ptr("no_access"), Notes: ptr("n")}, nil},
		{"nothing given", domain.Check{}, []string{"completed_on", "outcome"}},
		{"future", domain.Check{CompletedOn: ptr(today.AddDays(1)), Outcome: ptr("compliant")},
			[]string{"completed_on"}},
		{"before made_on", domain.Check{CompletedOn: dp(2026, 6, 9), Outcome: ptr("compliant")},
			[]string{"completed_on"}},
		{"empty outcome", domain.Check{CompletedOn: ptr(today), Outcome: ptr("")}, []string{"outcome"}},
		{"unknown outcome", domain.Check{CompletedOn: ptr(today), Outcome: ptr("ok")}, []string{"outcome"}},
		{"long notes", domain.Check{CompletedOn: ptr(today), Outcome: ptr("compliant"),
			Notes: ptr(strings.Repeat("n", 10001))}, []string{"notes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			c := tc.check
			c.ValidateCompletion(order, today, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
		})
	}
}

// ---------------------------------------------------------------- owners

func TestOwnerChangeValidate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		change    domain.OwnerChange
		assigning bool
		want      []string
	}{
		{"assign iom", domain.OwnerChange{Role: "iom", OfficerID: "x", Reason: "caseload"}, true, nil},
		{"assign lro", domain.OwnerChange{Role: "lro", OfficerID: "x", Reason: "caseload"}, true, nil},
		{"assign orders officer", domain.OwnerChange{Role: "orders_officer", OfficerID: "x", Reason: "r"}, true, nil},
		{"remove needs no officer", domain.OwnerChange{Role: "iom", Reason: "left the force"}, false, nil},
		{"assign needs an officer", domain.OwnerChange{Role: "iom", Reason: "r"}, true, []string{"officer_id"}},
		{"officer role name is not an owner role", domain.OwnerChange{Role: "iom_officer", OfficerID: "x", Reason: "r"},
			true, []string{"role"}},
		{"empty role", domain.OwnerChange{OfficerID: "x", Reason: "r"}, true, []string{"role"}},
		{"blank reason", domain.OwnerChange{Role: "lro", OfficerID: "x", Reason: "  "}, true, []string{"reason"}},
		{"long reason", domain.OwnerChange{Role: "lro", OfficerID: "x", Reason: strings.Repeat("r", 501)}, true,
			[]string{"reason"}},
		{"reason of 500", domain.OwnerChange{Role: "lro", OfficerID: "x", Reason: strings.Repeat("r", 500)}, true, nil},
		{"everything wrong", domain.OwnerChange{}, true, []string{"role", "officer_id", "reason"}},
		{"everything wrong removing", domain.OwnerChange{}, false, []string{"role", "reason"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			c := tc.change
			c.Validate(tc.assigning, v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
		})
	}

	c := domain.OwnerChange{Role: "iom", OfficerID: "x", Reason: "  handover  "}
	c.Validate(true, &domain.ValidationError{})
	if c.Reason != "handover" {
		t.Errorf("reason = %q, want trimmed", c.Reason)
	}
}

func TestOfficerRoleFor(t *testing.T) {
	for _, tc := range []struct {
		owner, want string
		ok          bool
	}{
		{"iom", "iom_officer", true}, {"lro", "lro", true}, {"orders_officer", "orders_officer", true},
		{"iom_officer", "", false}, {"", "", false},
	} {
		got, ok := domain.OfficerRoleFor(tc.owner)
		if got != tc.want || ok != tc.ok {
			t.Errorf("OfficerRoleFor(%q) = %q, %v; want %q, %v", tc.owner, got, ok, tc.want, tc.ok)
		}
	}
}

// ---------------------------------------------------------------- officers

func TestOfficerValidate(t *testing.T) {
	valid := func() domain.Officer {
		return domain.Officer{Name: "Sam Price", Email: "sam.price@gloucestershire.police.uk",
			Force: ptr("gloucestershire"), Roles: []string{"iom_officer", "lro"}}
	}
	for _, tc := range []struct {
		name   string
		change func(*domain.Officer)
		want   []string
	}{
		{"valid", func(*domain.Officer) {}, nil},
		{"every role", func(o *domain.Officer) { o.Roles = append([]string{}, domain.OfficerRoles...) }, nil},
		{"admin without force", func(o *domain.Officer) { o.Force, o.Roles = nil, []string{"admin"} }, nil},
		{"auditor without force", func(o *domain.Officer) { o.Force, o.Roles = nil, []string{"auditor"} }, nil},
		{"admin and auditor without force", func(o *domain.Officer) {
			o.Force, o.Roles = nil, []string{"admin", "auditor"}
		}, nil},
		{"nothing given", func(o *domain.Officer) { *o = domain.Officer{} }, []string{"name", "email", "roles"}},
		{"blank name", func(o *domain.Officer) { o.Name = "  " }, []string{"name"}},
		{"long name", func(o *domain.Officer) { o.Name = strings.Repeat("n", 201) }, []string{"name"}},
		{"name of 200", func(o *domain.Officer) { o.Name = strings.Repeat("n", 200) }, nil},
		{"not an email", func(o *domain.Officer) { o.Email = "sam.price" }, []string{"email"}},
		{"email with display name", func(o *domain.Officer) { o.Email = "Sam <sam@police.uk>" }, []string{"email"}},
		{"email with two ats", func(o *domain.Officer) { o.Email = "sam@@police.uk" }, []string{"email"}},
		{"long email", func(o *domain.Officer) { o.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".uk" },
			[]string{"email"}},
		{"no roles", func(o *domain.Officer) { o.Roles = nil }, []string{"roles"}},
		{"unknown role", func(o *domain.Officer) { o.Roles = []string{"iom"} }, []string{"roles"}},
		{"role twice", func(o *domain.Officer) { o.Roles = []string{"lro", "lro"} }, []string{"roles"}},
		{"force needed for iom officer", func(o *domain.Officer) { o.Force = nil }, []string{"force"}},
		{"empty force is no force", func(o *domain.Officer) { o.Force = ptr("") }, []string{"force"}},
		{"force needed beside admin", func(o *domain.Officer) { o.Force, o.Roles = nil, []string{"admin", "regional"} },
			[]string{"force"}},
		{"bad roles hide the force rule", func(o *domain.Officer) { o.Force, o.Roles = nil, []string{"chief"} },
			[]string{"roles"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := valid()
			tc.change(&o)
			v := &domain.ValidationError{}
			o.Validate(v)
			if diff := cmp.Diff(tc.want, fields(v)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerrors: %v", diff, v.Errors)
			}
		})
	}

	o := domain.Officer{Name: "  Sam Price ", Email: " Sam.Price@Gloucestershire.Police.UK ", Force: ptr(""),
		Roles: []string{"admin"}}
	v := &domain.ValidationError{}
	o.Validate(v)
	if err := v.Err(); err != nil {
		t.Fatal(err)
	}
	want := domain.Officer{Name: "Sam Price", Email: "sam.price@gloucestershire.police.uk", Roles: []string{"admin"}}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("normalised officer (-want +got):\n%s", diff)
	}
}

// ---------------------------------------------------------------- dates

func TestDateAddMonths(t *testing.T) {
	for _, tc := range []struct {
		from domain.Date
		n    int
		want string
	}{
		{d(2026, 1, 15), 1, "2026-02-15"},
		{d(2026, 1, 31), 1, "2026-02-28"},
		{d(2024, 1, 31), 1, "2024-02-29"},
		{d(2026, 3, 31), 1, "2026-04-30"},
		{d(2026, 8, 31), 6, "2027-02-28"},
		{d(2026, 12, 15), 1, "2027-01-15"},
		{d(2026, 11, 30), 3, "2027-02-28"},
		{d(2026, 5, 31), 0, "2026-05-31"},
		{d(2026, 3, 31), -1, "2026-02-28"},
		{d(2026, 1, 31), -2, "2025-11-30"},
		{d(2024, 2, 29), 12, "2025-02-28"},
		{d(2024, 2, 29), 48, "2028-02-29"},
		{d(2024, 2, 29), 60, "2029-02-28"},
		{d(2026, 7, 1), 60, "2031-07-01"},
		{d(2026, 1, 31), 25, "2028-02-29"},
		{d(2000, 3, 15), 18 * 12, "2018-03-15"},
	} {
		t.Run(fmt.Sprintf("%s%+d", tc.from, tc.n), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.from.AddMonths(tc.n).String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"2026-11-25", "2026-11-25", true},
		{"2024-02-29", "2024-02-29", true},
		{"2026-02-29", "", false},
		{"2024-02-30", "", false},
		{"2026-13-01", "", false},
		{"25/11/2026", "", false},
		{"2026-11-25T10:00:00Z", "", false},
		{"", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := domain.ParseDate(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseDate(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			}
			if tc.ok && got.String() != tc.want {
				t.Errorf("ParseDate(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestDateHelpers(t *testing.T) {
	a, b := d(2026, 11, 25), d(2027, 2, 23)
	if got := a.DaysUntil(b); got != 90 {
		t.Errorf("DaysUntil = %d, want 90", got)
	}
	if got := b.DaysUntil(a); got != -90 {
		t.Errorf("DaysUntil backwards = %d, want -90", got)
	}
	if !a.OnOrBefore(a) || !a.OnOrBefore(b) || b.OnOrBefore(a) {
		t.Error("OnOrBefore wrong")
	}
	if got := a.AddDays(90); !got.Equal(b.Time) {
		t.Errorf("AddDays(90) = %s, want %s", got, b)
	}
}

// ---------------------------------------------------------------- errors

func TestValidationError(t *testing.T) {
	var nilV *domain.ValidationError
	if nilV.Err() != nil {
		t.Error("nil ValidationError.Err() should be nil")
	}
	v := &domain.ValidationError{}
	if v.Err() != nil {
		t.Error("empty ValidationError.Err() should be nil")
	}
	v.Add("a", "is %s", "bad")
	v.Add("b", "is worse")
	if !v.Has("a") || v.Has("c") {
		t.Error("Has wrong")
	}
	if got, want := v.Err().Error(), "invalid input: a: is bad; b: is worse"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	want := []domain.FieldError{{Field: "a", Message: "is bad"}, {Field: "b", Message: "is worse"}}
	if diff := cmp.Diff(want, v.Errors); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Days between dates far apart are counted, not capped (time.Sub
// saturates at about 292 years); year 0 is no date.
func TestDaysUntilFarApartAndYearZero(t *testing.T) {
	if got := d(2027, 1, 10).DaysUntil(d(9999, 12, 31)); got != 2912068 {
		t.Errorf("2027-01-10 to 9999-12-31: %d days", got)
	}
	if got := d(9999, 12, 31).DaysUntil(d(2028, 5, 4)); got != -2911588 {
		t.Errorf("9999-12-31 to 2028-05-04: %d days", got)
	}
	if got := d(2026, 11, 25).DaysUntil(d(2026, 11, 20)); got != -5 {
		t.Errorf("5 days back: %d", got)
	}
	if _, err := domain.ParseDate("0000-01-01"); err == nil {
		t.Errorf("year 0 parsed")
	}
}
