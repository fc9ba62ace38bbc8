package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// scheduleWords says a job's cron schedule as people say it ("Every day at
// 02:15"), for the shapes the sweeps are given: every so many minutes,
// hourly, daily, on some weekdays, on a day of the month, and cron's
// descriptors. Anything else is "" and the page shows the schedule as
// written. Times are the service's (SCPO_TIMEZONE).
func scheduleWords(spec string) string {
	f := strings.Fields(spec)
	if len(f) == 2 && f[0] == "@every" {
		if d, err := time.ParseDuration(f[1]); err == nil && d > 0 {
			return "Every " + durationWords(d)
		}
		return ""
	}
	if len(f) == 1 {
		switch f[0] {
		case "@yearly", "@annually":
			return "Every year on 1 January at 00:00"
		case "@monthly":
			return "On the 1st of every month at 00:00"
		case "@weekly":
			return "Every Sunday at 00:00"
		case "@daily", "@midnight":
			return "Every day at 00:00"
		case "@hourly":
			return "Every hour, on the hour"
		}
		return ""
	}
	if len(f) == 6 { // a leading seconds field: only on the minute is said
		if f[0] != "0" {
			return ""
		}
		f = f[1:]
	}
	if len(f) != 5 || f[3] != "*" {
		return ""
	}
	minute, hour, dom, dow := f[0], f[1], f[2], f[4]
	m, mErr := strconv.Atoi(minute)
	h, hErr := strconv.Atoi(hour)
	minuteOK, hourOK := mErr == nil && m >= 0 && m < 60, hErr == nil && h >= 0 && h < 24
	switch {
	case dom != "*" || dow != "*":
		if !minuteOK || !hourOK {
			return ""
		}
		at := fmt.Sprintf(" at %02d:%02d", h, m)
		if dom == "*" {
			if days := weekdaysWords(dow); days != "" {
				return "Every " + days + at
			}
			return ""
		}
		if d, err := strconv.Atoi(dom); err == nil && d >= 1 && d <= 31 && dow == "*" {
			return "On day " + strconv.Itoa(d) + " of every month" + at
		}
		return ""
	case minute == "*" && hour == "*":
		return "Every minute"
	case strings.HasPrefix(minute, "*/") && hour == "*":
		if n, err := strconv.Atoi(minute[2:]); err == nil && n > 0 && n < 60 {
			return "Every " + strconv.Itoa(n) + " minutes"
		}
	case minuteOK && hour == "*":
		if m == 0 {
			return "Every hour, on the hour"
		}
		return fmt.Sprintf("Every hour, at %d minutes past", m)
	case minuteOK && hourOK:
		return fmt.Sprintf("Every day at %02d:%02d", h, m)
	}
	return ""
}

var weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// weekdaysWords says a day-of-week field (a day, a range, a list; 0 or 7
// is Sunday, or three-letter names) in words: "Monday to Friday".
func weekdaysWords(field string) string {
	day := func(s string) (int, bool) {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
			return n % 7, true
		}
		for i, name := range weekdayNames {
			if strings.EqualFold(s, name[:3]) {
				return i, true
			}
		}
		return 0, false
	}
	var parts []string
	for _, p := range strings.Split(field, ",") {
		if from, to, isRange := strings.Cut(p, "-"); isRange {
			a, okA := day(from)
			b, okB := day(to)
			if !okA || !okB {
				return ""
			}
			parts = append(parts, weekdayNames[a]+" to "+weekdayNames[b])
			continue
		}
		d, ok := day(p)
		if !ok {
			return ""
		}
		parts = append(parts, weekdayNames[d])
	}
	if len(parts) > 1 {
		return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return parts[0]
}

// durationWords is a whole duration in hours and minutes: "6 hours", "90
// minutes", "hour".
func durationWords(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d == time.Minute:
		return "minute"
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour", "hours")
	case d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute", "minutes")
	}
	return d.String()
}
