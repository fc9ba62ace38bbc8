package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"scpo/domain"
)

// constraintErrors maps the schema's named constraints to the domain error a
// client should see. Validation in the domain catches these first; this is
// the backstop for races (two requests with the same PNC ID) and for any
// path that skipped validation.
var constraintErrors = map[string]func() error{
	"subjects_pnc_id_key": func() error {
		return domain.Conflict("pnc_id", "a subject with this PNC ID is already recorded")
	},
	"officers_email_key": func() error {
		return domain.Conflict("email", "an officer with this email is already recorded")
	},
	"owner_assignments_one_current": func() error {
		return domain.Conflict("role", "the owner role changed at the same time; try again")
	},
	"transfers_one_open": func() error {
		return domain.Conflict("subject_id", "a transfer of this subject is already waiting for an answer")
	},
	"orders_one_per_reference": func() error {
		return domain.Conflict("reference", "this order is already recorded (same subject, court reference and date made)")
	},
	"subjects_prison_number_key": func() error {
		return domain.Conflict("prison_number", "another subject already holds this prison number")
	},
	"meeting_items_escalation": func() error {
		return domain.Conflict("region", "another regional meeting was opened at the same moment and took the escalations "+
			"waiting; open this one again")
	},
	"officers_force_fkey":       func() error { return domain.Invalid("force", "is not a known force code") },
	"subjects_force_fkey":       func() error { return domain.Invalid("force", "is not a known force code") },
	"orders_subject_id_fkey":    func() error { return domain.Invalid("subject_id", "no such subject") },
	"force_policies_force_fkey": func() error { return domain.Invalid("force", "is not a known force code") },
}

// translate turns a driver error into a domain error where one fits. Other
// errors pass through unchanged; the api package never shows their text.
func translate(err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	if f, ok := constraintErrors[pg.ConstraintName]; ok {
		return f()
	}
	switch pg.Code {
	case "23514": // check_violation: a rule the domain should have caught.
		return domain.Invalid(pg.ConstraintName, "breaks a rule of the register")
	case "22P02", "22007", "22008": // malformed uuid or date from a caller.
		return domain.ErrNotFound
	case "22021", "22P05": // text PostgreSQL cannot store.
		return domain.Invalid("body", "contains characters that cannot be stored")
	}
	return err
}

// Unavailable reports whether err means the database could not be reached
// or went away mid-request (a restart, a failover, a dropped connection):
// a client should retry later rather than report a fault.
func (s *Store) Unavailable(err error) bool { return unavailable(err) }

func unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"), // connection exception
			pg.Code == "57P01", pg.Code == "57P02", pg.Code == "57P03", // shutting down, starting up
			pg.Code == "53300",                     // too many connections
			pg.Code == "40001", pg.Code == "40P01": // serialization failure, deadlock: retry
			return true
		}
		return false
	}
	var (
		ce *pgconn.ConnectError
		op *net.OpError
		ne net.Error
	)
	return errors.As(err, &ce) || errors.As(err, &op) || errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) ||
		strings.Contains(err.Error(), "unexpected EOF") || strings.Contains(err.Error(), "conn closed")
}
