package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bringing a force's existing records in from a spreadsheet: one row per
// order, with its subject, terms, owners, last review and next check. A
// row becomes the same domain records the API would create, checked by the
// same rules (Subject.Validate, Order.Validate, CanOwn); the store then
// matches them against the register and either reports (a dry run) or
// writes everything in one transaction.

// ImportColumn is one column of the import template.
type ImportColumn struct {
	Name        string `json:"name"`
	Required    bool   `json:"required"`
	Description string `json:"description"`
	Example     string `json:"example"`
}

// ImportColumns are the template's columns, in order. The README and the
// template served by the API are made from this list.
var ImportColumns = []ImportColumn{
	{"pnc_id", true, "PNC ID, long (2012/0345678U) or short (12/345678U); matches an existing subject", "12/345678U"},
	{"prison_number", false, "NOMIS prison number (A1234BC); must not belong to another subject", "A1234BC"},
	{"first_names", true, "Subject's first names", "Dean"},
	{"last_name", true, "Subject's last name", "Carter"},
	{"aliases", false, "Aliases, separated by ;", "Deano"},
	{"date_of_birth", true, "Date of birth", "1986-04-02"},
	{"visor_id", false, "ViSOR ID, where the subject is on ViSOR", ""},
	{"custody_status", false, "community (default) or custody", "custody"},
	{"establishment", false, "Prison, when in custody", "HMP Bristol"},
	{"release_date", false, "Expected release date, when in custody", "2027-03-01"},
	{"release_date_type", false, "HDCED, CRD, ARD, PED, LED or SED, with a release date", "CRD"},
	{"reference", true, "Court reference of the order; with the subject and made_on it identifies the order", "T20247001"},
	{"court", true, "Court that made the order", "Bristol Crown Court"},
	{"court_type", true, "crown or high (\"Crown Court\" and \"High Court\" are read too)", "crown"},
	{"made_on", true, "Day the order was made", "2024-06-10"},
	{"commencement", false, "on_date or on_release; blank: on_date when starts_on is given, else on_release", "on_release"},
	{"starts_on", false, "Day the order came (or comes) into force; required for on_date", ""},
	{"ends_on", false, "End date; give this or duration_months", ""},
	{"duration_months", false, "Length in months (1 to 60); give this or ends_on", "60"},
	{"review_interval_days", false, "Days between reviews, when the order sets its own", ""},
	{"served_on", false, "Day notice of the order was served (s.10); blank: not yet known, and once in force it is flagged not served", "2024-06-10"},
	{"service_method", false, "represented_at_hearing, in_person or recorded_delivery; required with served_on", "represented_at_hearing"},
	{"service_address", false, "Last known address it was sent to, for recorded_delivery", ""},
	{"terms", true, "One term a line (or separated by |), each \"category: text\"", "communications: Not to possess more than one mobile phone."},
	{"iom_email", false, "Email of the IOM officer who owns the order", ""},
	{"iom_since", false, "Day the IOM officer took the order", ""},
	{"lro_email", false, "Email of the lead responsible officer", "sam.reed@gloucestershire.police.uk"},
	{"lro_since", false, "Day the LRO took the order", "2024-07-01"},
	{"orders_officer_email", false, "Email of the orders officer", ""},
	{"orders_officer_since", false, "Day the orders officer took the order", ""},
	{"last_review_on", false, "Day of the last review", "2026-09-15"},
	{"last_review_kind", false, "routine (default) or pre_release", "routine"},
	{"last_review_outcome", false, "satisfactory, concerns or breach_suspected; required with last_review_on", "satisfactory"},
	{"next_check_kind", false, "home_visit, financial, device, travel, association or other", "home_visit"},
	{"next_check_due", false, "Day the next compliance check is due", "2026-12-15"},
}

// ImportHeader is the template's header row.
func ImportHeader() []string {
	out := make([]string, len(ImportColumns))
	for i, c := range ImportColumns {
		out[i] = c.Name
	}
	return out
}

// ImportExample is an example row for the template.
func ImportExample() []string {
	out := make([]string, len(ImportColumns))
	for i, c := range ImportColumns {
		out[i] = c.Example
	}
	return out
}

