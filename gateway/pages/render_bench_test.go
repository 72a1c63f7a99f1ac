package pages

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// tenCandidates is a shortlist of 10 explained candidates, the size firms see.
func tenCandidates() string {
	var candidates []string
	for rank := 1; rank <= 10; rank++ {
		var components []string
		for _, name := range []string{"skills", "sector", "missionType", "seniority", "rateFit", "availability", "location"} {
			components = append(components, fmt.Sprintf(`{"name":%q,"weight":0.15,"value":0.%d,"detail":"A sentence on what the component found, with names and figures."}`, name, rank%10))
		}
		candidates = append(candidates, fmt.Sprintf(`{"profileId":"p%d","rank":%d,"score":0.7,"summary":"Strong match, strongest on skills.","explanation":{"components":[%s]}}`,
			rank, rank, strings.Join(components, ",")))
	}
	return `{"missionId":"m1","status":"SHORTLIST_STATUS_READY","eligibleCount":40,"candidates":[` + strings.Join(candidates, ",") +
		`],"diagnostics":{"excludedByRule":[{"rule":"DAILY_RATE_OVER_BUDGET","count":3}],"widen":[{"field":"maxDailyRateEur","value":"1800","additionalEligible":4}]}}`
}

// BenchmarkMissionPage renders a mission page with 10 candidates, the API answering from
// memory: the pages' own cost (decoding, templates, catalogues). It prints the p95.
func BenchmarkMissionPage(b *testing.B) {
	shortlist := tenCandidates()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/missions/m1":
			_, _ = w.Write([]byte(missionJSON))
		case "/v1/missions/m1/shortlist":
			_, _ = w.Write([]byte(shortlist))
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	})
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "a1", Role: identity.RoleFirm, Name: "Acme", Status: accounts.StatusActive}}})
	if err != nil {
		b.Fatal(err)
	}
	h := site.Handler(api)
	durations := make([]time.Duration, 0, b.N)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/missions/m1", nil)
		req.AddCookie(&http.Cookie{Name: "session", Value: "good"})
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `class="summary"`) != 10 {
			b.Fatalf("status %d, page without its 10 candidates", rec.Code)
		}
	}
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)*95/100].Microseconds()), "p95-µs")
}
