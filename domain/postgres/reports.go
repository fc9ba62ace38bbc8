package postgres

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"scpo/domain"
)

type subjectRefRow struct {
	SubjectID     string
	FirstNames    string
	LastName      string
	PNCID         string `gorm:"column:pnc_id"`
	CustodyStatus string
	ReleaseDate   *time.Time
}

func (r subjectRefRow) ref() domain.SubjectRef {
	return domain.SubjectRef{ID: r.SubjectID, Name: r.FirstNames + " " + r.LastName, PNCID: r.PNCID,
		Custody: r.CustodyStatus, Released: datePtr(r.ReleaseDate)}
}

// Caseload lists the live orders an officer owns in any role, most urgent
// first: the most open flags, then the earliest review or check due.
func (s *Store) Caseload(ctx context.Context, officerID string, asOf domain.Date) (domain.Caseload, error) {
	officer, err := s.GetOfficer(ctx, officerID)
	if err != nil {
		return domain.Caseload{}, err
	}
	// Another force's caseload is outside the caller's view.
	if officer.Force != nil {
		if err := canSee(ctx, *officer.Force); err != nil {
			return domain.Caseload{}, err
		}
	}
	scope, scopeArgs := scopeSQL(ctx, "s.force")
	var rows []struct {
		Ref           subjectRefRow `gorm:"embedded"`
		OrderID       string
		Reference     string
		Status        string
		Force         string
		Roles         textArray
		NextReviewDue *time.Time
		NextCheckDue  *time.Time
		OpenFlags     textArray
	}
	err = s.db.WithContext(ctx).Raw(`
		SELECT o.id AS order_id, o.reference, o.status, s.force, s.id AS subject_id, s.first_names, s.last_name,
		       s.pnc_id, s.custody_status, s.release_date, mine.roles, sch.next_review_due, sch.next_check_due,
		       coalesce(fl.kinds, '{}') AS open_flags
		FROM (SELECT a.order_id, array_agg(a.role ORDER BY a.role) AS roles FROM owner_assignments a
		      WHERE a.officer_id = ? AND a.ended_at IS NULL GROUP BY a.order_id) mine
		JOIN orders o ON o.id = mine.order_id
		JOIN subjects s ON s.id = o.subject_id
		JOIN order_schedule sch ON sch.order_id = o.id
		LEFT JOIN LATERAL (SELECT array_agg(f.kind ORDER BY f.kind) AS kinds FROM flags f
		                   WHERE f.order_id = o.id AND f.resolved_at IS NULL) fl ON true
		WHERE o.status IN ('pending', 'active') AND `+scope+`
		ORDER BY cardinality(coalesce(fl.kinds, '{}')) DESC,
		         LEAST(sch.next_review_due, sch.next_check_due) NULLS LAST, o.reference, o.id`,
		append([]any{officerID}, scopeArgs...)...).
		Scan(&rows).Error
	if err != nil {
		return domain.Caseload{}, err
	}
	out := domain.Caseload{Officer: domain.OfficerRef{ID: officer.ID, Name: officer.Name, Email: officer.Email},
		AsOf: asOf, Items: make([]domain.CaseloadItem, len(rows))}
	for i, r := range rows {
		caseType := domain.CaseCommunity
		if r.Ref.CustodyStatus == domain.CustodyCustody {
			caseType = domain.CasePrison
		}
		domain.Note(ctx, "order", r.OrderID)
		domain.Note(ctx, "subject", r.Ref.SubjectID)
		out.Items[i] = domain.CaseloadItem{OrderID: r.OrderID, Reference: r.Reference, Status: r.Status, Force: r.Force,
			CaseType: caseType, Subject: r.Ref.ref(), Roles: []string(r.Roles), NextReviewDue: datePtr(r.NextReviewDue),
			NextCheckDue: datePtr(r.NextCheckDue), OpenFlags: []string(r.OpenFlags)}
	}
	return out, nil
}

