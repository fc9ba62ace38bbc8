package postgres

import (
	"context"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// GetPolicy returns a force's policy, or the defaults when it has none.
func (s *Store) GetPolicy(ctx context.Context, force string) (domain.Policy, error) {
	if _, err := s.GetForce(ctx, force); err != nil {
		return domain.Policy{}, err
	}
	return getPolicy(s.db.WithContext(ctx), force)
}

type policyRow struct {
	Force                string
	RequiredRoles        textArray
	PreReleaseDays       int
	CommunityReviewDays  int
	PrisonReviewDays     int
	CheckGraceDays       int
	ExpiryWarningDays    int
	EMWarningDays        int `gorm:"column:em_warning_days"`
	AbsenceThresholdDays int
	Version              int
	UpdatedAt            time.Time
}

func getPolicy(db *gorm.DB, force string) (domain.Policy, error) {
	var rows []policyRow
	if err := db.Table("force_policies").Where("force = ?", force).Find(&rows).Error; err != nil {
		return domain.Policy{}, err
	}
	if len(rows) == 0 {
		p := domain.DefaultPolicy(force)
		p.Version = 0 // never written: If-Match "0" creates it
		return p, nil
	}
	r := rows[0]
	return domain.Policy{Force: r.Force, RequiredRoles: []string(r.RequiredRoles), PreReleaseDays: r.PreReleaseDays,
		CommunityReviewDays: r.CommunityReviewDays, PrisonReviewDays: r.PrisonReviewDays,
		CheckGraceDays: r.CheckGraceDays, ExpiryWarningDays: r.ExpiryWarningDays, EMWarningDays: r.EMWarningDays,
		AbsenceThresholdDays: r.AbsenceThresholdDays, Version: r.Version,
		UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// PutPolicy replaces a force's policy. The next sweep uses it.
func (s *Store) PutPolicy(ctx context.Context, p domain.Policy, ifVersion *int) (domain.Policy, error) {
	v := &domain.ValidationError{}
	p.Validate(v)
	if err := v.Err(); err != nil {
		return domain.Policy{}, err
	}
	if _, err := s.GetForce(ctx, p.Force); err != nil {
		return domain.Policy{}, err
	}
	var out domain.Policy
	// A policy change re-settles its force's flags from the owners as they
	// stand, while a change to one order re-settles that order's from the
	// policy as it stands: run side by side, each missed the other's write
	// (an unowned flag left open, missing_roles naming the old policy). So
	// a policy change has the register to itself, as a sweep does (see
	// flagsLock): it waits for the changes under way and holds new ones
	// back until it commits. Policy changes are rare.
	err := s.tx(sweeping(ctx), func(tx *gorm.DB) error {
		if err := sweepLock(tx); err != nil {
			return err
		}
		// Policy writes for a force take turns, including the first.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext(?))`, "scpo:policy:"+p.Force).Error; err != nil {
			return err
		}
		current, err := getPolicy(tx, p.Force)
		if err != nil {
			return err
		}
		domain.Note(ctx, "force_policy", p.Force)
		if ifVersion != nil && *ifVersion != current.Version {
			return domain.ErrStale
		}
		if p.RequiredRoles == nil {
			p.RequiredRoles = []string{}
		}
		if err := tx.Exec(`INSERT INTO force_policies AS fp (force, required_roles, pre_release_days, community_review_days,
				prison_review_days, check_grace_days, expiry_warning_days, em_warning_days, absence_threshold_days, version, updated_at)
			VALUES (@force, @roles, @pre, @community, @prison, @grace, @expiry, @em, @absence, 1, @now)
			ON CONFLICT (force) DO UPDATE SET required_roles = @roles, pre_release_days = @pre,
				community_review_days = @community, prison_review_days = @prison, check_grace_days = @grace,
				expiry_warning_days = @expiry, em_warning_days = @em, absence_threshold_days = @absence, version = fp.version + 1, updated_at = @now`,
			map[string]any{"force": p.Force, "roles": textArray(p.RequiredRoles), "pre": p.PreReleaseDays,
				"community": p.CommunityReviewDays, "prison": p.PrisonReviewDays, "grace": p.CheckGraceDays,
				"expiry": p.ExpiryWarningDays, "em": p.EMWarningDays, "absence": p.AbsenceThresholdDays, "now": s.now()}).Error; err != nil {
			return translate(err)
		}
		// Flags the new policy ends are resolved now, not at the next sweep:
		// those of the kinds whose rules read a setting it changed.
		touchForce(tx, p.Force, p.FlagKindsMovedFrom(current)...)
		out, err = getPolicy(tx, p.Force)
		return err
	})
	return out, err
}
