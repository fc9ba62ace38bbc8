package localpg

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// One shared cluster per test binary, started lazily so that tests which do
// not need a server (or a skipped run) do not pay for initdb.
var (
	sharedOnce sync.Once
	sharedC    *Cluster
	sharedErr  error
	sharedDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedC != nil {
		if err := sharedC.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping shared cluster:", err)
		}
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// pgTempDir returns a directory the postgres user can traverse; t.TempDir()
// lives under a root-only directory, so it cannot be used as root.
func pgTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "localpg-test-*")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func requireBinaries(t testing.TB) {
	t.Helper()
	if _, err := findBinDir(""); err != nil {
		t.Fatalf("the suite needs the PostgreSQL server binaries: %v", err)
	}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func shared(t *testing.T) *Cluster {
	t.Helper()
	requireBinaries(t)
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "localpg-shared-*")
		if sharedErr != nil {
			return
		}
		if sharedErr = os.Chmod(sharedDir, 0o755); sharedErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sharedC, sharedErr = Start(ctx, Options{DataDir: filepath.Join(sharedDir, "data"), Fast: true})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedC
}

func exec1(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryString(t *testing.T, url, sql string) (string, error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var s string
	err = conn.QueryRow(ctx, sql).Scan(&s)
	return s, err
}

func TestRestartKeepsData(t *testing.T) {
	requireBinaries(t)
	ctx := context.Background()
	dataDir := filepath.Join(pgTempDir(t), "nested", "data")
	opt := Options{DataDir: dataDir, Fast: true, Logger: testLogger(t)}

	c, err := Start(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	if !strings.HasPrefix(c.URL("app"), "postgres://scpo:") || !strings.HasSuffix(c.URL("app"), "/app?sslmode=disable") {
		t.Fatalf("unexpected URL %s", c.URL("app"))
	}
	for range 2 { // idempotent
		if err := c.EnsureDatabase(ctx, "app"); err != nil {
			t.Fatal(err)
		}
	}
	exec1(t, c.URL("app"), "CREATE TABLE notes (body text)")
	exec1(t, c.URL("app"), "INSERT INTO notes VALUES ($1)", "kept")

	// A second server on the same directory must be refused clearly.
	if c2, err := Start(ctx, opt); err == nil {
		c2.Stop()
		t.Fatal("second Start on a live data directory succeeded")
	} else if !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("unexpected error for live data directory: %v", err)
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	c, err = Start(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	got, err := queryString(t, c.URL("app"), "SELECT body FROM notes")
	if err != nil || got != "kept" {
		t.Fatalf("after restart got %q, %v; want kept", got, err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestCreateDatabaseFromTemplateAndDrop(t *testing.T) {
	c := shared(t)
	ctx := context.Background()
	if err := c.EnsureDatabase(ctx, "tmpl"); err != nil {
		t.Fatal(err)
	}
	exec1(t, c.URL("tmpl"), "CREATE TABLE IF NOT EXISTS widgets (name text)")
	exec1(t, c.URL("tmpl"), "INSERT INTO widgets VALUES ('from-template')")

	// A name that needs quoting exercises identifier sanitising.
	const clone = `clone "1"`
	if err := c.CreateDatabase(ctx, clone, "tmpl"); err != nil {
		t.Fatal(err)
	}
	got, err := queryString(t, c.URL(clone), "SELECT name FROM widgets")
	if err != nil || got != "from-template" {
		t.Fatalf("clone got %q, %v; want from-template", got, err)
	}
	if err := c.CreateDatabase(ctx, "plain", ""); err != nil {
		t.Fatal(err)
	}

	// Keep a connection open: WITH (FORCE) must still drop the database.
	conn, err := pgx.Connect(ctx, c.URL(clone))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, name := range []string{clone, "plain", "never-existed"} {
		if err := c.DropDatabase(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := queryString(t, c.URL(clone), "SELECT 'x'"); err == nil {
		t.Fatal("dropped database is still reachable")
	}
}

func TestMissingBinDir(t *testing.T) {
	_, err := Start(context.Background(), Options{DataDir: pgTempDir(t), BinDir: "/nonexistent"})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("got %v, want ErrNoBinaries", err)
	}
	if !strings.Contains(err.Error(), "/nonexistent") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("error does not say where it looked and what to do: %v", err)
	}
}

func TestDataDirIsFile(t *testing.T) {
	requireBinaries(t)
	file := filepath.Join(pgTempDir(t), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: file})
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("got %v, want a clear not-a-directory error naming %s", err, file)
	}
}

func TestDataDirNotTraversable(t *testing.T) {
	requireBinaries(t)
	if os.Geteuid() != 0 {
		t.Skip("only relevant when the server runs as a different user")
	}
	locked := filepath.Join(pgTempDir(t), "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: filepath.Join(locked, "data")})
	if err == nil || !strings.Contains(err.Error(), locked) || !strings.Contains(err.Error(), "traversable") {
		t.Fatalf("got %v, want an error naming %s as not traversable", err, locked)
	}
}
