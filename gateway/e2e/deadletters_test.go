package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	gatewayserver "github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

// startPlatformOnNATS runs the all-in-one platform on a NATS server the test reaches too (the
// embedded one takes no connection from outside), so that the test can publish on the
// platform's subjects.
func startPlatformOnNATS(t *testing.T) (*platform, jetstream.JetStream) {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true,
		StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan allinone.Started, 1)
	p := &platform{t: t, stop: cancel, done: make(chan error, 1), client: &http.Client{Timeout: 10 * time.Second}}
	go func() {
		p.done <- allinone.Run(ctx, allinone.Config{
			Host:      servicehost.Config{DataDir: t.TempDir(), NATSURL: srv.ClientURL()},
			Gateway:   gatewayserver.Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken},
			LogOutput: testLogOutput(), ShutdownGrace: 5 * time.Second,
		}, func(s allinone.Started) { started <- s })
	}()
	select {
	case s := <-started:
		p.url = s.URL
	case err := <-p.done:
		t.Fatalf("platform did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("platform did not start within 30s")
	}
	t.Cleanup(p.shutdown) // before the server's and the connection's cleanups
	return p, js
}

// deadLettersOn lists the notification-accounts consumer's dead letters of subject, newest first.
func deadLettersOn(p *platform, subject string) []map[string]any {
	var out []map[string]any
	for _, item := range list(p.mustCall("GET", "/v1/ops/dead-letters?consumer="+eventbus.ConsumerNotificationAccounts, operatorToken, nil), "deadLetters") {
		if d, _ := item.(map[string]any); d["subject"] == subject {
			out = append(out, d)
		}
	}
	return out
}

