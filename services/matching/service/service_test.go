package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
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

// bus is what outlives one run of the matching service: the embedded NATS server with its
// streams, the data directory and the fake mission service.
type bus struct {
	dir         string
	js          jetstream.JetStream
	missions    *fakeMissionService
	missionAddr string
	logger      *slog.Logger
	tp          trace.TracerProvider
}

type env struct {
	*bus
	client matchingv1.MatchingServiceClient
	// stop ends this run of the service and waits for it; the test's cleanup calls it too.
	stop func()
}

// startBus starts an embedded NATS server with the streams declared, and a fake mission
// service, for the whole test.
func startBus(t *testing.T) *bus {
	t.Helper()
	b := &bus{dir: t.TempDir(), tp: noop.NewTracerProvider(),
		logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))}

	b.js = eventbustest.StartIn(t, b.dir).JS

	b.missions = &fakeMissionService{firms: map[string]string{}}
	missionSrv := rpc.NewServer(b.tp, b.logger)
	missionv1.RegisterMissionServiceServer(missionSrv.GRPC, b.missions)
	missionLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.missionAddr = missionLis.Addr().String()
	runUntilCleanup(t, "fake mission service", func(ctx context.Context) error {
		return missionSrv.Serve(ctx, missionLis, time.Second)
	})
	return b
}

// startMatching runs the matching service in-process on the bus, with a real gRPC listener,
// until stop is called or the test ends. Runs one after the other share the data directory.
func (b *bus) startMatching(t *testing.T, cfg service.Config) *env {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := servicehost.Host{Name: service.Name, DataDir: b.dir, JetStream: b.js, TracerProvider: b.tp, Logger: b.logger, Listener: lis}
	cfg.MissionAddr, cfg.ShutdownGrace = b.missionAddr, time.Second
	stop := runUntilStopped(t, "matching", func(ctx context.Context) error { return service.Run(ctx, host, cfg) })

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &env{bus: b, client: matchingv1.NewMatchingServiceClient(conn), stop: func() { conn.Close(); stop() }}
}

// start runs the matching service on a bus of its own, with shortlists of 5 and the default
// availability tolerance.
func start(t *testing.T) *env {
	t.Helper()
	return startBus(t).startMatching(t, service.Config{ExposureCap: service.None})
}

// runUntilCleanup runs part until the test ends, then stops it and checks it stopped cleanly.
func runUntilCleanup(t *testing.T, name string, part func(context.Context) error) {
	runUntilStopped(t, name, part)
}

// runUntilStopped runs part until the returned stop is called or the test ends, then stops it
// and checks it stopped cleanly. stop waits for part to return; calling it again does nothing.
func runUntilStopped(t *testing.T, name string, part func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- part(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
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
	t.Cleanup(stop)
	return stop
}

func as(ctx context.Context, role identity.Role, accountID string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, rpc.MetadataAccountID, accountID, rpc.MetadataRole, string(role))
}

// eventually polls cond until it holds, for at most 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventbustest.Eventually(t, 10*time.Second, what, cond)
}

