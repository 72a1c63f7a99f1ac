// Package dates handles the calendar dates of the public API ("YYYY-MM-DD", no time zone).
package dates

import (
	"fmt"
	"time"
)

// Layout is the only accepted date format.
const Layout = "2006-01-02"

// Parse reads a "YYYY-MM-DD" date as midnight UTC.
func Parse(s string) (time.Time, error) {
	t, err := time.Parse(Layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date in YYYY-MM-DD form", s)
	}
	return t, nil
}

// Format writes t's calendar date.
func Format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(Layout)
}

// Today is the current UTC date.
func Today(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MissionEnd is the last day of a window of n months that starts on start: the day before
// the same day n months later or, when that month is too short to have that day, its last day
// (a window from 31 August for 6 months ends on 28 or 29 February, not on 2 March).
func MissionEnd(start time.Time, months int) time.Time {
	y, m, d := start.Date()
	firstOfTarget := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, start.Location())
	lastOfTarget := firstOfTarget.AddDate(0, 1, -1)
	if d > lastOfTarget.Day() {
		return lastOfTarget
	}
	return firstOfTarget.AddDate(0, 0, d-2)
}
