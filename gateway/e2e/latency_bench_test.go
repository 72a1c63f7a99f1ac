package e2e

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/allinone"
)

// BenchmarkSubmissionToShortlist measures, through HTTP on the all-in-one platform, the time
// from POST /v1/missions to the shortlist being READY, with 200 consultant profiles loaded.
// Besides ns/op it reports the median and 95th percentile in milliseconds.
func BenchmarkSubmissionToShortlist(b *testing.B) {
	// One firm submits b.N missions as fast as it can: its daily quota and the rate limit are off.
	p := startPlatform(b, b.TempDir(), func(_ *platform, cfg *allinone.Config) {
		cfg.Mission.FirmMissionsPerDay, cfg.Gateway.RateLimit = -1, -1
	})
	_, firmToken := p.createAccount("FIRM", "Bench Firm")
	for i := range 200 {
		_, token := p.createAccount("CONSULTANT", fmt.Sprintf("C%d", i))
		p.mustCall("POST", "/v1/profiles", token, profileBody(fmt.Sprintf("Consultant %d", i), func(m map[string]any) {
			m["dailyRateEur"] = 900 + (i*37)%700
			m["yearsExperience"] = 10 + i%15
		}))
	}
	time.Sleep(time.Second) // let matching consume every profile first
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		id := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
		for str(p.mustCall("GET", "/v1/missions/"+id+"/shortlist", firmToken, nil), "status") != "SHORTLIST_STATUS_READY" {
			time.Sleep(500 * time.Microsecond)
		}
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*95/100].Microseconds())/1000, "p95-ms")
}

// BenchmarkMissionPageThroughThePlatform is the firm's mission page with a shortlist of 10
// explained candidates as the server makes it on the all-in-one platform: authentication, the
// API calls in-process (mission, decisions, offers, shortlist; gRPC to the services and their
// stores), the audit log and the templates. It reports the median and 95th percentile of the
// server's time in milliseconds (target p95 under 20 ms on 2 cores), beside the bare shortlist
// call the page makes (GET /v1/missions/{id}/shortlist) from the same run.
func BenchmarkMissionPageThroughThePlatform(b *testing.B) {
	p := startPlatform(b, b.TempDir(), func(_ *platform, cfg *allinone.Config) { cfg.Matching.ShortlistSize = 10 })
	_, firmToken := p.createAccount("FIRM", "Bench Firm")
	for i := range 12 {
		_, token := p.createAccount("CONSULTANT", fmt.Sprintf("C%d", i))
		p.mustCall("POST", "/v1/profiles", token, profileBody(fmt.Sprintf("Consultant %d", i), func(m map[string]any) {
			m["dailyRateEur"] = 900 + (i*37)%500
			m["yearsExperience"] = 10 + i%15
		}))
	}
	time.Sleep(time.Second) // let matching consume every profile first
	id := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	eventually(b, 20*time.Second, "a shortlist of 10", func() bool {
		r := p.call("GET", "/v1/missions/"+id+"/shortlist", firmToken, nil)
		return r.status == 200 && len(list(r.body, "candidates")) == 10
	})
	timed := func(path string, n int) []time.Duration {
		latencies := make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			if r := p.call("GET", path, firmToken, nil); r.status != 200 {
				b.Fatalf("GET %s: %d", path, r.status)
			}
			latencies = append(latencies, time.Since(start))
		}
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		return latencies
	}
	b.ResetTimer()
	page := timed("/missions/"+id, b.N)
	b.StopTimer()
	bare := timed("/v1/missions/"+id+"/shortlist", b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(page[len(page)/2]), "p50-ms")
	b.ReportMetric(ms(page[len(page)*95/100]), "p95-ms")
	b.ReportMetric(ms(bare[len(bare)*95/100]), "shortlist-api-p95-ms")
}
