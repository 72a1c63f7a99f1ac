package domain_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

var now = time.Date(2027, 1, 10, 15, 30, 0, 0, time.UTC)

func validInput() missionrules.RequestInput {
	return missionrules.RequestInput{
		Request: missionrules.Request{
			Title:               "Transition CAIO to launch our AI programme",
			Sector:              "C21",
			MissionType:         taxonomy.MissionTypeTransformationLaunch,
			RequiredSkills:      []string{"ai-strategy", "change-management"},
			NiceToHaveSkills:    []string{"ai-act-compliance", "mlops"},
			DurationMonths:      12,
			MaxDailyRateEUR:     1500,
			Languages:           []string{"fr"},
			Location:            missionrules.Location{Country: "FR", City: "Lyon"},
			WorkMode:            taxonomy.WorkModeHybrid,
			MinYearsExperience:  10,
			RequiredSkillLevels: []missionrules.SkillRequirement{{ID: "ai-strategy", MinLevel: 4}},
		},
		StartDate: "2027-02-01",
	}
}

// fieldsOf returns the violated fields of err, failing when err is not a validation error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid || fe.Reason != fault.ReasonInvalidArgument {
		t.Fatalf("want an INVALID_ARGUMENT fault, got %v", err)
	}
	var fields []string
	for _, v := range fe.Violations {
		fields = append(fields, v.Field)
	}
	return fields
}

