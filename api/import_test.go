package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"scpo/domain"
)

// importRow is one row of a test sheet, as column → value over a good
// default.
func importRow(changes map[string]string) map[string]string {
	long, _ := pnc()
	row := map[string]string{
		"pnc_id": long, "first_names": "Lee", "last_name": "Importer", "date_of_birth": "02/04/1986",
		"reference": fmt.Sprintf("IMP%04d", orderRefs.Add(1)), "court": "Gloucester Crown Court", "court_type": "Crown Court",
		"made_on": "2025-06-10", "starts_on": "2025-06-10", "duration_months": "36",
		"terms":          "communications: Not to possess more than one mobile phone.\nfinancial: Not to hold cash above £1,000.",
		"last_review_on": "2026-10-01", "last_review_outcome": "satisfactory",
		"next_check_kind": "home_visit", "next_check_due": "2026-12-20",
	}
	for k, v := range changes {
		row[k] = v
	}
	return row
}

// sheetCSV writes rows under the template's header.
func sheetCSV(rows ...map[string]string) string {
	var b strings.Builder
	b.WriteString(strings.Join(domain.ImportHeader(), ",") + "\n")
	for _, r := range rows {
		cells := make([]string, len(domain.ImportColumns))
		for i, c := range domain.ImportColumns {
			cells[i] = `"` + strings.ReplaceAll(r[c.Name], `"`, `""`) + `"`
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	return b.String()
}

func (e *env) importCSV(t *testing.T, token, query, csv string) resp {
	t.Helper()
	return e.do(t, "POST", "/api/v1/imports"+query, token, csv, "Content-Type", "text/csv")
}

func importErrors(r resp) []string {
	var out []string
	list, _ := r.Body["errors"].([]any)
	for _, e := range list {
		out = append(out, fmt.Sprintf("%v.%v", get(e, "row"), get(e, "column")))
	}
	return out
}

func (e *env) countOrders(t *testing.T, query string) int {
	t.Helper()
	r := e.do(t, "GET", "/api/v1/orders?limit=500&"+query, e.admin, "")
	want(t, r, http.StatusOK)
	return len(items(r))
}

// The messy spreadsheet of the issue: each problem named by row and column
// in the dry run, nothing committed until it is clean; the clean file
// commits, and commits again with no change.
func TestImportMessySheetThenCleanCommitIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lro := e.create(t, "/api/v1/officers", obj{"name": "Sam Reed", "email": "sam.reed@gloucestershire.police.uk",
		"force": "gloucestershire", "roles": []string{"lro"}})
	e.create(t, "/api/v1/officers", obj{"name": "Dee Other", "email": "dee.other@dorset.police.uk",
		"force": "dorset", "roles": []string{"lro"}})
	chief := e.create(t, "/api/v1/officers", obj{"name": "Olu Orders", "email": "olu.orders@gloucestershire.police.uk",
		"force": "gloucestershire", "roles": []string{"orders_officer"}})
	officer := e.token(t, s(chief, "id"))

	custody := importRow(map[string]string{"custody_status": "custody", "establishment": "HMP Bristol",
		"release_date": "2027-03-01", "release_date_type": "CRD", "prison_number": "a1234bc", "commencement": "on release",
		"starts_on": "", "lro_email": "Sam.Reed@gloucestershire.police.uk", "lro_since": "2025-07-01"})
	second := importRow(map[string]string{"pnc_id": custody["pnc_id"], "custody_status": "custody", "establishment": "HMP Bristol",
		"release_date": "2027-03-01", "release_date_type": "CRD", "prison_number": "A1234BC", "commencement": "on_release",
		"starts_on": "", "reference": "IMP-SECOND", "made_on": "2025-08-01"})
	badDate := importRow(map[string]string{"made_on": "31/02/2024"})
	long, _ := pnc()
	badPNC := importRow(map[string]string{"pnc_id": long[:len(long)-1] + string(rune(long[len(long)-1]-1))})
	if long[len(long)-1] == 'A' {
		badPNC["pnc_id"] = long[:len(long)-1] + "Z"
	}
	duplicate := importRow(nil)
	for k, v := range custody {
		duplicate[k] = v
	}
	court := importRow(map[string]string{"court_type": "magistrates"})
	historic := importRow(map[string]string{"made_on": "2016-03-01", "starts_on": "2016-03-01", "duration_months": "60",
		"last_review_on": "", "last_review_outcome": "", "next_check_kind": "", "next_check_due": ""})
	otherForce := importRow(map[string]string{"lro_email": "dee.other@dorset.police.uk", "lro_since": "2025-07-01"})

	messy := sheetCSV(custody, second, badDate, badPNC, duplicate, court, historic, otherForce)
	r := e.importCSV(t, officer, "", messy)
	want(t, r, http.StatusOK)
	if got := importErrors(r); strings.Join(got, " ") != "4.made_on 5.pnc_id 6.reference 7.court_type 9.lro_email" {
		t.Errorf("dry run errors %v, want made_on (row 4), pnc_id (5), court_type (7), lro_email (9), reference (6, duplicate): %s", got, r)
	}
	if get(r.Body, "ready") != false || get(r.Body, "committed") != false || get(r.Body, "force") != "gloucestershire" {
		t.Errorf("dry run not ready, not committed, into the officer's force: %s", r)
	}
	if s(r.Body, "items.0.subject.action") != "create" || s(r.Body, "items.6.status") != "expired" {
		t.Errorf("items: %s", r)
	}
	if n := e.countOrders(t, "force=gloucestershire"); n != 0 {
		t.Fatalf("a dry run wrote %d orders", n)
	}

	// Committing the messy file is refused whole, naming rows and columns.
	r = e.importCSV(t, officer, "?commit=true", messy)
	wantFields(t, r, http.StatusUnprocessableEntity, "rows[4].made_on", "rows[5].pnc_id", "rows[6].reference",
		"rows[7].court_type", "rows[9].lro_email")
	if n := e.countOrders(t, "force=gloucestershire"); n != 0 {
		t.Fatalf("a refused commit wrote %d orders", n)
	}

	// Fixed: the bad rows corrected, the duplicate taken out.
	badDate["made_on"] = "28/02/2024"
	badPNC["pnc_id"] = long
	court["court_type"] = "high"
	otherForce["lro_email"] = "sam.reed@gloucestershire.police.uk"
	clean := sheetCSV(custody, second, badDate, badPNC, court, historic, otherForce)
	r = e.importCSV(t, officer, "", clean)
	want(t, r, http.StatusOK)
	if get(r.Body, "ready") != true || len(importErrors(r)) != 0 {
		t.Fatalf("clean dry run: %s", r)
	}
	r = e.importCSV(t, officer, "?commit=true", clean)
	want(t, r, http.StatusOK)
	sum := fmt.Sprint(get(r.Body, "summary"))
	if sum != "map[checks_scheduled:6 orders_created:7 orders_expired:1 orders_matched:0 owners_assigned:2 reviews_recorded:6 subjects_created:6 subjects_matched:0]" {
		t.Errorf("commit summary %s", sum)
	}
	if n := e.countOrders(t, "force=gloucestershire"); n != 7 {
		t.Fatalf("%d orders after the commit, want 7", n)
	}
	// The historic order came in expired, the on-release one pending and owned.
	hist := e.do(t, "GET", "/api/v1/orders?reference="+historic["reference"], e.admin, "")
	if s(items(hist)[0], "status") != "expired" || s(items(hist)[0], "ends_on") != "2021-03-01" {
		t.Errorf("historic order: %s", hist)
	}
	held := e.do(t, "GET", "/api/v1/orders?reference="+custody["reference"], e.admin, "")
	o := items(held)[0]
	if s(o, "status") != "pending" || s(o, "case_type") != "prison" || s(o, "owners.lro.id") != s(lro, "id") ||
		s(o, "next_check_due") != "2026-12-20" || s(o, "next_review_due") != "2027-03-30" {
		t.Errorf("imported order: %s", held)
	}
	hist2 := e.do(t, "GET", "/api/v1/orders/"+s(o, "id")+"/owners/history", e.admin, "")
	if !strings.HasPrefix(s(items(hist2)[0], "from"), "2025-07-01") || s(items(hist2)[0], "assigned_by.id") != s(chief, "id") {
		t.Errorf("owner history: %s", hist2)
	}
	subj := e.do(t, "GET", "/api/v1/subjects?pnc_id="+custody["pnc_id"], e.admin, "")
	if len(items(subj)) != 1 || s(items(subj)[0], "prison_number") != "A1234BC" {
		t.Errorf("the two orders of one subject made one subject: %s", subj)
	}

	// The sweeps flag what is unowned, never the historic order.
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	flags := e.do(t, "GET", "/api/v1/flags?status=open&kind=unowned&force=gloucestershire", e.admin, "")
	if len(items(flags)) != 4 {
		t.Errorf("%d unowned flags, want 4 (7 orders, 2 owned, 1 historic): %s", len(items(flags)), flags)
	}
	for _, f := range items(flags) {
		if s(f, "reference") == historic["reference"] {
			t.Errorf("the historic order is flagged: %v", f)
		}
	}

	// Committing the same file again changes nothing.
	r = e.importCSV(t, officer, "?commit=true", clean)
	want(t, r, http.StatusOK)
	if get(r.Body, "summary.orders_matched") != float64(7) || get(r.Body, "summary.orders_created") != float64(0) ||
		get(r.Body, "summary.subjects_created") != float64(0) {
		t.Errorf("re-commit: %s", r)
	}
	if n := e.countOrders(t, "force=gloucestershire"); n != 7 {
		t.Errorf("%d orders after the re-commit, want 7", n)
	}
	hist2 = e.do(t, "GET", "/api/v1/orders/"+s(o, "id")+"/owners/history", e.admin, "")
	if len(items(hist2)) != 1 {
		t.Errorf("re-commit changed owners: %s", hist2)
	}

	// The commit is on the audit trail as a collection naming the orders.
	audit := e.do(t, "GET", "/api/v1/audit?order="+s(o, "id")+"&action=collection", e.token(t, acOfficer(t, e, "", "auditor")), "")
	if len(items(audit)) != 1 || s(items(audit)[0], "route") != "/api/v1/imports" {
		t.Errorf("audit of the commit: %s", audit)
	}
}

// Scope: a force-bound officer imports into their own force only; a
// national admin must name one; a matched subject of another force is an
// error, not a move.
func TestImportScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token(t, acOfficer(t, e, "gloucestershire", "orders_officer"))
	row := importRow(nil)
	wantFields(t, e.importCSV(t, tok, "?force=dorset", sheetCSV(row)), http.StatusUnprocessableEntity, "force")
	wantFields(t, e.importCSV(t, e.admin, "", sheetCSV(row)), http.StatusUnprocessableEntity, "force")
	wantFields(t, e.importCSV(t, e.admin, "?force=atlantis", sheetCSV(row)), http.StatusUnprocessableEntity, "force")
	wantProblem(t, e.importCSV(t, e.token(t, acOfficer(t, e, "gloucestershire", "iom_officer")), "", sheetCSV(row)),
		http.StatusForbidden)

	dorset := e.subject(t, obj{"force": "dorset"})
	row["pnc_id"] = s(dorset, "pnc_id")
	r := e.importCSV(t, tok, "", sheetCSV(row))
	want(t, r, http.StatusOK)
	if got := importErrors(r); len(got) != 1 || got[0] != "2.pnc_id" {
		t.Errorf("errors %v, want the PNC ID held in another force: %s", got, r)
	}
}

