// Package pgtest gives each test its own migrated PostgreSQL database: one
// private cluster per test binary, a template database migrated once, and a
// cheap clone of it per test.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"scpo/domain/postgres"
	"scpo/domain/postgres/localpg"
)

const template = "scpo_template"

var (
	once    sync.Once
	cluster *localpg.Cluster
	dataDir string
	initErr error
	counter atomic.Int64
	// Cloning takes turns: CREATE DATABASE … TEMPLATE refuses while another
	// session holds the template.
	cloneMu sync.Mutex
)

// Main runs a test binary's tests and stops the shared cluster afterwards.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
		os.RemoveAll(dataDir)
	}
	os.Exit(code)
}

func start() {
	ctx := context.Background()
	dataDir, initErr = os.MkdirTemp("", "scpo-test-pg-")
	if initErr != nil {
		return
	}
	os.Chmod(dataDir, 0o755)
	cluster, initErr = localpg.Start(ctx, localpg.Options{DataDir: dataDir + "/data", Fast: true})
	if initErr != nil {
		return
	}
	if initErr = cluster.EnsureDatabase(ctx, template); initErr != nil {
		return
	}
	db, err := sql.Open("pgx", cluster.URL(template))
	if err != nil {
		initErr = err
		return
	}
	defer db.Close()
	if initErr = postgres.Migrate(ctx, db, nil); initErr != nil {
		return
	}
	initErr = cluster.EnableLogin(ctx, postgres.ServiceRole)
}

// Cluster returns the shared cluster, starting it on first use.
func Cluster(t testing.TB) *localpg.Cluster {
	t.Helper()
	once.Do(start)
	if initErr != nil {
		t.Fatalf("test database: %v", initErr)
	}
	return cluster
}

// URL returns the address of a fresh migrated database for this test, which
// is dropped when the test ends. It connects as the cluster's superuser,
// who owns the schema.
func URL(t testing.TB) string {
	t.Helper()
	owner, _ := URLs(t)
	return owner
}

// URLs returns two addresses of one fresh migrated database: as the owner
// (the superuser, who migrates) and as the service role the service runs
// its queries as.
func URLs(t testing.TB) (owner, service string) {
	t.Helper()
	c := Cluster(t)
	name := fmt.Sprintf("scpo_test_%d_%d", os.Getpid(), counter.Add(1))
	ctx := context.Background()
	cloneMu.Lock()
	err := c.CreateDatabase(ctx, name, template)
	cloneMu.Unlock()
	if err != nil {
		t.Fatalf("clone test database: %v", err)
	}
	t.Cleanup(func() { c.DropDatabase(context.Background(), name) })
	return c.URL(name), c.URLAs(postgres.ServiceRole, name)
}
