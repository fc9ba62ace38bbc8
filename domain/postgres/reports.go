package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

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
	return domain.SubjectRef{ID: r.SubjectID, Name: strings.TrimSpace(r.FirstNames + " " + r.LastName), PNCID: r.PNCID,
		Custody: r.CustodyStatus, Released: datePtr(r.ReleaseDate)}
}

// caseloadRoleNames are the roles an order can be on a caseload for, in
// the order they are shown (sorted), one bit each in the caseload's
// statement: its held orders' roles are OR-ed together, a fixed-size sum,
// where array_agg gave each of the busiest officer's 1,943 orders a memory
// context of its own and spilled the aggregate to disk.
var caseloadRoleNames = []string{domain.DecisionAction, "cover:" + domain.OwnerIOM, "cover:" + domain.OwnerLRO,
	"cover:" + domain.OwnerOrdersOfficer, domain.OwnerIOM, domain.OwnerLRO, domain.OwnerOrdersOfficer}

// caseloadRoleBit is SQL for the bit of role (an expression naming an owner
// role, or 'action') held under prefix ("" or "cover:").
func caseloadRoleBit(role, prefix string) string {
	var b strings.Builder
	b.WriteString("CASE " + role)
	for i, name := range caseloadRoleNames {
		if rest, ok := strings.CutPrefix(name, prefix); ok && !strings.Contains(rest, ":") {
			fmt.Fprintf(&b, " WHEN '%s' THEN %d", rest, 1<<i)
		}
	}
	return b.String() + " END"
}

// caseloadRoles names the roles set in bits, sorted.
func caseloadRoles(bits int) []string {
	roles := []string{}
	for i, name := range caseloadRoleNames {
		if bits&(1<<i) != 0 {
			roles = append(roles, name)
		}
	}
	return roles
}

