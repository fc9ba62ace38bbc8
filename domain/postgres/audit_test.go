package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"scpo/domain"
	"scpo/domain/postgres"
)

// The audit trail in the store: written in the transaction of the change
// it records, append-only in the database, and chained by hashes so that
// an entry altered or removed by someone who switches the guard off is
// found by VerifyAudit. (audit_integrity_test.go: the service role, keys,
// checkpoints and crashes.)

// auTrail starts a request's trail as the API would.
func auTrail(officer *string, action, method, route, purpose, requestID string) *domain.AuditTrail {
	return domain.NewAuditTrail(domain.AuditEntry{OfficerID: officer, Action: action, Method: method, Route: route,
		ClientIP: "192.0.2.10", Purpose: purpose, RequestID: requestID})
}

// auSubject builds a valid community subject with its own PNC ID.
func auSubject(serial int, force string) domain.Subject {
	return domain.Subject{FirstNames: "Audit", LastName: fmt.Sprintf("Subject%d", serial), Aliases: []string{},
		DateOfBirth: domain.NewDate(1980, 1, 1), PNCID: pncFor(880000 + serial), Force: force,
		Custody: domain.Custody{Status: domain.CustodyCommunity}}
}

// auSeed records n subjects, each under its own trail, and returns the ids
// of the audit entries in order.
func auSeed(t *testing.T, s *postgres.Store, n int) []int64 {
	t.Helper()
	for i := range n {
		trail := auTrail(nil, domain.ActionCollection, "POST", "/api/v1/subjects", fmt.Sprintf("purpose %d", i),
			fmt.Sprintf("req-%d", i))
		if _, err := s.CreateSubject(domain.WithAudit(context.Background(), trail), auSubject(i, "gloucestershire")); err != nil {
			t.Fatalf("create subject %d: %v", i, err)
		}
	}
	return auIDs(t, s)
}

