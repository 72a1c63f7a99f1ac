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
	p, err := assignment.NewProblem(benchConsultants, staffingLists(rng, benchMissions, benchConsultants, 500, 5000))
	if err != nil {
		panic(err)
	}
	return p
})

// staffingLists draws lists of minK to maxK candidates per mission, skewed as described above.
func staffingLists(rng *rand.Rand, missions, consultants, minK, maxK int) [][]assignment.Candidate {
	lists := make([][]assignment.Candidate, missions)
	listed := make([]int32, consultants) // listed[c] == r+1: c is already in row r
	for r := range lists {
		k := minK + rng.IntN(maxK-minK+1)
		list := make([]assignment.Candidate, 0, k)
		for len(list) < k {
			x := rng.Float64()
			c := int32(float64(consultants) * x * x)
			if listed[c] == int32(r)+1 {
				continue
			}
			listed[c] = int32(r) + 1
			quality := 1 - float64(c)/float64(consultants)
			score := 0.3 + 0.7*(0.55*quality+0.45*rng.Float64())
			list = append(list, assignment.Candidate{Col: c, Score: assignment.MicroScore(score)})
		}
		lists[r] = list
	}
	return lists
}

func reportMilliseconds(b *testing.B, unit string) {
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), unit)
}

func BenchmarkSolveStaffing(b *testing.B) {
	p := staffingProblem()
	var sol assignment.Solution
	for b.Loop() {
		var err error
		if sol, err = assignment.Solve(p); err != nil {
			b.Fatal(err)
		}
	}
	reportMilliseconds(b, "ms/solve")
	b.ReportMetric(float64(len(p.Col)), "candidates")
	b.ReportMetric(float64(sol.Assigned), "assigned")
}

// One decline of a chosen pair, re-optimised from the kept duals. Only RemoveEdge is timed;
// picking the pair (which reads the current plan) is not.
func BenchmarkRemoveChosenEdge(b *testing.B) {
	p := staffingProblem()
	s, err := assignment.NewSolver(p)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	pick := func() (int, int) {
		sol := s.Solution()
		for {
			if row := rng.IntN(p.Rows); sol.RowToCol[row] >= 0 {
				return row, int(sol.RowToCol[row])
			}
		}
	}
	// The first removal copies the candidate lists; that is paid once per Solver, not per decline.
	row, col := pick()
	declined := [][2]int{{row, col}}
	if err := s.RemoveEdge(row, col); err != nil {
		b.Fatal(err)
	}
	var worst time.Duration
	for b.Loop() {
		b.StopTimer()
		row, col := pick()
		declined = append(declined, [2]int{row, col})
		b.StartTimer()
		began := time.Now()
		if err := s.RemoveEdge(row, col); err != nil {
			b.Fatal(err)
		}
		worst = max(worst, time.Since(began))
	}
	b.StopTimer()
	// The kept plan must be as good as a fresh solve of what is left.
	got, want := s.Solution(), solveWithout(b, p, declined)
	if got.Assigned != want.Assigned || got.Total != want.Total {
		b.Fatalf("after %d declines: kept plan %d rows, total %d; fresh solve %d rows, total %d",
			len(declined), got.Assigned, got.Total, want.Assigned, want.Total)
	}
	reportMilliseconds(b, "ms/decline")
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}

// solveWithout solves p from scratch without the given (row, column) pairs.
func solveWithout(b *testing.B, p assignment.Problem, removed [][2]int) assignment.Solution {
	gone := map[[2]int]bool{}
	for _, pair := range removed {
		gone[pair] = true
	}
	lists := make([][]assignment.Candidate, p.Rows)
	for r := range lists {
		for e := p.Start[r]; e < p.Start[r+1]; e++ {
			if !gone[[2]int{r, int(p.Col[e])}] {
				lists[r] = append(lists[r], assignment.Candidate{Col: p.Col[e], Score: p.Score[e]})
			}
		}
	}
	q, err := assignment.NewProblem(p.Cols, lists)
	if err != nil {
		b.Fatal(err)
	}
	sol, err := assignment.Solve(q)
	if err != nil {
		b.Fatal(err)
	}
	return sol
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
			for b.Loop() {
				if _, err := assignment.SolveDense(n, cost); err != nil {
					b.Fatal(err)
				}
			}
			reportMilliseconds(b, "ms/solve")
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
			for b.Loop() {
				if _, err := assignment.Solve(p); err != nil {
					b.Fatal(err)
				}
			}
			reportMilliseconds(b, "ms/solve")
		})
	}
}
