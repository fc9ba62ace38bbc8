package localpg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitFor polls cond until it holds; the deadline only bounds a failure.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A postmaster killed with SIGKILL is restarted on the same port, with its
// data; while it cannot be restarted Health says so, and once it can it
// comes back and Health clears.
func TestSupervisorRestartsAKilledServer(t *testing.T) {
	requireBinaries(t)
	ctx := context.Background()
	dir := pgTempDir(t)
	dataDir := filepath.Join(dir, "data")
	// Durable (not Fast): a commit must survive the kill.
	c, err := Start(ctx, Options{DataDir: dataDir, Logger: testLogger(t), UnhealthyAfter: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	url := c.URL("postgres")
	exec1(t, url, "CREATE TABLE notes (body text)")
	exec1(t, url, "INSERT INTO notes VALUES ('kept')")

	first := c.PID()
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to come back", func() bool { return c.Restarts() == 1 && c.ping(ctx) == nil })
	if c.PID() == first {
		t.Error("the postmaster's pid did not change")
	}
	if got, err := queryString(t, url, "SELECT body FROM notes"); err != nil || got != "kept" {
		t.Errorf("after the restart: %q, %v", got, err)
	}
	if err := c.Health(); err != nil {
		t.Errorf("Health after a good restart: %v", err)
	}

	// Now it cannot come back: its data directory is gone.
	if err := os.Rename(dataDir, dataDir+".away"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(c.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Health to report the dead cluster", func() bool { return c.Health() != nil })
	if err := c.Health(); !strings.Contains(err.Error(), "cannot be restarted") {
		t.Errorf("Health: %v", err)
	}
	// Space freed, directory back: it recovers on its own.
	waitFor(t, "the restart to have failed at least once", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.downErr != nil && !strings.Contains(c.downErr.Error(), "exited unexpectedly")
	})
	if err := os.Rename(dataDir+".away", dataDir); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to come back a second time", func() bool { return c.Restarts() == 2 && c.ping(ctx) == nil })
	if err := c.Health(); err != nil {
		t.Errorf("Health after recovering: %v", err)
	}
	if got, err := queryString(t, url, "SELECT body FROM notes"); err != nil || got != "kept" {
		t.Errorf("after the second restart: %q, %v", got, err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if !c.current().exited() {
		t.Error("Stop left the server running")
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// A "pg_ctl restart" by hand replaces the service's postmaster with one it
// did not start. Its own restart then found that one holding the lock
// file, took the answer on the port for its own, and looped every half
// second for ever; on shutdown the other was left running. Now the
// supervisor adopts it once, and stopping the cluster stops it.
func TestSupervisorAdoptsAServerRestartedByHand(t *testing.T) {
	requireBinaries(t)
	ctx := context.Background()
	dataDir := filepath.Join(pgTempDir(t), "data")
	c, err := Start(ctx, Options{DataDir: dataDir, Logger: testLogger(t), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			c.Stop()
		}
	})
	url := c.URL("postgres")
	exec1(t, url, "CREATE TABLE notes (body text)")
	first := c.PID()
	cmd := exec.Command(filepath.Join(c.binDir, "pg_ctl"), "restart", "-D", dataDir, "-m", "fast", "-w", "-l",
		filepath.Join(dataDir, "by-hand.log"))
	cmd.SysProcAttr = c.as.sysProcAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl restart: %v\n%s", err, out)
	}
	waitFor(t, "the supervisor to take the new postmaster on", func() bool {
		return c.Restarts() >= 1 && c.PID() != first && c.ping(ctx) == nil
	})
	adopted := c.PID()
	if pid, _ := postmasterPID(dataDir); pid != adopted {
		t.Errorf("the cluster watches pid %d, the data directory's postmaster is %d", adopted, pid)
	}
	time.Sleep(3 * time.Second)
	if n := c.Restarts(); n != 1 {
		t.Errorf("%d restarts after the hand restart, want 1 (no loop)", n)
	}
	exec1(t, url, "INSERT INTO notes VALUES ('after')")
	stopped = true
	if err := c.Stop(); err != nil {
		t.Errorf("stopping the adopted server: %v", err)
	}
	if syscall.Kill(adopted, 0) == nil {
		t.Errorf("the adopted postmaster (pid %d) is still running after Stop", adopted)
	}
}

// A server that dies soon after every restart is in a crash loop, however
// well each restart goes: Health says so (it said all was well while the
// supervisor restarted it for ever), the restarts come less and less
// often, and once a restart stays up long enough it has recovered.
func TestSupervisorReportsACrashLoop(t *testing.T) {
	requireBinaries(t)
	ctx := context.Background()
	dir := pgTempDir(t)
	c, err := Start(ctx, Options{DataDir: filepath.Join(dir, "data"), Logger: testLogger(t), Fast: true,
		UnhealthyAfter: time.Nanosecond, StableAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	var gaps []time.Duration
	for n := 1; n <= crashLoop; n++ {
		if err := c.Health(); err != nil {
			t.Fatalf("Health before death %d: %v", n, err)
		}
		died := time.Now()
		if err := syscall.Kill(c.PID(), syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the server to come back", func() bool { return c.Restarts() == n && c.ping(ctx) == nil })
		gaps = append(gaps, time.Since(died))
	}
	if err := c.Health(); err == nil || !strings.Contains(err.Error(), "keeps dying soon after each restart") {
		t.Errorf("Health after %d deaths in a row, each soon after its start: %v", crashLoop, err)
	}
	if gaps[len(gaps)-1] < 2*time.Second {
		t.Errorf("restarts came after %v: no slower for dying again and again", gaps)
	}
	// Up for StableAfter: recovered.
	c.mu.Lock()
	c.stableAfter = time.Millisecond
	c.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	if err := c.Health(); err != nil {
		t.Errorf("Health once up for StableAfter: %v", err)
	}
}
