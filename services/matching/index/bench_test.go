package index_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/seeddata"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// The benchmarks run on synthetic consultants and missions from pkg/seeddata (the generator
// behind `make seed`), as of a fixed day so that figures are comparable across runs.
var benchDay = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// benchProfiles generates n profiles once per process and size.
var benchProfiles = sync.OnceValue(func() func(n int) []domain.Profile {
	var mu sync.Mutex
	cache := map[int][]domain.Profile{}
	return func(n int) []domain.Profile {
		mu.Lock()
		defer mu.Unlock()
		if ps, ok := cache[n]; ok {
			return ps
		}
		g := seeddata.New(1, benchDay)
		rng := rand.New(rand.NewPCG(1, 1))
		ps := make([]domain.Profile, n)
		for i := range ps {
			var id uuid.UUID
			for j := range id {
				id[j] = byte(rng.Uint32())
			}
			p, err := eventapi.Profile(seeddata.FactsOf(id.String(), "", g.Profile()))
			if err != nil {
				panic(err)
			}
			ps[i] = p
		}
		cache[n] = ps
		return ps
	}
})

func benchMissions(n int) []domain.Mission {
	g := seeddata.New(2, benchDay)
	out := make([]domain.Mission, n)
	for i := range out {
		req := g.Mission()
		m, err := eventapi.Mission(seedMission(fmt.Sprintf("m%d", i), req))
		if err != nil {
			panic(err)
		}
		m.Status = domain.MissionOpen
		out[i] = m
	}
	return out
}

func buildIndex(b *testing.B, profiles []domain.Profile) *index.Index {
	ix := index.New(len(profiles))
	for _, p := range profiles {
		if _, err := ix.Put(p, benchDay); err != nil {
			b.Fatal(err)
		}
	}
	return ix
}

func benchSettings() domain.Settings {
	return domain.Settings{Scoring: domain.CurrentScoring, AvailabilityToleranceDays: 14, Today: benchDay}
}

// BenchmarkRank ranks realistic missions (top 50) over 100k and 1M profiles. Each iteration
// runs the bare kernel (the same parallel scan and heap, scoring everyone, no hard rule, no
// explanation) and the full ranking on the same mission, so both figures come from the same
// run: full-ms and bare-ms per mission, ns per profile, and full/bare.
func BenchmarkRank(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("profiles=%d", n), func(b *testing.B) {
			ix := buildIndex(b, benchProfiles()(n))
			missions := benchMissions(64)
			var full, bare time.Duration
			var eligible int
			i := 0
			for b.Loop() {
				q := index.Query{Settings: benchSettings(), Mission: missions[i%len(missions)], K: 50}
				i++
				t0 := time.Now()
				ix.RankBare(q)
				t1 := time.Now()
				r := ix.Rank(q)
				full += time.Since(t1)
				bare += t1.Sub(t0)
				eligible += r.EligibleCount
			}
			runs := float64(i)
			b.ReportMetric(float64(full.Microseconds())/runs/1000, "full-ms")
			b.ReportMetric(float64(bare.Microseconds())/runs/1000, "bare-ms")
			b.ReportMetric(float64(full.Nanoseconds())/runs/float64(n), "full-ns/profile")
			b.ReportMetric(float64(bare.Nanoseconds())/runs/float64(n), "bare-ns/profile")
			b.ReportMetric(float64(full)/float64(bare), "full/bare")
			b.ReportMetric(float64(eligible)/runs/float64(n)*100, "eligible-%")
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
		})
	}
}

// BenchmarkRankWorstCase ranks a mission that excludes nobody, so that every profile is
// scored and offered to the heap: the full ranking's cost over the bare kernel is then only
// the rule checks.
func BenchmarkRankWorstCase(b *testing.B) {
	const n = 1_000_000
	ix := buildIndex(b, benchProfiles()(n))
	m := domain.Mission{ID: "open", FirmID: "f", Status: domain.MissionOpen, Sector: "C21",
		MissionType: taxonomy.MissionTypeAIStrategy, NiceToHaveSkills: []string{"ai-strategy", "mlops"},
		StartDate: benchDay.AddDate(1, 0, 0), DurationMonths: 6, MaxDailyRateEUR: 5000, WorkMode: taxonomy.WorkModeRemote}
	q := index.Query{Settings: benchSettings(), Mission: m, K: 50}
	var full, bare time.Duration
	runs := 0
	for b.Loop() {
		t0 := time.Now()
		ix.RankBare(q)
		t1 := time.Now()
		ix.Rank(q)
		full += time.Since(t1)
		bare += t1.Sub(t0)
		runs++
	}
	b.ReportMetric(float64(full.Microseconds())/float64(runs)/1000, "full-ms")
	b.ReportMetric(float64(bare.Microseconds())/float64(runs)/1000, "bare-ms")
	b.ReportMetric(float64(full)/float64(bare), "full/bare")
}

// BenchmarkIndexMemory measures the heap the index of 1M profiles takes, per profile, and the
// time to put them in.
func BenchmarkIndexMemory(b *testing.B) {
	const n = 1_000_000
	profiles := benchProfiles()(n)
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		ix := buildIndex(b, profiles)
		elapsed := time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/profile")
		b.ReportMetric(ix.Stats().BytesPerProfile(), "counted-bytes/profile")
		b.ReportMetric(float64(elapsed.Milliseconds()), "put-ms")
		runtime.KeepAlive(ix)
	}
}

// BenchmarkDiagnostics computes the diagnostics of realistic missions (top 50, exposure cap 3
// with a tenth of the consultants at the cap) over 100k and 1M profiles: ms per mission and ns
// per profile, comparable with BenchmarkRank's full-ms.
func BenchmarkDiagnostics(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("profiles=%d", n), func(b *testing.B) {
			profiles := benchProfiles()(n)
			ix := buildIndex(b, profiles)
			var capped []string
			for i := 0; i < len(profiles); i += 10 {
				capped = append(capped, profiles[i].ID)
			}
			ix.AddExposure(capped, 3)
			missions := benchMissions(64)
			var spent time.Duration
			var widenings int
			i := 0
			for b.Loop() {
				q := index.Query{Settings: benchSettings(), Mission: missions[i%len(missions)], K: 50, ExposureCap: 3}
				i++
				t0 := time.Now()
				d := ix.Diagnostics(q, index.DiagnosticsOptions{MinGain: 3, MaxWidenings: 10})
				spent += time.Since(t0)
				widenings += len(d.Widen)
			}
			runs := float64(i)
			b.ReportMetric(float64(spent.Microseconds())/runs/1000, "diag-ms")
			b.ReportMetric(float64(spent.Nanoseconds())/runs/float64(n), "diag-ns/profile")
			b.ReportMetric(float64(widenings)/runs, "widenings")
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
		})
	}
}
