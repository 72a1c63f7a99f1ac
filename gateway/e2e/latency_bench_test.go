package e2e

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

// BenchmarkSubmissionToShortlist measures, through HTTP on the all-in-one platform, the time
// from POST /v1/missions to the shortlist being READY, with 200 consultant profiles loaded.
// Besides ns/op it reports the median and 95th percentile in milliseconds.
func BenchmarkSubmissionToShortlist(b *testing.B) {
	p := startPlatform(b, b.TempDir())
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
