package missionrules_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

func fields(t *testing.T, err error) []string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid {
		t.Fatalf("want an invalid argument, got %v", err)
	}
	var out []string
	for _, v := range fe.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestFreeTextRefusesControlCharacters(t *testing.T) {
	if msg, err := missionrules.CheckOfferTerms("m", "p", 0, " Line one\nLine\ttwo\r\n "); err != nil || msg != "Line one\nLine\ttwo" {
		t.Fatalf("%q, %v", msg, err)
	}
	for _, bad := range []string{"nul \x00", "bell \a", "del \x7f", "\xff\xfe", strings.Repeat("a", 2001)} {
		if got := fields(t, func() error { _, err := missionrules.CheckOfferTerms("m", "p", 0, bad); return err }()); !slices.Equal(got, []string{"message"}) {
			t.Fatalf("%q: %v", bad, got)
		}
	}
	if got := fields(t, func() error { _, err := missionrules.CheckOfferTerms("", "", -1, ""); return err }()); !slices.Equal(got, []string{"missionId", "profileId", "dailyRateEur"}) {
		t.Fatalf("fields %v", got)
	}
	if got := fields(t, func() error { _, err := missionrules.CheckCounter("o", 0, ""); return err }()); !slices.Equal(got, []string{"dailyRateEur"}) {
		t.Fatalf("fields %v", got)
	}
	if got := fields(t, func() error { _, err := missionrules.CheckReason("reason", "  "); return err }()); !slices.Equal(got, []string{"reason"}) {
		t.Fatalf("fields %v", got)
	}
	if got := fields(t, func() error { _, err := missionrules.CheckFeedback("m", 6, "x\x00"); return err }()); !slices.Equal(got, []string{"rating", "comment"}) {
		t.Fatalf("fields %v", got)
	}
	if err := missionrules.CheckRateWithinBudget(1201, 1200); err == nil {
		t.Fatal("a rate over the budget passed")
	}
}

func TestExtensionAndEarlyEndDates(t *testing.T) {
	day := func(s string) time.Time { d, _ := dates.Parse(s); return d }
	start, end := day("2027-04-01"), day("2027-09-30")
	if err := missionrules.CheckExtensionDates(start, end, day("2028-09-30")); err != nil {
		t.Fatalf("18 months in all: %v", err)
	}
	if fe, _ := fault.As(missionrules.CheckExtensionDates(start, end, day("2028-10-01"))); fe == nil || fe.Reason != missionrules.ReasonExtensionTooLong {
		t.Fatalf("past 18 months: %v", fe)
	}
	if fe, _ := fault.As(missionrules.CheckExtensionDates(start, end, end)); fe == nil || fe.Reason != fault.ReasonInvalidArgument {
		t.Fatalf("not after the end: %v", fe)
	}
	for _, s := range []string{"2027-04-01", "2027-09-29"} {
		if err := missionrules.CheckEarlyEndDate(start, end, day(s)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"2027-03-31", "2027-09-30", "2027-12-01"} {
		if err := missionrules.CheckEarlyEndDate(start, end, day(s)); err == nil {
			t.Fatalf("%s passed", s)
		}
	}
}

func TestUpdateMaskPatchAndChangedFields(t *testing.T) {
	if got := fields(t, func() error {
		_, err := missionrules.CheckUpdateMask("m", []string{"title", "firmId", "status"})
		return err
	}()); len(got) != 2 || got[0] != "updateMask" {
		t.Fatalf("fields %v", got)
	}
	if _, err := missionrules.CheckUpdateMask("m", nil); err == nil {
		t.Fatal("an empty mask passed")
	}
	mask, err := missionrules.CheckUpdateMask("m", []string{"title", "max_daily_rate_eur", "location.city"})
	if err != nil {
		t.Fatal(err)
	}
	current := missionrules.Request{Title: "Old", Sector: "C21", MissionType: taxonomy.MissionTypeAIStrategy, RequiredSkills: []string{"ai-strategy"},
		StartDate: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), DurationMonths: 6, MaxDailyRateEUR: 1000, Languages: []string{"fr"},
		Location: missionrules.Location{Country: "FR", City: "Paris"}, WorkMode: taxonomy.WorkModeRemote}
	in := missionrules.Patch(current, missionrules.RequestInput{Request: missionrules.Request{Title: "New", MaxDailyRateEUR: 1100,
		Location: missionrules.Location{City: "Lyon"}, Sector: "ignored"}}, mask)
	if in.Title != "New" || in.MaxDailyRateEUR != 1100 || in.Location != (missionrules.Location{Country: "FR", City: "Lyon"}) ||
		in.Sector != "C21" || in.StartDate != "2027-04-01" {
		t.Fatalf("patched %+v", in)
	}
	r, err := missionrules.NewRequest(in, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := missionrules.ChangedFields(current, r); !slices.Equal(got, []string{"title", "maxDailyRateEur", "location"}) {
		t.Fatalf("changed %v", got)
	}
	if got := missionrules.ChangedFields(current, current); got != nil {
		t.Fatalf("changed %v", got)
	}
}

func TestCheckLineRefusesControlCharactersAndInvalidUTF8(t *testing.T) {
	for s, ok := range map[string]bool{"Directrice IA – Lyon": true, "": true, "a\x00b": false, "a\nb": false, "a\tb": false,
		"\xff": false, "a\u0085b": false} {
		var v fault.Violations
		missionrules.CheckLine(&v, "title", s)
		if (v.Err() == nil) != ok {
			t.Errorf("CheckLine(%q): %v, want ok %v", s, v.Err(), ok)
		}
	}
}
