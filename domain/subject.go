package domain

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Custody statuses and HMPPS release date types.
const (
	CustodyCommunity = "community"
	CustodyCustody   = "custody"
)

// ReleaseDateTypes are the HMPPS release date kinds.
var ReleaseDateTypes = []string{"HDCED", "CRD", "ARD", "PED", "LED", "SED"}

// Custody is where the subject is: in the community or in prison.
type Custody struct {
	Status          string  `json:"status"`
	Establishment   *string `json:"establishment"`
	ReleaseDate     *Date   `json:"release_date"`
	ReleaseDateType *string `json:"release_date_type"`
}

// InCustody reports whether the subject is in prison.
func (c Custody) InCustody() bool { return c.Status == CustodyCustody }

// Subject is a person subject to one or more orders.
type Subject struct {
	ID           string    `json:"id"`
	FirstNames   string    `json:"first_names"`
	LastName     string    `json:"last_name"`
	Aliases      []string  `json:"aliases"`
	DateOfBirth  Date      `json:"date_of_birth"`
	PNCID        string    `json:"pnc_id"`
	VisorID      *string   `json:"visor_id"`
	PrisonNumber *string   `json:"prison_number"`
	Force        string    `json:"force"`
	Custody      Custody   `json:"custody"`
	Version      int       `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

var visorPattern = regexp.MustCompile(`^[A-Za-z0-9/-]{1,30}$`)

// Validate checks and normalises a subject's fields as of today.
func (s *Subject) Validate(today Date, v *ValidationError) {
	s.FirstNames = strings.TrimSpace(s.FirstNames)
	s.LastName = strings.TrimSpace(s.LastName)
	requireText(v, "first_names", s.FirstNames, 200)
	requireText(v, "last_name", s.LastName, 200)
	if len(s.Aliases) > 50 {
		v.Add("aliases", "must have at most 50 entries")
	}
	for i, a := range s.Aliases {
		s.Aliases[i] = strings.TrimSpace(a)
		if s.Aliases[i] == "" || len(s.Aliases[i]) > 200 {
			v.Add("aliases", "each alias must be 1 to 200 characters")
			break
		}
	}
	if !v.Has("date_of_birth") {
		if s.DateOfBirth.IsZero() {
			v.Add("date_of_birth", "is required")
		} else if s.DateOfBirth.After(today.Time) {
			v.Add("date_of_birth", "must not be in the future")
		} else if s.DateOfBirth.Year() < 1900 {
			v.Add("date_of_birth", "must be 1900 or later")
		}
	}
	if !v.Has("pnc_id") {
		if s.PNCID == "" {
			v.Add("pnc_id", "is required")
		} else if p, err := NormalisePNC(s.PNCID, today); err != nil {
			v.Add("pnc_id", "%s", err)
		} else {
			s.PNCID = p
		}
	}
	if s.VisorID != nil {
		if !visorPattern.MatchString(*s.VisorID) {
			v.Add("visor_id", "must be 1 to 30 letters, digits, '/' or '-'")
		}
	}
	if s.PrisonNumber != nil {
		if p, err := NormalisePrisonNumber(*s.PrisonNumber); err != nil {
			v.Add("prison_number", "%s", err)
		} else {
			s.PrisonNumber = &p
		}
	}
	if strings.TrimSpace(s.Force) == "" {
		v.Add("force", "is required")
	}
	s.Custody.validate(today, v)
}

func (c *Custody) validate(today Date, v *ValidationError) {
	switch c.Status {
	case CustodyCommunity:
		// Where someone in the community was once held is not this record's
		// business; clearing it keeps "in custody" a single fact.
		c.Establishment, c.ReleaseDate, c.ReleaseDateType = nil, nil, nil
	case CustodyCustody:
		if c.Establishment != nil {
			e := strings.TrimSpace(*c.Establishment)
			if e == "" || len(e) > 200 {
				v.Add("custody.establishment", "must be 1 to 200 characters")
			}
			c.Establishment = &e
		}
		if c.ReleaseDateType != nil && !slices.Contains(ReleaseDateTypes, *c.ReleaseDateType) {
			v.Add("custody.release_date_type", "must be one of %s", strings.Join(ReleaseDateTypes, ", "))
		}
		if c.ReleaseDate != nil && c.ReleaseDateType == nil {
			v.Add("custody.release_date_type", "is required with a release date")
		}
		if c.ReleaseDate == nil && c.ReleaseDateType != nil && !v.Has("custody.release_date") {
			v.Add("custody.release_date", "is required with a release date type")
		}
	case "":
		v.Add("custody.status", "is required")
	default:
		v.Add("custody.status", "must be community or custody")
	}
}

func requireText(v *ValidationError, field, s string, max int) {
	if s == "" {
		v.Add(field, "is required")
	} else if len(s) > max {
		v.Add(field, "must be at most %d characters", max)
	}
}

// SubjectFilter narrows a subject list.
type SubjectFilter struct {
	Force string
	PNCID string
	Q     string // matches names and aliases
	// PrisonNumber is normalised (NormalisePrisonNumber) and matched exactly.
	PrisonNumber string
}

// Subjects records the people subject to orders.
type Subjects interface {
	CreateSubject(ctx context.Context, s Subject) (Subject, error)
	GetSubject(ctx context.Context, id string) (Subject, error)
	ListSubjects(ctx context.Context, f SubjectFilter, p Page) ([]Subject, string, error)
	// UpdateSubject applies change to the stored subject, refusing with
	// ErrStale when ifVersion is given and no longer matches. A move from
	// custody to the community starts the subject's on-release orders.
	UpdateSubject(ctx context.Context, id string, ifVersion *int, change func(*Subject) error) (Subject, error)
}
