package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"

	"scpo/domain"
)

// keyset is a list the store reads a page at a time after a cursor (the
// caseload, search results, a section of the agenda, officers): where this
// page is in the list and the links to the first and the next page. The
// store reads forward only, so the way back is the first page (and the
// browser's Back), as on the pre-release board and a meeting's agenda.
// Each link to a later page carries the number of its first item
// (?start=), so the page can say which items it shows: a number the
// address only suggests, kept within the list's count where known.
type keyset struct {
	Cursor string // the cursor this page was read after; "" on the first
	Start  int    // the number of its first item, from 1
	End    int    // of its last (Start-1 when it shows none)
	Total  int    // in the whole list; -1 when not known
	// First and Next are the addresses of the first page (set when this is
	// a later one) and of the next page (set when there is one).
	First, Next string
	// prefix names the list's parameters (prefix+"cursor", prefix+"start")
	// on a page with more than one such list, each paged on its own: a
	// list's links keep the others' places. anchor, when set, is the
	// list's place on the page, where its links land.
	prefix, anchor string
}

// keysetFrom reads a list's cursor and the number of its first item from
// the address.
func keysetFrom(r *req) keyset { return keysetNamed(r, "", "") }

// keysetNamed reads the cursor and the first item's number of the list
// whose parameters start with prefix, at anchor on the page.
func keysetNamed(r *req, prefix, anchor string) keyset {
	k := keyset{Cursor: r.QueryParam(prefix + "cursor"), Start: 1, prefix: prefix, anchor: anchor}
	if k.Cursor != "" {
		if n, err := strconv.Atoi(r.QueryParam(prefix + "start")); err == nil && n > 1 {
			k.Start = n
		}
	}
	return k
}

// staleCursor reports whether err is the store refusing k's cursor (an
// address edited by hand, or kept from an older release): the list is
// then shown from its start.
func (k *keyset) staleCursor(err error) bool {
	var invalid *domain.ValidationError
	if k.Cursor == "" || !errors.As(err, &invalid) || !invalid.Has("cursor") {
		return false
	}
	*k = keyset{Start: 1, prefix: k.prefix, anchor: k.anchor}
	return true
}

// keysetParams are what the list's own links set; with the success
// banner's (flashParams) they are left out of the address the links
// keep.
var keysetParams = []string{"cursor", "start", "page"}

// settle records that the page shows shown items of total (-1: not known)
// and next is the cursor after them (nil: none), and makes the links: this
// page's path with the address's other parameters (a search, a force, a
// day).
func (k *keyset) settle(r *req, shown, total int, next *string) {
	path := r.Request().URL.Path
	k.Total = total
	if total >= 0 {
		// A start from an address that no longer fits the list (items
		// resolved since, or typed) is brought within it.
		k.Start = max(1, min(k.Start, total-shown+1))
	}
	if k.Cursor == "" {
		k.Start = 1
	}
	k.End = k.Start + shown - 1
	own := keysetParams
	if k.prefix != "" {
		own = []string{k.prefix + "cursor", k.prefix + "start"}
	}
	q := url.Values{}
	for name, v := range r.QueryParams() {
		if !slices.Contains(own, name) && !slices.Contains(flashParams, name) {
			q[name] = v
		}
	}
	at := ""
	if k.anchor != "" {
		at = "#" + k.anchor
	}
	if k.Cursor != "" {
		k.First = path
		if len(q) > 0 {
			k.First += "?" + q.Encode()
		}
		k.First += at
	}
	if next != nil {
		q.Set(k.prefix+"cursor", *next)
		q.Set(k.prefix+"start", strconv.Itoa(k.End+1))
		k.Next = path + "?" + q.Encode() + at
	}
}

// Paged reports whether the list is longer than this page.
func (k keyset) Paged() bool { return k.Cursor != "" || k.Next != "" }

// Showing says which items the page shows: "Showing orders 26 to 50 of
// 1,943" (without "of" when the count is not known).
func (k keyset) Showing(noun string) string {
	s := "Showing " + noun + " " + thousands(k.Start) + " to " + thousands(k.End)
	if k.Total >= 0 {
		s += " of " + thousands(k.Total)
	}
	return s
}

// thousands writes n with commas between thousands, as GOV.UK writes
// numbers: 1,943.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// readPage reads the page of a list that k asks for, size items after its
// cursor (from the start when the store refuses the cursor), and settles
// k: count is the whole list's count, asked only when the list is longer
// than this page (nil: not known).
func readPage[T any](r *req, k *keyset, size int, read func(domain.Page) ([]T, string, error), count func() (int, error)) ([]T, error) {
	items, next, err := read(domain.Page{Limit: size, Cursor: k.Cursor})
	if k.staleCursor(err) {
		items, next, err = read(domain.Page{Limit: size})
	}
	if err != nil {
		return nil, err
	}
	total := -1
	switch {
	case k.Cursor == "" && next == "":
		total = len(items)
	case count != nil:
		if total, err = count(); err != nil {
			return nil, err
		}
	}
	k.settle(r, len(items), total, cursorOf(next))
	return items, nil
}

// byID reads a list whose store takes the ID its cursor holds (and gives
// out the cursor encoded, as the API does): a cursor that holds none is
// refused as the store refuses one.
func byID[T any](read func(domain.Page) ([]T, string, error)) func(domain.Page) ([]T, string, error) {
	return func(p domain.Page) ([]T, string, error) {
		if p.Cursor != "" {
			id, ok := domain.DecodeCursor(p.Cursor)
			if !ok {
				return nil, "", domain.Invalid("cursor", "is not a cursor this service gave out")
			}
			p.Cursor = id
		}
		return read(p)
	}
}
