package postgres

import (
	"database/sql"
	"database/sql/driver"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"

	"scpo/domain"
)

// eachRow runs q and hands each row to scan, closing the rows before it
// returns, so the caller's next statement finds the connection free. For
// the reads scanned column by column instead of by gorm, whose reflection
// over each row showed in the meeting and agenda pages' profiles.
func eachRow(q *gorm.DB, scan func(*sql.Rows) error) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// textArray scans a PostgreSQL text[] through pgx's type map and is written
// back as a plain []string, which pgx encodes natively.
type textArray []string

// typeMaps lends out pgx type maps: building one per value was a tenth of
// the service's CPU on the order lists, and a map is not safe to share
// between goroutines at once.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

func (a *textArray) Scan(src any) error {
	if out, ok := plainArrayElements(src); ok {
		*a = out
		return nil
	}
	var out []string
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	if err := m.SQLScanner(&out).Scan(src); err != nil {
		return err
	}
	if out == nil {
		out = []string{}
	}
	*a = out
	return nil
}

func (a textArray) Value() (driver.Value, error) {
	// The array literal form keeps database/sql's value checks happy.
	// Most arrays sent are IDs and codes, which need no quoting: written
	// directly, a page of 150 order IDs costs microseconds instead of the
	// general encoder's quarter of a millisecond.
	if lit, ok := plainArrayLiteral(a); ok {
		return lit, nil
	}
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	buf, err := m.Encode(pgtype.TextArrayOID, pgtype.TextFormatCode, []string(a), nil)
	if err != nil {
		return nil, err
	}
	return string(buf), nil
}

// textArray is also a pgx ArrayGetter, so pgx encodes it as a query
// parameter itself, element by element, and never asks Value for it: from
// Value's literal pgx parsed the array again before encoding it, 143 us and
// 1,409 allocations for a page of 150 order IDs, a seventh of the agenda's
// time in the service. (gorm reads a model field's type from what Value
// gives, so Value keeps giving text.) A nil array is sent empty, as its
// literal was.
func (a textArray) Dimensions() []pgtype.ArrayDimension {
	return []pgtype.ArrayDimension{{Length: int32(len(a)), LowerBound: 1}}
}

func (a textArray) Index(i int) any { return arrayElement(a[i]) }

func (a textArray) IndexType() any { return arrayElement("") }

// arrayElement is an element of a textArray parameter: text in a text[],
// a UUID in a uuid[]. Text that is not a UUID is sent as a null, which
// matches nothing, as a malformed ID must (see validID).
type arrayElement string

func (e arrayElement) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: string(e), Valid: true}, nil
}

func (e arrayElement) UUIDValue() (pgtype.UUID, error) {
	u, err := uuid.Parse(string(e))
	if err != nil {
		return pgtype.UUID{}, nil
	}
	return pgtype.UUID{Bytes: u, Valid: true}, nil
}

// plainArrayElements reads an array's text form directly when no element
// is quoted, escaped, nested or NULL, as IDs, codes and kinds never are
// (PostgreSQL quotes an element with a space, comma, brace, quote or
// backslash, and the empty string): pgx's general parser was a sixth of a
// meeting page's CPU, on its orders' item IDs. Anything else, or a
// binary form, is left to pgx.
func plainArrayElements(src any) ([]string, bool) {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return nil, false
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if body == "" {
		return []string{}, true
	}
	if strings.ContainsAny(body, "\"\\{}") {
		return nil, false
	}
	out := strings.Split(body, ",")
	for _, e := range out {
		if e == "" || strings.EqualFold(e, "null") {
			return nil, false
		}
	}
	return out, true
}

// plainArrayLiteral writes a as a PostgreSQL array literal when no element
// needs quoting: each non-empty, of ASCII letters, digits, '-' and '_'
// only, and not NULL (which the literal would read as a null).
func plainArrayLiteral(a textArray) (string, bool) {
	n := 2
	for _, e := range a {
		if e == "" || strings.EqualFold(e, "null") {
			return "", false
		}
		for i := 0; i < len(e); i++ {
			c := e[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", false
			}
		}
		n += len(e) + 1
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('{')
	for i, e := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e)
	}
	b.WriteByte('}')
	return b.String(), true
}

// newID makes a time-ordered UUID, so keyset pages follow creation order.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// validID reports whether s is a UUID in its canonical form (see
// domain.CanonicalID); anything else cannot name a record and must not
// reach SQL, where a spelling such as urn:uuid: is an error (22P02).
func validID(s string) bool {
	_, ok := domain.CanonicalID(s)
	return ok
}

// pageLimit clamps a page size to the contract's default and maximum.
func pageLimit(p domain.Page) int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > 500:
		return 500
	}
	return p.Limit
}

// scanDay reads the one date (or NULL) q selects. Not through gorm's Scan,
// which answers an error for a NULL read into a *time.Time.
func scanDay(tx *gorm.DB, q string, args ...any) (*domain.Date, error) {
	var t sql.NullTime
	if err := tx.Raw(q, args...).Row().Scan(&t); err != nil {
		return nil, err
	}
	if !t.Valid {
		return nil, nil
	}
	d := domain.AsDate(t.Time)
	return &d, nil
}

func datePtr(t *time.Time) *domain.Date {
	if t == nil {
		return nil
	}
	d := domain.AsDate(*t)
	return &d
}

func timePtr(d *domain.Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time
	return &t
}

// isUUID reports whether s is a UUID in its usual text form, so a path
// parameter that is not one answers 404 rather than a database error.
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}
