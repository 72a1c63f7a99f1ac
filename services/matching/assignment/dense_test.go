package assignment_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/services/matching/assignment"
)

// bruteForceDense is the minimum-cost perfect assignment by dynamic programming over the set of
// columns used by the first rows.
func bruteForceDense(n int, cost []int64) int64 {
	best := make([]int64, 1<<n)
	for mask := 1; mask < len(best); mask++ {
		best[mask] = math.MaxInt64
	}
	for mask := range len(best) - 1 {
		i := popcount(mask) // the next row to place
		for j := range n {
			if mask&(1<<j) == 0 && best[mask] != math.MaxInt64 {
				best[mask|1<<j] = min(best[mask|1<<j], best[mask]+cost[i*n+j])
			}
		}
	}
	return best[len(best)-1]
}

func popcount(x int) int {
	c := 0
	for ; x > 0; x &= x - 1 {
		c++
	}
	return c
}

func checkPermutation(t *testing.T, n int, cost []int64, sol assignment.DenseSolution) {
	t.Helper()
	seen := make([]bool, n)
	var total int64
	for i, j := range sol.RowToCol {
		if j < 0 || int(j) >= n || seen[j] {
			t.Fatalf("RowToCol %v is not a permutation", sol.RowToCol)
		}
		seen[j] = true
		total += cost[i*n+int(j)]
	}
	if total != sol.Total || len(sol.RowToCol) != n {
		t.Fatalf("Total %d, pairs add up to %d", sol.Total, total)
	}
}

func TestSolveDenseMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 3000 {
		n := rng.IntN(8)
		spread := []int64{1, 3, 100, 1 << 40}[rng.IntN(4)]
		cost := make([]int64, n*n)
		for k := range cost {
			cost[k] = rng.Int64N(spread) - spread/2
		}
		sol, err := assignment.SolveDense(n, cost)
		if err != nil {
			t.Fatal(err)
		}
		checkPermutation(t, n, cost, sol)
		if want := bruteForceDense(n, cost); n > 0 && sol.Total != want {
			t.Fatalf("instance %d (n=%d, cost %v): total %d, brute force %d", i, n, cost, sol.Total, want)
		}
	}
}

// Ties everywhere are where augmenting row reduction could cycle; it must still finish exactly.
func TestSolveDenseWithHeavyTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{2, 17, 64, 150} {
		equal := make([]int64, n*n)
		sol, err := assignment.SolveDense(n, equal)
		if err != nil {
			t.Fatal(err)
		}
		checkPermutation(t, n, equal, sol)
		binary := make([]int64, n*n)
		lists := make([][]assignment.Candidate, n)
		for k := range binary {
			binary[k] = rng.Int64N(2)
			lists[k/n] = append(lists[k/n], assignment.Candidate{Col: int32(k % n), Score: 1 - binary[k]})
		}
		sol, err = assignment.SolveDense(n, binary)
		if err != nil {
			t.Fatal(err)
		}
		checkPermutation(t, n, binary, sol)
		sparse := solve(t, n, lists)
		if int64(n)-sparse.Total != sol.Total {
			t.Fatalf("n=%d 0/1 costs: dense %d, sparse says %d", n, sol.Total, int64(n)-sparse.Total)
		}
	}
}

func TestSolveDenseRejectsBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		n    int
		cost []int64
	}{
		{"wrong length", 2, []int64{1, 2, 3}},
		{"negative size", -1, nil},
		{"spread too wide", 2, []int64{math.MinInt64, math.MaxInt64, 0, 0}},
	} {
		if _, err := assignment.SolveDense(tt.n, tt.cost); !errors.Is(err, assignment.ErrInvalidMatrix) {
			t.Errorf("%s: error %v, want ErrInvalidMatrix", tt.name, err)
		}
	}
	sol, err := assignment.SolveDense(1, []int64{-7})
	if err != nil || sol.Total != -7 || !slices.Equal(sol.RowToCol, []int32{0}) {
		t.Errorf("1×1: %+v, %v", sol, err)
	}
}
