package service_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
)

// arrivals records when each offer's webhook call arrived.
type arrivals struct {
	mu   sync.Mutex
	at   map[string]time.Time
	done chan struct{}
	want int
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Data struct {
			OfferID string `json:"offerId"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(raw, &body)
	a.mu.Lock()
	if _, seen := a.at[body.Data.OfferID]; !seen {
		a.at[body.Data.OfferID] = time.Now()
		if len(a.at) == a.want {
			close(a.done)
		}
	}
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// BenchmarkOfferToWebhook publishes offers to one consultant with a webhook and emails on, at
// a steady rate (100 a second: the latency from OfferMade in the stream to the webhook call
// received, p50 and p99) and all at once (throughput of notifications, webhook calls and
// emails, with local receivers). Run with -benchtime 1x.
func BenchmarkOfferToWebhook(b *testing.B) {
	for _, mode := range []struct {
		name string
		rate int // offers a second; 0: all at once
		n    int
	}{{"steady-100-per-second", 100, 1000}, {"burst", 0, 1000}} {
		b.Run(mode.name, func(b *testing.B) {
			for range b.N {
				runOfferBench(b, mode.rate, mode.n)
			}
		})
	}
}

func runOfferBench(b *testing.B, rate, n int) {
	h := start(b)
	got := &arrivals{at: map[string]time.Time{}, done: make(chan struct{}), want: n}
	server := httptest.NewServer(got)
	defer server.Close()
	if _, err := h.client.CreateWebhook(as("c-1", "CONSULTANT"), &notificationv1.CreateWebhookRequest{
		Url: server.URL, Events: []string{"offer.made"}}); err != nil {
		b.Fatal(err)
	}
	h.platform(b)
	h.publish(b, eventbus.ProducerAccount, "c-1", &accountv1.AccountChanged{AccountId: "c-1", Role: "CONSULTANT",
		Status: accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, Email: "claire@example.com", Language: "fr", EmailNotifications: true})
	time.Sleep(500 * time.Millisecond) // the account, profile and mission events are applied

	published := make(map[string]time.Time, n)
	start := time.Now()
	var tick *time.Ticker
	if rate > 0 {
		tick = time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
	}
	for i := range n {
		if tick != nil {
			<-tick.C
		}
		id := fmt.Sprintf("o-%05d", i)
		h.publish(b, eventbus.ProducerMission, "m-1", &missionv1.OfferMade{Offer: offer(id, 72*time.Hour)})
		published[id] = time.Now()
	}
	select {
	case <-got.done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("%d of %d webhook calls arrived", len(got.at), n)
	}
	webhooksDone := time.Since(start)
	for deadline := time.Now().Add(2 * time.Minute); len(h.smtp.Messages()) < n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	allDone := time.Since(start)
	var latencies []time.Duration
	got.mu.Lock()
	for id, at := range got.at {
		latencies = append(latencies, at.Sub(published[id]))
	}
	got.mu.Unlock()
	slices.Sort(latencies)
	pct := func(p float64) float64 { return float64(latencies[int(p*float64(len(latencies)-1))].Milliseconds()) }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(n)/webhooksDone.Seconds(), "webhooks/s")
	b.ReportMetric(float64(len(h.smtp.Messages()))/allDone.Seconds(), "emails/s")
	b.ReportMetric(float64(len(h.smtp.Messages())), "emails")
}
