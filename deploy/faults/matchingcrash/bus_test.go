package matchingcrash

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/deploy/faults/faultstest"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/seeddata"
)

// run is what both kill tests set up first: the scale and seed of the run (logged), the
// random source of its kill points, its deadline, the matching binary, a NATS server the
// children reach, and the events, the profiles already published.
type run struct {
	sc        scale
	seed      uint64
	rng       *mrand.Rand
	ctx       context.Context // bounded by sc.timeout
	bin       string
	buildTime time.Duration
	natsURL   string
	js        jetstream.JetStream
	profiles  []eventbus.Event
	missions  []eventbus.Event
}

// setUp prepares a run; rngStream tells the tests' kill points apart for one seed.
func setUp(t *testing.T, rngStream uint64) run {
	t.Helper()
	r := run{sc: scaleFromEnv(), seed: seedFromEnv(t)}
	t.Logf("%s version, seed %d (CAIOMATCH_FAULTS_SEED=%d replays the same data and kill points)", r.sc.name, r.seed, r.seed)
	r.rng = mrand.New(mrand.NewPCG(r.seed, rngStream))
	ctx, cancel := context.WithTimeout(t.Context(), r.sc.timeout)
	t.Cleanup(cancel)
	r.ctx = ctx
	r.bin, r.buildTime = faultstest.Build(t, "", "github.com/caiomatch/caiomatch/services/matching/cmd/matching")
	r.natsURL, r.js = faultstest.StartNATS(t, t.TempDir(), "matchingcrash", jetstream.WithPublishAsyncMaxPending(1024))
	g := seeddata.New(r.seed, time.Now())
	newID := uuidsFrom(mrand.NewChaCha8(seedBytes(r.seed)))
	r.profiles = profileEvents(t, g, newID, r.sc.profiles)
	r.missions = missionEvents(t, g, newID, r.sc.missions)
	if err := publish(r.ctx, r.js, r.profiles); err != nil {
		t.Fatalf("publish profiles: %v", err)
	}
	return r
}

// uuidsFrom draws UUIDs from a seeded source, so that a seed gives the same ids.
func uuidsFrom(r *mrand.ChaCha8) func() string {
	return func() string { return uuid.Must(uuid.NewRandomFromReader(r)).String() }
}

// profileEvents are ProfileRegistered events of n generated consultants, as the profile service
// would publish them.
func profileEvents(t *testing.T, g *seeddata.Generator, newID func() string, n int) []eventbus.Event {
	t.Helper()
	now := time.Now()
	out := make([]eventbus.Event, n)
	for i := range out {
		id := newID()
		facts := seeddata.FactsOf(id, newID(), g.Profile())
		ev, err := eventbus.NewEvent(eventbus.ProducerProfile, id, &profilev1.ProfileRegistered{Facts: facts}, now)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = ev
	}
	return out
}

// missionEvents are MissionSubmitted events of n generated missions of a few firms, as the
// mission service would publish them.
func missionEvents(t *testing.T, g *seeddata.Generator, newID func() string, n int) []eventbus.Event {
	t.Helper()
	firms := make([]string, 40)
	for i := range firms {
		firms[i] = newID()
	}
	now := time.Now()
	out := make([]eventbus.Event, n)
	for i := range out {
		req := g.Mission()
		m := &missionv1.Mission{
			Id: newID(), FirmId: firms[i%len(firms)], Title: req.GetTitle(), Sector: req.GetSector(),
			MissionType: req.GetMissionType(), RequiredSkills: req.GetRequiredSkills(),
			NiceToHaveSkills: req.GetNiceToHaveSkills(), StartDate: req.GetStartDate(),
			DurationMonths: req.GetDurationMonths(), MaxDailyRateEur: req.GetMaxDailyRateEur(),
			Languages: req.GetLanguages(), Location: req.GetLocation(), WorkMode: req.GetWorkMode(),
			MinYearsExperience: req.GetMinYearsExperience(), RequiredSkillLevels: req.GetRequiredSkillLevels(),
			Status: missionv1.MissionStatus_MISSION_STATUS_SUBMITTED,
		}
		ev, err := eventbus.NewEvent(eventbus.ProducerMission, m.GetId(), &missionv1.MissionSubmitted{Mission: m}, now)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = ev
	}
	return out
}

// publish sends events the way an outbox relay does (Nats-Msg-Id = event id), up to 512 in
// flight, and waits until every one is acknowledged.
func publish(ctx context.Context, js jetstream.JetStream, events []eventbus.Event) error {
	for chunk := range slices.Chunk(events, 512) {
		futures := make([]jetstream.PubAckFuture, 0, len(chunk))
		for _, ev := range chunk {
			f, err := js.PublishMsgAsync(&nats.Msg{Subject: ev.Subject, Data: ev.Data, Header: nats.Header{}},
				jetstream.WithMsgID(ev.Envelope.GetEventId()))
			if err != nil {
				return fmt.Errorf("publish %s: %w", ev.Subject, err)
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("publish %s: %w", f.Msg().Subject, err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// streamMsgs is how many messages a stream holds.
func streamMsgs(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// consumerState is a durable consumer's progress.
type consumerState struct {
	delivered  uint64 // highest stream sequence delivered
	ackFloor   uint64 // every stream sequence up to it is acknowledged
	ackPending int
	pending    uint64 // not delivered yet
}

func consumerOf(ctx context.Context, js jetstream.JetStream, stream, durable string) (consumerState, error) {
	c, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return consumerState{}, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return consumerState{}, err
	}
	return consumerState{delivered: info.Delivered.Stream, ackFloor: info.AckFloor.Stream,
		ackPending: info.NumAckPending, pending: info.NumPending}, nil
}

// settled: everything delivered and acknowledged.
func (s consumerState) settled() bool { return s.pending == 0 && s.ackPending == 0 }

// proposal is one ShortlistProposed message of the MATCHING stream.
type proposal struct {
	eventID    string
	missionID  string
	revision   int64
	candidates int
	event      *matchingv1.ShortlistProposed
}

// proposals reads every ShortlistProposed event of the MATCHING stream.
func proposals(ctx context.Context, js jetstream.JetStream) ([]proposal, int, error) {
	var mu sync.Mutex
	var out []proposal
	others := 0
	stats, err := eventbus.Replay(ctx, js, eventbus.StreamOf(eventbus.ProducerMatching), nil,
		func(env *eventsv1.Envelope, payload proto.Message) error {
			mu.Lock()
			defer mu.Unlock()
			sp, ok := payload.(*matchingv1.ShortlistProposed)
			if !ok {
				others++
				return nil
			}
			out = append(out, proposal{eventID: env.GetEventId(), missionID: sp.GetMissionId(), revision: sp.GetRevision(),
				candidates: len(sp.GetCandidates()), event: sp})
			return nil
		})
	return out, others + stats.Undecodable, err
}
