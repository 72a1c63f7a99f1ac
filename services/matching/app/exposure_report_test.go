package app_test

import (
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// TestExposureReportCountsEligibilityAndAppearances: with a cap of one shortlist per
// consultant, two missions that want the same three consultants show each of them once at
// most; the German gdpr expert is eligible nowhere.
func TestExposureReportCountsEligibilityAndAppearances(t *testing.T) {
	h := newHarness(t, config(2, 1))
	for i := 1; i <= 3; i++ {
		h.putProfile(t, profile(pid(i), i))
	}
	g := gdprProfile(pid(4))
	g.Country, g.YearsExperience = "DE", 22
	h.putProfile(t, g)
	h.submit(t, mission("m-1", "firm-1"))
	h.submit(t, mission("m-2", "firm-1"))

	if _, err := h.app.GetExposureReport(t.Context(), identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}); fault.KindOf(err) != fault.KindPermissionDenied {
		t.Fatalf("a firm read the exposure report: %v", err)
	}
	r, err := h.app.GetExposureReport(t.Context(), operator)
	if err != nil {
		t.Fatal(err)
	}
	// Three consultants eligible for both missions; two places each, one shortlist each: three
	// of the four places are taken (the cap leaves m-2 one candidate short), so everyone
	// eligible appears once.
	want := domain.NewExposureReport([]domain.Exposure{
		{Country: "FR", Years: 15, Eligible: 2, Appearances: 1},
		{Country: "FR", Years: 15, Eligible: 2, Appearances: 1},
		{Country: "FR", Years: 15, Eligible: 2, Appearances: 1},
		{Country: "DE", Years: 22, Eligible: 0, Appearances: 0},
	}, 2)
	if r.Overall != want.Overall || r.OpenMissions != 2 || len(r.ByCountry) != 2 || r.ByCountry[0] != want.ByCountry[0] ||
		len(r.BySeniority) != 2 || r.BySeniority[1].Key != "20+" {
		t.Fatalf("report %+v\nwant %+v", r, want)
	}
	if r.Overall.EligibleAtLeastOnce != 3 || r.Overall.NeverShownWhileEligible != 0 || r.Overall.Gini != 0 {
		t.Fatalf("overall %+v", r.Overall)
	}
}
