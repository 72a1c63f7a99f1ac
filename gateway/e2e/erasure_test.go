package e2e

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// filesHolding returns the files under dir whose bytes contain text (the SQLite databases with
// their logs, the NATS store, the pseudonym key...).
func filesHolding(t *testing.T, dir, text string) []string {
	t.Helper()
	var found []string
	readDataFiles(t, dir, func(rel string, b []byte) {
		if bytes.Contains(b, []byte(text)) {
			found = append(found, rel)
		}
	})
	return found
}

// readDataFiles hands each regular file under dir, read whole, to read with its path relative
// to dir. A file removed while the walk runs (a SQLite journal, a NATS temporary) held
// nothing; any other failure to read fails the test, which would otherwise miss what it holds.
func readDataFiles(t *testing.T, dir string, read func(rel string, b []byte)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		read(rel, b)
		return nil
	})
	if err != nil {
		t.Fatalf("reading the files under %s: %v", dir, err)
	}
}

// TestAConsultantErasesTheirAccountEverywhere: a consultant with a profile, a declined offer
// (with a reason) and a pending one erases their account. Their token stops at once; the
// profile is gone; the firm's trail keeps the decisions under pseudonyms, without the reason;
// the audit log keeps only pseudonymous records; and once every service has taken the erasure
// in, no file of the platform (databases, logs of the databases, the NATS store) holds their
// name, email, headline or reason.
func TestAConsultantErasesTheirAccountEverywhere(t *testing.T) {
	dataDir := t.TempDir()
	p := startPlatform(t, dataDir)
	const (
		name     = "Zoé Canaryerase"
		email    = "zoe.canaryerase@example.org"
		headline = "Headline-canaryerase-7f3"
		reason   = "Reason-canaryerase-91c: not this sector"
	)
	created := p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "CONSULTANT", "name": name, "email": email})
	consultantID, consultantToken := str(created, "account", "id"), str(created, "token")
	firmID, firmToken := p.createAccount("FIRM", "Acme Erasure")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody(name, func(b map[string]any) {
		b["email"], b["headline"] = email, headline
	})), "profile", "id")

	declinedMission := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, declinedMission, firmToken, 1)
	declined := str(makeOffer(t, p, declinedMission, profileID, firmToken), "offer", "id")
	p.mustCall("POST", "/v1/offers/"+declined+"/decline", consultantToken, map[string]any{"reason": reason})
	pendingMission := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, pendingMission, firmToken, 1)
	pending := str(makeOffer(t, p, pendingMission, profileID, firmToken), "offer", "id")
	p.mustCall("GET", "/v1/profiles/"+profileID, firmToken, nil)
	findAudit(t, p, "the firm's read", map[string]string{"subjectId": profileID, "actorId": firmID}, map[string]string{"action": "GET /v1/profiles/{id}"})

	// The test proves something only if the person's data was on disk.
	for _, text := range []string{name, email, headline, reason} {
		eventually(t, 10*time.Second, "a file holding "+text, func() bool { return len(filesHolding(t, dataDir, text)) > 0 })
	}

	if len(filesHolding(t, filepath.Join(dataDir, "nats", "jetstream", "$G", "streams", "MATCHING"), profileID)) == 0 {
		t.Fatal("no shortlist event names the profile before erasure: the test would prove nothing")
	}

	// Someone else cannot erase it, nor tell it exists.
	if r := p.call("DELETE", "/v1/accounts/"+consultantID, firmToken, nil); r.status != 404 {
		t.Fatalf("a firm erasing the consultant: %d %s", r.status, r.raw)
	}
	erased := p.mustCall("DELETE", "/v1/accounts/"+consultantID, consultantToken, nil)
	accountPseudonym := str(erased, "accountPseudonym")
	if !strings.HasPrefix(accountPseudonym, "erased-") || len(list(erased, "profilePseudonyms")) != 1 {
		t.Fatalf("erasure answer %v", erased)
	}
	profilePseudonym := list(erased, "profilePseudonyms")[0].(string)

	// At once: the token is refused, the account and profile are gone.
	if r := p.call("GET", "/v1/accounts/"+consultantID, consultantToken, nil); r.status != 401 {
		t.Errorf("the erased account's token: %d", r.status)
	}
	if r := p.call("GET", "/v1/accounts/"+consultantID, operatorToken, nil); r.status != 404 {
		t.Errorf("the erased account for an operator: %d", r.status)
	}
	if r := p.call("GET", "/v1/profiles/"+profileID, operatorToken, nil); r.status != 404 {
		t.Errorf("the erased profile for an operator: %d", r.status)
	}
	if r := p.call("DELETE", "/v1/accounts/"+consultantID, operatorToken, nil); r.status != 404 {
		t.Errorf("erasing again: %d", r.status)
	}

	// The services take the erasure in: the pending offer is withdrawn, the trail pseudonymised.
	eventually(t, 15*time.Second, "the pending offer withdrawn", func() bool {
		for _, o := range list(p.mustCall("GET", "/v1/offers?missionId="+pendingMission, firmToken, nil), "offers") {
			if str(o.(map[string]any), "id") == pending {
				return str(o.(map[string]any), "status") == "OFFER_STATUS_WITHDRAWN"
			}
		}
		return false
	})
	eventually(t, 15*time.Second, "the trail pseudonymised", func() bool {
		raw := p.call("GET", "/v1/missions/"+declinedMission+"/decisions", firmToken, nil).raw
		return strings.Contains(raw, profilePseudonym) && !strings.Contains(raw, profileID) && !strings.Contains(raw, consultantID)
	})
	trail := p.call("GET", "/v1/missions/"+declinedMission+"/decisions", firmToken, nil).raw
	if strings.Contains(trail, "canaryerase") || !strings.Contains(trail, "OFFER_DECLINED") {
		t.Errorf("the trail after erasure: %s", truncate(trail, 400))
	}
	// Only pseudonymous audit records remain.
	for _, subject := range []string{consultantID, profileID} {
		if events := list(p.mustCall("GET", "/v1/ops/audit?subjectId="+subject, operatorToken, nil), "events"); len(events) != 0 {
			t.Errorf("the audit log still names %s in %d events", subject, len(events))
		}
	}
	if events := list(p.mustCall("GET", "/v1/ops/audit?actorId="+consultantID, operatorToken, nil), "events"); len(events) != 0 {
		t.Errorf("the audit log still names the erased account as actor in %d events", len(events))
	}
	findAudit(t, p, "the firm's read, pseudonymised", map[string]string{"subjectId": profilePseudonym, "actorId": firmID},
		map[string]string{"action": "GET /v1/profiles/{id}"})

	// The shortlists published with the person among their candidates (their explanations quote
	// the person's facts) are erased from the MATCHING stream, while they were in it before.
	matchingStream := filepath.Join(dataDir, "nats", "jetstream", "$G", "streams", "MATCHING")
	eventually(t, 20*time.Second, "no shortlist event naming the profile", func() bool {
		return len(filesHolding(t, matchingStream, profileID)) == 0
	})

	// Nothing on disk: every service's database and log, and the NATS store.
	for _, text := range []string{name, email, headline, reason} {
		eventually(t, 20*time.Second, "no file holding "+text, func() bool { return len(filesHolding(t, dataDir, text)) == 0 })
	}
	for _, text := range []string{name, email, headline, reason} {
		if files := filesHolding(t, dataDir, text); len(files) > 0 {
			t.Errorf("%q is still in %v", text, files)
		}
	}
}

