package domain

import (
	"context"
	"slices"
)

// Scope is what an officer may see and change: need-to-know by force. One
// rule for every role and route: an officer reads and writes their own
// force's records (officers, subjects, orders, flags, meetings, reports,
// audit entries); a regional role extends reading to the region; only an
// officer with no force (a national administrator or auditor) sees every
// force. An administrator or auditor with a force is bound to it like
// anyone else.
type Scope struct {
	AllForces   bool
	ReadForces  []string
	WriteForces []string
}

// ScopeFor works out an officer's scope; regionForces lists the forces in
// the region of the officer's force.
func ScopeFor(o Officer, regionForces []string) Scope {
	if o.Force == nil {
		if o.HasRole(RoleAdmin) || o.HasRole(RoleAuditor) {
			return Scope{AllForces: true}
		}
		return Scope{}
	}
	s := Scope{ReadForces: []string{*o.Force}, WriteForces: []string{*o.Force}}
	if o.HasRole(RoleRegional) {
		s.ReadForces = append([]string{}, regionForces...)
		if !slices.Contains(s.ReadForces, *o.Force) {
			s.ReadForces = append(s.ReadForces, *o.Force)
		}
	}
	return s
}

// CanRead reports whether records of force are visible.
func (s Scope) CanRead(force string) bool { return s.AllForces || slices.Contains(s.ReadForces, force) }

// CanWrite reports whether records of force may be changed.
func (s Scope) CanWrite(force string) bool {
	return s.AllForces || slices.Contains(s.WriteForces, force)
}

type scopeKey struct{}

// WithScope limits what the stores show and change for this request.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the request's scope; work with no scope (the scheduler,
// the demo loader) sees everything.
func ScopeFrom(ctx context.Context) Scope {
	if s, ok := ctx.Value(scopeKey{}).(Scope); ok {
		return s
	}
	return Scope{AllForces: true}
}
