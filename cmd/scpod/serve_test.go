package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scpo/domain/postgres/localpg"
)

// The README's run command, as a test: scpod serve with no DATABASE_URL
// starts its own cluster, serves, shuts down on signal (stopping the
// cluster), and on the next start the data is still there.
func TestServeOnTheEmbeddedDefault(t *testing.T) {
	dir, err := os.MkdirTemp("", "scpo-serve-")
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
	t.Setenv("DATABASE_URL", "")
	t.Setenv("SCPO_DATA_DIR", filepath.Join(dir, "data"))
	t.Setenv("SCPO_ADDR", addr)
	t.Setenv("SCPO_BOOTSTRAP_TOKEN", "serve-test-admin-token")
	base := "http://" + addr

	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer serve-test-admin-token")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	start := func() (context.CancelFunc, chan error) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serve(ctx, slog.New(slog.DiscardHandler)) }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if code, _ := call("GET", "/readyz", ""); code == http.StatusOK {
				return cancel, done
			}
			select {
			case err := <-done:
				t.Fatalf("serve stopped while starting: %v", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("the service did not become ready")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	stop := func(cancel context.CancelFunc, done chan error) {
		cancel() // what SIGINT and SIGTERM do through signal.NotifyContext
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not shut down")
		}
		if _, err := localpg.Attach(filepath.Join(dir, "data", "postgres")); !errors.Is(err, localpg.ErrNotRunning) {
			t.Errorf("after shutdown the cluster is still running (%v)", err)
		}
	}

	cancel, done := start()
	code, body := call("POST", "/api/v1/subjects", `{"first_names": "Dean", "last_name": "Carter",
		"date_of_birth": "1986-04-02", "pnc_id": "2012/0345678U", "force": "gloucestershire"}`)
	if code != http.StatusCreated {
		t.Fatalf("create subject: %d %s", code, body)
	}
	stop(cancel, done)

	cancel, done = start()
	code, body = call("GET", "/api/v1/subjects?pnc_id=2012/0345678U", "")
	if code != http.StatusOK || !strings.Contains(body, `"last_name":"Carter"`) {
		t.Errorf("after a restart: %d %s", code, body)
	}
	stop(cancel, done)
}
