package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"scpo/domain"
)

// BenchmarkOutbox measures the outbox's throughput:
//
//   - write: owner allocations, each its own transaction writing its
//     order_allocated event beside the change (events written per second);
//   - deliver: events waiting for officers who chose immediate mail,
//     composed into messages and sent to a real SMTP server on 127.0.0.1 by
//     three workers at once (events and messages delivered per second).
//
// go test ./domain/postgres/ -run '^$' -bench BenchmarkOutbox -benchtime 2000x
func BenchmarkOutbox(b *testing.B) {
	b.Run("write", func(b *testing.B) {
		s := storesOn(b, 1)[0]
		ctx := context.Background()
		officers := make([]domain.Officer, 20)
		for i := range officers {
			o, err := s.CreateOfficer(ctx, domain.Officer{Name: "Officer", Email: fmt.Sprintf("w%d@glos.police.uk", i),
				Force: ptr("gloucestershire"), Roles: []string{domain.RoleIOMOfficer}, Active: true})
			if err != nil {
				b.Fatal(err)
			}
			officers[i] = o
		}
		if _, err := s.GenerateOrders(ctx, 5000, today); err != nil {
			b.Fatal(err)
		}
		var orders []string
		if err := s.DB().Raw(`SELECT o.id FROM orders o JOIN subjects s ON s.id = o.subject_id
			WHERE s.force = 'gloucestershire' AND o.status IN ('pending', 'active') ORDER BY o.id`).Scan(&orders).Error; err != nil {
			b.Fatal(err)
		}
		if len(orders) == 0 {
			b.Fatal("no Gloucestershire orders generated")
		}
		var before int64
		if err := s.DB().Raw(`SELECT count(*) FROM notification_events`).Scan(&before).Error; err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: orders[i%len(orders)], Role: domain.OwnerIOM,
				OfficerID: officers[(i/len(orders))%len(officers)].ID, Reason: "bench"}); err != nil {
				b.Fatal(err)
			}
		}
		took := time.Since(start).Seconds()
		b.StopTimer()
		var events int64
		if err := s.DB().Raw(`SELECT count(*) FROM notification_events`).Scan(&events).Error; err != nil {
			b.Fatal(err)
		}
		// Allocating the current holder again changes nothing and writes no
		// event; an event already written today is not written twice.
		b.ReportMetric(float64(b.N)/took, "changes/s")
		b.ReportMetric(float64(events-before)/took, "events_written/s")
	})
	b.Run("deliver", func(b *testing.B) {
		stores := storesOn(b, 3)
		ctx := context.Background()
		const nOfficers = 200
		if err := stores[0].DB().Exec(`INSERT INTO officers (id, name, email, force, roles, active, version, created_at, updated_at)
			SELECT gen_random_uuid(), 'Officer ' || g, 'o' || g || '@glos.police.uk', 'gloucestershire', '{iom_officer}', true, 1, now(), now()
			FROM generate_series(1, ?) g`, nOfficers).Error; err != nil {
			b.Fatal(err)
		}
		if err := stores[0].DB().Exec(`INSERT INTO notification_prefs (officer_id, mode, updated_at) SELECT id, 'immediate', now() FROM officers`).Error; err != nil {
			b.Fatal(err)
		}
		if err := stores[0].DB().Exec(`INSERT INTO notification_events (kind, officer_id, subject, created_at)
			SELECT 'action_assigned', o.id, g::text, now() FROM generate_series(1, ?) g
			JOIN LATERAL (SELECT id FROM officers ORDER BY id OFFSET (g % ?) LIMIT 1) o ON true`, b.N, nOfficers).Error; err != nil {
			b.Fatal(err)
		}
		mail := startMailServer(b)
		b.ResetTimer()
		start := time.Now()
		done := make(chan error, len(stores))
		for _, s := range stores {
			go func() {
				if _, err := s.ComposeImmediate(ctx, orderLink); err != nil {
					done <- err
					return
				}
				_, err := s.DeliverMail(ctx, mail.mailer(b), domain.DefaultMailRetry, 20)
				done <- err
			}()
		}
		for range stores {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		took := time.Since(start).Seconds()
		b.StopTimer()
		msgs := len(mail.messages())
		// Every event told once; one message per officer, or two when
		// replicas composing at once split an officer's burst.
		var untold int64
		if err := stores[0].DB().Raw(`SELECT count(*) FROM notification_events WHERE message_id IS NULL`).Scan(&untold).Error; err != nil {
			b.Fatal(err)
		}
		if untold != 0 || msgs < min(b.N, nOfficers) || msgs > 2*min(b.N, nOfficers) {
			b.Fatalf("%d messages delivered, %d events untold", msgs, untold)
		}
		b.ReportMetric(float64(b.N)/took, "events_delivered/s")
		b.ReportMetric(float64(msgs)/took, "messages/s")
	})
}
