package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"scpo/domain"
)

func TestParseImportDate(t *testing.T) {
	for _, c := range []struct {
		in    string
		excel bool
		want  string // "" for refused
	}{
		{"2024-06-10", false, "2024-06-10"}, {"10/06/2024", false, "2024-06-10"}, {"1/6/2024", false, "2024-06-01"},
		{"10.06.2024", false, "2024-06-10"}, {"31/02/2024", false, ""}, {"2024-13-01", false, ""}, {"10/06/24", false, ""},
		{"June 10th", false, ""}, {"45453", false, ""}, {"45453", true, "2024-06-10"}, {"1899/1/1", false, ""},
	} {
		d, err := domain.ParseImportDate(c.in, c.excel)
		got := ""
		if err == nil {
			got = d.String()
		}
		if got != c.want {
			t.Errorf("ParseImportDate(%q, %v) = %q (%v), want %q", c.in, c.excel, got, err, c.want)
		}
	}
}

func TestImportRowProblemsNameColumns(t *testing.T) {
	today := domain.NewDate(2026, 11, 25)
	good := map[string]string{"pnc_id": "12/345678U", "first_names": "Dean", "last_name": "Carter",
		"date_of_birth": "02/04/1986", "reference": "T1", "court": "Bristol Crown Court", "court_type": "Crown Court",
		"made_on": "2024-06-10", "starts_on": "2024-06-10", "duration_months": "60",
		"terms": "communications: One phone only.\nelectronic monitoring: Wear a tag."}
	row := func(changes map[string]string) domain.ImportRow {
		cells := map[string]string{}
		for k, v := range good {
			cells[k] = v
		}
		for k, v := range changes {
			cells[k] = v
		}
		return domain.ImportRow{Row: 7, Cells: cells}
	}
	rec, problems := row(nil).Record("avon-and-somerset", today, false)
	if len(problems) != 0 {
		t.Fatalf("good row: %v", problems)
	}
	if rec.Subject.PNCID != "2012/0345678U" || rec.Order.CourtType != "crown" || rec.Order.Status != domain.StatusActive ||
		rec.Order.EndsOn.String() != "2029-06-10" || len(rec.Order.Terms) != 2 || rec.Order.Terms[1].Category != "electronic_monitoring" {
		t.Errorf("good row became %+v", rec)
	}
	for _, c := range []struct {
		changes map[string]string
		want    []string
	}{
		{map[string]string{"pnc_id": "12/345678V"}, []string{"pnc_id"}},
		{map[string]string{"court_type": "magistrates"}, []string{"court_type"}},
		{map[string]string{"made_on": "30/02/2024", "terms": "no category"}, []string{"made_on", "terms"}},
		{map[string]string{"date_of_birth": "2010-01-01"}, []string{"made_on"}}, // under 18 when made
		{map[string]string{"establishment": "HMP Bristol"}, []string{"establishment"}},
		{map[string]string{"commencement": "", "starts_on": ""}, []string{"commencement"}}, // on release, in the community
		{map[string]string{"lro_email": "sam@police.uk"}, []string{"lro_since"}},
		{map[string]string{"lro_email": "sam@police.uk", "lro_since": "2020-01-01"}, []string{"lro_since"}},
		{map[string]string{"last_review_on": "2024-06-11"}, []string{"last_review_outcome"}},
		{map[string]string{"next_check_kind": "séance", "next_check_due": "2026-12-01"}, []string{"next_check_kind"}},
		{map[string]string{"custody_status": "custody", "release_date": "2027-01-01"}, []string{"release_date_type"}},
	} {
		_, problems := row(c.changes).Record("avon-and-somerset", today, false)
		var got []string
		for _, p := range problems {
			if p.Row != 7 {
				t.Errorf("problem on row %d, want 7", p.Row)
			}
			got = append(got, p.Column)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%v: columns (-want +got):\n%s%v", c.changes, diff, problems)
		}
	}
}

