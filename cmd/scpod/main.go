// Command scpod serves the SCPO register.
//
//	scpod            serve HTTP (same as scpod serve)
//	scpod serve      serve HTTP
//	scpod migrate    apply database migrations and exit
//	scpod generate   add synthetic orders for benchmarks (--orders N)
//	scpod import FILE --force CODE [--commit]
//	                 check a spreadsheet of a force's records (CSV or .xlsx); --commit records it all or nothing
//	scpod audit verify [--expect-head N:HASH] [--checkpoints FILE]
//	                 check the audit trail's HMAC chain and recorded heads; non-zero exit names the first bad entry
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // SCPO_TIMEZONE must work on machines without a zone database

	"github.com/coreos/go-oidc/v3/oidc"

	"scpo/api"
	"scpo/api/web"
	"scpo/domain"
	"scpo/domain/demo"
	"scpo/domain/postgres"
	"scpo/domain/postgres/localpg"
	"scpo/domain/smtpmail"
	"scpo/scheduler"
)

// config is read from the environment; see the README's table.
type config struct {
	publicURL      string // SCPO_PUBLIC_URL: links in mail and calendar feeds
	databaseURL    string
	migrateURL     string
	addr           string
	bootstrapToken string
	location       *time.Location
	demo           bool
	dataDir        string
	schedules      map[string]string
	oidcIssuer     string
	oidcAudience   string
	oidcClientID   string
	oidcSecret     string
	oidcRedirect   string
	auditKey       string
	auditKeyFile   string
	checkpoints    string
	checkpointEach time.Duration
	sessionIdle    time.Duration
	sessionMax     time.Duration
	behindTLSProxy bool
	mail           scheduler.MailConfig
	smtpURL        string
}

func loadConfig() (config, error) {
	var err error
	c := config{
		databaseURL:    os.Getenv("DATABASE_URL"),
		migrateURL:     os.Getenv("SCPO_MIGRATE_DATABASE_URL"),
		auditKey:       os.Getenv("SCPO_AUDIT_KEY"),
		auditKeyFile:   os.Getenv("SCPO_AUDIT_KEY_FILE"),
		addr:           envOr("SCPO_ADDR", "127.0.0.1:8080"),
		bootstrapToken: os.Getenv("SCPO_BOOTSTRAP_TOKEN"),
		demo:           os.Getenv("SCPO_DEMO") == "1",
		dataDir:        envOr("SCPO_DATA_DIR", "./.scpo-data"),
		oidcIssuer:     os.Getenv("SCPO_OIDC_ISSUER"),
		oidcAudience:   os.Getenv("SCPO_OIDC_AUDIENCE"),
		oidcClientID:   os.Getenv("SCPO_OIDC_CLIENT_ID"),
		oidcSecret:     os.Getenv("SCPO_OIDC_CLIENT_SECRET"),
		oidcRedirect:   os.Getenv("SCPO_OIDC_REDIRECT_URL"),
		behindTLSProxy: os.Getenv("SCPO_BEHIND_TLS_PROXY") == "1",
	}
	for _, d := range []struct {
		env, def string
		to       *time.Duration
	}{{"SCPO_SESSION_IDLE", "30m", &c.sessionIdle}, {"SCPO_SESSION_MAX", "12h", &c.sessionMax}} {
		v := envOr(d.env, d.def)
		if *d.to, err = time.ParseDuration(v); err != nil || *d.to < time.Minute {
			return c, fmt.Errorf("%s=%q is not a duration of a minute or more, such as %s", d.env, v, d.def)
		}
	}
	if c.oidcIssuer != "" && c.oidcAudience == "" {
		return c, errors.New("SCPO_OIDC_ISSUER is set but SCPO_OIDC_AUDIENCE is not: set it to the client ID the issuer puts in the tokens' aud claim")
	}
	if c.oidcIssuer == "" && c.oidcAudience != "" {
		return c, errors.New("SCPO_OIDC_AUDIENCE is set but SCPO_OIDC_ISSUER is not: set both to accept JWTs, or neither")
	}
	if c.oidcClientID == "" {
		c.oidcClientID = c.oidcAudience
	}
	if c.oidcIssuer != "" {
		u, err := url.Parse(c.oidcRedirect)
		if c.oidcRedirect == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c, errors.New("SCPO_OIDC_ISSUER is set but SCPO_OIDC_REDIRECT_URL is not an absolute URL: set it to this service's https://<host>/sign-in/oidc/callback, as registered with the identity provider")
		}
	} else if c.oidcClientID != "" || c.oidcSecret != "" || c.oidcRedirect != "" {
		return c, errors.New("SCPO_OIDC_CLIENT_ID, SCPO_OIDC_CLIENT_SECRET or SCPO_OIDC_REDIRECT_URL is set but SCPO_OIDC_ISSUER is not: set the issuer to sign in with OpenID Connect, or unset them")
	}
	if c.migrateURL != "" && c.databaseURL == "" {
		return c, errors.New("SCPO_MIGRATE_DATABASE_URL is set but DATABASE_URL is not: it names the owner of an external database the service reaches through DATABASE_URL")
	}
	c.checkpoints = envOr("SCPO_AUDIT_CHECKPOINTS", filepath.Join(c.dataDir, "audit-checkpoints"))
	every := envOr("SCPO_AUDIT_CHECKPOINT_INTERVAL", "1m")
	if c.checkpointEach, err = time.ParseDuration(every); err != nil || c.checkpointEach < time.Second {
		return c, fmt.Errorf("SCPO_AUDIT_CHECKPOINT_INTERVAL=%q is not a duration of a second or more, such as 1m", every)
	}
	tz := envOr("SCPO_TIMEZONE", "Europe/London")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return c, fmt.Errorf("SCPO_TIMEZONE=%q is not a time zone name such as Europe/London", tz)
	}
	c.location = loc
	if err := mailConfig(&c); err != nil {
		return c, err
	}
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

