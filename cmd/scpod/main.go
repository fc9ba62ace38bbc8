// Command scpod serves the SCPO register.
//
//	scpod            serve HTTP (same as scpod serve)
//	scpod serve      serve HTTP
//	scpod migrate    apply database migrations and exit
//	scpod generate   add synthetic orders for benchmarks (--orders N)
//	scpod audit verify  check the audit trail's hash chain; non-zero exit names the first bad entry
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
	_ "time/tzdata" // SCPO_TIMEZONE must work on machines without a zone database

	"github.com/coreos/go-oidc/v3/oidc"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/demo"
	"scpo/domain/postgres"
	"scpo/domain/postgres/localpg"
	"scpo/scheduler"
)

// config is read from the environment; see the README's table.
type config struct {
	databaseURL    string
	addr           string
	bootstrapToken string
	location       *time.Location
	demo           bool
	dataDir        string
	schedules      map[string]string
	oidcIssuer     string
	oidcAudience   string
}

func loadConfig() (config, error) {
	c := config{
		databaseURL:    os.Getenv("DATABASE_URL"),
		addr:           envOr("SCPO_ADDR", "127.0.0.1:8080"),
		bootstrapToken: os.Getenv("SCPO_BOOTSTRAP_TOKEN"),
		demo:           os.Getenv("SCPO_DEMO") == "1",
		dataDir:        envOr("SCPO_DATA_DIR", "./.scpo-data"),
		oidcIssuer:     os.Getenv("SCPO_OIDC_ISSUER"),
		oidcAudience:   os.Getenv("SCPO_OIDC_AUDIENCE"),
	}
	if c.oidcIssuer != "" && c.oidcAudience == "" {
		return c, errors.New("SCPO_OIDC_ISSUER is set but SCPO_OIDC_AUDIENCE is not: set it to the client ID the issuer puts in the tokens' aud claim")
	}
	if c.oidcIssuer == "" && c.oidcAudience != "" {
		return c, errors.New("SCPO_OIDC_AUDIENCE is set but SCPO_OIDC_ISSUER is not: set both to accept JWTs, or neither")
	}
	tz := envOr("SCPO_TIMEZONE", "Europe/London")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return c, fmt.Errorf("SCPO_TIMEZONE=%q is not a time zone name such as Europe/London", tz)
	}
	c.location = loc
	c.schedules = scheduler.Specs(os.Getenv)
	for job, spec := range c.schedules {
		if spec == "off" {
			continue
		}
		if _, err := scheduler.Parse(spec); err != nil {
			return c, fmt.Errorf("%s: %w", scheduler.EnvVar(job), err)
		}
	}
	return c, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, log)
	case "migrate":
		err = migrate(ctx, log)
	case "audit":
		err = auditCommand(ctx, log, os.Args[2:])
	case "generate":
		err = generateCommand(ctx, log, os.Args[2:])
	case "help", "-h", "--help":
		fmt.Println("usage: scpod [serve | migrate | audit verify | generate --orders N]")
		return
	default:
		err = fmt.Errorf("unknown command %q; use serve, migrate, audit verify or generate", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scpod:", err)
		os.Exit(1)
	}
}

// database connects to DATABASE_URL, or starts the private cluster under
// SCPO_DATA_DIR; the returned stop function stops that cluster.
func database(ctx context.Context, cfg config, log *slog.Logger) (string, func(), error) {
	if cfg.databaseURL != "" {
		return cfg.databaseURL, func() {}, nil
	}
	dir, err := filepath.Abs(cfg.dataDir)
	if err != nil {
		return "", nil, err
	}
	// The server runs as the postgres user when we are root, so the
	// directory above its data must be traversable.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("SCPO_DATA_DIR %s cannot be created (%v): choose a writable directory", dir, err)
	}
	pgDir := filepath.Join(dir, "postgres")
	if err := localpg.Reachable(pgDir); err != nil && os.Getenv("SCPO_DATA_DIR") == "" {
		// Run as root from a home directory the postgres user cannot enter:
		// keep the default working by putting the cluster in a fixed place
		// of its own, derived from this directory so restarts find it.
		sum := sha256.Sum256([]byte(dir))
		pgDir = filepath.Join("/var/lib/scpo", hex.EncodeToString(sum[:6]), "postgres")
		if err := os.MkdirAll(filepath.Dir(pgDir), 0o755); err != nil {
			return "", nil, fmt.Errorf("%s is not reachable by the postgres user and %s cannot be created (%v): set SCPO_DATA_DIR to a directory under /tmp", dir, pgDir, err)
		}
		os.WriteFile(filepath.Join(dir, "WHERE-IS-THE-DATA"), []byte("The PostgreSQL cluster for this directory is in "+pgDir+
			"\nbecause the postgres user cannot reach "+dir+".\n"), 0o644)
		log.Warn("the postgres user cannot reach the data directory; keeping the cluster elsewhere",
			"data_dir", dir, "cluster_dir", pgDir)
	}
	log.Info("starting the private PostgreSQL cluster", "data_dir", pgDir)
	cluster, err := localpg.Start(ctx, localpg.Options{DataDir: pgDir, Logger: log})
	if err != nil {
		// A command run beside the service (scpod audit verify) uses the
		// cluster the service already runs.
		attached, attachErr := localpg.Attach(pgDir)
		if attachErr != nil {
			return "", nil, err
		}
		log.Info("using the PostgreSQL cluster already running", "data_dir", pgDir)
		return attached.URL("scpo"), func() {}, nil
	}
	if err := cluster.EnsureDatabase(ctx, "scpo"); err != nil {
		cluster.Stop()
		return "", nil, err
	}
	return cluster.URL("scpo"), func() {
		if err := cluster.Stop(); err != nil {
			log.Error("stopping the private PostgreSQL cluster", "error", err)
		}
	}, nil
}

