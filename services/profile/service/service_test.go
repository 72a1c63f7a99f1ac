package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
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

	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/profile/service"
)

const deadline = 10 * time.Second

// visibilityCheck is one question the profile service asked matching.
type visibilityCheck struct {
	req    *matchingv1.CheckProfileVisibilityRequest
	caller identity.Caller
}

// fakeMatching answers CheckProfileVisibility from a set of {profileID, firmID} pairs.
type fakeMatching struct {
	matchingv1.UnimplementedMatchingServiceServer
	mu      sync.Mutex
	visible map[[2]string]bool
	checks  []visibilityCheck
}

func (f *fakeMatching) CheckProfileVisibility(ctx context.Context, req *matchingv1.CheckProfileVisibilityRequest) (*matchingv1.CheckProfileVisibilityResponse, error) {
	caller, _ := identity.FromContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checks = append(f.checks, visibilityCheck{req: req, caller: caller})
	return &matchingv1.CheckProfileVisibilityResponse{Visible: f.visible[[2]string{req.GetProfileId(), req.GetFirmId()}]}, nil
}

func (f *fakeMatching) shortlist(profileID, firmID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.visible[[2]string{profileID, firmID}] = true
}

func (f *fakeMatching) asked() []visibilityCheck {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]visibilityCheck(nil), f.checks...)
}

// startMatching serves the fake matching service on a real listener until the test ends.
func startMatching(t *testing.T) (*fakeMatching, string) {
	t.Helper()
	fake := &fakeMatching{visible: map[[2]string]bool{}}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := rpc.NewServer(noop.NewTracerProvider(), slog.New(slog.DiscardHandler))
	matchingv1.RegisterMatchingServiceServer(srv.GRPC, fake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fake matching stopped with %v", err)
		}
	})
	return fake, lis.Addr().String()
}

type harness struct {
	js       jetstream.JetStream
	client   profilev1.ProfileServiceClient
	matching *fakeMatching
	logs     *eventbustest.SyncBuffer
	dataDir  string
	// stop cancels Run and returns its result.
	stop func() error
}

// start runs the service against an embedded NATS server, a real gRPC listener, a fake
// matching service and a SQLite database.
func start(t *testing.T) *harness {
	t.Helper()
	return startOn(t, "")
}

// startOn is start with the database at databaseURL; empty is SQLite under the data directory.
func startOn(t *testing.T, databaseURL string) *harness {
	t.Helper()
	js := eventbustest.Start(t).JS
	matching, matchingAddr := startMatching(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &eventbustest.SyncBuffer{}
	dataDir := t.TempDir()
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- service.Run(runCtx, servicehost.Host{
			Name: service.Name, DataDir: dataDir, JetStream: js,
			TracerProvider: noop.NewTracerProvider(),
			Logger:         slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Listener:       lis,
		}, service.Config{MatchingAddr: matchingAddr, ShutdownGrace: time.Second, DatabaseURL: databaseURL})
	}()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(deadline):
				runErr = errors.New("service did not stop")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("service stopped with %v", err)
		}
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &harness{js: js, client: profilev1.NewProfileServiceClient(conn), matching: matching, logs: logs, dataDir: dataDir, stop: stop}
}

// create registers createRequest's profile as caller, and returns it; it must succeed.
func (h *harness) create(t *testing.T, caller context.Context) *profilev1.Profile {
	t.Helper()
	created, err := h.client.CreateProfile(caller, createRequest())
	if err != nil {
		t.Fatal(err)
	}
	return created.GetProfile()
}