// mailConfig reads the mail settings: with no SCPO_SMTP_URL mail is off
// (events are kept for the retention, then pruned).
func mailConfig(c *config) error {
	c.smtpURL = os.Getenv("SCPO_SMTP_URL")
	public := strings.TrimRight(envOr("SCPO_PUBLIC_URL", "http://"+c.addr), "/")
	if u, err := url.Parse(public); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("SCPO_PUBLIC_URL=%q is not the service's address such as https://scpo.force.police.uk", public)
	}
	c.publicURL = public
	c.mail = scheduler.MailConfig{Link: func(id string) string { return public + "/orders/" + id },
		Retry:      domain.DefaultMailRetry,
		DigestSpec: envOr("SCPO_SCHEDULE_DIGEST", scheduler.DefaultDigestSpec), DeliverySpec: envOr("SCPO_SCHEDULE_MAIL", scheduler.DefaultDeliverySpec)}
	for env, spec := range map[string]string{"SCPO_SCHEDULE_DIGEST": c.mail.DigestSpec, "SCPO_SCHEDULE_MAIL": c.mail.DeliverySpec} {
		if spec == "off" {
			continue
		}
		if _, err := scheduler.Parse(spec); err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
	}
	keep := envOr("SCPO_NOTIFY_RETENTION", "720h")
	var err error
	if c.mail.Retention, err = time.ParseDuration(keep); err != nil || c.mail.Retention < 24*time.Hour {
		return fmt.Errorf("SCPO_NOTIFY_RETENTION=%q is not a duration of a day or more, such as 720h", keep)
	}
	if c.smtpURL != "" {
		m, err := smtpmail.New(c.smtpURL, os.Getenv("SCPO_MAIL_FROM"))
		if err != nil {
			return fmt.Errorf("SCPO_SMTP_URL / SCPO_MAIL_FROM: %w", err)
		}
		c.mail.Mailer = m
	} else if os.Getenv("SCPO_MAIL_FROM") != "" {
		return errors.New("SCPO_MAIL_FROM is set but SCPO_SMTP_URL is not: set both to send mail, or neither")
	}
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	// What the store logs on its own (a sweep's background analysis, the
	// token cache's listener) goes to the same JSON log.
	slog.SetDefault(log)
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
	case "import":
		err = importCommand(ctx, log, os.Args[2:])
	case "help", "-h", "--help":
		fmt.Println("usage: scpod [serve | migrate | audit verify | generate --orders N | import FILE --force CODE [--commit]]")
		return
	default:
		err = fmt.Errorf("unknown command %q; use serve, migrate, audit verify, generate or import", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scpod:", err)
		os.Exit(1)
	}
}

// dbAccess is how the service reaches its database: as the owner, who
// applies the migrations, and as the service role, which runs every query
// of the service and may only read and append to the audit trail.
type dbAccess struct {
	ownerURL   string
	serviceURL func() (string, error) // after migrating: the role exists then
	cluster    *localpg.Cluster       // the private cluster we started; nil otherwise
	stop       func()
}

