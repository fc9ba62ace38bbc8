package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
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
	const key = "k1:a test key of thirty-two characters or more"
	t.Setenv("SCPO_AUDIT_KEY", key)
	checkpoints := filepath.Join(t.TempDir(), "checkpoints")
	t.Setenv("SCPO_AUDIT_CHECKPOINTS", checkpoints)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)

	keys, err := postgres.ParseAuditKeys(key)
	if err != nil {
		t.Fatal(err)
	}
	store, err := postgres.Open(ctx, url, domain.SystemClock{}, time.UTC, postgres.WithAuditKeys(keys))
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
	for _, bad := range [][]string{{"check"}, {"verify", "--expect-head", "3"}, {"verify", "extra"}} {
		if err := auditCommand(ctx, log, bad); err == nil {
			t.Errorf("audit %v was accepted", bad)
		}
	}
	head, err := store.AuditHead(ctx)
	if err != nil || head == nil {
		t.Fatal(head, err)
	}
	expect := fmt.Sprintf("%d:%s", head.ID, head.Hash)
	if err := auditCommand(ctx, log, []string{"verify", "--expect-head", expect}); err != nil {
		t.Errorf("--expect-head %s on the intact trail: %v", expect, err)
	}
	// With another key the entries do not authenticate.
	t.Setenv("SCPO_AUDIT_KEY", "k2:another key of thirty-two characters or more")
	if err := auditCommand(ctx, log, []string{"verify"}); err == nil || !strings.Contains(err.Error(), `"k1"`) {
		t.Errorf("verify without the key the entries were made with: %v, want it to name key k1", err)
	}
	t.Setenv("SCPO_AUDIT_KEY", key)
	// The newest entry removed: only the expected head shows it.
	if err := store.DB().Exec(fmt.Sprintf(`BEGIN; SET LOCAL session_replication_role = replica;
		DELETE FROM audit_log WHERE id = %d; COMMIT;`, head.ID)).Error; err != nil {
		t.Fatal(err)
	}
	if err := auditCommand(ctx, log, []string{"verify"}); err != nil {
		t.Fatalf("a shorter trail without recorded heads: %v", err)
	}
	err = auditCommand(ctx, log, []string{"verify", "--expect-head", expect})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("audit entry %d:", head.ID)) {
		t.Errorf("newest entry removed, --expect-head %s: %v, want an error naming it", expect, err)
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
