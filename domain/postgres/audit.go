package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// writeAudit appends the context's pending audit entry inside tx, chained
// to the last entry. Entries take turns on an advisory lock so the chain
// has one order.
func (s *Store) writeAudit(ctx context.Context, tx *gorm.DB) error {
	trail := domain.AuditFrom(ctx)
	e, pending := trail.Pending()
	if !pending {
		return nil
	}
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('scpo:audit'))`).Error; err != nil {
		return err
	}
	var last [][]byte
	if err := tx.Raw(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&last).Error; err != nil {
		return err
	}
	prev := make([]byte, sha256.Size)
	if len(last) > 0 {
		prev = last[0]
	}
	e.At = s.now()
	hash := chainHash(prev, e)
	records, _ := json.Marshal(nonNil(e.Records))
	return tx.Exec(`INSERT INTO audit_log (at, officer_id, action, method, route, records, client_ip, purpose, request_id, query, status, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.At, e.OfficerID, e.Action, e.Method, e.Route, string(records),
		e.ClientIP, e.Purpose, e.RequestID, e.Query, e.Status, prev, hash).Error
}

func nonNil(r []domain.RecordRef) []domain.RecordRef {
	if r == nil {
		return []domain.RecordRef{}
	}
	return r
}

func chainHash(prev []byte, e domain.AuditEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(e.Canonical())
	return h.Sum(nil)
}

// WriteAudit writes the request's entry on its own, for reads: the answer
// is sent only once this succeeds.
func (s *Store) WriteAudit(ctx context.Context) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return nil })
}

type auditRow struct {
	ID        int64
	At        time.Time
	OfficerID *string
	Action    string
	Method    string
	Route     string
	Records   []byte
	ClientIP  string
	Purpose   string
	RequestID string
	Query     string
	Status    int
	PrevHash  []byte
	Hash      []byte
}

func (r auditRow) domain() domain.AuditEntry {
	e := domain.AuditEntry{ID: r.ID, At: r.At.UTC(), OfficerID: r.OfficerID, Action: r.Action, Method: r.Method,
		Route: r.Route, ClientIP: r.ClientIP, Purpose: r.Purpose, RequestID: r.RequestID,
		Query: r.Query, Status: r.Status, PrevHash: hex.EncodeToString(r.PrevHash), Hash: hex.EncodeToString(r.Hash)}
	_ = json.Unmarshal(r.Records, &e.Records)
	e.Records = nonNil(e.Records)
	return e
}

// ListAudit lists audit entries, newest first.
func (s *Store) ListAudit(ctx context.Context, f domain.AuditFilter, p domain.Page) ([]domain.AuditEntry, string, error) {
	q := auditScope(ctx, s.db.WithContext(ctx).Table("audit_log"))
	if f.OfficerID != "" {
		q = q.Where("officer_id = ?", f.OfficerID)
	}
	if f.SubjectID != "" {
		q = q.Where("records @> ?::jsonb", fmt.Sprintf(`[{"type":"subject","id":%q}]`, f.SubjectID))
	}
	if f.OrderID != "" {
		q = q.Where("records @> ?::jsonb", fmt.Sprintf(`[{"type":"order","id":%q}]`, f.OrderID))
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.From != nil {
		q = q.Where("at >= ?", *f.From)
	}
	if f.To != nil {
		q = q.Where("at < ?", *f.To)
	}
	if p.Cursor != "" {
		q = q.Where("id < ?", p.Cursor)
	}
	limit := pageLimit(p)
	var rows []auditRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	out, err := redactAudit(ctx, s.db, out)
	if err != nil || len(out) <= limit {
		return out, "", err
	}
	out = out[:limit]
	return out, fmt.Sprint(out[limit-1].ID), nil
}

// AuditBreak is the first entry at which the chain does not hold.
type AuditBreak struct {
	ID     int64
	Reason string
}

func (b *AuditBreak) Error() string { return fmt.Sprintf("audit entry %d: %s", b.ID, b.Reason) }

// VerifyAudit walks the whole trail in order, recomputing each hash and
// checking each link. It returns the number of entries checked, and an
// *AuditBreak naming the first entry that was altered, or that follows a
// removed or altered entry.
func (s *Store) VerifyAudit(ctx context.Context) (int, error) {
	prev := make([]byte, sha256.Size)
	var after int64
	n := 0
	for {
		var rows []auditRow
		if err := s.db.WithContext(ctx).Table("audit_log").Where("id > ?", after).Order("id").Limit(5000).
			Find(&rows).Error; err != nil {
			return n, err
		}
		if len(rows) == 0 {
			return n, s.checkAuditTail(ctx, after)
		}
		for _, r := range rows {
			e := r.domain()
			if !bytes.Equal(r.PrevHash, prev) {
				return n, &AuditBreak{ID: r.ID, Reason: "does not follow the entry before it: an entry has been removed or altered"}
			}
			if !bytes.Equal(chainHash(prev, e), r.Hash) {
				return n, &AuditBreak{ID: r.ID, Reason: "its contents do not match its hash: it has been altered"}
			}
			prev, after = r.Hash, r.ID
			n++
		}
	}
}

// AuditHead returns the newest entry, or nil when the trail is empty.
func (s *Store) AuditHead(ctx context.Context) (*domain.AuditEntry, error) {
	var rows []auditRow
	if err := s.db.WithContext(ctx).Table("audit_log").Order("id DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	e := rows[0].domain()
	return &e, nil
}

// checkAuditTail catches removal of the newest entries, which leaves a
// shorter chain that still holds: entry numbers come from a sequence
// drawn under the audit lock just before commit, so a sequence ahead of
// the last entry means entries were taken away. (Someone who also resets
// the sequence defeats this; anchoring the head outside the database is
// the full answer.)
func (s *Store) checkAuditTail(ctx context.Context, lastID int64) error {
	var seq struct {
		LastValue int64
		IsCalled  bool
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT last_value, is_called FROM audit_log_id_seq`).Scan(&seq).Error; err != nil {
		return err
	}
	if seq.IsCalled && seq.LastValue > lastID {
		return &AuditBreak{ID: lastID + 1, Reason: fmt.Sprintf(
			"entries %d to %d are missing: the newest entries have been removed", lastID+1, seq.LastValue)}
	}
	return nil
}

// ListTokens lists an officer's tokens, without the tokens themselves.
func (s *Store) ListTokens(ctx context.Context, officerID string) ([]domain.TokenInfo, error) {
	if _, err := s.GetOfficer(ctx, officerID); err != nil {
		return nil, err
	}
	var out []domain.TokenInfo
	err := s.db.WithContext(ctx).Raw(`SELECT id, officer_id, created_at, expires_at, revoked_at FROM officer_tokens
		WHERE officer_id = ? ORDER BY created_at, id`, officerID).Scan(&out).Error
	if out == nil {
		out = []domain.TokenInfo{}
	}
	return out, err
}

// RevokeToken stops a token working at once.
func (s *Store) RevokeToken(ctx context.Context, officerID, tokenID string) error {
	if !validID(officerID) || !validID(tokenID) {
		return domain.ErrNotFound
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE officer_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND officer_id = ?`,
			s.now(), tokenID, officerID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.ErrNotFound
		}
		domain.Note(ctx, "officer", officerID)
		domain.Note(ctx, "token", tokenID)
		return nil
	})
}

var _ domain.Audit = (*Store)(nil)
