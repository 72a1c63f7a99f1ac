package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// The operators' switch is one shared row: paused with its reason, time and operator, then
// cleared; a hold is recorded once per pause with its MatchingPaused event, and the release
// empties the holds and stores a MatchingResumed event for each mission it is given.
func TestPauseStateAndHolds(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		if p, err := f.repo.Pause(ctx); err != nil || p.Paused {
			t.Fatalf("Pause of a fresh store = %+v, %v; want running", p, err)
		}
		since := time.Date(2026, 12, 7, 15, 4, 5, 0, time.UTC)
		pause := domain.Pause{Paused: true, Reason: "audit of the scoring weights", Since: since, By: "op-1"}
		f.apply(t, func(ctx context.Context, rm app.Tx) error { return rm.SetPause(ctx, pause) })
		if p, err := f.repo.Pause(ctx); err != nil || !p.Paused || p.Reason != pause.Reason || p.By != "op-1" || !p.Since.Equal(since) {
			t.Fatalf("Pause = %+v, %v; want %+v", p, err, pause)
		}

		m1, m2 := testMission("m1", "firm-1"), testMission("m2", "firm-2")
		var first, again bool
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			for _, m := range []domain.Mission{m2, m1} {
				if err := rm.PutMission(ctx, m); err != nil {
					return err
				}
				if _, err := rm.Hold(ctx, m, pause); err != nil {
					return err
				}
			}
			var err error
			if first, err = rm.IsHeld(ctx, "m1"); err != nil {
				return err
			}
			again, err = rm.Hold(ctx, m1, pause)
			return err
		})
		if !first || again {
			t.Fatalf("held in the transaction = %v, held again = %v; want true, false", first, again)
		}
		if ids, err := f.repo.HeldMissions(ctx); err != nil || !slices.Equal(ids, []string{"m1", "m2"}) {
			t.Fatalf("HeldMissions = %v, %v", ids, err)
		}
		if held, err := f.repo.IsHeld(ctx, "m3"); err != nil || held {
			t.Fatalf("IsHeld(m3) = %v, %v", held, err)
		}
		paused := f.outbox(t, "MatchingPaused")
		if len(paused) != 2 {
			t.Fatalf("%d MatchingPaused events, want one per held mission", len(paused))
		}
		ev := paused[0].(*matchingv1.MatchingPaused)
		if ev.GetMissionId() != "m2" || ev.GetFirmId() != "firm-2" || ev.GetReason() != pause.Reason ||
			ev.GetPausedBy() != "op-1" || !ev.GetPausedAt().AsTime().Equal(since) {
			t.Fatalf("MatchingPaused = %v", ev)
		}

		resumedAt := since.Add(time.Hour)
		f.apply(t, func(ctx context.Context, rm app.Tx) error {
			if err := rm.SetPause(ctx, domain.Pause{}); err != nil {
				return err
			}
			return rm.ReleaseHeld(ctx, []domain.Resumption{{MissionID: "m1", FirmID: "firm-1", By: "op-2", At: resumedAt, PausedAt: since}})
		})
		if p, err := f.repo.Pause(ctx); err != nil || p != (domain.Pause{}) {
			t.Fatalf("Pause after the resume = %+v, %v; want the zero Pause", p, err)
		}
		if ids, err := f.repo.HeldMissions(ctx); err != nil || len(ids) != 0 {
			t.Fatalf("HeldMissions after the release = %v, %v", ids, err)
		}
		resumed := f.outbox(t, "MatchingResumed")
		if len(resumed) != 1 {
			t.Fatalf("%d MatchingResumed events, want 1", len(resumed))
		}
		r := resumed[0].(*matchingv1.MatchingResumed)
		if r.GetMissionId() != "m1" || r.GetFirmId() != "firm-1" || r.GetResumedBy() != "op-2" ||
			!r.GetResumedAt().AsTime().Equal(resumedAt) || !r.GetPausedAt().AsTime().Equal(since) {
			t.Fatalf("MatchingResumed = %v", r)
		}
	})
}

// outbox decodes the outbox's events of one type, in order.
func (f *fixture) outbox(t *testing.T, eventType string) []any {
	t.Helper()
	rows, err := f.db.QueryContext(t.Context(), `SELECT data FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(data)
		if err != nil {
			t.Fatal(err)
		}
		if env.GetType() == eventType {
			out = append(out, payload)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
