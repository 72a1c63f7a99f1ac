package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// TestOpenMissionStatesEqualsOneQueryPerMission: the bulk load gives, for every open mission,
// what Mission, CurrentShortlist and Exclusions give one by one; closed missions are left out.
func TestOpenMissionStatesEqualsOneQueryPerMission(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		shortlisted, waiting, closed := testMission("m-a", "firm-1"), testMission("m-b", "firm-2"), testMission("m-c", "firm-1")
		closed.Status = domain.MissionClosed
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			for _, m := range []domain.Mission{shortlisted, waiting, closed} {
				if err := rm.PutMission(ctx, m); err != nil {
					return err
				}
			}
			for _, s := range []domain.Shortlist{testShortlist(shortlisted, 1, p1), testShortlist(shortlisted, 2, p2, p3),
				testShortlist(closed, 1, p1)} {
				if err := rm.AddShortlist(ctx, s); err != nil {
					return err
				}
			}
			if err := rm.Exclude(ctx, shortlisted.ID, p1, app.ExclusionDeclined); err != nil {
				return err
			}
			return rm.Exclude(ctx, closed.ID, p2, app.ExclusionExpired)
		})
		states, err := f.repo.OpenMissionStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != 2 {
			t.Fatalf("%d open missions loaded, want 2", len(states))
		}
		for _, st := range states {
			current, found, err := f.repo.CurrentShortlist(ctx, st.Mission.ID)
			if err != nil {
				t.Fatal(err)
			}
			excluded, err := f.repo.Exclusions(ctx, st.Mission.ID)
			if err != nil {
				t.Fatal(err)
			}
			if found != (st.Current != nil) || (found && !reflect.DeepEqual(current, *st.Current)) ||
				fmt.Sprint(excluded) != fmt.Sprint(st.Excluded) {
				t.Fatalf("mission %s: bulk %+v / %v, one by one %+v / %v", st.Mission.ID, st.Current, st.Excluded, current, excluded)
			}
		}
	})
}
