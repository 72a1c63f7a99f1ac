package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/adapters/sqlite"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// fakeMissions is the mission service for missions matching has not heard of.
type fakeMissions struct {
	firms map[string]string // mission id → firm id
	asked []string
}

func (f *fakeMissions) FirmOfMission(_ context.Context, id string) (string, error) {
	f.asked = append(f.asked, id)
	if firm, ok := f.firms[id]; ok {
		return firm, nil
	}
	return "", fault.NotFound("MISSION_NOT_FOUND", "mission %s not found", id)
}

type harness struct {
	app      *app.Application
	missions *fakeMissions
	events   int
}

func newHarness(t *testing.T, shortlistSize int) *harness {
	t.Helper()
	ctx := t.Context()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "matching.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlstore.Migrate(ctx, db, sqlite.Migrations()...); err != nil {
		t.Fatal(err)
	}
	h := &harness{missions: &fakeMissions{firms: map[string]string{}}}
	h.app = app.New(sqlite.NewRepository(db, func() {}), h.missions, shortlistSize, time.Now,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	return h
}

func (h *harness) next() app.Delivery {
	h.events++
	return app.Delivery{Consumer: "test", EventID: fmt.Sprintf("event-%d", h.events)}
}

func (h *harness) putProfile(t *testing.T, p domain.Profile) {
	t.Helper()
	if err := h.app.PutProfile(t.Context(), h.next(), p, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) submit(t *testing.T, m domain.Mission) {
	t.Helper()
	if err := h.app.SubmitMission(t.Context(), h.next(), m); err != nil {
		t.Fatal(err)
	}
}

var operator = identity.Caller{AccountID: "op-1", Role: identity.RoleOperator}

func (h *harness) shortlist(t *testing.T, missionID string) app.ShortlistView {
	t.Helper()
	v, err := h.app.GetShortlist(t.Context(), operator, missionID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (h *harness) visible(t *testing.T, profileID, firmID string) bool {
	t.Helper()
	v, err := h.app.CheckProfileVisibility(t.Context(), profileID, firmID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

func mission(id, firmID string) domain.Mission {
	return domain.Mission{
		ID: id, FirmID: firmID, Sector: "C21",
		RequiredSkills: []string{"ai-strategy"}, NiceToHaveSkills: []string{"mlops"},
		StartDate: day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500, Languages: []string{"fr"},
		MinYearsExperience: 10,
	}
}

// profile is eligible for mission(); a higher level ranks higher.
func profile(id string, mlopsLevel int) domain.Profile {
	p := domain.Profile{
		ID: id, AccountID: "acct-" + id, Sectors: []string{"C21"},
		Skills:          []domain.SkillLevel{{ID: "ai-strategy", Level: 5}},
		YearsExperience: 15, Languages: []string{"fr"}, DailyRateEUR: 1200, AvailableFrom: day("2027-01-01"),
	}
	if mlopsLevel > 0 {
		p.Skills = append(p.Skills, domain.SkillLevel{ID: "mlops", Level: mlopsLevel})
	}
	return p
}

func candidateIDs(v app.ShortlistView) []string {
	var out []string
	for _, c := range v.Shortlist.Candidates {
		out = append(out, c.ProfileID)
	}
	return out
}

func assertShortlist(t *testing.T, v app.ShortlistView, status domain.ShortlistStatus, revision int64, ids ...string) {
	t.Helper()
	if v.Status != status || v.Shortlist.Revision != revision || !slices.Equal(candidateIDs(v), ids) {
		t.Fatalf("shortlist = status %v revision %d %v; want status %v revision %d %v",
			v.Status, v.Shortlist.Revision, candidateIDs(v), status, revision, ids)
	}
}

func TestSubmitMissionRanksIt(t *testing.T) {
	h := newHarness(t, 2)
	h.putProfile(t, profile("p-low", 1))
	h.putProfile(t, profile("p-high", 5))
	h.putProfile(t, profile("p-mid", 3))
	tooExpensive := profile("p-rich", 5)
	tooExpensive.DailyRateEUR = 3000
	h.putProfile(t, tooExpensive)

	h.missions.firms["m1"] = "firm-1"
	if v := h.shortlist(t, "m1"); v.Status != domain.ShortlistPending {
		t.Fatalf("before any mission event: %+v, want PENDING", v)
	}
	h.submit(t, mission("m1", "firm-1"))
	v := h.shortlist(t, "m1")
	assertShortlist(t, v, domain.ShortlistReady, 1, "p-high", "p-mid")
	if v.Shortlist.EligibleCount != 3 || v.Shortlist.ScoringVersion != domain.ScoringVersion || v.Shortlist.FirmID != "firm-1" {
		t.Fatalf("shortlist = %+v", v.Shortlist)
	}
}

func TestSubmitMissionWithoutCandidatesIsNoMatch(t *testing.T) {
	h := newHarness(t, 5)
	far := profile("p1", 5)
	far.Languages = []string{"de"}
	h.putProfile(t, far)
	h.submit(t, mission("m1", "firm-1"))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistNoMatch, 1)
}

func TestRedeliveredEventChangesNothing(t *testing.T) {
	h := newHarness(t, 5)
	h.putProfile(t, profile("p1", 3))
	d := h.next()
	if err := h.app.SubmitMission(t.Context(), d, mission("m1", "firm-1")); err != nil {
		t.Fatal(err)
	}
	// The same event id carrying other facts, as a corrupted redelivery would: ignored.
	changed := mission("m1", "firm-1")
	changed.MaxDailyRateEUR = 100
	if err := h.app.SubmitMission(t.Context(), d, changed); err != nil {
		t.Fatal(err)
	}
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, "p1")
}

func TestProfileChangesReRankOpenMissions(t *testing.T) {
	h := newHarness(t, 2)
	h.putProfile(t, profile("p1", 3))
	h.putProfile(t, profile("p2", 2))
	h.submit(t, mission("m1", "firm-1"))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, "p1", "p2")

	// Not eligible: nothing proposed.
	late := profile("p-late", 5)
	late.AvailableFrom = day("2027-09-01")
	h.putProfile(t, late)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, "p1", "p2")

	// Eligible but below the shortlist: nothing proposed.
	h.putProfile(t, profile("p3", 1))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, "p1", "p2")

	// A better newcomer: revision 2.
	h.putProfile(t, profile("p4", 5))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, "p4", "p1")

	// A candidate becomes ineligible: revision 3, the next best moves up.
	gone := profile("p4", 5)
	gone.DailyRateEUR = 5000
	h.putProfile(t, gone)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 3, "p1", "p2")

	// A late profile becomes available: it enters at revision 4.
	late.AvailableFrom = day("2027-01-15")
	h.putProfile(t, late)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 4, "p-late", "p1")
}

