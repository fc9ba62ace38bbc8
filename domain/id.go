package domain

// CanonicalID returns s as a record ID in its one canonical form: the
// 36-character hyphenated UUID in lowercase. Uppercase hex is accepted
// and lowercased (RFC 9562 asks readers to accept either case); every
// other spelling a UUID parser might take (urn:uuid:, braces, no hyphens)
// is refused, so nothing but the canonical form ever reaches SQL.
func CanonicalID(s string) (string, bool) {
	if len(s) != 36 {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
			continue
		}
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			b[i] = c + ('a' - 'A')
		default:
			return "", false
		}
	}
	return string(b), true
}
