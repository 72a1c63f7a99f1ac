package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/mission/domain"
	"github.com/caiomatch/caiomatch/services/mission/service"
)

// fakeProfileService is the profile service as the mission service sees it: it shows a firm
// the profiles it was told are on that firm's shortlists, and remembers who asked.
type fakeProfileService struct {
	profilev1.UnimplementedProfileServiceServer
	addr string

	mu       sync.Mutex
	accounts map[string]string // profile id → account id
	visible  map[string]string // profile id → firm that may see it
	asked    []string
}

func startProfileService(t *testing.T) *fakeProfileService {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeProfileService{addr: lis.Addr().String(), accounts: map[string]string{}, visible: map[string]string{}}
	server := rpc.NewServer(noop.NewTracerProvider(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	profilev1.RegisterProfileServiceServer(server.GRPC, f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, lis, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("profile service: %v", err)
		}
	})
	return f
}

// shortlist records that profileID, owned by accountID, is on one of firmID's shortlists.
func (f *fakeProfileService) shortlist(profileID, accountID, firmID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[profileID] = accountID
	f.visible[profileID] = firmID
}

func (f *fakeProfileService) questions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.asked)
}

func (f *fakeProfileService) GetProfile(ctx context.Context, req *profilev1.GetProfileRequest) (*profilev1.GetProfileResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	caller, _ := identity.FromContext(ctx)
	f.asked = append(f.asked, fmt.Sprintf("%s %s %s", caller.Role, caller.AccountID, req.GetId()))
	account, ok := f.accounts[req.GetId()]
	if !ok || caller.Role != identity.RoleFirm || f.visible[req.GetId()] != caller.AccountID {
		return nil, fault.NotFound("PROFILE_NOT_FOUND", "profile %s not found", req.GetId())
	}
	return &profilev1.GetProfileResponse{Profile: &profilev1.Profile{
		Id: req.GetId(), AccountId: account, DisplayName: "Claire Martin", Headline: "Transition CAIO", DailyRateEur: 1000,
	}}, nil
}

