package domain_test

import (
	"testing"

	"scpo/domain"
)

func TestFieldWords(t *testing.T) {
	for _, tc := range []struct {
		field, value, want string
		ok                 bool
	}{
		{"role", "iom", "IOM officer", true},
		{"missing_roles", "orders_officer", "Orders officer", true},
		{"court_type", "crown", "Crown Court", true},
		{"court_type", "high", "High Court", true},
		{"reason", "iom", "", false},
	} {
		got, ok := domain.FieldWords(tc.field, tc.value)
		if got != tc.want || ok != tc.ok {
			t.Errorf("FieldWords(%q, %q) = %q, %v; want %q, %v", tc.field, tc.value, got, ok, tc.want, tc.ok)
		}
	}
}
