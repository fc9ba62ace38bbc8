package postgres

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"scpo/domain"
)

// keyset is the order an order's or a subject's list is read in, a page at
// a time: the columns of its sort key (SQL expressions), each with the type
// its cursor part is cast to, all ascending or all descending, the last
// unique within the list. A page starts after the row its cursor names, so
// a page costs the same however deep it is and a row added meanwhile is
// neither skipped nor read twice.
type keyset struct {
	cols  []string
	types []string // date, timestamptz, boolean, text, uuid
	desc  bool
}

// orderBy is the list's ORDER BY clause.
func (k keyset) orderBy() string {
	dir := ""
	if k.desc {
		dir = " DESC"
	}
	parts := make([]string, len(k.cols))
	for i, c := range k.cols {
		parts[i] = c + dir
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// reversed is the same key read the other way (the latest rows first, of a
// list kept oldest first).
func (k keyset) reversed() keyset {
	k.desc = !k.desc
	return k
}

// after is the condition that starts the page after cursor ("true" for the
// first page) with its arguments. Each part is checked against its type
// before it reaches SQL: a cursor the service did not give out is a
// validation error naming it, never a database error.
func (k keyset) after(cursor string) (string, []any, error) {
	if cursor == "" {
		return "true", nil, nil
	}
	bad := domain.Invalid("cursor", "is not a cursor this service gave out")
	parts, ok := domain.DecodeKeyParts(cursor, len(k.cols))
	if !ok {
		return "", nil, bad
	}
	args := make([]any, len(parts))
	casts := make([]string, len(parts))
	for i, v := range parts {
		if !validKeyPart(k.types[i], v) {
			return "", nil, bad
		}
		args[i] = v
		casts[i] = "CAST(? AS " + k.types[i] + ")"
	}
	op := " > "
	if k.desc {
		op = " < "
	}
	return "(" + strings.Join(k.cols, ", ") + ")" + op + "(" + strings.Join(casts, ", ") + ")", args, nil
}

// limitClause reads one row more than the page, to tell whether another
// page follows.
func limitClause(limit int) string { return fmt.Sprintf(" LIMIT %d", limit+1) }

func validKeyPart(typ, v string) bool {
	switch typ {
	case "date":
		_, err := domain.ParseDate(v)
		return err == nil || v == "infinity"
	case "timestamptz":
		_, err := time.Parse(time.RFC3339Nano, v)
		return err == nil
	case "boolean":
		return v == "true" || v == "false"
	case "integer":
		_, err := strconv.ParseInt(v, 10, 32)
		return err == nil
	case "uuid":
		id, ok := domain.CanonicalID(v)
		return ok && id == v
	case "text":
		return utf8.ValidString(v) && !strings.ContainsRune(v, 0) && len(v) <= 200
	}
	return false
}

// keysetPage cuts rows read with limitClause to the page, and makes the
// cursor of the page after it from its last row's key ("" when none
// follows).
func keysetPage[T any](rows []T, limit int, key func(T) []string) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, domain.EncodeKeyCursor(key(rows[limit-1])...)
}

// keyTime is a timestamp as a cursor part, to the microsecond PostgreSQL
// keeps.
func keyTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// keyDate is a date as a cursor part.
func keyDate(t time.Time) string { return domain.AsDate(t).String() }
