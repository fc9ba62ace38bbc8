package web

import "testing"

func TestScheduleWords(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"15 2 * * *", "Every day at 02:15"},
		{"0 2 * * *", "Every day at 02:00"},
		{"5 * * * *", "Every hour, at 5 minutes past"},
		{"0 * * * *", "Every hour, on the hour"},
		{"* * * * *", "Every minute"},
		{"*/10 * * * *", "Every 10 minutes"},
		{"0 7 * * 1-5", "Every Monday to Friday at 07:00"},
		{"30 6 * * mon,thu", "Every Monday and Thursday at 06:30"},
		{"0 3 * * 0", "Every Sunday at 03:00"},
		{"0 4 1 * *", "On day 1 of every month at 04:00"},
		{"0 15 2 * * *", "Every day at 02:15"},
		{"@daily", "Every day at 00:00"},
		{"@hourly", "Every hour, on the hour"},
		{"@every 6h", "Every 6 hours"},
		{"@every 1h", "Every hour"},
		{"@every 90m", "Every 90 minutes"},
		// Shapes not put in words: the page shows the schedule as written.
		{"15 2 * 1 *", ""},
		{"0-30 2 * * *", ""},
		{"10 15 2 * * *", ""},
		{"15 2 1 * 1", ""},
		{"", ""},
		{"nonsense", ""},
	} {
		if got := scheduleWords(tc.spec); got != tc.want {
			t.Errorf("scheduleWords(%q) = %q, want %q", tc.spec, got, tc.want)
		}
	}
}
