package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"

	"scpo/domain"
)

// A kind's flags are raised in bulk by its own sweep, so in id order they
// sit together, behind every kind raised before them. Listing a kind must
// read the kind's own range (flags_kind), not walk every flag from the
// oldest: at a million orders that walk read 1.5 million flags for the
// first page of pre-release flags of one force.
func TestListingAKindReadsTheKindsOwnFlags(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, err := s.GenerateOrders(ctx, 20000, today); err != nil {
		t.Fatal(err)
	}
	// The custody sweep last, so its flags have the newest ids.
	for _, job := range []string{domain.JobOwnership, domain.JobReview, domain.JobLifecycle, domain.JobCustody} {
		if _, err := s.RunJob(ctx, job, today, nil); err != nil {
			t.Fatal(err)
		}
	}
	s.WaitAnalyses()
	if err := s.DB().Exec("ANALYZE flags").Error; err != nil {
		t.Fatal(err)
	}
	var force string
	if err := s.DB().Raw(`SELECT force FROM flags WHERE kind = 'pre_release' GROUP BY force
		ORDER BY count(*) DESC LIMIT 1`).Scan(&force).Error; err != nil || force == "" {
		t.Fatalf("no pre-release flags generated (%v)", err)
	}

	// The statement ListFlags sends, with its values, as it sends it.
	var sent []string
	if err := s.DB().Callback().Query().After("gorm:query").Register("test:flag_list_sql", func(db *gorm.DB) {
		// A subquery is built by a dry run of the same callbacks: not sent.
		if !db.DryRun && strings.Contains(db.Statement.SQL.String(), "FROM flags AS f") {
			sent = append(sent, gormpg.Dialector{}.Explain(db.Statement.SQL.String(), db.Statement.Vars...))
		}
	}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []domain.FlagFilter{
		{Kind: domain.FlagPreRelease, Force: force},
		{Kind: domain.FlagPreRelease, Status: "open"},
		{Kind: domain.FlagReleaseDatePassed},
	} {
		sent = nil
		got, _, err := s.ListFlags(ctx, f, domain.Page{Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		// The page is the kind's oldest flags, as a plain query finds them.
		var want []string
		q := s.DB().Table("flags").Select("id").Where("kind = ?", f.Kind).Order("id").Limit(20)
		if f.Force != "" {
			q = q.Where("force = ?", f.Force)
		}
		if f.Status == "open" {
			q = q.Where("resolved_at IS NULL")
		}
		if err := q.Scan(&want).Error; err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(got))
		for i, fl := range got {
			ids[i] = fl.ID
			if fl.Kind != f.Kind || (f.Force != "" && fl.Force != f.Force) || fl.Reference == "" || fl.SubjectName == "" {
				t.Fatalf("%+v: listed %+v", f, fl)
			}
		}
		if len(want) == 0 || !slices.Equal(ids, want) {
			t.Fatalf("%+v: listed %v, want %v", f, ids, want)
		}
		if len(sent) != 1 {
			t.Fatalf("%+v: %d list statements seen: %q", f, len(sent), sent)
		}
		var plan []string
		if err := s.DB().Raw("EXPLAIN (COSTS OFF) " + sent[0]).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(plan, func(l string) bool {
			return strings.Contains(l, "on flags_kind") ||
				strings.Contains(l, "using flags_kind on flags f")
		}) || slices.ContainsFunc(plan, func(l string) bool {
			return strings.Contains(l, "using flags_pkey on flags f")
		}) {
			t.Errorf("%+v: the page is not found through the kind's flags:\n%s", f, strings.Join(plan, "\n"))
		}
	}
}
