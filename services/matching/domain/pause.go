package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

// MaxPauseReasonLength bounds the reason an operator gives for pausing, in characters.
const MaxPauseReasonLength = 500

// Pause is the operators' switch over automated matching (AI Act art. 14: a human can stop the
// system at once). While it is on, no proposal is made or changed: what a ranking would have
// proposed is held until the resume, which ranks every held mission once. The zero Pause is
// matching running.
type Pause struct {
	Paused bool
	// Reason, Since and By are the operator's, set while paused.
	Reason string
	Since  time.Time
	By     string
}

// NewPause is an operator's pause at now; the reason is required, one line, and bounded.
func NewPause(reason, by string, now time.Time) (Pause, error) {
	reason = strings.TrimSpace(reason)
	var v fault.Violations
	switch {
	case reason == "":
		v.Add("reason", "is required")
	case utf8.RuneCountInString(reason) > MaxPauseReasonLength:
		v.Add("reason", "must be at most %d characters", MaxPauseReasonLength)
	case !utf8.ValidString(reason) || strings.ContainsFunc(reason, unicode.IsControl):
		v.Add("reason", "must be one line of text, without control characters")
	}
	if err := v.Err(); err != nil {
		return Pause{}, err
	}
	return Pause{Paused: true, Reason: reason, Since: now.UTC(), By: by}, nil
}

// Resumption is a mission a resume released: its audit trail records who resumed matching, and
// when the pause that held it began.
type Resumption struct {
	MissionID string
	FirmID    string
	By        string
	At        time.Time
	PausedAt  time.Time
}
