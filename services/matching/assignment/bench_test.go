package assignment_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/matching/assignment"
)

// The staffing benchmark: 2,000 missions over 100,000 consultants. Each mission lists 500 to
// 5,000 eligible consultants, drawn with a skew towards the best ones (consultant index c is
// drawn as ⌊n·x²⌋ for uniform x, and quality falls with c), so the best consultants are wanted
// by hundreds of missions and the plan has real conflicts to resolve. Scores have six decimals
// in [0.3, 1]: 0.3 + 0.7·(0.55·quality + 0.45·fit), fit being mission-specific noise.
const (
	benchMissions    = 2000
	benchConsultants = 100_000
)

var staffingProblem = sync.OnceValue(func() assignment.Problem {
	rng := rand.New(rand.NewPCG(2026, 11))
	lists := make([][]assignment.Candidate, benchMissions)
	listed := make([]int32, benchConsultants) // listed[c] == r+1: c is already in row r
	for r := range lists {
		k := 500 + rng.IntN(4501)
		list := make([]assignment.Candidate, 0, k)
		for len(list) < k {
			x := rng.Float64()
			c := int32(float64(benchConsultants) * x * x)
			if listed[c] == int32(r)+1 {
				continue
			}
			listed[c] = int32(r) + 1
			quality := 1 - float64(c)/benchConsultants
			score := 0.3 + 0.7*(0.55*quality+0.45*rng.Float64())
			list = append(list, assignment.Candidate{Col: c, Score: assignment.MicroScore(score)})
		}
		lists[r] = list
	}
	p, err := assignment.NewProblem(benchConsultants, lists)
	if err != nil {
		panic(err)
	}
	return p
})

func reportMilliseconds(b *testing.B, elapsed time.Duration, unit string) {
	b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(b.N), unit)
}

func BenchmarkSolveStaffing(b *testing.B) {
	p := staffingProblem()
	var sol assignment.Solution
	began := time.Now()
	for b.Loop() {
		var err error
		if sol, err = assignment.Solve(p); err != nil {
			b.Fatal(err)
		}
	}
	reportMilliseconds(b, time.Since(began), "ms/solve")
	b.ReportMetric(float64(len(p.Col)), "candidates")
	b.ReportMetric(float64(sol.Assigned), "assigned")
}

// One decline of a chosen pair, re-optimised from the kept duals.
func BenchmarkRemoveChosenEdge(b *testing.B) {
	p := staffingProblem()
	s, err := assignment.NewSolver(p)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	decline := func() (time.Duration, error) {
		sol := s.Solution()
		var row int
		for {
			row = rng.IntN(p.Rows)
			if sol.RowToCol[row] >= 0 {
				break
			}
		}
		began := time.Now()
		err := s.RemoveEdge(row, int(sol.RowToCol[row]))
		return time.Since(began), err
	}
	// The first removal copies the candidate lists; that is paid once per Solver, not per decline.
	if _, err := decline(); err != nil {
		b.Fatal(err)
	}
	var total, worst time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		took, err := decline()
		if err != nil {
			b.Fatal(err)
		}
		total += took
		worst = max(worst, took)
		b.StartTimer()
	}
	reportMilliseconds(b, total, "ms/decline")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}

var denseMatrices sync.Map // n → []int64

// denseMatrix is a seeded n×n matrix of integer costs uniform in [0, 1e6), the instances
// compare/ also hands to scipy.
func denseMatrix(n int) []int64 {
	if m, ok := denseMatrices.Load(n); ok {
		return m.([]int64)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	cost := make([]int64, n*n)
	for k := range cost {
		cost[k] = rng.Int64N(assignment.ScoreScale)
	}
	denseMatrices.Store(n, cost)
	return cost
}

func BenchmarkSolveDense(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			cost := denseMatrix(n)
			began := time.Now()
			for b.Loop() {
				if _, err := assignment.SolveDense(n, cost); err != nil {
					b.Fatal(err)
				}
			}
			reportMilliseconds(b, time.Since(began), "ms/solve")
		})
	}
}

// The sparse solver on a complete dense instance: every row lists every column.
func BenchmarkSolveCompleteProblem(b *testing.B) {
	for _, n := range []int{1000, 2000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			cost := denseMatrix(n)
			lists := make([][]assignment.Candidate, n)
			for r := range lists {
				lists[r] = make([]assignment.Candidate, n)
				for c := range n {
					lists[r][c] = assignment.Candidate{Col: int32(c), Score: assignment.ScoreScale - cost[r*n+c]}
				}
			}
			p, err := assignment.NewProblem(n, lists)
			if err != nil {
				b.Fatal(err)
			}
			began := time.Now()
			for b.Loop() {
				if _, err := assignment.Solve(p); err != nil {
					b.Fatal(err)
				}
			}
			reportMilliseconds(b, time.Since(began), "ms/solve")
		})
	}
}
