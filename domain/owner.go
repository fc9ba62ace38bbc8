package domain

import (
	"strings"
	"time"
)

// Owner roles on an order, and the officer role each one needs.
const (
	OwnerIOM           = "iom"
	OwnerLRO           = "lro"
	OwnerOrdersOfficer = "orders_officer"
)

// OwnerRoles lists the owner roles in display order.
var OwnerRoles = []string{OwnerIOM, OwnerLRO, OwnerOrdersOfficer}

// OwningRoles are the officer roles whose holders may own orders, one for
// each owner role (OfficerRoleFor), in the same order.
var OwningRoles = func() []string {
	out := make([]string, len(OwnerRoles))
	for i, r := range OwnerRoles {
		out[i], _ = OfficerRoleFor(r)
	}
	return out
}()

// OfficerRoleFor maps an owner role to the officer role its holder needs.
func OfficerRoleFor(ownerRole string) (string, bool) {
	switch ownerRole {
	case OwnerIOM:
		return RoleIOMOfficer, true
	case OwnerLRO:
		return RoleLRO, true
	case OwnerOrdersOfficer:
		return RoleOrdersOfficer, true
	}
	return "", false
}

// OfficerRef is how an officer appears inside another record.
type OfficerRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// OwnerAssignment is one officer holding one owner role on one order for a
// time. Assignments are never overwritten: ending one sets Until.
type OwnerAssignment struct {
	ID         string      `json:"id"`
	OrderID    string      `json:"order_id"`
	Role       string      `json:"role"`
	Officer    OfficerRef  `json:"officer"`
	From       time.Time   `json:"from"`
	Until      *time.Time  `json:"until"`
	Reason     string      `json:"reason"`
	AssignedBy *OfficerRef `json:"assigned_by"`
	EndedBy    *OfficerRef `json:"ended_by"`
	EndReason  *string     `json:"end_reason"`
}

// OwnerChange asks for an owner role to be given to an officer, or (with no
// OfficerID) to be left empty.
type OwnerChange struct {
	OrderID   string
	Role      string
	OfficerID string
	Reason    string
	By        string // the officer making the change
	// IfVersion, when set, must match the order's version (its ETag).
	IfVersion *int
	// Replacing, when set, is the officer the change was confirmed to
	// replace in the role ("" for nobody): a meeting's allocation says
	// whom it replaces, so that nobody is replaced unseen (CheckReplacing).
	// Nil replaces whoever holds the role, as PUT owners/{role} does.
	Replacing *string
}

// CheckReplacing refuses a change that would end current (the role's
// holder now; nil when nobody holds it) without having been confirmed to
// replace them. A confirmation for someone else (the role changed hands
// since the page was read) confirms nothing about who holds it now.
func (c OwnerChange) CheckReplacing(current *OwnerAssignment) error {
	if c.Replacing == nil || current == nil || current.Officer.ID == c.OfficerID || current.Officer.ID == *c.Replacing {
		return nil
	}
	return Invalid("replaces", "this replaces %s as %s: confirm the replacement, or choose a role nobody holds",
		current.Officer.Name, RoleName(c.Role))
}

// Validate checks the parts of a change that need no stored data.
func (c *OwnerChange) Validate(assigning bool, v *ValidationError) {
	if _, ok := OfficerRoleFor(c.Role); !ok {
		v.Add("role", "must be iom, lro or orders_officer")
	}
	if assigning && c.OfficerID == "" {
		v.Add("officer_id", "is required")
	}
	c.Reason = strings.TrimSpace(c.Reason)
	if c.Reason == "" {
		v.Add("reason", "is required: say why ownership changes")
	} else if len(c.Reason) > 500 {
		v.Add("reason", "must be at most 500 characters")
	}
}

// CanOwn checks that officer can hold an owner role on an order whose
// subject belongs to subjectForce: an owner must be able to act on it, so
// they are active, of the subject's force and hold the officer role the
// owner role needs. The SQL function owner_can_act is the same rule for the
// sweeps and reports; a test holds them together. The refusal names the
// force by its name when subjectForce has one ("cumbria" told officers
// less than "Cumbria Constabulary").
func CanOwn(officer Officer, ownerRole string, subjectForce Force) error {
	need, ok := OfficerRoleFor(ownerRole)
	switch {
	case !ok:
		return Invalid("role", "must be iom, lro or orders_officer")
	case !officer.Active:
		return Invalid("officer_id", "the officer is deactivated")
	case !officer.HasRole(need):
		return Invalid("officer_id", "the officer does not hold the %s role needed to be the order's %s", RoleName(need), RoleName(ownerRole))
	case officer.Force == nil || *officer.Force != subjectForce.Code:
		name := subjectForce.Name
		if name == "" {
			name = subjectForce.Code
		}
		return Invalid("officer_id", "the officer is not of the subject's force (%s): an owner must be able to act on the order", name)
	}
	return nil
}

// OwnerEndReason says why an officer's ownerships end after a change to the
// officer (before to after).
func OwnerEndReason(before, after Officer) string {
	switch {
	case !after.Active:
		return "officer deactivated"
	case after.Force == nil || before.Force == nil || *after.Force != *before.Force:
		return "officer moved force"
	}
	return "officer no longer holds the role"
}