func auIDs(t *testing.T, s *postgres.Store) []int64 {
	t.Helper()
	var ids []int64
	if err := s.DB().Raw(`SELECT id FROM audit_log ORDER BY id`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

// auTamper runs sql as a superuser with direct access would: with the
// append-only triggers switched off for this transaction only.
func auTamper(t *testing.T, s *postgres.Store, sql string, args ...any) {
	t.Helper()
	err := s.DB().Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL session_replication_role = replica`).Error; err != nil {
			return err
		}
		res := tx.Exec(sql, args...)
		if res.Error == nil && res.RowsAffected != 1 {
			return fmt.Errorf("%d rows changed, want 1", res.RowsAffected)
		}
		return res.Error
	})
	if err != nil {
		t.Fatalf("tamper %q: %v", sql, err)
	}
}

func auWantBreak(t *testing.T, s *postgres.Store, id int64, good int, reason string) {
	t.Helper()
	n, err := s.VerifyAudit(context.Background())
	var b *postgres.AuditBreak
	if !errors.As(err, &b) {
		t.Fatalf("VerifyAudit = %d, %v; want an *AuditBreak at entry %d", n, err, id)
	}
	if b.ID != id || n != good || !strings.Contains(b.Reason, reason) {
		t.Errorf("VerifyAudit = %d, break at %d (%s); want %d good entries and a break at %d (%s)",
			n, b.ID, b.Reason, good, id, reason)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(id)) {
		t.Errorf("the error %q does not name entry %d", err, id)
	}
}

func TestAuditEntryIsWrittenWithTheChange(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	officer := mustOfficer(t, s, "audit.writer@gloucestershire.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)

	// A collection: the entry is written in the subject's transaction.
	trail := auTrail(&officer.ID, domain.ActionCollection, "POST", "/api/v1/subjects", "new subject", "req-collect")
	sub, err := s.CreateSubject(domain.WithAudit(ctx, trail), auSubject(1, "gloucestershire"))
	if err != nil {
		t.Fatal(err)
	}
	if _, pending := trail.Pending(); pending {
		t.Error("the trail is still pending after the change committed")
	}
	list, _, err := s.ListAudit(ctx, domain.AuditFilter{SubjectID: sub.ID}, domain.Page{Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("entries for the subject: %v, %v; want 1", list, err)
	}
	e := list[0]
	if e.OfficerID == nil || *e.OfficerID != officer.ID || e.Action != domain.ActionCollection || e.Method != "POST" ||
		e.Route != "/api/v1/subjects" || e.ClientIP != "192.0.2.10" || e.Purpose != "new subject" ||
		e.RequestID != "req-collect" || len(e.Records) != 1 || e.Records[0] != (domain.RecordRef{Type: "subject", ID: sub.ID}) {
		t.Errorf("entry %+v", e)
	}
	if e.PrevHash != strings.Repeat("0", 64) {
		t.Errorf("the first entry's prev_hash is %s, want zeros", e.PrevHash)
	}

	// A failed change writes nothing and leaves the trail pending.
	dup := auSubject(2, "gloucestershire")
	dup.PNCID = sub.PNCID
	failed := auTrail(&officer.ID, domain.ActionCollection, "POST", "/api/v1/subjects", "duplicate", "req-dup")
	if _, err := s.CreateSubject(domain.WithAudit(ctx, failed), dup); err == nil {
		t.Fatal("a duplicate PNC ID was recorded")
	}
	if _, pending := failed.Pending(); !pending {
		t.Error("a failed change marked its trail written")
	}
	if got := auIDs(t, s); len(got) != 1 {
		t.Errorf("%d entries after a failed change, want 1", len(got))
	}

	// A read notes its records; WriteAudit writes the entry once.
	read := auTrail(&officer.ID, domain.ActionConsultation, "GET", "/api/v1/subjects/:id", "home visit", "req-read")
	rctx := domain.WithAudit(ctx, read)
	if _, err := s.GetSubject(rctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	if p, pending := read.Pending(); !pending || len(p.Records) != 1 || p.Records[0].ID != sub.ID {
		t.Fatalf("read trail %+v, pending %v: want the subject noted", p, pending)
	}
	for range 2 {
		if err := s.WriteAudit(rctx); err != nil {
			t.Fatal(err)
		}
	}
	list, _, err = s.ListAudit(ctx, domain.AuditFilter{SubjectID: sub.ID, Action: domain.ActionConsultation}, domain.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].RequestID != "req-read" {
		t.Fatalf("consultations: %+v, %v; want the one read, once", list, err)
	}
	if list[0].PrevHash != e.Hash {
		t.Errorf("the second entry's prev_hash %s is not the first's hash %s", list[0].PrevHash, e.Hash)
	}
	if n, err := s.VerifyAudit(ctx); n != 2 || err != nil {
		t.Errorf("VerifyAudit = %d, %v; want 2, nil", n, err)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ids := auSeed(t, s, 4)
	if len(ids) != 4 {
		t.Fatalf("%d entries, want 4", len(ids))
	}
	ctx := context.Background()
	if n, err := s.VerifyAudit(ctx); n != 4 || err != nil {
		t.Fatalf("VerifyAudit on an intact log = %d, %v; want 4, nil", n, err)
	}
	for _, sql := range []string{
		`UPDATE audit_log SET purpose = 'nothing to see here' WHERE id = ?`,
		`DELETE FROM audit_log WHERE id = ?`,
		`TRUNCATE audit_log`,
	} {
		var args []any
		if strings.Contains(sql, "?") {
			args = []any{ids[1]}
		}
		err := s.DB().Exec(sql, args...).Error
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", sql, err)
		}
	}
	if got := auIDs(t, s); len(got) != 4 {
		t.Errorf("%d entries after refused changes, want 4", len(got))
	}
	if n, err := s.VerifyAudit(ctx); n != 4 || err != nil {
		t.Errorf("VerifyAudit after refused changes = %d, %v; want 4, nil", n, err)
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	t.Run("altered entry", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ids := auSeed(t, s, 4)
		auTamper(t, s, `UPDATE audit_log SET purpose = 'nothing to see here' WHERE id = ?`, ids[2])
		auWantBreak(t, s, ids[2], 2, "altered")
	})

	t.Run("altered records", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ids := auSeed(t, s, 4)
		auTamper(t, s, `UPDATE audit_log SET records = '[]' WHERE id = ?`, ids[0])
		auWantBreak(t, s, ids[0], 0, "altered")
	})

	t.Run("altered entry with its hash recomputed", func(t *testing.T) {
		t.Parallel()
		// Whoever alters an entry and recomputes an unkeyed hash for it
		// lacks the key: its HMAC no longer holds.
		s := newStore(t)
		ids := auSeed(t, s, 4)
		list, _, err := s.ListAudit(context.Background(), domain.AuditFilter{}, domain.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var target domain.AuditEntry
		for _, e := range list {
			if e.ID == ids[1] {
				target = e
			}
		}
		prev, _ := hex.DecodeString(target.PrevHash)
		target.Purpose = "nothing to see here"
		h := sha256.New()
		h.Write(prev)
		h.Write(target.Canonical())
		auTamper(t, s, `UPDATE audit_log SET purpose = ?, hash = ? WHERE id = ?`, target.Purpose, h.Sum(nil), ids[1])
		auWantBreak(t, s, ids[1], 1, "HMAC")
	})

	t.Run("removed entry", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ids := auSeed(t, s, 5)
		auTamper(t, s, `DELETE FROM audit_log WHERE id = ?`, ids[2])
		auWantBreak(t, s, ids[3], 2, "removed")
	})

	t.Run("removed first entry", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ids := auSeed(t, s, 3)
		auTamper(t, s, `DELETE FROM audit_log WHERE id = ?`, ids[0])
		auWantBreak(t, s, ids[1], 0, "removed")
	})

	t.Run("triggers disabled on the table", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ids := auSeed(t, s, 3)
		db := s.DB()
		for _, sql := range []string{
			`ALTER TABLE audit_log DISABLE TRIGGER USER`,
			fmt.Sprintf(`UPDATE audit_log SET client_ip = '10.0.0.1' WHERE id = %d`, ids[1]),
			`ALTER TABLE audit_log ENABLE TRIGGER USER`,
		} {
			if err := db.Exec(sql).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		auWantBreak(t, s, ids[1], 1, "altered")
	})
}

// TestAuditChainHoldsUnderConcurrentWrites: entries written at once by
// many requests still form one chain.
func TestAuditChainHoldsUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trail := auTrail(nil, domain.ActionCollection, "POST", "/api/v1/subjects", "concurrent", fmt.Sprintf("req-%d", i))
			_, err := s.CreateSubject(domain.WithAudit(context.Background(), trail), auSubject(100+i, "dorset"))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.VerifyAudit(context.Background()); got != n || err != nil {
		t.Errorf("VerifyAudit = %d, %v; want %d, nil", got, err, n)
	}
}

// A read that shows hundreds of records (an agenda) writes an entry large
// enough to be compressed when stored: it is stored with lz4 (migration
// 00300) and verifies like any other.
func TestAuditLargeEntryStoredWithLz4(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	trail := auTrail(nil, domain.ActionConsultation, "GET", "/api/v1/reports/tasking", "tasking", "req-large")
	for i := range 300 {
		trail.Note("order", fmt.Sprintf("01a22e0d-a85f-72fa-9ae7-%012d", i))
	}
	if err := s.WriteAudit(domain.WithAudit(context.Background(), trail)); err != nil {
		t.Fatal(err)
	}
	var how *string
	if err := s.DB().Raw(`SELECT pg_column_compression(records) FROM audit_log WHERE request_id = 'req-large'`).
		Scan(&how).Error; err != nil {
		t.Fatal(err)
	}
	if how == nil || *how != "lz4" {
		t.Errorf("the entry's records are stored with %v compression, want lz4", how)
	}
	if n, err := s.VerifyAudit(context.Background()); n != 1 || err != nil {
		t.Errorf("verify: %d entries, %v", n, err)
	}
}
