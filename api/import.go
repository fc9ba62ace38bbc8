package api

import (
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// maxImportBody is the largest import file accepted (a 1,000-row sheet is
// about half a megabyte).
const maxImportBody = 8 << 20

// bodyLimit is the largest body a route accepts.
func bodyLimit(c echo.Context) int64 {
	if c.Path() == "/api/v1/imports" {
		return maxImportBody
	}
	return maxBody
}

// importTemplate serves the import template: the header row as CSV (with
// ?example=true an example row under it), or with Accept: application/json
// every column with whether it is required and what it holds.
func (s *Server) importTemplate(c echo.Context) error {
	q := newQuery(c, "example")
	example := q.str("example")
	if example != "" && example != "true" && example != "false" {
		q.errs.Add("example", "must be true or false")
	}
	if err := q.err(); err != nil {
		return err
	}
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "application/json") {
		return respond(c, http.StatusOK, map[string]any{"columns": domain.ImportColumns})
	}
	if err := recordAudit(c); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="scpo-import-template.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write(domain.ImportHeader())
	if example == "true" {
		_ = w.Write(domain.ImportExample())
	}
	w.Flush()
	return w.Error()
}

// importFile checks a spreadsheet of a force's records (a dry run, the
// default) or, with commit=true, records all of it or nothing. The file
// comes as multipart/form-data (field file; force and commit may be form
// fields too), or as the whole body: text/csv, or an .xlsx workbook.
func (s *Server) importFile(c echo.Context) error {
	q := newQuery(c, "force", "commit")
	force, commit := q.str("force"), q.str("commit")
	data, name, fields, err := readImportBody(c)
	if err != nil {
		return err
	}
	if force == "" {
		force = fields["force"]
	}
	if commit == "" {
		commit = fields["commit"]
	}
	if commit != "" && commit != "true" && commit != "false" {
		q.errs.Add("commit", "must be true or false")
	}
	if force == "" {
		if f := actor(c).Force; f != nil {
			force = *f
		} else {
			q.errs.Add("force", "is required: the force whose records these are")
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	doCommit := commit == "true"
	if !doCommit {
		// A dry run writes nothing: it consults the records it matches.
		domain.AuditFrom(ctxOf(c)).SetAction(domain.ActionConsultation)
	}
	out, err := s.store.Import(ctxOf(c), domain.ImportRequest{Force: force, Source: name,
		Sheet: domain.ReadImportFile(data), Commit: doCommit})
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

// readImportBody returns the file, its name and any other form fields.
func readImportBody(c echo.Context) ([]byte, string, map[string]string, error) {
	r := c.Request()
	if r.ContentLength > maxImportBody {
		return nil, "", nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxImportBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return nil, "", nil, malformed("the request body could not be read")
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	switch mt {
	case "text/csv", "application/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/octet-stream":
		if len(body) == 0 {
			return nil, "", nil, malformed("the body is empty: send the spreadsheet")
		}
		return body, "", nil, nil
	case "multipart/form-data":
	default:
		return nil, "", nil, &echo.HTTPError{Code: http.StatusUnsupportedMediaType,
			Message: "send the file as multipart/form-data (field file), text/csv or an .xlsx workbook"}
	}
	mr := multipart.NewReader(strings.NewReader(string(body)), params["boundary"])
	fields := map[string]string{}
	var data []byte
	name := ""
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", nil, malformed("the multipart body could not be read")
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, "", nil, malformed("the multipart body could not be read")
		}
		switch part.FormName() {
		case "file":
			data, name = b, filepath.Base(part.FileName())
		case "force", "commit":
			fields[part.FormName()] = strings.TrimSpace(string(b))
		default:
			return nil, "", nil, malformed("the form has fields this endpoint does not accept",
				domain.FieldError{Field: part.FormName(), Message: "is not a field of this form; send file, force and commit"})
		}
	}
	if data == nil {
		return nil, "", nil, malformed("the form has no file", domain.FieldError{Field: "file", Message: "is required"})
	}
	if name == "." || name == "/" {
		name = ""
	}
	return data, name, fields, nil
}
