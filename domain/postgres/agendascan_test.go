package postgres_test

import (
	"testing"

	"scpo/domain"
)

// The agenda's first pages and a meeting's page are read column by column
// (no gorm between the row and the item): a subject with no PNC ID (an
// organisation's, or a person's not yet known) and a subject moved to
// another force since the meeting opened must read as the rest do, with
// the names, references and owners of their own rows.
func TestAgendaAndMeetingPagesReadEveryColumn(t *testing.T) {
	t.Parallel()
	s, ctx := pagedRegister(t)
	force := sqlIDs(t, s, `SELECT force FROM flags WHERE resolved_at IS NULL AND kind = 'unowned'
		GROUP BY force ORDER BY count(*) DESC, force LIMIT 1`)[0]
	// The first unowned order of the agenda loses its PNC ID.
	first, err := s.Tasking(ctx, domain.TaskingQuery{Force: force, AsOf: today})
	if err != nil {
		t.Fatal(err)
	}
	unowned := first.Sections[domain.FlagUnowned]
	if len(unowned) < 2 {
		t.Fatalf("%s: %d unowned orders on the agenda, want two or more", force, len(unowned))
	}
	var noPNC domain.TaskingItem
	for _, it := range unowned {
		if it.Subject.Custody == domain.CustodyCommunity {
			noPNC = it
			break
		}
	}
	if noPNC.OrderID == "" {
		t.Fatalf("%s: no unowned order of a subject in the community", force)
	}
	// Made an organisation (a body corporate has no date of birth or PNC
	// ID, and a registered address), as an import or a correction would.
	if err := s.DB().Exec(`UPDATE subjects SET kind = 'body_corporate', first_names = '', date_of_birth = NULL,
		pnc_id = NULL, visor_id = NULL, prison_number = NULL, registered_address = '1 Quay Street, Bristol'
		WHERE id = ?`, noPNC.Subject.ID).Error; err != nil {
		t.Fatal(err)
	}
	agenda, err := s.Tasking(ctx, domain.TaskingQuery{Force: force, AsOf: today})
	if err != nil {
		t.Fatalf("agenda with a subject without a PNC ID: %v", err)
	}
	seen := 0
	for _, kind := range domain.TaskingSections {
		for _, it := range agenda.Sections[kind] {
			var want struct{ Reference, Name, PNC string }
			if err := s.DB().Raw(`SELECT o.reference, ltrim(s.first_names || ' ' || s.last_name) AS name,
				coalesce(s.pnc_id, '') AS pnc FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE o.id = ?`,
				it.OrderID).Scan(&want).Error; err != nil {
				t.Fatal(err)
			}
			if it.Reference != want.Reference || it.Subject.Name != want.Name || it.Subject.PNCID != want.PNC {
				t.Fatalf("%s item %s: %q %q %q, the order's row says %q %q %q", kind, it.OrderID,
					it.Reference, it.Subject.Name, it.Subject.PNCID, want.Reference, want.Name, want.PNC)
			}
			if it.OrderID == noPNC.OrderID {
				seen++
			}
		}
	}
	if seen == 0 {
		t.Fatalf("the order whose subject has no PNC ID left the agenda")
	}

	// A meeting: one order's subject moves to another force after it opens.
	m, err := s.OpenMeeting(ctx, force, today)
	if err != nil {
		t.Fatal(err)
	}
	moved := unowned[0]
	if moved.OrderID == noPNC.OrderID {
		moved = unowned[1]
	}
	other := "dorset"
	if force == other {
		other = "gloucestershire"
	}
	if err := s.DB().Exec(`UPDATE subjects SET force = ? WHERE id = ?`, other, moved.Subject.ID).Error; err != nil {
		t.Fatal(err)
	}
	page, err := s.GetMeeting(ctx, m.ID, domain.Page{Limit: domain.MeetingPageMax})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Agenda) == 0 || len(page.Orders) == 0 {
		t.Fatalf("an empty meeting page: %d items, %d orders", len(page.Agenda), len(page.Orders))
	}
	movedSeen := 0
	for _, it := range page.Agenda {
		var want struct{ Reference, Name string }
		if err := s.DB().Raw(`SELECT o.reference, ltrim(s.first_names || ' ' || s.last_name) AS name
			FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE o.id = ?`, it.OrderID).Scan(&want).Error; err != nil {
			t.Fatal(err)
		}
		if it.Reference != want.Reference || it.SubjectName != want.Name || it.SubjectID == "" || it.ID == "" ||
			it.Kind == "" || it.CaseType == "" || it.RaisedAt.IsZero() || len(it.Details) == 0 || it.Decisions == nil {
			t.Fatalf("item %+v; the order's row says %q %q", it, want.Reference, want.Name)
		}
		wantMoved := ""
		if it.OrderID == moved.OrderID {
			wantMoved = other
			movedSeen++
		}
		if it.MovedTo != wantMoved || it.Force != "" {
			t.Fatalf("item of %s: moved to %q, force %q; want moved to %q", it.OrderID, it.MovedTo, it.Force, wantMoved)
		}
	}
	if movedSeen == 0 {
		t.Fatalf("the moved order is not on the meeting's first %d orders", domain.MeetingPageMax)
	}
	// Owners come from their own rows too: every order's owners are the
	// current assignments.
	for _, o := range page.Orders {
		var n int64
		if err := s.DB().Raw(`SELECT count(*) FROM owner_assignments WHERE order_id = ? AND ended_at IS NULL`, o.OrderID).
			Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, own := range []*domain.OwnerSummary{o.Owners.IOM, o.Owners.LRO, o.Owners.OrdersOfficer} {
			if own != nil {
				got++
				var want struct{ Name, Email string }
				if err := s.DB().Raw(`SELECT name, email FROM officers WHERE id = ?`, own.ID).Scan(&want).Error; err != nil {
					t.Fatal(err)
				}
				if own.Name != want.Name || own.Email != want.Email || own.Since.IsZero() {
					t.Fatalf("order %s: owner %+v; the officer's row says %q %q", o.OrderID, own, want.Name, want.Email)
				}
			}
		}
		if int64(got) != n {
			t.Fatalf("order %s: %d owners shown, %d assignments current", o.OrderID, got, n)
		}
	}
}
