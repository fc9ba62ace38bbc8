package domain

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day or zone, held as midnight UTC.
type Date struct{ time.Time }

// DateLayout is how dates are written on the wire and in the database.
const DateLayout = "2006-01-02"

// ParseDate reads YYYY-MM-DD and refuses impossible dates such as 2024-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Year() < 1 {
		// Year 0 parses here but names no day PostgreSQL knows.
		return Date{}, fmt.Errorf("must be a date in the form YYYY-MM-DD")
	}
	return Date{t}, nil
}

// DateOf returns the calendar date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return NewDate(y, m, d)
}

// Start is the first moment of the day in loc: a day asked for as a bound
// of moments (the audit trail's from and to) is the day in the service's
// zone.
func (d Date) Start(loc *time.Location) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, loc)
}

// NewDate builds a Date.
func NewDate(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// AsDate normalises a time scanned from a date column.
func AsDate(t time.Time) Date {
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

func (d Date) String() string { return d.Format(DateLayout) }

// AddDays moves the date by n days.
func (d Date) AddDays(n int) Date { return Date{d.Time.AddDate(0, 0, n)} }

// AddMonths moves the date by n calendar months, clamping to the end of a
// shorter month (31 January plus one month is 28 or 29 February), as a
// court counting months would.
func (d Date) AddMonths(n int) Date {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return NewDate(first.Year(), first.Month(), day)
}

// DaysUntil counts days from d to o (negative when o is earlier).
func (d Date) DaysUntil(o Date) int {
	// By Unix seconds: time.Sub saturates at about 292 years, so a report
	// as of 9999 answered the same count for every date.
	return int((o.Time.Unix() - d.Time.Unix()) / 86400)
}

// After and Before are inherited from time.Time; these read better in rules.

// OnOrBefore reports d <= o.
func (d Date) OnOrBefore(o Date) bool { return !d.After(o.Time) }

func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("must be a date in the form YYYY-MM-DD")
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Clock gives the current instant; tests and as_of runs supply their own.
type Clock interface{ Now() time.Time }

// SystemClock reads the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always answers the same instant.
type FixedClock time.Time

func (c FixedClock) Now() time.Time { return time.Time(c) }
