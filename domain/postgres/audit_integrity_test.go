package postgres_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// The trail against whoever holds the database: the service's role may
// only read and append to it, entries carry an HMAC with a key the
// database does not hold, and heads recorded outside the database catch
// the newest entries removed, the table emptied, or the trail rewritten
// with an unkeyed chain.

var (
	auKey1 = postgres.AuditKey{ID: "k1", Secret: []byte("first key, thirty-two characters or more")}
	auKey2 = postgres.AuditKey{ID: "k2", Secret: []byte("second key, also thirty-two characters long")}
)

// auStores opens one fresh database twice: as the service (its own role,
// key set keys) and as the owner, who tampers.
func auStores(t *testing.T, keys *postgres.AuditKeys) (service, owner *postgres.Store, serviceURL string) {
	t.Helper()
	ownerURL, serviceURL := pgtest.URLs(t)
	clock := domain.FixedClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	var err error
	service, err = postgres.Open(context.Background(), serviceURL, clock, time.UTC, postgres.WithAuditKeys(keys))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { service.Close() })
	owner, err = postgres.Open(context.Background(), ownerURL, clock, time.UTC, postgres.WithAuditKeys(keys))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	return service, owner, serviceURL
}

// auWrite writes n read entries through s.
func auWrite(t *testing.T, s *postgres.Store, n int, tag string) {
	t.Helper()
	for i := range n {
		trail := auTrail(nil, domain.ActionConsultation, "GET", "/api/v1/subjects", tag, fmt.Sprintf("%s-%d", tag, i))
		if err := s.WriteAudit(domain.WithAudit(context.Background(), trail)); err != nil {
			t.Fatal(err)
		}
	}
}

// auCheckpoint records the head in a checkpoint file and returns its marks.
func auCheckpoint(t *testing.T, s *postgres.Store) (string, []postgres.AuditMark) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit-checkpoints")
	c, err := s.NewAuditCheckpointer(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	marks, err := postgres.ReadAuditCheckpoints(path)
	if err != nil || len(marks) != 1 {
		t.Fatalf("checkpoints %v, %v; want one", marks, err)
	}
	return path, marks
}

func auWantTrailBreak(t *testing.T, s *postgres.Store, marks []postgres.AuditMark, id int64, reason string) {
	t.Helper()
	rep, err := s.VerifyAuditTrail(context.Background(), marks, 0)
	var b *postgres.AuditBreak
	if !errors.As(err, &b) || b.ID != id || !strings.Contains(b.Reason, reason) {
		t.Errorf("VerifyAuditTrail = %+v, %v; want a break at entry %d (%s)", rep, err, id, reason)
	}
}

// auRewriteUnkeyed rewrites the purpose of entry from and recomputes an
// unkeyed SHA-256 chain from there to the head, as someone without the key
// would; keepKeyIDs leaves each entry's key_id as it was.
func auRewriteUnkeyed(t *testing.T, owner *postgres.Store, from int64, keepKeyIDs bool) {
	t.Helper()
	list, _, err := owner.ListAudit(context.Background(), domain.AuditFilter{}, domain.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var prev []byte
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		e := list[i]
		if e.ID < from {
			prev, _ = hex.DecodeString(e.Hash)
			continue
		}
		if prev == nil {
			prev = make([]byte, sha256.Size)
		}
		if e.ID == from {
			e.Purpose = "nothing to see here"
		}
		h := sha256.New()
		h.Write(prev)
		h.Write(e.Canonical())
		hash := h.Sum(nil)
		keySQL := ", key_id = NULL"
		if keepKeyIDs {
			keySQL = ""
		}
		auTamper(t, owner, `UPDATE audit_log SET purpose = ?, prev_hash = ?, hash = ?`+keySQL+` WHERE id = ?`, e.Purpose, prev, hash, e.ID)
		prev = hash
	}
}

