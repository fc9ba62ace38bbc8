package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// maxBody is the largest request body accepted.
const maxBody = 1 << 20

// readBody returns the request body, refusing non-JSON (415) and oversized
// (413) bodies. An empty body is returned as nil.
func readBody(c echo.Context) ([]byte, error) {
	r := c.Request()
	if r.ContentLength > maxBody {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return nil, malformed("the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil, echo.NewHTTPError(http.StatusUnsupportedMediaType)
	}
	return body, nil
}

// bindJSON reads the body strictly into dst: malformed JSON or an unknown
// field is 400, a value of the wrong type is 422 naming every such field.
func bindJSON(c echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if body == nil {
		if c.Request().Header.Get(echo.HeaderContentType) != "" || c.Request().ContentLength > 0 {
			return malformed("the request body is empty; send a JSON object")
		}
		return malformed("a JSON body is required")
	}
	return decodeStrict(body, dst)
}

// bindOptionalJSON is bindJSON for bodies that may be left out entirely.
func bindOptionalJSON(c echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil || body == nil {
		return err
	}
	return decodeStrict(body, dst)
}

func decodeStrict(body []byte, dst any) error {
	if !json.Valid(body) {
		return malformed("the body is not valid JSON")
	}
	if t := bytes.TrimSpace(body); t[0] != '{' {
		return malformed("the body must be a JSON object")
	}
	// Text PostgreSQL cannot store (a NUL), or that decoding would alter
	// (invalid UTF-8, which becomes U+FFFD), is refused by field.
	if bad := (&domain.ValidationError{}); unstorableText(body, "", bad) {
		return bad
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err == nil {
		return nil
	}
	// Decoding stops at the first problem; walk the document to name them all.
	unknown := &domain.ValidationError{}
	wrong := &domain.ValidationError{}
	inspect(body, reflect.TypeOf(dst).Elem(), "", unknown, wrong)
	if len(unknown.Errors) > 0 {
		return malformed("the body has fields this endpoint does not accept", unknown.Errors...)
	}
	if len(wrong.Errors) > 0 {
		// Decode the rest, so the handler can report the other fields'
		// problems alongside these.
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(body, &obj)
		for _, e := range wrong.Errors {
			delete(obj, topKey(e.Field))
		}
		rest, _ := json.Marshal(obj)
		// Start afresh: the failed decode may have half-filled dst.
		reflect.ValueOf(dst).Elem().SetZero()
		if json.Unmarshal(rest, dst) != nil {
			return wrong
		}
		return &typeMismatch{wrong}
	}
	return malformed("the body could not be decoded")
}

// typeMismatch is a body that decoded except for values of the wrong type;
// dst holds everything else.
type typeMismatch struct{ fields *domain.ValidationError }

func (t *typeMismatch) Error() string { return t.fields.Error() }
func (t *typeMismatch) Unwrap() error { return t.fields }

func topKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// bindFields is bindJSON for handlers that validate further: values of the
// wrong type come back in v, so every problem is reported together.
func bindFields(c echo.Context, dst any) (*domain.ValidationError, error) {
	err := bindJSON(c, dst)
	var tm *typeMismatch
	if errors.As(err, &tm) {
		return tm.fields, nil
	}
	return &domain.ValidationError{}, err
}

// inspect records unknown fields and values of the wrong JSON type in raw,
// read as type t, with field paths such as custody.release_date and
// terms[1].category.
func inspect(raw json.RawMessage, t reflect.Type, path string, unknown, wrong *domain.ValidationError) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if string(bytes.TrimSpace(raw)) == "null" {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			wrong.Add(pathOr(path), "must be an object")
			return
		}
		fields := jsonFields(t, map[string]reflect.Type{})
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				unknown.Add(join(path, k), "is not a field of this request")
				continue
			}
			inspect(obj[k], ft, join(path, k), unknown, wrong)
		}
	case reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			wrong.Add(pathOr(path), "must be an array")
			return
		}
		for i, item := range items {
			inspect(item, t.Elem(), path+"["+strconv.Itoa(i)+"]", unknown, wrong)
		}
	default:
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			wrong.Add(pathOr(path), "must be %s", kindName(t))
		}
	}
}

// jsonFields maps a struct's JSON names to their types, flattening
// embedded structs as encoding/json does.
func jsonFields(t reflect.Type, into map[string]reflect.Type) map[string]reflect.Type {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			jsonFields(f.Type, into)
		} else if name != "" && name != "-" {
			into[name] = f.Type
		}
	}
	return into
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func pathOr(p string) string {
	if p == "" {
		return "body"
	}
	return p
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	}
	return fmt.Sprintf("a %s", t.Kind())
}

// mergePatch applies an RFC 7386 JSON merge patch to doc.
func mergePatch(doc, patch map[string]any) map[string]any {
	for k, pv := range patch {
		if pv == nil {
			doc[k] = nil // null clears the field rather than leaving it untouched
			continue
		}
		if pm, ok := pv.(map[string]any); ok {
			if dm, ok := doc[k].(map[string]any); ok {
				doc[k] = mergePatch(dm, pm)
				continue
			}
		}
		doc[k] = pv
	}
	return doc
}

// patchInto merges patch (already checked against the request type) into
// the current state's request form and decodes the result into dst.
func patchInto(current any, patch []byte, dst any) error {
	base, err := json.Marshal(current)
	if err != nil {
		return err
	}
	var doc, p map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return malformed("the body is not valid JSON")
	}
	merged, err := json.Marshal(mergePatch(doc, p))
	if err != nil {
		return err
	}
	return decodeStrict(merged, dst)
}

// writeJSON encodes v without escaping HTML, since no client is a browser
// page.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// unstorableText adds to v each string value in raw (at path) holding a
// NUL or bytes that are not UTF-8, and reports whether it found any.
// loneSurrogate reports a JSON string whose \u escapes held half of a
// UTF-16 pair ("ab\udc00cd"): decoding turns it into U+FFFD, so the text
// stored would not be the text sent. A U+FFFD the client sent itself, as
// the character or as \ufffd, is kept.
func loneSurrogate(raw []byte, text string) bool {
	if !strings.ContainsRune(text, utf8.RuneError) {
		return false
	}
	return !bytes.Contains(raw, []byte("\xef\xbf\xbd")) && !bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`))
}

func unstorableText(raw json.RawMessage, path string, v *domain.ValidationError) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return false
	}
	found := false
	switch raw[0] {
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return false
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			found = unstorableText(obj[k], join(path, k), v) || found
		}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return false
		}
		for i, item := range items {
			found = unstorableText(item, path+"["+strconv.Itoa(i)+"]", v) || found
		}
	case '"':
		var text string
		if !utf8.Valid(raw) || (json.Unmarshal(raw, &text) == nil && (strings.ContainsRune(text, 0) || loneSurrogate(raw, text))) {
			v.Add(pathOr(path), "must be valid UTF-8 text without NUL characters")
			found = true
		}
	}
	return found
}