func TestNewRequestAcceptsAValidMission(t *testing.T) {
	r, err := missionrules.NewRequest(validInput(), now)
	if err != nil {
		t.Fatalf("valid mission rejected: %v", err)
	}
	if got := r.StartDate; !got.Equal(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("start date = %v", got)
	}
	if got := r.EndDate(); !got.Equal(time.Date(2028, 1, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("end date = %v, want 2028-01-31", got)
	}
}

func TestNewRequestFieldRules(t *testing.T) {
	cases := []struct {
		name   string
		change func(*missionrules.RequestInput)
		field  string // "" means accepted
	}{
		{"empty title", func(in *missionrules.RequestInput) { in.Title = "  " }, "title"},
		{"title 200 runes", func(in *missionrules.RequestInput) { in.Title = strings.Repeat("é", 200) }, ""},
		{"title 201 runes", func(in *missionrules.RequestInput) { in.Title = strings.Repeat("é", 201) }, "title"},
		{"missing sector", func(in *missionrules.RequestInput) { in.Sector = "" }, "sector"},
		{"unknown sector", func(in *missionrules.RequestInput) { in.Sector = "C99" }, "sector"},
		{"lower-case sector", func(in *missionrules.RequestInput) { in.Sector = "c21" }, "sector"},
		{"section sector", func(in *missionrules.RequestInput) { in.Sector = "K" }, ""},
		{"missing mission type", func(in *missionrules.RequestInput) { in.MissionType = taxonomy.MissionTypeUnspecified }, "missionType"},
		{"out of range mission type", func(in *missionrules.RequestInput) { in.MissionType = 99 }, "missionType"},
		{"risk and compliance", func(in *missionrules.RequestInput) { in.MissionType = taxonomy.MissionTypeRiskAndCompliance }, ""},
		{"no required skill", func(in *missionrules.RequestInput) { in.RequiredSkills, in.RequiredSkillLevels = nil, nil }, "requiredSkills"},
		{"unknown required skill", func(in *missionrules.RequestInput) { in.RequiredSkills = []string{"ai-strategy", "juggling"} }, "requiredSkills[1]"},
		{"repeated required skill", func(in *missionrules.RequestInput) {
			in.RequiredSkills = []string{"gdpr", "data-quality", "gdpr"}
			in.RequiredSkillLevels = []missionrules.SkillRequirement{{ID: "gdpr", MinLevel: 3}}
		}, "requiredSkills[2]"},
		{"too many required skills", func(in *missionrules.RequestInput) {
			in.RequiredSkills = []string{"ai-strategy", "ai-governance", "ai-act-compliance", "gdpr", "data-governance",
				"data-architecture", "data-quality", "mlops", "machine-learning", "deep-learning", "generative-ai",
				"llm-applications", "nlp", "computer-vision", "cloud-architecture", "big-data", "change-management",
				"ai-literacy-training", "product-management", "agile-delivery", "cybersecurity"}
			in.NiceToHaveSkills = nil
		}, "requiredSkills"},
		{"no nice-to-have skill", func(in *missionrules.RequestInput) { in.NiceToHaveSkills = nil }, ""},
		{"unknown nice-to-have skill", func(in *missionrules.RequestInput) { in.NiceToHaveSkills = []string{"knitting"} }, "niceToHaveSkills[0]"},
		{"repeated nice-to-have skill", func(in *missionrules.RequestInput) { in.NiceToHaveSkills = []string{"gdpr", "gdpr"} }, "niceToHaveSkills[1]"},
		{"nice-to-have also required", func(in *missionrules.RequestInput) { in.NiceToHaveSkills = []string{"mlops", "ai-strategy"} }, "niceToHaveSkills[1]"},
		{"missing start date", func(in *missionrules.RequestInput) { in.StartDate = "" }, "startDate"},
		{"unparsable start date", func(in *missionrules.RequestInput) { in.StartDate = "01/02/2027" }, "startDate"},
		{"impossible start date", func(in *missionrules.RequestInput) { in.StartDate = "2027-02-30" }, "startDate"},
		{"start date yesterday", func(in *missionrules.RequestInput) { in.StartDate = "2027-01-09" }, "startDate"},
		{"start date today", func(in *missionrules.RequestInput) { in.StartDate = "2027-01-10" }, ""},
		{"duration 5 months", func(in *missionrules.RequestInput) { in.DurationMonths = 5 }, "durationMonths"},
		{"duration 6 months", func(in *missionrules.RequestInput) { in.DurationMonths = 6 }, ""},
		{"duration 18 months", func(in *missionrules.RequestInput) { in.DurationMonths = 18 }, ""},
		{"duration 19 months", func(in *missionrules.RequestInput) { in.DurationMonths = 19 }, "durationMonths"},
		{"negative rate", func(in *missionrules.RequestInput) { in.MaxDailyRateEUR = -100 }, "maxDailyRateEur"},
		{"zero rate", func(in *missionrules.RequestInput) { in.MaxDailyRateEUR = 0 }, "maxDailyRateEur"},
		{"rate at cap", func(in *missionrules.RequestInput) { in.MaxDailyRateEUR = 20000 }, ""},
		{"rate above cap", func(in *missionrules.RequestInput) { in.MaxDailyRateEUR = 20001 }, "maxDailyRateEur"},
		{"no language", func(in *missionrules.RequestInput) { in.Languages = nil }, "languages"},
		{"bad language", func(in *missionrules.RequestInput) { in.Languages = []string{"fr", "FR"} }, "languages[1]"},
		{"missing country", func(in *missionrules.RequestInput) { in.Location.Country = "" }, "location.country"},
		{"bad country", func(in *missionrules.RequestInput) { in.Location.Country = "France" }, "location.country"},
		{"missing work mode", func(in *missionrules.RequestInput) { in.WorkMode = taxonomy.WorkModeUnspecified }, "workMode"},
		{"out of range work mode", func(in *missionrules.RequestInput) { in.WorkMode = 4 }, "workMode"},
		{"negative experience", func(in *missionrules.RequestInput) { in.MinYearsExperience = -1 }, "minYearsExperience"},
		{"zero experience", func(in *missionrules.RequestInput) { in.MinYearsExperience = 0 }, ""},
		{"60 years experience", func(in *missionrules.RequestInput) { in.MinYearsExperience = 60 }, ""},
		{"61 years experience", func(in *missionrules.RequestInput) { in.MinYearsExperience = 61 }, "minYearsExperience"},
		{"no skill level", func(in *missionrules.RequestInput) { in.RequiredSkillLevels = nil }, ""},
		{"a level for every required skill", func(in *missionrules.RequestInput) {
			in.RequiredSkillLevels = []missionrules.SkillRequirement{{ID: "change-management", MinLevel: 1}, {ID: "ai-strategy", MinLevel: 5}}
		}, ""},
		{"skill level 0", func(in *missionrules.RequestInput) { in.RequiredSkillLevels[0].MinLevel = 0 }, "requiredSkillLevels[0].minLevel"},
		{"skill level -1", func(in *missionrules.RequestInput) { in.RequiredSkillLevels[0].MinLevel = -1 }, "requiredSkillLevels[0].minLevel"},
		{"skill level 6", func(in *missionrules.RequestInput) { in.RequiredSkillLevels[0].MinLevel = 6 }, "requiredSkillLevels[0].minLevel"},
		{"level without a skill id", func(in *missionrules.RequestInput) { in.RequiredSkillLevels[0].ID = "" }, "requiredSkillLevels[0].id"},
		{"level for a nice-to-have skill", func(in *missionrules.RequestInput) {
			in.RequiredSkillLevels = append(in.RequiredSkillLevels, missionrules.SkillRequirement{ID: "mlops", MinLevel: 3})
		}, "requiredSkillLevels[1].id"},
		{"level for an unknown skill", func(in *missionrules.RequestInput) { in.RequiredSkillLevels[0].ID = "juggling" }, "requiredSkillLevels[0].id"},
		{"level for an unknown required skill reported once", func(in *missionrules.RequestInput) {
			in.RequiredSkills = []string{"ai-strategy", "juggling"}
			in.RequiredSkillLevels = []missionrules.SkillRequirement{{ID: "juggling", MinLevel: 2}}
		}, "requiredSkills[1]"},
		{"repeated skill level", func(in *missionrules.RequestInput) {
			in.RequiredSkillLevels = []missionrules.SkillRequirement{{ID: "ai-strategy", MinLevel: 3}, {ID: "ai-strategy", MinLevel: 4}}
		}, "requiredSkillLevels[1].id"},
		{"more levels than required skills", func(in *missionrules.RequestInput) {
			in.RequiredSkillLevels = []missionrules.SkillRequirement{
				{ID: "ai-strategy", MinLevel: 3}, {ID: "change-management", MinLevel: 4}, {ID: "ai-strategy", MinLevel: 5}}
		}, "requiredSkillLevels"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			tc.change(&in)
			_, err := missionrules.NewRequest(in, now)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if got := fieldsOf(t, err); !slices.Equal(got, []string{tc.field}) {
				t.Fatalf("violated fields = %q, want exactly [%q]", got, tc.field)
			}
		})
	}
}

