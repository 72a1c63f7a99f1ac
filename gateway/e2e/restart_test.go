package e2e

import (
	"fmt"
	"testing"
	"time"
)

// TestRestartKeepsEverythingAndAppliesNoEventTwice stops the platform after accepted writes
// and starts it again on the same data directory.
func TestRestartKeepsEverythingAndAppliesNoEventTwice(t *testing.T) {
	dataDir := t.TempDir()
	p := startPlatform(t, dataDir)
	_, firmToken := p.createAccount("FIRM", "Restart SA")
	var consultantTokens []string
	for i := range 6 {
		_, token := p.createAccount("CONSULTANT", fmt.Sprintf("C%d", i))
		consultantTokens = append(consultantTokens, token)
		p.mustCall("POST", "/v1/profiles", token, profileBody(fmt.Sprintf("Consultant %d", i), nil))
	}
	time.Sleep(200 * time.Millisecond)
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	var before map[string]any
	eventually(t, 5*time.Second, "shortlist READY", func() bool {
		before = p.mustCall("GET", "/v1/missions/"+missionID+"/shortlist", firmToken, nil)
		return str(before, "status") == "SHORTLIST_STATUS_READY"
	})
	// Let late profile events settle so the snapshot is the final shortlist before the stop.
	time.Sleep(300 * time.Millisecond)
	before = p.mustCall("GET", "/v1/missions/"+missionID+"/shortlist", firmToken, nil)
	eventually(t, 5*time.Second, "mission SHORTLISTED", func() bool {
		return str(p.mustCall("GET", "/v1/missions/"+missionID, firmToken, nil), "mission", "status") == "MISSION_STATUS_SHORTLISTED"
	})
	// A write accepted just before the stop must survive it.
	lateMission := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(func(b map[string]any) {
		b["title"] = "Accepted right before the stop"
	})), "mission", "id")
	p.shutdown()

	q := startPlatform(t, dataDir)
	// Tokens, accounts, profiles and missions are all still there.
	q.mustCall("GET", "/v1/missions/"+missionID+"/shortlist", firmToken, nil)
	eventually(t, 5*time.Second, "late mission ranked after restart", func() bool {
		s := q.mustCall("GET", "/v1/missions/"+lateMission+"/shortlist", firmToken, nil)
		return str(s, "status") == "SHORTLIST_STATUS_READY"
	})
	// Give redeliveries, if any were wrongly applied, time to show.
	time.Sleep(500 * time.Millisecond)
	after := q.mustCall("GET", "/v1/missions/"+missionID+"/shortlist", firmToken, nil)
	if str(after, "revision") != str(before, "revision") {
		t.Errorf("shortlist revision changed across restart: %s -> %s (an event was applied twice)", str(before, "revision"), str(after, "revision"))
	}
	if len(list(after, "candidates")) != len(list(before, "candidates")) {
		t.Errorf("candidates changed across restart")
	}
	late := q.mustCall("GET", "/v1/missions/"+lateMission+"/shortlist", firmToken, nil)
	if str(late, "revision") != "1" {
		t.Errorf("late mission shortlist revision = %s, want 1", str(late, "revision"))
	}
	missions := q.mustCall("GET", "/v1/missions", firmToken, nil)
	if n := len(list(missions, "missions")); n != 2 {
		t.Errorf("firm has %d missions after restart, want 2", n)
	}
	if r := q.call("POST", "/v1/profiles", consultantTokens[0], profileBody("Again", nil)); r.status != 409 {
		t.Errorf("second profile for the same consultant after restart: status %d, want 409", r.status)
	}
}