// The file may come as a multipart form or an .xlsx workbook, whose date
// cells are read as days whatever their display format.
func TestImportMultipartAndXLSX(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	row := importRow(nil)

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "records.csv")
	fw.Write([]byte(sheetCSV(row)))
	mw.WriteField("force", "gloucestershire")
	mw.WriteField("commit", "true")
	mw.Close()
	r := e.do(t, "POST", "/api/v1/imports", e.admin, body.String(), "Content-Type", mw.FormDataContentType())
	want(t, r, http.StatusOK)
	if get(r.Body, "committed") != true || get(r.Body, "summary.orders_created") != float64(1) {
		t.Fatalf("multipart commit: %s", r)
	}

	f := excelize.NewFile()
	row2 := importRow(map[string]string{"made_on": ""})
	for i, c := range domain.ImportColumns {
		cellName, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellValue("Sheet1", cellName, c.Name)
		cellName, _ = excelize.CoordinatesToCellName(i+1, 2)
		f.SetCellValue("Sheet1", cellName, row2[c.Name])
	}
	madeOn, _ := excelize.CoordinatesToCellName(15, 2)
	if domain.ImportColumns[14].Name != "made_on" {
		t.Fatal("made_on is no longer column 15")
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yy, as US Excel shows it
	f.SetCellValue("Sheet1", madeOn, 45818)             // 10 June 2025
	f.SetCellStyle("Sheet1", madeOn, madeOn, style)
	var xlsx bytes.Buffer
	f.Write(&xlsx)
	r = e.do(t, "POST", "/api/v1/imports?force=gloucestershire&commit=true", e.admin, xlsx.String(),
		"Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	want(t, r, http.StatusOK)
	o := e.do(t, "GET", "/api/v1/orders?reference="+row2["reference"], e.admin, "")
	if len(items(o)) != 1 || s(items(o)[0], "made_on") != "2025-06-10" {
		t.Errorf("xlsx order: %s", o)
	}

	wantProblem(t, e.do(t, "POST", "/api/v1/imports?force=gloucestershire", e.admin, "{}"), http.StatusUnsupportedMediaType)
	r = e.importCSV(t, e.admin, "?force=gloucestershire", "name,colour\nx,y\n")
	want(t, r, http.StatusOK)
	if got := importErrors(r); !strings.Contains(strings.Join(got, " "), "1.pnc_id") || !strings.Contains(strings.Join(got, " "), "1.name") {
		t.Errorf("a file that is not the template: %v", got)
	}
}

func TestImportTemplate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(t, "GET", "/api/v1/imports/template?example=true", e.admin, "")
	want(t, r, http.StatusOK)
	lines := strings.Split(strings.TrimSpace(string(r.Raw)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "pnc_id,prison_number,first_names") {
		t.Errorf("template: %s", r.Raw)
	}
	r = e.do(t, "GET", "/api/v1/imports/template", e.admin, "", "Accept", "application/json")
	if len(get(r.Body, "columns").([]any)) != len(domain.ImportColumns) {
		t.Errorf("template columns: %s", r)
	}
}

// An imported order has the history an order made through the API has:
// its "made" event and version 1 of its terms, in force from the day it
// was made, so a breach of a term can be recorded against it.
func TestImportedOrderHasItsTermsHistory(t *testing.T) {
	e := newEnv(t)
	row := importRow(map[string]string{"made_on": "2024-02-29", "starts_on": "2024-02-29", "duration_months": "60"})
	r := e.importCSV(t, e.admin, "?force=gloucestershire&commit=true", sheetCSV(row))
	want(t, r, http.StatusOK)
	o := items(e.do(t, "GET", "/api/v1/orders?reference="+row["reference"], e.admin, ""))[0]
	id := s(o, "id")
	terms := e.do(t, "GET", "/api/v1/orders/"+id+"/terms?on=2024-03-01", e.admin, "")
	want(t, terms, http.StatusOK)
	if len(items(terms)) != 2 || s(terms.Body, "order_in_force") != "true" {
		t.Fatalf("terms in force the day after it was made: %s", terms)
	}
	ev := e.do(t, "GET", "/api/v1/orders/"+id+"/events", e.admin, "")
	if s(ev.Body, "items.0.kind") != "made" || s(ev.Body, "items.0.on") != "2024-02-29" {
		t.Errorf("timeline: %s", ev)
	}
	term := s(items(terms)[0], "id")
	want(t, e.do(t, "POST", "/api/v1/orders/"+id+"/breaches", e.admin, js(obj{"occurred_on": "2026-11-20",
		"term_ids": []string{term}, "description": "Two phones found.", "action": "arrest", "outcome": "pending"})), http.StatusCreated)
}

// An imported order's flags are raised at once, the swept kinds too:
// today's agenda reads the open flags, and showed nothing of an import
// until the next sweeps.
func TestImportedOrdersAreOnTodaysAgendaAtOnce(t *testing.T) {
	e := newEnv(t)
	row := importRow(map[string]string{"last_review_on": "2025-06-10"}) // no owner; review overdue since 2025-09-08
	want(t, e.importCSV(t, e.admin, "?force=gloucestershire&commit=true", sheetCSV(row)), http.StatusOK)
	id := s(items(e.do(t, "GET", "/api/v1/orders?reference="+row["reference"], e.admin, ""))[0], "id")
	flags := llOpenFlags(t, e, id)
	for _, kind := range []string{"unowned", "review_overdue"} {
		if !slices.Contains(flags, kind) {
			t.Errorf("the imported order's open flags: %v, want %s", flags, kind)
		}
	}
	r := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&section=unowned&limit=500", e.admin, "")
	want(t, r, http.StatusOK)
	if !strings.Contains(r.String(), id) {
		t.Errorf("today's agenda lacks the imported order: %s", r)
	}
}

// A file saved as Excel's plain CSV (Windows-1252) is a problem the dry
// run names, by row and column: it passed the check, then failed the
// commit as a problem with the "body", and the page could not say what to
// correct.
func TestImportFileNotInUTF8IsNamedByTheDryRun(t *testing.T) {
	e := newEnv(t)
	csv := strings.Replace(sheetCSV(importRow(map[string]string{"first_names": "ZOE_HERE"})), "ZOE_HERE", "Zo\xeb", 1)
	r := e.importCSV(t, e.admin, "?force=gloucestershire", csv)
	want(t, r, http.StatusOK)
	if get(r.Body, "ready") != false || !slices.Contains(importErrors(r), "2.first_names") ||
		!strings.Contains(r.String(), "save the file as CSV UTF-8") {
		t.Errorf("the dry run of a Windows-1252 file: %s", r)
	}
	r = e.importCSV(t, e.admin, "?force=gloucestershire&commit=true", csv)
	if r.Status != http.StatusUnprocessableEntity || strings.Contains(r.String(), `"body"`) {
		t.Errorf("the commit of a Windows-1252 file: %s", r)
	}
}

// Service comes in with the order, as POST /orders/{id}/service records
// it: an order served at its hearing is not flagged not served (every
// imported order in force was), and a bad service is a problem by column.
func TestImportCarriesService(t *testing.T) {
	e := newEnv(t)
	served := importRow(map[string]string{"served_on": "2025-06-10", "service_method": "represented_at_hearing"})
	unknown := importRow(nil)
	want(t, e.importCSV(t, e.admin, "?force=gloucestershire&commit=true", sheetCSV(served, unknown)), http.StatusOK)
	id := func(row map[string]string) string {
		return s(items(e.do(t, "GET", "/api/v1/orders?reference="+row["reference"], e.admin, ""))[0], "id")
	}
	if f := llOpenFlags(t, e, id(served)); slices.Contains(f, "not_served") {
		t.Errorf("an order served at its hearing is flagged not served: %v", f)
	}
	if kinds := llKinds(t, e, id(served)); !slices.Contains(kinds, "served") {
		t.Errorf("the served order's timeline: %v", kinds)
	}
	if f := llOpenFlags(t, e, id(unknown)); !slices.Contains(f, "not_served") {
		t.Errorf("an order with no service known, in force: %v", f)
	}
	bad := importRow(map[string]string{"served_on": "2025-06-12", "service_method": "recorded_delivery"})
	r := e.importCSV(t, e.admin, "?force=gloucestershire", sheetCSV(bad))
	if errs := importErrors(r); !slices.Contains(errs, "2.service_address") {
		t.Errorf("recorded delivery with no address: %v (%s)", errs, r)
	}
	early := importRow(map[string]string{"served_on": "2025-06-11", "service_method": "represented_at_hearing"})
	if errs := importErrors(e.importCSV(t, e.admin, "?force=gloucestershire", sheetCSV(early))); !slices.Contains(errs, "2.served_on") {
		t.Errorf("represented at the hearing a day after it: %v", errs)
	}
}

// An order that has ended comes in with a warning for its next check (an
// ended order takes no checks), not a problem that blocks the file: a
// check due after the end is only refused on an order in force.
func TestImportOfAnEndedOrderWithACheckStaysReady(t *testing.T) {
	e := newEnv(t)
	row := importRow(map[string]string{"made_on": "2016-03-01", "starts_on": "2016-03-01", "duration_months": "60",
		"last_review_on": "", "last_review_outcome": ""})
	r := e.importCSV(t, e.admin, "?force=gloucestershire", sheetCSV(row))
	want(t, r, http.StatusOK)
	if get(r.Body, "ready") != true || !strings.Contains(r.String(), "an ended order takes no checks") {
		t.Errorf("the dry run of an ended order with a check: %s", r)
	}
}

// A row stopped by a problem the plan finds (an owner the register does
// not have) is not listed as to be created, nor counted: the check page
// said "Create" and counted its subject beside the problem.
func TestImportRowWithAPlanProblemIsNotCounted(t *testing.T) {
	e := newEnv(t)
	bad := importRow(map[string]string{"iom_email": "nobody@gloucestershire.police.uk", "iom_since": "2025-06-10"})
	r := e.importCSV(t, e.admin, "?force=gloucestershire", sheetCSV(importRow(nil), bad))
	want(t, r, http.StatusOK)
	if !slices.Contains(importErrors(r), "3.iom_email") {
		t.Fatalf("the unknown owner is not a problem on row 3: %s", r)
	}
	its, _ := r.Body["items"].([]any)
	if len(its) != 2 || s(its[1], "order.action") != "error" || s(its[1], "subject.action") != "error" {
		t.Errorf("row 3's plan: %s", r)
	}
	if s(r.Body, "summary.subjects_created") != "1" || s(r.Body, "summary.orders_created") != "1" {
		t.Errorf("the summary counts the stopped row: %v", get(r.Body, "summary"))
	}
	// Nor as an order coming in ended.
	ended := importRow(map[string]string{"made_on": "2016-03-01", "starts_on": "2016-03-01", "duration_months": "60",
		"last_review_on": "", "last_review_outcome": "", "next_check_kind": "", "next_check_due": "",
		"iom_email": "nobody@gloucestershire.police.uk", "iom_since": "2016-03-01"})
	r = e.importCSV(t, e.admin, "?force=gloucestershire", sheetCSV(ended))
	want(t, r, http.StatusOK)
	if s(r.Body, "summary.orders_expired") != "0" {
		t.Errorf("a stopped ended order is counted as coming in ended: %v", get(r.Body, "summary"))
	}
}

// An imported last review says it was imported, by whom and when, on the
// order page and in the API's reviews: the page showed the officer who ran
// the import as the one who reviewed. The review keeps its own day.
func TestImportedReviewSaysItWasImported(t *testing.T) {
	e := newEnv(t)
	importer := e.officer(t, "orders_officer")
	name := s(e.do(t, "GET", "/api/v1/officers/"+importer, e.admin, "").Body, "name")
	row := importRow(map[string]string{"last_review_on": "2026-10-01", "last_review_outcome": "concerns"})
	want(t, e.importCSV(t, e.token(t, importer), "?force=gloucestershire&commit=true", sheetCSV(row)), http.StatusOK)
	id := s(items(e.do(t, "GET", "/api/v1/orders?reference="+row["reference"], e.admin, ""))[0], "id")
	b, reviewer := e.signedIn(t, "iom_officer")
	want(t, e.do(t, "POST", "/api/v1/orders/"+id+"/reviews", e.token(t, reviewer),
		js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})), http.StatusCreated)

	reviews := items(e.do(t, "GET", "/api/v1/orders/"+id+"/reviews", e.admin, ""))
	if len(reviews) != 2 {
		t.Fatalf("reviews: %v", reviews)
	}
	if s(reviews[0], "imported") != "false" || s(reviews[0], "recorded_by.id") != reviewer {
		t.Errorf("the review recorded through the service: %v", reviews[0])
	}
	if s(reviews[1], "imported") != "true" || s(reviews[1], "recorded_by.id") != importer || s(reviews[1], "reviewed_on") != "2026-10-01" {
		t.Errorf("the imported review: %v", reviews[1])
	}

	page := b.get("/orders/" + id)
	wantStatus(t, page, http.StatusOK)
	wantText(t, page, "Imported by "+name+" on 25 November 2026", "1 October 2026", "Routine review: concerns (imported)")
	_, table, _ := strings.Cut(page.Body, `id="reviews"`)
	table, _, _ = strings.Cut(table, "</table>")
	if strings.Contains(table, `<td class="govuk-table__cell">`+name+`</td>`) {
		t.Errorf("the order page shows the importer as the reviewer: %s", table)
	}
}
