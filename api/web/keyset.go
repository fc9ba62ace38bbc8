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
}

// keysetFrom reads a list's cursor and the number of its first item from
// the address.
func keysetFrom(r *req) keyset {
	k := keyset{Cursor: r.QueryParam("cursor"), Start: 1}
	if k.Cursor != "" {
		if n, err := strconv.Atoi(r.QueryParam("start")); err == nil && n > 1 {
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
	*k = keyset{Start: 1}
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
	q := url.Values{}
	for name, v := range r.QueryParams() {
		if !slices.Contains(keysetParams, name) && !slices.Contains(flashParams, name) {
			q[name] = v
		}
	}
	if k.Cursor != "" {
		k.First = path
		if len(q) > 0 {
			k.First += "?" + q.Encode()
		}
	}
	if next != nil {
		q.Set("cursor", *next)
		q.Set("start", strconv.Itoa(k.End+1))
		k.Next = path + "?" + q.Encode()
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
