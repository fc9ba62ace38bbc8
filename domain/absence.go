package domain

import (
	"context"
	"strings"
	"time"
)

// Absence kinds.
var AbsenceKinds = []string{"annual_leave", "long_term", "other"}

// DefaultAbsenceThresholdDays is how long an owner may be away without
// cover before their orders are flagged, when the force sets nothing.
const DefaultAbsenceThresholdDays = 14

// Absence is a period an officer is away, with the officer covering their
// orders if there is one. An open-ended absence has no end date.
type Absence struct {
	ID          string      `json:"id"`
	OfficerID   string      `json:"officer_id"`
	Kind        string      `json:"kind"`
	StartsOn    Date        `json:"starts_on"`
	EndsOn      *Date       `json:"ends_on"`
	Cover       *OfficerRef `json:"cover"`
	Notes       *string     `json:"notes"`
	CreatedBy   *OfficerRef `json:"created_by"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	CancelledAt *time.Time  `json:"cancelled_at"`
	Version     int         `json:"version"`
}

// Validate checks an absence's own fields; today bounds how far back one
// may be recorded (a year).
func (a *Absence) Validate(today Date, v *ValidationError) { a.validate(today, true, v) }

// ValidateChange checks an absence after a change. A first day kept as it
// was is not judged against today's window again: an absence under way
// for more than a year can still be given an end, or cancelled.
func (a *Absence) ValidateChange(today, startedOn Date, v *ValidationError) {
	a.validate(today, !a.StartsOn.Equal(startedOn.Time), v)
}

func (a *Absence) validate(today Date, window bool, v *ValidationError) {
	oneOf(v, "kind", a.Kind, AbsenceKinds)
	if !v.Has("starts_on") {
		switch {
		case a.StartsOn.IsZero():
			v.Add("starts_on", "is required")
		case !window:
		case a.StartsOn.Before(today.AddDays(-366).Time):
			v.Add("starts_on", "must be within the last year")
		case a.StartsOn.After(today.AddDays(731).Time):
			v.Add("starts_on", "must be within the next two years")
		}
	}
	if a.EndsOn != nil && !v.Has("ends_on") && !v.Has("starts_on") && a.EndsOn.Before(a.StartsOn.Time) {
		v.Add("ends_on", "must not be before the first day away (%s)", a.StartsOn)
	}
	if a.Cover != nil && a.Cover.ID == a.OfficerID {
		v.Add("cover_officer_id", "must be another officer")
	}
	if a.Notes != nil {
		n := strings.TrimSpace(*a.Notes)
		a.Notes = &n
		if len(n) > 2000 {
			v.Add("notes", "must be at most 2000 characters")
		}
	}
}

// CanCover checks that cover can look after absent's orders: active, of the
// same force, holding at least one owner role.
func CanCover(absent, cover Officer) error {
	switch {
	case !cover.Active:
		return Invalid("cover_officer_id", "the officer is deactivated")
	case cover.Force == nil || absent.Force == nil || *cover.Force != *absent.Force:
		return Invalid("cover_officer_id", "must be an officer of the same force")
	case !cover.HasRole(RoleIOMOfficer) && !cover.HasRole(RoleLRO) && !cover.HasRole(RoleOrdersOfficer):
		return Invalid("cover_officer_id", "must hold an owner role (iom_officer, lro or orders_officer)")
	}
	return nil
}

// Absences records officers' absences.
type Absences interface {
	RecordAbsence(ctx context.Context, a Absence) (Absence, error)
	// ListAbsences reads a page of an officer's absences, the latest
	// first, and the cursor of the next page ("" after the last).
	ListAbsences(ctx context.Context, officerID string, p Page) ([]Absence, string, error)
	// UpdateAbsence changes an absence (dates, cover, notes) or cancels it.
	UpdateAbsence(ctx context.Context, officerID, id string, ifVersion *int, change func(*Absence) error) (Absence, error)
}

// WorkloadLine is one officer's caseload for a chair allocating fairly.
type WorkloadLine struct {
	Officer    OfficerRef     `json:"officer"`
	Roles      []string       `json:"roles"`
	Owned      map[string]int `json:"owned"`
	Total      int            `json:"total"`
	Overdue    int            `json:"overdue"`
	Covering   int            `json:"covering"`
	AbsentNow  bool           `json:"absent_now"`
	AbsentTill *Date          `json:"absent_until"`
}

// Workload is a force's officers side by side.
type Workload struct {
	Force    string         `json:"force"`
	AsOf     Date           `json:"as_of"`
	Officers []WorkloadLine `json:"officers"`
}

// WorkloadReports builds the allocation view.
type WorkloadReports interface {
	Workload(ctx context.Context, force string, asOf Date) (Workload, error)
}
