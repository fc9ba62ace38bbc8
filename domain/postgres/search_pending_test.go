package postgres_test

import (
	"context"
	"testing"

	"gorm.io/gorm"
)

// A name search reads the trigram index's pending list in full, so the
// list is kept to a few pages (migration 00570): after a few thousand
// subjects are written at once, a search that matches nobody still reads
// a handful of the index's pages, not the hundreds the default 4 MB list
// holds.
func TestNameSearchReadsAShortPendingList(t *testing.T) {
	s := newStore(t)
	if _, err := s.GenerateOrders(context.Background(), 2000, today); err != nil {
		t.Fatal(err)
	}
	// Read through the index whatever it costs: the planner counts the
	// pending pages, and with hundreds of them it reads the table instead.
	var raw string
	err := s.DB().Transaction(func(tx *gorm.DB) error {
		for _, off := range []string{"enable_seqscan", "enable_indexscan", "enable_indexonlyscan"} {
			if err := tx.Exec(`SET LOCAL ` + off + ` = off`).Error; err != nil {
				return err
			}
		}
		return tx.Raw(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
			SELECT id FROM subjects WHERE search_text LIKE '%zzqxv%'`).Row().Scan(&raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	scans := planNodes(t, raw, func(n planNode) bool { return n.IndexName == "subjects_search_trgm" })
	if len(scans) == 0 {
		t.Fatalf("the search does not use subjects_search_trgm:\n%s", raw)
	}
	scan := scans[0]
	pages := scan.Hit + scan.Read
	t.Logf("the trigram index: %d pages read", pages)
	if pages > 30 {
		t.Errorf("a search matching nobody read %d pages of the trigram index, want a few", pages)
	}
}
