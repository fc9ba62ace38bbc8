package postgres

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// calendarSecretPrefix marks a calendar feed's secret, as tokenPrefix
// marks a bearer token.
const calendarSecretPrefix = "scpocal_"

// CreateCalendarFeed makes a new feed secret for an active officer,
// replacing the one they had. Only its hash is stored.
func (s *Store) CreateCalendarFeed(ctx context.Context, officerID string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := calendarSecretPrefix + base64.RawURLEncoding.EncodeToString(raw)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var active []bool
		if err := tx.Raw(`SELECT active FROM officers WHERE id = ? FOR UPDATE`, officerID).Scan(&active).Error; err != nil {
			return err
		}
		if len(active) == 0 {
			return domain.ErrNotFound
		}
		if !active[0] {
			return domain.Conflict("officer", "the officer is deactivated")
		}
		domain.Note(ctx, "officer", officerID)
		return tx.Exec(`INSERT INTO calendar_feeds (officer_id, secret_hash, created_at) VALUES (?, ?, ?)
			ON CONFLICT (officer_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, created_at = EXCLUDED.created_at`,
			officerID, hashToken(secret), s.now()).Error
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// RevokeCalendarFeed deletes the officer's feed, if they have one.
func (s *Store) RevokeCalendarFeed(ctx context.Context, officerID string) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		domain.Note(ctx, "officer", officerID)
		return tx.Exec(`DELETE FROM calendar_feeds WHERE officer_id = ?`, officerID).Error
	})
}

// HasCalendarFeed reports whether the officer has a live feed.
func (s *Store) HasCalendarFeed(ctx context.Context, officerID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM calendar_feeds WHERE officer_id = ?`, officerID).Scan(&n).Error
	return n > 0, err
}

// CalendarFeedFor reads the due dates of the officer whose feed the
// secret opens: the next review of every live order they own, its open
// checks, and their open meeting actions with a due date. The orders, and
// the subjects they are about, are noted on the request's trail, so the
// disclosure is in each subject's access log; the subjects' own records
// are not read at all.
func (s *Store) CalendarFeedFor(ctx context.Context, secret string) (domain.CalendarFeed, error) {
	db := s.db.WithContext(ctx)
	var officers []string
	if err := db.Raw(`SELECT f.officer_id FROM calendar_feeds f JOIN officers o ON o.id = f.officer_id
		WHERE f.secret_hash = ? AND o.active`, hashToken(secret)).Scan(&officers).Error; err != nil {
		return domain.CalendarFeed{}, err
	}
	if len(officers) == 0 {
		return domain.CalendarFeed{}, domain.ErrNotFound
	}
	out := domain.CalendarFeed{OfficerID: officers[0], Entries: []domain.CalendarEntry{}}
	today := s.Today()
	var rows []struct {
		Kind, ID, OrderID, SubjectID, Reference, CheckKind string
		Due                                                time.Time
	}
	err := db.Raw(`
		WITH mine AS (SELECT DISTINCT a.order_id FROM owner_assignments a
		              JOIN orders o ON o.id = a.order_id
		              WHERE a.ended_at IS NULL AND o.status IN ('pending', 'active')
		                AND (a.officer_id = @me
		                     -- and those of colleagues away now whom they cover, as
		                     -- their caseload lists them (covering)
		                     OR a.officer_id IN (SELECT ab.officer_id FROM officer_absences ab
		                                         WHERE ab.cover_officer_id = @me AND ab.cancelled_at IS NULL
		                                           AND ab.starts_on <= @today AND (ab.ends_on IS NULL OR ab.ends_on >= @today))
		                        -- only while the cover is of the order's force (a cover
		                        -- moved away keeps no view of it)
		                        AND a.order_subject_force = (SELECT f.force FROM officers f WHERE f.id = @me)))
		SELECT * FROM (
		SELECT 'review' AS kind, o.id AS id, o.id AS order_id, o.subject_id, o.reference, '' AS check_kind, sch.next_review_due AS due
		FROM mine JOIN orders o ON o.id = mine.order_id JOIN order_schedule sch ON sch.order_id = o.id
		WHERE sch.next_review_due IS NOT NULL
		UNION ALL
		SELECT 'check', c.id, o.id, o.subject_id, o.reference, c.kind, c.due_on
		FROM mine JOIN orders o ON o.id = mine.order_id JOIN checks c ON c.order_id = o.id
		WHERE c.outcome IS NULL
		UNION ALL
		SELECT 'action', d.id, o.id, o.subject_id, o.reference, '', d.due_by
		FROM meeting_decisions d JOIN meeting_items i ON i.id = d.item_id JOIN orders o ON o.id = i.order_id
		WHERE d.action_by = @me AND d.status = 'open' AND d.due_by IS NOT NULL AND d.withdrawn_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)) due
		WHERE due BETWEEN @from AND @to
		ORDER BY due, reference, kind, id
		`+limitSQL(domain.CalendarMaxEntries), map[string]any{"me": out.OfficerID, "today": today.Time,
		"from": today.AddDays(-domain.CalendarDaysBack).Time, "to": today.AddDays(domain.CalendarDaysAhead).Time}).
		Scan(&rows).Error
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		out.Entries = append(out.Entries, domain.CalendarEntry{Kind: r.Kind, ID: r.ID, OrderID: r.OrderID,
			Reference: r.Reference, Due: domain.AsDate(r.Due), CheckKind: r.CheckKind})
		domain.Note(ctx, "order", r.OrderID)
		domain.Note(ctx, "subject", r.SubjectID)
	}
	return out, nil
}