func TestNoMatchMissionGetsAShortlistWhenSomeoneQualifies(t *testing.T) {
	h := newHarness(t, 5)
	h.submit(t, mission("m1", "firm-1"))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistNoMatch, 1)
	h.putProfile(t, profile("p1", 2))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, "p1")
}

func TestEraseProfileDropsItEverywhere(t *testing.T) {
	h := newHarness(t, 2)
	for i, lvl := range []int{5, 4, 3} {
		h.putProfile(t, profile(fmt.Sprintf("p%d", i+1), lvl))
	}
	h.submit(t, mission("m1", "firm-1"))
	h.submit(t, mission("m2", "firm-2"))
	other := mission("m3", "firm-1")
	other.Sector = "L64"
	other.RequiredSkills = []string{"gdpr"} // nobody qualifies
	h.submit(t, other)
	if !h.visible(t, "p1", "firm-1") {
		t.Fatal("p1 should be visible to firm-1")
	}

	// p3 is on no shortlist: erasing it proposes nothing.
	if err := h.app.EraseProfile(t.Context(), h.next(), "p3"); err != nil {
		t.Fatal(err)
	}
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, "p1", "p2")

	if err := h.app.EraseProfile(t.Context(), h.next(), "p1"); err != nil {
		t.Fatal(err)
	}
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, "p2")
	assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 2, "p2")
	assertShortlist(t, h.shortlist(t, "m3"), domain.ShortlistNoMatch, 1)
	if h.visible(t, "p1", "firm-1") || h.visible(t, "p1", "firm-2") {
		t.Fatal("erased p1 still visible")
	}

	// A late update of the erased profile never brings it back.
	h.putProfile(t, profile("p1", 5))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 2, "p2")
}