// Caseload answers a page of the live orders an officer owns in any role,
// most urgent first: the earliest review or check due (the most overdue
// first), then order; and how many there are in all.
func (s *Store) Caseload(ctx context.Context, officerID string, asOf domain.Date, p domain.Page) (domain.Caseload, error) {
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
	// The orders on the officer's caseload, one row per role held: their
	// current assignments (own), the current assignments of an absent
	// colleague they cover (roles "cover:<role>"), and orders on which they
	// have a meeting action overdue (role "action"), each role a bit
	// (caseloadRoleNames). Each comes with its order's caseload keys
	// (order_caseload_keys, migration 00220): the earliest review or check
	// due, NULL when the order is not live, and the force. An assignment carries them in the officer index, so the
	// first two sources are index-only; an action's order is looked up
	// (there are few).
	held := `
		SELECT a.order_id, ` + caseloadRoleBit("a.role", "") + ` AS role, a.order_next_due AS next_due,
		       a.order_subject_force AS subject_force, true AS own
		FROM owner_assignments a
		WHERE a.officer_id = ? AND a.ended_at IS NULL
		UNION ALL
		SELECT a.order_id, ` + caseloadRoleBit("a.role", "cover:") + `, a.order_next_due, a.order_subject_force, false
		FROM officer_absences ab
		JOIN owner_assignments a ON a.officer_id = ab.officer_id AND a.ended_at IS NULL
		WHERE ab.cover_officer_id = ? AND ab.cancelled_at IS NULL AND ab.starts_on <= ?
		  AND (ab.ends_on IS NULL OR ab.ends_on >= ?)
		UNION ALL
		SELECT i.order_id, ` + caseloadRoleBit("'action'", "") + `, k.next_due, k.subject_force, false FROM meeting_decisions d
		JOIN meeting_items i ON i.id = d.item_id
		JOIN order_caseload_keys k ON k.order_id = i.order_id
		WHERE d.action_by = ? AND d.status = 'open' AND d.due_by < ? AND d.withdrawn_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)`
	heldArgs := []any{officerID, officerID, asOf.Time, asOf.Time, officerID, asOf.Time}
	out := domain.Caseload{Officer: domain.OfficerRef{ID: officer.ID, Name: officer.Name, Email: officer.Email},
		AsOf: asOf, Items: []domain.CaseloadItem{}}
	db := s.db.WithContext(ctx)
	// The summary counts the live orders held, in scope, from the same set
	// the page is ranked from (held, below), in the same statement. Those
	// with a flag open are counted for the officer's own assignments by
	// officer_loads (migration 00510), kept by the transactions that change
	// assignments and flags, and probed only for the orders they cover or
	// act on without holding them: probing the open flags of every order
	// held (1,943 for the busiest synthetic officer at a million orders)
	// was nine tenths of the caseload's time.
	countScope, countScopeArgs := scopeSQL(ctx, "x.subject_force")
	loadScope, loadScopeArgs := scopeSQL(ctx, "l.force")
	// The page: the key is (earliest review or check due, order), known for
	// every order held from its assignments' copies, so the held set is
	// ranked index-only and only the page's own rows read their order,
	// subject and schedule (as order_schedule writes it: on a live order
	// its CASEs always take the first arm, with reviews and checks probed
	// index-only) and their open flags.
	after := ""
	var cursorArgs []any
	if p.Cursor != "" {
		// Each part checked before it reaches SQL: a cursor edited by hand
		// (a day that does not exist) was a database error, a 500.
		parts, ok := domain.DecodeKeyCursor(p.Cursor, 2)
		if !ok || !validID(parts[1]) {
			return out, domain.Invalid("cursor", "is not a cursor this service gave out")
		}
		if _, err := domain.ParseDate(parts[0]); err != nil {
			return out, domain.Invalid("cursor", "is not a cursor this service gave out")
		}
		after = ` AND (h.k2, h.order_id) > (?::date, ?::uuid)`
		cursorArgs = []any{parts[0], parts[1]}
	}
	limit := pageLimit(p)
	var rows []struct {
		SummaryOrders, SummaryFlagged                   int
		SummaryOverdue, SummaryDueSoon, SummaryDueLater int
		Ref                                             subjectRefRow `gorm:"embedded"`
		OrderID                                         *string
		Reference                                       string
		Status                                          string
		Force                                           string
		Roles                                           int
		NextReviewDue                                   *time.Time
		NextCheckDue                                    *time.Time
		OpenFlags                                       textArray
		K2                                              string
	}
	// The summary also counts the orders by their copied due date (the
	// earlier of the next review and check), overdue, due soon and later:
	// index-only, as the rest of it.
	soon, later := asOf.AddDays(domain.CaseloadDueSoonDays).Time, asOf.AddDays(domain.CaseloadDueLaterDays).Time
	args := append(slices.Clone(heldArgs), countScopeArgs...)
	args = append(args, cursorArgs...)
	args = append(args, asOf.Time, asOf.Time, soon, soon, later, officerID)
	args = append(args, loadScopeArgs...)
	err = db.Raw(`
		WITH held AS MATERIALIZED (
		      SELECT x.order_id, bit_or(x.role) AS roles, min(x.next_due) AS k2, bool_or(x.own) AS own
		      FROM (`+held+`) x
		      WHERE x.next_due IS NOT NULL AND `+countScope+`
		      GROUP BY x.order_id),
		k AS (SELECT h.order_id, h.roles, h.k2, o.reference, o.status, o.subject_id, o.starts_on, o.made_on,
		             o.review_interval_days
		      FROM (SELECT h.* FROM held h WHERE true`+after+` ORDER BY h.k2, h.order_id `+limitSQL(limit+1)+`) h
		      JOIN orders o ON o.id = h.order_id)
		SELECT sm.orders AS summary_orders, sm.flagged AS summary_flagged, sm.overdue AS summary_overdue,
		       sm.due_soon AS summary_due_soon, sm.due_later AS summary_due_later, pg.*
		FROM (SELECT count(*) AS orders,
		             count(*) FILTER (WHERE h.k2 < ?::date) AS overdue,
		             count(*) FILTER (WHERE h.k2 >= ?::date AND h.k2 <= ?::date) AS due_soon,
		             count(*) FILTER (WHERE h.k2 > ?::date AND h.k2 <= ?::date) AS due_later,
		             (SELECT coalesce(sum(l.flagged), 0) FROM officer_loads l WHERE l.officer_id = ? AND `+loadScope+`)
		             + count(*) FILTER (WHERE NOT h.own AND EXISTS (SELECT 1 FROM flags f WHERE f.order_id = h.order_id
		                                                             AND f.resolved_at IS NULL)) AS flagged
		      FROM held h) sm
		LEFT JOIN (
		    SELECT k.order_id, k.reference, k.status, s.force, s.id AS subject_id, s.first_names, s.last_name,
		           s.pnc_id, s.custody_status, s.release_date, k.roles, sch.next_review_due, sch.next_check_due,
		           ARRAY(SELECT f.kind FROM flags f WHERE f.order_id = k.order_id AND f.resolved_at IS NULL
		                 ORDER BY f.kind) AS open_flags,
		           k.k2::text AS k2
		    FROM k
		    JOIN subjects s ON s.id = k.subject_id
		    LEFT JOIN force_policies p ON p.force = s.force
		    CROSS JOIN LATERAL (
		        SELECT coalesce((SELECT max(r.reviewed_on) FROM reviews r WHERE r.order_id = k.order_id),
		                        k.starts_on, k.made_on)
		               + coalesce(k.review_interval_days,
		                          CASE WHEN s.custody_status = 'custody' THEN coalesce(p.prison_review_days, 180)
		                               ELSE coalesce(p.community_review_days, 90) END) AS next_review_due,
		               (SELECT min(c.due_on) FROM checks c
		                WHERE c.order_id = k.order_id AND c.outcome IS NULL) AS next_check_due
		        OFFSET 0) sch) pg ON true
		ORDER BY pg.k2, pg.order_id`, args...).
		Scan(&rows).Error
	if err != nil {
		return out, err
	}
	if len(rows) > 0 {
		out.Summary = domain.CaseloadSummary{Orders: rows[0].SummaryOrders, WithOpenFlags: rows[0].SummaryFlagged,
			Overdue: rows[0].SummaryOverdue, DueSoon: rows[0].SummaryDueSoon, DueLater: rows[0].SummaryDueLater}
	}
	// An empty page is the summary's row alone.
	if len(rows) == 1 && rows[0].OrderID == nil {
		rows = nil
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next := domain.EncodeKeyCursor(last.K2, *last.OrderID)
		out.NextCursor = &next
	}
	for _, r := range rows {
		caseType := domain.CaseCommunity
		if r.Ref.CustodyStatus == domain.CustodyCustody {
			caseType = domain.CasePrison
		}
		domain.Note(ctx, "order", *r.OrderID)
		domain.Note(ctx, "subject", r.Ref.SubjectID)
		roles := caseloadRoles(r.Roles)
		out.Items = append(out.Items, domain.CaseloadItem{OrderID: *r.OrderID, Reference: r.Reference, Status: r.Status,
			Force: r.Force, CaseType: caseType, Subject: r.Ref.ref(), Roles: roles,
			NextReviewDue: datePtr(r.NextReviewDue), NextCheckDue: datePtr(r.NextCheckDue), OpenFlags: []string(r.OpenFlags)})
	}
	return out, nil
}

