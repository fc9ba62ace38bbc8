package postgres_test

import (
	"context"
	"strings"
	"testing"

	"scpo/domain"
	"scpo/migrations"
)

// An imported review is marked imported, one recorded through the service
// is not; and migration 00450 marks the reviews imported before it (written
// with their order, at its created_at, without notes), not a review
// recorded later nor the generated ones (which have notes).
func TestImportedReviewsAreMarked(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if err := s.DB().Exec(`INSERT INTO officers (name, email, force, roles) VALUES
		('Bench LRO', 'bench.lro@wiltshire.police.uk', 'wiltshire', '{lro}'),
		('Bench Orders', 'bench.orders@wiltshire.police.uk', 'wiltshire', '{orders_officer}')`).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, domain.ImportRequest{Force: "wiltshire", Sheet: domain.ReadImportFile(importSheet(3)), Commit: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GenerateOrders(ctx, 20, today); err != nil {
		t.Fatal(err)
	}
	var first string
	if err := s.DB().Raw(`SELECT id FROM orders WHERE reference = 'W000001'`).Scan(&first).Error; err != nil {
		t.Fatal(err)
	}
	clockOf(s).advanceTo(today.AddDays(1))
	if _, err := s.RecordReview(ctx, first, domain.Review{ReviewedOn: today, Kind: "routine", Outcome: "concerns"}); err != nil {
		t.Fatal(err)
	}
	marked := func(stage string) {
		t.Helper()
		var got struct{ Imported, Recorded, Generated int }
		if err := s.DB().Raw(`SELECT
			count(*) FILTER (WHERE r.imported AND o.reference LIKE 'W%' AND r.reviewed_on = '2026-10-01') AS imported,
			count(*) FILTER (WHERE NOT r.imported AND r.reviewed_on = CAST(? AS date)) AS recorded,
			count(*) FILTER (WHERE NOT r.imported AND r.notes = 'Synthetic review') AS generated
			FROM reviews r JOIN orders o ON o.id = r.order_id`, today.Time).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		var all, imported int64
		s.DB().Raw(`SELECT count(*) FROM reviews`).Scan(&all)
		s.DB().Raw(`SELECT count(*) FROM reviews WHERE imported`).Scan(&imported)
		if got.Imported != 3 || imported != 3 || got.Recorded != 1 || int64(got.Generated) != all-4 || got.Generated == 0 {
			t.Errorf("%s: %+v imported, recorded and generated reviews; %d of %d marked imported", stage, got, imported, all)
		}
	}
	marked("as written")

	// As the data stood before the column: the migration's Up marks them.
	up, err := migrations.FS.ReadFile("00450_reviews_imported.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(up), "-- +goose Up")
	body, _, _ = strings.Cut(body, "-- +goose Down")
	if err := s.DB().Exec(`ALTER TABLE reviews DROP COLUMN imported`).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(body).Error; err != nil {
		t.Fatal(err)
	}
	marked("by the migration")
}
