package postgres_test

import (
	"context"
	"errors"
	"testing"

	"scpo/domain"
)

// Names are found whatever the accents, apostrophes and hyphens typed: a
// search for "Siobhan" missed Siobhán, "OConnor" missed O'Connor.
func TestSearchFoldsAccentsAndPunctuation(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	mk := func(serial int, first, last string) string {
		t.Helper()
		sub, err := s.CreateSubject(ctx, domain.Subject{FirstNames: first, LastName: last,
			DateOfBirth: domain.NewDate(1980, 1, 1), PNCID: pncFor(serial), Force: "gloucestershire", Custody: community()})
		if err != nil {
			t.Fatal(err)
		}
		return sub.ID
	}
	siobhan := mk(9401, "Siobhán", "O'Connor")
	anna := mk(9402, "Anna-Marie", "Ŵyn")
	mk(9403, "Sean", "Connors")
	for q, want := range map[string][]string{
		"siobhan":          {siobhan},
		"SIOBHÁN":          {siobhan},
		"Siobhan O'Connor": {siobhan},
		"siobhan oconnor":  {siobhan},
		"O’Connor":         {siobhan},
		"oconnor":          {siobhan},
		"anna marie":       {anna},
		"Anna-Marie wyn":   {anna},
		"ŴYN":              {anna},
		"connorsx":         nil,
	} {
		got, _, err := s.ListSubjects(ctx, domain.SubjectFilter{Q: q}, domain.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		if len(ids) != len(want) || len(want) > 0 && ids[0] != want[0] {
			t.Errorf("search %q found %v, want %v", q, ids, want)
		}
	}
}

// Punctuation alone folds to nothing, which every name contains: refused.
func TestSearchOfPunctuationAloneIsRefused(t *testing.T) {
	s := newStore(t)
	for _, q := range []string{"'", "’", "`", "-", " - "} {
		var v *domain.ValidationError
		if _, _, err := s.ListSubjects(context.Background(), domain.SubjectFilter{Q: q}, domain.Page{}); !errors.As(err, &v) || !v.Has("q") {
			t.Errorf("search %q: %v, want refused", q, err)
		}
	}
}
