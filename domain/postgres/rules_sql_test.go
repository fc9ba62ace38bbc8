package postgres_test

import (
	"regexp"
	"strings"
	"testing"

	"scpo/domain"
)

// One fact, one place: where a rule must also be said in SQL (for the set-
// based sweeps and reports), these tests hold the SQL to the domain's word.

func TestSQLReleaseDateIsDueAgreesWithTheDomain(t *testing.T) {
	s := newStore(t)
	for _, dt := range domain.ReleaseDateTypes {
		var due bool
		if err := s.DB().Raw(`SELECT release_date_is_due(?)`, dt).Scan(&due).Error; err != nil {
			t.Fatal(err)
		}
		if due != domain.ReleaseIsDue(dt) {
			t.Errorf("%s: SQL says due %v, domain.ReleaseIsDue says %v", dt, due, domain.ReleaseIsDue(dt))
		}
	}
}

func TestSQLOwnerCanActAgreesWithCanOwn(t *testing.T) {
	s := newStore(t)
	force := "gloucestershire"
	other := "dorset"
	allRoles := []string{domain.RoleIOMOfficer, domain.RoleLRO, domain.RoleOrdersOfficer, domain.RolePrisonLiaison}
	for _, ownerRole := range domain.OwnerRoles {
		need, _ := domain.OfficerRoleFor(ownerRole)
		var sqlNeed string
		if err := s.DB().Raw(`SELECT owner_officer_role(?)`, ownerRole).Scan(&sqlNeed).Error; err != nil {
			t.Fatal(err)
		}
		if sqlNeed != need {
			t.Errorf("owner_officer_role(%s) = %s, domain says %s", ownerRole, sqlNeed, need)
		}
		for _, active := range []bool{true, false} {
			for _, officerForce := range []*string{&force, &other, nil} {
				for _, roles := range [][]string{{need}, allRoles, {domain.RoleTaskingChair}} {
					o := domain.Officer{Active: active, Force: officerForce, Roles: roles}
					var can *bool
					if err := s.DB().Raw(`SELECT owner_can_act(?, ?, CAST(? AS text[]), ?, ?)`, active, officerForce,
						"{"+strings.Join(roles, ",")+"}", ownerRole, force).Scan(&can).Error; err != nil {
						t.Fatal(err)
					}
					sqlSays := can != nil && *can
					domainSays := domain.CanOwn(o, ownerRole, domain.Force{Code: force}) == nil
					if sqlSays != domainSays {
						t.Errorf("%s owner, active %v, force %v, roles %v: SQL %v, domain.CanOwn %v",
							ownerRole, active, officerForce, roles, sqlSays, domainSays)
					}
				}
			}
		}
	}
}

func TestSQLFlagKindsAgreeWithTheDomain(t *testing.T) {
	s := newStore(t)
	var def string
	if err := s.DB().Raw(`SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'flags'::regclass AND conname = 'flags_kind_check'`).Scan(&def).Error; err != nil {
		t.Fatal(err)
	}
	// The constraint is kind IN ('a', …) or kind = ANY ('{a,…}'): its words
	// but the SQL ones are the kinds it allows.
	allowed := map[string]bool{}
	for _, w := range regexp.MustCompile(`[a-z][a-z_]*`).FindAllString(def, -1) {
		switch w {
		case "check", "kind", "any", "text", "in", "array":
		default:
			allowed[w] = true
		}
	}
	for _, kind := range domain.FlagKinds {
		if !allowed[kind] {
			t.Errorf("flags_kind_check does not allow %s: %s", kind, def)
		}
	}
	if len(allowed) != len(domain.FlagKinds) {
		t.Errorf("flags_kind_check allows %d kinds, the domain has %d: %s", len(allowed), len(domain.FlagKinds), def)
	}
}
