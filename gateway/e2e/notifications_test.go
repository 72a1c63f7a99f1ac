package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	notification "github.com/caiomatch/caiomatch/services/notification/service"
	"github.com/caiomatch/caiomatch/services/notification/service/webhooktest"
)

// startPlatformWithLocalWebhooks is startPlatform with the development setting that lets
// webhooks call a receiver on loopback.
func startPlatformWithLocalWebhooks(t *testing.T) *platform {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &platform{t: t, stop: cancel, done: make(chan error, 1), client: &http.Client{Timeout: 10 * time.Second}}
	started := make(chan allinone.Started, 1)
	cfg := allinone.Config{Host: servicehost.Config{DataDir: t.TempDir()},
		Gateway:      server.Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken},
		Notification: notification.Config{AllowInsecureWebhooks: true, DeliveryInterval: 100 * time.Millisecond},
		LogOutput:    testLogOutput(), ShutdownGrace: 5 * time.Second}
	go func() { p.done <- allinone.Run(ctx, cfg, func(s allinone.Started) { started <- s }) }()
	select {
	case s := <-started:
		p.url = s.URL
	case err := <-p.done:
		t.Fatalf("platform did not start: %v", err)
	}
	t.Cleanup(p.shutdown)
	return p
}

// sseEvents reads a Server-Sent Events stream into events of type "notification" (their data).
func sseEvents(t *testing.T, resp *http.Response) <-chan map[string]any {
	out := make(chan map[string]any, 16)
	go func() {
		defer close(out)
		scanner := bufio.NewScanner(resp.Body)
		event := ""
		for scanner.Scan() {
			line := scanner.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "notification":
				var n map[string]any
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &n); err != nil {
					t.Errorf("event data: %v", err)
				}
				out <- n
			case line == "":
				event = ""
			}
		}
	}()
	return out
}

func (p *platform) openStream(t *testing.T, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", p.url+"/v1/notifications/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestOfferNotifiesTheConsultantLiveAndByWebhook: a firm's offer reaches the consultant's
// live stream and notification list in their language, their mailbox, and their webhook,
// signed, retried after a 500 and delivered once; the stream is bounded per account.
func TestOfferNotifiesTheConsultantLiveAndByWebhook(t *testing.T) {
	p := startPlatformWithLocalWebhooks(t)
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	consultant := p.mustCall("POST", "/v1/accounts", operatorToken,
		map[string]any{"role": "CONSULTANT", "name": "Claire Martin", "email": "claire.martin@example.com"})
	consultantToken := str(consultant, "token")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil)), "profile", "id")

	hook := webhooktest.Start(t, true)
	created := p.mustCall("POST", "/v1/webhooks", consultantToken, map[string]any{"url": hook.URL + "/hooks", "events": []string{"offer.made"}})
	hook.SetSecret(str(created, "secret"))
	if r := p.call("POST", "/v1/webhooks", consultantToken, map[string]any{"url": "https://hooks.example.com", "events": []string{"offer.exploded"}}); r.status != 400 {
		t.Errorf("unknown event type: %d %s", r.status, r.raw)
	}
	if r := p.call("POST", "/v1/webhooks", operatorToken, map[string]any{"url": "https://hooks.example.com", "events": []string{"offer.made"}}); r.status != 403 {
		t.Errorf("operator webhook: %d", r.status)
	}

	stream := p.openStream(t, consultantToken)
	if stream.StatusCode != 200 || !strings.HasPrefix(stream.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", stream.StatusCode, stream.Header.Get("Content-Type"))
	}
	live := sseEvents(t, stream)
	for range 4 {
		p.openStream(t, consultantToken)
	}
	if extra := p.openStream(t, consultantToken); extra.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sixth stream of one account: status %d", extra.StatusCode)
	}

	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)
	offerID := str(makeOffer(t, p, missionID, profileID, firmToken), "offer", "id")

	select {
	case n := <-live:
		if n["type"] != "offer.made" || n["offerId"] != offerID || n["missionId"] != missionID || n["title"] == "" {
			t.Errorf("live event = %v", n)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no live event within 15 s of the offer")
	}
	listed := list(p.mustCall("GET", "/v1/notifications?unreadOnly=true", consultantToken, nil), "notifications")
	if len(listed) != 1 || str(listed[0].(map[string]any), "type") != "offer.made" {
		t.Fatalf("notifications = %v", listed)
	}
	for _, n := range list(p.mustCall("GET", "/v1/notifications", firmToken, nil), "notifications") {
		if typ := str(n.(map[string]any), "type"); typ != "shortlist.ready" {
			t.Errorf("the firm was told %s", typ)
		}
	}

	eventually(t, 20*time.Second, "the webhook delivered after a retry", func() bool {
		_, accepted, _ := hook.Counts()
		return len(accepted) == 1
	})
	attempts, accepted, bad := hook.Counts()
	for id, n := range attempts {
		if n != 2 || accepted[id] != 1 || hook.Body(id).Data["offerId"] != offerID {
			t.Errorf("message %s: %d attempts, %d accepted, body %v", id, n, accepted[id], hook.Body(id))
		}
	}
	if len(bad) > 0 {
		t.Errorf("signature check failed: %v", bad)
	}
	deliveries := list(p.mustCall("GET", "/v1/webhooks/"+str(created, "webhook", "id")+"/deliveries", consultantToken, nil), "deliveries")
	if len(deliveries) != 1 || str(deliveries[0].(map[string]any), "status") != "DELIVERY_STATUS_DELIVERED" {
		t.Errorf("deliveries = %v", deliveries)
	}
	eventually(t, 10*time.Second, "the offer email in the operators' mailbox", func() bool {
		for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
			msg := m.(map[string]any)
			if str(msg, "to") == "claire.martin@example.com" && strings.Contains(str(msg, "text"), "Acme Pharma") {
				return true
			}
		}
		return false
	})

	id := str(listed[0].(map[string]any), "id")
	p.mustCall("POST", "/v1/notifications/"+id+"/read", consultantToken, map[string]any{})
	if unread := list(p.mustCall("GET", "/v1/notifications?unreadOnly=true", consultantToken, nil), "notifications"); len(unread) != 0 {
		t.Errorf("unread after reading: %v", unread)
	}
	if r := p.call("POST", "/v1/notifications/"+id+"/read", firmToken, map[string]any{}); r.status != 404 {
		t.Errorf("the firm read the consultant's notification: %d", r.status)
	}
	p.mustCall("DELETE", "/v1/webhooks/"+str(created, "webhook", "id"), consultantToken, nil)
}
