package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/matching/service"
)

// fakeMissionService knows missions by id and applies the mission service's access rule.
type fakeMissionService struct {
	missionv1.UnimplementedMissionServiceServer
	mu      sync.Mutex
	firms   map[string]string
	callers []identity.Caller
}

func (f *fakeMissionService) GetMission(ctx context.Context, req *missionv1.GetMissionRequest) (*missionv1.GetMissionResponse, error) {
	caller, _ := identity.FromContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callers = append(f.callers, caller)
	firm, ok := f.firms[req.GetId()]
	if !ok || (!caller.IsOperator() && caller.AccountID != firm) {
		return nil, fault.NotFound("MISSION_NOT_FOUND", "mission %s not found", req.GetId())
	}
	return &missionv1.GetMissionResponse{Mission: &missionv1.Mission{Id: req.GetId(), FirmId: firm}}, nil
}

func (f *fakeMissionService) seenCallers() []identity.Caller {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.callers)
}

type env struct {
	js       jetstream.JetStream
	client   matchingv1.MatchingServiceClient
	missions *fakeMissionService
}

// start runs the matching service in-process on an embedded NATS server, with a real gRPC
// listener and a fake mission service.
func start(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	tp := noop.NewTracerProvider()

	ns, err := eventbus.StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	nc, err := ns.Connect("matching-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := eventbus.EnsureStreams(t.Context(), js, eventbus.StreamSettings{}); err != nil {
		t.Fatal(err)
	}

	fake := &fakeMissionService{firms: map[string]string{}}
	missionSrv := rpc.NewServer(tp, logger)
	missionv1.RegisterMissionServiceServer(missionSrv.GRPC, fake)
	missionLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	runUntilCleanup(t, "fake mission service", func(ctx context.Context) error {
		return missionSrv.Serve(ctx, missionLis, time.Second)
	})

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := servicehost.Host{Name: service.Name, DataDir: dir, JetStream: js, TracerProvider: tp, Logger: logger, Listener: lis}
	cfg := service.Config{MissionAddr: missionLis.Addr().String(), ShortlistSize: 5, ShutdownGrace: time.Second}
	runUntilCleanup(t, "matching", func(ctx context.Context) error { return service.Run(ctx, host, cfg) })

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &env{js: js, client: matchingv1.NewMatchingServiceClient(conn), missions: fake}
}

// runUntilCleanup runs part until the test ends, then stops it and checks it stopped cleanly.
func runUntilCleanup(t *testing.T, name string, part func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- part(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("%s stopped with %v", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not stop", name)
		}
	})
}

func as(ctx context.Context, role identity.Role, accountID string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, rpc.MetadataAccountID, accountID, rpc.MetadataRole, string(role))
}

