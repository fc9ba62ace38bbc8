package postgres_test

import (
	"context"
	"errors"
	"testing"

	"scpo/domain"
	"scpo/domain/postgres"
)

// Removing the newest audit entries leaves a chain that still holds; the
// entry numbers show the gap.
func TestAuditVerifyCatchesRemovedNewestEntries(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, purpose := range []string{"one", "two", "three"} {
		trail := domain.NewAuditTrail(domain.AuditEntry{Action: domain.ActionConsultation, Method: "GET",
			Route: "/api/v1/subjects", ClientIP: "127.0.0.1", Purpose: purpose, RequestID: purpose})
		if err := s.WriteAudit(domain.WithAudit(ctx, trail)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.VerifyAudit(ctx); err != nil || n != 3 {
		t.Fatalf("intact: %d, %v", n, err)
	}
	var last int64
	s.DB().Raw(`SELECT max(id) FROM audit_log`).Scan(&last)
	// As a superuser would: switch the guard off for one transaction.
	tx := s.DB().Begin()
	tx.Exec(`SET LOCAL session_replication_role = replica`)
	if err := tx.Exec(`DELETE FROM audit_log WHERE id = ?`, last).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	_, err := s.VerifyAudit(ctx)
	var br *postgres.AuditBreak
	if !errors.As(err, &br) || br.ID != last {
		t.Errorf("after removing entry %d: %v, want a break naming it", last, err)
	}
}