// TestAFirmErasesItsAccount: an operator erases a firm's account (with a contact email): its
// token stops, its open mission is cancelled (its pending offer withdrawn, so the consultant
// is not left with a ghost's offer), the trail names the firm by a pseudonym, and its name and
// email are in no file.
func TestAFirmErasesItsAccount(t *testing.T) {
	dataDir := t.TempDir()
	p := startPlatform(t, dataDir)
	const name, email = "Firmcanary Erasure SA", "staffing@firmcanary.example"
	created := p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "FIRM", "name": name, "email": email})
	firmID, firmToken := str(created, "account", "id"), str(created, "token")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)
	offerID := str(makeOffer(t, p, missionID, profileID, firmToken), "offer", "id")
	eventually(t, 10*time.Second, "the firm's name and email on disk", func() bool {
		return len(filesHolding(t, dataDir, name)) > 0 && len(filesHolding(t, dataDir, email)) > 0
	})

	answer := p.mustCall("DELETE", "/v1/accounts/"+firmID, operatorToken, nil)
	if !strings.HasPrefix(str(answer, "accountPseudonym"), "erased-") || len(list(answer, "profilePseudonyms")) != 0 {
		t.Fatalf("erasure answer %v", answer)
	}
	if r := p.call("GET", "/v1/missions/"+missionID, firmToken, nil); r.status != 401 {
		t.Errorf("the erased firm's token: %d", r.status)
	}
	eventually(t, 15*time.Second, "the mission cancelled and the offer withdrawn", func() bool {
		m := p.mustCall("GET", "/v1/missions/"+missionID, operatorToken, nil)
		offers := list(p.mustCall("GET", "/v1/offers?missionId="+missionID, operatorToken, nil), "offers")
		return str(m, "mission", "status") == "MISSION_STATUS_CANCELLED" && len(offers) == 1 &&
			str(offers[0].(map[string]any), "id") == offerID && str(offers[0].(map[string]any), "status") == "OFFER_STATUS_WITHDRAWN"
	})
	trail := p.call("GET", "/v1/missions/"+missionID+"/decisions", operatorToken, nil).raw
	if strings.Contains(trail, firmID) || !strings.Contains(trail, str(answer, "accountPseudonym")) {
		t.Errorf("the trail after the firm's erasure: %s", truncate(trail, 400))
	}
	for _, text := range []string{name, email} {
		eventually(t, 20*time.Second, "no file holding "+text, func() bool { return len(filesHolding(t, dataDir, text)) == 0 })
	}
}