// database connects to DATABASE_URL, or starts the private cluster under
// SCPO_DATA_DIR; stop stops that cluster.
func database(ctx context.Context, cfg config, log *slog.Logger) (dbAccess, error) {
	if cfg.databaseURL != "" {
		// One URL: it owns the schema and serves as scpo_service through
		// SET ROLE. Two: SCPO_MIGRATE_DATABASE_URL owns and migrates,
		// DATABASE_URL logs in as scpo_service (or a member of it).
		owner := cfg.databaseURL
		if cfg.migrateURL != "" {
			owner = cfg.migrateURL
		}
		return dbAccess{ownerURL: owner, serviceURL: func() (string, error) { return cfg.databaseURL, nil }, stop: func() {}}, nil
	}
	dir, err := filepath.Abs(cfg.dataDir)
	if err != nil {
		return dbAccess{}, err
	}
	// The server runs as the postgres user when we are root, so the
	// directory above its data must be traversable.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return dbAccess{}, fmt.Errorf("SCPO_DATA_DIR %s cannot be created (%v): choose a writable directory", dir, err)
	}
	pgDir := filepath.Join(dir, "postgres")
	if err := localpg.Reachable(pgDir); err != nil && os.Getenv("SCPO_DATA_DIR") == "" {
		// Run as root from a home directory the postgres user cannot enter:
		// keep the default working by putting the cluster in a fixed place
		// of its own, derived from this directory so restarts find it.
		sum := sha256.Sum256([]byte(dir))
		pgDir = filepath.Join("/var/lib/scpo", hex.EncodeToString(sum[:6]), "postgres")
		if err := os.MkdirAll(filepath.Dir(pgDir), 0o755); err != nil {
			return dbAccess{}, fmt.Errorf("%s is not reachable by the postgres user and %s cannot be created (%v): set SCPO_DATA_DIR to a directory under /tmp", dir, pgDir, err)
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
			return dbAccess{}, err
		}
		log.Info("using the PostgreSQL cluster already running", "data_dir", pgDir)
		return dbAccess{ownerURL: attached.URL("scpo"), serviceURL: func() (string, error) {
			return attached.URLAs(postgres.ServiceRole, "scpo"), nil
		}, stop: func() {}}, nil
	}
	if err := cluster.EnsureDatabase(ctx, "scpo"); err != nil {
		cluster.Stop()
		return dbAccess{}, err
	}
	return dbAccess{
		ownerURL: cluster.URL("scpo"),
		serviceURL: func() (string, error) {
			// The service logs in as its own role, not as the superuser.
			if err := cluster.EnableLogin(ctx, postgres.ServiceRole); err != nil {
				return "", err
			}
			return cluster.URLAs(postgres.ServiceRole, "scpo"), nil
		},
		cluster: cluster,
		stop: func() {
			if err := cluster.Stop(); err != nil {
				log.Error("stopping the private PostgreSQL cluster", "error", err)
			}
		},
	}, nil
}

// auditKeys reads the audit trail's key set: SCPO_AUDIT_KEY, else
// SCPO_AUDIT_KEY_FILE, else (private cluster only) the key file under
// SCPO_DATA_DIR, created on first use.
func auditKeys(cfg config, log *slog.Logger) (*postgres.AuditKeys, error) {
	switch {
	case cfg.auditKey != "":
		ks, err := postgres.ParseAuditKeys(cfg.auditKey)
		if err != nil {
			return nil, fmt.Errorf("SCPO_AUDIT_KEY: %w", err)
		}
		return ks, nil
	case cfg.auditKeyFile != "":
		return postgres.LoadAuditKeyFile(cfg.auditKeyFile)
	case cfg.databaseURL != "":
		return nil, errors.New("DATABASE_URL is set but neither SCPO_AUDIT_KEY nor SCPO_AUDIT_KEY_FILE is: give the audit trail's key (the same for every replica), kept apart from the database")
	}
	path := filepath.Join(cfg.dataDir, "audit-keys")
	ks, created, err := postgres.EnsureAuditKeyFile(path, time.Now())
	if err != nil {
		return nil, err
	}
	if created {
		log.Warn("created the audit trail's key file; back it up apart from the database", "file", path, "key_id", ks.Signing().ID)
	}
	return ks, nil
}