// Tasking builds a force's meeting agenda as of a date from the same rule
// functions the sweeps use, so any day's agenda can be reproduced. Where a
// flag is open for an item, open_since says since when.
func (s *Store) Tasking(ctx context.Context, force string, asOf domain.Date) (domain.TaskingReport, error) {
	if _, err := s.GetForce(ctx, force); err != nil {
		return domain.TaskingReport{}, err
	}
	if err := canSee(ctx, force); err != nil {
		return domain.TaskingReport{}, err
	}
	parts := make([]string, len(domain.TaskingSections))
	for i, kind := range domain.TaskingSections {
		parts[i] = "SELECT '" + kind + "' AS kind, * FROM " + ruleFunction(kind) + "(@as_of)"
	}
	var rows []struct {
		Ref       subjectRefRow `gorm:"embedded"`
		Kind      string
		OrderID   string
		Reference string
		CaseType  string
		Details   []byte
		RaisedAt  *time.Time
	}
	db := s.db.WithContext(ctx)
	err := db.Raw(`
		SELECT c.kind, c.order_id, o.reference, c.case_type, c.details, s.id AS subject_id, s.first_names,
		       s.last_name, s.pnc_id, s.custody_status, s.release_date, f.raised_at
		FROM (`+strings.Join(parts, " UNION ALL ")+`) c
		JOIN orders o ON o.id = c.order_id
		JOIN subjects s ON s.id = c.subject_id
		LEFT JOIN flags f ON f.order_id = c.order_id AND f.kind = c.kind AND f.resolved_at IS NULL
		WHERE c.force = @force`, map[string]any{"as_of": asOf.Time, "force": force}).Scan(&rows).Error
	if err != nil {
		return domain.TaskingReport{}, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.OrderID
	}
	owners, err := currentOwners(db, ids)
	if err != nil {
		return domain.TaskingReport{}, err
	}
	out := domain.TaskingReport{Force: force, AsOf: asOf, Sections: map[string][]domain.TaskingItem{}}
	for _, kind := range domain.TaskingSections {
		out.Sections[kind] = []domain.TaskingItem{}
	}
	for _, r := range rows {
		domain.Note(ctx, "order", r.OrderID)
		domain.Note(ctx, "subject", r.Ref.SubjectID)
		var d struct {
			DaysOverdue   *int `json:"days_overdue"`
			DaysSince     *int `json:"days_since"`
			DaysToRelease *int `json:"days_to_release"`
			DaysToEnd     *int `json:"days_to_end"`
		}
		_ = json.Unmarshal(r.Details, &d)
		item := domain.TaskingItem{OrderID: r.OrderID, Reference: r.Reference, CaseType: r.CaseType,
			Subject: r.Ref.ref(), Owners: owners[r.OrderID], DaysOverdue: d.DaysOverdue, DaysToRelease: d.DaysToRelease,
			DaysToEnd: d.DaysToEnd, Details: json.RawMessage(r.Details)}
		if r.Kind == domain.FlagReleaseDatePassed {
			item.DaysOverdue = d.DaysSince
		}
		if r.RaisedAt != nil {
			t := r.RaisedAt.UTC()
			item.OpenSince = &t
		}
		out.Sections[r.Kind] = append(out.Sections[r.Kind], item)
	}
	for _, items := range out.Sections {
		sort.SliceStable(items, func(i, j int) bool {
			a, b := items[i], items[j]
			if a.DaysToRelease != nil && b.DaysToRelease != nil && *a.DaysToRelease != *b.DaysToRelease {
				return *a.DaysToRelease < *b.DaysToRelease // soonest out first
			}
			if a.DaysToEnd != nil && b.DaysToEnd != nil && *a.DaysToEnd != *b.DaysToEnd {
				return *a.DaysToEnd < *b.DaysToEnd // ending soonest first
			}
			if a.DaysOverdue != nil && b.DaysOverdue != nil && *a.DaysOverdue != *b.DaysOverdue {
				return *a.DaysOverdue > *b.DaysOverdue // longest overdue first
			}
			return a.Reference < b.Reference
		})
	}
	return out, nil
}

