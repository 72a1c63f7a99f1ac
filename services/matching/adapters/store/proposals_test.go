package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// TestProposalsForProfile: every shortlist revision that held the profile, of every mission,
// open or closed, newest first, with the profile's rank, score and explanation as proposed; the
// limit holds; another profile's are not there.
func TestProposalsForProfile(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		m1, m2 := testMission("m1", "firm-1"), testMission("m2", "firm-2")
		later := func(s domain.Shortlist, d time.Duration) domain.Shortlist {
			s.ProposedAt = s.ProposedAt.Add(d)
			return s
		}
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			for _, m := range []domain.Mission{m1, m2} {
				if err := rm.PutMission(ctx, m); err != nil {
					return err
				}
			}
			if err := rm.AddShortlist(ctx, testShortlist(m1, 1, p1, p2)); err != nil {
				return err
			}
			if err := rm.AddShortlist(ctx, later(testShortlist(m1, 2, p2), time.Hour)); err != nil {
				return err
			}
			return rm.AddShortlist(ctx, later(testShortlist(m2, 1, p3, p2), 2*time.Hour))
		})
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			m2.Status = domain.MissionClosed
			return rm.PutMission(ctx, m2)
		})
		got, err := f.repo.ProposalsForProfile(ctx, p2, 10)
		if err != nil {
			t.Fatal(err)
		}
		type seen struct {
			mission string
			rev     int64
			rank    int
		}
		want := []seen{{"m2", 1, 2}, {"m1", 2, 1}, {"m1", 1, 2}}
		if len(got) != len(want) {
			t.Fatalf("%d proposals, want %d: %+v", len(got), len(want), got)
		}
		for i, s := range got {
			if len(s.Candidates) != 1 {
				t.Fatalf("proposal %d has %d candidates", i, len(s.Candidates))
			}
			c := s.Candidates[0]
			if (seen{s.MissionID, s.Revision, c.Rank}) != want[i] || c.ProfileID != p2 || len(c.Explanation.Components) != 2 ||
				s.ScoringVersion != domain.ScoringVersion || s.ProposedAt.IsZero() {
				t.Errorf("proposal %d = %+v, want %+v", i, s, want[i])
			}
		}
		if one, err := f.repo.ProposalsForProfile(ctx, p2, 1); err != nil || len(one) != 1 || one[0].MissionID != "m2" {
			t.Errorf("limit 1: %+v, %v", one, err)
		}
		if only, err := f.repo.ProposalsForProfile(ctx, p1, 10); err != nil || len(only) != 1 || only[0].Revision != 1 {
			t.Errorf("p1: %+v, %v", only, err)
		}
	})
}