// TestDeletingAProfileKeepsTheAccountAndPseudonymisesItsAuditRecords: DELETE /v1/profiles/{id}
// erases the profile, not the account; the audit log's records of the profile (a firm's read
// included) then name its pseudonym, and another consultant still cannot delete it.
func TestDeletingAProfileKeepsTheAccountAndPseudonymisesItsAuditRecords(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	consultantID, consultantToken := p.createAccount("CONSULTANT", "Claire Martin")
	_, otherToken := p.createAccount("CONSULTANT", "Jean Dupont")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")
	p.mustCall("GET", "/v1/profiles/"+profileID, consultantToken, nil)
	findAudit(t, p, "the owner's read", map[string]string{"subjectId": profileID}, map[string]string{"action": "GET /v1/profiles/{id}"})

	if r := p.call("DELETE", "/v1/profiles/"+profileID, otherToken, nil); r.status != 404 {
		t.Fatalf("another consultant deleting the profile: %d %s", r.status, r.raw)
	}
	p.mustCall("DELETE", "/v1/profiles/"+profileID, consultantToken, nil)
	if r := p.call("GET", "/v1/profiles/"+profileID, consultantToken, nil); r.status != 404 {
		t.Errorf("the deleted profile: %d", r.status)
	}
	if r := p.call("GET", "/v1/accounts/"+consultantID, consultantToken, nil); r.status != 200 {
		t.Errorf("the account after its profile's deletion: %d", r.status)
	}
	eventually(t, 10*time.Second, "no audit record naming the profile", func() bool {
		return len(list(p.mustCall("GET", "/v1/ops/audit?subjectId="+profileID, operatorToken, nil), "events")) == 0
	})
	// The read and the deletion (recorded after its answer) name the pseudonym.
	eventually(t, 10*time.Second, "the owner's read and deletion under the pseudonym", func() bool {
		pseudonymous := 0
		for _, e := range list(p.mustCall("GET", "/v1/ops/audit?actorId="+consultantID, operatorToken, nil), "events") {
			if strings.HasPrefix(str(e.(map[string]any), "subjectId"), "erased-") {
				pseudonymous++
			}
		}
		return pseudonymous >= 2
	})
	if n := len(list(p.mustCall("GET", "/v1/ops/audit?subjectId="+profileID, operatorToken, nil), "events")); n != 0 {
		t.Errorf("%d audit events name the deleted profile", n)
	}
}

// TestAPendingSignUpMayEraseItself: someone who signed up and is still waiting for approval may
// leave: their account and profile are erased, their sign-up email leaves the mailbox.
func TestAPendingSignUpMayEraseItself(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	const email = "pending.leaver@example.org"
	if r := p.call("POST", "/v1/signup", "", map[string]any{"role": "CONSULTANT", "name": "Paula Leaver", "email": email}); r.status != 202 {
		t.Fatalf("sign-up: %d %s", r.status, r.raw)
	}
	var code string
	eventually(t, 5*time.Second, "the code in the mailbox", func() bool {
		for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
			if msg := m.(map[string]any); msg["to"] == email {
				code = regexp.MustCompile(`\b\d{6}\b`).FindString(msg["text"].(string))
			}
		}
		return code != ""
	})
	verified := p.mustCall("POST", "/v1/signup/verify", "", map[string]any{"email": email, "code": code})
	token, id := str(verified, "token"), str(verified, "account", "id")
	p.mustCall("POST", "/v1/profiles", token, profileBody("Paula Leaver", nil))
	answer := p.mustCall("DELETE", "/v1/accounts/"+id, token, nil)
	if len(list(answer, "profilePseudonyms")) != 1 {
		t.Errorf("erasure answer %v", answer)
	}
	if r := p.call("GET", "/v1/accounts/"+id, token, nil); r.status != 401 {
		t.Errorf("the erased pending account's token: %d", r.status)
	}
	for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
		if m.(map[string]any)["to"] == email {
			t.Error("the mailbox still holds an email to the erased address")
		}
	}
}