// publish builds an event and publishes it as the producer's outbox relay would.
func (e *bus) publish(t *testing.T, producer, aggregateID string, payload proto.Message) (eventbus.Event, *jetstream.PubAck) {
	t.Helper()
	ev, err := eventbus.NewEvent(producer, aggregateID, payload, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ev, e.publishAs(t, ev.Subject, ev.Data, ev.Envelope.GetEventId())
}

func (e *bus) publishAs(t *testing.T, subject string, data []byte, msgID string) *jetstream.PubAck {
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

func (e *bus) registerProfile(t *testing.T, f *profilev1.MatchingFacts) *jetstream.PubAck {
	t.Helper()
	_, ack := e.publish(t, eventbus.ProducerProfile, f.GetProfileId(), &profilev1.ProfileRegistered{Facts: f})
	return ack
}

// proposals reads every ShortlistProposed of a mission from the MATCHING stream.
func (e *bus) proposals(t *testing.T, missionID string) []*matchingv1.ShortlistProposed {
	t.Helper()
	return eventbustest.Payloads[*matchingv1.ShortlistProposed](eventbustest.Read(t, e.js,
		eventbus.StreamOf(eventbus.ProducerMatching), eventbus.Subject(eventbus.ProducerMatching, "ShortlistProposed", missionID)))
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

// registerABC registers profiles A, B and C and waits until matching has applied them: the two
// streams are consumed independently, so a mission submitted next is ranked with them.
func (e *bus) registerABC(t *testing.T) {
	t.Helper()
	e.registerProfile(t, factsA())
	e.registerProfile(t, factsB())
	e.profilesProcessed(t, e.registerProfile(t, factsC()).Sequence)
}

// profilesProcessed waits until matching's profile consumer has acknowledged every profile
// event up to seq.
func (e *bus) profilesProcessed(t *testing.T, seq uint64) {
	t.Helper()
	e.processedThrough(t, eventbus.StreamOf(eventbus.ProducerProfile), eventbus.ConsumerMatchingProfiles, seq)
}

// processedThrough waits until the durable consumer has acknowledged every message up to seq.
func (e *bus) processedThrough(t *testing.T, stream, durable string, seq uint64) {
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

// Fixed profile ids: profile ids are UUIDs (the index requires them).
const (
	pA = "0190a000-0000-7000-8000-00000000000a"
	pB = "0190a000-0000-7000-8000-00000000000b"
	pC = "0190a000-0000-7000-8000-00000000000c"
	pD = "0190a000-0000-7000-8000-00000000000d"
	pE = "0190a000-0000-7000-8000-00000000000e"
)

// fromToday is a date relative to the service's clock, which is the real one: the fixtures
// stay eligible whenever the test runs.
func fromToday(days int) string { return dates.Format(time.Now().AddDate(0, 0, days)) }

// facts are 15 years of experience, French and English, based in France, hybrid, available in
// 30 days, at the given skill levels, sector and daily rate.
func facts(id string, skills map[string]int32, sector string, rate int32) *profilev1.MatchingFacts {
	f := &profilev1.MatchingFacts{
		ProfileId: id, AccountId: "acct-" + id, Sectors: []string{sector}, YearsExperience: 15,
		Languages: []string{"fr", "en"}, Country: "FR", WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		DailyRateEur: rate, AvailableFrom: fromToday(30),
	}
	for _, s := range []string{"ai-strategy", "change-management", "mlops"} {
		if lvl := skills[s]; lvl > 0 {
			f.Skills = append(f.Skills, &profilev1.SkillLevel{Id: s, Level: lvl})
		}
	}
	return f
}

// testMission is a hybrid transformation launch in France, sector C21, starting in 60 days for
// 12 months: ai-strategy and change-management required, mlops nice to have, 1500 EUR a day,
// French, 10 years of experience.
func testMission(id, firmID string) *missionv1.Mission {
	return &missionv1.Mission{
		Id: id, FirmId: firmID, Title: "Transition CAIO", Sector: "C21",
		MissionType:    missionv1.MissionType_MISSION_TYPE_TRANSFORMATION_LAUNCH,
		RequiredSkills: []string{"ai-strategy", "change-management"}, NiceToHaveSkills: []string{"mlops"},
		StartDate: fromToday(60), DurationMonths: 12, MaxDailyRateEur: 1500, Languages: []string{"fr"},
		Location: &taxonomyv1.Location{Country: "FR", City: "Lyon"}, WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		MinYearsExperience: 10, Status: missionv1.MissionStatus_MISSION_STATUS_SUBMITTED,
	}
}

// The profiles of the end-to-end test and their scores for testMission, with the weights of
// caio-2026-12: skills 0.30, sector 0.20, mission type 0.15, seniority 0.10, rate fit 0.10,
// availability 0.05, location 0.10. All are available before the start, have 15 years
// (seniority 0.75) and live in France with no known city (location 0.3 for the mission in Lyon).
var (
	// skills (2×(5+5)+5)/25 = 1, sector 1, 12 months of transformation launches 0.5,
	// rate 4×100/1500 = 0.266667 → 0.3 + 0.2 + 0.075 + 0.075 + 0.026667 + 0.05 + 0.03 = 0.756667
	factsA = func() *profilev1.MatchingFacts {
		f := facts(pA, map[string]int32{"ai-strategy": 5, "change-management": 5, "mlops": 5}, "C21", 1400)
		f.PastMissions = []*profilev1.PastMission{{Sector: "C21", MissionType: missionv1.MissionType_MISSION_TYPE_TRANSFORMATION_LAUNCH, Months: 12, Year: 2025}}
		return f
	}
	scoreA = 0.756667
	// skills 2×(4+3)/25 = 0.56, sector C20 same section 0.5, rate 0.8
	// → 0.168 + 0.1 + 0 + 0.075 + 0.08 + 0.05 + 0.03 = 0.503
	factsB = func() *profilev1.MatchingFacts {
		return facts(pB, map[string]int32{"ai-strategy": 4, "change-management": 3}, "C20", 1200)
	}
	scoreB = 0.503
	// over budget: excluded
	factsC = func() *profilev1.MatchingFacts {
		return facts(pC, map[string]int32{"ai-strategy": 5, "change-management": 5, "mlops": 5}, "C21", 2500)
	}
	// skills (2×(5+4)+5)/25 = 0.92, sector 1, rate 0 → 0.276 + 0.2 + 0 + 0.075 + 0 + 0.05 + 0.03 = 0.631
	factsD = func() *profilev1.MatchingFacts {
		return facts(pD, map[string]int32{"ai-strategy": 5, "change-management": 4, "mlops": 5}, "C21", 1500)
	}
	scoreD = 0.631
)

const scoringVersion = "caio-2026-12"

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
		if len(c.GetExplanation().GetComponents()) != 7 {
			t.Errorf("candidate %s explanation = %v, want seven components", c.GetProfileId(), c.GetExplanation())
		}
	}
}

func (b *bus) vouchFor(missionID, firmID string) {
	b.missions.mu.Lock()
	defer b.missions.mu.Unlock()
	b.missions.firms[missionID] = firmID
}

// readyShortlist waits for a mission's shortlist to be ranked (READY or NO_MATCH).
func (e *env) readyShortlist(t *testing.T, missionID string) *matchingv1.GetShortlistResponse {
	t.Helper()
	operator := as(t.Context(), identity.RoleOperator, "op-1")
	var resp *matchingv1.GetShortlistResponse
	eventually(t, "mission "+missionID+" to be ranked", func() bool {
		var err error
		resp, err = e.client.GetShortlist(operator, &matchingv1.GetShortlistRequest{MissionId: missionID})
		return err == nil && resp.GetRevision() > 0
	})
	return resp
}

func TestShortlistFromEventsEndToEnd(t *testing.T) {
	e := start(t)
	ctx := t.Context()
	operator := as(ctx, identity.RoleOperator, "op-1")
	firm1 := as(ctx, identity.RoleFirm, "firm-1")

	e.registerABC(t)

	// Before its events arrive, the mission service vouches for the mission: PENDING.
	e.vouchFor("m-1", "firm-1")
	resp, err := e.client.GetShortlist(firm1, &matchingv1.GetShortlistRequest{MissionId: "m-1"})
	if err != nil || resp.GetStatus() != matchingv1.ShortlistStatus_SHORTLIST_STATUS_PENDING || len(resp.GetCandidates()) != 0 {
		t.Fatalf("before MissionSubmitted: %v, %v; want PENDING", resp, err)
	}
	if resp.GetDiagnostics() != nil {
		t.Fatalf("PENDING shortlist with diagnostics %v", resp.GetDiagnostics())
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
	if resp.GetRevision() != 1 || resp.GetScoringVersion() != scoringVersion || resp.GetEligibleCount() != 2 ||
		resp.GetMissionId() != "m-1" || resp.GetProposedAt() == nil {
		t.Fatalf("shortlist = %v", resp)
	}
	assertCandidates(t, resp.GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pB, scoreB})
	if d := resp.GetDiagnostics(); d.GetEligibleCount() != 2 || len(d.GetExcludedByRule()) == 0 || d.GetHeldByExposureCap() != 0 {
		t.Errorf("diagnostics = %v, want 2 eligible, the third consultant's exclusion counted, none held", d)
	}
	if got := resp.GetCandidates()[1].GetExplanation(); !slices.Equal(got.GetMatchedSkills(), []string{"ai-strategy", "change-management"}) ||
		!slices.Equal(got.GetMissingSkills(), []string{"mlops"}) {
		t.Errorf("pB explanation = %v", got)
	}

	var first []*matchingv1.ShortlistProposed
	eventually(t, "ShortlistProposed on the MATCHING stream", func() bool {
		first = e.proposals(t, "m-1")
		return len(first) == 1
	})
	if p := first[0]; p.GetRevision() != 1 || p.GetFirmId() != "firm-1" || p.GetEligibleCount() != 2 ||
		p.GetScoringVersion() != scoringVersion {
		t.Fatalf("ShortlistProposed = %v", p)
	}
	assertCandidates(t, first[0].GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pB, scoreB})

	// The same MissionSubmitted again under a new message id (JetStream cannot drop it), then
	// once more with the same event id but facts that would exclude everybody: the inbox must
	// ignore both.
	e.publishAs(t, submitted.Subject, submitted.Data, "redelivered-"+submitted.Envelope.GetEventId())
	changedMission := testMission("m-1", "firm-1")
	changedMission.MaxDailyRateEur = 100
	data := withPayload(t, submitted, &missionv1.MissionSubmitted{Mission: changedMission})
	ack := e.publishAs(t, submitted.Subject, data, "tampered-"+submitted.Envelope.GetEventId())
	e.processedThrough(t, eventbus.StreamOf(eventbus.ProducerMission), eventbus.ConsumerMatchingMissions, ack.Sequence)

	resp, err = e.client.GetShortlist(operator, &matchingv1.GetShortlistRequest{MissionId: "m-1"})
	if err != nil || resp.GetRevision() != 1 {
		t.Fatalf("after duplicates: %v, %v; want revision 1 still", resp, err)
	}
	assertCandidates(t, resp.GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pB, scoreB})

	// A better profile makes revision 2. The relay publishes in commit order, so once revision
	// 2 is on the stream, any proposal the duplicates had caused would be there too.
	e.registerProfile(t, factsD())
	var all []*matchingv1.ShortlistProposed
	eventually(t, "revision 2 on the MATCHING stream", func() bool {
		all = e.proposals(t, "m-1")
		return len(all) > 0 && all[len(all)-1].GetRevision() == 2
	})
	if got := revisions(all); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("proposed revisions %v, want [1 2]", got)
	}
	assertCandidates(t, all[1].GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pD, scoreD}, wantCandidate{pB, scoreB})

	// Access rules over gRPC.
	checks := []struct {
		name   string
		ctx    context.Context
		code   codes.Code
		reason string
	}{
		{"another firm", as(ctx, identity.RoleFirm, "firm-2"), codes.NotFound, "MISSION_NOT_FOUND"},
		{"a consultant", as(ctx, identity.RoleConsultant, "acct-"+pA), codes.PermissionDenied, "ROLE_NOT_ALLOWED"},
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
	if !visible(pD, "firm-1") || visible(pC, "firm-1") || visible(pD, "firm-2") {
		t.Fatal("visibility: want pD visible to firm-1 only, pC to nobody")
	}

	// An erasure takes the consultant off the shortlist at once (revision 3).
	e.publish(t, eventbus.ProducerProfile, pD, &profilev1.ProfileErased{ProfileId: pD})
	// The stream's proposals naming pD are erased just after the re-ranking is stored: wait for
	// both.
	eventually(t, "revision 3 without the erased profile, and no proposal of pD left", func() bool {
		all = e.proposals(t, "m-1")
		if len(all) == 0 || all[len(all)-1].GetRevision() != 3 {
			return false
		}
		for _, sp := range all {
			for _, c := range sp.GetCandidates() {
				if c.GetProfileId() == pD {
					return false
				}
			}
		}
		return true
	})
	// Revision 2, which proposed pD with the facts of pD's explanation, is erased from the stream.
	if len(all) != 2 || all[0].GetRevision() != 1 {
		t.Fatalf("%d proposals left on the stream, want revisions 1 and 3", len(all))
	}
	for _, sp := range all {
		for _, c := range sp.GetCandidates() {
			if c.GetProfileId() == pD {
				t.Fatalf("revision %d on the stream still proposes the erased profile", sp.GetRevision())
			}
		}
	}
	assertCandidates(t, all[1].GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pB, scoreB})
	if visible(pD, "firm-1") {
		t.Fatal("erased pD still visible")
	}

	e.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionCancelled{MissionId: "m-1", FirmId: "firm-1"})
	eventually(t, "the cancelled mission to hide its candidates", func() bool { return !visible(pA, "firm-1") })
}

