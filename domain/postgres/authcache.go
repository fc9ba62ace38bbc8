package postgres

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"scpo/domain"
)

// Every request proves its bearer token, and that lookup was a statement of
// its own on every read: at 16 clients it alone held audited reads at about
// two thirds of a bare read's rate. The officer a token proves is kept here, but only while this
// process is listening on the channel that migration 00270's triggers
// notify, in the committing transaction, on any change to officers or
// their tokens (a revocation, a deactivation, a new role, from any replica
// or by hand). A notification empties the cache; so does losing the
// listening connection, and until it is back every token is looked up.
// What a token proves is therefore never older than the last change to
// officers this process has been told of, a few milliseconds after that
// change commits; a listening connection that dies silently is found out
// within two pings (authPing), and no lookup is trusted past authCacheAge.
const authChannel = "scpo_auth"

// authListenerName is the listening connection's application_name, as
// pg_stat_activity shows it.
const authListenerName = "scpo token cache"

// authCacheMax bounds the tokens kept; past it the cache starts again.
const authCacheMax = 10000

// authCacheAge bounds how long one lookup is trusted even with no change
// heard of, should a notification ever be lost.
const authCacheAge = 10 * time.Second

// authPing is how long the listening connection may stay quiet before it
// is asked to answer (within as long again): a connection that died
// without a word (a failover, a dropped route) would otherwise be taken
// for a quiet one while changes went unheard.
const authPing = 5 * time.Second

type authEntry struct {
	officer  domain.Officer
	expires  *time.Time // the token's own expiry
	lookedUp time.Time
}

type authCache struct {
	connect func(ctx context.Context) (*pgx.Conn, error) // a connection to listen on
	ping    time.Duration                                // authPing, but for tests
	start   sync.Once

	mu      sync.Mutex
	live    bool   // listening: entries may be used
	gen     uint64 // bumped whenever entries are dropped
	entries map[[sha256.Size]byte]authEntry
}

// get is the officer token proves as of now, if a lookup of it can be
// trusted.
func (c *authCache) get(key [sha256.Size]byte, now time.Time) (domain.Officer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.live || now.Sub(e.lookedUp) > authCacheAge || (e.expires != nil && !e.expires.After(now)) {
		return domain.Officer{}, false
	}
	return cloneOfficer(e.officer), true
}

// generation is read before a lookup and given to put after it, so a
// lookup that raced a change (and may have read the old row) is not kept.
func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *authCache) put(gen uint64, key [sha256.Size]byte, e authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= authCacheMax {
		c.entries = map[[sha256.Size]byte]authEntry{}
	}
	e.officer = cloneOfficer(e.officer)
	c.entries[key] = e
}

// forget drops every entry, listening or not: this process changed
// officers or tokens, and what it serves next must not wait for the
// notification of its own change to come back.
func (c *authCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
}

// drop forgets every entry; live says whether new ones may be kept.
func (c *authCache) drop(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clearLocked()
	c.live = live
}

// clearLocked forgets every entry, and any lookup under way (put checks
// the generation); c.mu is held.
func (c *authCache) clearLocked() {
	c.gen++
	c.entries = nil
}

// listen runs until ctx ends: it listens on authChannel, dropping every
// entry on each notification, and reconnects (with backoff) when the
// connection is lost, entries unused meanwhile.
func (c *authCache) listen(ctx context.Context) {
	const firstWait = 100 * time.Millisecond
	wait := firstWait
	for ctx.Err() == nil {
		listened, err := c.listenOnce(ctx)
		c.drop(false)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = firstWait
		}
		slog.Warn("token cache: not listening for changes to officers; every token is looked up until it is back",
			"error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// listenOnce listens on one connection until it fails; listened says
// whether it got as far as listening.
func (c *authCache) listenOnce(ctx context.Context) (listened bool, err error) {
	conn, err := c.connect(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+authChannel); err != nil {
		return false, err
	}
	// Listening from here: a change committed before this point is read
	// by any lookup made after it, so the cache starts empty.
	c.drop(true)
	for {
		wait, cancel := context.WithTimeout(ctx, c.ping)
		_, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil:
			c.drop(true)
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			ping, cancel := context.WithTimeout(ctx, c.ping)
			err := conn.Ping(ping)
			cancel()
			if err != nil {
				return true, err
			}
		default:
			return true, err
		}
	}
}

func cloneOfficer(o domain.Officer) domain.Officer {
	o.Roles = slices.Clone(o.Roles)
	if o.Force != nil {
		f := *o.Force
		o.Force = &f
	}
	return o
}

// TokenCacheListening reports whether tokens are answered from the cache
// (this process listens for changes to officers): for tests and metrics.
func (s *Store) TokenCacheListening() bool {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return s.auth.live
}