// eventually polls cond until it holds, for at most 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// publish builds an event and publishes it as the producer's outbox relay would.
func (e *env) publish(t *testing.T, producer, aggregateID string, payload proto.Message) (eventbus.Event, *jetstream.PubAck) {
	t.Helper()
	ev, err := eventbus.NewEvent(producer, aggregateID, payload, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ev, e.publishAs(t, ev.Subject, ev.Data, ev.Envelope.GetEventId())
}

func (e *env) publishAs(t *testing.T, subject string, data []byte, msgID string) *jetstream.PubAck {
	t.Helper()
	ack, err := e.js.Publish(t.Context(), subject, data, jetstream.WithMsgID(msgID))
	if err != nil {
		t.Fatal(err)
	}
	if ack.Duplicate {
		t.Fatalf("publish of %s was dropped as a duplicate", msgID)
	}
	return ack
}

func (e *env) registerProfile(t *testing.T, f *profilev1.MatchingFacts) *jetstream.PubAck {
	t.Helper()
	_, ack := e.publish(t, eventbus.ProducerProfile, f.GetProfileId(), &profilev1.ProfileRegistered{Facts: f})
	return ack
}

// proposals reads every ShortlistProposed of a mission from the MATCHING stream.
func (e *env) proposals(t *testing.T, missionID string) []*matchingv1.ShortlistProposed {
	t.Helper()
	ctx := t.Context()
	subject := eventbus.Subject(eventbus.ProducerMatching, "ShortlistProposed", missionID)
	stream, err := e.js.Stream(ctx, eventbus.StreamOf(eventbus.ProducerMatching))
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	n := int(info.State.Subjects[subject])
	if n == 0 {
		return nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []*matchingv1.ShortlistProposed
	for msg := range batch.Messages() {
		_, payload, err := eventbus.DecodeEnvelope(msg.Data())
		if err != nil {
			t.Fatal(err)
		}
		p, ok := payload.(*matchingv1.ShortlistProposed)
		if !ok {
			t.Fatalf("payload %T on %s", payload, subject)
		}
		out = append(out, p)
	}
	if len(out) != n {
		t.Fatalf("read %d of %d proposals", len(out), n)
	}
	return out
}

// withPayload is ev's envelope, same event id, around another payload.
func withPayload(t *testing.T, ev eventbus.Event, payload proto.Message) []byte {
	t.Helper()
	env := proto.Clone(ev.Envelope).(*eventsv1.Envelope)
	wrapped, err := anypb.New(payload)
	if err != nil {
		t.Fatal(err)
	}
	env.Payload = wrapped
	data, err := proto.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func revisions(ps []*matchingv1.ShortlistProposed) []int64 {
	var out []int64
	for _, p := range ps {
		out = append(out, p.GetRevision())
	}
	return out
}

// processedThrough waits until the durable consumer has acknowledged every message up to seq.
func (e *env) processedThrough(t *testing.T, stream, durable string, seq uint64) {
	t.Helper()
	eventually(t, fmt.Sprintf("%s to acknowledge stream sequence %d", durable, seq), func() bool {
		cons, err := e.js.Consumer(t.Context(), stream, durable)
		if err != nil {
			return false
		}
		info, err := cons.Info(t.Context())
		return err == nil && info.AckFloor.Stream >= seq && info.NumAckPending == 0
	})
}

func facts(id string, skills map[string]int32, sector string, rate int32) *profilev1.MatchingFacts {
	f := &profilev1.MatchingFacts{
		ProfileId: id, AccountId: "acct-" + id, Sectors: []string{sector}, YearsExperience: 15,
		Languages: []string{"fr", "en"}, Country: "FR", WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		DailyRateEur: rate, AvailableFrom: "2027-01-04",
	}
	for _, s := range []string{"ai-strategy", "change-management", "mlops"} {
		if lvl := skills[s]; lvl > 0 {
			f.Skills = append(f.Skills, &profilev1.SkillLevel{Id: s, Level: lvl})
		}
	}
	return f
}

func testMission(id, firmID string) *missionv1.Mission {
	return &missionv1.Mission{
		Id: id, FirmId: firmID, Title: "Transition CAIO", Sector: "C21",
		MissionType:    missionv1.MissionType_MISSION_TYPE_TRANSFORMATION_LAUNCH,
		RequiredSkills: []string{"ai-strategy", "change-management"}, NiceToHaveSkills: []string{"mlops"},
		StartDate: "2027-02-01", DurationMonths: 12, MaxDailyRateEur: 1500, Languages: []string{"fr"},
		Location: &taxonomyv1.Location{Country: "FR", City: "Lyon"}, WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		MinYearsExperience: 10, Status: missionv1.MissionStatus_MISSION_STATUS_SUBMITTED,
	}
}

type wantCandidate struct {
	id    string
	score float64
}

func assertCandidates(t *testing.T, got []*matchingv1.Candidate, want ...wantCandidate) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d candidates %v, want %v", len(got), got, want)
	}
	for i, w := range want {
		c := got[i]
		if c.GetProfileId() != w.id || c.GetRank() != int32(i+1) || math.Abs(c.GetScore()-w.score) > 1e-9 {
			t.Errorf("candidate %d = %s rank %d score %v, want %s rank %d score %v",
				i, c.GetProfileId(), c.GetRank(), c.GetScore(), w.id, i+1, w.score)
		}
		if len(c.GetExplanation().GetComponents()) != 2 {
			t.Errorf("candidate %s explanation = %v, want skills and sector", c.GetProfileId(), c.GetExplanation())
		}
	}
}

func TestShortlistFromEventsEndToEnd(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	operator := as(ctx, identity.RoleOperator, "op-1")
	firm1 := as(ctx, identity.RoleFirm, "firm-1")

	// skills (1+1+0.5×1)/2.5 = 1, sector 1 → 1
	e.registerProfile(t, facts("p-a", map[string]int32{"ai-strategy": 5, "change-management": 5, "mlops": 5}, "C21", 1400))
	// skills (0.8+0.6)/2.5 = 0.56, sector 0.5 → 0.6×0.56 + 0.4×0.5 = 0.536
	e.registerProfile(t, facts("p-b", map[string]int32{"ai-strategy": 4, "change-management": 3}, "C20", 1200))
	// over budget: excluded
	ack := e.registerProfile(t, facts("p-c", map[string]int32{"ai-strategy": 5, "change-management": 5, "mlops": 5}, "C21", 2500))
	// The two streams are consumed independently: let the profiles land before the mission, so
	// that its first shortlist already holds them.
	e.processedThrough(t, eventbus.StreamOf(eventbus.ProducerProfile), "matching-profiles", ack.Sequence)

	// Before its events arrive, the mission service vouches for the mission: PENDING.
	e.missions.mu.Lock()
	e.missions.firms["m-1"] = "firm-1"
	e.missions.mu.Unlock()
	resp, err := e.client.GetShortlist(firm1, &matchingv1.GetShortlistRequest{MissionId: "m-1"})
	if err != nil || resp.GetStatus() != matchingv1.ShortlistStatus_SHORTLIST_STATUS_PENDING || len(resp.GetCandidates()) != 0 {
		t.Fatalf("before MissionSubmitted: %v, %v; want PENDING", resp, err)
	}
	if callers := e.missions.seenCallers(); len(callers) != 1 || callers[0] != (identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}) {
		t.Fatalf("mission service saw callers %v, want the forwarded firm-1", callers)
	}
	_, err = e.client.GetShortlist(firm1, &matchingv1.GetShortlistRequest{MissionId: "m-unknown"})
	if status.Code(err) != codes.NotFound || rpc.Reason(err) != "MISSION_NOT_FOUND" {
		t.Fatalf("unknown mission: %v, want the mission service's NotFound", err)
	}

	submitted, _ := e.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionSubmitted{Mission: testMission("m-1", "firm-1")})

	eventually(t, "a READY shortlist", func() bool {
		resp, err = e.client.GetShortlist(operator, &matchingv1.GetShortlistRequest{MissionId: "m-1"})
		return err == nil && resp.GetStatus() == matchingv1.ShortlistStatus_SHORTLIST_STATUS_READY
	})
	if resp.GetRevision() != 1 || resp.GetScoringVersion() != "foundation-2026-11" || resp.GetEligibleCount() != 2 ||
		resp.GetMissionId() != "m-1" || resp.GetProposedAt() == nil {
		t.Fatalf("shortlist = %v", resp)
	}
	assertCandidates(t, resp.GetCandidates(), wantCandidate{"p-a", 1}, wantCandidate{"p-b", 0.536})
	if got := resp.GetCandidates()[1].GetExplanation(); !slices.Equal(got.GetMatchedSkills(), []string{"ai-strategy", "change-management"}) ||
		!slices.Equal(got.GetMissingSkills(), []string{"mlops"}) {
		t.Errorf("p-b explanation = %v", got)
	}

	var first []*matchingv1.ShortlistProposed
	eventually(t, "ShortlistProposed on the MATCHING stream", func() bool {
		first = e.proposals(t, "m-1")
		return len(first) == 1
	})
	if p := first[0]; p.GetRevision() != 1 || p.GetFirmId() != "firm-1" || p.GetEligibleCount() != 2 ||
		p.GetScoringVersion() != "foundation-2026-11" {
		t.Fatalf("ShortlistProposed = %v", p)
	}
	assertCandidates(t, first[0].GetCandidates(), wantCandidate{"p-a", 1}, wantCandidate{"p-b", 0.536})

	// The same MissionSubmitted again under a new message id (JetStream cannot drop it), then
	// once more with the same event id but facts that would exclude everybody: the inbox must
	// ignore both.
	e.publishAs(t, submitted.Subject, submitted.Data, "redelivered-"+submitted.Envelope.GetEventId())
	changedMission := testMission("m-1", "firm-1")
	changedMission.MaxDailyRateEur = 100
	data := withPayload(t, submitted, &missionv1.MissionSubmitted{Mission: changedMission})
	ack = e.publishAs(t, submitted.Subject, data, "tampered-"+submitted.Envelope.GetEventId())
	e.processedThrough(t, eventbus.StreamOf(eventbus.ProducerMission), "matching-missions", ack.Sequence)

	resp, err = e.client.GetShortlist(operator, &matchingv1.GetShortlistRequest{MissionId: "m-1"})
	if err != nil || resp.GetRevision() != 1 {
		t.Fatalf("after duplicates: %v, %v; want revision 1 still", resp, err)
	}
	assertCandidates(t, resp.GetCandidates(), wantCandidate{"p-a", 1}, wantCandidate{"p-b", 0.536})

	// A better profile makes revision 2. The relay publishes in commit order, so once revision
	// 2 is on the stream, any proposal the duplicates had caused would be there too.
	// skills (1+0.8+0.5)/2.5 = 0.92, sector 1 → 0.952
	e.registerProfile(t, facts("p-d", map[string]int32{"ai-strategy": 5, "change-management": 4, "mlops": 5}, "C21", 1500))
	var all []*matchingv1.ShortlistProposed
	eventually(t, "revision 2 on the MATCHING stream", func() bool {
		all = e.proposals(t, "m-1")
		return len(all) > 0 && all[len(all)-1].GetRevision() == 2
	})
	if got := revisions(all); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("proposed revisions %v, want [1 2]", got)
	}
	assertCandidates(t, all[1].GetCandidates(), wantCandidate{"p-a", 1}, wantCandidate{"p-d", 0.952}, wantCandidate{"p-b", 0.536})

	// Access rules over gRPC.
	checks := []struct {
		name   string
		ctx    context.Context
		code   codes.Code
		reason string
	}{
		{"another firm", as(ctx, identity.RoleFirm, "firm-2"), codes.NotFound, "MISSION_NOT_FOUND"},
		{"a consultant", as(ctx, identity.RoleConsultant, "acct-p-a"), codes.PermissionDenied, "ROLE_NOT_ALLOWED"},
		{"nobody", ctx, codes.Unauthenticated, "UNAUTHENTICATED"},
	}
	for _, c := range checks {
		_, err := e.client.GetShortlist(c.ctx, &matchingv1.GetShortlistRequest{MissionId: "m-1"})
		if status.Code(err) != c.code || rpc.Reason(err) != c.reason {
			t.Errorf("%s: %v, want %v %s", c.name, err, c.code, c.reason)
		}
	}
	if resp, err := e.client.GetShortlist(firm1, &matchingv1.GetShortlistRequest{MissionId: "m-1"}); err != nil || resp.GetRevision() != 2 {
		t.Errorf("owning firm: %v, %v", resp, err)
	}

	// Visibility follows the current shortlist of the firm's open missions.
	visible := func(profileID, firmID string) bool {
		t.Helper()
		r, err := e.client.CheckProfileVisibility(firm1, &matchingv1.CheckProfileVisibilityRequest{ProfileId: profileID, FirmId: firmID})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetVisible()
	}
	if !visible("p-d", "firm-1") || visible("p-c", "firm-1") || visible("p-d", "firm-2") {
		t.Fatal("visibility: want p-d visible to firm-1 only, p-c to nobody")
	}
	e.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionCancelled{MissionId: "m-1", FirmId: "firm-1"})
	eventually(t, "the cancelled mission to hide its candidates", func() bool { return !visible("p-d", "firm-1") })
}