// TestOperatorListsInspectsAndRedrivesADeadLetter: a message on the account stream that no
// consumer can decode is dead-lettered by the notification service's consumer for real; an
// operator finds it through the API and the pages, redrives it from the page, and it is gone
// from the dead letters; the consumer receives it again and, as it still does not decode,
// dead-letters it anew, naming the dead letter it was redriven from. A firm gets 403.
func TestOperatorListsInspectsAndRedrivesADeadLetter(t *testing.T) {
	p, js := startPlatformOnNATS(t)
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")

	subject := eventbus.Subject(eventbus.ProducerAccount, "AccountChanged", "e2e-dead-letter")
	if _, err := js.PublishMsg(context.Background(), &nats.Msg{Subject: subject, Data: []byte("not an envelope")}); err != nil {
		t.Fatal(err)
	}
	var dead []map[string]any
	eventually(t, 15*time.Second, "the message dead-lettered", func() bool {
		dead = deadLettersOn(p, subject)
		return len(dead) == 1
	})
	d := dead[0]
	seq := fmt.Sprint(d["sequence"])
	if !strings.HasPrefix(fmt.Sprint(d["reason"]), "undecodable") || d["deliveries"] != float64(1) || d["size"] != float64(len("not an envelope")) {
		t.Errorf("dead letter = %v", d)
	}

	one := p.call("GET", "/v1/ops/dead-letters/"+seq, operatorToken, nil)
	if one.status != http.StatusOK || one.body["event"] != nil || one.body["eventError"] == "" || one.body["consumer"] != eventbus.ConsumerNotificationAccounts {
		t.Errorf("GET one: %d %s", one.status, one.raw)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/ops/dead-letters"}, {"GET", "/v1/ops/dead-letters/" + seq}, {"POST", "/v1/ops/dead-letters/" + seq + "/redrive"},
	} {
		if got := p.call(c.method, c.path, firmToken, nil); got.status != http.StatusForbidden {
			t.Errorf("%s %s as a firm: %d, want 403", c.method, c.path, got.status)
		}
	}
	if got := p.call("GET", "/v1/ops/dead-letters/999999", operatorToken, nil); got.status != http.StatusNotFound {
		t.Errorf("unknown sequence: %d, want 404", got.status)
	}
	if got := p.call("GET", "/v1/ops/dead-letters?pageSize=0", operatorToken, nil); got.status != http.StatusBadRequest ||
		!strings.Contains(got.raw, `"field":"pageSize"`) {
		t.Errorf("pageSize=0: %d %s", got.status, got.raw)
	}

	// The pages.
	page := openPage(t, p, "/ops/dead-letters?consumer="+eventbus.ConsumerNotificationAccounts, operatorToken, nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, `<a href="/ops/dead-letters/`+seq+`">`+seq+`</a>`) {
		t.Errorf("the list page: %d, lacks dead letter %s", page.status, seq)
	}
	page = openPage(t, p, "/ops/dead-letters/"+seq, operatorToken, nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, subject) || !strings.Contains(page.body, `id="undecodable"`) ||
		!strings.Contains(page.body, `action="/ops/dead-letters/`+seq+`/redrive"`) {
		t.Errorf("the dead letter's page: %d: %s", page.status, page.body)
	}
	for _, path := range []string{"/ops/dead-letters", "/ops/dead-letters/" + seq} {
		if got := openPage(t, p, path, firmToken, nil); got.status != http.StatusForbidden {
			t.Errorf("%s as a firm: %d, want 403", path, got.status)
		}
	}
	if got := openPage(t, p, "/ops/dead-letters/"+seq+"/redrive", firmToken, url.Values{}); got.status != http.StatusForbidden {
		t.Errorf("redrive from the page as a firm: %d, want 403", got.status)
	}

	// Redrive from the page: gone from the dead letters, received again by the consumer.
	page = openPage(t, p, "/ops/dead-letters/"+seq+"/redrive", operatorToken, url.Values{})
	if page.status != http.StatusOK || !strings.Contains(page.body, "Dead letter "+seq+" was redriven") ||
		!strings.Contains(page.body, "Consumers receiving it again: "+eventbus.ConsumerNotificationAccounts) {
		t.Errorf("the redrive's confirmation: %d: %s", page.status, page.body)
	}
	if got := p.call("GET", "/v1/ops/dead-letters/"+seq, operatorToken, nil); got.status != http.StatusNotFound {
		t.Errorf("after the redrive: %d, want 404", got.status)
	}
	if got := p.call("POST", "/v1/ops/dead-letters/"+seq+"/redrive", operatorToken, nil); got.status != http.StatusNotFound {
		t.Errorf("a second redrive: %d, want 404", got.status)
	}
	var again map[string]any
	eventually(t, 15*time.Second, "the redriven message received and dead-lettered anew", func() bool {
		dead = deadLettersOn(p, subject)
		for _, d := range dead {
			if fmt.Sprint(d["sequence"]) == seq {
				t.Fatalf("dead letter %s still listed after its redrive", seq)
			}
		}
		if len(dead) == 1 {
			again = dead[0]
		}
		return again != nil
	})
	anew := p.mustCall("GET", fmt.Sprintf("/v1/ops/dead-letters/%v", again["sequence"]), operatorToken, nil)
	headers, _ := anew["headers"].(map[string]any)
	if headers[eventbus.HeaderRedrivenFrom] != seq || headers[eventbus.HeaderRedriveFor] != eventbus.ConsumerNotificationAccounts {
		t.Errorf("the message dead-lettered anew has headers %v", headers)
	}

	// Redrive through the API: its account of what it did.
	done := p.mustCall("POST", fmt.Sprintf("/v1/ops/dead-letters/%v/redrive", again["sequence"]), operatorToken, nil)
	if str(done, "republished", "stream") != eventbus.StreamOf(eventbus.ProducerAccount) || str(done, "republished", "subject") != subject ||
		done["deleted"] != true || fmt.Sprint(done["receivers"]) != "["+eventbus.ConsumerNotificationAccounts+"]" {
		t.Errorf("the API's redrive: %v", done)
	}
}
