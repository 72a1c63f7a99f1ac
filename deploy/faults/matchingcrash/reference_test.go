package matchingcrash

import (
	"fmt"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// reference ranks missions as an uninterrupted matching service would, with the service's
// default settings (shortlists of 5, a 14-day tolerance) and no exposure cap: every profile
// in the index, each mission ranked on the day its shortlist was proposed.
type reference struct {
	ix       *index.Index
	missions map[string]domain.Mission
}

func newReference(t *testing.T, profiles, missions []eventbus.Event) *reference {
	t.Helper()
	r := &reference{ix: index.New(len(profiles)), missions: map[string]domain.Mission{}}
	for _, ev := range profiles {
		var payload profilev1.ProfileRegistered
		if err := ev.Envelope.GetPayload().UnmarshalTo(&payload); err != nil {
			t.Fatal(err)
		}
		p, err := eventapi.Profile(payload.GetFacts())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.ix.Put(p, ev.Envelope.GetOccurredAt().AsTime()); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range missions {
		var payload missionv1.MissionSubmitted
		if err := ev.Envelope.GetPayload().UnmarshalTo(&payload); err != nil {
			t.Fatal(err)
		}
		m, err := eventapi.Mission(payload.GetMission())
		if err != nil {
			t.Fatal(err)
		}
		r.missions[m.ID] = m
	}
	return r
}

// check says how a proposed shortlist differs from the reference's; "" when it does not.
func (r *reference) check(sp *matchingv1.ShortlistProposed) string {
	m, ok := r.missions[sp.GetMissionId()]
	if !ok {
		return "unknown mission"
	}
	at := sp.GetProposedAt().AsTime()
	diff := r.diff(sp, m, at)
	if diff != "" && at.Sub(dates.Today(at)) < time.Second {
		// Ranked just before midnight UTC, stamped just after: ranked with the day before.
		if r.diff(sp, m, at.Add(-time.Second)) == "" {
			return ""
		}
	}
	return diff
}

func (r *reference) diff(sp *matchingv1.ShortlistProposed, m domain.Mission, day time.Time) string {
	s := domain.DefaultSettings(day)
	want := r.ix.Rank(index.Query{Settings: s, Mission: m, K: domain.DefaultShortlistSize})
	got := sp.GetCandidates()
	if sp.GetScoringVersion() != want.ScoringVersion || int(sp.GetEligibleCount()) != want.EligibleCount || len(got) != len(want.Candidates) {
		return fmt.Sprintf("%s, %d eligible, %d candidates; want %s, %d eligible, %d candidates", sp.GetScoringVersion(),
			sp.GetEligibleCount(), len(got), want.ScoringVersion, want.EligibleCount, len(want.Candidates))
	}
	for i, c := range got {
		w := want.Candidates[i]
		if c.GetProfileId() != w.ProfileID || int(c.GetRank()) != w.Rank || c.GetScore() != w.Score {
			return fmt.Sprintf("candidate %d is %s (rank %d, score %v); want %s (rank %d, score %v)", i, c.GetProfileId(),
				c.GetRank(), c.GetScore(), w.ProfileID, w.Rank, w.Score)
		}
	}
	return ""
}