// read is profile id as caller reads it; the read must succeed.
func (h *harness) read(t *testing.T, caller context.Context, id string) *profilev1.Profile {
	t.Helper()
	got, err := h.client.GetProfile(caller, &profilev1.GetProfileRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return got.GetProfile()
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

func createRequest() *profilev1.CreateProfileRequest {
	return &profilev1.CreateProfileRequest{
		DisplayName:     "Claire Martin",
		Email:           "claire.martin@example.org",
		Headline:        "Former CTO, led two AI transformations in pharma",
		Sectors:         []string{"C21", "R86"},
		Skills:          []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 5, Years: 12}, {Id: "mlops", Level: 3}},
		YearsExperience: 18,
		Languages:       []string{"fr", "en"},
		Location:        &taxonomyv1.Location{Country: "FR", City: "Lyon"},
		WorkMode:        taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		DailyRateEur:    1400,
		AvailableFrom:   "2027-01-04",
		PastMissions: []*profilev1.PastMission{
			{Sector: "C21", MissionType: missionv1.MissionType_MISSION_TYPE_TRANSFORMATION_LAUNCH, Months: 14, Year: 2025},
			{Sector: "K", MissionType: missionv1.MissionType_MISSION_TYPE_RISK_AND_COMPLIANCE, Months: 9, Year: 2022},
		},
		Certifications:    []string{" ISO/IEC 42001 Lead Implementer ", "Certified Data Protection Officer"},
		NoticePeriodDays:  30,
		MobilityCountries: []string{"BE", "CH"},
		Bookings: []*profilev1.Booking{
			{StartDate: "2027-03-01", EndDate: "2027-03-14"},
			{StartDate: "2027-08-01", EndDate: "2027-08-31"},
		},
	}
}

// wantNewFacts checks the matching facts added with skill years, past missions, notice, mobility,
// bookings and the profiling opt-out against the request they came from.
func wantNewFacts(t *testing.T, f *profilev1.MatchingFacts, req *profilev1.CreateProfileRequest) {
	t.Helper()
	if len(f.GetSkills()) != len(req.GetSkills()) {
		t.Fatalf("facts skills %v", f.GetSkills())
	}
	for i, s := range req.GetSkills() {
		if !proto.Equal(f.GetSkills()[i], s) {
			t.Errorf("facts skill %d = %v, want %v", i, f.GetSkills()[i], s)
		}
	}
	if len(f.GetPastMissions()) != len(req.GetPastMissions()) {
		t.Fatalf("facts past missions %v", f.GetPastMissions())
	}
	for i, m := range req.GetPastMissions() {
		if !proto.Equal(f.GetPastMissions()[i], m) {
			t.Errorf("facts past mission %d = %v, want %v", i, f.GetPastMissions()[i], m)
		}
	}
	if len(f.GetBookings()) != len(req.GetBookings()) {
		t.Fatalf("facts bookings %v", f.GetBookings())
	}
	for i, b := range req.GetBookings() {
		if !proto.Equal(f.GetBookings()[i], b) {
			t.Errorf("facts booking %d = %v, want %v", i, f.GetBookings()[i], b)
		}
	}
	if f.GetNoticePeriodDays() != req.GetNoticePeriodDays() || f.GetProfilingOptOut() != req.GetProfilingOptOut() ||
		!slices.Equal(f.GetMobilityCountries(), req.GetMobilityCountries()) {
		t.Errorf("facts %v", f)
	}
}

func replaceRequest(id string) *profilev1.ReplaceProfileRequest {
	c := createRequest()
	return &profilev1.ReplaceProfileRequest{
		Id: id, DisplayName: c.DisplayName, Email: "claire@example.com", Headline: c.Headline,
		Sectors: []string{"C21"}, Skills: []*profilev1.SkillLevel{{Id: "gdpr", Level: 2}},
		YearsExperience: 19, Languages: c.Languages, Location: &taxonomyv1.Location{Country: "BE", City: "Gent"},
		WorkMode: taxonomyv1.WorkMode_WORK_MODE_REMOTE, DailyRateEur: 1500, AvailableFrom: "2027-02-01",
		NoticePeriodDays: 90, MobilityCountries: []string{"NL"}, ProfilingOptOut: true,
	}
}

func wantCode(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || rpc.Reason(err) != reason {
		t.Fatalf("err = %v (reason %q), want %s %s", err, rpc.Reason(err), code, reason)
	}
}

