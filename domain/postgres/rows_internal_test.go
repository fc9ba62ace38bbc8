package postgres

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"scpo/domain"
)

// textArray writes arrays that need no quoting itself; what it writes is
// what pgx's encoder writes for them, and anything else still goes through
// the encoder.
func TestTextArrayLiteralAsPgxWritesIt(t *testing.T) {
	m := pgtype.NewMap()
	for _, a := range [][]string{
		{},
		{"01a22ddd-a4aa-7cc1-90d8-f29ca228a5e5", "0199a2b3-0000-7000-8000-000000000001"},
		{"check_overdue", "review_overdue", "avon-and-somerset", "A1", "Z"},
		{"NULL"}, {"null"}, {""}, {"a b"}, {`a"b`}, {"a,b"}, {"{a}"}, {`a\b`}, {"é"}, {"NULLS"},
	} {
		want, err := m.Encode(pgtype.TextArrayOID, pgtype.TextFormatCode, a, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := textArray(a).Value()
		if err != nil {
			t.Fatal(err)
		}
		if got.(string) != string(want) {
			t.Errorf("%q: written %s, pgx writes %s", a, got, want)
		}
	}
}

// BenchmarkTextArrayValue writes a page of 150 order IDs as a parameter.
func BenchmarkTextArrayValue(b *testing.B) {
	ids := make(textArray, 150)
	for i := range ids {
		ids[i] = newID()
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ids.Value(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTextArrayEncode is the work pgx does to send a page of 150 order
// IDs as a uuid[] parameter.
func BenchmarkTextArrayEncode(b *testing.B) {
	ids := make(textArray, 150)
	for i := range ids {
		ids[i] = newID()
	}
	m := pgtype.NewMap()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Encode(pgtype.UUIDArrayOID, pgtype.BinaryFormatCode, ids, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// textArray reads plain arrays itself; what it reads is what pgx's parser
// reads, whatever the form, and what pgx refuses it refuses.
func TestTextArrayReadsAsPgxReadsIt(t *testing.T) {
	m := pgtype.NewMap()
	for _, lit := range []string{
		`{}`, `{a}`, `{01a22ddd-a4aa-7cc1-90d8-f29ca228a5e5,0199a2b3-0000-7000-8000-000000000001}`,
		`{check_overdue,review_overdue}`, `{NULL}`, `{null}`, `{a,NULL}`, `{NULLS,x}`, `{""}`, `{"a b",c}`,
		`{"a\"b"}`, `{"a,b"}`, `{"{a}"}`, `{{a,b},{c,d}}`, `[0:1]={a,b}`, `{é,ü}`, `{ a , b }`, `{a,,b}`, `{`, `}`,
		`{a,}`, `a,b`, ``,
	} {
		for _, src := range []any{lit, []byte(lit)} {
			var got textArray
			gotErr := got.Scan(src)
			var want []string
			wantErr := m.SQLScanner(&want).Scan(src)
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("%q: error %v, pgx's %v", lit, gotErr, wantErr)
			}
			if gotErr != nil {
				continue
			}
			if want == nil {
				want = []string{}
			}
			if len(got) != len(want) || (len(got) > 0 && !slices.Equal([]string(got), want)) {
				t.Fatalf("%q: read %q, pgx reads %q", lit, got, want)
			}
		}
	}
}

// The caseload's roles come back as bits; every combination names its
// roles sorted, as the list showed them when they were an array, and each
// role's bit in SQL is the one named back.
func TestCaseloadRolesSorted(t *testing.T) {
	if !slices.IsSorted(caseloadRoleNames) {
		t.Fatalf("role names not sorted: %v", caseloadRoleNames)
	}
	for set := range 1 << len(caseloadRoleNames) {
		roles := caseloadRoles(set)
		if !slices.IsSorted(roles) || len(roles) != bits.OnesCount(uint(set)) {
			t.Errorf("%b: %v", set, roles)
		}
	}
	for i, name := range caseloadRoleNames {
		role, prefix := "'"+name+"'", ""
		if rest, ok := strings.CutPrefix(name, "cover:"); ok {
			role, prefix = "'"+rest+"'", "cover:"
		}
		if sql, want := caseloadRoleBit(role, prefix), fmt.Sprintf("WHEN %s THEN %d ", role, 1<<i); !strings.Contains(sql+" ", want) {
			t.Errorf("%s: %s has no %q", name, sql, want)
		}
	}
}

// Only the domain's own flag kinds are written into SQL, as the domain
// spells them; anything else asked for matches nothing.
func TestFlagKindSQLWritesOnlyKnownKinds(t *testing.T) {
	for _, kind := range domain.FlagKinds {
		if got := flagKindSQL(kind); got != "'"+kind+"'" {
			t.Errorf("flagKindSQL(%q) = %s", kind, got)
		}
	}
	for _, asked := range []string{"", "Unowned", "unowned' OR true --", "unowned\x00", "review_overdue "} {
		if got := flagKindSQL(asked); got != "NULL" {
			t.Errorf("flagKindSQL(%q) = %s, want NULL", asked, got)
		}
	}
}
