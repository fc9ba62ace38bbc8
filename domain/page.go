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
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, false
	}
	parts := strings.Split(string(b), "\x1f")
	if len(parts) != n {
		return nil, false
	}
	id, ok := CanonicalID(parts[n-1])
	parts[n-1] = id
	return parts, ok
}
