package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/notification/service/webhooktest"
)

// exportOf downloads path as token and checks the download's headers.
func exportOf(t *testing.T, p *platform, path, token, id string) (map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, raw)
	}
	if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="caiomatch-export-`+id+`.json"`; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("the export is not JSON: %v", err)
	}
	return doc, string(raw)
}

// TestAPersonExportsWhatIsHeldAboutThem: a consultant with a profile, an offer accepted (which
// books them), a notification and a webhook downloads their export: each is there, no secret is,
// and the firm's read of their profile is in viewedBy. Another consultant gets 404, a firm 403
// on a profile export and 404 on someone else's account; the firm's own export holds its
// missions and offers; the export itself is in the audit log.
func TestAPersonExportsWhatIsHeldAboutThem(t *testing.T) {
	p := startPlatformWithLocalWebhooks(t)
	firmID, firmToken := p.createAccount("FIRM", "Acme Pharma")
	claireID, claireToken := p.createAccount("CONSULTANT", "Claire Martin")
	_, otherToken := p.createAccount("CONSULTANT", "Jean Dupont")
	profileID := str(p.mustCall("POST", "/v1/profiles", claireToken, profileBody("Claire Martin", nil)), "profile", "id")

	hook := webhooktest.Start(t, true)
	created := p.mustCall("POST", "/v1/webhooks", claireToken, map[string]any{"url": hook.URL + "/hooks", "events": []string{"offer.made"}})
	secret := str(created, "secret")
	hook.SetSecret(secret)
	tokenSecret := str(p.mustCall("POST", "/v1/tokens", claireToken, map[string]any{"name": "ats-sync"}), "secret")

	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)
	p.mustCall("GET", "/v1/profiles/"+profileID, firmToken, nil)
	offerID := str(makeOffer(t, p, missionID, profileID, firmToken), "offer", "id")
	eventually(t, 10*time.Second, "the offer's notification", func() bool {
		return len(list(p.mustCall("GET", "/v1/notifications", claireToken, nil), "notifications")) > 0
	})
	p.mustCall("POST", "/v1/offers/"+offerID+"/accept", claireToken, map[string]any{})
	eventually(t, 10*time.Second, "the booking the acceptance makes", func() bool {
		return len(list(p.mustCall("GET", "/v1/profiles/"+profileID, claireToken, nil)["profile"].(map[string]any), "bookings")) > 0
	})
	findAudit(t, p, "the firm's read", map[string]string{"subjectId": profileID, "actorId": firmID},
		map[string]string{"action": "GET /v1/profiles/{id}"})

	doc, raw := exportOf(t, p, "/v1/accounts/"+claireID+"/export", claireToken, claireID)
	if str(doc, "account", "id") != claireID || str(doc, "scope") != "account" {
		t.Errorf("account: %v", doc["account"])
	}
	profiles := list(doc, "profiles")
	if len(profiles) != 1 || str(profiles[0].(map[string]any), "id") != profileID {
		t.Fatalf("profiles: %v", profiles)
	}
	if len(list(profiles[0].(map[string]any), "bookings")) == 0 {
		t.Errorf("the booking the acceptance made is missing: %v", profiles[0])
	}
	offers := list(doc, "offers")
	if len(offers) != 1 || str(offers[0].(map[string]any), "id") != offerID || str(offers[0].(map[string]any), "status") != "OFFER_STATUS_ACCEPTED" {
		t.Errorf("offers: %v", offers)
	}
	if len(list(doc, "notifications")) == 0 {
		t.Error("no notification")
	}
	if hooks := list(doc, "webhooks"); len(hooks) != 1 || !strings.Contains(str(hooks[0].(map[string]any), "webhook", "url"), "/hooks") {
		t.Errorf("webhooks: %v", hooks)
	}
	if tokens := list(doc, "tokens"); len(tokens) < 2 {
		t.Errorf("tokens: %v", tokens)
	}
	for _, s := range []string{secret, tokenSecret, claireToken, "whsec_"} {
		if strings.Contains(raw, s) {
			t.Errorf("the export holds a secret %.10s…", s)
		}
	}
	viewed := false
	for _, v := range list(doc, "viewedBy") {
		view := v.(map[string]any)
		viewed = viewed || (str(view, "actorId") == firmID && str(view, "subjectId") == profileID && str(view, "at") != "")
		if str(view, "actorId") == claireID {
			t.Errorf("the person's own reads are listed: %v", view)
		}
	}
	if !viewed {
		t.Errorf("the firm's read is not in viewedBy: %v", doc["viewedBy"])
	}
	if incomplete := list(doc, "incomplete"); len(incomplete) != 0 {
		t.Errorf("the export is incomplete: %v", incomplete)
	}
	proposals := list(doc, "proposals")
	if len(proposals) == 0 {
		t.Fatalf("no proposal: %v", doc["proposals"])
	}
	proposal := proposals[0].(map[string]any)
	if str(proposal, "missionId") != missionID || str(proposal, "candidate", "profileId") != profileID ||
		len(list(proposal["candidate"].(map[string]any)["explanation"].(map[string]any), "components")) == 0 {
		t.Errorf("the proposal: %v", proposal)
	}

	// The settings page's link: the browser sends the session cookie, not a bearer token.
	req, _ := http.NewRequest(http.MethodGet, p.url+"/v1/accounts/"+claireID+"/export", nil)
	req.AddCookie(&http.Cookie{Name: "caiomatch_session", Value: claireToken})
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, err := p.client.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the download with the session cookie: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	profileDoc, _ := exportOf(t, p, "/v1/profiles/"+profileID+"/export", claireToken, profileID)
	if str(profileDoc, "scope") != "profile" || len(list(profileDoc, "offers")) != 1 || len(list(profileDoc, "profiles")) != 1 ||
		len(list(profileDoc, "proposals")) == 0 {
		t.Errorf("the profile export: %v", profileDoc)
	}

	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/v1/accounts/" + claireID + "/export", otherToken, http.StatusNotFound},
		{"/v1/profiles/" + profileID + "/export", otherToken, http.StatusNotFound},
		{"/v1/profiles/" + profileID + "/export", firmToken, http.StatusForbidden},
		{"/v1/accounts/" + claireID + "/export", firmToken, http.StatusNotFound},
		{"/v1/accounts/" + claireID + "/export", operatorToken, http.StatusForbidden},
		{"/v1/accounts/" + claireID + "/export", "", http.StatusUnauthorized},
		{"/v1/profiles/not-an-id/export", claireToken, http.StatusNotFound},
		{"/v1/accounts/" + claireID + "/export?all=1", claireToken, http.StatusBadRequest},
	} {
		if r := p.call("GET", c.path, c.token, nil); r.status != c.want {
			t.Errorf("GET %s: %d, want %d: %s", c.path, r.status, c.want, r.raw)
		}
	}

	firmDoc, _ := exportOf(t, p, "/v1/accounts/"+firmID+"/export", firmToken, firmID)
	if missions := list(firmDoc, "missions"); len(missions) != 1 || str(missions[0].(map[string]any), "id") != missionID {
		t.Errorf("the firm's missions: %v", missions)
	}
	if offers := list(firmDoc, "offers"); len(offers) != 1 || str(offers[0].(map[string]any), "id") != offerID {
		t.Errorf("the firm's offers: %v", offers)
	}
	if incomplete := list(firmDoc, "incomplete"); len(incomplete) != 0 {
		t.Errorf("the firm's export is incomplete: %v", incomplete)
	}
	if decisions := list(firmDoc, "decisions"); len(decisions) != 1 || len(list(decisions[0].(map[string]any), "items")) == 0 {
		t.Errorf("the firm's decisions trail: %v", decisions)
	}

	findAudit(t, p, "the export in the audit log", map[string]string{"subjectId": claireID, "actorId": claireID},
		map[string]string{"action": "GET /v1/accounts/{id}/export", "kind": "READ"})
}
