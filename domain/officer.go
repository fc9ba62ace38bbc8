package domain

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Officer roles. An officer may hold several.
const (
	RoleAdmin         = "admin"
	RoleIOMOfficer    = "iom_officer"
	RoleLRO           = "lro"
	RoleOrdersOfficer = "orders_officer"
	RolePrisonLiaison = "prison_liaison"
	RoleTaskingChair  = "tasking_chair"
	RoleRegional      = "regional"
	RoleAuditor       = "auditor"
)

// OfficerRoles lists every role an officer may hold.
var OfficerRoles = []string{RoleAdmin, RoleIOMOfficer, RoleLRO, RoleOrdersOfficer,
	RolePrisonLiaison, RoleTaskingChair, RoleRegional, RoleAuditor}

// Force is one of the 43 territorial police forces of England and Wales.
type Force struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Region     string `json:"region"`
	RegionName string `json:"region_name"`
}

// Officer is a person who uses the service and may own orders.
type Officer struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Force     *string   `json:"force"`
	Roles     []string  `json:"roles"`
	Active    bool      `json:"active"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HasRole reports whether the officer holds role.
func (o Officer) HasRole(role string) bool { return slices.Contains(o.Roles, role) }

// Validate checks an officer's own fields. Whether the force exists is the
// store's business.
func (o *Officer) Validate(v *ValidationError) {
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" {
		v.Add("name", "is required")
	} else if len(o.Name) > 200 {
		v.Add("name", "must be at most 200 characters")
	}
	o.Email = strings.ToLower(strings.TrimSpace(o.Email))
	if o.Email == "" {
		v.Add("email", "is required")
	} else if a, err := mail.ParseAddress(o.Email); err != nil || a.Address != o.Email || len(o.Email) > 254 {
		v.Add("email", "must be an email address like name@force.police.uk")
	}
	if len(o.Roles) == 0 {
		v.Add("roles", "must name at least one role")
	}
	seen := map[string]bool{}
	for _, r := range o.Roles {
		if !slices.Contains(OfficerRoles, r) {
			v.Add("roles", "must be one of %s (not %q)", strings.Join(OfficerRoles, ", "), r)
		} else if seen[r] {
			v.Add("roles", "role %q is given twice", r)
		}
		seen[r] = true
	}
	if o.Force != nil && *o.Force == "" {
		o.Force = nil
	}
	// Only a national administrator or auditor may belong to no force.
	if o.Force == nil && !v.Has("roles") {
		for _, r := range o.Roles {
			if r != RoleAdmin && r != RoleAuditor {
				v.Add("force", "is required for the role of %s (only an administrator or auditor may be national)", RoleName(r))
				break
			}
		}
	}
}

// IssuedToken is a bearer token as shown once at creation.
type IssuedToken struct {
	ID        string     `json:"id"`
	Token     string     `json:"token"`
	OfficerID string     `json:"officer_id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Officers manages officers and their tokens.
type Officers interface {
	ListForces(ctx context.Context) ([]Force, error)
	GetForce(ctx context.Context, code string) (Force, error)

	CreateOfficer(ctx context.Context, o Officer) (Officer, error)
	GetOfficer(ctx context.Context, id string) (Officer, error)
	// OfficerByEmail finds the officer, active or not, with email (compared
	// case-insensitively); ErrNotFound when there is none.
	OfficerByEmail(ctx context.Context, email string) (Officer, error)
	ListOfficers(ctx context.Context, f OfficerFilter, p Page) ([]Officer, string, error)
	// CountOfficers counts the officers ListOfficers would list with f,
	// for a page that shows some and says how many there are.
	CountOfficers(ctx context.Context, f OfficerFilter) (int, error)
	// UpdateOfficer applies change to the stored officer, refusing with
	// ErrStale when ifVersion is given and no longer matches.
	UpdateOfficer(ctx context.Context, id string, ifVersion *int, change func(*Officer) error) (Officer, error)

	// CountOfficerLists counts an officer's tokens and absences, for a page
	// that shows a page of each and says how many there are.
	CountOfficerLists(ctx context.Context, officerID string) (OfficerListCounts, error)

	IssueToken(ctx context.Context, officerID string, expiresAt *time.Time) (IssuedToken, error)
	// Authenticate finds the active officer holding token.
	Authenticate(ctx context.Context, token string) (Officer, error)
	// EnsureBootstrapAdmin makes token belong to an active admin.
	EnsureBootstrapAdmin(ctx context.Context, token string) (Officer, error)
}

// OfficerFilter narrows an officer list.
type OfficerFilter struct {
	Force string
	Role  string
	// AnyRole: holding at least one of these roles (the roles that own
	// orders, or that act on them).
	AnyRole []string
	// Active: the active officers alone (those who may be chosen).
	Active bool
	// Name: part of the officer's name or e-mail address, in any case.
	Name string
	// ByName lists by name (then ID) instead of by ID; the page's cursor
	// is then the one such a list gave out (EncodeKeyCursor of the last
	// officer's name and ID), not an ID.
	ByName bool
}

// OfficerListCounts is how many tokens (live or not) and absences
// (cancelled or not) an officer has.
type OfficerListCounts struct {
	Tokens   int
	Absences int
}

// Page is a keyset page request: at most Limit rows after Cursor.
type Page struct {
	Limit  int
	Cursor string
}
