package domain_test

import (
	"slices"
	"testing"

	"scpo/domain"
)

// Every flag kind is a section of the tasking agenda, once: a kind left
// out would be raised and never discussed.
func TestTaskingSectionsCoverEveryFlagKind(t *testing.T) {
	for _, kind := range domain.FlagKinds {
		if n := len(slices.DeleteFunc(slices.Clone(domain.TaskingSections), func(s string) bool { return s != kind })); n != 1 {
			t.Errorf("flag kind %q is a tasking section %d times, want once", kind, n)
		}
	}
	if len(domain.TaskingSections) != len(domain.FlagKinds) {
		t.Errorf("tasking sections %q, flag kinds %q", domain.TaskingSections, domain.FlagKinds)
	}
}
