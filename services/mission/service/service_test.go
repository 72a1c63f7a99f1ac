package service_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/mission/service"
)

const deadline = 10 * time.Second

type harness struct {
	js       jetstream.JetStream
	client   missionv1.MissionServiceClient
	logs     *eventbustest.SyncBuffer
	profiles *fakeProfileService
}

// start runs the service against an embedded NATS server, a real gRPC listener and a fake
// profile service; change adjusts its configuration.
func start(t *testing.T, change ...func(*service.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	js := eventbustest.Start(t).JS
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &eventbustest.SyncBuffer{}
	profiles := startProfileService(t)
	cfg := service.Config{ShutdownGrace: time.Second, ProfileAddr: profiles.addr, PseudonymKey: "component-test-key"}
	for _, c := range change {
		c(&cfg)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- service.Run(runCtx, servicehost.Host{
			Name: service.Name, DataDir: t.TempDir(), JetStream: js,
			TracerProvider: noop.NewTracerProvider(),
			Logger:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Listener:       lis,
		}, cfg)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("service stopped with %v", err)
			}
		case <-time.After(deadline):
			t.Error("service did not stop")
		}
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &harness{js: js, client: missionv1.NewMissionServiceClient(conn), logs: logs, profiles: profiles}
}

func as(accountID, role string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), rpc.MetadataAccountID, accountID, rpc.MetadataRole, role)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventbustest.Eventually(t, deadline, what, cond)
}

// streamEvents reads every message of a stream, in order.
func (h *harness) streamEvents(t *testing.T, stream string) []eventbustest.Published {
	t.Helper()
	return eventbustest.Read(t, h.js, stream, "")
}

