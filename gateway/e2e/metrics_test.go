package e2e

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
)

// sample is one line of the Prometheus text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition reads the samples of a Prometheus text exposition (the subset the platform
// writes: no escaped quotes in label values).
func parseExposition(t *testing.T, text string) []sample {
	t.Helper()
	var out []sample
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		series, value, ok := strings.Cut(line, " ")
		if i := strings.LastIndex(line, "} "); i >= 0 {
			series, value, ok = line[:i+1], line[i+2:], true
		}
		if !ok {
			t.Fatalf("unreadable line %q", line)
		}
		s := sample{labels: map[string]string{}}
		name, labels, _ := strings.Cut(strings.TrimSuffix(series, "}"), "{")
		s.name = name
		for labels != "" {
			key, rest, _ := strings.Cut(labels, `="`)
			val, rest, _ := strings.Cut(rest, `"`)
			s.labels[key] = val
			labels = strings.TrimPrefix(rest, ",")
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		s.value = v
		out = append(out, s)
	}
	return out
}

// find returns the samples named name whose labels include want.
func find(samples []sample, name string, want map[string]string) []sample {
	var out []sample
	for _, s := range samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, s)
		}
	}
	return out
}

func sum(samples []sample) float64 {
	total := 0.0
	for _, s := range samples {
		total += s.value
	}
	return total
}