func openStore(ctx context.Context, cfg config, log *slog.Logger) (*postgres.Store, func(), error) {
	url, stopDB, err := database(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	store, err := postgres.Open(ctx, url, domain.SystemClock{}, cfg.location)
	if err != nil {
		stopDB()
		return nil, nil, fmt.Errorf("%w (check DATABASE_URL)", err)
	}
	if err := store.Migrate(ctx, log); err != nil {
		store.Close()
		stopDB()
		return nil, nil, err
	}
	return store, func() { store.Close(); stopDB() }, nil
}

// withStore runs fn on the database the service would use, with the same
// configuration, for the commands beside serve.
func withStore(ctx context.Context, log *slog.Logger, fn func(*postgres.Store) error) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	store, closeAll, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeAll()
	return fn(store)
}

func migrate(ctx context.Context, log *slog.Logger) error {
	// Opening the store applies the migrations.
	return withStore(ctx, log, func(*postgres.Store) error {
		log.Info("migrations applied")
		return nil
	})
}

// jwtVerifier discovers the OIDC issuer; nil when JWT login is off.
func jwtVerifier(ctx context.Context, cfg config, log *slog.Logger) (*oidc.IDTokenVerifier, error) {
	if cfg.oidcIssuer == "" {
		return nil, nil
	}
	// The client also fetches the issuer's keys later, so it has a timeout
	// of its own rather than the discovery context's.
	ctx = oidc.ClientContext(ctx, &http.Client{Timeout: 15 * time.Second})
	discoverCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(discoverCtx, cfg.oidcIssuer)
	if err != nil {
		return nil, fmt.Errorf("SCPO_OIDC_ISSUER=%q: OpenID Connect discovery failed (%w): check the issuer URL and that it is reachable", cfg.oidcIssuer, err)
	}
	log.Info("JWT login on", "issuer", cfg.oidcIssuer)
	return provider.Verifier(&oidc.Config{ClientID: cfg.oidcAudience}), nil
}

func serve(ctx context.Context, log *slog.Logger) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	verifier, err := jwtVerifier(ctx, cfg, log)
	if err != nil {
		return err
	}
	store, closeAll, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeAll()

	if cfg.bootstrapToken != "" {
		admin, err := store.EnsureBootstrapAdmin(ctx, cfg.bootstrapToken)
		switch {
		case errors.Is(err, postgres.ErrBootstrapTokenRevoked):
			log.Warn("SCPO_BOOTSTRAP_TOKEN was revoked and stays revoked; set a new value to get a working one")
		case err != nil:
			return fmt.Errorf("SCPO_BOOTSTRAP_TOKEN: %w", err)
		default:
			log.Info("bootstrap administrator ready", "officer_id", admin.ID)
		}
	}
	if cfg.demo {
		loaded, err := demo.Load(ctx, store, store.Today())
		if err != nil {
			return fmt.Errorf("load the demo region: %w", err)
		}
		log.Info("demo region", "loaded", loaded)
	}

	sched, err := scheduler.New(scheduler.Sweeps(store, cfg.schedules, cfg.location, log), cfg.location, log)
	if err != nil {
		return err
	}
	sched.Start()

	e := api.New(api.Config{Store: store, Clock: domain.SystemClock{}, Location: cfg.location, Logger: log,
		Schedules: cfg.schedules, JWTVerifier: verifier})
	srv := &http.Server{Addr: cfg.addr, Handler: e, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "url", "http://"+cfg.addr)

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("listen on %s: %w (set SCPO_ADDR to a free address)", cfg.addr, err)
		}
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Error("shutdown", "error", err)
	}
	sched.Stop(shutdownCtx)
	log.Info("stopped")
	return nil
}

// auditCommand runs `scpod audit verify` with the service's configuration.
func auditCommand(ctx context.Context, log *slog.Logger, args []string) error {
	if len(args) != 1 || args[0] != "verify" {
		return fmt.Errorf("usage: scpod audit verify")
	}
	return withStore(ctx, log, func(store *postgres.Store) error { return verifyAudit(ctx, store) })
}

func verifyAudit(ctx context.Context, store *postgres.Store) error {
	n, err := store.VerifyAudit(ctx)
	if err != nil {
		return fmt.Errorf("audit trail broken after %d good entries: %w", n, err)
	}
	fmt.Printf("audit trail intact: %d entries verified\n", n)
	if head, err := store.AuditHead(ctx); err == nil && head != nil {
		// Removing the newest entries leaves a shorter chain that still
		// holds; comparing this head with one recorded earlier shows it.
		fmt.Printf("head: entry %d, hash %s (record it; a later run must reach at least this entry)\n", head.ID, head.Hash)
	}
	return nil
}