func (h *harness) missionStatus(t *testing.T, id string) missionv1.MissionStatus {
	t.Helper()
	resp, err := h.client.GetMission(as("firm-1", "FIRM"), &missionv1.GetMissionRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetMission().GetStatus()
}

// waitConsumed waits until the shortlist consumer has acknowledged the stream up to seq.
func (h *harness) waitConsumed(t *testing.T, seq uint64) {
	t.Helper()
	eventually(t, "the shortlist consumer to acknowledge", func() bool {
		c, err := h.js.Consumer(context.Background(), eventbus.StreamOf(eventbus.ProducerMatching), eventbus.ConsumerMissionShortlists)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.AckFloor.Stream >= seq
	})
}

func createRequest() *missionv1.CreateMissionRequest {
	return &missionv1.CreateMissionRequest{
		Title:              "Confidential: Project Heliotrope AI launch",
		Sector:             "C21",
		MissionType:        missionv1.MissionType_MISSION_TYPE_TRANSFORMATION_LAUNCH,
		RequiredSkills:     []string{"ai-strategy", "change-management"},
		NiceToHaveSkills:   []string{"ai-act-compliance", "mlops"},
		StartDate:          time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02"),
		DurationMonths:     12,
		MaxDailyRateEur:    1500,
		Languages:          []string{"fr"},
		Location:           &taxonomyv1.Location{Country: "FR", City: "Lyon"},
		WorkMode:           taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		MinYearsExperience: 10,
		RequiredSkillLevels: []*missionv1.SkillRequirement{
			{Id: "change-management", MinLevel: 3}, {Id: "ai-strategy", MinLevel: 5},
		},
	}
}

func wantCode(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || rpc.Reason(err) != reason {
		t.Fatalf("err = %v (reason %q), want %s %s", err, rpc.Reason(err), code, reason)
	}
}

func TestMissionLifecycleOverGRPCAndJetStream(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	firm := as("firm-1", "FIRM")

	created, err := h.client.CreateMission(firm, createRequest())
	if err != nil {
		t.Fatal(err)
	}
	m := created.GetMission()
	if m.GetFirmId() != "firm-1" || m.GetStatus() != missionv1.MissionStatus_MISSION_STATUS_SUBMITTED || m.GetId() == "" ||
		m.GetEndDate() == "" || m.GetCreatedAt() == nil {
		t.Fatalf("created %v", m)
	}

	// MissionSubmitted lands on the MISSION stream.
	eventually(t, "MissionSubmitted on the MISSION stream", func() bool {
		return len(h.streamEvents(t, "MISSION")) >= 1
	})
	first := h.streamEvents(t, "MISSION")[0]
	sub, ok := first.Payload.(*missionv1.MissionSubmitted)
	if !ok || first.Envelope.GetAggregateId() != m.GetId() || first.Envelope.GetProducer() != eventbus.ProducerMission ||
		!proto.Equal(sub.GetMission(), m) {
		t.Fatalf("first MISSION event = %v %v, want MissionSubmitted of %v", first.Envelope, first.Payload, m)
	}
	// Matching ranks from the event alone, so the minimum skill levels travel with it, in order.
	wantLevels := createRequest().GetRequiredSkillLevels()
	if got := sub.GetMission().GetRequiredSkillLevels(); len(got) != len(wantLevels) ||
		!proto.Equal(got[0], wantLevels[0]) || !proto.Equal(got[1], wantLevels[1]) {
		t.Fatalf("MissionSubmitted carries skill levels %v, want %v", got, wantLevels)
	}
	got, err := h.client.GetMission(firm, &missionv1.GetMissionRequest{Id: m.GetId()})
	if err != nil || !proto.Equal(got.GetMission(), m) {
		t.Fatalf("stored mission %v (%v), want %v", got.GetMission(), err, m)
	}

	// A shortlist with two candidates makes the mission SHORTLISTED.
	shortlist, err := eventbus.NewEvent(eventbus.ProducerMatching, m.GetId(), &matchingv1.ShortlistProposed{
		MissionId: m.GetId(), FirmId: "firm-1", Revision: 1, ScoringVersion: "v1", EligibleCount: 2,
		Candidates: []*matchingv1.Candidate{{ProfileId: "p1", Rank: 1, Score: 0.9}, {ProfileId: "p2", Rank: 2, Score: 0.8}},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.js.Publish(ctx, shortlist.Subject, shortlist.Data); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mission to be SHORTLISTED", func() bool {
		return h.missionStatus(t, m.GetId()) == missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED
	})

	// The same envelope again (no Nats-Msg-Id, so JetStream does not drop it: the inbox must).
	ack, err := h.js.Publish(ctx, shortlist.Subject, shortlist.Data)
	if err != nil {
		t.Fatal(err)
	}
	h.waitConsumed(t, ack.Sequence)
	if got := h.missionStatus(t, m.GetId()); got != missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED {
		t.Fatalf("status after duplicate = %s", got)
	}
	// The inbox, not only the revision check, caught it.
	if !strings.Contains(h.logs.String(), `"msg":"shortlist already processed","event_id":"`+shortlist.Envelope.GetEventId()) {
		t.Fatalf("the duplicate was not recognised as already processed:\n%s", h.logs.String())
	}

	// Another firm, a consultant and an anonymous caller do not see it.
	_, err = h.client.GetMission(as("firm-2", "FIRM"), &missionv1.GetMissionRequest{Id: m.GetId()})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")
	_, err = h.client.GetMission(as("cons-1", "CONSULTANT"), &missionv1.GetMissionRequest{Id: m.GetId()})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")
	_, err = h.client.GetMission(ctx, &missionv1.GetMissionRequest{Id: m.GetId()})
	wantCode(t, err, codes.Unauthenticated, "UNAUTHENTICATED")
	_, err = h.client.CancelMission(as("firm-2", "FIRM"), &missionv1.CancelMissionRequest{Id: m.GetId()})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")
	other, err := h.client.ListMissions(as("firm-2", "FIRM"), &missionv1.ListMissionsRequest{})
	if err != nil || len(other.GetMissions()) != 0 {
		t.Fatalf("firm-2 lists %v, %v", other.GetMissions(), err)
	}
	mine, err := h.client.ListMissions(firm, &missionv1.ListMissionsRequest{})
	if err != nil || len(mine.GetMissions()) != 1 || mine.GetMissions()[0].GetId() != m.GetId() || mine.GetNextPageToken() != "" {
		t.Fatalf("firm-1 lists %v, %v", mine, err)
	}

	// The owner cancels; MissionCancelled is published.
	cancelled, err := h.client.CancelMission(firm, &missionv1.CancelMissionRequest{Id: m.GetId()})
	if err != nil || cancelled.GetMission().GetStatus() != missionv1.MissionStatus_MISSION_STATUS_CANCELLED {
		t.Fatalf("cancel: %v %v", cancelled, err)
	}
	_, err = h.client.CancelMission(firm, &missionv1.CancelMissionRequest{Id: m.GetId()})
	wantCode(t, err, codes.FailedPrecondition, "MISSION_NOT_CANCELLABLE")

	eventually(t, "MissionCancelled on the MISSION stream", func() bool {
		for _, e := range h.streamEvents(t, "MISSION") {
			if _, ok := e.Payload.(*missionv1.MissionCancelled); ok {
				return true
			}
		}
		return false
	})
	// Everything before the cancellation was relayed in commit order, so this is the whole story:
	// one MissionUpdated for the shortlist, none for its duplicate.
	eventually(t, "MissionUpdated(CANCELLED) on the MISSION stream", func() bool {
		return len(h.streamEvents(t, "MISSION")) >= 4
	})
	var story []string
	for _, e := range h.streamEvents(t, "MISSION") {
		if e.Envelope.GetAggregateId() != m.GetId() {
			t.Errorf("event for another aggregate: %v", e.Envelope)
		}
		switch p := e.Payload.(type) {
		case *missionv1.MissionUpdated:
			story = append(story, "MissionUpdated "+p.GetStatus().String())
		case *missionv1.MissionCancelled:
			if p.GetMissionId() != m.GetId() || p.GetFirmId() != "firm-1" {
				t.Errorf("MissionCancelled = %v", p)
			}
			story = append(story, e.Envelope.GetType())
		default:
			story = append(story, e.Envelope.GetType())
		}
	}
	want := []string{
		"MissionSubmitted",
		"MissionUpdated MISSION_STATUS_SHORTLISTED",
		"MissionCancelled",
		"MissionUpdated MISSION_STATUS_CANCELLED",
	}
	if strings.Join(story, "\n") != strings.Join(want, "\n") {
		t.Fatalf("MISSION stream:\n%s\nwant:\n%s", strings.Join(story, "\n"), strings.Join(want, "\n"))
	}

	// Logs carry ids, never the firm's free text.
	logs := h.logs.String()
	if !strings.Contains(logs, m.GetId()) {
		t.Errorf("logs never mention the mission id:\n%s", logs)
	}
	if strings.Contains(logs, "Heliotrope") || strings.Contains(logs, "Lyon") {
		t.Errorf("logs leak mission text:\n%s", logs)
	}
}

func TestRequestsRefusedAtTheDoor(t *testing.T) {
	h := start(t)

	_, err := h.client.CreateMission(as("cons-1", "CONSULTANT"), createRequest())
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")
	_, err = h.client.ListMissions(as("cons-1", "CONSULTANT"), &missionv1.ListMissionsRequest{})
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")

	bad := createRequest()
	bad.DurationMonths = 19
	bad.MaxDailyRateEur = -5
	bad.RequiredSkillLevels = []*missionv1.SkillRequirement{{Id: "mlops", MinLevel: 6}}
	_, err = h.client.CreateMission(as("firm-1", "FIRM"), bad)
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	var fields []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	if strings.Join(fields, ",") != "requiredSkillLevels[0].id,requiredSkillLevels[0].minLevel,durationMonths,maxDailyRateEur" {
		t.Fatalf("field violations %v", fields)
	}

	_, err = h.client.ListMissions(as("firm-1", "FIRM"), &missionv1.ListMissionsRequest{PageSize: -1})
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	_, err = h.client.ListMissions(as("firm-1", "FIRM"), &missionv1.ListMissionsRequest{PageToken: "garbage"})
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")

	// Nothing refused reached the bus.
	if n := len(h.streamEvents(t, "MISSION")); n != 0 {
		t.Fatalf("%d events published for refused requests", n)
	}
}