func TestNewRequestReportsEveryViolationAtOnce(t *testing.T) {
	in := validInput()
	in.Title = ""
	in.Sector = "Z99"
	in.DurationMonths = 19
	in.MaxDailyRateEUR = -1
	in.RequiredSkills = []string{"ai-strategy", "nope"}
	in.StartDate = "tomorrow"
	_, err := missionrules.NewRequest(in, now)
	got := fieldsOf(t, err)
	want := []string{"title", "sector", "requiredSkills[1]", "startDate", "durationMonths", "maxDailyRateEur"}
	if !slices.Equal(got, want) {
		t.Fatalf("violated fields = %q, want %q", got, want)
	}
}

func TestSkillLevelViolationsAreReportedTogether(t *testing.T) {
	in := validInput()
	in.RequiredSkills = append(in.RequiredSkills, "data-quality")
	in.RequiredSkillLevels = []missionrules.SkillRequirement{
		{ID: "mlops", MinLevel: 0},             // not required, no level
		{ID: "change-management", MinLevel: 5}, // fine
		{ID: "change-management", MinLevel: 9}, // repeated, level out of range
	}
	in.DurationMonths = 3
	_, err := missionrules.NewRequest(in, now)
	fe, _ := fault.As(err)
	got := fieldsOf(t, err)
	want := []string{
		"requiredSkillLevels[0].id", "requiredSkillLevels[0].minLevel",
		"requiredSkillLevels[2].id", "requiredSkillLevels[2].minLevel",
		"durationMonths",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("violated fields = %q, want %q", got, want)
	}
	if d := fe.Violations[0].Description; !strings.Contains(d, `"mlops"`) || !strings.Contains(d, "must be one of requiredSkills") {
		t.Errorf("unknown level id described as %q", d)
	}
	if d := fe.Violations[1].Description; d != "must be between 1 and 5" {
		t.Errorf("level out of range described as %q", d)
	}

	// Levels with no required skill at all: both lists are refused, the levels once as a whole.
	in = validInput()
	in.RequiredSkills = nil
	_, err = missionrules.NewRequest(in, now)
	if got, want := fieldsOf(t, err), []string{"requiredSkills", "requiredSkillLevels"}; !slices.Equal(got, want) {
		t.Fatalf("violated fields = %q, want %q", got, want)
	}
}