// TestIndexIsRebuiltFromTheProfileStreamAtRestart: profiles live only in memory. A restarted
// service (same data directory, same NATS) rebuilds its index from the PROFILE stream before
// it consumes anything, so a mission submitted after the restart is ranked against the
// profiles published before it, with their latest facts, and without the erased ones.
func TestIndexIsRebuiltFromTheProfileStreamAtRestart(t *testing.T) {
	b := startBus(t)
	cfg := service.Config{ExposureCap: service.None}
	first := b.startMatching(t, cfg)

	b.registerProfile(t, factsA())
	b.registerProfile(t, facts(pB, map[string]int32{"ai-strategy": 2, "change-management": 3}, "C20", 1200))
	// pB's latest facts are factsB: the replay must apply the update.
	b.publish(t, eventbus.ProducerProfile, pB, &profilev1.ProfileUpdated{Facts: factsB()})
	b.registerProfile(t, factsD())
	_, last := b.publish(t, eventbus.ProducerProfile, pD, &profilev1.ProfileErased{ProfileId: pD})
	b.profilesProcessed(t, last.Sequence)
	// Every profile event is acknowledged: after the restart, only the replay can bring them
	// back.
	first.stop()

	// One more profile while the service is down: both the replay and the durable consumer
	// see it.
	late := facts(pE, map[string]int32{"ai-strategy": 5, "change-management": 5}, "C21", 1400)
	b.registerProfile(t, late)

	second := b.startMatching(t, cfg)
	b.vouchFor("m-after", "firm-1")
	b.publish(t, eventbus.ProducerMission, "m-after", &missionv1.MissionSubmitted{Mission: testMission("m-after", "firm-1")})
	resp := second.readyShortlist(t, "m-after")
	// pE: skills (2×10)/25 = 0.8, sector 1, rate 0.266667 → 0.24 + 0.2 + 0.075 + 0.026667 + 0.05 + 0.03 = 0.621667
	assertCandidates(t, resp.GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pE, 0.621667}, wantCandidate{pB, scoreB})
	if resp.GetEligibleCount() != 3 {
		t.Fatalf("eligible count = %d, want 3", resp.GetEligibleCount())
	}

	// The erased profile stayed erased through the replay.
	operator := as(t.Context(), identity.RoleOperator, "op-1")
	ex, err := second.client.ExplainCandidate(operator, &matchingv1.ExplainCandidateRequest{MissionId: "m-after", ProfileId: pD})
	if err != nil || ex.GetEligible() || len(ex.GetFailedRules()) != 1 || ex.GetFailedRules()[0].GetRule() != "PROFILE_ERASED" {
		t.Fatalf("explanation of the erased profile = %v, %v; want PROFILE_ERASED", ex, err)
	}
}