// TestMetricsOnTheAdminListener drives a mission to a shortlist and an accepted offer, then
// reads the all-in-one's admin listener: every name of the metrics contract (docs/METRICS.md)
// is there, for the service it belongs to, with values that follow what happened, and no label
// holds an id.
func TestMetricsOnTheAdminListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan allinone.Started, 1)
	p := &platform{t: t, stop: cancel, done: make(chan error, 1), client: &http.Client{Timeout: 10 * time.Second}}
	go func() {
		p.done <- allinone.Run(ctx, allinone.Config{
			Host:      servicehost.Config{DataDir: t.TempDir(), AdminAddr: "127.0.0.1:0"},
			Gateway:   server.Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken},
			LogOutput: testLogOutput(), ShutdownGrace: 5 * time.Second,
		}, func(s allinone.Started) { started <- s })
	}()
	var metricsURL string
	select {
	case s := <-started:
		p.url, metricsURL = s.URL, s.MetricsURL
	case err := <-p.done:
		t.Fatalf("platform did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("platform did not start within 30s")
	}
	t.Cleanup(p.shutdown)
	if !strings.HasPrefix(metricsURL, "http://127.0.0.1:") || !strings.HasSuffix(metricsURL, "/metrics") {
		t.Fatalf("metrics at %q", metricsURL)
	}

	firmID, firmToken := p.createAccount("FIRM", "Acme Pharma")
	consultantID, consultantToken := p.createAccount("CONSULTANT", "Consultant Zero")
	profileID := str(p.mustCall("POST", "/v1/profiles", consultantToken, profileBody("Consultant Zero", nil)), "profile", "id")
	time.Sleep(300 * time.Millisecond)
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	waitShortlist(t, p, missionID, firmToken, 1)
	offerID := str(makeOffer(t, p, missionID, profileID, firmToken), "offer", "id")
	p.mustCall("POST", "/v1/offers/"+offerID+"/accept", consultantToken, map[string]any{})
	waitMissionStatus(t, p, missionID, firmToken, "MISSION_STATUS_STAFFED")
	p.mustCall("GET", "/v1/missions/"+missionID, firmToken, nil)
	if r := p.call("GET", "/v1/no/such/thing", firmToken, nil); r.status != 404 {
		t.Fatalf("unknown path: %d", r.status)
	}

	scrape := func() []sample {
		resp, err := http.Get(metricsURL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("admin /metrics: %d %s", resp.StatusCode, body)
		}
		return parseExposition(t, string(body))
	}
	// Once the events are through: every outbox empty, every consumer caught up.
	var samples []sample
	eventually(t, 15*time.Second, "outboxes and consumers caught up", func() bool {
		samples = scrape()
		backlogs := find(samples, "caiomatch_outbox_backlog", nil)
		pending := find(samples, "caiomatch_consumer_pending", nil)
		return len(backlogs) == 5 && sum(backlogs) == 0 && len(find(samples, "caiomatch_outbox_relay_lag_seconds", nil)) == 5 &&
			sum(find(samples, "caiomatch_outbox_relay_lag_seconds", nil)) == 0 && len(pending) > 0 && sum(pending) == 0 &&
			sum(find(samples, "caiomatch_consumer_ack_pending", nil)) == 0 &&
			sum(find(samples, "caiomatch_notifications_sent_total", map[string]string{"channel": "inapp"})) >= 1
	})

	for _, check := range []struct {
		name    string
		labels  map[string]string
		atLeast float64
	}{
		{"http_server_request_duration_seconds_count", map[string]string{"service_name": "gateway",
			"http_request_method": "POST", "http_route": "/v1/missions", "http_response_status_code": "200"}, 1},
		{"http_server_request_duration_seconds_count", map[string]string{"service_name": "gateway",
			"http_request_method": "GET", "http_route": "/v1/missions/{id}"}, 1},
		{"http_server_request_duration_seconds_count", map[string]string{"http_route": "unmatched",
			"http_response_status_code": "404"}, 1},
		{"rpc_server_call_duration_seconds_count", map[string]string{"service_name": "mission",
			"rpc_method": "caiomatch.mission.v1.MissionService/CreateMission", "rpc_response_status_code": "OK"}, 1},
		{"rpc_server_call_duration_seconds_count", map[string]string{"service_name": "profile"}, 1},
		{"rpc_client_call_duration_seconds_count", map[string]string{"service_name": "gateway",
			"rpc_method": "caiomatch.mission.v1.MissionService/CreateMission"}, 1},
		{"rpc_client_call_duration_seconds_count", map[string]string{"service_name": "mission"}, 1}, // asks profile
		{"caiomatch_outbox_backlog", map[string]string{"service_name": "mission", "service": "mission"}, 0},
		{"caiomatch_outbox_relay_lag_seconds", map[string]string{"service_name": "gateway", "service": "gateway"}, 0},
		{"caiomatch_consumer_pending", map[string]string{"service_name": "matching", "consumer": "matching-missions"}, 0},
		{"caiomatch_consumer_ack_pending", map[string]string{"service_name": "mission", "consumer": "mission-shortlists"}, 0},
		{"caiomatch_consumer_redeliveries_total", map[string]string{"service_name": "notification",
			"consumer": "notification-missions"}, 0},
		{"caiomatch_consumer_redeliveries_total", map[string]string{"service_name": "gateway", "consumer": "gateway-profiles"}, 0},
		{"caiomatch_deadletters", map[string]string{"service_name": "profile", "consumer": "profile-missions"}, 0},
		{"caiomatch_notifications_sent_total", map[string]string{"service_name": "notification", "channel": "inapp",
			"outcome": "sent"}, 2}, // the shortlist to the firm, the offer to the consultant (and its answer)
		{"caiomatch_notifications_sent_total", map[string]string{"channel": "email", "outcome": "dropped"}, 0},
		{"caiomatch_webhook_deliveries_total", map[string]string{"service_name": "notification", "outcome": "delivered"}, 0},
		{"caiomatch_email_deliveries_total", map[string]string{"service_name": "notification", "outcome": "retried"}, 0},
		{"caiomatch_shortlists_proposed_total", map[string]string{"service_name": "matching"}, 1},
		{"caiomatch_mission_time_to_shortlist_seconds_count", map[string]string{"service_name": "mission"}, 1},
		{"caiomatch_offers_total", map[string]string{"service_name": "mission", "outcome": "made"}, 1},
		{"caiomatch_offers_total", map[string]string{"service_name": "mission", "outcome": "accepted"}, 1},
		{"caiomatch_offers_total", map[string]string{"service_name": "mission", "outcome": "declined"}, 0},
		{"caiomatch_gateway_backend_up", map[string]string{"service_name": "gateway", "backend": "matching"}, 1},
	} {
		found := find(samples, check.name, check.labels)
		if len(found) == 0 {
			t.Errorf("no %s%v", check.name, check.labels)
		} else if total := sum(found); total < check.atLeast {
			t.Errorf("%s%v = %v, want at least %v", check.name, check.labels, total, check.atLeast)
		}
	}
	if n := len(find(samples, "caiomatch_deadletters", nil)); n == 0 || sum(find(samples, "caiomatch_deadletters", nil)) != 0 {
		t.Errorf("dead letters: %d series, %v letters", n, sum(find(samples, "caiomatch_deadletters", nil)))
	}
	// The time to shortlist is a real duration: over 0, and within the test.
	if h := find(samples, "caiomatch_mission_time_to_shortlist_seconds_sum", nil); len(h) != 1 || h[0].value <= 0 || h[0].value > 30 {
		t.Errorf("time to shortlist %v", h)
	}
	// One process, one runtime: its metrics once; every other series says its service.
	if n := len(find(samples, "go_goroutines", nil)); n != 1 {
		t.Errorf("go_goroutines %d times", n)
	}
	services := map[string]bool{}
	for _, s := range samples {
		if strings.HasPrefix(s.name, "go_") || strings.HasPrefix(s.name, "process_") || strings.HasPrefix(s.name, "promhttp_") {
			continue
		}
		services[s.labels["service_name"]] = true
		for k, v := range s.labels {
			for _, id := range []string{firmID, consultantID, profileID, missionID, offerID} {
				if strings.Contains(v, id) {
					t.Errorf("%s carries an id in %s=%q", s.name, k, v)
				}
			}
		}
	}
	for _, name := range []string{"gateway", "profile", "mission", "matching", "notification"} {
		if !services[name] {
			t.Errorf("no series of %s", name)
		}
	}
	if services[""] {
		t.Error("a series without service_name")
	}

	// The public port's /metrics still answers operators only.
	if r := p.call("GET", "/metrics", "", nil); r.status != 401 {
		t.Errorf("public /metrics without a token: %d", r.status)
	}
	if r := p.call("GET", "/metrics", firmToken, nil); r.status != 403 {
		t.Errorf("public /metrics to a firm: %d", r.status)
	}
	if r := p.call("GET", "/metrics", operatorToken, nil); r.status != 200 || !strings.Contains(r.raw, "http_server_request_duration_seconds") {
		t.Errorf("public /metrics to an operator: %d", r.status)
	}
}
