package postgres

import (
	"context"

	"gorm.io/gorm"

	"scpo/domain"
)

// claimIdempotency stores the request's Idempotency-Key in tx, the
// transaction of the change it guards. A key already claimed (a
// concurrent repeat) fails the transaction with a conflict.
func (s *Store) claimIdempotency(ctx context.Context, tx *gorm.DB) error {
	r := domain.IdempotencyFrom(ctx)
	if r == nil || r.Claimed() {
		return nil
	}
	now := s.now()
	if err := tx.Exec(`DELETE FROM idempotency_keys WHERE officer_id = ? AND key = ? AND created_at < ?`,
		r.OfficerID, r.Key, now.Add(-domain.IdempotencyWindow)).Error; err != nil {
		return err
	}
	res := tx.Exec(`INSERT INTO idempotency_keys (officer_id, key, request_hash, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, r.OfficerID, r.Key, r.RequestHash, now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return domain.KeyInUse()
	}
	return nil
}

// IdempotentAnswer returns the answer stored under an officer's key within
// the window, or nil.
func (s *Store) IdempotentAnswer(ctx context.Context, officerID, key string) (*domain.IdempotentAnswer, error) {
	var rows []struct {
		RequestHash []byte
		Status      *int
		ContentType *string
		Location    *string
		Body        []byte
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT request_hash, status, content_type, location, body FROM idempotency_keys
		WHERE officer_id = ? AND key = ? AND created_at >= ?`, officerID, key,
		s.now().Add(-domain.IdempotencyWindow)).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	a := &domain.IdempotentAnswer{RequestHash: r.RequestHash, Body: r.Body}
	if r.Status != nil {
		a.Status = *r.Status
	}
	if r.ContentType != nil {
		a.ContentType = *r.ContentType
	}
	if r.Location != nil {
		a.Location = *r.Location
	}
	return a, nil
}

// SaveIdempotentAnswer stores the answer to a request under its key (a
// request that changed nothing claims the key here), and drops answers
// older than the window.
func (s *Store) SaveIdempotentAnswer(ctx context.Context, r *domain.IdempotentRequest, a domain.IdempotentAnswer) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	if err := db.Exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, now.Add(-domain.IdempotencyWindow)).Error; err != nil {
		return err
	}
	// A request that claimed the key answers its own claim; one that did
	// not never takes over another's (a repeat sent at once would have
	// stored its refusal as the key's answer in place of the first's).
	onConflict := `DO NOTHING`
	if r.Claimed() {
		onConflict = `DO UPDATE SET status = EXCLUDED.status, content_type = EXCLUDED.content_type,
			location = EXCLUDED.location, body = EXCLUDED.body
		WHERE idempotency_keys.request_hash = EXCLUDED.request_hash AND idempotency_keys.status IS NULL`
	}
	return db.Exec(`INSERT INTO idempotency_keys (officer_id, key, request_hash, status, content_type, location, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (officer_id, key) `+onConflict,
		r.OfficerID, r.Key, r.RequestHash, a.Status, a.ContentType, a.Location, a.Body, now).Error
}
