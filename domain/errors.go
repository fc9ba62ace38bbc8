package domain

import (
	"errors"
	"fmt"
	"strings"
)

// The errors every service in this package returns. The api package maps
// each to one HTTP status; nothing else needs to know about status codes.
var (
	// ErrNotFound: the record does not exist, or the caller may not see it.
	ErrNotFound = errors.New("not found")
	// ErrStale: an If-Match version no longer matches the stored record.
	ErrStale = errors.New("record has changed since it was read")
	// ErrForbidden: the caller's roles do not allow the action.
	ErrForbidden = errors.New("not allowed")
	// ErrUnauthenticated: no valid credentials.
	ErrUnauthenticated = errors.New("not authenticated")
)

// ConflictError is a clash with data already stored: a duplicate PNC ID, an
// order that has already ended, a job that is already running.
type ConflictError struct {
	Field   string
	Message string
	// Existing, when set, is the path of the record the request clashes with.
	Existing string
}

func (e *ConflictError) Error() string { return e.Message }

// Conflict builds a ConflictError.
func Conflict(field, format string, args ...any) error {
	return &ConflictError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// FieldError names one offending field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError collects every problem with an input, so a client learns
// all of them from one request.
type ValidationError struct {
	Errors []FieldError
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Errors))
	for i, e := range v.Errors {
		parts[i] = e.Field + ": " + e.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with field; the first problem found with a field
// is the one reported.
func (v *ValidationError) Add(field, format string, args ...any) {
	if v.Has(field) {
		return
	}
	v.Errors = append(v.Errors, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether field already has a problem recorded, so later rules
// that depend on it can stay quiet.
func (v *ValidationError) Has(field string) bool {
	for _, e := range v.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns v as an error, or nil when nothing was recorded.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Errors) == 0 {
		return nil
	}
	return v
}

// Invalid is a ValidationError with a single field.
func Invalid(field, format string, args ...any) error {
	v := &ValidationError{}
	v.Add(field, format, args...)
	return v
}
