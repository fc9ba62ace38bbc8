package postgres

import (
	"context"

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

// RegionForces lists the forces in the region of force, for working out an
// officer's scope.
func (s *Store) RegionForces(ctx context.Context, force string) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Raw(`SELECT f.code FROM forces f JOIN forces mine ON mine.region = f.region
		WHERE mine.code = ? ORDER BY f.code`, force).Scan(&out).Error
	return out, err
}
