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

// A key cursor's parts are joined by keySep. A part holding keySep or
// keyEsc has each such byte preceded by keyEsc, so any part comes back as
// it went (an officer's name may hold U+001F, and a page ending at that
// officer gave a cursor of three parts, refused). A part with neither
// byte is written as it is, so the cursors given out before escaping
// existed read the same.
const (
	keySep = '\x1f'
	keyEsc = '\x1e'
)

// EncodeKeyCursor makes the opaque cursor of a page ordered by a composite
// key, ending at the row whose key is parts (the last part is the row's ID).
func EncodeKeyCursor(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(keySep)
		}
		for j := 0; j < len(p); j++ {
			if p[j] == keySep || p[j] == keyEsc {
				b.WriteByte(keyEsc)
			}
			b.WriteByte(p[j])
		}
	}
	return base64.RawURLEncoding.EncodeToString([]byte(b.String()))
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
// whatever they hold: the store checks each against its column's type. A
// cursor of another number of parts, or with an escape that
// EncodeKeyCursor does not write, is refused.
func DecodeKeyParts(c string, n int) ([]string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, false
	}
	parts := make([]string, 0, n)
	var part []byte
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case keyEsc:
			if i+1 == len(b) || (b[i+1] != keySep && b[i+1] != keyEsc) {
				return nil, false
			}
			i++
			part = append(part, b[i])
		case keySep:
			parts = append(parts, string(part))
			part = part[:0]
		default:
			part = append(part, b[i])
		}
	}
	parts = append(parts, string(part))
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