func TestCancelMission(t *testing.T) {
	h := newHarness(t, 5)
	h.putProfile(t, profile("p1", 3))
	h.submit(t, mission("m1", "firm-1"))
	if !h.visible(t, "p1", "firm-1") {
		t.Fatal("p1 should be visible to firm-1")
	}
	if err := h.app.CancelMission(t.Context(), h.next(), "m1", "firm-1"); err != nil {
		t.Fatal(err)
	}
	if h.visible(t, "p1", "firm-1") {
		t.Fatal("p1 visible through a cancelled mission")
	}
	// A closed mission is never re-ranked.
	h.putProfile(t, profile("p2", 5))
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, "p1")
}

func TestCancelBeforeSubmitKeepsTheMissionClosed(t *testing.T) {
	h := newHarness(t, 5)
	h.putProfile(t, profile("p1", 3))
	if err := h.app.CancelMission(t.Context(), h.next(), "m1", "firm-1"); err != nil {
		t.Fatal(err)
	}
	h.submit(t, mission("m1", "firm-1"))
	if v := h.shortlist(t, "m1"); v.Status != domain.ShortlistPending || len(h.missions.asked) != 0 {
		t.Fatalf("late submission of a cancelled mission: %+v (asked mission service %v), want PENDING from the read model",
			v, h.missions.asked)
	}
	if h.visible(t, "p1", "firm-1") {
		t.Fatal("p1 visible through a cancelled mission")
	}
}

func TestGetShortlistAccess(t *testing.T) {
	h := newHarness(t, 5)
	h.putProfile(t, profile("p1", 3))
	h.submit(t, mission("m1", "firm-1"))
	h.missions.firms["m-in-flight"] = "firm-1"
	ctx := t.Context()
	firm1 := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	firm2 := identity.Caller{AccountID: "firm-2", Role: identity.RoleFirm}
	consultant := identity.Caller{AccountID: "acct-p1", Role: identity.RoleConsultant}

	if v, err := h.app.GetShortlist(ctx, firm1, "m1"); err != nil || v.Status != domain.ShortlistReady {
		t.Fatalf("owning firm: %+v, %v", v, err)
	}
	if v, err := h.app.GetShortlist(ctx, firm1, "m-in-flight"); err != nil || v.Status != domain.ShortlistPending {
		t.Fatalf("owning firm, mission in flight: %+v, %v; want PENDING", v, err)
	}
	cases := []struct {
		name   string
		caller identity.Caller
		id     string
		kind   fault.Kind
		reason string
	}{
		{"another firm's mission", firm2, "m1", fault.KindNotFound, app.ReasonMissionNotFound},
		{"another firm's mission in flight", firm2, "m-in-flight", fault.KindNotFound, app.ReasonMissionNotFound},
		{"unknown mission", firm1, "m-nowhere", fault.KindNotFound, "MISSION_NOT_FOUND"},
		{"unknown mission, operator", operator, "m-nowhere", fault.KindNotFound, "MISSION_NOT_FOUND"},
		{"consultant", consultant, "m1", fault.KindPermissionDenied, app.ReasonRoleNotAllowed},
		{"no mission id", operator, "", fault.KindInvalid, fault.ReasonInvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.app.GetShortlist(ctx, tc.caller, tc.id)
			fe, ok := fault.As(err)
			if !ok || fe.Kind != tc.kind || fe.Reason != tc.reason {
				t.Fatalf("error = %v, want kind %v reason %s", err, tc.kind, tc.reason)
			}
		})
	}
}

func TestCheckProfileVisibilityNeedsBothIDs(t *testing.T) {
	h := newHarness(t, 5)
	_, err := h.app.CheckProfileVisibility(t.Context(), "", "")
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid || len(fe.Violations) != 2 {
		t.Fatalf("error = %v, want two field violations", err)
	}
}
