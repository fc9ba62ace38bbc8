package domain

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// MaxImportRows is the most rows one file may carry.
const MaxImportRows = 10000

// ReadImportFile reads an import file: an .xlsx workbook (its first sheet)
// when the bytes are one (a ZIP container), else CSV (UTF-8, a byte-order
// mark allowed, comma-separated, quoted cells may hold line breaks). A file
// that cannot be read at all is a problem on row 1; cells are then checked
// row by row.
func ReadImportFile(data []byte) ImportSheet {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return readXLSX(data)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	var records [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			row, col := 1, "file"
			if errors.As(err, &pe) {
				row, col = pe.StartLine, fmt.Sprintf("column %d", pe.Column)
			}
			return ImportSheet{Problems: []ImportProblem{{Row: row, Column: col,
				Message: "the file is not readable CSV here (" + err.Error() + "); save it as CSV UTF-8 or .xlsx"}}}
		}
		if len(records) == 0 {
			if sep := wrongSeparator(rec); sep != "" {
				// Excel in many locales saves "CSV" with semicolons: read
				// with commas, every column was missing, 21 times over.
				return ImportSheet{Problems: []ImportProblem{{Row: 1, Column: "file",
					Message: "the file is separated by " + sep + ", not commas: save it as CSV UTF-8 (comma delimited) or as .xlsx"}}}
			}
		}
		records = append(records, rec)
		if len(records) > MaxImportRows+1 {
			return ImportSheet{Problems: []ImportProblem{{Row: len(records), Column: "file",
				Message: fmt.Sprintf("a file may hold at most %d rows: split it", MaxImportRows)}}}
		}
	}
	return ReadImportSheet(records, false)
}

// readXLSX reads the first worksheet of a workbook. Cells are read raw, so
// a date is its serial number whatever its display format (a US-formatted
// 6/10/24 would otherwise be misread), and ParseImportDate turns it into
// the day.
func readXLSX(data []byte) ImportSheet {
	bad := func(msg string) ImportSheet {
		return ImportSheet{Problems: []ImportProblem{{Row: 1, Column: "file", Message: msg}}}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
	if err != nil {
		return bad("the file is not a readable .xlsx workbook; save it as .xlsx or CSV UTF-8")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return bad("the workbook has no worksheet")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return bad("the first worksheet could not be read")
	}
	if len(rows) > MaxImportRows+1 {
		return bad(fmt.Sprintf("a file may hold at most %d rows: split it", MaxImportRows))
	}
	return ReadImportSheet(rows, true)
}

// wrongSeparator names the separator of a header row read as one cell that
// splits into the template's columns on a semicolon or a tab; "" when
// there is none.
func wrongSeparator(header []string) string {
	if len(header) != 1 {
		return ""
	}
	for _, sep := range []struct{ char, words string }{{";", "semicolons (;)"}, {"\t", "tabs"}} {
		known := 0
		for _, h := range strings.Split(header[0], sep.char) {
			if columnIndex(columnName(h)) < len(ImportColumns) {
				known++
			}
		}
		if known >= 2 {
			return sep.words
		}
	}
	return ""
}
