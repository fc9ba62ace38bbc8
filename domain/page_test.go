package domain_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

const cursorID = "0b6c3a52-8f0e-4d8a-9a51-2f1d3c4b5a69"

// A key cursor gives back the parts it was made of, whatever they hold:
// an officer named "Ann\x1fLee" ending a page gave a cursor that read as
// three parts and was refused, so the officers after her could not be
// reached.
func TestKeyCursorRoundTrips(t *testing.T) {
	for _, parts := range [][]string{
		{"Ann Lee", cursorID},
		{"Ann\x1fLee", cursorID},
		{"\x1f", cursorID},
		{"\x1e", cursorID},
		{"\x1e\x1f\x1e", cursorID},
		{"trailing\x1e", cursorID},
		{"", cursorID},
		{"2026-11-25", "\x1f\x1f", "", "a\x1eb", cursorID},
		{"Zoë \u00e9\u4e2d", cursorID},
	} {
		c := domain.EncodeKeyCursor(parts...)
		got, ok := domain.DecodeKeyCursor(c, len(parts))
		if !ok {
			t.Errorf("%q: the cursor %q is refused", parts, c)
			continue
		}
		if d := cmp.Diff(parts, got); d != "" {
			t.Errorf("%q: (-made +read):\n%s", parts, d)
		}
		if _, ok := domain.DecodeKeyCursor(c, len(parts)+1); ok {
			t.Errorf("%q read as %d parts", parts, len(parts)+1)
		}
	}
}

// Cursors given out before parts were escaped read as they did.
func TestKeyCursorReadsThoseMadeBefore(t *testing.T) {
	old := base64.RawURLEncoding.EncodeToString([]byte("Ann Lee\x1f" + cursorID))
	if got, ok := domain.DecodeKeyCursor(old, 2); !ok || !slices.Equal(got, []string{"Ann Lee", cursorID}) {
		t.Errorf("a cursor made before: %q %v", got, ok)
	}
	if domain.EncodeKeyCursor("Ann Lee", cursorID) != old {
		t.Errorf("a cursor of plain parts is written differently from before")
	}
}

// A cursor the service did not give out is refused.
func TestKeyCursorRefusesMalformed(t *testing.T) {
	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for name, c := range map[string]string{
		"not base64":           "!!!",
		"one part":             raw(cursorID),
		"three parts":          raw("a\x1fb\x1f" + cursorID),
		"last not an ID":       raw("a\x1fnot-an-id"),
		"a dangling escape":    raw("a\x1e"),
		"an escape of nothing": raw("a\x1eb\x1f" + cursorID),
		"an escaped ID end":    raw("a\x1f" + cursorID + "\x1e"),
		"empty":                "",
	} {
		if got, ok := domain.DecodeKeyCursor(c, 2); ok {
			t.Errorf("%s: %q read as %q", name, c, got)
		}
	}
}

// Any NUL-free parts (what a text column holds) come back as they went.
func FuzzKeyCursor(f *testing.F) {
	f.Add("Ann\x1fLee", "x", "\x1e")
	f.Add("", "", "")
	f.Add("\x1e\x1f", "\x1f\x1e", "plain")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, p := range []string{a, b, c} {
			if strings.ContainsRune(p, 0) {
				t.Skip()
			}
		}
		parts := []string{a, b, c, cursorID}
		got, ok := domain.DecodeKeyCursor(domain.EncodeKeyCursor(parts...), len(parts))
		if !ok || !slices.Equal(got, parts) {
			t.Fatalf("%q read as %q (%v)", parts, got, ok)
		}
	})
}