// Tasking answers a force's meeting agenda: the number of items in every
// section and a page of items, worst first (agenda_rank, then order), of
// one section or of each. Today's agenda reads the open flags, which the
// sweeps raise and every change resolves, through the flags_agenda index;
// with FromRules the rule functions the sweeps use are evaluated as of
// q.AsOf, so any day's agenda can be reproduced (a computation over every
// order, not an index read). Where a flag is open for an item, open_since
// says since when.
func (s *Store) Tasking(ctx context.Context, q domain.TaskingQuery) (domain.TaskingReport, error) {
	if _, err := s.GetForce(ctx, q.Force); err != nil {
		return domain.TaskingReport{}, err
	}
	if err := canSee(ctx, q.Force); err != nil {
		return domain.TaskingReport{}, err
	}
	out := domain.TaskingReport{Force: q.Force, AsOf: q.AsOf, Source: "flags", Summary: map[string]int{},
		Sections: map[string][]domain.TaskingItem{}, NextCursors: map[string]*string{},
		IncomingTransfers: []domain.Transfer{}}
	if q.FromRules {
		out.Source = "rules"
	} else if q.Section == "" && q.Page.Cursor == "" && !q.Quiet {
		incoming, err := s.transfers(s.db.WithContext(ctx), "t.to_force = ? AND t.status = 'requested'",
			[]any{q.Force}, "t.requested_at, t.id", domain.AgendaTransfersShown)
		if err != nil {
			return out, err
		}
		out.IncomingTransfers = incoming
	}
	for _, kind := range domain.TaskingSections {
		out.Summary[kind] = 0
	}
	db := s.db.WithContext(ctx)
	var counts []struct {
		Kind string
		N    int
	}
	var err error
	if q.FromRules {
		return s.taskingFromRules(ctx, q, out)
	} else {
		err = db.Raw(`SELECT substr(metric, 6) AS kind, n FROM force_counts WHERE force = ? AND metric LIKE 'flag:%'`,
			q.Force).Scan(&counts).Error
	}
	if err != nil {
		return out, err
	}
	for _, c := range counts {
		if _, ok := out.Summary[c.Kind]; ok {
			out.Summary[c.Kind] = c.N
		}
	}
	if q.Section != "" {
		items, next, err := s.TaskingPage(ctx, q, q.Section, q.Page.Cursor, pageLimit(q.Page))
		if err != nil {
			return out, err
		}
		out.Sections[q.Section], out.NextCursors[q.Section] = items, cursorPtr(next)
		return out, nil
	}
	// Every section's first page: no limit asked gives the short default,
	// an agenda being the worst of each section.
	if q.Page.Cursor != "" {
		return out, domain.Invalid("cursor", "needs section: a cursor pages one section")
	}
	limit := domain.TaskingPageDefault
	if q.Page.Limit > 0 {
		limit = min(pageLimit(q.Page), domain.TaskingPageMax)
	}
	pages, err := s.taskingFirstPages(ctx, q, limit)
	if err != nil {
		return out, err
	}
	for _, kind := range domain.TaskingSections {
		p := pages[kind]
		out.Sections[kind], out.NextCursors[kind] = p.items, cursorPtr(p.next)
	}
	return out, nil
}

// taskingFromRules fills out with the agenda worked out from the rules as
// of q.AsOf: each section's rule runs once, for its count and (for every
// section, or the one asked) its page.
func (s *Store) taskingFromRules(ctx context.Context, q domain.TaskingQuery, out domain.TaskingReport) (domain.TaskingReport, error) {
	if q.Section == "" && q.Page.Cursor != "" {
		return out, domain.Invalid("cursor", "needs section: a cursor pages one section")
	}
	limit := domain.TaskingPageDefault
	if q.Section != "" {
		limit = pageLimit(q.Page)
	} else if q.Page.Limit > 0 {
		limit = min(pageLimit(q.Page), domain.TaskingPageMax)
	}
	for _, kind := range domain.TaskingSections {
		n, cursor := limit, ""
		if q.Section != "" {
			if q.Section != kind {
				n = 0
			} else {
				cursor = q.Page.Cursor
			}
		}
		count, items, next, err := s.taskingSectionPage(ctx, q, kind, cursor, n, true)
		if err != nil {
			return out, err
		}
		out.Summary[kind] = count
		if n > 0 {
			out.Sections[kind], out.NextCursors[kind] = items, cursorPtr(next)
		}
	}
	return out, nil
}

func cursorPtr(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// TaskingPage reads one page of one agenda section after cursor (empty:
// the first page), worst first, and the cursor of the page after it
// (empty: none).
func (s *Store) TaskingPage(ctx context.Context, q domain.TaskingQuery, kind, cursor string, limit int) ([]domain.TaskingItem, string, error) {
	_, items, next, err := s.taskingSectionPage(ctx, q, kind, cursor, limit, false)
	return items, next, err
}

// taskingSource is the SQL of section kind's items for q's force, with
// their agenda rank: the open flags, or with q.FromRules the kind's rule
// as of @as_of (only this force's rows kept, which the planner pushes into
// the inlined rule).
func taskingSource(q domain.TaskingQuery, kind string) string {
	if q.FromRules {
		return fmt.Sprintf(`SELECT c.order_id, c.subject_id, c.case_type, c.details, f.raised_at,
		              agenda_rank(@kind, c.details, coalesce(f.raised_at, CAST(@as_of AS date))) AS rank_on
		       FROM %s(@as_of) c
		       LEFT JOIN flags f ON f.order_id = c.order_id AND f.kind = @kind AND f.resolved_at IS NULL
		       WHERE c.force = @force`, ruleFunction(kind))
	}
	return `SELECT f.order_id, f.subject_id, f.case_type, f.details, f.raised_at,
	              agenda_rank(f.kind, f.details, f.raised_at) AS rank_on
	       FROM flags f WHERE f.force = @force AND f.kind = @kind AND f.resolved_at IS NULL`
}

// taskingSectionPage reads a page of section kind after cursor and, with
// count, how many items the section has, in one statement: from the rules
// the section is worked out once for both (a rule over a force's orders
// takes up to a second at a million orders, and an agenda "as of" a day
// ran fifteen of them twice).
func (s *Store) taskingSectionPage(ctx context.Context, q domain.TaskingQuery, kind, cursor string, limit int, count bool) (int, []domain.TaskingItem, string, error) {
	args := map[string]any{"as_of": q.AsOf.Time, "force": q.Force, "kind": kind}
	pageRows := limit + 1
	if limit == 0 {
		pageRows = 0 // the count alone
	}
	after := ""
	if cursor != "" {
		parts, ok := domain.DecodeKeyCursor(cursor, 2)
		if !ok {
			return 0, nil, "", domain.Invalid("cursor", "is not a cursor this service gave out")
		}
		rank, err := domain.ParseDate(parts[0])
		if err != nil {
			return 0, nil, "", domain.Invalid("cursor", "is not a cursor this service gave out")
		}
		args["after_rank"], args["after_id"] = rank.Time, parts[1]
		after = " AND (rank_on, order_id) > (CAST(@after_rank AS date), CAST(@after_id AS uuid))"
	}
	src := taskingSource(q, kind)
	total := "NULL::int"
	if count {
		total = "(SELECT count(*) FROM c0)::int"
	}
	var rows []taskingRow
	db := s.db.WithContext(ctx)
	// The section is materialised once: counted, and its page taken.
	err := db.Raw(`
		WITH c0 AS MATERIALIZED (`+src+`)
		SELECT `+total+` AS total, pg.* FROM (SELECT 1) one
		LEFT JOIN (
		    SELECT c.order_id, `+taskingColumns+`
		    FROM (SELECT * FROM c0 WHERE true`+after+` ORDER BY rank_on, order_id `+limitSQL(pageRows)+`) c
		    JOIN orders o ON o.id = c.order_id
		    JOIN subjects s ON s.id = c.subject_id) pg ON true
		ORDER BY pg.rank_on, pg.order_id`, args).Scan(&rows).Error
	if err != nil {
		return 0, nil, "", err
	}
	n := 0
	page := make([]taskingRow, 0, len(rows))
	for _, r := range rows {
		if r.Total != nil {
			n = *r.Total
		}
		if r.OrderID != "" {
			page = append(page, r)
		}
	}
	if limit == 0 {
		return n, nil, "", nil
	}
	page, next := taskingCut(page, limit)
	owners, err := currentOwners(db, taskingOrderIDs(page))
	if err != nil {
		return 0, nil, "", err
	}
	return n, taskingItems(ctx, q, kind, page, owners, s.loc), next, nil
}

// TaskingEach hands a section's items to each, batch at a time, worst
// first: today's from the open flags a page at a time through the agenda
// index; from the rules with the rule run once (paging it re-ran the rule
// for every page: the agenda of a force of 23,000 orders as of a day took
// over 30 s to download). The rule's rows are read into memory whole (its
// keys and what only the rule knows: about 3 MB for 23,000 items) and the
// rows closed; each batch's orders, subjects and owners are then read by
// their IDs in short statements of their own. No connection is held while
// another is asked for, nor while each runs (which writes the batch's
// audit entry): a download streaming rows on one connection while it read
// owners and wrote the trail on others starved the pool at twenty such
// downloads at once, each waiting for a connection the others held.
func (s *Store) TaskingEach(ctx context.Context, q domain.TaskingQuery, kind string, batch int, each func([]domain.TaskingItem) error) error {
	if !q.FromRules {
		cursor := ""
		for {
			items, next, err := s.TaskingPage(ctx, q, kind, cursor, batch)
			if err != nil {
				return err
			}
			if err := each(items); err != nil {
				return err
			}
			if next == "" {
				return nil
			}
			cursor = next
		}
	}
	db := s.db.WithContext(ctx)
	var ruled []taskingRuled
	if err := db.Raw(`
		SELECT c.order_id, c.subject_id, c.case_type, c.details, c.raised_at, c.rank_on
		FROM (`+taskingSource(q, kind)+`) c
		ORDER BY c.rank_on, c.order_id`, map[string]any{"as_of": q.AsOf.Time, "force": q.Force, "kind": kind}).
		Scan(&ruled).Error; err != nil {
		return err
	}
	for len(ruled) > 0 {
		n := min(batch, len(ruled))
		page, err := taskingRuledRows(db, ruled[:n])
		if err != nil {
			return err
		}
		owners, err := currentOwners(db, taskingOrderIDs(page))
		if err != nil {
			return err
		}
		if err := each(taskingItems(ctx, q, kind, page, owners, s.loc)); err != nil {
			return err
		}
		// What is handed on is not kept.
		clear(ruled[:n])
		ruled = ruled[n:]
	}
	return nil
}

// taskingRuled is one item of a section as its rule gives it: the key it
// is ranked by and what only the rule knows.
type taskingRuled struct {
	OrderID   string
	SubjectID string
	CaseType  string
	Details   []byte
	RaisedAt  *time.Time
	RankOn    time.Time
}

// taskingRuledRows reads the orders and subjects of a batch of a rule's
// items by their IDs, in the rule's order, and makes them agenda rows.
func taskingRuledRows(db *gorm.DB, ruled []taskingRuled) ([]taskingRow, error) {
	orders, subjects := make([]string, len(ruled)), make([]string, len(ruled))
	for i, r := range ruled {
		orders[i], subjects[i] = r.OrderID, r.SubjectID
	}
	var rows []taskingRow
	if err := db.Raw(`
		SELECT k.pos, o.id AS order_id, o.reference, s.id AS subject_id,
		       s.first_names, s.last_name, s.pnc_id, s.custody_status, s.release_date
		FROM unnest(CAST(? AS uuid[]), CAST(? AS uuid[])) WITH ORDINALITY k(order_id, subject_id, pos)
		JOIN orders o ON o.id = k.order_id
		JOIN subjects s ON s.id = k.subject_id
		ORDER BY k.pos`, textArray(orders), textArray(subjects)).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for i := range rows {
		r := ruled[rows[i].Pos-1]
		rows[i].CaseType, rows[i].Details, rows[i].RaisedAt, rows[i].RankOn = r.CaseType, r.Details, r.RaisedAt, r.RankOn
	}
	return rows, nil
}

// taskingFirstPage is the first page of one section and its next cursor.
type taskingFirstPage struct {
	items []domain.TaskingItem
	next  string
}

// taskingFirstPages reads the first page of every section of today's
// agenda (the open flags) in one statement, each section's page walking
// its own range of the flags_agenda index (force, kind, rank, order) and
// stopping after limit+1 rows, and the current owners of all of them in
// one more: the same items and cursors TaskingPage gives section by
// section.
func (s *Store) taskingFirstPages(ctx context.Context, q domain.TaskingQuery, limit int) (map[string]taskingFirstPage, error) {
	db := s.db.WithContext(ctx)
	rows, err := scanTaskingRows(db.Raw(`
		SELECT k.kind, c.order_id, `+taskingColumns+`
		FROM unnest(CAST(@kinds AS text[])) WITH ORDINALITY k(kind, pos)
		CROSS JOIN LATERAL (
		    SELECT f.order_id, f.subject_id, f.case_type, f.details, f.raised_at,
		           agenda_rank(f.kind, f.details, f.raised_at) AS rank_on
		    FROM flags f WHERE f.force = @force AND f.kind = k.kind AND f.resolved_at IS NULL
		    ORDER BY agenda_rank(f.kind, f.details, f.raised_at), f.order_id `+limitSQL(limit+1)+`) c
		JOIN orders o ON o.id = c.order_id
		JOIN subjects s ON s.id = c.subject_id
		ORDER BY k.pos, c.rank_on, c.order_id`,
		map[string]any{"kinds": textArray(domain.TaskingSections), "force": q.Force}),
		len(domain.TaskingSections)*(limit+1))
	if err != nil {
		return nil, err
	}
	// The rows come section by section: each section's are a run of them.
	bySection := map[string][]taskingRow{}
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].Kind == rows[start].Kind {
			end++
		}
		bySection[rows[start].Kind] = rows[start:end:end]
		start = end
	}
	nexts := map[string]string{}
	var ids []string
	for kind, rs := range bySection {
		bySection[kind], nexts[kind] = taskingCut(rs, limit)
		ids = append(ids, taskingOrderIDs(bySection[kind])...)
	}
	// An order can be in several sections; its owners are read once.
	slices.Sort(ids)
	owners, err := currentOwners(db, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	out := make(map[string]taskingFirstPage, len(domain.TaskingSections))
	for _, kind := range domain.TaskingSections {
		out[kind] = taskingFirstPage{items: taskingItems(ctx, q, kind, bySection[kind], owners, s.loc), next: nexts[kind]}
	}
	return out, nil
}

// taskingRow is one agenda item as read, before owners and day counts.
type taskingRow struct {
	Ref       subjectRefRow `gorm:"embedded"`
	Kind      string
	OrderID   string
	Reference string
	CaseType  string
	Details   []byte
	RaisedAt  *time.Time
	RankOn    time.Time
	// Total is the section's number of items, where a statement counts
	// them beside its page (taskingSectionPage).
	Total *int
	// Pos is the row's place in a batch read by ID (taskingRuledRows).
	Pos int
}

// taskingColumns are a taskingRow's columns after order_id, from a page c
// joined to its order o and subject s.
const taskingColumns = `o.reference, c.case_type, c.details, c.raised_at, c.rank_on, s.id AS subject_id,
		       s.first_names, s.last_name, coalesce(s.pnc_id, '') AS pnc_id, s.custody_status, s.release_date`

// scanTaskingRows reads the rows of q, a statement selecting kind,
// order_id and taskingColumns, column by column: gorm's reflection over
// the agenda's 300 rows was a tenth of its CPU.
// Room is made for up to most rows at first (256 at most: a page of every
// section at the largest limit is 1,500 rows, seldom all there).
func scanTaskingRows(q *gorm.DB, most int) ([]taskingRow, error) {
	out := make([]taskingRow, 0, min(most, 256))
	err := eachRow(q, func(rows *sql.Rows) error {
		var r taskingRow
		if err := rows.Scan(&r.Kind, &r.OrderID, &r.Reference, &r.CaseType, &r.Details, &r.RaisedAt, &r.RankOn,
			&r.Ref.SubjectID, &r.Ref.FirstNames, &r.Ref.LastName, &r.Ref.PNCID, &r.Ref.CustodyStatus,
			&r.Ref.ReleaseDate); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// taskingCut keeps the first limit rows of limit+1 read, and gives the
// cursor after the last kept if there were more.
func taskingCut(rows []taskingRow, limit int) ([]taskingRow, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	last := rows[limit-1]
	return rows, domain.EncodeKeyCursor(domain.AsDate(last.RankOn).String(), last.OrderID)
}

func taskingOrderIDs(rows []taskingRow) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.OrderID
	}
	return ids
}

// taskingItems makes rows of section kind into agenda items with their
// owners, counting days as of q.AsOf.
func taskingItems(ctx context.Context, q domain.TaskingQuery, kind string, rows []taskingRow, owners map[string]domain.Owners,
	loc *time.Location) []domain.TaskingItem {
	items := make([]domain.TaskingItem, len(rows))
	for i, r := range rows {
		if !q.Quiet {
			domain.Note(ctx, "order", r.OrderID)
			domain.Note(ctx, "subject", r.Ref.SubjectID)
		}
		// Days are counted from the ranked date as of the agenda's day, so
		// a flag raised days ago still shows how overdue it is today.
		rank := domain.AsDate(r.RankOn)
		item := domain.TaskingItem{OrderID: r.OrderID, Reference: r.Reference, CaseType: r.CaseType,
			Subject: r.Ref.ref(), Owners: owners[r.OrderID], Details: json.RawMessage(r.Details)}
		switch kind {
		case domain.FlagCheckOverdue, domain.FlagReviewOverdue, domain.FlagReleaseDatePassed:
			d := rank.DaysUntil(q.AsOf)
			item.DaysOverdue = &d
		case domain.FlagPreRelease:
			d := q.AsOf.DaysUntil(rank)
			item.DaysToRelease = &d
		case domain.FlagExpiring:
			d := q.AsOf.DaysUntil(rank)
			item.DaysToEnd = &d
		}
		// A flag raised after the day asked for (an agenda as of a past
		// day, worked out from the rules) was not open then.
		if r.RaisedAt != nil && !q.AsOf.Before(domain.DateOf(*r.RaisedAt, loc).Time) {
			t := r.RaisedAt.UTC()
			item.OpenSince = &t
		}
		items[i] = item
	}
	return items
}

// PreRelease lists subjects in custody with a live order whose release date
// falls within withinDays of asOf (or has passed), soonest first, and
// whether a community owner and a pre-release review are in place; a page
// at a time (keyed on release date and order), with the number in all.
func (s *Store) PreRelease(ctx context.Context, force string, withinDays int, asOf domain.Date, p domain.Page) (domain.PreReleaseReport, error) {
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
	var rows []preReleaseRow
	db := s.db.WithContext(ctx)
	args := map[string]any{"until": asOf.AddDays(withinDays).Time, "force": force, "as_of": asOf.Time,
		"forces": append([]string{""}, domain.ScopeFrom(ctx).ReadForces...)}
	// The orders are found by their own copies of the subject's force and
	// of its release date while in custody (migration 00210; the copy is
	// NULL in the community or with no date, so "<= @until" also means "in
	// custody"), from two indexes of the live orders with a date: one
	// force's count is an index-only range of orders_pre_release_force and
	// its page a range in key order; with no force, orders_pre_release
	// (release date, order, force included) serves every force in key order,
	// and a scope's forces are picked from it without visiting the orders.
	// The force and scope conditions are left out when they do not apply
	// (rather than "@force = '' OR ..."), so that each shape of statement
	// has one plan by one index and the page's prepared statement keeps a
	// generic plan (the count is planned per request: its generic estimate
	// is a third of the index, and a one-table plan takes about 0.1 ms). A
	// force named has been checked against the scope above.
	where := `o.status IN ('pending', 'active') AND o.subject_release_date <= @until`
	if force != "" {
		where += ` AND o.subject_force = @force`
	} else if !domain.ScopeFrom(ctx).AllForces {
		where += ` AND o.subject_force IN @forces`
	}
	if asOf != s.Today() {
		return s.preReleaseAsOf(ctx, out, force, withinDays, asOf, p)
	}
	if err := db.Raw(`SELECT count(*) FROM orders o WHERE `+where, args).
		Scan(&out.Summary.Orders).Error; err != nil {
		return out, err
	}
	after, err := releaseKeyAfter(p, "o.subject_release_date", "o.id", args)
	if err != nil {
		return out, err
	}
	// The page's keys are read from the index alone (with no force, a
	// scope's forces are picked out by the force the index includes,
	// without visiting the orders they leave out); then one read of each
	// order on the page and of its subject, whose own row is what the
	// report shows. Whether an IOM owner is in place is read from the
	// owners fetched below. The limit is written into the statement: as a
	// parameter the generic plan is costed for a tenth of the orders and
	// never chosen, and every request paid about 1 ms to plan the page.
	err = db.Raw(`
		SELECT o.id AS order_id, o.reference, s.force, s.id AS subject_id, s.first_names, s.last_name, s.pnc_id,
		       s.custody_status, s.release_date, s.establishment, s.release_date_type, k.rank_on,
		       pr.reviewed AS has_review
		FROM (SELECT o.id AS order_id, o.subject_release_date AS rank_on
		      FROM orders o WHERE `+where+after+`
		      ORDER BY o.subject_release_date, o.id LIMIT `+strconv.Itoa(pageLimit(p)+1)+`) k
		JOIN orders o ON o.id = k.order_id
		JOIN subjects s ON s.id = o.subject_id
		LEFT JOIN force_policies p ON p.force = s.force
		CROSS JOIN LATERAL pre_release_review(o.id, s.id, s.release_date, coalesce(p.pre_release_days, 180),
		                                      CAST(@as_of AS date)) pr
		ORDER BY k.rank_on, k.order_id`, args).Scan(&rows).Error
	if err != nil {
		return out, err
	}
	if limit := pageLimit(p); len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next := domain.EncodeKeyCursor(domain.AsDate(last.RankOn).String(), last.OrderID)
		out.NextCursor = &next
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.OrderID
	}
	owners, err := currentOwners(db, ids)
	if err != nil {
		return out, err
	}
	if p.Cursor == "" {
		// With the first page only: the list is not paged with the report.
		if out.NoReleaseDate, err = noReleaseDate(ctx, db, force); err != nil {
			return out, err
		}
	}
	return preReleaseItems(ctx, out, asOf, rows, owners), nil
}

