package postgres

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"scpo/domain"
)

// Regional meetings (migration 00171): a regional lead's meeting over the
// forces of their region, its agenda the escalations from the region's
// force meetings, its decisions actions for officers of the force each
// escalation concerns.

// regionForces lists a region's forces (none: no such region).
func regionForces(db *gorm.DB, region string) ([]string, error) {
	var out []string
	err := db.Raw(`SELECT code FROM forces WHERE region = ? ORDER BY code`, region).Scan(&out).Error
	return out, err
}

// canSeeMeeting: a force meeting is seen by those who read its force; a
// regional meeting, which sets the region's forces side by side, only by
// those who read every force of the region.
func canSeeMeeting(ctx context.Context, db *gorm.DB, force, region string) error {
	if region == "" {
		return canSee(ctx, force)
	}
	sc := domain.ScopeFrom(ctx)
	if sc.AllForces {
		return nil
	}
	forces, err := regionForces(db, region)
	if err != nil {
		return err
	}
	if len(forces) == 0 || slices.ContainsFunc(forces, func(f string) bool { return !sc.CanRead(f) }) {
		return domain.ErrNotFound
	}
	return nil
}

// canLeadRegion: a regional meeting is held (and decided in) by a regional
// lead of the region, or by someone with every force in view. Holding it
// gives no write scope over any force's records.
func canLeadRegion(ctx context.Context, db *gorm.DB, region string) error {
	if err := canSeeMeeting(ctx, db, "", region); err != nil {
		return err
	}
	if domain.ScopeFrom(ctx).AllForces {
		return nil
	}
	if me, ok := domain.ActorFrom(ctx); !ok || !me.HasRole(domain.RoleRegional) {
		return domain.ErrForbidden
	}
	return nil
}

// OpenRegionalMeeting opens a regional meeting and freezes its agenda: the
// escalations (current escalate decisions) from the region's force
// meetings held on or before its day that no regional meeting has yet had,
// oldest first; and the earlier regional meetings' actions still open.
func (s *Store) OpenRegionalMeeting(ctx context.Context, region string, heldOn domain.Date) (domain.Meeting, error) {
	err := canLeadRegion(ctx, s.db.WithContext(ctx), region)
	if err == domain.ErrNotFound {
		return domain.Meeting{}, domain.Invalid("region", "is not a known region code")
	} else if err != nil {
		return domain.Meeting{}, err
	}
	id := newID()
	domain.Note(ctx, "meeting", id)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO meetings (id, region, held_on, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, region, heldOn.Time, actorID(ctx), s.now()).Error; err != nil {
			return translate(err)
		}
		// Each escalation goes to one regional meeting: of two opened at
		// once, the unique index refuses the second (409; open it again).
		// One whose subject has since moved out of the region waits: it is
		// no longer the region's to decide.
		if err := tx.Exec(`INSERT INTO meeting_items (meeting_id, position, escalation_id, kind, order_id, subject_id, case_type, raised_at, details)
			SELECT @meeting, row_number() OVER (ORDER BY fm.held_on, d.decided_at, d.id), d.id, @kind, i.order_id, i.subject_id,
			       i.case_type, d.decided_at,
			       jsonb_build_object('from_meeting', fm.id, 'force', fm.force, 'held_on', fm.held_on, 'flag_kind', i.kind,
			                          'notes', d.notes)
			FROM meeting_decisions d JOIN meeting_items i ON i.id = d.item_id JOIN meetings fm ON fm.id = d.meeting_id
			JOIN forces f ON f.code = fm.force
			JOIN subjects s ON s.id = i.subject_id JOIN forces sf ON sf.code = s.force
			WHERE f.region = @region AND sf.region = @region AND d.decision = @escalate AND d.withdrawn_at IS NULL AND fm.held_on <= @held
			  AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)
			  AND NOT EXISTS (SELECT 1 FROM meeting_items r WHERE r.escalation_id = d.id)`,
			map[string]any{"meeting": id, "region": region, "held": heldOn.Time, "kind": domain.AgendaEscalated,
				"escalate": domain.DecisionEscalate}).Error; err != nil {
			return translate(err)
		}
		if err := freezeAgendaOrder(tx, id); err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO meeting_carried (meeting_id, decision_id, position, overdue)
			SELECT @meeting, d.id, row_number() OVER (ORDER BY d.due_by < @held DESC, d.due_by, d.decided_at, d.id),
			       coalesce(d.due_by < @held, false)
			FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id
			WHERE m.region = @region AND m.id <> @meeting AND m.held_on <= @held AND d.status = 'open'
			  AND d.withdrawn_at IS NULL AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)`,
			map[string]any{"meeting": id, "region": region, "held": heldOn.Time}).Error
	})
	if err != nil {
		return domain.Meeting{}, err
	}
	return s.GetMeeting(ctx, id, domain.Page{})
}
