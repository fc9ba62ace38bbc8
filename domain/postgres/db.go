// Package postgres stores the register in PostgreSQL through gorm. Row types
// are private; callers see only domain types and domain errors.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"scpo/domain"
	"scpo/migrations"
)

// Store implements the domain's services on one database.
type Store struct {
	db        *gorm.DB
	clock     domain.Clock
	loc       *time.Location
	auditKeys *AuditKeys
	readAudit auditGroup // read entries written together (audit.go)
	auth      authCache  // the officers tokens prove (authcache.go)
	forces    forceList  // reference data, read once
	// searchWindow, when set, replaces subjectSearchWindow (for tests).
	searchWindow int
	// unownedRecheckMax, when set, replaces the const (for tests).
	unownedRecheckMax int

	// Manual runs started by StartJob outlive their requests; Close
	// cancels them (each is recorded as failed) and waits for them.
	stopRuns context.CancelFunc
	runsStop context.Context
	runs     sync.WaitGroup
	analyses sync.WaitGroup // analyseAfter's, also ended by Close
}

// Option configures Open.
type Option func(*options)

type options struct {
	auditKeys *AuditKeys
	role      string
}

// WithAuditKeys authenticates the audit trail with keys (the first signs).
// Without it the store signs with a random key of this process only.
func WithAuditKeys(keys *AuditKeys) Option { return func(o *options) { o.auditKeys = keys } }

// WithRole makes every connection of the pool act as role (SET ROLE at
// connection start), for a login that owns the schema but should serve
// as ServiceRole. The login must be that role or a member of it.
func WithRole(role string) Option { return func(o *options) { o.role = role } }

// ServiceRole is the role the service runs its queries as: it owns no
// table and may only read and append to the audit trail (migration 00030).
const ServiceRole = "scpo_service"

// Open connects to url. It does not migrate.
func Open(ctx context.Context, url string, clock domain.Clock, loc *time.Location, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.auditKeys == nil {
		o.auditKeys = processAuditKeys
	}
	dialector := gormpg.Open(url)
	if o.role != "" {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, fmt.Errorf("connect to database: %w", err)
		}
		cfg.RuntimeParams["role"] = o.role
		dialector = gormpg.New(gormpg.Config{Conn: stdlib.OpenDB(*cfg)})
	}
	db, err := gorm.Open(quietDialector{dialector.(*gormpg.Dialector)}, &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return clock.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	db.ClauseBuilders["LIMIT"] = literalLimit
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// As many kept idle as may be open: with fewer, every burst of requests
	// ended with the surplus closed, and the next burst dialled them again
	// (a backend started, authenticated, its statements prepared and
	// planned afresh): at 16 clients the agenda took 72-80 ms at the
	// median instead of 46-53.
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(20)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	stop, cancel := context.WithCancel(context.Background())
	s := &Store{db: db, clock: clock, loc: loc, auditKeys: o.auditKeys, runsStop: stop, stopRuns: cancel}
	// The token cache listens on a connection of its own, outside the pool,
	// made as the pool's are.
	s.auth.ping = authPing
	s.auth.connect = func(ctx context.Context) (*pgx.Conn, error) {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return nil, err
		}
		if o.role != "" {
			cfg.RuntimeParams["role"] = o.role
		}
		cfg.RuntimeParams["application_name"] = authListenerName
		return pgx.ConnectConfig(ctx, cfg)
	}
	return s, nil
}

// literalLimit writes a LIMIT (and OFFSET) into the statement's text
// instead of as a parameter, as gorm does. PostgreSQL plans a prepared
// statement for its parameters five times, then keeps one generic plan if
// it costs no more; with the limit a parameter, the generic plan assumed a
// tenth of the table and always cost more, so every page of every list was
// planned afresh (1.1-1.3 ms of a 2.5 ms order list at a million orders).
// The limit is an int, so nothing a client sends is written into SQL.
func literalLimit(c clause.Clause, b clause.Builder) {
	l, ok := c.Expression.(clause.Limit)
	if !ok {
		c.Build(b)
		return
	}
	var parts []string
	if l.Limit != nil && *l.Limit >= 0 {
		parts = append(parts, limitSQL(*l.Limit))
	}
	if l.Offset > 0 {
		parts = append(parts, "OFFSET "+strconv.Itoa(l.Offset))
	}
	b.WriteString(strings.Join(parts, " "))
}

// limitSQL is "LIMIT n", for statements written by hand as for gorm's
// (see literalLimit).
func limitSQL(n int) string { return "LIMIT " + strconv.Itoa(n) }

// flagKindSQL is a flag kind as a literal, for a statement whose plan
// depends on how common the kind is: with the kind a parameter, the one
// generic plan (for a kind of average frequency) cost more than planning
// for each kind, so each request was planned afresh. Only the domain's own
// kinds are written (anything else matches nothing), never the text asked.
func flagKindSQL(kind string) string {
	if i := slices.Index(domain.FlagKinds, kind); i >= 0 {
		return "'" + domain.FlagKinds[i] + "'"
	}
	return "NULL"
}

// quietDialector is gorm's PostgreSQL dialector without the text gorm
// makes of each statement for its logger: Raw(...).Scan has every
// statement written out with its values in place (regular expressions over
// the SQL, each value formatted) whatever the logger, and ours discards
// it: a twentieth of a meeting page's CPU.
type quietDialector struct{ *gormpg.Dialector }

