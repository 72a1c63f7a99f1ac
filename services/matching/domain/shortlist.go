package domain

import (
	"slices"
	"time"
)

// ShortlistStatus is what a firm sees of a mission's shortlist.
type ShortlistStatus int

const (
	// ShortlistPending: matching has not ranked the mission yet.
	ShortlistPending ShortlistStatus = iota + 1
	// ShortlistReady: at least one candidate.
	ShortlistReady
	// ShortlistNoMatch: nobody passes the hard rules.
	ShortlistNoMatch
	// ShortlistPaused: automated matching is paused and the mission has no shortlist yet; it is
	// ranked on resume.
	ShortlistPaused
)

// Shortlist is one proposal for a mission. Revisions count from 1; the newest is current.
type Shortlist struct {
	MissionID      string
	FirmID         string
	Revision       int64
	ScoringVersion string
	Candidates     []Candidate
	EligibleCount  int
	ProposedAt     time.Time
}

// Status is READY with at least one candidate, NO_MATCH without.
func (s Shortlist) Status() ShortlistStatus {
	if len(s.Candidates) == 0 {
		return ShortlistNoMatch
	}
	return ShortlistReady
}

// Holds reports whether profileID is one of the candidates.
func (s Shortlist) Holds(profileID string) bool {
	return slices.ContainsFunc(s.Candidates, func(c Candidate) bool { return c.ProfileID == profileID })
}

// NextShortlist decides whether a fresh ranking is proposed. The first ranking of a mission
// always is, even without candidates (the mission then has no match); a later one only when its
// candidates (ids, ranks, scores) or the scoring version differ from the current shortlist, so
// that re-ranking for an unrelated change proposes nothing.
func NextShortlist(m Mission, current *Shortlist, r Ranking, now time.Time) (Shortlist, bool) {
	next := Shortlist{
		MissionID: m.ID, FirmID: m.FirmID, Revision: 1, ScoringVersion: r.ScoringVersion,
		Candidates: r.Candidates, EligibleCount: r.EligibleCount, ProposedAt: now,
	}
	if current == nil {
		return next, true
	}
	if current.ScoringVersion == r.ScoringVersion && SameCandidates(current.Candidates, r.Candidates) {
		return Shortlist{}, false
	}
	next.Revision = current.Revision + 1
	return next, true
}

// SameCandidates compares two candidate lists by profile id, rank and score.
func SameCandidates(a, b []Candidate) bool {
	return slices.EqualFunc(a, b, func(x, y Candidate) bool {
		return x.ProfileID == y.ProfileID && x.Rank == y.Rank && x.Score == y.Score
	})
}
