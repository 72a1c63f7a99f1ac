package e2e

import "testing"

// TestExposureReportThroughHTTP: operators read how proposals spread; firms may never.
func TestExposureReportThroughHTTP(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil))
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)

	r := p.mustCall("GET", "/v1/ops/exposure", operatorToken, nil)
	if str(r, "openMissions") != "1" || str(r, "overall", "consultants") != "1" ||
		str(r, "overall", "eligibleAtLeastOnce") != "1" || str(r, "overall", "shortlistedAtLeastOnce") != "1" ||
		len(list(r, "byCountry")) != 1 || str(list(r, "byCountry")[0].(map[string]any), "key") != "FR" {
		t.Fatalf("exposure report: %v", r)
	}
	if got := p.call("GET", "/v1/ops/exposure", firmToken, nil); got.status != 403 {
		t.Fatalf("a firm read the exposure report: status %d", got.status)
	}
}