// Explain gives the statement as sent, its values apart.
func (quietDialector) Explain(sql string, _ ...any) string { return sql }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.stopRuns()
	s.runs.Wait()
	s.analyses.Wait()
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DB exposes the gorm handle for the packages beside this one (scheduler,
// tests) that need SQL of their own.
func (s *Store) DB() *gorm.DB { return s.db }

// Today is the current date in the service's zone.
func (s *Store) Today() domain.Date { return domain.DateOf(s.clock.Now(), s.loc) }

// Migrate applies every pending migration under goose's session advisory
// lock, so replicas starting together take turns.
func Migrate(ctx context.Context, sqlDB *sql.DB, log *slog.Logger) error {
	p, err := newProvider(sqlDB)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
		}
	}
	return nil
}

func newProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithSessionLocker(locker))
}

// Migrate applies pending migrations to the store's database.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return Migrate(ctx, sqlDB, log)
}

// ErrNotMigrated: the database answers but its schema is behind the binary.
var ErrNotMigrated = errors.New("database schema is not up to date")

// Ready reports whether the database answers and every migration is applied.
func (s *Store) Ready(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return err
	}
	var current int64
	if err := s.db.WithContext(ctx).Raw(
		`SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&current).Error; err != nil {
		return err
	}
	sources := migrationVersions()
	if current < sources {
		return ErrNotMigrated
	}
	return nil
}

// migrationVersions is the highest version embedded in the binary.
func migrationVersions() int64 {
	p, err := goose.NewProvider(goose.DialectPostgres, nil, migrations.FS)
	if err != nil {
		return 0
	}
	var max int64
	for _, src := range p.ListSources() {
		if src.Version > max {
			max = src.Version
		}
	}
	return max
}

// tx runs fn in a transaction. A request's audit entry is written in the
// same transaction, so the record of a change stands or falls with it.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.txOn(ctx, s.db, fn)
}

// txAttempts bounds how often a transaction PostgreSQL chose as a
// deadlock's victim (or failed to serialise) is run again.
const txAttempts = 4

// txOn is tx on db: the pool, or one connection held (see StartJob). A
// transaction that PostgreSQL aborts to break a deadlock, or cannot
// serialise, is rolled back whole and run again, up to txAttempts times
// with a short random pause: two changes to the same orders taken in
// different orders (a reassignment and an owner's allocation, two
// reassignments sharing orders) then both succeed, where one used to be
// answered 503. fn must only change the database (and note records on
// the audit trail, which keeps each once): everything else it sets is set
// again on the next attempt.
func (s *Store) txOn(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	for attempt := 1; ; attempt++ {
		err := s.txOnce(ctx, db, fn)
		if attempt == txAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		pause := time.Duration(attempt) * (2*time.Millisecond + time.Duration(rand.Int64N(int64(8*time.Millisecond))))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return err
		}
	}
}

// errTryAgain is a change that found, under its locks, that what it had
// planned from an earlier read had moved meanwhile: txOn runs it again.
var errTryAgain = errors.New("what the change planned has changed; try again")

// retryable reports whether err is PostgreSQL breaking a deadlock or a
// serialisation failure, or errTryAgain: the transaction did nothing and
// may run again.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.Is(err, errTryAgain) || errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// flagsLock is the advisory lock a sweep holds alone (sweepLock) and every
// other change shares from its first statement. A sweep reads the register
// as each of its statements begins; a change committed after that, before
// the sweep commits, is not in what it read, and its own refresh found the
// flags as they were before the sweep. A review recorded while the review
// sweep ran was flagged overdue a moment after, until the next day's
// sweep. So no change commits while a sweep runs: changes wait for it (at
// a million orders, a daily job takes 0.5-1.8 s; the first catch-up tens
// of seconds), and a sweep waits for the changes under way to commit.
const flagsLock = `hashtext('scpo:flags')`

type sweepingKey struct{}

// sweeping marks ctx as a sweep's, whose transaction takes flagsLock alone
// (sweepLock) rather than shared.
func sweeping(ctx context.Context) context.Context {
	return context.WithValue(ctx, sweepingKey{}, true)
}

// sweepLock takes flagsLock alone for a sweep's transaction (see flagsLock).
func sweepLock(tx *gorm.DB) error {
	return tx.Exec(`SELECT pg_advisory_xact_lock(` + flagsLock + `)`).Error
}

// txOnce runs fn in one transaction (see txOn).
func (s *Store) txOnce(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	ctx, changed := withTouched(ctx)
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if sweep, _ := ctx.Value(sweepingKey{}).(bool); !sweep {
			// Before any row is locked, so a change never holds a row a
			// sweep waits for while it waits for the sweep.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock_shared(` + flagsLock + `)`).Error; err != nil {
				return err
			}
		}
		if err := fn(tx); err != nil {
			return err
		}
		// Flags follow the change before it commits (see refresh.go).
		if err := refreshFlags(tx, changed, s.Today(), s.now()); err != nil {
			return err
		}
		if err := s.claimIdempotency(ctx, tx); err != nil {
			return err
		}
		return s.writeAudit(ctx, tx)
	})
	if err == nil {
		if trail := domain.AuditFrom(ctx); trail != nil {
			trail.Written()
		}
		if r := domain.IdempotencyFrom(ctx); r != nil {
			r.MarkClaimed()
		}
	}
	return err
}

// now is the store's clock at the database's microsecond precision, so what
// a write returns equals what a later read returns.
func (s *Store) now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }
