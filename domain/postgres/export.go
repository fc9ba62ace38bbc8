package postgres

import (
	"context"
	"time"

	"scpo/domain"
)

// ExportSubject gathers everything the register holds about a subject, for
// a subject access request, through the same reads (and scope) as the API's
// own: a subject out of the caller's view is not found. Every record read
// is noted on the request's audit entry, which the API records as a
// disclosure.
func (s *Store) ExportSubject(ctx context.Context, subjectID string) (domain.SubjectExport, error) {
	sub, err := s.GetSubject(ctx, subjectID)
	if err != nil {
		return domain.SubjectExport{}, err
	}
	out := domain.SubjectExport{GeneratedAt: s.now(), Subject: sub, Orders: []domain.ExportedOrder{}}
	if out.CustodyHistory, err = s.CustodyHistory(ctx, sub.ID); err != nil {
		return out, err
	}
	var orders []domain.Order
	page := domain.Page{Limit: 500}
	for {
		list, next, err := s.ListOrders(ctx, domain.OrderFilter{SubjectID: sub.ID}, page)
		if err != nil {
			return out, err
		}
		orders = append(orders, list...)
		if next == "" {
			break
		}
		if page.Cursor, _ = domain.DecodeCursor(next); page.Cursor == "" {
			break
		}
	}
	decisions, err := s.subjectDecisions(ctx, sub.ID)
	if err != nil {
		return out, err
	}
	for _, o := range orders {
		e := domain.ExportedOrder{Order: o, Decisions: decisions[o.ID]}
		if e.Decisions == nil {
			e.Decisions = []domain.ExportedDecision{}
		}
		if e.OwnerHistory, err = s.OwnerHistory(ctx, o.ID); err != nil {
			return out, err
		}
		if e.Reviews, err = s.ListReviews(ctx, o.ID); err != nil {
			return out, err
		}
		if e.Checks, err = s.ListChecks(ctx, o.ID); err != nil {
			return out, err
		}
		if e.TermVersions, err = s.TermVersions(ctx, o.ID); err != nil {
			return out, err
		}
		if e.Events, err = s.OrderEvents(ctx, o.ID); err != nil {
			return out, err
		}
		if e.Extensions, err = s.ListExtensions(ctx, o.ID); err != nil {
			return out, err
		}
		if e.Breaches, err = s.ListBreaches(ctx, o.ID); err != nil {
			return out, err
		}
		e.TermVersions, e.Events = orEmpty(e.TermVersions), orEmpty(e.Events)
		e.Extensions, e.Breaches = orEmpty(e.Extensions), orEmpty(e.Breaches)
		e.Flags = []domain.Flag{}
		fp := domain.Page{Limit: 500}
		for {
			flags, next, err := s.ListFlags(ctx, domain.FlagFilter{OrderID: o.ID}, fp)
			if err != nil {
				return out, err
			}
			e.Flags = append(e.Flags, flags...)
			if next == "" {
				break
			}
			if fp.Cursor, _ = domain.DecodeCursor(next); fp.Cursor == "" {
				break
			}
		}
		out.Orders = append(out.Orders, e)
	}
	return out, nil
}

// orEmpty is l, or an empty list for none, so the export says [] not null.
func orEmpty[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// subjectDecisions are the tasking meetings' decisions on the subject's
// agenda items, by order.
func (s *Store) subjectDecisions(ctx context.Context, subjectID string) (map[string][]domain.ExportedDecision, error) {
	db := s.db.WithContext(ctx)
	var items []struct {
		ID, MeetingID, OrderID, Kind string
		HeldOn                       time.Time
	}
	if err := db.Raw(`SELECT i.id, i.meeting_id, i.order_id, i.kind, m.held_on FROM meeting_items i
		JOIN meetings m ON m.id = i.meeting_id WHERE i.subject_id = ?`, subjectID).Scan(&items).Error; err != nil {
		return nil, err
	}
	out := map[string][]domain.ExportedDecision{}
	if len(items) == 0 {
		return out, nil
	}
	ids := make([]string, len(items))
	byID := map[string]int{}
	for i, it := range items {
		ids[i] = it.ID
		byID[it.ID] = i
	}
	decisions, err := s.decisions(db, "d.item_id = ANY (CAST(? AS uuid[]))", textArray(ids))
	if err != nil {
		return nil, err
	}
	for _, d := range decisions {
		it := items[byID[d.ItemID]]
		domain.Note(ctx, "meeting", it.MeetingID)
		out[it.OrderID] = append(out[it.OrderID], domain.ExportedDecision{MeetingID: it.MeetingID,
			HeldOn: domain.AsDate(it.HeldOn), ItemKind: it.Kind, Decision: d})
	}
	return out, nil
}

var _ domain.SubjectExporter = (*Store)(nil)
