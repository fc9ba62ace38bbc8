package domain

import (
	"context"
	"encoding/json"
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

// EligibilityDateTypes are the release dates on which a subject may be
// released, or later (home detention curfew, parole): their passing is not
// a missed release. On the others release is due.
var EligibilityDateTypes = []string{"HDCED", "PED"}

// ReleaseIsDue reports whether a release date of this type is one on which
// release is due, so a subject still held after it is a problem. The SQL
// function release_date_is_due says the same; a test holds them together.
func ReleaseIsDue(dateType string) bool {
	return slices.Contains(ReleaseDateTypes, dateType) && !slices.Contains(EligibilityDateTypes, dateType)
}

// Custody is where the subject is: in the community or in prison.
type Custody struct {
	Status          string  `json:"status"`
	Establishment   *string `json:"establishment"`
	ReleaseDate     *Date   `json:"release_date"`
	ReleaseDateType *string `json:"release_date_type"`
	// ReleasedOn is, for a subject in the community, the day of their last
	// release from custody (null if never held while on the register). On a
	// change from custody to community it is the actual day of release.
	ReleasedOn *Date `json:"released_on"`
	// BeganOn, given with a return to custody or while in custody, is the
	// day the spell began (a recall recorded late, or its day corrected);
	// today when not given. It is kept on the custody period, not here.
	BeganOn *Date `json:"began_on,omitempty"`
}

// InCustody reports whether the subject is in prison.
func (c Custody) InCustody() bool { return c.Status == CustodyCustody }

// Subject kinds: an individual, or (ss.30-34) a body corporate, a
// partnership or an unincorporated association.
const (
	SubjectIndividual                = "individual"
	SubjectBodyCorporate             = "body_corporate"
	SubjectPartnership               = "partnership"
	SubjectUnincorporatedAssociation = "unincorporated_association"
)

// SubjectKinds lists every kind.
var SubjectKinds = []string{SubjectIndividual, SubjectBodyCorporate, SubjectPartnership, SubjectUnincorporatedAssociation}

// Subject is a person (or, ss.30-34, an organisation) subject to one or
// more orders. An organisation has a name (Name, kept as LastName with no
// first names), a registration number where it has one and a registered
// address, and no date of birth, PNC ID, ViSOR ID, prison number or custody.
type Subject struct {
	ID                 string    `json:"id"`
	Kind               string    `json:"kind"`
	Name               string    `json:"name"` // read-only for individuals: first names and last name
	RegistrationNumber *string   `json:"registration_number"`
	RegisteredAddress  *string   `json:"registered_address"`
	FirstNames         string    `json:"first_names"`
	LastName           string    `json:"last_name"`
	Aliases            []string  `json:"aliases"`
	DateOfBirth        Date      `json:"date_of_birth"`
	PNCID              string    `json:"pnc_id"`
	VisorID            *string   `json:"visor_id"`
	PrisonNumber       *string   `json:"prison_number"`
	Force              string    `json:"force"`
	Custody            Custody   `json:"custody"`
	Version            int       `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

var visorPattern = regexp.MustCompile(`^[A-Za-z0-9/-]{1,30}$`)

// IsIndividual reports whether the subject is a person (the age rule of
// s.6, a date of birth and a PNC ID apply only to them).
func (s Subject) IsIndividual() bool { return s.Kind == "" || s.Kind == SubjectIndividual }

// DisplayName is the subject's name as shown: an individual's first names
// and last name, an organisation's name.
func (s Subject) DisplayName() string { return strings.TrimSpace(s.FirstNames + " " + s.LastName) }

// MarshalJSON shows an organisation's missing date of birth and PNC ID as
// null rather than as empty values.
func (s Subject) MarshalJSON() ([]byte, error) {
	type plain Subject
	out := struct {
		plain
		DateOfBirth *Date   `json:"date_of_birth"`
		PNCID       *string `json:"pnc_id"`
	}{plain: plain(s)}
	if !s.DateOfBirth.IsZero() {
		out.DateOfBirth = &s.DateOfBirth
	}
	if s.PNCID != "" {
		out.PNCID = &s.PNCID
	}
	if out.Kind == "" {
		out.Kind = SubjectIndividual
	}
	if out.Name == "" {
		out.Name = s.DisplayName()
	}
	return json.Marshal(out)
}

// Validate checks and normalises a subject's fields as of today.
func (s *Subject) Validate(today Date, v *ValidationError) {
	if s.Kind == "" {
		s.Kind = SubjectIndividual
	}
	if !slices.Contains(SubjectKinds, s.Kind) {
		v.Add("kind", "must be one of %s", strings.Join(SubjectKinds, ", "))
	}
	if !s.IsIndividual() {
		s.validateOrganisation(today, v)
		return
	}
	if s.RegistrationNumber != nil {
		v.Add("registration_number", "is only for a body corporate, partnership or unincorporated association")
	}
	if s.RegisteredAddress != nil {
		v.Add("registered_address", "is only for a body corporate, partnership or unincorporated association")
	}
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
	if r := s.Custody.ReleaseDate; r != nil && !s.DateOfBirth.IsZero() && r.Before(s.DateOfBirth.Time) &&
		!v.Has("custody.release_date") {
		v.Add("custody.release_date", "must not be before the subject's date of birth (%s)", s.DateOfBirth)
	}
	s.Name = s.DisplayName()
}

// validateOrganisation checks a subject that is not an individual
// (ss.30-34): its name, registration number and registered address; it has
// no date of birth, PNC ID, ViSOR ID, prison number or custody.
func (s *Subject) validateOrganisation(today Date, v *ValidationError) {
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" && s.FirstNames == "" {
		s.Name = strings.TrimSpace(s.LastName)
	}
	requireText(v, "name", s.Name, 200)
	if s.FirstNames != "" {
		v.Add("first_names", "must be empty for a %s: give its name", strings.ReplaceAll(s.Kind, "_", " "))
	}
	s.FirstNames, s.LastName = "", s.Name
	if !s.DateOfBirth.IsZero() || v.Has("date_of_birth") {
		v.Add("date_of_birth", "must be empty: only an individual has a date of birth")
	}
	if s.PNCID != "" || v.Has("pnc_id") {
		v.Add("pnc_id", "must be empty: only an individual has a PNC ID")
	}
	if s.VisorID != nil {
		v.Add("visor_id", "must be empty: only an individual is on ViSOR")
	}
	if s.PrisonNumber != nil {
		v.Add("prison_number", "must be empty: only an individual has a prison number")
	}
	if s.RegistrationNumber != nil {
		r := strings.TrimSpace(*s.RegistrationNumber)
		if r == "" || len(r) > 50 {
			v.Add("registration_number", "must be 1 to 50 characters")
		}
		s.RegistrationNumber = &r
	}
	if s.RegisteredAddress == nil || strings.TrimSpace(*s.RegisteredAddress) == "" {
		v.Add("registered_address", "is required for a %s", strings.ReplaceAll(s.Kind, "_", " "))
	} else {
		a := strings.TrimSpace(*s.RegisteredAddress)
		if len(a) > 500 {
			v.Add("registered_address", "must be at most 500 characters")
		}
		s.RegisteredAddress = &a
	}
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
	if strings.TrimSpace(s.Force) == "" {
		v.Add("force", "is required")
	}
	if s.Custody.Status == "" {
		s.Custody.Status = CustodyCommunity
	}
	if s.Custody.Status != CustodyCommunity {
		v.Add("custody.status", "must be community: an organisation is not held in custody")
	}
	s.Custody.validate(today, v)
}

func (c *Custody) validate(today Date, v *ValidationError) {
	switch c.Status {
	case CustodyCommunity:
		// Where someone in the community was held is kept in their custody
		// history, not here: "in custody" stays a single fact.
		c.Establishment, c.ReleaseDate, c.ReleaseDateType = nil, nil, nil
		if c.ReleasedOn != nil && c.ReleasedOn.After(today.Time) {
			v.Add("custody.released_on", "must not be in the future: record a release on the day it happens")
		}
	case CustodyCustody:
		c.ReleasedOn = nil
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
		if c.ReleaseDate != nil && (c.ReleaseDate.Before(today.AddMonths(-12*30).Time) || c.ReleaseDate.After(today.AddMonths(12*60).Time)) {
			v.Add("custody.release_date", "must be within 30 years before and 60 years after today")
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

// Release decides the day a subject in custody (before) was released, now
// that their record says community: the day given; else the recorded
// release date when it has passed and release was due on it (a record
// updated late), unless an order made to start on this release was made
// after it (madeBy, the latest such order's made date) or the custody
// period began after it (a recall recorded with the old date): the record
// is stale; else today. It must not be in the future nor before the custody
// period began (when known).
func (s *Subject) Release(before Custody, periodBegan, madeBy *Date, today Date) (Date, error) {
	on := today
	switch {
	case s.Custody.ReleasedOn != nil:
		on = *s.Custody.ReleasedOn
	case before.ReleaseDate != nil && before.ReleaseDate.OnOrBefore(today) && before.ReleaseDateType != nil &&
		ReleaseIsDue(*before.ReleaseDateType) && (madeBy == nil || !before.ReleaseDate.Before(madeBy.Time)) &&
		(periodBegan == nil || !before.ReleaseDate.Before(periodBegan.Time)):
		on = *before.ReleaseDate
	}
	switch {
	case on.After(today.Time):
		return Date{}, Invalid("custody.released_on", "must not be in the future: record a release on the day it happens")
	case periodBegan != nil && on.Before(periodBegan.Time):
		return Date{}, Invalid("custody.released_on", "must not be before the custody period began (%s)", periodBegan)
	}
	s.Custody.ReleasedOn = &on
	return on, nil
}

func requireText(v *ValidationError, field, s string, max int) {
	if s == "" {
		v.Add(field, "is required")
	} else if len(s) > max {
		v.Add(field, "must be at most %d characters", max)
	}
}

// CustodyPeriod is one spell in custody known to the register: where, the
// release date expected, and the day of release once it came.
type CustodyPeriod struct {
	ID              string    `json:"id"`
	SubjectID       string    `json:"subject_id"`
	Establishment   *string   `json:"establishment"`
	BeganOn         *Date     `json:"began_on"`
	ReleaseDate     *Date     `json:"release_date"`
	ReleaseDateType *string   `json:"release_date_type"`
	ReleasedOn      *Date     `json:"released_on"`
	RecordedAt      time.Time `json:"recorded_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// Changes are what was changed while the spell lasted (a move to
	// another prison, a release date moved), oldest first.
	Changes []CustodyChange `json:"changes"`
}

// CustodyChange is one change to an open custody period: what it said
// before and after, when and by whom.
type CustodyChange struct {
	ChangedAt time.Time    `json:"changed_at"`
	ChangedBy *OfficerRef  `json:"changed_by"`
	Before    CustodyFacts `json:"before"`
	After     CustodyFacts `json:"after"`
}

// CustodyFacts are the facts of a custody period that can change while it
// lasts.
type CustodyFacts struct {
	Establishment   *string `json:"establishment"`
	ReleaseDate     *Date   `json:"release_date"`
	ReleaseDateType *string `json:"release_date_type"`
	BeganOn         *Date   `json:"began_on"`
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
	// CustodyHistory lists a page of the subject's custody periods, latest
	// first, and the cursor of the next page.
	CustodyHistory(ctx context.Context, subjectID string, p Page) ([]CustodyPeriod, string, error)
	// LikelyReleaseDay is the day a release of the subject (in custody)
	// would be recorded on with no day given (Subject.Release), for a form
	// to offer.
	LikelyReleaseDay(ctx context.Context, subjectID string) (Date, error)
}

// ReturnToCustody checks a subject recorded in custody again (recalled or
// sentenced again) and answers the day the spell began: Custody.BeganOn
// when given (a recall recorded a few days late), else today. An expected
// release before that day cannot be this spell's (it was accepted, and the
// subject stood overdue for release the day they went in).
func (s *Subject) ReturnToCustody(lastRelease *Date, today Date) (Date, error) {
	began, err := s.Custody.SpellBegan(lastRelease, today)
	if err != nil {
		return began, err
	}
	// An eligibility date (HDCED, PED) passed is no release overdue.
	due := s.Custody.ReleaseDateType == nil || ReleaseIsDue(*s.Custody.ReleaseDateType)
	if d := s.Custody.ReleaseDate; d != nil && d.Before(began.Time) && due {
		return began, Invalid("custody.release_date", "must not be before the return to custody (%s)", began)
	}
	return began, nil
}

// SpellBegan is the day a spell in custody began, as given (BeganOn) or
// today: never in the future, before the subject's last release, or more
// than a year ago (a date that old is a mistake, not a late record).
func (c Custody) SpellBegan(lastRelease *Date, today Date) (Date, error) {
	if c.BeganOn == nil {
		return today, nil
	}
	began := *c.BeganOn
	switch {
	case began.After(today.Time):
		return began, Invalid("custody.began_on", "must not be in the future")
	case lastRelease != nil && began.Before(lastRelease.Time):
		return began, Invalid("custody.began_on", "must not be before the subject's last release (%s)", *lastRelease)
	case began.Before(today.AddDays(-366).Time):
		return began, Invalid("custody.began_on", "must be within the last year")
	}
	return began, nil
}
