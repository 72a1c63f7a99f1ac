package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/mission/adapters/store"
	"github.com/caiomatch/caiomatch/services/mission/app"
)

// TestAFirmSubmitsAtMostItsDailyQuota: with a quota of 3, eight concurrent submissions of one
// firm create exactly 3 (the others MISSION_QUOTA_EXCEEDED, RESOURCE_EXHAUSTED); another firm
// has its own quota; 24 hours later the firm submits again.
func TestAFirmSubmitsAtMostItsDailyQuota(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixtureOn(t, b)
			var ids sync.Mutex
			n := 0
			a := app.New(store.NewRepository(f.db, nil), f.profiles, app.Config{OfferTTL: offerTTL, FirmMissionsPerDay: 3},
				f.clock.Now, func() string { ids.Lock(); defer ids.Unlock(); n++; return fmt.Sprintf("q-%03d", n) })
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make([]error, 8)
			for i := range errs {
				wg.Go(func() { _, errs[i] = a.CreateMission(ctx, firm1, input()) })
			}
			wg.Wait()
			created := 0
			for _, err := range errs {
				switch {
				case err == nil:
					created++
				case fault.KindOf(err) != fault.KindResourceExhausted:
					t.Fatalf("a refused submission: %v, want MISSION_QUOTA_EXCEEDED", err)
				default:
					if fe, _ := fault.As(err); fe.Reason != app.ReasonMissionQuotaExceeded {
						t.Fatalf("reason %q", fe.Reason)
					}
				}
			}
			if created != 3 {
				t.Fatalf("%d missions created, want the quota of 3", created)
			}
			if _, err := a.CreateMission(ctx, firm2, input()); err != nil {
				t.Fatalf("another firm: %v", err)
			}
			f.clock.Set(f.clock.Now().Add(24*time.Hour + time.Second))
			if _, err := a.CreateMission(ctx, firm1, input()); err != nil {
				t.Fatalf("a day later: %v", err)
			}
		})
	}
}