// ImportProblem names a row (as the spreadsheet numbers it: the header is
// row 1) and a column, and what is wrong there or worth knowing.
type ImportProblem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// Field is how a problem is named in an RFC 9457 problem's errors.
func (p ImportProblem) Field() string { return fmt.Sprintf("rows[%d].%s", p.Row, p.Column) }

// ImportSheet is a parsed file: its rows as cells by column name.
type ImportSheet struct {
	Rows []ImportRow
	// Problems are the header's (unknown or missing columns).
	Problems []ImportProblem
	// ExcelDates: date cells may be spreadsheet serial numbers (xlsx).
	ExcelDates bool
}

// ImportRow is one data row.
type ImportRow struct {
	Row   int
	Cells map[string]string
}

// ReadImportSheet turns a header and data rows (as a CSV reader or a
// spreadsheet gives them) into an ImportSheet. Blank rows are skipped;
// column names are matched without regard to case, spaces or hyphens.
func ReadImportSheet(records [][]string, excelDates bool) ImportSheet {
	sheet := ImportSheet{ExcelDates: excelDates}
	if len(records) == 0 {
		sheet.Problems = append(sheet.Problems, ImportProblem{1, "header", "the file is empty: start from the template (GET /api/v1/imports/template)"})
		return sheet
	}
	known := map[string]bool{}
	for _, c := range ImportColumns {
		known[c.Name] = true
	}
	header := make([]string, len(records[0]))
	seen := map[string]bool{}
	for i, h := range records[0] {
		name := columnName(h)
		switch {
		case name == "":
		case !known[name]:
			sheet.Problems = append(sheet.Problems, ImportProblem{1, h, "is not a column of the template"})
			name = ""
		case seen[name]:
			sheet.Problems = append(sheet.Problems, ImportProblem{1, name, "appears twice"})
			name = ""
		}
		seen[name] = true
		header[i] = name
	}
	for _, c := range ImportColumns {
		if c.Required && !seen[c.Name] {
			sheet.Problems = append(sheet.Problems, ImportProblem{1, c.Name, "the column is missing"})
		}
	}
	for n, rec := range records[1:] {
		row := ImportRow{Row: n + 2, Cells: map[string]string{}}
		blank := true
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v != "" {
				blank = false
			}
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				// Excel's plain "CSV" is Windows-1252: Zoë or £ arrive as
				// bytes PostgreSQL cannot store. Said here, by row and
				// column, rather than by the commit as a problem with
				// the "body".
				col := fmt.Sprintf("column %d", i+1)
				if i < len(header) && header[i] != "" {
					col = header[i]
				}
				msg := "is not UTF-8 text (Excel's plain CSV is not): save the file as CSV UTF-8 or .xlsx"
				if utf8.ValidString(v) {
					msg = "contains a NUL character, which cannot be stored: remove it"
				}
				sheet.Problems = append(sheet.Problems, ImportProblem{row.Row, col, msg})
				v = strings.ToValidUTF8(strings.ReplaceAll(v, "\x00", ""), "\uFFFD")
			}
			if i < len(header) && header[i] != "" {
				row.Cells[header[i]] = v
			} else if v != "" && (i >= len(records[0]) || strings.TrimSpace(records[0][i]) == "") {
				sheet.Problems = append(sheet.Problems, ImportProblem{row.Row, fmt.Sprintf("column %d", i+1), "has a value but no column name in the header"})
			}
		}
		if !blank {
			sheet.Rows = append(sheet.Rows, row)
		}
	}
	return sheet
}

// columnName is a header cell as a column's name: case, spaces and
// hyphens aside, and a byte-order mark.
func columnName(h string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))))
}

// ImportOwner is an owner named on a row.
type ImportOwner struct {
	Role  string `json:"role"`
	Email string `json:"email"`
	Since Date   `json:"since"`
}

// ImportRecord is one row as domain records, validated.
type ImportRecord struct {
	Row     int
	Subject Subject
	Order   Order
	Owners  []ImportOwner
	Review  *Review
	Check   *Check
	// Service is how and when notice of the order was served, if known.
	Service *Service
}

