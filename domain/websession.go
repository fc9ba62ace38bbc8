package domain

import (
	"context"
	"time"
)

// WebSession is a signed-in browser's session, kept server-side. IDHash is
// the SHA-256 of the random ID in the browser's cookie: the ID itself is
// never stored.
type WebSession struct {
	IDHash     string
	OfficerID  string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// WebSessions keeps the web interface's sessions and one-time sign-in
// links. Deactivating an officer ends both at once.
type WebSessions interface {
	CreateWebSession(ctx context.Context, s WebSession) error
	// WebSession finds a session and its officer, who must be active;
	// ErrUnauthenticated when there is no such session.
	WebSession(ctx context.Context, idHash string) (WebSession, Officer, error)
	TouchWebSession(ctx context.Context, idHash string, at time.Time) error
	EndWebSession(ctx context.Context, idHash string) error
	// SetWebSessionFlash keeps a message (JSON) for the session's next page,
	// the one a successful form redirects to; it replaces any not yet shown.
	SetWebSessionFlash(ctx context.Context, idHash string, flash []byte) error
	// TakeWebSessionFlash returns the session's kept message and forgets
	// it: nil when there is none.
	TakeWebSessionFlash(ctx context.Context, idHash string) ([]byte, error)
	// CreateSignInLink stores a one-time link for an officer, by the hash
	// of its token.
	CreateSignInLink(ctx context.Context, officerID, tokenHash string, expiresAt time.Time) error
	// RedeemSignInLink uses a link up: the active officer it was for, or
	// ErrUnauthenticated when it is unknown, used or expired.
	RedeemSignInLink(ctx context.Context, tokenHash string) (Officer, error)
}

// OIDCSignIn is an OpenID Connect sign-in in progress, kept server-side by
// the hash of its state until the identity provider sends the browser back.
type OIDCSignIn struct {
	StateHash    string
	Nonce        string
	CodeVerifier string
	Next         string
	ExpiresAt    time.Time
}

// OIDCSignIns keeps sign-ins in progress.
type OIDCSignIns interface {
	// StartOIDCSignIn stores a sign-in in progress (and forgets expired ones).
	StartOIDCSignIn(ctx context.Context, s OIDCSignIn) error
	// TakeOIDCSignIn uses a sign-in up: it is returned once, then gone;
	// ErrUnauthenticated when there is none (unknown, used, or expired as of
	// now).
	TakeOIDCSignIn(ctx context.Context, stateHash string, now time.Time) (OIDCSignIn, error)
}
