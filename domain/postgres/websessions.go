package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// The web interface's sessions (migration 00080).

func (s *Store) CreateWebSession(ctx context.Context, w domain.WebSession) error {
	return s.db.WithContext(ctx).Exec(`INSERT INTO web_sessions (id_hash, officer_id, csrf_token, created_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?)`, w.IDHash, w.OfficerID, w.CSRFToken, w.CreatedAt.UTC(), w.LastSeenAt.UTC()).Error
}

func (s *Store) WebSession(ctx context.Context, idHash string) (domain.WebSession, domain.Officer, error) {
	var sess []struct {
		IDHash     string
		OfficerID  string
		CSRFToken  string
		CreatedAt  time.Time
		LastSeenAt time.Time
	}
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT * FROM web_sessions WHERE id_hash = ?`, idHash).Scan(&sess).Error; err != nil {
		return domain.WebSession{}, domain.Officer{}, err
	}
	if len(sess) == 0 {
		return domain.WebSession{}, domain.Officer{}, domain.ErrUnauthenticated
	}
	var officers []officerRow
	if err := db.Raw(`SELECT * FROM officers WHERE id = ? AND active`, sess[0].OfficerID).Scan(&officers).Error; err != nil {
		return domain.WebSession{}, domain.Officer{}, err
	}
	if len(officers) == 0 {
		return domain.WebSession{}, domain.Officer{}, domain.ErrUnauthenticated
	}
	w := sess[0]
	return domain.WebSession{IDHash: w.IDHash, OfficerID: w.OfficerID, CSRFToken: w.CSRFToken, CreatedAt: w.CreatedAt,
		LastSeenAt: w.LastSeenAt}, officers[0].domain(), nil
}

func (s *Store) TouchWebSession(ctx context.Context, idHash string, at time.Time) error {
	return s.db.WithContext(ctx).Exec(`UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?`,
		at.UTC(), idHash, at.UTC()).Error
}

func (s *Store) EndWebSession(ctx context.Context, idHash string) error {
	return s.db.WithContext(ctx).Exec(`DELETE FROM web_sessions WHERE id_hash = ?`, idHash).Error
}

// SetWebSessionFlash keeps a banner for the session's next page
// (migration 00480).
func (s *Store) SetWebSessionFlash(ctx context.Context, idHash string, flash []byte) error {
	return s.db.WithContext(ctx).Exec(`UPDATE web_sessions SET flash = CAST(? AS jsonb) WHERE id_hash = ?`,
		string(flash), idHash).Error
}

// TakeWebSessionFlash returns the kept banner and clears it in the same
// statement, so it is shown once.
func (s *Store) TakeWebSessionFlash(ctx context.Context, idHash string) ([]byte, error) {
	var rows []struct{ Flash string }
	err := s.db.WithContext(ctx).Raw(`UPDATE web_sessions w SET flash = NULL
		FROM (SELECT id_hash, flash FROM web_sessions WHERE id_hash = ? AND flash IS NOT NULL FOR UPDATE) kept
		WHERE w.id_hash = kept.id_hash
		RETURNING kept.flash::text AS flash`, idHash).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return []byte(rows[0].Flash), nil
}

func (s *Store) CreateSignInLink(ctx context.Context, officerID, tokenHash string, expiresAt time.Time) error {
	return s.db.WithContext(ctx).Exec(`INSERT INTO sign_in_links (token_hash, officer_id, expires_at) VALUES (?, ?, ?)`,
		tokenHash, officerID, expiresAt.UTC()).Error
}

func (s *Store) RedeemSignInLink(ctx context.Context, tokenHash string) (domain.Officer, error) {
	var rows []officerRow
	// Deleted as it is used: a second use finds nothing.
	err := s.db.WithContext(ctx).Raw(`WITH used AS (
			DELETE FROM sign_in_links WHERE token_hash = ? RETURNING officer_id, expires_at)
		SELECT o.* FROM used JOIN officers o ON o.id = used.officer_id WHERE o.active AND used.expires_at > ?`,
		tokenHash, s.now()).Scan(&rows).Error
	if err != nil {
		return domain.Officer{}, err
	}
	if len(rows) == 0 {
		return domain.Officer{}, domain.ErrUnauthenticated
	}
	return rows[0].domain(), nil
}

// OpenID Connect sign-ins in progress (migration 00170).

func (s *Store) StartOIDCSignIn(ctx context.Context, o domain.OIDCSignIn) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM oidc_sign_ins WHERE expires_at < ?`, s.now()).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO oidc_sign_ins (state_hash, nonce, code_verifier, next, expires_at) VALUES (?, ?, ?, ?, ?)`,
			o.StateHash, o.Nonce, o.CodeVerifier, o.Next, o.ExpiresAt.UTC()).Error
	})
}

func (s *Store) TakeOIDCSignIn(ctx context.Context, stateHash string, now time.Time) (domain.OIDCSignIn, error) {
	var rows []struct {
		StateHash    string
		Nonce        string
		CodeVerifier string
		Next         string
		ExpiresAt    time.Time
	}
	// Deleted as it is read: a second callback with the same state finds nothing.
	if err := s.db.WithContext(ctx).Raw(`DELETE FROM oidc_sign_ins WHERE state_hash = ? RETURNING *`, stateHash).
		Scan(&rows).Error; err != nil {
		return domain.OIDCSignIn{}, err
	}
	if len(rows) == 0 || !rows[0].ExpiresAt.After(now) {
		return domain.OIDCSignIn{}, domain.ErrUnauthenticated
	}
	r := rows[0]
	return domain.OIDCSignIn{StateHash: r.StateHash, Nonce: r.Nonce, CodeVerifier: r.CodeVerifier, Next: r.Next,
		ExpiresAt: r.ExpiresAt.UTC()}, nil
}

var _ domain.OIDCSignIns = (*Store)(nil)
