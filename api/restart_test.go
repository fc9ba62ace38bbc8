package api_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/localpg"
)

// A database restart while the service runs: requests during the outage
// are refused cleanly (503 from /readyz, a problem without internal text
// from the API), and the service recovers by itself once the database is
// back, with nothing lost.
func TestDatabaseRestart(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "scpo-restart-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	port := freePort(t)
	opts := localpg.Options{DataDir: dir + "/data", Port: port, Fast: true}
	cluster, err := localpg.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	if err := cluster.EnsureDatabase(ctx, "scpo"); err != nil {
		t.Fatal(err)
	}
	clock := domain.FixedClock(now)
	store, err := postgres.Open(ctx, cluster.URL("scpo"), clock, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := store.EnsureBootstrapAdmin(ctx, adminToken); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Store: store, Clock: clock, Location: time.UTC}))
	t.Cleanup(srv.Close)

	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("readyz before the restart: %d", code)
	}

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	if code, _ := get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database down: %d, want 503", code)
	}
	code, body := get("/api/v1/forces")
	if code != http.StatusServiceUnavailable {
		t.Errorf("a read with the database down answered %d, want 503", code)
	}
	for _, leak := range []string{"dial", "connect", "127.0.0.1", "SQLSTATE", "pgx"} {
		if strings.Contains(body, leak) {
			t.Errorf("the problem leaks internal text %q: %s", leak, body)
		}
	}

	cluster, err = localpg.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ = get("/readyz")
		if code == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Fatalf("readyz after the database came back: %d", code)
	}
	if code, body := get("/api/v1/forces"); code != http.StatusOK || !strings.Contains(body, "gloucestershire") {
		t.Errorf("after the restart: %d %s", code, body)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
