package domain

import (
	"context"
	"errors"
	"sync"
	"time"
)

// IdempotencyWindow is how long an Idempotency-Key's answer is kept.
const IdempotencyWindow = 24 * time.Hour

// IdempotentRequest is a POST sent with an Idempotency-Key: the key is
// claimed in the transaction of the change it guards, so a change and its
// key are stored together or not at all.
type IdempotentRequest struct {
	OfficerID   string
	Key         string
	RequestHash []byte

	mu      sync.Mutex
	claimed bool
}

// Claimed reports whether the key has been stored with a change.
func (r *IdempotentRequest) Claimed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.claimed
}

// MarkClaimed records that the key was stored.
func (r *IdempotentRequest) MarkClaimed() {
	r.mu.Lock()
	r.claimed = true
	r.mu.Unlock()
}

// IdempotentAnswer is a stored answer; Status 0 means the change was made
// but its answer was not stored.
type IdempotentAnswer struct {
	RequestHash []byte
	Status      int
	ContentType string
	Location    string
	Body        []byte
}

type idempotencyKey struct{}

// WithIdempotency attaches the request's key.
func WithIdempotency(ctx context.Context, r *IdempotentRequest) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, r)
}

// IdempotencyFrom returns the request's key, or nil.
func IdempotencyFrom(ctx context.Context) *IdempotentRequest {
	r, _ := ctx.Value(idempotencyKey{}).(*IdempotentRequest)
	return r
}

// KeyInUse refuses a request whose key another request holds: a repeat
// sent while the first is still running. The refusal is not the key's
// answer, and the repeat claims nothing.
func KeyInUse() error {
	return Conflict("Idempotency-Key", "a request with this key is being processed; retry shortly")
}

// IsKeyInUse reports whether err refuses a request because another holds
// its key.
func IsKeyInUse(err error) bool {
	var c *ConflictError
	return errors.As(err, &c) && c.Field == "Idempotency-Key"
}