// OwnerColumn is the column an owner role's email is read from.
func OwnerColumn(role string) string { return role + "_email" }

// subjectColumns and orderColumns map the fields the domain's validation
// names to the template's columns.
var fieldColumns = map[string]string{
	"custody.status": "custody_status", "custody.establishment": "establishment",
	"custody.release_date": "release_date", "custody.release_date_type": "release_date_type",
	"custody.released_on": "custody_status", "force": "pnc_id", "type": "reference",
}

func columnOf(field string) string {
	if c, ok := fieldColumns[field]; ok {
		return c
	}
	if strings.HasPrefix(field, "terms") {
		return "terms"
	}
	return field
}

// Record builds and validates the records of one row for force as of
// today, with the rules the API applies. Problems name the row and column.
func (r ImportRow) Record(force string, today Date, excelDates bool) (ImportRecord, []ImportProblem) {
	rec := ImportRecord{Row: r.Row}
	var problems []ImportProblem
	bad := func(column, format string, args ...any) {
		for _, p := range problems {
			if p.Column == column {
				return
			}
		}
		problems = append(problems, ImportProblem{r.Row, column, fmt.Sprintf(format, args...)})
	}
	cell := func(c string) string { return r.Cells[c] }
	opt := func(c string) *string {
		if v := cell(c); v != "" {
			return &v
		}
		return nil
	}
	date := func(c string) *Date {
		v := cell(c)
		if v == "" {
			return nil
		}
		d, err := ParseImportDate(v, excelDates)
		if err != nil {
			bad(c, "%s", err)
			return nil
		}
		return &d
	}
	number := func(c string) *int {
		v := cell(c)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSuffix(v, ".0"))
		if err != nil {
			bad(c, "must be a whole number")
			return nil
		}
		return &n
	}

	// The subject.
	sub := Subject{FirstNames: cell("first_names"), LastName: cell("last_name"), PNCID: cell("pnc_id"),
		VisorID: opt("visor_id"), PrisonNumber: opt("prison_number"), Force: force, Aliases: []string{}}
	for _, a := range strings.Split(cell("aliases"), ";") {
		if a = strings.TrimSpace(a); a != "" {
			sub.Aliases = append(sub.Aliases, a)
		}
	}
	if d := date("date_of_birth"); d != nil {
		sub.DateOfBirth = *d
	}
	custody := strings.ToLower(cell("custody_status"))
	switch custody {
	case "", "community":
		custody = CustodyCommunity
		for _, c := range []string{"establishment", "release_date", "release_date_type"} {
			if cell(c) != "" {
				bad(c, "is given but custody_status is community: set custody_status to custody, or leave this blank")
			}
		}
	case "custody", "in custody", "prison":
		custody = CustodyCustody
	}
	sub.Custody = Custody{Status: custody, Establishment: opt("establishment"), ReleaseDate: date("release_date")}
	if t := opt("release_date_type"); t != nil {
		u := strings.ToUpper(*t)
		sub.Custody.ReleaseDateType = &u
	}
	v := &ValidationError{}
	for _, p := range problems {
		v.Add(p.Column, "%s", p.Message) // keeps the domain quiet on fields already found bad
	}
	sub.Validate(today, v)

	// The order.
	o := Order{Type: "scpo", Reference: cell("reference"), Court: cell("court"),
		CourtType: CourtTypeOf(cell("court_type")), StartsOn: date("starts_on"), EndsOn: date("ends_on"),
		DurationMonths: number("duration_months"), ReviewIntervalDays: number("review_interval_days"), Terms: []Term{}}
	if d := date("made_on"); d != nil {
		o.MadeOn = *d
	}
	switch c := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(cell("commencement"))); c {
	case "":
		o.Commencement = CommenceOnRelease
		if o.StartsOn != nil || cell("starts_on") != "" {
			o.Commencement = CommenceOnDate
		}
	default:
		o.Commencement = c
	}
	if terms, err := ParseTerms(cell("terms")); err != nil {
		bad("terms", "%s", err)
	} else {
		o.Terms = terms
		if len(terms) == 0 {
			bad("terms", "is required: one term a line, each \"category: text\"")
		}
	}
	for _, p := range problems {
		v.Add(p.Column, "%s", p.Message)
	}
	// A new subject is validated as one the register knows, so an
	// on-release order for someone in the community is refused as the API
	// refuses it.
	withID := sub
	withID.ID = "import"
	o.Validate(withID, today, v)
	rec.Subject, rec.Order = sub, o

	// Owners, with the day each took the order.
	for _, role := range OwnerRoles {
		email := strings.ToLower(cell(OwnerColumn(role)))
		since := date(role + "_since")
		if email == "" {
			if since != nil {
				bad(role+"_since", "is given without %s", OwnerColumn(role))
			}
			continue
		}
		if !strings.Contains(email, "@") {
			bad(OwnerColumn(role), "must be an officer's email address")
			continue
		}
		if since == nil {
			if cell(role+"_since") == "" {
				bad(role+"_since", "is required with %s: the day they took the order", OwnerColumn(role))
			}
			continue
		}
		switch {
		case since.After(today.Time):
			bad(role+"_since", "must not be in the future")
		case !o.MadeOn.IsZero() && since.Before(o.MadeOn.Time):
			bad(role+"_since", "must not be before the order was made (%s)", o.MadeOn)
		}
		rec.Owners = append(rec.Owners, ImportOwner{Role: role, Email: email, Since: *since})
	}

	// ruled runs one of the API's rules over a record the row makes and
	// puts its problems under the template's columns (the rule's field →
	// column). A day whose cell could not be read was reported by date:
	// the rule is not asked about it again.
	ruled := func(columns map[string]string, dayField string, day *Date, validate func(*ValidationError)) {
		e := &ValidationError{}
		if cell(columns[dayField]) != "" && day == nil {
			e.Add(dayField, "unread")
		}
		validate(e)
		for _, x := range e.Errors {
			if col := columns[x.Field]; x.Message != "unread" && col != "" {
				bad(col, "%s", x.Message)
			}
		}
	}

	// The last review, the next check and the service, with the API's rules.
	if d := date("last_review_on"); d != nil || cell("last_review_outcome") != "" {
		kind := strings.ToLower(cell("last_review_kind"))
		if kind == "" {
			kind = "routine"
		}
		rv := Review{Kind: kind, Outcome: strings.ToLower(cell("last_review_outcome"))}
		if d != nil {
			rv.ReviewedOn = *d
		}
		ruled(map[string]string{"reviewed_on": "last_review_on", "kind": "last_review_kind", "outcome": "last_review_outcome"},
			"reviewed_on", d, func(e *ValidationError) { rv.Validate(o, today, e) })
		rec.Review = &rv
	}
	if d := date("next_check_due"); d != nil || cell("next_check_kind") != "" {
		ck := Check{Kind: strings.ToLower(cell("next_check_kind"))}
		if d != nil {
			ck.DueOn = *d
		}
		ruled(map[string]string{"due_on": "next_check_due", "kind": "next_check_kind"},
			"due_on", d, func(e *ValidationError) { ck.ValidateSchedule(o, e) })
		rec.Check = &ck
	}
	if d := date("served_on"); d != nil || cell("service_method") != "" || cell("service_address") != "" {
		sv := Service{Method: strings.ToLower(cell("service_method")), Address: opt("service_address")}
		if d != nil {
			sv.ServedOn = *d
		}
		ruled(map[string]string{"served_on": "served_on", "method": "service_method", "address": "service_address"},
			"served_on", d, func(e *ValidationError) { sv.Validate(o, today, e) })
		rec.Service = &sv
	}

	for _, e := range v.Errors {
		bad(columnOf(e.Field), "%s", e.Message)
	}
	slices.SortStableFunc(problems, func(a, b ImportProblem) int { return columnIndex(a.Column) - columnIndex(b.Column) })
	return rec, problems
}

