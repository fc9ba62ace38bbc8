package domain

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Audit actions, in the words of the Data Protection Act 2018 s.62.
const (
	ActionCollection   = "collection"
	ActionAlteration   = "alteration"
	ActionConsultation = "consultation"
	ActionDisclosure   = "disclosure"
	ActionErasure      = "erasure"
)

// AuditActions lists every action.
var AuditActions = []string{ActionCollection, ActionAlteration, ActionConsultation, ActionDisclosure, ActionErasure}

// RecordRef names one record an action touched.
type RecordRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// AuditEntry is one line of the audit trail.
type AuditEntry struct {
	ID        int64       `json:"id"`
	At        time.Time   `json:"at"`
	OfficerID *string     `json:"officer_id"`
	Action    string      `json:"action"`
	Method    string      `json:"method"`
	Route     string      `json:"route"`
	Records   []RecordRef `json:"records"`
	ClientIP  string      `json:"client_ip"`
	Purpose   string      `json:"purpose"`
	RequestID string      `json:"request_id"`
	// Query is the request's query string (search terms and filters),
	// parameters sorted by name; empty when it had none.
	Query string `json:"query,omitempty"`
	// Status is the HTTP status of a refused request (401, 403, 404, 422,
	// ...): the attempt is on the trail though nothing was done. Zero
	// (absent) for a request carried out.
	Status   int    `json:"status,omitempty"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Canonical is the byte form an entry's hash covers: everything but its
// id and the hashes themselves, in a fixed order.
func (e AuditEntry) Canonical() []byte {
	records := e.Records
	if records == nil {
		records = []RecordRef{}
	}
	b, _ := json.Marshal(struct {
		At        string      `json:"at"`
		OfficerID *string     `json:"officer_id"`
		Action    string      `json:"action"`
		Method    string      `json:"method"`
		Route     string      `json:"route"`
		Records   []RecordRef `json:"records"`
		ClientIP  string      `json:"client_ip"`
		Purpose   string      `json:"purpose"`
		RequestID string      `json:"request_id"`
		// Omitted when empty, so entries written before these fields
		// existed keep their hashes.
		Query  string `json:"query,omitempty"`
		Status int    `json:"status,omitempty"`
	}{e.At.UTC().Format(time.RFC3339Nano), e.OfficerID, e.Action, e.Method, e.Route, records, e.ClientIP,
		e.Purpose, e.RequestID, e.Query, e.Status})
	return b
}

// AuditTrail gathers one request's audit entry while it is served: who,
// what action, why, and the records it touched. Stores note records; the
// entry is written with the change it records, or before a read's answer
// is sent.
type AuditTrail struct {
	mu      sync.Mutex
	entry   AuditEntry
	seen    map[RecordRef]bool
	written bool
}

// NewAuditTrail starts a request's trail.
func NewAuditTrail(e AuditEntry) *AuditTrail {
	return &AuditTrail{entry: e, seen: map[RecordRef]bool{}}
}

// Note records that the request touched these records of one type.
func (a *AuditTrail) Note(recordType string, ids ...string) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		r := RecordRef{Type: recordType, ID: id}
		if id != "" && !a.seen[r] {
			a.seen[r] = true
			a.entry.Records = append(a.entry.Records, r)
		}
	}
}

// SetAction changes the action, as when a report is exported rather than
// read.
func (a *AuditTrail) SetAction(action string) {
	a.mu.Lock()
	a.entry.Action = action
	a.mu.Unlock()
}

// Refuse marks the entry as the record of a refused request, answered
// with status.
func (a *AuditTrail) Refuse(status int) {
	a.mu.Lock()
	a.entry.Status = status
	a.mu.Unlock()
}

// Pending returns the entry to write, or false when it is already written.
func (a *AuditTrail) Pending() (AuditEntry, bool) {
	if a == nil {
		return AuditEntry{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.entry
	e.Records = append([]RecordRef{}, a.entry.Records...)
	return e, !a.written
}

// Written marks the entry as stored.
func (a *AuditTrail) Written() {
	a.mu.Lock()
	a.written = true
	a.mu.Unlock()
}

type auditKey struct{}

// WithAudit attaches a request's trail.
func WithAudit(ctx context.Context, a *AuditTrail) context.Context {
	return context.WithValue(ctx, auditKey{}, a)
}

// AuditFrom returns the request's trail, or nil.
func AuditFrom(ctx context.Context) *AuditTrail {
	a, _ := ctx.Value(auditKey{}).(*AuditTrail)
	return a
}

// Note notes records on the context's trail, if any.
func Note(ctx context.Context, recordType string, ids ...string) {
	AuditFrom(ctx).Note(recordType, ids...)
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	// Entry is one entry's number: that entry alone, when the caller may
	// read it.
	Entry     int64
	OfficerID string
	SubjectID string
	OrderID   string
	Action    string
	From, To  *time.Time
}

// TokenInfo describes an issued token without the token itself.
type TokenInfo struct {
	ID        string     `json:"id"`
	OfficerID string     `json:"officer_id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// RecordChange is the latest change to a record, as the audit trail tells
// it: when, and by whom.
type RecordChange struct {
	At time.Time
	// By is the officer who made it; nil when the reader may not see them
	// (an officer of a force outside the reader's view, or a national one
	// seen only by those who see every force).
	By *OfficerRef
}

// RecordName is how a record named on the audit trail is shown: a
// subject's name with its PNC ID (or an organisation's registration
// number) as Identifier, an order's court reference, an officer's name.
type RecordName struct {
	Name       string
	Identifier string
}

// Audit reads and checks the trail.
type Audit interface {
	WriteAudit(ctx context.Context) error
	ListAudit(ctx context.Context, f AuditFilter, p Page) ([]AuditEntry, string, error)
	// AuditRecordNames names the subjects, orders and officers among refs
	// that the caller may see, all in one statement; a record out of view
	// or gone is absent. refs are what the caller is shown: each subject
	// named (a name and PNC ID on the screen) is noted on the request's
	// entry, as every page showing a subject notes it. Nothing else is:
	// whoever reads the trail consults the trail, as GET /audit does, and
	// the entry stays as small as what was shown, not every record the
	// entries read name.
	AuditRecordNames(ctx context.Context, refs []RecordRef) (map[RecordRef]RecordName, error)
	// LastChange is the latest change to a record the caller has just
	// read (a stale form's record, by its audit record type: force_policy,
	// officer, absence, subject, order, check, extension, breach_case); nil
	// when the trail does not say (a sweep's change).
	LastChange(ctx context.Context, record RecordRef) (*RecordChange, error)
	// ListTokens reads a page of an officer's tokens, as issued, and the
	// cursor of the next page ("" after the last).
	ListTokens(ctx context.Context, officerID string, p Page) ([]TokenInfo, string, error)
	RevokeToken(ctx context.Context, officerID, tokenID string) error
}
