package api

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Issue item 9: the failed-authentication table expires entries instead of
// wiping them, so a spray of addresses frees no blocked address; IPv6 is
// counted by /64.
func TestFailureLimiterKeepsBlockedAddresses(t *testing.T) {
	f := newFailureLimiter(3, false)
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	f.now = func() time.Time { return at }
	const attacker = "203.0.113.7"
	for range 3 {
		f.failed(attacker)
	}
	if !f.blocked(attacker) {
		t.Fatal("three failures with a budget of three: not blocked")
	}
	for i := range failureTableSize + 500 {
		f.failed(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
	if !f.blocked(attacker) {
		t.Error("a spray of 10,500 addresses freed the blocked address")
	}
	if len(f.clients) > failureTableSize {
		t.Errorf("the table holds %d entries, more than %d", len(f.clients), failureTableSize)
	}
	// Once budgets refill, the entries go and the attacker is free again.
	at = at.Add(time.Minute)
	if f.blocked(attacker) {
		t.Error("still blocked after the budget refilled")
	}
	f.failed("192.0.2.1")
	if len(f.clients) > failureTableSize {
		t.Errorf("the table holds %d entries after expiry", len(f.clients))
	}
}

func TestFailureLimiterCountsIPv6By64(t *testing.T) {
	f := newFailureLimiter(2, false)
	f.failed("2001:db8:1:2::1")
	f.failed("2001:db8:1:2:ffff::9")
	if !f.blocked("2001:db8:1:2::77") {
		t.Error("two failures from one /64: another address of it is not blocked")
	}
	if f.blocked("2001:db8:1:3::1") {
		t.Error("the neighbouring /64 is blocked")
	}
	f.failed("::ffff:192.0.2.9")
	f.failed("192.0.2.9")
	if !f.blocked("192.0.2.9") {
		t.Error("IPv4 and its IPv4-mapped IPv6 form are counted apart")
	}
}

// While blocked, a client gets in only with a credential that authenticated
// from it in the last 12 hours, and only from it (an IPv6 client by its
// /64); the table of such credentials stays bounded.
func TestFailureLimiterChecksOnlyProvenCredentialsWhenBlocked(t *testing.T) {
	f := newFailureLimiter(2, false)
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	f.now = func() time.Time { return at }
	const station, elsewhere = "2001:db8:1:2::10", "2001:db8:9:9::10"
	f.proved(station, "officer-token")
	f.failed(station)
	f.failed(station)
	switch {
	case !f.blocked(station):
		t.Fatal("not blocked")
	case !f.checks("2001:db8:1:2::99", "officer-token"):
		t.Error("a proven token from the same /64 is not checked")
	case f.checks(station, "a-guess"):
		t.Error("a guess from the blocked client is checked")
	case !f.checks(elsewhere, "a-guess"):
		t.Error("another client, not blocked, has its credential refused")
	case !f.checks(station, "scpo_"+strings.Repeat("A", 43)), !f.checks(station, "scpocal_"+strings.Repeat("b", 43)):
		t.Error("a credential of 32 random bytes from the blocked client is not checked")
	case f.checks(station, "scpo_"+strings.Repeat("A", 42)), f.checks(station, "scpo_"+strings.Repeat("!", 43)):
		t.Error("a guess shaped nearly like a service token is checked")
	case f.checks(station, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"):
		t.Error("a JWT is checked while JWT login is off (it would be tried as the bootstrap token)")
	}
	withJWT := newFailureLimiter(1, true)
	withJWT.failed(station)
	if !withJWT.checks(station, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln") {
		t.Error("with JWT login on, a JWT from a blocked client is not checked (its signature cannot be guessed)")
	}
	f.proved(elsewhere, "other-token")
	for range 2 {
		f.failed(elsewhere)
	}
	if f.checks(elsewhere, "officer-token") {
		t.Error("a token proven from one client gets in from another blocked one")
	}
	at = at.Add(13 * time.Hour)
	for range 2 {
		f.failed(station)
	}
	if f.checks(station, "officer-token") {
		t.Error("a token proven 13 hours ago still gets in while blocked")
	}
	for i := range provenMax + 100 {
		f.proved(fmt.Sprintf("10.0.%d.%d", i>>8&255, i&255), "t")
	}
	if len(f.proven) > provenMax {
		t.Errorf("the proven table holds %d entries, more than %d", len(f.proven), provenMax)
	}
	// A day on, the table full of expired entries makes room.
	at = at.Add(24 * time.Hour)
	f.proved(station, "officer-token")
	if len(f.proven) != 1 {
		t.Errorf("after every entry expired the table holds %d entries, want 1", len(f.proven))
	}
}
