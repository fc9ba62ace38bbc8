package scheduler

import (
	"context"
	"log/slog"
	"time"

	"scpo/domain"
)

// MailWorker composes and delivers the outbox's mail; the store implements it.
type MailWorker interface {
	ComposeImmediate(ctx context.Context, link func(string) string) (domain.MailComposed, error)
	ComposeDigests(ctx context.Context, day domain.Date, link func(string) string) (domain.MailComposed, error)
	DeliverMail(ctx context.Context, m domain.Mailer, policy domain.MailRetry, batch int) (domain.MailDelivered, error)
	PruneNotifications(ctx context.Context, before time.Time) (events, messages int64, err error)
}

// MailConfig is the mail jobs' configuration.
type MailConfig struct {
	Mailer    domain.Mailer // nil: mail is off; events are kept, then pruned
	Link      func(orderID string) string
	Retry     domain.MailRetry
	Retention time.Duration
	// Specs: the digest's daily time and the delivery worker's tick.
	DigestSpec, DeliverySpec string
	// Observe, when set, is told each pass's counts (metrics).
	Observe func(domain.MailDelivered)
}

// Mail defaults: the digest at 07:00, delivery every minute, 30 days' retention.
const (
	DefaultDigestSpec   = "0 7 * * *"
	DefaultDeliverySpec = "* * * * *"
	DefaultRetention    = 30 * 24 * time.Hour
)

// Mail builds the mail jobs. Every replica runs them: composing and
// delivering claim rows FOR UPDATE SKIP LOCKED and the digest is unique per
// officer and day, so each event is told once and each message sent once.
// Without a mailer only the retention runs (hourly).
func Mail(w MailWorker, cfg MailConfig, loc *time.Location, log *slog.Logger) []Entry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	prune := func(ctx context.Context) error {
		ev, msgs, err := w.PruneNotifications(ctx, time.Now().Add(-cfg.Retention))
		if err == nil && ev+msgs > 0 {
			log.Info("notifications pruned", "events", ev, "messages", msgs)
		}
		return err
	}
	if cfg.Mailer == nil {
		return []Entry{{Name: "notification-retention", Spec: "17 * * * *", Run: func(ctx context.Context, _ time.Time) error {
			return prune(ctx)
		}}}
	}
	deliver := func(ctx context.Context) error {
		got, err := w.DeliverMail(ctx, cfg.Mailer, cfg.Retry, 20)
		if cfg.Observe != nil {
			cfg.Observe(got)
		}
		if got != (domain.MailDelivered{}) {
			log.Info("mail delivered", "sent", got.Sent, "retried", got.Retried, "dead", got.Dead)
		}
		return err
	}
	return []Entry{
		{Name: "mail-digest", Spec: cfg.DigestSpec, Run: func(ctx context.Context, tick time.Time) error {
			made, err := w.ComposeDigests(ctx, domain.DateOf(tick, loc), cfg.Link)
			if err != nil {
				return err
			}
			log.Info("digests composed", "messages", made.Messages, "events", made.Events)
			return deliver(ctx)
		}},
		{Name: "mail-delivery", Spec: cfg.DeliverySpec, Run: func(ctx context.Context, _ time.Time) error {
			if _, err := w.ComposeImmediate(ctx, cfg.Link); err != nil {
				return err
			}
			if err := deliver(ctx); err != nil {
				return err
			}
			return prune(ctx)
		}},
	}
}
