package grpcapi_test

import (
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/services/profile/grpcapi"
)

func request() *profilev1.CreateProfileRequest {
	return &profilev1.CreateProfileRequest{
		DisplayName: "Claire Martin", Email: "claire.martin@example.org", Sectors: []string{"C21"},
		Skills: []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 5}}, YearsExperience: 18,
		Languages: []string{"fr"}, Location: &taxonomyv1.Location{Country: "FR"},
		WorkMode: taxonomyv1.WorkMode_WORK_MODE_REMOTE, DailyRateEur: 1400, AvailableFrom: "2027-01-04",
	}
}

func fields(t *testing.T, err error) []string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid || fe.Reason != fault.ReasonInvalidArgument {
		t.Fatalf("want an invalid-argument fault, got %v", err)
	}
	var out []string
	for _, v := range fe.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	if err := grpcapi.Validate(request()); err != nil {
		t.Fatalf("valid create refused: %v", err)
	}
	bad := request()
	bad.Skills = []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 0}, nil}
	bad.Location = nil
	bad.WorkMode = taxonomyv1.WorkMode_WORK_MODE_UNSPECIFIED
	bad.DailyRateEur = -1
	want := []string{"skills[0].level", "skills[1].id", "skills[1].level", "location.country", "workMode", "dailyRateEur"}
	if got := fields(t, grpcapi.Validate(bad)); !slices.Equal(got, want) {
		t.Fatalf("create fields %q, want %q", got, want)
	}

	r := request()
	replace := &profilev1.ReplaceProfileRequest{
		Id: "p1", DisplayName: r.DisplayName, Email: r.Email, Sectors: r.Sectors, Skills: r.Skills,
		YearsExperience: r.YearsExperience, Languages: r.Languages, Location: r.Location, WorkMode: r.WorkMode,
		DailyRateEur: r.DailyRateEur, AvailableFrom: r.AvailableFrom,
	}
	if err := grpcapi.Validate(replace); err != nil {
		t.Fatalf("valid replace refused: %v", err)
	}
	replace.Email = "nope"
	replace.Sectors = []string{"C21", "Z99"}
	replace.AvailableFrom = "2027-1-4"
	if got := fields(t, grpcapi.Validate(replace)); !slices.Equal(got, []string{"email", "sectors[1]", "availableFrom"}) {
		t.Fatalf("replace fields %q", got)
	}

	if err := grpcapi.Validate(&profilev1.GetProfileRequest{}); err != nil {
		t.Fatalf("other messages pass: %v", err)
	}
	if err := grpcapi.Validate(&profilev1.DeleteProfileRequest{}); err != nil {
		t.Fatalf("other messages pass: %v", err)
	}
}
