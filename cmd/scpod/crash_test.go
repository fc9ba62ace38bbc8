package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"scpo/domain/postgres"
)

// The private cluster's postmaster killed under the running service: the
// service restarts it, /readyz comes back to 200, requests work again, and
// afterwards `scpod audit verify` finds the trail intact (entries are
// numbered previous+1, so a crash leaves no gap) and every checkpoint the
// service wrote still in it.
func TestServiceRecoversFromAKilledClusterAndTheTrailStillVerifies(t *testing.T) {
	dir, err := os.MkdirTemp("", "scpo-crash-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dataDir := filepath.Join(dir, "data")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCPO_DATA_DIR", dataDir)
	t.Setenv("SCPO_ADDR", addr)
	t.Setenv("SCPO_BOOTSTRAP_TOKEN", "crash-test-admin-token")
	t.Setenv("SCPO_AUDIT_CHECKPOINT_INTERVAL", "1s")
	base := "http://" + addr
	call := func(method, path, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer crash-test-admin-token")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer res.Body.Close()
		io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second) // bounds a failure only
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	postmaster := func() int {
		b, err := os.ReadFile(filepath.Join(dataDir, "postgres", "postmaster.pid"))
		if err != nil {
			return 0
		}
		first, _, _ := strings.Cut(string(b), "\n")
		pid, _ := strconv.Atoi(strings.TrimSpace(first))
		return pid
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, slog.New(slog.DiscardHandler)) }()
	waitFor("the service to be ready", func() bool {
		select {
		case err := <-done:
			t.Fatalf("serve stopped while starting: %v", err)
		default:
		}
		return call("GET", "/readyz", "") == http.StatusOK
	})
	if got := call("POST", "/api/v1/subjects", `{"first_names": "Dean", "last_name": "Carter",
		"date_of_birth": "1986-04-02", "pnc_id": "2012/0345678U", "force": "gloucestershire"}`); got != http.StatusCreated {
		t.Fatalf("create subject: %d", got)
	}

	first := postmaster()
	if first == 0 {
		t.Fatal("no postmaster.pid")
	}
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor("a new postmaster", func() bool { p := postmaster(); return p != 0 && p != first })
	waitFor("/readyz back to 200", func() bool { return call("GET", "/readyz", "") == http.StatusOK })
	if got := call("GET", "/healthz", ""); got != http.StatusOK {
		t.Errorf("/healthz after the restart: %d", got)
	}
	// Pooled connections to the dead server fail once each; then it serves.
	waitFor("a request to succeed", func() bool { return call("GET", "/api/v1/me", "") == http.StatusOK })
	if got := call("GET", "/api/v1/subjects?pnc_id=2012/0345678U", ""); got != http.StatusOK {
		t.Errorf("read after the restart: %d", got)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	marks, err := postgres.ReadAuditCheckpoints(filepath.Join(dataDir, "audit-checkpoints"))
	if err != nil || len(marks) == 0 {
		t.Fatalf("checkpoints: %v, %v; want the heads the service wrote", marks, err)
	}
	if info, err := os.Stat(filepath.Join(dataDir, "audit-keys")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("audit key file: %v, %v; want it made with mode 0600", info, err)
	}
	log := slog.New(slog.DiscardHandler)
	last := marks[len(marks)-1]
	if err := auditCommand(context.Background(), log, []string{"verify", "--expect-head", fmt.Sprintf("%d:%s", last.ID, last.Hash)}); err != nil {
		t.Errorf("audit verify after the crash: %v", err)
	}
}