// TestRestartRestoresExposure: the exposure counts are not stored; at restart they are
// recounted from the open missions' current shortlists before any event is handled.
func TestRestartRestoresExposure(t *testing.T) {
	b := startBus(t)
	cfg := service.Config{ShortlistSize: 1, ExposureCap: 1}
	first := b.startMatching(t, cfg)
	ack := b.registerProfile(t, factsA())
	b.profilesProcessed(t, ack.Sequence)
	b.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionSubmitted{Mission: testMission("m-1", "firm-1")})
	assertCandidates(t, first.readyShortlist(t, "m-1").GetCandidates(), wantCandidate{pA, scoreA})
	first.stop()

	second := b.startMatching(t, cfg)
	b.publish(t, eventbus.ProducerMission, "m-2", &missionv1.MissionSubmitted{Mission: testMission("m-2", "firm-2")})
	resp := second.readyShortlist(t, "m-2")
	if resp.GetStatus() != matchingv1.ShortlistStatus_SHORTLIST_STATUS_NO_MATCH || resp.GetEligibleCount() != 1 {
		t.Fatalf("m-2 after the restart = %v; want NO_MATCH with pA eligible but capped", resp)
	}
	operator := as(t.Context(), identity.RoleOperator, "op-1")
	ex, err := second.client.ExplainCandidate(operator, &matchingv1.ExplainCandidateRequest{MissionId: "m-2", ProfileId: pA})
	if err != nil || !ex.GetEligible() || !ex.GetExposureCapped() || ex.GetShortlisted() {
		t.Fatalf("explanation of pA on m-2 = %v, %v; want eligible and capped", ex, err)
	}
}

