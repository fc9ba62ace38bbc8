package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// Mail from the outbox. Composing turns waiting events into messages (an
// officer's daily digest, or an immediate email for those who chose it);
// delivering sends due messages. Both claim rows with FOR UPDATE SKIP
// LOCKED, so any number of replicas can run them at once and each event
// joins one message, each message is sent by one replica.

// NotificationPref returns the officer's preference (digest unless chosen).
func (s *Store) NotificationPref(ctx context.Context, officerID string) (string, error) {
	var modes []string
	if err := s.db.WithContext(ctx).Raw(`SELECT mode FROM notification_prefs WHERE officer_id = ?`, officerID).
		Scan(&modes).Error; err != nil {
		return "", err
	}
	if len(modes) == 0 {
		return domain.NotifyDigest, nil
	}
	return modes[0], nil
}

// SetNotificationPref records the officer's own preference.
func (s *Store) SetNotificationPref(ctx context.Context, officerID, mode string) error {
	v := &domain.ValidationError{}
	ok := false
	for _, m := range domain.NotifyModes {
		ok = ok || m == mode
	}
	if !ok {
		v.Add("mode", "must be one of digest, immediate, off")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Exec(`INSERT INTO notification_prefs (officer_id, mode, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (officer_id) DO UPDATE SET mode = EXCLUDED.mode, updated_at = EXCLUDED.updated_at`,
		officerID, mode, s.now()).Error
}

// MailComposed counts what a compose pass made.
type MailComposed = domain.MailComposed

type waitingEvent struct {
	ID        int64
	Kind      string
	OrderID   *string
	Reference *string
	Subject   *string
	DueOn     *time.Time
	// Resolved: the flag the event told of is no longer open; OrderStatus
	// is the order's as the message is composed.
	Resolved    bool
	OrderStatus *string
	// OfKind is the number of events of its kind the message tells.
	OfKind int
}

// ComposeImmediate makes one message per officer who chose immediate mail,
// telling every event waiting for them.
func (s *Store) ComposeImmediate(ctx context.Context, link func(string) string) (MailComposed, error) {
	return s.compose(ctx, domain.NotifyImmediate, nil, link)
}

// ComposeDigests makes the day's digest for each officer who has the
// digest (the default) and has events waiting: one message per officer
// per day, however many replicas run it (a unique index). Events arriving
// after an officer's digest for the day was made wait for the next day's.
func (s *Store) ComposeDigests(ctx context.Context, day domain.Date, link func(string) string) (MailComposed, error) {
	return s.compose(ctx, domain.NotifyDigest, &day, link)
}

// compose makes one message per officer with events waiting for mode,
// each in a transaction of its own. An officer another replica is
// composing for is skipped (an advisory lock); a digest already made for
// the day leaves the events for the next. The events are marked as told
// and read back in one statement, so the message tells exactly those it
// took; only MailListed of each kind come back to be listed one by one,
// the rest are counted in SQL. Memory and the message stay small however
// many events an officer has (a register's first sweep writes one per
// flag and owner: 1,900 an officer at a million orders, 392,000 in all).
func (s *Store) compose(ctx context.Context, mode string, day *domain.Date, link func(string) string) (MailComposed, error) {
	var out MailComposed
	var officers []struct {
		ID    string
		Email string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT f.id, f.email FROM officers f
		LEFT JOIN notification_prefs p ON p.officer_id = f.id
		WHERE coalesce(p.mode, 'digest') = ?
		  AND EXISTS (SELECT 1 FROM notification_events e WHERE e.officer_id = f.id AND e.message_id IS NULL)
		ORDER BY f.id`, mode).Scan(&officers).Error; err != nil {
		return out, err
	}
	kind := "immediate"
	var digestDay *time.Time
	if day != nil {
		kind, digestDay = "digest", &day.Time
	}
	for _, o := range officers {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var mine bool
			if err := tx.Raw(`SELECT pg_try_advisory_xact_lock(hashtext('scpo:compose'), hashtext(?))`, o.ID).
				Scan(&mine).Error; err != nil || !mine {
				return err
			}
			now := s.now()
			var msg []int64
			if err := tx.Raw(`INSERT INTO mail_messages (officer_id, kind, digest_day, to_addr, subject, body, next_attempt_at, created_at)
				VALUES (?, ?, ?, ?, '', '', ?, ?) ON CONFLICT (officer_id, digest_day) WHERE kind = 'digest' DO NOTHING RETURNING id`,
				o.ID, kind, digestDay, o.Email, now, now).Scan(&msg).Error; err != nil {
				return err
			}
			if len(msg) == 0 {
				return nil // today's digest went already: these wait for tomorrow's
			}
			// A message tells what is new, as it stands now: a flag raised
			// and resolved since, or an order ended since, says so.
			var told []waitingEvent
			if err := tx.Raw(`WITH told AS (
				    UPDATE notification_events e SET message_id = @msg
				    WHERE e.officer_id = @officer AND e.message_id IS NULL
				    RETURNING e.id, e.kind, e.order_id, e.subject, e.due_on),
				ranked AS (
				    SELECT t.*, row_number() OVER (PARTITION BY t.kind ORDER BY t.id) AS n,
				           count(*) OVER (PARTITION BY t.kind) AS of_kind
				    FROM told t)
				SELECT r.id, r.kind, r.order_id, o.reference, r.subject, r.due_on, o.status AS order_status, r.of_kind,
				       r.kind IN ('flag_raised', 'pre_release') AND NOT EXISTS (SELECT 1 FROM flags fl
				           WHERE fl.order_id = r.order_id AND fl.kind = r.subject AND fl.resolved_at IS NULL) AS resolved
				FROM ranked r LEFT JOIN orders o ON o.id = r.order_id
				WHERE r.n <= @listed
				ORDER BY r.id`, map[string]any{"msg": msg[0], "officer": o.ID, "listed": domain.MailListed}).
				Scan(&told).Error; err != nil {
				return err
			}
			if len(told) == 0 {
				// Another replica's message took them first.
				return tx.Exec(`DELETE FROM mail_messages WHERE id = ?`, msg[0]).Error
			}
			views := make([]domain.EventView, len(told))
			unlisted := map[string]int{}
			events := 0
			for i, e := range told {
				views[i] = domain.EventView{Kind: e.Kind, OrderID: deref(e.OrderID), Reference: deref(e.Reference),
					Subject: deref(e.Subject), On: datePtr(e.DueOn), Resolved: e.Resolved}
				if st := deref(e.OrderStatus); st == domain.StatusDischarged || st == domain.StatusQuashed || st == domain.StatusExpired {
					views[i].OrderEnded = st
				}
				if _, seen := unlisted[e.Kind]; !seen {
					unlisted[e.Kind] = e.OfKind
					events += e.OfKind
				}
				unlisted[e.Kind]--
			}
			subject, body := domain.ComposeMailListing(views, unlisted, day, link)
			if err := tx.Exec(`UPDATE mail_messages SET subject = ?, body = ? WHERE id = ?`, subject, body, msg[0]).Error; err != nil {
				return err
			}
			out.Messages++
			out.Events += events
			return nil
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// MailDelivered counts what a delivery pass did.
type MailDelivered = domain.MailDelivered

// DeliverMail sends the messages due, a batch at a time, until none is due
// or ctx ends. Each batch is claimed FOR UPDATE SKIP LOCKED and held while
// it is sent, so two replicas never send the same message; a failure is
// retried with backoff, and a permanent refusal or the last attempt leaves
// the message dead.
func (s *Store) DeliverMail(ctx context.Context, m domain.Mailer, policy domain.MailRetry, batch int) (MailDelivered, error) {
	var out MailDelivered
	if batch <= 0 {
		batch = 20
	}
	for ctx.Err() == nil {
		n := 0
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var due []struct {
				ID       int64
				ToAddr   string
				Subject  string
				Body     string
				Attempts int
			}
			if err := tx.Raw(`SELECT id, to_addr, subject, body, attempts FROM mail_messages
				WHERE status = 'pending' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED`, s.now(), batch).Scan(&due).Error; err != nil {
				return err
			}
			n = len(due)
			for _, msg := range due {
				sendErr := m.Send(ctx, msg.ToAddr, msg.Subject, msg.Body)
				now := s.now()
				if sendErr == nil {
					out.Sent++
					if err := tx.Exec(`UPDATE mail_messages SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL
						WHERE id = ?`, now, msg.ID).Error; err != nil {
						return err
					}
					continue
				}
				if ctx.Err() != nil {
					return ctx.Err() // shutting down: not an attempt
				}
				dead, wait := policy.After(msg.Attempts+1, sendErr)
				status := "pending"
				if dead {
					status = "dead"
					out.Dead++
				} else {
					out.Retried++
				}
				if err := tx.Exec(`UPDATE mail_messages SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ?
					WHERE id = ?`, status, now.Add(wait), mailError(sendErr), msg.ID).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		if n < batch {
			break
		}
	}
	return out, nil
}

// mailError keeps a refusal's reply (the server's words, not ours); other
// errors are named only by their kind, since they may carry addresses.
func mailError(err error) string {
	var refused *domain.MailRefused
	if errors.As(err, &refused) {
		msg := refused.Error()
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return msg
	}
	return "delivery failed: " + truncate(err.Error(), 300)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// PruneNotifications deletes events older than before, and messages older
// than before that are no longer pending: the outbox stays bounded even
// with mail off (no SCPO_SMTP_URL) or an officer's preference off. The same
// hourly retention drops the import files checked and never recorded once
// their day is over (they hold whole registers of personal data, and were
// dropped only when someone checked another file).
func (s *Store) PruneNotifications(ctx context.Context, before time.Time) (events, messages int64, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM checked_imports WHERE expires_at <= ?`, s.now()).Error; err != nil {
			return err
		}
		res := tx.Exec(`DELETE FROM notification_events WHERE created_at < ?`, before)
		if res.Error != nil {
			return res.Error
		}
		events = res.RowsAffected
		res = tx.Exec(`DELETE FROM mail_messages m WHERE m.created_at < ? AND m.status <> 'pending'
			AND NOT EXISTS (SELECT 1 FROM notification_events e WHERE e.message_id = m.id)`, before)
		messages = res.RowsAffected
		return res.Error
	})
	return events, messages, err
}

// OutboxBacklog counts events waiting and messages by status, for metrics.
type OutboxBacklog = domain.OutboxBacklog

// Backlog reads the outbox's size.
func (s *Store) Backlog(ctx context.Context) (OutboxBacklog, error) {
	var b OutboxBacklog
	err := s.db.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM notification_events WHERE message_id IS NULL) AS events_waiting,
		(SELECT count(*) FROM mail_messages WHERE status = 'pending') AS messages_pending,
		(SELECT count(*) FROM mail_messages WHERE status = 'dead') AS messages_dead`).Scan(&b).Error
	return b, err
}

// OpenFlagCounts counts the open flags by kind and force, for metrics.
func (s *Store) OpenFlagCounts(ctx context.Context) ([]domain.FlagCount, error) {
	var out []domain.FlagCount
	err := s.db.WithContext(ctx).Raw(`SELECT kind, force, count(*) AS open FROM flags WHERE resolved_at IS NULL
		GROUP BY kind, force ORDER BY kind, force`).Scan(&out).Error
	return out, err
}

// PoolStats reports the connection pool's use, for metrics.
func (s *Store) PoolStats() sql.DBStats {
	db, err := s.db.DB()
	if err != nil {
		return sql.DBStats{}
	}
	return db.Stats()
}