func columnIndex(name string) int {
	for i, c := range ImportColumns {
		if c.Name == name {
			return i
		}
	}
	return len(ImportColumns)
}

// CourtTypeOf reads a court type as forces write it: crown, "Crown Court",
// high, "High Court". Anything else is passed on for validation to refuse.
func CourtTypeOf(s string) string {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSpace(strings.TrimSuffix(t, "court"))
	switch t {
	case "crown", "high":
		return t
	case "the high":
		return "high"
	}
	return strings.ToLower(strings.TrimSpace(s))
}

var termSplit = regexp.MustCompile(`\r?\n|\s\|\s?|\|`)

// ParseTerms reads a terms cell: one term a line (or separated by |), each
// "category: text"; categories as the API names them, spaces allowed for
// underscores.
func ParseTerms(cell string) ([]Term, error) {
	out := []Term{}
	for i, part := range termSplit.Split(cell, -1) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		cat, text, ok := strings.Cut(part, ":")
		cat = strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(cat)))
		if !ok || !slices.Contains(TermCategories, cat) {
			return nil, fmt.Errorf("term %d must start with its category and a colon (\"communications: ...\"), the category one of %s",
				i+1, strings.Join(TermCategories, ", "))
		}
		out = append(out, Term{Category: cat, Text: strings.TrimSpace(text)})
	}
	return out, nil
}