// PreRelease lists subjects in custody with a live order whose release date
// falls within withinDays of asOf (or has passed), soonest first, and
// whether a community owner and a pre-release review are in place.
func (s *Store) PreRelease(ctx context.Context, force string, withinDays int, asOf domain.Date) (domain.PreReleaseReport, error) {
	out := domain.PreReleaseReport{AsOf: asOf, WithinDays: withinDays, Items: []domain.PreReleaseItem{}}
	if force != "" {
		if _, err := s.GetForce(ctx, force); err != nil {
			return out, err
		}
		if err := canSee(ctx, force); err != nil {
			return out, err
		}
		out.Force = &force
	}
	var rows []struct {
		Ref             subjectRefRow `gorm:"embedded"`
		OrderID         string
		Reference       string
		Force           string
		Establishment   *string
		ReleaseDateType *string
		HasIOM          bool
		HasReview       bool
	}
	db := s.db.WithContext(ctx)
	err := db.Raw(`
		SELECT l.order_id, o.reference, l.force, s.id AS subject_id, s.first_names, s.last_name, s.pnc_id,
		       s.custody_status, s.release_date, s.establishment, s.release_date_type,
		       EXISTS (SELECT 1 FROM owner_assignments a WHERE a.order_id = l.order_id AND a.role = 'iom'
		               AND a.ended_at IS NULL) AS has_iom,
		       EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id AND r.kind = 'pre_release'
		               AND r.reviewed_on >= l.release_date - l.pre_release_days) AS has_review
		FROM live_orders l
		JOIN orders o ON o.id = l.order_id
		JOIN subjects s ON s.id = l.subject_id
		WHERE l.custody_status = 'custody' AND l.release_date <= @until
		  AND (@force = '' OR l.force = @force) AND (@all OR l.force IN @forces)
		ORDER BY l.release_date, o.reference, l.order_id`,
		map[string]any{"until": asOf.AddDays(withinDays).Time, "force": force, "all": domain.ScopeFrom(ctx).AllForces,
			"forces": append([]string{""}, domain.ScopeFrom(ctx).ReadForces...)}).Scan(&rows).Error
	if err != nil {
		return out, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.OrderID
	}
	owners, err := currentOwners(db, ids)
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		domain.Note(ctx, "order", r.OrderID)
		domain.Note(ctx, "subject", r.Ref.SubjectID)
		item := domain.PreReleaseItem{Subject: r.Ref.ref(), OrderID: r.OrderID, Reference: r.Reference, Force: r.Force,
			Establishment: r.Establishment, ReleaseDate: datePtr(r.Ref.ReleaseDate), ReleaseDateType: r.ReleaseDateType,
			Owners: owners[r.OrderID], Missing: []string{}}
		if item.ReleaseDate != nil {
			days := asOf.DaysUntil(*item.ReleaseDate)
			item.DaysToRelease = &days
		}
		if item.ReleaseDateType != nil {
			item.ReleaseDue = domain.ReleaseIsDue(*item.ReleaseDateType)
			item.EligibilityPassed = !item.ReleaseDue && item.DaysToRelease != nil && *item.DaysToRelease < 0
		}
		if !r.HasIOM {
			item.Missing = append(item.Missing, "iom_owner")
		}
		if !r.HasReview {
			item.Missing = append(item.Missing, "pre_release_review")
		}
		item.Ready = len(item.Missing) == 0
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// Region sets a region's forces side by side: live orders by case type,
// how many are owned, how many have their review on time as of asOf, and
// open flags by kind.
func (s *Store) Region(ctx context.Context, region string, asOf domain.Date) (domain.RegionReport, error) {
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Table("regions").Where("code = ?", region).Count(&n).Error; err != nil {
		return domain.RegionReport{}, err
	}
	if n == 0 {
		return domain.RegionReport{}, domain.ErrNotFound
	}
	var rows []struct {
		Code          string
		Name          string
		Community     int
		Prison        int
		Owned         int
		ReviewsOnTime int
	}
	err := db.Raw(`
		SELECT f.code, f.name,
		       count(l.order_id) FILTER (WHERE l.case_type = 'community') AS community,
		       count(l.order_id) FILTER (WHERE l.case_type = 'prison') AS prison,
		       count(l.order_id) FILTER (WHERE EXISTS (SELECT 1 FROM owner_assignments a
		                                 WHERE a.order_id = l.order_id AND a.ended_at IS NULL)) AS owned,
		       count(l.order_id) FILTER (WHERE sch.next_review_due >= ?) AS reviews_on_time
		FROM forces f
		LEFT JOIN live_orders l ON l.force = f.code
		LEFT JOIN order_schedule sch ON sch.order_id = l.order_id
		WHERE f.region = ?
		GROUP BY f.code, f.name ORDER BY f.name`, asOf.Time, region).Scan(&rows).Error
	if err != nil {
		return domain.RegionReport{}, err
	}
	var flagCounts []struct {
		Force string
		Kind  string
		N     int
	}
	if err := db.Raw(`SELECT fl.force, fl.kind, count(*) AS n FROM flags fl JOIN forces f ON f.code = fl.force
		WHERE fl.resolved_at IS NULL AND f.region = ? GROUP BY fl.force, fl.kind`, region).Scan(&flagCounts).Error; err != nil {
		return domain.RegionReport{}, err
	}
	visible := rows[:0]
	for _, r := range rows {
		if canSee(ctx, r.Code) == nil {
			visible = append(visible, r)
		}
	}
	rows = visible
	if len(rows) == 0 {
		return domain.RegionReport{}, domain.ErrNotFound
	}
	domain.Note(ctx, "region", region)
	out := domain.RegionReport{Region: region, AsOf: asOf, Forces: make([]domain.ForceSummary, len(rows))}
	index := map[string]int{}
	for i, r := range rows {
		flags := map[string]int{}
		for _, k := range domain.FlagKinds {
			flags[k] = 0
		}
		out.Forces[i] = domain.ForceSummary{Force: r.Code, Name: r.Name,
			LiveOrders: map[string]int{"community": r.Community, "prison": r.Prison, "total": r.Community + r.Prison},
			Owned:      r.Owned, ReviewsOnTime: r.ReviewsOnTime, OpenFlags: flags}
		index[r.Code] = i
	}
	for _, fc := range flagCounts {
		if i, ok := index[fc.Force]; ok {
			out.Forces[i].OpenFlags[fc.Kind] = fc.N
		}
	}
	return out, nil
}

// subjectNameSQL is how a subject's name reads beside an ID in lists, as
// SubjectRef.Name does, over subjects aliased s.
const subjectNameSQL = `s.first_names || ' ' || s.last_name`
