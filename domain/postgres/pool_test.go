package postgres_test

import (
	"context"
	"sync"
	"testing"

	"scpo/domain"
)

// Under many clients at once every connection the pool opens stays open
// for the next request: a pool that kept fewer idle than it may open
// closed the surplus as each burst ended and dialled them again (a new
// backend, authentication and every statement prepared afresh), which at
// 16 clients cost the tasking agenda a third of its time.
func TestPoolKeepsTheConnectionsItOpens(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	sqlDB, err := s.DB().DB()
	if err != nil {
		t.Fatal(err)
	}
	before := sqlDB.Stats()
	var wg sync.WaitGroup
	for range 24 {
		wg.Go(func() {
			for range 30 {
				if _, _, err := s.ListFlags(ctx, domain.FlagFilter{Status: "open"}, domain.Page{Limit: 5}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	after := sqlDB.Stats()
	if after.MaxOpenConnections < 16 {
		t.Fatalf("the pool opens at most %d connections", after.MaxOpenConnections)
	}
	if closed := after.MaxIdleClosed - before.MaxIdleClosed; closed > 0 {
		t.Errorf("%d connections closed as surplus idle after use (opened up to %d)", closed, after.OpenConnections)
	}
}
