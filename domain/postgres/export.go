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
	// The export is whole: every list read a page after another, as a
	// client would, through the API's own reads.
	if out.CustodyHistory, err = domain.AllPages(func(p domain.Page) ([]domain.CustodyPeriod, string, error) {
		return s.CustodyHistory(ctx, sub.ID, p)
	}); err != nil {
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
		if e.OwnerHistory, err = domain.AllPages(func(p domain.Page) ([]domain.OwnerAssignment, string, error) {
			return s.OwnerHistory(ctx, o.ID, p)
		}); err != nil {
			return out, err
		}
		if e.Reviews, err = domain.AllPages(func(p domain.Page) ([]domain.Review, string, error) {
			return s.ListReviews(ctx, o.ID, p)
		}); err != nil {
			return out, err
		}
		if e.Checks, err = domain.AllPages(func(p domain.Page) ([]domain.Check, string, error) {
			return s.ListChecks(ctx, o.ID, p)
		}); err != nil {
			return out, err
		}
		if e.TermVersions, err = domain.AllPages(func(p domain.Page) ([]domain.TermVersion, string, error) {
			return s.TermVersions(ctx, o.ID, p)
		}); err != nil {
			return out, err
		}
		if e.Events, err = domain.AllPages(func(p domain.Page) ([]domain.OrderEvent, string, error) {
			return s.OrderEvents(ctx, o.ID, p)
		}); err != nil {
			return out, err
		}
		if e.Extensions, err = domain.AllPages(func(p domain.Page) ([]domain.Extension, string, error) {
			return s.ListExtensions(ctx, o.ID, p)
		}); err != nil {
			return out, err
		}
		if e.Breaches, err = domain.AllPages(func(p domain.Page) ([]domain.BreachCase, string, error) {
			return s.ListBreaches(ctx, o.ID, p)
		}); err != nil {
			return out, err
		}
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

// subjectDecisions are the meetings' decisions on the subject's agenda
// items, by order.
func (s *Store) subjectDecisions(ctx context.Context, subjectID string) (map[string][]domain.ExportedDecision, error) {
	rows, err := s.itemDecisions(ctx, s.db.WithContext(ctx), "i.subject_id = ?", subjectID, "true", "")
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
