package postgres

import (
	"context"
	"time"

	"scpo/domain"
)

// SetTokenCachePing shortens how long the token cache's listening
// connection may stay quiet before it is pinged. For tests; call it before
// the store's first Authenticate.
func (s *Store) SetTokenCachePing(d time.Duration) { s.auth.ping = d }

// WaitAnalyses waits for the statistics gathered after sweeps
// (analyseAfter), so that a test counting statements counts only its own.
func (s *Store) WaitAnalyses() { s.analyses.Wait() }

// TextArray is the store's array parameter type.
type TextArray = textArray

// SetSubjectSearchWindow sets how many subjects a name search reads in
// order before it turns to the trigram index.
func (s *Store) SetSubjectSearchWindow(n int) { s.searchWindow = n }

// SetUnownedRecheckMax sets how many orders the ownership sweep rechecks
// one by one before it sets the rule against every open flag instead.
func (s *Store) SetUnownedRecheckMax(n int) { s.unownedRecheckMax = n }

// OrdersScannedByGorm reads every order through orderQuery as gorm scans
// it, by column name, for tests to hold the column-by-column scan to.
func (s *Store) OrdersScannedByGorm(ctx context.Context) ([]domain.Order, error) {
	var rows []orderView
	if err := orderQuery(s.db.WithContext(ctx)).Order("o.id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	return ordersOf(rows)
}
