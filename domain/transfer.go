package domain

import (
	"context"
	"strings"
	"time"
)

// Transfer statuses.
const (
	TransferRequested = "requested"
	TransferAccepted  = "accepted"
	TransferDeclined  = "declined"
	TransferWithdrawn = "withdrawn"
)

// TransferOrder is how an order appears on a transfer: enough for the
// receiving force to decide, before the subject is theirs to see.
type TransferOrder struct {
	OrderID   string `json:"order_id"`
	Reference string `json:"reference"`
	Status    string `json:"status"`
}

// Transfer moves a subject, with their orders, from one force to another:
// requested by the sender, accepted or declined by the receiver. Until it
// is accepted the subject stays with the sender.
type Transfer struct {
	ID             string          `json:"id"`
	SubjectID      string          `json:"subject_id"`
	SubjectName    string          `json:"subject_name"`
	PNCID          string          `json:"pnc_id"`
	Orders         []TransferOrder `json:"orders"`
	FromForce      string          `json:"from_force"`
	ToForce        string          `json:"to_force"`
	Status         string          `json:"status"`
	Reason         string          `json:"reason"`
	RequestedBy    *OfficerRef     `json:"requested_by"`
	RequestedAt    time.Time       `json:"requested_at"`
	DecidedBy      *OfficerRef     `json:"decided_by"`
	DecidedAt      *time.Time      `json:"decided_at"`
	DecisionReason *string         `json:"decision_reason"`
}

// TransferRequest asks for a subject to move to another force.
type TransferRequest struct {
	SubjectID string
	ToForce   string
	Reason    string
}

// Validate checks a request against the subject's current force.
func (r *TransferRequest) Validate(from string, v *ValidationError) {
	r.ToForce = strings.TrimSpace(r.ToForce)
	r.Reason = strings.TrimSpace(r.Reason)
	switch {
	case r.ToForce == "":
		v.Add("to_force", "is required")
	case r.ToForce == from:
		v.Add("to_force", "must be another force: the subject is already with %s", from)
	}
	requireText(v, "reason", r.Reason, 2000)
}

// Decide settles a requested transfer: accepted (reason optional) or
// declined (reason required); withdrawn by the sender.
func (t *Transfer) Decide(status string, reason *string, by string, at time.Time) error {
	if t.Status != TransferRequested {
		return Conflict("status", "the transfer was already %s", t.Status)
	}
	v := &ValidationError{}
	if reason != nil {
		r := strings.TrimSpace(*reason)
		reason = &r
		if r == "" {
			reason = nil
		} else if len(r) > 2000 {
			v.Add("reason", "must be at most 2000 characters")
		}
	}
	if status == TransferDeclined && reason == nil {
		v.Add("reason", "is required: say why the transfer is declined")
	}
	if err := v.Err(); err != nil {
		return err
	}
	t.Status, t.DecisionReason, t.DecidedAt = status, reason, &at
	t.DecidedBy = &OfficerRef{ID: by}
	return nil
}

// TransferFilter narrows a transfer list: the force's incoming or outgoing
// transfers, or both.
type TransferFilter struct {
	Force     string
	Direction string // incoming, outgoing or "" for both
	Status    string
	// Settled: those no longer waiting (accepted, declined or withdrawn).
	Settled   bool
	SubjectID string
}

// Transfers moves subjects between forces.
type Transfers interface {
	RequestTransfer(ctx context.Context, r TransferRequest) (Transfer, error)
	GetTransfer(ctx context.Context, id string) (Transfer, error)
	ListTransfers(ctx context.Context, f TransferFilter, p Page) ([]Transfer, string, error)
	// CountTransfers counts the transfers ListTransfers lists with f.
	CountTransfers(ctx context.Context, f TransferFilter) (int, error)
	// DecideTransfer accepts, declines or withdraws a requested transfer.
	// On acceptance the subject and their orders move, the sender's owners'
	// assignments end ("transferred to …") and the open flags follow.
	DecideTransfer(ctx context.Context, id, status string, reason *string) (Transfer, error)
}