func TestAuditServiceRoleCannotRewriteTheTrail(t *testing.T) {
	t.Parallel()
	keys := postgres.NewAuditKeys(auKey1)
	service, owner, _ := auStores(t, keys)
	// The service's everyday work as its own role: a subject and its entry.
	trail := auTrail(nil, domain.ActionCollection, "POST", "/api/v1/subjects", "new subject", "req-1")
	if _, err := service.CreateSubject(domain.WithAudit(context.Background(), trail), auSubject(1, "dorset")); err != nil {
		t.Fatalf("the service role cannot record a subject: %v", err)
	}
	auWrite(t, service, 2, "read")

	// The owner's login acting as the service role (one DATABASE_URL).
	ownerURL := pgtest.URL(t) // any owner URL works for the role check; the database differs
	asRole, err := postgres.Open(context.Background(), ownerURL, domain.SystemClock{}, time.UTC,
		postgres.WithRole(postgres.ServiceRole))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { asRole.Close() })

	for name, s := range map[string]*postgres.Store{"service login": service, "owner with SET ROLE": asRole} {
		var who string
		if err := s.DB().Raw(`SELECT current_user`).Scan(&who).Error; err != nil || who != postgres.ServiceRole {
			t.Errorf("%s: current_user = %q, %v; want %s", name, who, err, postgres.ServiceRole)
		}
		for _, sql := range []string{
			`UPDATE audit_log SET purpose = 'nothing to see here'`,
			`DELETE FROM audit_log`,
			`TRUNCATE audit_log`,
			`TRUNCATE audit_log RESTART IDENTITY`,
			`ALTER TABLE audit_log DISABLE TRIGGER USER`,
			`CREATE TRIGGER au_sneak BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
			`DROP TABLE audit_log`,
			`SET session_replication_role = replica`,
		} {
			err := s.DB().Exec(sql).Error
			if err == nil || !(strings.Contains(err.Error(), "permission denied") || strings.Contains(err.Error(), "must be owner")) {
				t.Errorf("%s: %s: %v; want permission denied", name, sql, err)
			}
		}
		// A GRANT by a non-owner only warns; what counts is what it holds.
		s.DB().Exec(`GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO scpo_service`)
		for priv, want := range map[string]bool{"SELECT": true, "INSERT": true, "UPDATE": false, "DELETE": false,
			"TRUNCATE": false, "TRIGGER": false, "REFERENCES": false} {
			var has bool
			if err := s.DB().Raw(`SELECT has_table_privilege('audit_log', ?)`, priv).Scan(&has).Error; err != nil || has != want {
				t.Errorf("%s: %s on audit_log = %v, %v; want %v", name, priv, has, err, want)
			}
		}
	}
	rep, err := owner.VerifyAuditTrail(context.Background(), nil, 0)
	if err != nil || rep.Entries != 3 {
		t.Errorf("after the refused changes: %+v, %v; want 3 entries intact", rep, err)
	}
}

func TestAuditTamperingByTheSuperuserIsDetected(t *testing.T) {
	t.Parallel()
	keys := postgres.NewAuditKeys(auKey1)

	t.Run("newest removed and the numbering carried on", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		auWrite(t, service, 5, "before")
		path, marks := auCheckpoint(t, service)
		auTamper(t, owner, `DELETE FROM audit_log WHERE id = 5`)
		auTamper(t, owner, `DELETE FROM audit_log WHERE id = 4`)
		if rep, err := service.VerifyAuditTrail(context.Background(), nil, 0); err != nil || rep.Entries != 3 {
			t.Fatalf("without recorded heads: %+v, %v (the shorter chain holds)", rep, err)
		}
		auWantTrailBreak(t, service, marks, 5, "entries 4 to 5 have been removed")
		// The service carries on from entry 3: entries 4 and 5 again, but
		// not the ones recorded.
		auWrite(t, service, 2, "after")
		auWantTrailBreak(t, service, marks, 5, "rewritten")
		c, err := service.NewAuditCheckpointer(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Checkpoint(context.Background()); err == nil || !strings.Contains(err.Error(), "rewritten") {
			t.Errorf("the checkpointer on the rewritten head: %v, want it to complain", err)
		}
		if again, _ := postgres.ReadAuditCheckpoints(path); len(again) != 1 {
			t.Errorf("%d checkpoint lines, want the one recorded before the tampering", len(again))
		}
	})

	t.Run("truncated with restart identity", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		auWrite(t, service, 3, "before")
		_, marks := auCheckpoint(t, service)
		if err := owner.DB().Exec(`BEGIN; SET LOCAL session_replication_role = replica;
			TRUNCATE audit_log RESTART IDENTITY; COMMIT;`).Error; err != nil {
			t.Fatal(err)
		}
		if rep, err := service.VerifyAuditTrail(context.Background(), nil, 0); err != nil || rep.Entries != 0 {
			t.Fatalf("truncated: %+v, %v", rep, err)
		}
		auWantTrailBreak(t, service, marks, 3, "entries 1 to 3 have been removed")
		// The expected head given by hand does the same.
		head, err := postgres.ParseAuditMark(fmt.Sprintf("%d:%s", marks[0].ID, marks[0].Hash))
		if err != nil {
			t.Fatal(err)
		}
		auWantTrailBreak(t, service, []postgres.AuditMark{head}, 3, "removed")
	})

	t.Run("entry rewritten and an unkeyed chain recomputed", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		auWrite(t, service, 4, "before")
		auRewriteUnkeyed(t, owner, 2, true)
		auWantTrailBreak(t, service, nil, 2, "HMAC")
	})

	t.Run("entry rewritten and the chain recomputed as entries without a key", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		auWrite(t, service, 4, "before")
		auRewriteUnkeyed(t, owner, 2, false)
		auWantTrailBreak(t, service, nil, 2, "no key")
	})

	t.Run("whole trail recomputed as entries without a key", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		auWrite(t, service, 4, "before")
		_, marks := auCheckpoint(t, service)
		auRewriteUnkeyed(t, owner, 1, false)
		// It looks like a trail from before keys. Unless the operator says
		// it is one (--legacy-until), entries without a key are a rewrite,
		// with or without recorded heads.
		auWantTrailBreak(t, service, nil, 1, "not authenticated with the audit key")
		if rep, err := service.VerifyAuditTrail(context.Background(), nil, 4); err != nil || rep.Legacy != 4 {
			t.Fatalf("said to predate the key, without recorded heads: %+v, %v", rep, err)
		}
		// The recorded head says it does not.
		if _, err := service.VerifyAuditTrail(context.Background(), marks, 4); err == nil || !strings.Contains(err.Error(), "rewritten") {
			t.Errorf("said to predate the key, with the recorded head: %v", err)
		}
	})

	t.Run("a trail begun before keys holds only up to where the operator says", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		auWrite(t, service, 2, "before keys")
		if until, err := service.AuditLegacyUntil(context.Background()); err != nil || until != 0 {
			t.Errorf("AuditLegacyUntil of a keyed trail: %d, %v", until, err)
		}
		auRewriteUnkeyed(t, owner, 1, false) // as written before migration 00030
		auWrite(t, service, 2, "with the key")
		if until, err := service.AuditLegacyUntil(context.Background()); err != nil || until != 2 {
			t.Errorf("AuditLegacyUntil: %d, %v; want 2", until, err)
		}
		if rep, err := service.VerifyAuditTrail(context.Background(), nil, 2); err != nil || rep.Legacy != 2 || rep.Entries != 4 {
			t.Errorf("--legacy-until 2: %+v, %v", rep, err)
		}
		for until, at := range map[int64]int64{0: 1, 1: 2} {
			rep, err := service.VerifyAuditTrail(context.Background(), nil, until)
			var b *postgres.AuditBreak
			if !errors.As(err, &b) || b.ID != at {
				t.Errorf("--legacy-until %d: %+v, %v; want a break at entry %d", until, rep, err, at)
			}
		}
	})

	t.Run("a record's stored reference given more than was recorded", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		trail := auTrail(nil, domain.ActionCollection, "POST", "/api/v1/subjects", "new subject", "req-1")
		if _, err := service.CreateSubject(domain.WithAudit(context.Background(), trail), auSubject(1, "dorset")); err != nil {
			t.Fatal(err)
		}
		auWrite(t, service, 1, "after")
		auTamper(t, owner, `UPDATE audit_log SET records = jsonb_set(records, '{0,force}', '"kent"') WHERE id = 1`)
		auWantTrailBreak(t, service, nil, 1, "records carry more")
	})
}

// The number of entries from before the audit key is kept in the
// checkpoint file the first time the service starts (0 for a trail keyed
// from its first entry), so a trail rewritten later as unkeyed entries
// cannot pass verify with the number the database now gives, and a start
// sees that the database's number moved.
func TestAuditLegacyUntilKeptInTheCheckpointFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys := postgres.NewAuditKeys(auKey1)
	start := func(s *postgres.Store, file string) (until, recorded int64) {
		t.Helper()
		until, err := s.AuditLegacyUntil(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if recorded, err = postgres.RecordAuditLegacyUntil(file, until, time.Now()); err != nil {
			t.Fatal(err)
		}
		return until, recorded
	}

	t.Run("a keyed trail rewritten as entries without a key", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		file := filepath.Join(t.TempDir(), "audit-checkpoints")
		auWrite(t, service, 4, "keyed")
		if until, recorded := start(service, file); until != 0 || recorded != 0 {
			t.Fatalf("first start: until %d, recorded %d; want 0 and 0", until, recorded)
		}
		if n, found, err := postgres.ReadAuditLegacyUntil(file); err != nil || !found || n != 0 {
			t.Fatalf("file after the first start: %d, %v, %v; want 0 recorded", n, found, err)
		}
		// Heads appended after the line still read.
		if _, err := service.NewAuditCheckpointer(file, nil); err != nil {
			t.Fatal(err)
		}
		auRewriteUnkeyed(t, owner, 1, false)
		until, recorded := start(service, file)
		if until != 4 || recorded != 0 {
			t.Errorf("start after the rewrite: the database says %d, the file %d; want 4 and 0 (reported as a rewrite)", until, recorded)
		}
		marks, err := postgres.ReadAuditCheckpoints(file)
		if err != nil {
			t.Fatalf("heads beside the legacy-until line: %v", err)
		}
		if _, err := service.VerifyAuditTrail(ctx, marks, recorded); err == nil {
			t.Error("verify with the file's number passed a trail rewritten without the key")
		}
	})

	t.Run("a trail begun before keys", func(t *testing.T) {
		t.Parallel()
		service, owner, _ := auStores(t, keys)
		file := filepath.Join(t.TempDir(), "audit-checkpoints")
		auWrite(t, service, 2, "before keys")
		auRewriteUnkeyed(t, owner, 1, false) // as written before migration 00030
		auWrite(t, service, 2, "with the key")
		if until, recorded := start(service, file); until != 2 || recorded != 2 {
			t.Fatalf("first start: until %d, recorded %d; want 2 and 2", until, recorded)
		}
		if rep, err := service.VerifyAuditTrail(ctx, nil, 2); err != nil || rep.Legacy != 2 {
			t.Errorf("verify with the file's number: %+v, %v", rep, err)
		}
		// A second start keeps the first number.
		if _, err := postgres.RecordAuditLegacyUntil(file, 3, time.Now()); err != nil {
			t.Fatal(err)
		}
		if n, _, _ := postgres.ReadAuditLegacyUntil(file); n != 2 {
			t.Errorf("the file's number after a second start: %d, want 2", n)
		}
	})
}