// publishShortlist publishes a ShortlistProposed of the mission, as matching does.
func (h *harness) publishShortlist(t *testing.T, missionID string, revision int64, ids ...string) {
	t.Helper()
	sp := &matchingv1.ShortlistProposed{MissionId: missionID, FirmId: "firm-1", Revision: revision,
		ScoringVersion: "caio-2026-11", EligibleCount: int32(len(ids) + 5)}
	for i, id := range ids {
		sp.Candidates = append(sp.Candidates, &matchingv1.Candidate{ProfileId: id, Rank: int32(i + 1), Score: 0.9 - float64(i)/10,
			Explanation: &matchingv1.Explanation{
				Components:    []*matchingv1.ScoreComponent{{Name: "skills", Weight: 0.4, Value: 0.8, Detail: "4 of 5 skills"}},
				MatchedSkills: []string{"ai-strategy"}, MissingSkills: []string{"mlops"},
			}})
	}
	ev, err := eventbus.NewEvent(eventbus.ProducerMatching, missionID, sp, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.js.Publish(context.Background(), ev.Subject, ev.Data); err != nil {
		t.Fatal(err)
	}
}

// shortlistedMission creates a mission of firm-1 and waits for its shortlist of ids.
func (h *harness) shortlistedMission(t *testing.T, ids ...string) *missionv1.Mission {
	t.Helper()
	created, err := h.client.CreateMission(as("firm-1", "FIRM"), createRequest())
	if err != nil {
		t.Fatal(err)
	}
	m := created.GetMission()
	h.publishShortlist(t, m.GetId(), 1, ids...)
	eventually(t, "the mission to be SHORTLISTED", func() bool {
		return h.missionStatus(t, m.GetId()) == missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED
	})
	return m
}

// story lists the MISSION stream's events of one mission as "Type detail" lines.
func (h *harness) story(t *testing.T, missionID string) []string {
	t.Helper()
	var out []string
	for _, e := range h.streamEvents(t, "MISSION") {
		if e.Envelope.GetAggregateId() != missionID {
			continue
		}
		line := e.Envelope.GetType()
		switch p := e.Payload.(type) {
		case *missionv1.MissionUpdated:
			line += " " + strings.TrimPrefix(p.GetStatus().String(), "MISSION_STATUS_")
		case interface{ GetOffer() *missionv1.Offer }:
			o := p.GetOffer()
			line += fmt.Sprintf(" %s %s", o.GetProfileId(), strings.TrimPrefix(o.GetStatus().String(), "OFFER_STATUS_"))
			if o.GetDeclineReason() != "" {
				line += " reason=" + o.GetDeclineReason()
			}
		}
		out = append(out, line)
	}
	return out
}

func (h *harness) waitStory(t *testing.T, missionID string, want ...string) {
	t.Helper()
	eventually(t, "the MISSION stream to tell "+strings.Join(want, ", "), func() bool {
		return slices.Equal(h.story(t, missionID), want)
	})
}

// trail lists the mission's decisions as "KIND ROLE account profile" lines, asked as the firm.
func (h *harness) trail(t *testing.T, missionID string) []string {
	t.Helper()
	resp, err := h.client.ListDecisions(as("firm-1", "FIRM"), &missionv1.ListDecisionsRequest{MissionId: missionID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, d := range resp.GetDecisions() {
		if d.GetSequence() != int64(i+1) {
			t.Fatalf("decision %d has sequence %d", i, d.GetSequence())
		}
		line := strings.TrimPrefix(d.GetKind().String(), "DECISION_KIND_") + " " + d.GetActorRole()
		for _, part := range []string{d.GetActorAccountId(), d.GetProfileId()} {
			if part != "" {
				line += " " + part
			}
		}
		if d.GetReason() != "" {
			line += " reason=" + d.GetReason()
		}
		out = append(out, line)
	}
	return out
}

func TestOfferAcceptedOverGRPCAndJetStream(t *testing.T) {
	h := start(t)
	firm := as("firm-1", "FIRM")
	cons := as("cons-1", "CONSULTANT")
	m := h.shortlistedMission(t, "p1", "p2")
	h.profiles.shortlist("p1", "cons-1", "firm-1")

	made, err := h.client.MakeOffer(firm, &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	o := made.GetOffer()
	if o.GetStatus() != missionv1.OfferStatus_OFFER_STATUS_PENDING || o.GetMissionId() != m.GetId() || o.GetProfileId() != "p1" ||
		o.GetFirmId() != "firm-1" || o.GetStartDate() != m.GetStartDate() || o.GetEndDate() != m.GetEndDate() ||
		o.GetExpiresAt().AsTime().Sub(o.GetCreatedAt().AsTime()) != 72*time.Hour || o.GetAnsweredAt() != nil {
		t.Fatalf("offer %v", o)
	}
	// The profile service was asked on behalf of the firm.
	if q := h.profiles.questions(); !slices.Equal(q, []string{"FIRM firm-1 p1"}) {
		t.Fatalf("profile service asked %v", q)
	}
	if got := h.missionStatus(t, m.GetId()); got != missionv1.MissionStatus_MISSION_STATUS_OFFERED {
		t.Fatalf("mission %s", got)
	}
	listed, err := h.client.ListOffers(cons, &missionv1.ListOffersRequest{})
	if err != nil || len(listed.GetOffers()) != 1 || listed.GetOffers()[0].GetId() != o.GetId() {
		t.Fatalf("consultant lists %v (%v)", listed, err)
	}
	if other, err := h.client.ListOffers(as("cons-2", "CONSULTANT"), &missionv1.ListOffersRequest{}); err != nil || len(other.GetOffers()) != 0 {
		t.Fatalf("another consultant lists %v (%v)", other, err)
	}
	// The firm lists the offers on its missions; the status filter keeps the pending ones.
	if mine, err := h.client.ListOffers(firm, &missionv1.ListOffersRequest{Status: missionv1.OfferStatus_OFFER_STATUS_PENDING}); err != nil ||
		len(mine.GetOffers()) != 1 || mine.GetOffers()[0].GetId() != o.GetId() {
		t.Fatalf("firm lists %v (%v)", mine, err)
	}
	if none, err := h.client.ListOffers(firm, &missionv1.ListOffersRequest{Status: missionv1.OfferStatus_OFFER_STATUS_ACCEPTED}); err != nil ||
		len(none.GetOffers()) != 0 {
		t.Fatalf("firm lists accepted %v (%v)", none, err)
	}
	_, err = h.client.AcceptOffer(as("cons-2", "CONSULTANT"), &missionv1.AcceptOfferRequest{Id: o.GetId()})
	wantCode(t, err, codes.NotFound, "OFFER_NOT_FOUND")
	_, err = h.client.AcceptOffer(firm, &missionv1.AcceptOfferRequest{Id: o.GetId()})
	wantCode(t, err, codes.NotFound, "OFFER_NOT_FOUND")

	accepted, err := h.client.AcceptOffer(cons, &missionv1.AcceptOfferRequest{Id: o.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if accepted.GetOffer().GetStatus() != missionv1.OfferStatus_OFFER_STATUS_ACCEPTED || accepted.GetOffer().GetAnsweredAt() == nil {
		t.Fatalf("accepted %v", accepted.GetOffer())
	}
	_, err = h.client.AcceptOffer(cons, &missionv1.AcceptOfferRequest{Id: o.GetId()})
	wantCode(t, err, codes.FailedPrecondition, "OFFER_NOT_PENDING")

	h.waitStory(t, m.GetId(),
		"MissionSubmitted",
		"MissionUpdated SHORTLISTED",
		"OfferMade p1 PENDING",
		"MissionUpdated OFFERED",
		"OfferAccepted p1 ACCEPTED",
		"MissionUpdated STAFFED",
	)
	// OfferAccepted books the consultant for the mission window.
	for _, e := range h.streamEvents(t, "MISSION") {
		if acc, ok := e.Payload.(*missionv1.OfferAccepted); ok {
			start, _ := dates.Parse(m.GetStartDate())
			if acc.GetOffer().GetStartDate() != m.GetStartDate() || acc.GetOffer().GetEndDate() != dates.Format(dates.MissionEnd(start, 12)) ||
				e.Envelope.GetProducer() != eventbus.ProducerMission {
				t.Fatalf("OfferAccepted %v", acc)
			}
		}
	}
	if got := h.trail(t, m.GetId()); !slices.Equal(got, []string{
		"MISSION_SUBMITTED FIRM firm-1",
		"SHORTLIST_PROPOSED SYSTEM",
		"OFFER_MADE FIRM firm-1 p1",
		"OFFER_ACCEPTED CONSULTANT cons-1 p1",
		"MISSION_STAFFED CONSULTANT cons-1 p1",
	}) {
		t.Fatalf("trail:\n%s", strings.Join(got, "\n"))
	}
	// The proposal is in the trail as matching made it; operators see the trail too.
	resp, err := h.client.ListDecisions(as("op-1", "OPERATOR"), &missionv1.ListDecisionsRequest{MissionId: m.GetId()})
	if err != nil || resp.GetMissionId() != m.GetId() {
		t.Fatalf("operator: %v %v", resp, err)
	}
	p := resp.GetDecisions()[1]
	if p.GetShortlistRevision() != 1 || p.GetScoringVersion() != "caio-2026-11" || p.GetEligibleCount() != 7 || len(p.GetCandidates()) != 2 ||
		p.GetCandidates()[0].GetExplanation().GetComponents()[0].GetDetail() != "4 of 5 skills" {
		t.Fatalf("proposal %v", p)
	}
	_, err = h.client.ListDecisions(as("firm-2", "FIRM"), &missionv1.ListDecisionsRequest{MissionId: m.GetId()})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")
	_, err = h.client.ListDecisions(cons, &missionv1.ListDecisionsRequest{MissionId: m.GetId()})
	wantCode(t, err, codes.NotFound, "MISSION_NOT_FOUND")

	// A staffed mission may still be cancelled; MissionCancelled frees the consultant.
	if _, err := h.client.CancelMission(firm, &missionv1.CancelMissionRequest{Id: m.GetId()}); err != nil {
		t.Fatal(err)
	}
}

func TestOfferDeclinedThenExpiredOverGRPCAndJetStream(t *testing.T) {
	h := start(t, func(c *service.Config) { c.OfferTTL, c.ExpiryInterval = 1500*time.Millisecond, 50*time.Millisecond })
	firm := as("firm-1", "FIRM")
	m := h.shortlistedMission(t, "p1", "p2")
	h.profiles.shortlist("p1", "cons-1", "firm-1")
	h.profiles.shortlist("p2", "cons-2", "firm-1")

	first, err := h.client.MakeOffer(firm, &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.client.MakeOffer(firm, &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p2"})
	wantCode(t, err, codes.FailedPrecondition, "OFFER_ALREADY_PENDING")
	_, err = h.client.DeclineOffer(as("cons-1", "CONSULTANT"), &missionv1.DeclineOfferRequest{Id: first.GetOffer().GetId(), Reason: "  "})
	wantCode(t, err, codes.InvalidArgument, "INVALID_ARGUMENT")
	if br := rpc.ViolatedFields(err); !slices.Equal(br, []string{"reason"}) {
		t.Fatalf("field violations %v", br)
	}
	declined, err := h.client.DeclineOffer(as("cons-1", "CONSULTANT"), &missionv1.DeclineOfferRequest{
		Id: first.GetOffer().GetId(), Reason: "Committed until next spring."})
	if err != nil || declined.GetOffer().GetDeclineReason() != "Committed until next spring." {
		t.Fatalf("declined %v (%v)", declined, err)
	}
	_, err = h.client.MakeOffer(firm, &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p1"})
	wantCode(t, err, codes.FailedPrecondition, "NOT_ON_SHORTLIST")

	second, err := h.client.MakeOffer(firm, &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p2"})
	if err != nil {
		t.Fatal(err)
	}
	// Nobody answers: the expiry loop expires it.
	h.waitStory(t, m.GetId(),
		"MissionSubmitted",
		"MissionUpdated SHORTLISTED",
		"OfferMade p1 PENDING",
		"MissionUpdated OFFERED",
		"OfferDeclined p1 DECLINED", // the reason stays in the mission service
		"MissionUpdated SHORTLISTED",
		"OfferMade p2 PENDING",
		"MissionUpdated OFFERED",
		"OfferExpired p2 EXPIRED",
		"MissionUpdated SHORTLISTED",
	)
	_, err = h.client.AcceptOffer(as("cons-2", "CONSULTANT"), &missionv1.AcceptOfferRequest{Id: second.GetOffer().GetId()})
	wantCode(t, err, codes.FailedPrecondition, "OFFER_EXPIRED")
	if got := h.trail(t, m.GetId()); !slices.Equal(got, []string{
		"MISSION_SUBMITTED FIRM firm-1",
		"SHORTLIST_PROPOSED SYSTEM",
		"OFFER_MADE FIRM firm-1 p1",
		"OFFER_DECLINED CONSULTANT cons-1 p1 reason=Committed until next spring.",
		"OFFER_MADE FIRM firm-1 p2",
		"OFFER_EXPIRED SYSTEM p2",
	}) {
		t.Fatalf("trail:\n%s", strings.Join(got, "\n"))
	}
	// Matching's fresh shortlist is taken in.
	h.publishShortlist(t, m.GetId(), 2, "p3")
	eventually(t, "the fresh shortlist in the trail", func() bool { return len(h.trail(t, m.GetId())) == 7 })
}

func TestProfileErasedIsPseudonymised(t *testing.T) {
	h := start(t)
	m := h.shortlistedMission(t, "p1", "p2")
	h.profiles.shortlist("p1", "cons-1", "firm-1")
	offer, err := h.client.MakeOffer(as("firm-1", "FIRM"), &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	erased, err := eventbus.NewEvent(eventbus.ProducerProfile, "p1", &profilev1.ProfileErased{ProfileId: "p1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second delivery is recognised as a duplicate
		if _, err := h.js.Publish(context.Background(), erased.Subject, erased.Data); err != nil {
			t.Fatal(err)
		}
	}
	pseudonym := domain.Pseudonym([]byte("component-test-key"), "p1")
	eventually(t, "the erased profile to be pseudonymised", func() bool {
		return slices.Contains(h.trail(t, m.GetId()), "OFFER_WITHDRAWN SYSTEM "+pseudonym)
	})
	eventually(t, "the duplicate erasure", func() bool { return strings.Contains(h.logs.String(), "erasure already processed") })
	got := h.trail(t, m.GetId())
	if !slices.Equal(got, []string{
		"MISSION_SUBMITTED FIRM firm-1",
		"SHORTLIST_PROPOSED SYSTEM",
		"OFFER_MADE FIRM firm-1 " + pseudonym,
		"OFFER_WITHDRAWN SYSTEM " + pseudonym,
	}) {
		t.Fatalf("trail:\n%s", strings.Join(got, "\n"))
	}
	resp, _ := h.client.ListDecisions(as("firm-1", "FIRM"), &missionv1.ListDecisionsRequest{MissionId: m.GetId()})
	c := resp.GetDecisions()[1].GetCandidates()
	if c[0].GetProfileId() != pseudonym || c[0].GetExplanation() != nil || c[0].GetRank() != 1 || c[0].GetScore() != 0.9 ||
		c[1].GetProfileId() != "p2" || c[1].GetExplanation() == nil {
		t.Fatalf("candidates after erasure %v", c)
	}
	offers, err := h.client.ListOffers(as("cons-1", "CONSULTANT"), &missionv1.ListOffersRequest{})
	if err != nil || len(offers.GetOffers()) != 1 || offers.GetOffers()[0].GetId() != offer.GetOffer().GetId() ||
		offers.GetOffers()[0].GetProfileId() != pseudonym || offers.GetOffers()[0].GetStatus() != missionv1.OfferStatus_OFFER_STATUS_WITHDRAWN {
		t.Fatalf("offers %v (%v)", offers, err)
	}
	if h.missionStatus(t, m.GetId()) != missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED {
		t.Fatal("the mission is not open to the other candidates again")
	}
	if strings.Contains(h.logs.String(), `"p1"`) {
		t.Errorf("logs name the erased profile:\n%s", h.logs.String())
	}
}

func TestOffersNeedTheProfileService(t *testing.T) {
	h := start(t, func(c *service.Config) { c.WithoutProfileService = true })
	m := h.shortlistedMission(t, "p1")
	_, err := h.client.MakeOffer(as("firm-1", "FIRM"), &missionv1.MakeOfferRequest{MissionId: m.GetId(), ProfileId: "p1"})
	wantCode(t, err, codes.Unavailable, "PROFILE_SERVICE_UNAVAILABLE")
	if !strings.Contains(h.logs.String(), "no profile service address") {
		t.Errorf("no warning at start:\n%s", h.logs.String())
	}
	// A profile the profile service does not show the firm cannot be offered.
	h2 := start(t)
	m2 := h2.shortlistedMission(t, "p1")
	_, err = h2.client.MakeOffer(as("firm-1", "FIRM"), &missionv1.MakeOfferRequest{MissionId: m2.GetId(), ProfileId: "p1"})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	if h2.missionStatus(t, m2.GetId()) != missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED {
		t.Fatal("a refused offer changed the mission")
	}
}

func TestLoadConfig(t *testing.T) {
	if cfg := service.LoadConfig(envconfig.FromMap(nil)); cfg != (service.Config{}) {
		t.Fatalf("nothing set: %+v, want the zero (default) Config", cfg)
	}
	env := envconfig.FromMap(map[string]string{
		"CAIOMATCH_MISSION_GRPC_ADDR":      "0.0.0.0:9102",
		"CAIOMATCH_MISSION_DATABASE_URL":   "postgres://mission@db:5432/mission",
		"CAIOMATCH_PROFILE_GRPC_ADDR":      "profile:9101",
		"CAIOMATCH_OFFER_TTL":              "36h",
		"CAIOMATCH_PSEUDONYM_KEY":          "s3cret-pseudonym-key",
		"CAIOMATCH_MISSION_SHUTDOWN_GRACE": "20s",
	})
	want := service.Config{GRPCAddr: "0.0.0.0:9102", DatabaseURL: "postgres://mission@db:5432/mission",
		ProfileAddr: "profile:9101", OfferTTL: 36 * time.Hour, PseudonymKey: "s3cret-pseudonym-key", ShutdownGrace: 20 * time.Second}
	if cfg := service.LoadConfig(env); cfg != want || env.Err() != nil {
		t.Fatalf("set %+v (%v), want %+v", cfg, env.Err(), want)
	}
	if got := (service.Config{}).ListenAddr(); got != "127.0.0.1:9102" {
		t.Errorf("default listen address %s", got)
	}
	// Every bad value is reported at once, naming its variable.
	bad := map[string]string{
		"CAIOMATCH_MISSION_GRPC_ADDR":      "nowhere",
		"CAIOMATCH_MISSION_DATABASE_URL":   "mysql://db/mission",
		"CAIOMATCH_PROFILE_GRPC_ADDR":      "profile",
		"CAIOMATCH_OFFER_TTL":              "3 days",
		"CAIOMATCH_MISSION_SHUTDOWN_GRACE": "-1s",
	}
	env = envconfig.FromMap(bad)
	service.LoadConfig(env)
	for name := range bad {
		if err := env.Err(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s not reported: %v", name, bad[name], err)
		}
	}
	for _, ttl := range []string{"3 days", "0s", "-1h"} {
		env := envconfig.FromMap(map[string]string{"CAIOMATCH_OFFER_TTL": ttl})
		if service.LoadConfig(env); env.Err() == nil {
			t.Errorf("CAIOMATCH_OFFER_TTL=%s accepted", ttl)
		}
	}
}
