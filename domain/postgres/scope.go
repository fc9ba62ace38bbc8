package postgres

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"

	"scpo/domain"
)

// readScope limits q to the forces the request may read, on column col.
func readScope(ctx context.Context, q *gorm.DB, col string) *gorm.DB {
	sc := domain.ScopeFrom(ctx)
	if sc.AllForces {
		return q
	}
	return q.Where(col+" IN ?", append([]string{""}, sc.ReadForces...))
}

// scopeSQL is readScope for hand-written SQL: a condition and its argument.
func scopeSQL(ctx context.Context, col string) (string, []any) {
	sc := domain.ScopeFrom(ctx)
	if sc.AllForces {
		return "true", nil
	}
	return col + " IN ?", []any{append([]string{""}, sc.ReadForces...)}
}

// canSee is how a single record outside the caller's view is treated: as
// if it did not exist.
func canSee(ctx context.Context, force string) error {
	if !domain.ScopeFrom(ctx).CanRead(force) {
		return domain.ErrNotFound
	}
	return nil
}

// canChange refuses a change to a record the caller may see but not change
// (a regional lead's view of another force).
func canChange(ctx context.Context, force string) error {
	if err := canSee(ctx, force); err != nil {
		return err
	}
	if !domain.ScopeFrom(ctx).CanWrite(force) {
		return domain.ErrForbidden
	}
	return nil
}

// noteRefused puts a record a request named in its body, and was refused
// ("no such ..."), on the request's audit entry: a refused attempt on a
// record is on the trail whether the record is another force's or does not
// exist (path IDs are noted by the API; body IDs only the store sees).
func noteRefused(ctx context.Context, recordType, id string) {
	if c, ok := domain.CanonicalID(id); ok {
		domain.Note(ctx, recordType, c)
	}
}

// canGrant refuses to give an officer more sight than the caller has: the
// scope the officer's force and roles give (domain.ScopeFor) must be within
// the caller's. A force-bound administrator could make a colleague, or
// themselves, a regional lead and so read every force of the region.
func (s *Store) canGrant(ctx context.Context, db *gorm.DB, o domain.Officer) error {
	caller := domain.ScopeFrom(ctx)
	if caller.AllForces || o.Force == nil {
		return nil // an officer with no force: canChange("") already asks for every force
	}
	region, err := s.regionForces(ctx, db, *o.Force)
	if err != nil {
		return err
	}
	granted := domain.ScopeFor(o, region)
	for _, f := range granted.ReadForces {
		if !caller.CanRead(f) {
			return domain.Invalid("roles", "would let the officer read forces you cannot (the regional role reads the whole region): only an administrator who sees them may grant it")
		}
	}
	for _, f := range granted.WriteForces {
		if !caller.CanWrite(f) {
			return domain.Invalid("force", "is outside the forces you manage")
		}
	}
	return nil
}

// RegionForces lists the forces in the region of force, for working out an
// officer's scope.
func (s *Store) RegionForces(ctx context.Context, force string) ([]string, error) {
	return s.regionForces(ctx, s.db, force)
}

// regionForces is RegionForces read through db (a transaction's own
// connection, when the list is not yet held).
func (s *Store) regionForces(ctx context.Context, db *gorm.DB, force string) ([]string, error) {
	list, byCode, err := s.forces.get(ctx, db)
	if err != nil {
		return nil, err
	}
	mine, ok := byCode[force]
	if !ok {
		return nil, nil
	}
	var out []string
	for _, f := range list {
		if f.Region == mine.Region {
			out = append(out, f.Code)
		}
	}
	slices.Sort(out)
	return out, nil
}

// auditScope limits the audit trail to what a caller bound to forces may
// read: entries made by their forces' officers, or naming a record of
// their forces (see audit_record_force in migrations/00052).
func auditScope(ctx context.Context, q *gorm.DB) *gorm.DB {
	sc := domain.ScopeFrom(ctx)
	if sc.AllForces {
		return q
	}
	forces := append([]string{""}, sc.ReadForces...)
	return q.Where(`(officer_id IN (SELECT id FROM officers WHERE force IN ?)
		OR EXISTS (SELECT 1 FROM jsonb_array_elements(records) r WHERE audit_record_force(r->>'type', r->>'id') IN ?))`,
		forces, forces)
}

// redactAudit removes from entries the records a caller bound to forces
// may not see, so an entry of their force names no other force's records;
// and hides in its query string (a search's terms, an ID filter) any ID
// that is not of a record they may see, typed there or not.
func redactAudit(ctx context.Context, db *gorm.DB, entries []domain.AuditEntry) ([]domain.AuditEntry, error) {
	sc := domain.ScopeFrom(ctx)
	if sc.AllForces || len(entries) == 0 {
		return entries, nil
	}
	var kinds, ids []string
	for _, e := range entries {
		for _, r := range e.Records {
			kinds, ids = append(kinds, r.Type), append(ids, r.ID)
		}
	}
	// An ID in a query may be of any record a filter takes.
	inQueries := map[string]bool{}
	for _, e := range entries {
		for _, id := range queryIDs.FindAllString(e.Query, -1) {
			inQueries[strings.ToLower(id)] = true
		}
	}
	for id := range inQueries {
		for _, kind := range []string{"subject", "order", "officer", "meeting"} {
			kinds, ids = append(kinds, kind), append(ids, id)
		}
	}
	var rows []struct {
		Kind, ID string
		Force    *string
	}
	if len(kinds) > 0 {
		if err := db.WithContext(ctx).Raw(`SELECT r.kind, r.id, audit_record_force(r.kind, r.id) AS force
			FROM unnest(?::text[], ?::text[]) AS r(kind, id)`, textArray(kinds), textArray(ids)).Scan(&rows).Error; err != nil {
			return nil, err
		}
	}
	visible := map[domain.RecordRef]bool{}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Force != nil && sc.CanRead(*r.Force) {
			visible[domain.RecordRef{Type: r.Kind, ID: r.ID}] = true
			seen[r.ID] = true
		}
	}
	for i, e := range entries {
		kept := []domain.RecordRef{}
		for _, r := range e.Records {
			if visible[r] {
				kept = append(kept, r)
			}
		}
		entries[i].Records = kept
		entries[i].Query = queryIDs.ReplaceAllStringFunc(e.Query, func(id string) string {
			if seen[strings.ToLower(id)] {
				return id
			}
			return "(hidden)"
		})
	}
	return entries, nil
}

// queryIDs finds UUIDs in a query string, in any case.
var queryIDs = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
