package domain

import (
	"encoding/base64"
	"strings"
)

// EncodeCursor makes the opaque cursor for a page ending at id.
func EncodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(c string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", false
	}
	return CanonicalID(string(b))
}

// EncodeKeyCursor makes the opaque cursor of a page ordered by a composite
// key, ending at the row whose key is parts (the last part is the row's ID).
func EncodeKeyCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x1f")))
}

// DecodeKeyCursor reads a cursor made by EncodeKeyCursor with n parts, the
// last a canonical ID.
func DecodeKeyCursor(c string, n int) ([]string, bool) {
	parts, ok := DecodeKeyParts(c, n)
	if !ok {
		return nil, false
	}
	id, ok := CanonicalID(parts[n-1])
	parts[n-1] = id
	return parts, ok
}

// DecodeKeyParts reads a cursor made by EncodeKeyCursor with n parts,
// whatever they hold: the store checks each against its column's type.
func DecodeKeyParts(c string, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, false
	}
	parts := strings.Split(string(b), "\x1f")
	if len(parts) != n {
		return nil, false
	}
	return parts, true
}

// AllPages reads a list a page of 500 at a time, following the cursor each
// page gives (as a client follows next_cursor), until the last: for what
// must be whole, such as the subject access export or a form that finds
// one record among an order's. Never nil.
func AllPages[T any](read func(Page) ([]T, string, error)) ([]T, error) {
	out := []T{}
	p := Page{Limit: 500}
	for {
		items, next, err := read(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}