// noReleaseDate finds the subjects in custody with a live order and no
// release date recorded, in the force (or the caller's scope), through
// the index of just those (migration 00440).
func noReleaseDate(ctx context.Context, db *gorm.DB, force string) (*domain.NoReleaseDate, error) {
	where, args := "true", []any{}
	if force != "" {
		where, args = "s.force = ?", []any{force}
	} else {
		where, args = scopeSQL(ctx, "s.force")
	}
	var rows []struct {
		Ref   subjectRefRow `gorm:"embedded"`
		Total int
	}
	if err := db.Raw(`SELECT s.id AS subject_id, s.first_names, s.last_name, s.pnc_id, s.custody_status, s.release_date,
		count(*) OVER () AS total
		FROM subjects s
		-- A live order of theirs, looked up per subject (there are few):
		-- as a semi-join it could be a pass over every order.
		CROSS JOIN LATERAL (SELECT 1 FROM orders o WHERE o.subject_id = s.id AND o.status IN ('pending', 'active')
		                    LIMIT 1) live
		WHERE s.custody_status = 'custody' AND s.release_date IS NULL AND `+where+`
		ORDER BY s.last_name, s.first_names, s.id LIMIT `+strconv.Itoa(domain.NoReleaseDateFirst), args...).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := &domain.NoReleaseDate{First: []domain.SubjectRef{}}
	for _, r := range rows {
		out.Subjects = r.Total
		domain.Note(ctx, "subject", r.Ref.SubjectID)
		out.First = append(out.First, r.Ref.ref())
	}
	return out, nil
}