func TestNewRequestKeepsSkillLevelsInOrder(t *testing.T) {
	in := validInput()
	in.RequiredSkillLevels = []missionrules.SkillRequirement{{ID: "change-management", MinLevel: 2}, {ID: "ai-strategy", MinLevel: 5}}
	r, err := missionrules.NewRequest(in, now)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.RequiredSkillLevels, in.RequiredSkillLevels) {
		t.Fatalf("levels = %v, want %v", r.RequiredSkillLevels, in.RequiredSkillLevels)
	}
}

func TestNewRequestUsesTheUTCDateOfTheClock(t *testing.T) {
	in := validInput()
	in.StartDate = "2027-01-10"
	// 23:30 on 9 January in New York is already 10 January in UTC.
	ny := time.FixedZone("EST", -5*3600)
	if _, err := missionrules.NewRequest(in, time.Date(2027, 1, 9, 23, 30, 0, 0, ny)); err != nil {
		t.Fatalf("start on today's UTC date rejected: %v", err)
	}
	// Just after midnight UTC on 10 January, 9 January is already past.
	in.StartDate = "2027-01-09"
	if _, err := missionrules.NewRequest(in, time.Date(2027, 1, 10, 0, 30, 0, 0, time.UTC)); err == nil {
		t.Fatal("start before today's UTC date accepted")
	}
}

func TestNewMissionIsSubmittedAndAnnounced(t *testing.T) {
	m, out, err := domain.NewMission("m1", "firm-1", validInput(), now)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "m1" || m.FirmID != "firm-1" || m.Status != domain.StatusSubmitted || !m.CreatedAt.Equal(now) ||
		m.ShortlistRevision != 0 || m.Candidates != nil {
		t.Fatalf("unexpected mission %+v", m)
	}
	if len(out.Events) != 1 {
		t.Fatalf("events = %#v", out.Events)
	}
	if sub, ok := out.Events[0].(domain.MissionSubmitted); !ok || sub.Mission.ID != "m1" ||
		!slices.Equal(sub.Mission.RequiredSkillLevels, []missionrules.SkillRequirement{{ID: "ai-strategy", MinLevel: 4}}) {
		t.Fatalf("event = %#v, want MissionSubmitted", out.Events[0])
	}
	want := []domain.Decision{{MissionID: "m1", At: now, Kind: domain.DecisionMissionSubmitted,
		Actor: domain.Actor{Role: domain.ActorFirm, AccountID: "firm-1"}}}
	if !reflect.DeepEqual(out.Decisions, want) {
		t.Fatalf("decisions %+v, want %+v", out.Decisions, want)
	}
	in := validInput()
	in.DurationMonths = 5
	if _, _, err := domain.NewMission("m2", "firm-1", in, now); fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("invalid mission accepted: %v", err)
	}
}

func mission(status domain.Status, revision int64, candidates ...string) domain.Mission {
	m, _, _ := domain.NewMission("m1", "firm-1", validInput(), now)
	m.Status = status
	m.ShortlistRevision = revision
	m.Candidates = candidates
	return m
}

