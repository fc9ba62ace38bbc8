package domain

import (
	"context"
	"time"
)

// SubjectExport is everything the register holds about a subject, for a
// subject access request (DPA 2018 Part 3): identity, custody history,
// orders with their terms, owners, reviews, checks, flags and the tasking
// meetings' decisions on them. Producing it is a disclosure.
type SubjectExport struct {
	GeneratedAt    time.Time       `json:"generated_at"`
	Subject        Subject         `json:"subject"`
	CustodyHistory []CustodyPeriod `json:"custody_history"`
	Orders         []ExportedOrder `json:"orders"`
}

// ExportedOrder is one order with everything recorded against it.
type ExportedOrder struct {
	Order        Order              `json:"order"`
	OwnerHistory []OwnerAssignment  `json:"owner_history"`
	Reviews      []Review           `json:"reviews"`
	Checks       []Check            `json:"checks"`
	Flags        []Flag             `json:"flags"`
	Decisions    []ExportedDecision `json:"meeting_decisions"`
	// The legal history: every version of the terms, the order's timeline
	// (its making, service, variations and refusals, appeals, charges,
	// breaches, its end, with what each recorded), the charges that
	// extended it and the breaches of it.
	TermVersions []TermVersion `json:"term_versions"`
	Events       []OrderEvent  `json:"events"`
	Extensions   []Extension   `json:"extensions"`
	Breaches     []BreachCase  `json:"breaches"`
}

// ExportedDecision is a tasking meeting's decision on one of the order's
// agenda items, with the meeting it was taken at.
type ExportedDecision struct {
	MeetingID string   `json:"meeting_id"`
	HeldOn    Date     `json:"held_on"`
	ItemKind  string   `json:"item_kind"`
	Decision  Decision `json:"decision"`
}

// SubjectExporter produces a subject's export.
type SubjectExporter interface {
	ExportSubject(ctx context.Context, subjectID string) (SubjectExport, error)
}