// releaseKeyAfter is the condition that starts a pre-release page after its
// cursor (release date, order), over the columns named, with its
// arguments put in args; "" for the first page.
func releaseKeyAfter(p domain.Page, dateCol, idCol string, args map[string]any) (string, error) {
	if p.Cursor == "" {
		return "", nil
	}
	parts, ok := domain.DecodeKeyCursor(p.Cursor, 2)
	if !ok {
		return "", domain.Invalid("cursor", "is not a cursor this service gave out")
	}
	if _, err := domain.ParseDate(parts[0]); err != nil {
		return "", domain.Invalid("cursor", "is not a cursor this service gave out")
	}
	args["after_date"], args["after_id"] = parts[0], parts[1]
	return " AND (" + dateCol + ", " + idCol + ") > (CAST(@after_date AS date), CAST(@after_id AS uuid))", nil
}

// preReleaseRow is one order of the pre-release report as read.
type preReleaseRow struct {
	Ref             subjectRefRow `gorm:"embedded"`
	OrderID         string
	Reference       string
	Force           string
	Establishment   *string
	ReleaseDateType *string
	RankOn          time.Time
	HasReview       bool
	// As of another day: the count of all, and that day's end.
	Total  int
	DayEnd time.Time
}

// preReleaseItems makes the report's items of its rows, with owners.
func preReleaseItems(ctx context.Context, out domain.PreReleaseReport, asOf domain.Date, rows []preReleaseRow,
	owners map[string]domain.Owners) domain.PreReleaseReport {
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
		if item.Owners.IOM == nil {
			item.Missing = append(item.Missing, "iom_owner")
		}
		if !r.HasReview {
			item.Missing = append(item.Missing, "pre_release_review")
		}
		item.Ready = len(item.Missing) == 0
		out.Items = append(out.Items, item)
	}
	return out
}

