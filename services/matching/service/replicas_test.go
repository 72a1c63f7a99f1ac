package service_test

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
	"github.com/caiomatch/caiomatch/services/matching/service"
)

// TestTwoReplicasShareTheWork runs two matching replicas on one database and one bus, as the
// local cluster does. The replicas share the durable consumers, so each event is handled by one
// of them, and each follows the profile stream into its own index. Missions are submitted while
// profiles register and change; then profiles change one at a time, each change handled by
// either replica and re-ranking missions that both replicas opened and ranked. After the first
// phase and after every single change, every mission's current shortlist is exactly the ranking
// of the profiles as they are (no exposure cap here, so the order of events does not matter),
// whichever replica is asked; the revisions of every mission are 1..n with no gap or repeat; and
// both replicas proposed shortlists.
func TestTwoReplicasShareTheWork(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			cfg := service.Config{ExposureCap: service.None}
			if backend == "postgres" {
				cfg.DatabaseURL = sqltest.PostgresURL(t)
			}
			testTwoReplicas(t, cfg)
		})
	}
}

func testTwoReplicas(t *testing.T, cfg service.Config) {
	b := startBus(t)
	var replicas []*env
	var logs []*eventbustest.SyncBuffer
	for range 2 {
		buf := &eventbustest.SyncBuffer{}
		b.logger = slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), buf), &slog.HandlerOptions{Level: slog.LevelInfo}))
		replicas = append(replicas, b.startMatching(t, cfg))
		logs = append(logs, buf)
	}

	rng := rand.New(rand.NewPCG(5, 11))
	current := map[string]*profilev1.MatchingFacts{}
	randomFacts := func(id string) *profilev1.MatchingFacts {
		f := facts(id, map[string]int32{"ai-strategy": rng.Int32N(6), "change-management": rng.Int32N(6),
			"mlops": rng.Int32N(6)}, []string{"C21", "C20", "J62"}[rng.IntN(3)], 900+100*rng.Int32N(8))
		current[id] = f
		return f
	}
	const profiles, missions, changes = 40, 60, 24
	ids := make([]string, profiles)
	for i := range ids {
		ids[i] = fmt.Sprintf("0190b000-0000-7000-8000-%012d", i)
		b.registerProfile(t, randomFacts(ids[i]))
	}
	var lastProfile, lastMission uint64
	var submitted []domain.Mission
	for i := range missions {
		m := testMission(fmt.Sprintf("m-%03d", i), "firm-1")
		m.MaxDailyRateEur = 1100 + 100*int32(rng.IntN(6))
		m.Sector = []string{"C21", "C20", "J62"}[rng.IntN(3)]
		dm, err := eventapi.Mission(m)
		if err != nil {
			t.Fatal(err)
		}
		submitted = append(submitted, dm)
		_, ack := b.publish(t, eventbus.ProducerMission, m.GetId(), &missionv1.MissionSubmitted{Mission: m})
		lastMission = ack.Sequence
		// A profile changes between two submissions, while the other replica ranks missions.
		id := ids[rng.IntN(profiles)]
		_, pack := b.publish(t, eventbus.ProducerProfile, id, &profilev1.ProfileUpdated{Facts: randomFacts(id)})
		lastProfile = pack.Sequence
	}
	b.processedThrough(t, eventbus.StreamOf(eventbus.ProducerMission), eventbus.ConsumerMatchingMissions, lastMission)
	b.processedThrough(t, eventbus.StreamOf(eventbus.ProducerProfile), eventbus.ConsumerMatchingProfiles, lastProfile)
	assertRankedAsReference(t, replicas, submitted, current, "after the submissions")

	for step := range changes {
		id := ids[rng.IntN(profiles)]
		_, ack := b.publish(t, eventbus.ProducerProfile, id, &profilev1.ProfileUpdated{Facts: randomFacts(id)})
		b.processedThrough(t, eventbus.StreamOf(eventbus.ProducerProfile), eventbus.ConsumerMatchingProfiles, ack.Sequence)
		assertRankedAsReference(t, replicas, submitted, current, fmt.Sprintf("after change %d", step+1))
	}

	for _, m := range submitted {
		revs := revisions(b.proposals(t, m.ID))
		for r, rev := range revs {
			if rev != int64(r+1) {
				t.Fatalf("%s proposed revisions %v, want 1..%d", m.ID, revs, len(revs))
			}
		}
	}
	for i, buf := range logs {
		if n := strings.Count(buf.String(), "shortlist proposed"); n == 0 {
			t.Errorf("replica %d proposed no shortlist: the work was not shared", i)
		} else {
			t.Logf("replica %d proposed %d shortlists", i, n)
		}
	}
}

// assertRankedAsReference checks that every mission's current shortlist is the ranking of the
// given profiles by a fresh index, asking the replicas in turn.
func assertRankedAsReference(t *testing.T, replicas []*env, missions []domain.Mission,
	profiles map[string]*profilev1.MatchingFacts, when string) {
	t.Helper()
	ix := index.New(0)
	for _, f := range profiles {
		p, err := eventapi.Profile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ix.Put(p, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	settings := domain.DefaultSettings(time.Now())
	operator := as(t.Context(), identity.RoleOperator, "op-1")
	for i, m := range missions {
		want := ix.Rank(index.Query{Settings: settings, Mission: m, K: 5})
		got, err := replicas[i%len(replicas)].client.GetShortlist(operator, &matchingv1.GetShortlistRequest{MissionId: m.ID})
		if err != nil {
			t.Fatal(err)
		}
		// (The eligible count is the one of the last proposal: a change that moves nobody on
		// the shortlist proposes nothing, so it is not compared.)
		same := len(got.GetCandidates()) == len(want.Candidates)
		for r := 0; same && r < len(want.Candidates); r++ {
			c := got.GetCandidates()[r]
			same = c.GetProfileId() == want.Candidates[r].ProfileID && math.Abs(c.GetScore()-want.Candidates[r].Score) <= 1e-9
		}
		if !same {
			var gotIDs, wantIDs []string
			for _, c := range got.GetCandidates() {
				gotIDs = append(gotIDs, fmt.Sprintf("%s %.4f", c.GetProfileId()[30:], c.GetScore()))
			}
			for _, c := range want.Candidates {
				wantIDs = append(wantIDs, fmt.Sprintf("%s %.4f", c.ProfileID[30:], c.Score))
			}
			t.Fatalf("%s, %s (revision %d) holds %v, want %v", when, m.ID, got.GetRevision(), gotIDs, wantIDs)
		}
	}
}
