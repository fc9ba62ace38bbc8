package domain

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// pncCheckLetters is the Police National Computer check character table:
// the letter is this string's character at n mod 23, where n is the year's
// last two digits followed by the seven-digit serial.
const pncCheckLetters = "ZABCDEFGHJKLMNPQRTUVWXY"

var pncPattern = regexp.MustCompile(`^(\d{2}|\d{4})/(\d{1,7})([A-Za-z])$`)

// PNCCheckLetter computes the check letter for a two-digit year and serial.
func PNCCheckLetter(yy, serial int) byte {
	n := yy*10_000_000 + serial
	return pncCheckLetters[n%23]
}

// NormalisePNC accepts a PNC ID in the long form (2012/0345678U) or the
// short form (12/345678U, leading zeros of the serial dropped) and returns
// the long form. today's year decides the century of a short-form year.
func NormalisePNC(s string, today Date) (string, error) {
	m := pncPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", fmt.Errorf("must be a PNC ID like 2012/0345678U or 12/345678U")
	}
	year, _ := strconv.Atoi(m[1])
	if len(m[1]) == 2 {
		// A short-form year later than this year's two digits is last century.
		if year > today.Year()%100 {
			year += 1900
		} else {
			year += 2000
		}
	}
	if year < 1900 || year > today.Year() {
		return "", fmt.Errorf("year %d is not a possible PNC year", year)
	}
	serial, _ := strconv.Atoi(m[2])
	letter := strings.ToUpper(m[3])[0]
	if want := PNCCheckLetter(year%100, serial); letter != want {
		return "", fmt.Errorf("check letter is wrong (a typo?)")
	}
	return fmt.Sprintf("%04d/%07d%c", year, serial, letter), nil
}

var prisonNumberPattern = regexp.MustCompile(`^[A-Z]\d{4}[A-Z]{2}$`)

// NormalisePrisonNumber checks a NOMIS prison number (A1234BC).
func NormalisePrisonNumber(s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !prisonNumberPattern.MatchString(u) {
		return "", fmt.Errorf("must be a prison number like A1234BC")
	}
	return u, nil
}
