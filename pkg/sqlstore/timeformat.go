package sqlstore

import (
	"fmt"
	"time"
)

// TimeLayout is how every service stores a point in time: UTC, nanoseconds always written, so
// that the text of two stored times sorts as the times do and keyset pagination can compare
// stored values directly.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// FormatTime writes t in TimeLayout.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a stored time. It also reads the RFC 3339 forms some tables held before
// TimeLayout was the only one (fewer fraction digits, an offset), so older rows stay readable.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}
