package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

var now = time.Date(2027, 1, 10, 15, 30, 0, 0, time.UTC)

func validInput() domain.RequestInput {
	return domain.RequestInput{
		Request: domain.Request{
			Title:               "Transition CAIO to launch our AI programme",
			Sector:              "C21",
			MissionType:         domain.MissionTypeTransformationLaunch,
			RequiredSkills:      []string{"ai-strategy", "change-management"},
			NiceToHaveSkills:    []string{"ai-act-compliance", "mlops"},
			DurationMonths:      12,
			MaxDailyRateEUR:     1500,
			Languages:           []string{"fr"},
			Location:            domain.Location{Country: "FR", City: "Lyon"},
			WorkMode:            domain.WorkModeHybrid,
			MinYearsExperience:  10,
			RequiredSkillLevels: []domain.SkillRequirement{{ID: "ai-strategy", MinLevel: 4}},
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
	r, err := domain.NewRequest(validInput(), now)
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
		change func(*domain.RequestInput)
		field  string // "" means accepted
	}{
		{"empty title", func(in *domain.RequestInput) { in.Title = "  " }, "title"},
		{"title 200 runes", func(in *domain.RequestInput) { in.Title = strings.Repeat("é", 200) }, ""},
		{"title 201 runes", func(in *domain.RequestInput) { in.Title = strings.Repeat("é", 201) }, "title"},
		{"missing sector", func(in *domain.RequestInput) { in.Sector = "" }, "sector"},
		{"unknown sector", func(in *domain.RequestInput) { in.Sector = "C99" }, "sector"},
		{"lower-case sector", func(in *domain.RequestInput) { in.Sector = "c21" }, "sector"},
		{"section sector", func(in *domain.RequestInput) { in.Sector = "K" }, ""},
		{"missing mission type", func(in *domain.RequestInput) { in.MissionType = domain.MissionTypeUnspecified }, "missionType"},
		{"out of range mission type", func(in *domain.RequestInput) { in.MissionType = 99 }, "missionType"},
		{"risk and compliance", func(in *domain.RequestInput) { in.MissionType = domain.MissionTypeRiskAndCompliance }, ""},
		{"no required skill", func(in *domain.RequestInput) { in.RequiredSkills, in.RequiredSkillLevels = nil, nil }, "requiredSkills"},
		{"unknown required skill", func(in *domain.RequestInput) { in.RequiredSkills = []string{"ai-strategy", "juggling"} }, "requiredSkills[1]"},
		{"repeated required skill", func(in *domain.RequestInput) {
			in.RequiredSkills = []string{"gdpr", "data-quality", "gdpr"}
			in.RequiredSkillLevels = []domain.SkillRequirement{{ID: "gdpr", MinLevel: 3}}
		}, "requiredSkills[2]"},
		{"too many required skills", func(in *domain.RequestInput) {
			in.RequiredSkills = []string{"ai-strategy", "ai-governance", "ai-act-compliance", "gdpr", "data-governance",
				"data-architecture", "data-quality", "mlops", "machine-learning", "deep-learning", "generative-ai",
				"llm-applications", "nlp", "computer-vision", "cloud-architecture", "big-data", "change-management",
				"ai-literacy-training", "product-management", "agile-delivery", "cybersecurity"}
			in.NiceToHaveSkills = nil
		}, "requiredSkills"},
		{"no nice-to-have skill", func(in *domain.RequestInput) { in.NiceToHaveSkills = nil }, ""},
		{"unknown nice-to-have skill", func(in *domain.RequestInput) { in.NiceToHaveSkills = []string{"knitting"} }, "niceToHaveSkills[0]"},
		{"repeated nice-to-have skill", func(in *domain.RequestInput) { in.NiceToHaveSkills = []string{"gdpr", "gdpr"} }, "niceToHaveSkills[1]"},
		{"nice-to-have also required", func(in *domain.RequestInput) { in.NiceToHaveSkills = []string{"mlops", "ai-strategy"} }, "niceToHaveSkills[1]"},
		{"missing start date", func(in *domain.RequestInput) { in.StartDate = "" }, "startDate"},
		{"unparsable start date", func(in *domain.RequestInput) { in.StartDate = "01/02/2027" }, "startDate"},
		{"impossible start date", func(in *domain.RequestInput) { in.StartDate = "2027-02-30" }, "startDate"},
		{"start date yesterday", func(in *domain.RequestInput) { in.StartDate = "2027-01-09" }, "startDate"},
		{"start date today", func(in *domain.RequestInput) { in.StartDate = "2027-01-10" }, ""},
		{"duration 5 months", func(in *domain.RequestInput) { in.DurationMonths = 5 }, "durationMonths"},
		{"duration 6 months", func(in *domain.RequestInput) { in.DurationMonths = 6 }, ""},
		{"duration 18 months", func(in *domain.RequestInput) { in.DurationMonths = 18 }, ""},
		{"duration 19 months", func(in *domain.RequestInput) { in.DurationMonths = 19 }, "durationMonths"},
		{"negative rate", func(in *domain.RequestInput) { in.MaxDailyRateEUR = -100 }, "maxDailyRateEur"},
		{"zero rate", func(in *domain.RequestInput) { in.MaxDailyRateEUR = 0 }, "maxDailyRateEur"},
		{"rate at cap", func(in *domain.RequestInput) { in.MaxDailyRateEUR = 20000 }, ""},
		{"rate above cap", func(in *domain.RequestInput) { in.MaxDailyRateEUR = 20001 }, "maxDailyRateEur"},
		{"no language", func(in *domain.RequestInput) { in.Languages = nil }, "languages"},
		{"bad language", func(in *domain.RequestInput) { in.Languages = []string{"fr", "FR"} }, "languages[1]"},
		{"missing country", func(in *domain.RequestInput) { in.Location.Country = "" }, "location.country"},
		{"bad country", func(in *domain.RequestInput) { in.Location.Country = "France" }, "location.country"},
		{"missing work mode", func(in *domain.RequestInput) { in.WorkMode = domain.WorkModeUnspecified }, "workMode"},
		{"out of range work mode", func(in *domain.RequestInput) { in.WorkMode = 4 }, "workMode"},
		{"negative experience", func(in *domain.RequestInput) { in.MinYearsExperience = -1 }, "minYearsExperience"},
		{"zero experience", func(in *domain.RequestInput) { in.MinYearsExperience = 0 }, ""},
		{"60 years experience", func(in *domain.RequestInput) { in.MinYearsExperience = 60 }, ""},
		{"61 years experience", func(in *domain.RequestInput) { in.MinYearsExperience = 61 }, "minYearsExperience"},
		{"no skill level", func(in *domain.RequestInput) { in.RequiredSkillLevels = nil }, ""},
		{"a level for every required skill", func(in *domain.RequestInput) {
			in.RequiredSkillLevels = []domain.SkillRequirement{{ID: "change-management", MinLevel: 1}, {ID: "ai-strategy", MinLevel: 5}}
		}, ""},
		{"skill level 0", func(in *domain.RequestInput) { in.RequiredSkillLevels[0].MinLevel = 0 }, "requiredSkillLevels[0].minLevel"},
		{"skill level -1", func(in *domain.RequestInput) { in.RequiredSkillLevels[0].MinLevel = -1 }, "requiredSkillLevels[0].minLevel"},
		{"skill level 6", func(in *domain.RequestInput) { in.RequiredSkillLevels[0].MinLevel = 6 }, "requiredSkillLevels[0].minLevel"},
		{"level without a skill id", func(in *domain.RequestInput) { in.RequiredSkillLevels[0].ID = "" }, "requiredSkillLevels[0].id"},
		{"level for a nice-to-have skill", func(in *domain.RequestInput) {
			in.RequiredSkillLevels = append(in.RequiredSkillLevels, domain.SkillRequirement{ID: "mlops", MinLevel: 3})
		}, "requiredSkillLevels[1].id"},
		{"level for an unknown skill", func(in *domain.RequestInput) { in.RequiredSkillLevels[0].ID = "juggling" }, "requiredSkillLevels[0].id"},
		{"level for an unknown required skill reported once", func(in *domain.RequestInput) {
			in.RequiredSkills = []string{"ai-strategy", "juggling"}
			in.RequiredSkillLevels = []domain.SkillRequirement{{ID: "juggling", MinLevel: 2}}
		}, "requiredSkills[1]"},
		{"repeated skill level", func(in *domain.RequestInput) {
			in.RequiredSkillLevels = []domain.SkillRequirement{{ID: "ai-strategy", MinLevel: 3}, {ID: "ai-strategy", MinLevel: 4}}
		}, "requiredSkillLevels[1].id"},
		{"more levels than required skills", func(in *domain.RequestInput) {
			in.RequiredSkillLevels = []domain.SkillRequirement{
				{ID: "ai-strategy", MinLevel: 3}, {ID: "change-management", MinLevel: 4}, {ID: "ai-strategy", MinLevel: 5}}
		}, "requiredSkillLevels"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			tc.change(&in)
			_, err := domain.NewRequest(in, now)
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
	_, err := domain.NewRequest(in, now)
	got := fieldsOf(t, err)
	want := []string{"title", "sector", "requiredSkills[1]", "startDate", "durationMonths", "maxDailyRateEur"}
	if !slices.Equal(got, want) {
		t.Fatalf("violated fields = %q, want %q", got, want)
	}
}

func TestSkillLevelViolationsAreReportedTogether(t *testing.T) {
	in := validInput()
	in.RequiredSkills = append(in.RequiredSkills, "data-quality")
	in.RequiredSkillLevels = []domain.SkillRequirement{
		{ID: "mlops", MinLevel: 0},             // not required, no level
		{ID: "change-management", MinLevel: 5}, // fine
		{ID: "change-management", MinLevel: 9}, // repeated, level out of range
	}
	in.DurationMonths = 3
	_, err := domain.NewRequest(in, now)
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
	_, err = domain.NewRequest(in, now)
	if got, want := fieldsOf(t, err), []string{"requiredSkills", "requiredSkillLevels"}; !slices.Equal(got, want) {
		t.Fatalf("violated fields = %q, want %q", got, want)
	}
}

func TestNewRequestKeepsSkillLevelsInOrder(t *testing.T) {
	in := validInput()
	in.RequiredSkillLevels = []domain.SkillRequirement{{ID: "change-management", MinLevel: 2}, {ID: "ai-strategy", MinLevel: 5}}
	r, err := domain.NewRequest(in, now)
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
	if _, err := domain.NewRequest(in, time.Date(2027, 1, 9, 23, 30, 0, 0, ny)); err != nil {
		t.Fatalf("start on today's UTC date rejected: %v", err)
	}
	// Just after midnight UTC on 10 January, 9 January is already past.
	in.StartDate = "2027-01-09"
	if _, err := domain.NewRequest(in, time.Date(2027, 1, 10, 0, 30, 0, 0, time.UTC)); err == nil {
		t.Fatal("start before today's UTC date accepted")
	}
}

func TestNewMissionIsSubmittedAndAnnounced(t *testing.T) {
	m, events, err := domain.NewMission("m1", "firm-1", validInput(), now)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "m1" || m.FirmID != "firm-1" || m.Status != domain.StatusSubmitted || !m.CreatedAt.Equal(now) || m.ShortlistRevision != 0 {
		t.Fatalf("unexpected mission %+v", m)
	}
	if len(events) != 1 {
		t.Fatalf("events = %#v", events)
	}
	if sub, ok := events[0].(domain.MissionSubmitted); !ok || sub.Mission.ID != "m1" ||
		!slices.Equal(sub.Mission.RequiredSkillLevels, []domain.SkillRequirement{{ID: "ai-strategy", MinLevel: 4}}) {
		t.Fatalf("event = %#v, want MissionSubmitted", events[0])
	}
	in := validInput()
	in.DurationMonths = 5
	if _, _, err := domain.NewMission("m2", "firm-1", in, now); fault.KindOf(err) != fault.KindInvalid {
		t.Fatalf("invalid mission accepted: %v", err)
	}
}

func mission(status domain.Status, revision int64) domain.Mission {
	m, _, _ := domain.NewMission("m1", "firm-1", validInput(), now)
	m.Status = status
	m.ShortlistRevision = revision
	return m
}

func TestApplyShortlistTransitions(t *testing.T) {
	later := now.Add(time.Minute)
	cases := []struct {
		name       string
		from       domain.Status
		lastRev    int64
		rev        int64
		candidates int
		want       domain.Status
		wantRev    int64
		applied    bool
		updated    bool
	}{
		{"submitted with candidates", domain.StatusSubmitted, 0, 1, 2, domain.StatusShortlisted, 1, true, true},
		{"submitted without candidates", domain.StatusSubmitted, 0, 1, 0, domain.StatusNoMatch, 1, true, true},
		{"shortlisted loses candidates", domain.StatusShortlisted, 1, 2, 0, domain.StatusNoMatch, 2, true, true},
		{"no match gains candidates", domain.StatusNoMatch, 1, 3, 1, domain.StatusShortlisted, 3, true, true},
		{"shortlisted re-ranked", domain.StatusShortlisted, 1, 2, 5, domain.StatusShortlisted, 2, true, false},
		{"same revision ignored", domain.StatusShortlisted, 2, 2, 0, domain.StatusShortlisted, 2, false, false},
		{"older revision ignored", domain.StatusShortlisted, 3, 2, 0, domain.StatusShortlisted, 3, false, false},
		{"cancelled ignores shortlists", domain.StatusCancelled, 1, 2, 3, domain.StatusCancelled, 1, false, false},
		{"offered ignores shortlists", domain.StatusOffered, 1, 2, 0, domain.StatusOffered, 1, false, false},
		{"staffed ignores shortlists", domain.StatusStaffed, 1, 2, 0, domain.StatusStaffed, 1, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission(tc.from, tc.lastRev)
			events, applied := m.ApplyShortlist(tc.rev, tc.candidates, later)
			if m.Status != tc.want || m.ShortlistRevision != tc.wantRev || applied != tc.applied {
				t.Fatalf("status %s rev %d applied %v, want %s rev %d applied %v",
					m.Status, m.ShortlistRevision, applied, tc.want, tc.wantRev, tc.applied)
			}
			if !tc.updated {
				if len(events) != 0 || !m.UpdatedAt.Equal(now) {
					t.Fatalf("no status change, yet events %#v, updatedAt %v", events, m.UpdatedAt)
				}
				return
			}
			want := []domain.Event{domain.MissionUpdated{MissionID: "m1", Status: tc.want}}
			if !slices.Equal(events, want) || !m.UpdatedAt.Equal(later) {
				t.Fatalf("events %#v updatedAt %v, want %#v at %v", events, m.UpdatedAt, want, later)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	later := now.Add(time.Hour)
	for _, from := range []domain.Status{domain.StatusSubmitted, domain.StatusShortlisted, domain.StatusNoMatch, domain.StatusOffered} {
		t.Run(from.String(), func(t *testing.T) {
			m := mission(from, 1)
			events, err := m.Cancel(later)
			if err != nil {
				t.Fatal(err)
			}
			want := []domain.Event{
				domain.MissionCancelled{MissionID: "m1", FirmID: "firm-1"},
				domain.MissionUpdated{MissionID: "m1", Status: domain.StatusCancelled},
			}
			if m.Status != domain.StatusCancelled || !m.UpdatedAt.Equal(later) || !slices.Equal(events, want) {
				t.Fatalf("status %s at %v, events %#v", m.Status, m.UpdatedAt, events)
			}
		})
	}
	for _, from := range []domain.Status{domain.StatusCancelled, domain.StatusStaffed} {
		t.Run(from.String(), func(t *testing.T) {
			m := mission(from, 1)
			events, err := m.Cancel(later)
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.KindFailedPrecondition || fe.Reason != domain.ReasonMissionNotCancellable {
				t.Fatalf("err = %v, want FAILED_PRECONDITION %s", err, domain.ReasonMissionNotCancellable)
			}
			if m.Status != from || len(events) != 0 {
				t.Fatalf("refused cancel changed the mission: %s, %#v", m.Status, events)
			}
		})
	}
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
}
