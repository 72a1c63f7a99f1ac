package domain

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
)

// DefaultAvailabilityToleranceDays is how many days after the start date a consultant may
// still become available and be eligible, unless configured otherwise.
const DefaultAvailabilityToleranceDays = 14

// Settings are what one evaluation depends on besides the mission and the profile: the
// versioned scoring configuration, the availability tolerance and today's date (notice periods
// count from it).
type Settings struct {
	Scoring                   ScoringConfig
	AvailabilityToleranceDays int
	Today                     time.Time
}

// DefaultSettings are the current scoring configuration and the default tolerance, as of now.
func DefaultSettings(now time.Time) Settings {
	return Settings{Scoring: CurrentScoring, AvailabilityToleranceDays: DefaultAvailabilityToleranceDays,
		Today: dates.Today(now)}
}

// LatestStart is the last day a consultant may become available and stay eligible.
func (s Settings) LatestStart(m Mission) time.Time {
	return m.StartDate.AddDate(0, 0, s.AvailabilityToleranceDays)
}