var (
	ukDate  = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$`)
	isoDate = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
)

// ParseImportDate reads a date as spreadsheets hold them: 2024-06-10, or
// 10/06/2024 (day first, as in the UK). From an xlsx file a date cell is a
// serial day number, which is read too. Impossible dates (31/02/2024) and
// two-digit years are refused.
func ParseImportDate(s string, excelSerial bool) (Date, error) {
	s = strings.TrimSpace(s)
	fail := fmt.Errorf("must be a date such as 2024-06-10 or 10/06/2024 (day first); %q is not one", s)
	var y, m, d int
	if p := isoDate.FindStringSubmatch(s); p != nil {
		y, _ = strconv.Atoi(p[1])
		m, _ = strconv.Atoi(p[2])
		d, _ = strconv.Atoi(p[3])
	} else if p := ukDate.FindStringSubmatch(s); p != nil {
		d, _ = strconv.Atoi(p[1])
		m, _ = strconv.Atoi(p[2])
		y, _ = strconv.Atoi(p[3])
	} else if f, err := strconv.ParseFloat(s, 64); excelSerial && err == nil && f >= 1 && f < 2958466 {
		// Days since 30 December 1899 (the 1900 leap-year bug included).
		return AsDate(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(f))), nil
	} else {
		return Date{}, fail
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1900 || t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return Date{}, fail
	}
	return Date{t}, nil
}

// ImportAction says what an import does, or would do, with a record.
type ImportAction struct {
	// Action is "create" or "match" (already in the register: left as it is).
	Action string `json:"action"`
	// ID is the matched record's, or the new one's once committed.
	ID *string `json:"id"`
}

// ImportItem is what one row comes to.
type ImportItem struct {
	Row       int          `json:"row"`
	PNCID     string       `json:"pnc_id"`
	Reference string       `json:"reference"`
	Subject   ImportAction `json:"subject"`
	Order     ImportAction `json:"order"`
	// Status is the order's status once recorded (a historic order comes
	// in expired).
	Status string   `json:"status"`
	Owners []string `json:"owners"`
	Review bool     `json:"review"`
	Check  bool     `json:"check"`
}

// ImportSummary counts what an import does, or would do.
type ImportSummary struct {
	SubjectsCreated int `json:"subjects_created"`
	SubjectsMatched int `json:"subjects_matched"`
	OrdersCreated   int `json:"orders_created"`
	OrdersMatched   int `json:"orders_matched"`
	OrdersExpired   int `json:"orders_expired"`
	OwnersAssigned  int `json:"owners_assigned"`
	ReviewsRecorded int `json:"reviews_recorded"`
	ChecksScheduled int `json:"checks_scheduled"`
}

// ImportResult answers an import: a dry run's plan, or what was committed.
type ImportResult struct {
	Force     string          `json:"force"`
	Committed bool            `json:"committed"`
	Rows      int             `json:"rows"`
	Ready     bool            `json:"ready"` // no errors: committing would succeed
	Summary   ImportSummary   `json:"summary"`
	Items     []ImportItem    `json:"items"`
	Errors    []ImportProblem `json:"errors"`
	Warnings  []ImportProblem `json:"warnings"`
}

// SubjectFirstRows maps each row whose subject an earlier row of the file
// creates to that earlier row: the subject is created once, by its first
// row, and each later row adds an order to it (listed as "create" again, it
// read as a second subject).
func (r ImportResult) SubjectFirstRows() map[int]int {
	first, out := map[string]int{}, map[int]int{}
	for _, it := range r.Items {
		if it.Subject.Action != "create" {
			continue
		}
		if row, ok := first[it.PNCID]; ok {
			out[it.Row] = row
		} else {
			first[it.PNCID] = it.Row
		}
	}
	return out
}

// Refusal is the error a commit with problems answers: every problem,
// named rows[N].column.
func (r ImportResult) Refusal() error {
	if len(r.Errors) == 0 {
		return nil
	}
	v := &ValidationError{}
	for _, p := range r.Errors {
		v.Errors = append(v.Errors, FieldError{Field: p.Field(), Message: p.Message})
	}
	return v
}

// ImportRequest asks for a sheet to be checked (a dry run) or committed
// into force. Progress, when set, is told how far the import has got.
type ImportRequest struct {
	Force    string
	Source   string // the file's name, kept in the owners' reason
	Sheet    ImportSheet
	Commit   bool
	Progress func(stage string, done, total int)
}

// CheckedImport is a file the import page checked, kept on the server
// until its commit, so the page's confirming form carries only its ID and
// not the whole file (up to 8 MB, a third larger again in base64) back
// and forth through the browser.
type CheckedImport struct {
	ID        string // random, unguessable
	OfficerID string // who checked it: only they may record it
	Force     string
	FileName  string
	Data      []byte
	SHA256    string // hex, of Data as checked
	CreatedAt time.Time
	ExpiresAt time.Time
}

const (
	// CheckedImportLife is how long a checked file is kept for its commit.
	CheckedImportLife = 24 * time.Hour
	// CheckedImportsKept is how many checked files one officer has kept at
	// once (several tabs); checking another forgets their oldest.
	CheckedImportsKept = 5
)

// NewCheckedImport keeps data, checked by officerID for force at now.
func NewCheckedImport(id, officerID, force, fileName string, data []byte, now time.Time) CheckedImport {
	sum := sha256.Sum256(data)
	return CheckedImport{ID: id, OfficerID: officerID, Force: force, FileName: fileName, Data: data,
		SHA256: hex.EncodeToString(sum[:]), CreatedAt: now, ExpiresAt: now.Add(CheckedImportLife)}
}

// UsableBy says whether officerID may record the checked file at now: it
// is theirs, not expired, and the bytes kept are the bytes checked.
func (c CheckedImport) UsableBy(officerID string, now time.Time) error {
	sum := sha256.Sum256(c.Data)
	switch {
	case c.OfficerID != officerID:
		return Invalid("file", "the file was checked by another officer: choose it and check it yourself")
	case !now.Before(c.ExpiresAt):
		return Invalid("file", "the check has expired (a checked file is kept for a day): choose the file and check it again")
	case hex.EncodeToString(sum[:]) != c.SHA256:
		return Invalid("file", "the file kept is not the file checked: choose it and check it again")
	}
	return nil
}

// CheckedImportGone is the refusal of a commit whose checked file is not
// kept: never checked, already recorded, or forgotten after its day.
func CheckedImportGone() error {
	return Invalid("file", "the checked file is no longer kept (it was recorded, or checked more than a day ago): choose the file and check it again")
}

// Importer brings a force's records in.
type Importer interface {
	Import(ctx context.Context, r ImportRequest) (ImportResult, error)
	// KeepCheckedImport keeps a checked file for its commit, forgetting
	// expired ones and the officer's oldest beyond CheckedImportsKept.
	KeepCheckedImport(ctx context.Context, c CheckedImport) error
	// CheckedImport returns a kept file; ErrNotFound when none has id.
	CheckedImport(ctx context.Context, id string) (CheckedImport, error)
	// ForgetCheckedImport drops a kept file once recorded.
	ForgetCheckedImport(ctx context.Context, id string) error
}