func TestProfileLifecycleOverGRPCAndJetStream(t *testing.T) {
	h := start(t)
	owner := as("cons-1", "CONSULTANT")

	p := h.create(t, owner)
	if p.GetId() == "" || p.GetAccountId() != "cons-1" || p.GetEmail() != "claire.martin@example.org" ||
		p.GetAvailableFrom() != "2027-01-04" || p.GetWorkMode() != taxonomyv1.WorkMode_WORK_MODE_HYBRID ||
		len(p.GetSkills()) != 2 || p.GetLocation().GetCity() != "Lyon" || p.GetCreatedAt() == nil {
		t.Fatalf("created %v", p)
	}
	if p.GetSkills()[0].GetYears() != 12 || len(p.GetPastMissions()) != 2 || p.GetNoticePeriodDays() != 30 ||
		!slices.Equal(p.GetCertifications(), []string{"ISO/IEC 42001 Lead Implementer", "Certified Data Protection Officer"}) ||
		!slices.Equal(p.GetMobilityCountries(), []string{"BE", "CH"}) || len(p.GetBookings()) != 2 ||
		p.GetBookings()[1].GetEndDate() != "2027-08-31" || p.GetProfilingOptOut() {
		t.Fatalf("created %v", p)
	}
	id := p.GetId()

	// The owner and an operator read it all.
	for _, ctx := range []context.Context{owner, as("op-1", "OPERATOR")} {
		got, err := h.client.GetProfile(ctx, &profilev1.GetProfileRequest{Id: id})
		if err != nil || !proto.Equal(got.GetProfile(), p) {
			t.Fatalf("read %v, %v; want %v", got.GetProfile(), err, p)
		}
	}
	// Another consultant, a firm that did not shortlist it and an anonymous caller do not.
	_, err := h.client.GetProfile(as("cons-2", "CONSULTANT"), &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	_, err = h.client.GetProfile(as("firm-1", "FIRM"), &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	_, err = h.client.GetProfile(context.Background(), &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.Unauthenticated, "UNAUTHENTICATED")

	// Once matching says the firm shortlisted it, the firm sees it without the email.
	h.matching.shortlist(id, "firm-1")
	seen := h.read(t, as("firm-1", "FIRM"), id)
	want := proto.Clone(p).(*profilev1.Profile)
	want.Email = ""
	if !proto.Equal(seen, want) {
		t.Fatalf("firm reads %v\nwant %v", seen, want)
	}
	// Another firm still does not.
	_, err = h.client.GetProfile(as("firm-2", "FIRM"), &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	checks := h.matching.asked()
	if len(checks) != 3 {
		t.Fatalf("matching asked %d times, want 3", len(checks))
	}
	for i, firm := range []string{"firm-1", "firm-1", "firm-2"} {
		c := checks[i]
		if c.req.GetProfileId() != id || c.req.GetFirmId() != firm ||
			c.caller != (identity.Caller{AccountID: firm, Role: identity.RoleFirm}) {
			t.Fatalf("matching asked %v as %+v, want about %s for %s", c.req, c.caller, id, firm)
		}
	}

	// Only the owner replaces it.
	_, err = h.client.ReplaceProfile(as("cons-2", "CONSULTANT"), replaceRequest(id))
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	_, err = h.client.ReplaceProfile(as("firm-1", "FIRM"), replaceRequest(id))
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")
	replaced, err := h.client.ReplaceProfile(owner, replaceRequest(id))
	if err != nil {
		t.Fatal(err)
	}
	r := replaced.GetProfile()
	if r.GetId() != id || r.GetEmail() != "claire@example.com" || r.GetDailyRateEur() != 1500 ||
		r.GetLocation().GetCountry() != "BE" || !r.GetCreatedAt().AsTime().Equal(p.GetCreatedAt().AsTime()) ||
		!r.GetUpdatedAt().AsTime().After(p.GetUpdatedAt().AsTime()) {
		t.Fatalf("replaced %v", r)
	}
	// Replacing replaces every field: what the request leaves out is gone.
	if len(r.GetPastMissions())+len(r.GetCertifications())+len(r.GetBookings()) != 0 || r.GetNoticePeriodDays() != 90 ||
		!slices.Equal(r.GetMobilityCountries(), []string{"NL"}) || !r.GetProfilingOptOut() || r.GetSkills()[0].GetYears() != 0 {
		t.Fatalf("replaced %v", r)
	}

	// The two facts land on the PROFILE stream in commit order (checked below).
	eventually(t, "two events on the PROFILE stream", func() bool {
		return len(h.streamEvents(t, "PROFILE")) >= 2
	})
	beforeErasure := h.streamEvents(t, "PROFILE")

	// Only the owner or an operator erases it.
	_, err = h.client.DeleteProfile(as("cons-2", "CONSULTANT"), &profilev1.DeleteProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	_, err = h.client.DeleteProfile(as("firm-1", "FIRM"), &profilev1.DeleteProfileRequest{Id: id})
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")
	if _, err := h.client.DeleteProfile(owner, &profilev1.DeleteProfileRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.GetProfile(owner, &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	_, err = h.client.DeleteProfile(as("op-1", "OPERATOR"), &profilev1.DeleteProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")

	// The erasure leaves itself alone on the stream: the person's earlier events are erased.
	// (The stream's count first: reading it while the erasure deletes would see a message vanish.)
	eventually(t, "the erasure alone on the PROFILE stream", func() bool {
		s, err := h.js.Stream(context.Background(), "PROFILE")
		if err != nil {
			return false
		}
		info, err := s.Info(context.Background())
		return err == nil && info.State.Msgs == 1
	})
	if got := h.streamEvents(t, "PROFILE"); len(got) != 1 || got[0].Envelope.GetType() != "ProfileErased" {
		t.Fatalf("the PROFILE stream after the erasure: %d events", len(got))
	}
	// Each fact was deduplicated by its event id.
	events := append(beforeErasure, h.streamEvents(t, "PROFILE")...)
	var types []string
	ids := map[string]bool{}
	for _, e := range events {
		types = append(types, e.Envelope.GetType())
		if e.MsgID == "" || e.MsgID != e.Envelope.GetEventId() {
			t.Errorf("%s: Nats-Msg-Id %q, event id %q", e.Envelope.GetType(), e.MsgID, e.Envelope.GetEventId())
		}
		if ids[e.Envelope.GetEventId()] {
			t.Errorf("event id %s published twice", e.Envelope.GetEventId())
		}
		ids[e.Envelope.GetEventId()] = true
		if e.Envelope.GetAggregateId() != id || e.Envelope.GetProducer() != "profile" ||
			e.Subject != "caiomatch.profile.v1."+e.Envelope.GetType()+"."+id {
			t.Errorf("envelope %v on %s", e.Envelope, e.Subject)
		}
		for _, secret := range []string{"Claire", "claire", "Former CTO", "Lyon", "Gent", "42001", "Data Protection Officer"} {
			if bytes.Contains(e.Data, []byte(secret)) {
				t.Errorf("%s carries %q", e.Envelope.GetType(), secret)
			}
		}
	}
	if got := strings.Join(types, ","); got != "ProfileRegistered,ProfileUpdated,ProfileErased" {
		t.Fatalf("PROFILE stream: %s", got)
	}
	if reg := events[0].Payload.(*profilev1.ProfileRegistered).GetFacts(); reg.GetProfileId() != id ||
		reg.GetAccountId() != "cons-1" || reg.GetDailyRateEur() != 1400 || reg.GetCountry() != "FR" ||
		reg.GetAvailableFrom() != "2027-01-04" || len(reg.GetSkills()) != 2 {
		t.Errorf("registered facts %v", reg)
	}
	wantNewFacts(t, events[0].Payload.(*profilev1.ProfileRegistered).GetFacts(), createRequest())
	if upd := events[1].Payload.(*profilev1.ProfileUpdated).GetFacts(); upd.GetProfileId() != id ||
		upd.GetDailyRateEur() != 1500 || upd.GetCountry() != "BE" || upd.GetWorkMode() != taxonomyv1.WorkMode_WORK_MODE_REMOTE ||
		upd.GetAvailableFrom() != "2027-02-01" || len(upd.GetSkills()) != 1 {
		t.Errorf("updated facts %v", upd)
	}
	if upd := events[1].Payload.(*profilev1.ProfileUpdated).GetFacts(); len(upd.GetPastMissions())+len(upd.GetBookings()) != 0 ||
		upd.GetNoticePeriodDays() != 90 || !slices.Equal(upd.GetMobilityCountries(), []string{"NL"}) || !upd.GetProfilingOptOut() {
		t.Errorf("updated facts %v", upd)
	}
	if erased := events[2].Payload.(*profilev1.ProfileErased); erased.GetProfileId() != id || erased.GetAccountId() != "cons-1" {
		t.Errorf("erased %v", erased)
	}
	// Nothing else was published, on this stream or another.
	time.Sleep(100 * time.Millisecond)
	if n := len(h.streamEvents(t, "PROFILE")); n != 1 {
		t.Fatalf("%d events on PROFILE, want 1", n)
	}
	for _, stream := range []string{"MISSION", "MATCHING"} {
		if n := len(h.streamEvents(t, stream)); n != 0 {
			t.Errorf("%d events on %s", n, stream)
		}
	}

	// Logs never carry the consultant's personal data.
	logs := h.logs.String()
	for _, secret := range []string{"claire", "Claire", "Lyon"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs leak %q:\n%s", secret, logs)
		}
	}
}

func TestBadInputIsRefusedAndPublishesNothing(t *testing.T) {
	h := start(t)
	owner := as("cons-1", "CONSULTANT")

	bad := createRequest()
	bad.Skills[1].Level = 6
	bad.DailyRateEur = -5
	bad.Location = nil
	bad.PastMissions[0].Months = 0
	bad.Bookings = append(bad.Bookings, &profilev1.Booking{StartDate: "2027-09-01", EndDate: "2027-09-30", MissionId: "m-1"})
	_, err := h.client.CreateProfile(owner, bad)
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	if got := strings.Join(rpc.ViolatedFields(err), ","); got != "skills[1].level,location.country,dailyRateEur,pastMissions[0].months,bookings[2].missionId" {
		t.Fatalf("field violations %s", got)
	}

	other := createRequest()
	other.AccountId = "cons-2"
	_, err = h.client.CreateProfile(owner, other)
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	if got := strings.Join(rpc.ViolatedFields(err), ","); got != "accountId" {
		t.Fatalf("field violations %s", got)
	}
	_, err = h.client.CreateProfile(as("op-1", "OPERATOR"), createRequest())
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	if got := strings.Join(rpc.ViolatedFields(err), ","); got != "accountId" {
		t.Fatalf("field violations %s", got)
	}
	_, err = h.client.CreateProfile(as("firm-1", "FIRM"), createRequest())
	wantCode(t, err, codes.PermissionDenied, "ROLE_NOT_ALLOWED")
	_, err = h.client.CreateProfile(context.Background(), createRequest())
	wantCode(t, err, codes.Unauthenticated, "UNAUTHENTICATED")
	_, err = h.client.CreateProfile(as("cons-1", "ROBOT"), createRequest())
	wantCode(t, err, codes.Unauthenticated, "UNAUTHENTICATED")

	// A valid create, then invalid replacements and refused deletes of it.
	created := h.create(t, owner)
	id := created.GetId()
	_, err = h.client.CreateProfile(owner, createRequest())
	wantCode(t, err, codes.AlreadyExists, "PROFILE_ALREADY_EXISTS")
	badReplace := replaceRequest(id)
	badReplace.AvailableFrom = "01/02/2027"
	badReplace.Email = ""
	_, err = h.client.ReplaceProfile(owner, badReplace)
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	if got := strings.Join(rpc.ViolatedFields(err), ","); got != "email,availableFrom" {
		t.Fatalf("field violations %s", got)
	}
	_, err = h.client.DeleteProfile(as("cons-2", "CONSULTANT"), &profilev1.DeleteProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")

	// The relay publishes in commit order, so once the valid create is out, anything a refused
	// request had stored would be out too. Give it a moment to show up after it as well.
	eventually(t, "ProfileRegistered on the PROFILE stream", func() bool {
		return len(h.streamEvents(t, "PROFILE")) >= 1
	})
	time.Sleep(200 * time.Millisecond)
	events := h.streamEvents(t, "PROFILE")
	if len(events) != 1 || events[0].Envelope.GetType() != "ProfileRegistered" || events[0].Envelope.GetAggregateId() != id {
		var types []string
		for _, e := range events {
			types = append(types, e.Envelope.GetType())
		}
		t.Fatalf("PROFILE stream holds %v, want only the ProfileRegistered of %s", types, id)
	}
	if got := h.read(t, owner, id); !proto.Equal(got, created) {
		t.Fatalf("profile after refused requests: %v", got)
	}
}

func TestStopsCleanlyWhenCancelled(t *testing.T) {
	h := start(t)
	h.create(t, as("cons-1", "CONSULTANT"))
	eventually(t, "ProfileRegistered on the PROFILE stream", func() bool {
		return len(h.streamEvents(t, "PROFILE")) == 1
	})
	if err := h.stop(); err != nil {
		t.Fatalf("Run returned %v after cancellation", err)
	}
	// The listener is closed: nothing answers any more.
	ctx, cancel := context.WithTimeout(as("cons-1", "CONSULTANT"), 2*time.Second)
	defer cancel()
	_, err := h.client.GetProfile(ctx, &profilev1.GetProfileRequest{Id: "x"})
	if c := status.Code(err); c != codes.Unavailable && c != codes.DeadlineExceeded {
		t.Fatalf("call after stop: %v", err)
	}
}