// preReleaseAsOf is the pre-release report as it stood on another day,
// from the rules' view of that day (live_orders_on): the custody spell
// that contained it and its release date, the owners then, and the
// pre-release reviews recorded by then. Like the tasking agenda's as_of it
// reads every live order (of the force, or in scope).
func (s *Store) preReleaseAsOf(ctx context.Context, out domain.PreReleaseReport, force string, withinDays int,
	asOf domain.Date, p domain.Page) (domain.PreReleaseReport, error) {
	db := s.db.WithContext(ctx)
	args := map[string]any{"as_of": asOf.Time, "until": asOf.AddDays(withinDays).Time, "force": force,
		"forces": append([]string{""}, domain.ScopeFrom(ctx).ReadForces...)}
	where := `l.custody_status = 'custody' AND l.release_date <= @until`
	if force != "" {
		where += ` AND l.force = @force`
	} else if !domain.ScopeFrom(ctx).AllForces {
		where += ` AND l.force IN @forces`
	}
	after, err := releaseKeyAfter(p, "l.release_date", "l.order_id", args)
	if err != nil {
		return out, err
	}
	var rows []preReleaseRow
	err = db.Raw(`
		WITH l AS MATERIALIZED (SELECT l.* FROM live_orders_on(@as_of) l WHERE `+where+`)
		SELECT (SELECT count(*) FROM l) AS total, k.order_id, o.reference, k.force, s.id AS subject_id, s.first_names,
		       s.last_name, s.pnc_id, 'custody' AS custody_status, k.release_date, k.establishment, k.release_date_type,
		       k.release_date AS rank_on, k.day_end, pr.reviewed AS has_review
		FROM (SELECT * FROM l WHERE true`+after+` ORDER BY l.release_date, l.order_id LIMIT `+strconv.Itoa(pageLimit(p)+1)+`) k
		JOIN orders o ON o.id = k.order_id
		JOIN subjects s ON s.id = k.subject_id
		CROSS JOIN LATERAL pre_release_review(k.order_id, k.subject_id, k.release_date, k.pre_release_days,
		                                      CAST(@as_of AS date)) pr
		ORDER BY k.release_date, k.order_id`, args).Scan(&rows).Error
	if err != nil {
		return out, err
	}
	if len(rows) == 0 {
		// The count alone, when the page is empty.
		if err := db.Raw(`SELECT count(*) FROM live_orders_on(@as_of) l WHERE `+where, args).Scan(&out.Summary.Orders).Error; err != nil {
			return out, err
		}
		return out, nil
	}
	out.Summary.Orders = rows[0].Total
	if limit := pageLimit(p); len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next := domain.EncodeKeyCursor(domain.AsDate(last.RankOn).String(), last.OrderID)
		out.NextCursor = &next
	}
	ids, forces := make(textArray, len(rows)), make(textArray, len(rows))
	for i, r := range rows {
		ids[i], forces[i] = r.OrderID, r.Force
	}
	// The owners at the end of that day, as the rules count them.
	var owned []struct {
		OrderID string
		Owner   ownerRow `gorm:"embedded"`
	}
	if err := db.Raw(`SELECT a.order_id, a.role, a.assigned_at, a.officer_id, f.name, f.email
		FROM unnest(CAST(@ids AS uuid[]), CAST(@forces AS text[])) AS ids(id, force)
		JOIN owner_assignments a ON a.order_id = ids.id
		JOIN officers f ON f.id = a.officer_id
		WHERE owner_counts(a.assigned_at, a.ended_at, @day_end, f.active, f.force, f.roles, a.role, ids.force)`,
		map[string]any{"ids": ids, "forces": forces, "day_end": rows[0].DayEnd}).Scan(&owned).Error; err != nil {
		return out, err
	}
	owners := map[string]domain.Owners{}
	for _, a := range owned {
		a.Owner.setOnOrder(owners, a.OrderID)
	}
	return preReleaseItems(ctx, out, asOf, rows, owners), nil
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
	var err error
	if asOf == s.Today() {
		// Today's picture is kept in force_counts by the transactions that
		// change it; an order's review is on time unless its review is
		// flagged overdue.
		err = db.Raw(`
			SELECT f.code, f.name,
			       coalesce(sum(c.n) FILTER (WHERE c.metric = 'live:community'), 0) AS community,
			       coalesce(sum(c.n) FILTER (WHERE c.metric = 'live:prison'), 0) AS prison,
			       coalesce(sum(c.n) FILTER (WHERE c.metric = 'owned'), 0) AS owned,
			       coalesce(sum(c.n) FILTER (WHERE c.metric LIKE 'live:%'), 0)
			       - coalesce(sum(c.n) FILTER (WHERE c.metric = 'flag:review_overdue'), 0) AS reviews_on_time
			FROM forces f LEFT JOIN force_counts c ON c.force = f.code
			WHERE f.region = ? GROUP BY f.code, f.name ORDER BY f.name`, region).Scan(&rows).Error
	} else {
		// Another day is worked out from the same rules the sweeps use, as
		// of that day, as the tasking agenda's as_of is: the orders live
		// then, their case type and owners then, and the review rule.
		err = db.Raw(`
			WITH l AS MATERIALIZED (
			    SELECT l.order_id, l.force, l.case_type,
			           EXISTS (SELECT 1 FROM owner_assignments a JOIN officers o ON o.id = a.officer_id
			                   WHERE a.order_id = l.order_id
			                     AND owner_counts(a.assigned_at, a.ended_at, l.day_end, o.active, o.force, o.roles,
			                                      a.role, l.force)) AS owned
			    FROM live_orders_on(@as_of) l
			    WHERE l.force IN (SELECT code FROM forces WHERE region = @region)),
			late AS (SELECT r.force, count(*) AS n FROM flag_review_overdue(@as_of) r
			         WHERE r.force IN (SELECT code FROM forces WHERE region = @region) GROUP BY r.force)
			SELECT f.code, f.name,
			       count(l.order_id) FILTER (WHERE l.case_type = 'community') AS community,
			       count(l.order_id) FILTER (WHERE l.case_type = 'prison') AS prison,
			       count(l.order_id) FILTER (WHERE l.owned) AS owned,
			       count(l.order_id) - coalesce(max(late.n), 0) AS reviews_on_time
			FROM forces f
			LEFT JOIN l ON l.force = f.code
			LEFT JOIN late ON late.force = f.code
			WHERE f.region = @region
			GROUP BY f.code, f.name ORDER BY f.name`, map[string]any{"as_of": asOf.Time, "region": region}).Scan(&rows).Error
	}
	if err != nil {
		return domain.RegionReport{}, err
	}
	var flagCounts []struct {
		Force string
		Kind  string
		N     int
	}
	if asOf == s.Today() {
		err = db.Raw(`SELECT c.force, substr(c.metric, 6) AS kind, c.n FROM force_counts c JOIN forces f ON f.code = c.force
			WHERE c.metric LIKE 'flag:%' AND f.region = ?`, region).Scan(&flagCounts).Error
	} else {
		// The flags that were open that day are the rules' rows as of it.
		err = db.Raw(`SELECT r.force, r.kind, count(*) AS n FROM (`+
			rulesSQL(append(sweptKinds(), eventKinds()...), "c.force IN (SELECT code FROM forces WHERE region = @region)")+
			`) r GROUP BY r.force, r.kind`, map[string]any{"as_of": asOf.Time, "region": region}).Scan(&flagCounts).Error
	}
	if err != nil {
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
const subjectNameSQL = `ltrim(s.first_names || ' ' || s.last_name)`
