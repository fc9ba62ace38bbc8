package postgres

import (
	"context"

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

// subjectDecisions are the meetings' decisions on the subject's agenda
// items, by order.
func (s *Store) subjectDecisions(ctx context.Context, subjectID string) (map[string][]domain.ExportedDecision, error) {
	rows, err := s.itemDecisions(ctx, s.db.WithContext(ctx), "i.subject_id = ?", subjectID)
	if err != nil {
		return nil, err
	}
	out := map[string][]domain.ExportedDecision{}
	for _, r := range rows {
		out[r.OrderID] = append(out[r.OrderID], domain.ExportedDecision{MeetingID: r.MeetingID, HeldOn: r.HeldOn,
			ItemKind: r.ItemKind, Decision: r.Decision})
	}
	return out, nil
}

var _ domain.SubjectExporter = (*Store)(nil)