// proposal is a shortlist of revision rev whose candidates are ids, best first.
func proposal(rev int64, ids ...string) domain.Proposal {
	p := domain.Proposal{Revision: rev, ScoringVersion: "caio-test", EligibleCount: len(ids) + 3}
	for i, id := range ids {
		p.Candidates = append(p.Candidates, domain.Candidate{ProfileID: id, Rank: i + 1, Score: 0.9 - float64(i)/10,
			Explanation: &domain.Explanation{
				Components:    []domain.ScoreComponent{{Name: "skills", Weight: 0.4, Value: 0.8, Detail: "2 of 2"}},
				MatchedSkills: []string{"ai-strategy"},
			}})
	}
	return p
}

func TestApplyShortlistTransitions(t *testing.T) {
	later := now.Add(time.Minute)
	cases := []struct {
		name       string
		from       domain.Status
		lastRev    int64
		rev        int64
		candidates []string
		want       domain.Status
		wantRev    int64
		applied    bool
		updated    bool
	}{
		{"submitted with candidates", domain.StatusSubmitted, 0, 1, []string{"p1", "p2"}, domain.StatusShortlisted, 1, true, true},
		{"submitted without candidates", domain.StatusSubmitted, 0, 1, nil, domain.StatusNoMatch, 1, true, true},
		{"shortlisted loses candidates", domain.StatusShortlisted, 1, 2, nil, domain.StatusNoMatch, 2, true, true},
		{"no match gains candidates", domain.StatusNoMatch, 1, 3, []string{"p3"}, domain.StatusShortlisted, 3, true, true},
		{"shortlisted re-ranked", domain.StatusShortlisted, 1, 2, []string{"p2", "p1"}, domain.StatusShortlisted, 2, true, false},
		{"offered takes new candidates, stays offered", domain.StatusOffered, 1, 2, []string{"p4"}, domain.StatusOffered, 2, true, false},
		{"offered takes an empty shortlist, stays offered", domain.StatusOffered, 1, 2, nil, domain.StatusOffered, 2, true, false},
		{"same revision ignored", domain.StatusShortlisted, 2, 2, nil, domain.StatusShortlisted, 2, false, false},
		{"older revision ignored", domain.StatusShortlisted, 3, 2, nil, domain.StatusShortlisted, 3, false, false},
		{"cancelled ignores shortlists", domain.StatusCancelled, 1, 2, []string{"p1"}, domain.StatusCancelled, 1, false, false},
		{"staffed ignores shortlists", domain.StatusStaffed, 1, 2, nil, domain.StatusStaffed, 1, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission(tc.from, tc.lastRev, "p0")
			p := proposal(tc.rev, tc.candidates...)
			out, applied := m.ApplyShortlist(p, later)
			if m.Status != tc.want || m.ShortlistRevision != tc.wantRev || applied != tc.applied {
				t.Fatalf("status %s rev %d applied %v, want %s rev %d applied %v",
					m.Status, m.ShortlistRevision, applied, tc.want, tc.wantRev, tc.applied)
			}
			if !applied {
				if !slices.Equal(m.Candidates, []string{"p0"}) || len(out.Events) != 0 || len(out.Decisions) != 0 {
					t.Fatalf("ignored shortlist changed candidates %v or caused %+v", m.Candidates, out)
				}
				return
			}
			if !slices.Equal(m.Candidates, tc.candidates) {
				t.Fatalf("candidates %v, want %v", m.Candidates, tc.candidates)
			}
			wantDecisions := []domain.Decision{{MissionID: "m1", At: later, Kind: domain.DecisionShortlistProposed,
				Actor: domain.SystemActor(), Proposal: p}}
			if !reflect.DeepEqual(out.Decisions, wantDecisions) {
				t.Fatalf("decisions %+v, want %+v", out.Decisions, wantDecisions)
			}
			if !tc.updated {
				if len(out.Events) != 0 || !m.UpdatedAt.Equal(now) {
					t.Fatalf("no status change, yet events %#v, updatedAt %v", out.Events, m.UpdatedAt)
				}
				return
			}
			want := []domain.Event{domain.MissionUpdated{MissionID: "m1", Status: tc.want}}
			if !slices.Equal(out.Events, want) || !m.UpdatedAt.Equal(later) {
				t.Fatalf("events %#v updatedAt %v, want %#v at %v", out.Events, m.UpdatedAt, want, later)
			}
		})
	}
}

