package matchingcrash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/seeddata"
)

// startNATS starts a NATS server with JetStream on a random loopback port (never 4222), its
// store in a temporary directory and every write flushed, and declares the platform's streams.
func startNATS(t *testing.T) (url string, js jetstream.JetStream) {
	t.Helper()
	store := t.TempDir() // registered before the server's cleanup, so removed after it
	srv, err := server.NewServer(&server.Options{
		ServerName: "matchingcrash",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		JetStream:  true,
		StoreDir:   store,
		SyncAlways: true,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(30 * time.Second) {
		t.Fatal("nats server not ready after 30s")
	}
	nc, err := nats.Connect(srv.ClientURL(), nats.Name("matchingcrash-test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(1024))
	if err != nil {
		t.Fatal(err)
	}
	if err := eventbus.EnsureStreams(t.Context(), js, eventbus.StreamSettings{}); err != nil {
		t.Fatalf("EnsureStreams: %v", err)
	}
	return srv.ClientURL(), js
}

// uuidsFrom draws UUIDs from a seeded source, so that a seed gives the same ids.
func uuidsFrom(r *rand.ChaCha8) func() string {
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