// openStore migrates as the owner, then opens the store as the service
// role with the audit key set.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*postgres.Store, *localpg.Cluster, func(), error) {
	keys, err := auditKeys(cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := database(ctx, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	owner, err := postgres.Open(ctx, db.ownerURL, domain.SystemClock{}, cfg.location)
	if err != nil {
		db.stop()
		return nil, nil, nil, fmt.Errorf("%w (check DATABASE_URL and SCPO_MIGRATE_DATABASE_URL)", err)
	}
	err = owner.Migrate(ctx, log)
	owner.Close()
	if err != nil {
		db.stop()
		return nil, nil, nil, err
	}
	serviceURL, err := db.serviceURL()
	if err != nil {
		db.stop()
		return nil, nil, nil, err
	}
	store, err := postgres.Open(ctx, serviceURL, domain.SystemClock{}, cfg.location,
		postgres.WithRole(postgres.ServiceRole), postgres.WithAuditKeys(keys))
	if err != nil {
		db.stop()
		return nil, nil, nil, fmt.Errorf("%w (check DATABASE_URL: it must log in as %s or a member of it)", err, postgres.ServiceRole)
	}
	return store, db.cluster, func() { store.Close(); db.stop() }, nil
}

// withStore runs fn on the database the service would use, with the same
// configuration, for the commands beside serve.
func withStore(ctx context.Context, log *slog.Logger, fn func(config, *postgres.Store) error) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	store, _, closeAll, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeAll()
	return fn(cfg, store)
}

func migrate(ctx context.Context, log *slog.Logger) error {
	// Opening the store applies the migrations.
	return withStore(ctx, log, func(config, *postgres.Store) error {
		log.Info("migrations applied")
		return nil
	})
}

// oidcLogin discovers the OIDC issuer: the verifier of bearer JWTs and
// the web interface's sign-in; both nil when OIDC is off.
func oidcLogin(ctx context.Context, cfg config, log *slog.Logger) (*oidc.IDTokenVerifier, *web.OIDC, error) {
	if cfg.oidcIssuer == "" {
		return nil, nil, nil
	}
	// The client also fetches the issuer's keys later, so it has a timeout
	// of its own rather than the discovery context's.
	client := &http.Client{Timeout: 15 * time.Second}
	ctx = oidc.ClientContext(ctx, client)
	discoverCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	provider, err := oidc.NewProvider(discoverCtx, cfg.oidcIssuer)
	if err != nil {
		return nil, nil, fmt.Errorf("SCPO_OIDC_ISSUER=%q: OpenID Connect discovery failed (%w): check the issuer URL and that it is reachable", cfg.oidcIssuer, err)
	}
	log.Info("OpenID Connect on: JWT login and web sign-in", "issuer", cfg.oidcIssuer, "redirect_url", cfg.oidcRedirect)
	return provider.Verifier(&oidc.Config{ClientID: cfg.oidcAudience}),
		&web.OIDC{Provider: provider, ClientID: cfg.oidcClientID, ClientSecret: cfg.oidcSecret, RedirectURL: cfg.oidcRedirect, Client: client}, nil
}