func TestExplainCandidateOverGRPC(t *testing.T) {
	// A shortlist of one: pB is eligible but not shortlisted.
	e := startBus(t).startMatching(t, service.Config{ShortlistSize: 1, ExposureCap: service.None})
	ctx := t.Context()
	operator := as(ctx, identity.RoleOperator, "op-1")
	firm1 := as(ctx, identity.RoleFirm, "firm-1")

	e.registerABC(t)
	e.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionSubmitted{Mission: testMission("m-1", "firm-1")})
	e.readyShortlist(t, "m-1")

	explain := func(ctx context.Context, profileID string) *matchingv1.ExplainCandidateResponse {
		t.Helper()
		r, err := e.client.ExplainCandidate(ctx, &matchingv1.ExplainCandidateRequest{MissionId: "m-1", ProfileId: profileID})
		if err != nil {
			t.Fatalf("ExplainCandidate %s: %v", profileID, err)
		}
		return r
	}

	a := explain(firm1, pA)
	if !a.GetEligible() || math.Abs(a.GetScore()-scoreA) > 1e-9 || a.GetRank() != 1 || a.GetEligibleCount() != 2 ||
		!a.GetShortlisted() || a.GetShortlistRevision() != 1 || a.GetScoringVersion() != scoringVersion ||
		len(a.GetComponents()) != 7 || len(a.GetFailedRules()) != 0 || a.GetMissionId() != "m-1" || a.GetProfileId() != pA {
		t.Fatalf("pA = %v", a)
	}
	var names []string
	for _, c := range a.GetComponents() {
		names = append(names, c.GetName())
	}
	if want := []string{"skills", "sector", "missionType", "seniority", "rateFit", "availability", "location"}; !slices.Equal(names, want) {
		t.Errorf("components %v, want %v", names, want)
	}
	if mt := a.GetComponents()[2]; mt.GetValue() != 0.5 || !strings.Contains(mt.GetDetail(), "12 months of transformation launch") {
		t.Errorf("mission type component = %v, want 0.5 from the past mission", mt)
	}

	b := explain(operator, pB)
	if !b.GetEligible() || b.GetRank() != 2 || b.GetShortlisted() || b.GetExposureCapped() ||
		!slices.Equal(b.GetMissingSkills(), []string{"mlops"}) {
		t.Fatalf("pB = %v", b)
	}
	c := explain(operator, pC)
	if c.GetEligible() || c.GetRank() != 0 || len(c.GetComponents()) != 0 || len(c.GetFailedRules()) != 1 ||
		c.GetFailedRules()[0].GetRule() != "DAILY_RATE_OVER_BUDGET" ||
		c.GetFailedRules()[0].GetDetail() != "Asks €2,500 a day, over the budget of €1,500." ||
		c.GetFailedRules()[0].GetFacts().GetRate().GetDailyRateEur() != 2500 {
		t.Fatalf("pC = %v", c)
	}

	e.vouchFor("m-in-flight", "firm-1")
	errs := []struct {
		name      string
		ctx       context.Context
		missionID string
		profileID string
		code      codes.Code
		reason    string
	}{
		{"firm, not shortlisted", firm1, "m-1", pC, codes.NotFound, "PROFILE_NOT_FOUND"},
		{"firm, unknown profile", firm1, "m-1", uuid.NewString(), codes.NotFound, "PROFILE_NOT_FOUND"},
		{"operator, unknown profile", operator, "m-1", uuid.NewString(), codes.NotFound, "PROFILE_NOT_FOUND"},
		{"another firm", as(ctx, identity.RoleFirm, "firm-2"), "m-1", pA, codes.NotFound, "MISSION_NOT_FOUND"},
		{"mission not ranked yet", firm1, "m-in-flight", pA, codes.FailedPrecondition, "MISSION_NOT_RANKED_YET"},
		{"unknown mission", operator, "m-nowhere", pA, codes.NotFound, "MISSION_NOT_FOUND"},
		{"a consultant", as(ctx, identity.RoleConsultant, "acct-"+pA), "m-1", pA, codes.PermissionDenied, "ROLE_NOT_ALLOWED"},
		{"nobody", ctx, "m-1", pA, codes.Unauthenticated, "UNAUTHENTICATED"},
		{"no ids", operator, "", "", codes.InvalidArgument, fault.ReasonInvalidArgument},
	}
	for _, tc := range errs {
		_, err := e.client.ExplainCandidate(tc.ctx, &matchingv1.ExplainCandidateRequest{MissionId: tc.missionID, ProfileId: tc.profileID})
		if status.Code(err) != tc.code || rpc.Reason(err) != tc.reason {
			t.Errorf("%s: %v, want %v %s", tc.name, err, tc.code, tc.reason)
		}
	}
}