// The trail keeps the proposal as it was, whatever happens to the caller's copy afterwards.
func TestApplyShortlistKeepsItsOwnCopyOfTheProposal(t *testing.T) {
	m := mission(domain.StatusSubmitted, 0)
	p := proposal(1, "p1", "p2")
	out, _ := m.ApplyShortlist(p, now)
	p.Candidates[0].ProfileID = "changed"
	p.Candidates[1].Explanation.MatchedSkills[0] = "changed"
	got := out.Decisions[0].Proposal
	if got.Candidates[0].ProfileID != "p1" || got.Candidates[1].Explanation.MatchedSkills[0] != "ai-strategy" || m.Candidates[0] != "p1" {
		t.Fatalf("the recorded proposal follows the caller's changes: %+v", got)
	}
}

func TestCancel(t *testing.T) {
	later := now.Add(time.Hour)
	firm := domain.Actor{Role: domain.ActorFirm, AccountID: "firm-1"}
	for _, from := range []domain.Status{domain.StatusSubmitted, domain.StatusShortlisted, domain.StatusNoMatch,
		domain.StatusOffered, domain.StatusStaffed} {
		t.Run(from.String(), func(t *testing.T) {
			m := mission(from, 1)
			out, err := m.Cancel(firm, nil, later)
			if err != nil {
				t.Fatal(err)
			}
			want := domain.Outcome{
				Events: []domain.Event{
					domain.MissionCancelled{MissionID: "m1", FirmID: "firm-1"},
					domain.MissionUpdated{MissionID: "m1", Status: domain.StatusCancelled},
				},
				Decisions: []domain.Decision{{MissionID: "m1", At: later, Kind: domain.DecisionMissionCancelled, Actor: firm}},
			}
			if m.Status != domain.StatusCancelled || !m.UpdatedAt.Equal(later) || !reflect.DeepEqual(out, want) {
				t.Fatalf("status %s at %v, outcome %+v", m.Status, m.UpdatedAt, out)
			}
		})
	}
	t.Run("CANCELLED", func(t *testing.T) {
		m := mission(domain.StatusCancelled, 1)
		out, err := m.Cancel(firm, nil, later)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.KindFailedPrecondition || fe.Reason != domain.ReasonMissionNotCancellable {
			t.Fatalf("err = %v, want FAILED_PRECONDITION %s", err, domain.ReasonMissionNotCancellable)
		}
		if m.Status != domain.StatusCancelled || len(out.Events) != 0 || len(out.Decisions) != 0 {
			t.Fatalf("refused cancel changed the mission: %s, %+v", m.Status, out)
		}
	})
}

func TestStatusNamesRoundTrip(t *testing.T) {
	for s := domain.StatusSubmitted; s <= domain.StatusNoMatch; s++ {
		got, ok := domain.ParseStatus(s.String())
		if !ok || got != s {
			t.Errorf("ParseStatus(%q) = %v, %v", s.String(), got, ok)
		}
	}
	if _, ok := domain.ParseStatus("UNSPECIFIED"); ok {
		t.Error("UNSPECIFIED parsed as a status")
	}
	for s := domain.OfferStatusPending; s <= domain.OfferStatusWithdrawn; s++ {
		if got, ok := domain.ParseOfferStatus(s.String()); !ok || got != s {
			t.Errorf("ParseOfferStatus(%q) = %v, %v", s.String(), got, ok)
		}
	}
	for k := domain.DecisionMissionSubmitted; k <= domain.DecisionMissionStaffed; k++ {
		if got, ok := domain.ParseDecisionKind(k.String()); !ok || got != k {
			t.Errorf("ParseDecisionKind(%q) = %v, %v", k.String(), got, ok)
		}
	}
}
