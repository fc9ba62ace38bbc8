package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// `scpod audit verify` passes on an intact trail and, after an entry is
// altered by someone who switched the guard off, fails naming that entry.
func TestAuditVerifyCommand(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)

	store, err := postgres.Open(ctx, url, domain.SystemClock{}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for i, purpose := range []string{"case review", "tasking", "audit"} {
		trail := domain.NewAuditTrail(domain.AuditEntry{Action: domain.ActionCollection, Method: "POST",
			Route: "/api/v1/subjects", ClientIP: "127.0.0.1", Purpose: purpose, RequestID: string(rune('a' + i))})
		if err := store.WriteAudit(domain.WithAudit(ctx, trail)); err != nil {
			t.Fatal(err)
		}
	}

	if err := auditCommand(ctx, log, []string{"verify"}); err != nil {
		t.Fatalf("intact trail: %v", err)
	}
	if err := auditCommand(ctx, log, []string{"check"}); err == nil {
		t.Error("an unknown audit subcommand was accepted")
	}

	if err := store.DB().Exec(`BEGIN; SET LOCAL session_replication_role = replica;
		UPDATE audit_log SET purpose = 'nothing to see' WHERE purpose = 'tasking'; COMMIT;`).Error; err != nil {
		t.Fatal(err)
	}
	var id int64
	store.DB().Raw(`SELECT id FROM audit_log WHERE purpose = 'nothing to see'`).Scan(&id)
	err = auditCommand(ctx, log, []string{"verify"})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("audit entry %d:", id)) {
		t.Errorf("altered entry %d: got %v, want an error naming it", id, err)
	}
}