func TestReadImportSheetHeader(t *testing.T) {
	sheet := domain.ReadImportFile([]byte("\ufeffPNC ID,First Names,colour\n12/345678U,Dean,blue\n,,\n"))
	var got []string
	for _, p := range sheet.Problems {
		got = append(got, p.Column)
	}
	want := []string{"colour", "last_name", "date_of_birth", "reference", "court", "court_type", "made_on", "terms"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("header problems (-want +got):\n%s", diff)
	}
	if len(sheet.Rows) != 1 || sheet.Rows[0].Cells["pnc_id"] != "12/345678U" || sheet.Rows[0].Row != 2 {
		t.Errorf("rows: %+v", sheet.Rows)
	}
	if bad := domain.ReadImportFile([]byte("a,\"b\nc")); len(bad.Problems) != 1 || bad.Problems[0].Row != 1 {
		t.Errorf("broken CSV: %+v", bad.Problems)
	}
}

// A checked file may be recorded only by the officer who checked it,
// within its day, and only as the bytes checked.
func TestCheckedImportUsableBy(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	c := domain.NewCheckedImport("id", "me", "gloucestershire", "glos.csv", []byte("pnc_id\n"), at)
	if !c.ExpiresAt.Equal(at.Add(24 * time.Hour)) {
		t.Errorf("kept until %s, want a day", c.ExpiresAt)
	}
	changed := c
	changed.Data = []byte("pnc_id\nx\n")
	for _, tc := range []struct {
		name    string
		c       domain.CheckedImport
		officer string
		now     time.Time
		want    string // part of the refusal; "" when usable
	}{
		{"theirs, at once", c, "me", at, ""},
		{"theirs, a moment before the day ends", c, "me", at.Add(24*time.Hour - time.Second), ""},
		{"another officer's", c, "you", at, "checked by another officer"},
		{"a day later", c, "me", at.Add(24 * time.Hour), "expired"},
		{"bytes not those checked", changed, "me", at, "not the file checked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.UsableBy(tc.officer, tc.now)
			var v *domain.ValidationError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &v) || v.Errors[0].Field != "file" || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want a refusal on file saying %q", err, tc.want)
			}
		})
	}
}

// A file saved with semicolons or tabs for commas is said to be one, once,
// rather than read as a header of one unknown column and every column
// missing.
func TestReadImportFileWrongSeparator(t *testing.T) {
	header := strings.Join(domain.ImportHeader(), ",")
	for _, tc := range []struct{ name, file, want string }{
		{"semicolons", strings.ReplaceAll(header, ",", ";") + "\n1;2\n", "semicolons"},
		{"tabs", strings.ReplaceAll(header, ",", "\t") + "\n1\t2\n", "tabs"},
		{"commas", header + "\n", ""},
		{"one unknown column with a semicolon", "colour;size\nblue;big\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sheet := domain.ReadImportFile([]byte(tc.file))
			if tc.want == "" {
				for _, p := range sheet.Problems {
					if strings.Contains(p.Message, "separated by") {
						t.Errorf("said to be separated wrongly: %+v", p)
					}
				}
				return
			}
			if len(sheet.Problems) != 1 || !strings.Contains(sheet.Problems[0].Message, "separated by "+tc.want) ||
				sheet.Problems[0].Row != 1 {
				t.Errorf("problems %+v, want one saying it is separated by %s", sheet.Problems, tc.want)
			}
		})
	}
}

// Each later row for a subject an earlier row creates adds an order to it.
func TestImportResultSubjectFirstRows(t *testing.T) {
	item := func(row int, pnc, action string) domain.ImportItem {
		return domain.ImportItem{Row: row, PNCID: pnc, Subject: domain.ImportAction{Action: action}}
	}
	r := domain.ImportResult{Items: []domain.ImportItem{item(2, "A", "create"), item(3, "B", "match"), item(4, "A", "create"),
		item(5, "B", "match"), item(6, "C", "error"), item(7, "C", "create"), item(8, "A", "create")}}
	want := map[int]int{4: 2, 8: 2}
	if diff := cmp.Diff(want, r.SubjectFirstRows()); diff != "" {
		t.Errorf("first rows (-want +got):\n%s", diff)
	}
}