func serve(ctx context.Context, log *slog.Logger) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	verifier, signIn, err := oidcLogin(ctx, cfg, log)
	if err != nil {
		return err
	}
	store, cluster, closeAll, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeAll()
	checkpointer, err := store.NewAuditCheckpointer(cfg.checkpoints, log)
	if err != nil {
		return err
	}
	// A trail begun before the audit key is verified with the last entry
	// written without it. The checkpoint file, kept apart from the
	// database, records it the first time (a rewrite of the trail as
	// unkeyed entries moves what the database says, not the file), and
	// a trail whose unkeyed entries reach further than the file says is
	// reported at every start.
	if until, err := store.AuditLegacyUntil(ctx); err != nil {
		return err
	} else if recorded, err := postgres.RecordAuditLegacyUntil(cfg.checkpoints, until, time.Now()); err != nil {
		return fmt.Errorf("audit checkpoint file: %w", err)
	} else if until > recorded {
		log.Error("the audit trail holds entries without the audit key after those recorded when the key was new: it may have been rewritten; run scpod audit verify",
			"legacy_until", recorded, "unkeyed_until", until)
	} else if recorded > 0 {
		log.Warn("the audit trail's first entries predate the audit key; scpod audit verify reads how many from the checkpoint file",
			"legacy_until", recorded, "checkpoints", cfg.checkpoints)
	}
	checkpointCtx, stopCheckpoints := context.WithCancel(context.Background())
	checkpointsDone := make(chan struct{})
	go func() {
		defer close(checkpointsDone)
		checkpointer.Run(checkpointCtx, cfg.checkpointEach)
	}()
	// The last checkpoint is written after the last request, before the
	// store closes.
	defer func() { stopCheckpoints(); <-checkpointsDone }()
	var health func() error
	if cluster != nil {
		health = cluster.Health
	}

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
		if err := printDemoLinks(ctx, log, store, cfg.addr); err != nil {
			return fmt.Errorf("demo sign-in links: %w", err)
		}
	}

	if cfg.mail.Mailer == nil {
		log.Warn("mail is off: SCPO_SMTP_URL is not set; notification events are kept, then pruned", "retention", cfg.mail.Retention.String())
	} else {
		log.Info("mail on", "digest", cfg.mail.DigestSpec, "delivery", cfg.mail.DeliverySpec)
	}
	metrics := api.NewMetrics(store)
	cfg.mail.Observe = metrics.MailDone
	entries := append(scheduler.ObservedSweeps(store, cfg.schedules, cfg.location, log, metrics.SweepDone),
		scheduler.Mail(store, cfg.mail, cfg.location, log)...)
	sched, err := scheduler.New(entries, cfg.location, log)
	if err != nil {
		return err
	}
	sched.Start()

	e := api.New(api.Config{Store: store, Clock: domain.SystemClock{}, Location: cfg.location, Logger: log,
		Schedules: cfg.schedules, JWTVerifier: verifier, OIDCSignIn: signIn, Health: health,
		SessionIdle: cfg.sessionIdle, SessionAbsolute: cfg.sessionMax, TrustForwardedProto: cfg.behindTLSProxy,
		Metrics: metrics, PublicURL: cfg.publicURL})
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
	usage := errors.New("usage: scpod audit verify [--expect-head N:HASH]... [--checkpoints FILE] [--legacy-until N]")
	if len(args) < 1 || args[0] != "verify" {
		return usage
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var heads []postgres.AuditMark
	fs.Func("expect-head", "a head recorded earlier, N:HASH; the trail must still hold it", func(v string) error {
		m, err := postgres.ParseAuditMark(v)
		heads = append(heads, m)
		return err
	})
	checkpoints := fs.String("checkpoints", "", "the checkpoint file (default: SCPO_AUDIT_CHECKPOINTS)")
	legacyUntil := fs.Int64("legacy-until", 0, "the last entry written before the audit key (a trail that predates keys; default: the checkpoint file's)")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("%v: %w", usage, err)
	}
	return withStore(ctx, log, func(cfg config, store *postgres.Store) error {
		path := cfg.checkpoints
		if *checkpoints != "" {
			path = *checkpoints
		}
		until := *legacyUntil
		if until == 0 {
			recorded, _, err := postgres.ReadAuditLegacyUntil(path)
			if err != nil {
				return err
			}
			until = recorded
		}
		return verifyAudit(ctx, store, path, heads, until)
	})
}

func verifyAudit(ctx context.Context, store *postgres.Store, checkpointFile string, heads []postgres.AuditMark, legacyUntil int64) error {
	marks, err := postgres.ReadAuditCheckpoints(checkpointFile)
	if err != nil {
		return err
	}
	if len(marks) == 0 && len(heads) == 0 {
		fmt.Printf("warning: no checkpoints in %s and no --expect-head: removal of the newest entries cannot be detected\n", checkpointFile)
	}
	rep, err := store.VerifyAuditTrail(ctx, append(marks, heads...), legacyUntil)
	if err != nil {
		return fmt.Errorf("audit trail broken after %d good entries: %w", rep.Entries, err)
	}
	fmt.Printf("audit trail intact: %d entries verified, %d recorded heads found\n", rep.Entries, rep.Marks)
	if rep.Legacy > 0 {
		fmt.Printf("note: the first %d entries predate the audit key and are only hash-chained\n", rep.Legacy)
	}
	if rep.HeadID > 0 {
		// Removing the newest entries leaves a shorter chain that still
		// holds; a head recorded now and given later shows it.
		fmt.Printf("head: %d:%s (record it; verify --expect-head %d:%s must pass later)\n", rep.HeadID, rep.Head, rep.HeadID, rep.Head)
	}
	return nil
}
