package web

import (
	"context"
	"errors"
	"net/url"

	"scpo/domain"
)

// orderLatest is how many of an order's long lists (reviews, events, the
// timeline) the order page shows; the rest are a link away.
const orderLatest = 10

// orderListPage is how many reviews, events or flags a page of their own
// shows, a page of the list at a time.
const orderListPage = 50

// orderListData is a page of an order's reviews or events.
type orderListData struct {
	Order   domain.Order
	Reviews []domain.Review
	Events  []domain.OrderEvent
	Total   int
	// First is the address of the list's first page when this is a later
	// one; Next the next page's, when there is one.
	First, Next string
}

// orderList reads the order and the page of one of its lists the address
// asks for (?cursor=, as the API gave it), with the list's count.
func (w *Web) orderList(r *req, list string, read func(ctx context.Context, orderID string, p domain.Page) (string, error)) (*orderListData, error) {
	ctx := r.ctx()
	o, err := w.store.GetOrder(ctx, r.Param("id"))
	if err != nil {
		return nil, err
	}
	cursor := r.QueryParam("cursor")
	next, err := read(ctx, o.ID, domain.Page{Limit: orderListPage, Cursor: cursor})
	var bad *domain.ValidationError
	if errors.As(err, &bad) {
		return nil, domain.ErrNotFound // a page of the list that is not one
	}
	if err != nil {
		return nil, err
	}
	counts, err := w.store.CountOrderLists(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	d := &orderListData{Order: o, Total: counts.Reviews}
	if list == "events" {
		d.Total = counts.Events
	}
	base := "/orders/" + o.ID + "/" + list
	if cursor != "" {
		d.First = base
	}
	if next != "" {
		d.Next = base + "?cursor=" + url.QueryEscape(next)
	}
	return d, nil
}

// orderReviews is every review of an order, newest first, a page at a time.
func (w *Web) orderReviews(r *req) error {
	var items []domain.Review
	d, err := w.orderList(r, "reviews", func(ctx context.Context, id string, p domain.Page) (next string, err error) {
		items, next, err = w.store.ListReviews(ctx, id, p)
		return next, err
	})
	if err != nil {
		return err
	}
	d.Reviews = items
	return w.render(r, "order-reviews", r.page("Reviews: order "+d.Order.Reference, "find", d))
}

// orderEvents is the order's whole history, oldest first, a page at a time.
func (w *Web) orderEvents(r *req) error {
	var items []domain.OrderEvent
	d, err := w.orderList(r, "events", func(ctx context.Context, id string, p domain.Page) (next string, err error) {
		items, next, err = w.store.OrderEvents(ctx, id, p)
		return next, err
	})
	if err != nil {
		return err
	}
	d.Events = items
	return w.render(r, "order-events", r.page("History: order "+d.Order.Reference, "find", d))
}

// orderFlagsData is a page of an order's flags.
type orderFlagsData struct {
	Order domain.Order
	Flags []domain.Flag
	Page  keyset
}

// orderFlags is every flag of an order, open and resolved, the latest
// change first, a page at a time, saying which of how many it shows.
func (w *Web) orderFlags(r *req) error {
	ctx := r.ctx()
	o, err := w.store.GetOrder(ctx, r.Param("id"))
	if err != nil {
		return err
	}
	d := &orderFlagsData{Order: o, Page: keysetFrom(r)}
	if d.Flags, err = readPage(r, &d.Page, orderListPage, func(p domain.Page) ([]domain.Flag, string, error) {
		return w.store.OrderFlags(ctx, o.ID, p)
	}, func() (int, error) {
		counts, err := w.store.CountOrderLists(ctx, o.ID)
		return counts.Flags, err
	}); err != nil {
		return err
	}
	return w.render(r, "order-flags", r.page("Flags: order "+o.Reference, "find", d))
}

// pendingAppeal is the appeal lodged that awaits its decision: among the
// latest events, or else found in the whole timeline.
func (w *Web) pendingAppeal(ctx context.Context, orderID string, latest []domain.OrderEvent) (*domain.OrderEvent, error) {
	find := func(events []domain.OrderEvent) *domain.OrderEvent {
		for i := len(events) - 1; i >= 0; i-- {
			if events[i].Kind == domain.EventAppealLodged {
				return &events[i]
			}
		}
		return nil
	}
	if e := find(latest); e != nil {
		return e, nil
	}
	all, err := domain.AllPages(func(p domain.Page) ([]domain.OrderEvent, string, error) {
		return w.store.OrderEvents(ctx, orderID, p)
	})
	if err != nil {
		return nil, err
	}
	return find(all), nil
}
