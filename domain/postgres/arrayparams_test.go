package postgres_test

import (
	"slices"
	"testing"

	"scpo/domain/postgres"
)

// Arrays of text and IDs sent as parameters reach PostgreSQL as they were:
// elements that need quoting in a literal, one spelled NULL, empty ones, in
// a text[]; and in a uuid[] a malformed ID matches nothing rather than
// failing the statement. A nil array is an empty one.
func TestArrayParametersReachPostgreSQLIntact(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	texts := postgres.TextArray{"check_overdue", "", "NULL", "null", "a b", `a"b`, "a,b", "{a}", `a\b`, "é", "01a22ddd-a4aa-7cc1-90d8-f29ca228a5e5"}
	var got []string
	if err := s.DB().Raw(`SELECT x FROM unnest(CAST(? AS text[])) WITH ORDINALITY u(x, n) ORDER BY n`, texts).
		Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string(texts)) {
		t.Errorf("text[] sent %q, read back %q", texts, got)
	}
	var ids []string
	if err := s.DB().Raw(`SELECT coalesce(x::text, 'null') FROM unnest(CAST(? AS uuid[])) WITH ORDINALITY u(x, n) ORDER BY n`,
		postgres.TextArray{"01a22ddd-a4aa-7cc1-90d8-f29ca228a5e5", "not-a-uuid", ""}).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"01a22ddd-a4aa-7cc1-90d8-f29ca228a5e5", "null", "null"}) {
		t.Errorf("uuid[] read back %q", ids)
	}
	for _, a := range []postgres.TextArray{nil, {}} {
		var n *int
		if err := s.DB().Raw(`SELECT cardinality(CAST(? AS uuid[]))`, a).Scan(&n).Error; err != nil || n == nil || *n != 0 {
			t.Errorf("%#v: cardinality %v, %v", a, n, err)
		}
	}
}
