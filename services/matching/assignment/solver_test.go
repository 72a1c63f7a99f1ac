package assignment_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/services/matching/assignment"
)

// randomLists draws candidate lists for a rows×cols instance: each row lists each column with
// probability density, so rows and columns with no candidate appear regularly. Scores come from
// a small set when ties is true, so that many plans share the optimum.
func randomLists(rng *rand.Rand, rows, cols int, density float64, ties bool) [][]assignment.Candidate {
	lists := make([][]assignment.Candidate, rows)
	for r := range lists {
		for c := range cols {
			if rng.Float64() >= density {
				continue
			}
			score := rng.Int64N(assignment.ScoreScale + 1)
			if ties {
				score = rng.Int64N(4) * assignment.ScoreScale / 3
			}
			lists[r] = append(lists[r], assignment.Candidate{Col: int32(c), Score: score})
		}
	}
	return lists
}

func randomSmallLists(rng *rand.Rand) (int, [][]assignment.Candidate) {
	rows, cols := rng.IntN(7), rng.IntN(8)
	return cols, randomLists(rng, rows, cols, rng.Float64(), rng.IntN(2) == 0)
}

// bruteForce returns the best (assigned, total) by dynamic programming over rows and the set of
// columns already used; fine for at most 8 columns.
func bruteForce(cols int, lists [][]assignment.Candidate) (int, int64) {
	type value struct {
		assigned int
		total    int64
	}
	better := func(a, b value) bool {
		return a.assigned > b.assigned || (a.assigned == b.assigned && a.total > b.total)
	}
	best := make([]value, 1<<cols) // best[mask]: best plan of the rows so far using exactly mask
	reached := make([]bool, 1<<cols)
	reached[0] = true
	for _, list := range lists {
		next := slices.Clone(best)
		nextReached := slices.Clone(reached)
		for mask := range best {
			if !reached[mask] {
				continue
			}
			for _, c := range list {
				bit := 1 << c.Col
				if mask&bit != 0 {
					continue
				}
				cand := value{best[mask].assigned + 1, best[mask].total + c.Score}
				if !nextReached[mask|bit] || better(cand, next[mask|bit]) {
					next[mask|bit], nextReached[mask|bit] = cand, true
				}
			}
		}
		best, reached = next, nextReached
	}
	var top value
	for mask, v := range best {
		if reached[mask] && better(v, top) {
			top = v
		}
	}
	return top.assigned, top.total
}

// checkFeasible fails the test unless sol only uses listed pairs, each column at most once, and
// its Assigned and Total agree with RowToCol.
func checkFeasible(t *testing.T, cols int, lists [][]assignment.Candidate, sol assignment.Solution) {
	t.Helper()
	if len(sol.RowToCol) != len(lists) {
		t.Fatalf("RowToCol has %d rows, want %d", len(sol.RowToCol), len(lists))
	}
	used := make([]bool, cols)
	assigned, total := 0, int64(0)
	for r, c := range sol.RowToCol {
		if c == -1 {
			continue
		}
		i := slices.IndexFunc(lists[r], func(x assignment.Candidate) bool { return x.Col == c })
		if i < 0 {
			t.Fatalf("row %d got column %d, which it does not list", r, c)
		}
		if used[c] {
			t.Fatalf("column %d given twice", c)
		}
		used[c] = true
		assigned++
		total += lists[r][i].Score
	}
	if assigned != sol.Assigned || total != sol.Total {
		t.Fatalf("solution claims %d rows and total %d, its pairs give %d and %d", sol.Assigned, sol.Total, assigned, total)
	}
}

func newProblem(t *testing.T, cols int, lists [][]assignment.Candidate) assignment.Problem {
	t.Helper()
	p, err := assignment.NewProblem(cols, lists)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newSolver is a solver of the problem, solved.
func newSolver(t *testing.T, cols int, lists [][]assignment.Candidate) *assignment.Solver {
	t.Helper()
	s, err := assignment.NewSolver(newProblem(t, cols, lists))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func solve(t *testing.T, cols int, lists [][]assignment.Candidate) assignment.Solution {
	t.Helper()
	sol, err := assignment.Solve(newProblem(t, cols, lists))
	if err != nil {
		t.Fatal(err)
	}
	checkFeasible(t, cols, lists, sol)
	return sol
}

func TestSolveMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		cols, lists := randomSmallLists(rng)
		sol := solve(t, cols, lists)
		assigned, total := bruteForce(cols, lists)
		if sol.Assigned != assigned || sol.Total != total {
			t.Fatalf("instance %d (%d cols, lists %v): got %d rows, total %d; brute force %d rows, total %d",
				i, cols, lists, sol.Assigned, sol.Total, assigned, total)
		}
	}
}

// The lexicographic objective: one more staffed mission beats any amount of score.
func TestSolvePrefersMoreRowsOverScore(t *testing.T) {
	full := int64(assignment.ScoreScale)
	// Row 0 likes column 0 best, but only row 0 can take column 1 and only column 0 suits row 1.
	lists := [][]assignment.Candidate{
		{{Col: 0, Score: full}, {Col: 1, Score: 0}},
		{{Col: 0, Score: 1}},
	}
	sol := solve(t, 2, lists)
	if sol.Assigned != 2 || sol.Total != 1 || !slices.Equal(sol.RowToCol, []int32{1, 0}) {
		t.Fatalf("got %+v, want both rows placed: [1 0], total 1", sol)
	}
	// A row may have to give up its column to a row that scores it higher when neither has
	// another option.
	lists = [][]assignment.Candidate{{{Col: 0, Score: 500_000}}, {{Col: 0, Score: 900_000}}}
	sol = solve(t, 1, lists)
	if sol.Assigned != 1 || sol.Total != 900_000 || !slices.Equal(sol.RowToCol, []int32{-1, 0}) {
		t.Fatalf("got %+v, want [-1 0], total 900000", sol)
	}
}

func TestSolveEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		cols  int
		lists [][]assignment.Candidate
		want  []int32
	}{
		{name: "no rows, no columns", cols: 0, lists: nil, want: []int32{}},
		{name: "no rows", cols: 5, lists: nil, want: []int32{}},
		{name: "no columns", cols: 0, lists: make([][]assignment.Candidate, 3), want: []int32{-1, -1, -1}},
		{name: "all rows empty", cols: 4, lists: make([][]assignment.Candidate, 3), want: []int32{-1, -1, -1}},
		{name: "zero scores still count", cols: 2, lists: [][]assignment.Candidate{{{Col: 1, Score: 0}}}, want: []int32{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol := solve(t, tt.cols, tt.lists)
			if !slices.Equal(sol.RowToCol, tt.want) {
				t.Fatalf("RowToCol = %v, want %v", sol.RowToCol, tt.want)
			}
		})
	}
}

func TestValidateRejectsMalformedProblems(t *testing.T) {
	valid := func() assignment.Problem {
		return assignment.Problem{Rows: 2, Cols: 3, Start: []int32{0, 2, 3}, Col: []int32{2, 0, 1}, Score: []int64{9, 5, 7}}
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid problem rejected: %v", err)
	}
	tests := []struct {
		name  string
		spoil func(*assignment.Problem)
	}{
		{"negative columns", func(p *assignment.Problem) { p.Cols = -1 }},
		{"short offsets", func(p *assignment.Problem) { p.Start = p.Start[:2] }},
		{"offsets not from 0", func(p *assignment.Problem) { p.Start[0] = 1 }},
		{"offsets backwards", func(p *assignment.Problem) { p.Start[1] = 4 }},
		{"scores and columns differ", func(p *assignment.Problem) { p.Score = p.Score[:2] }},
		{"column out of range", func(p *assignment.Problem) { p.Col[2] = 3 }},
		{"negative score", func(p *assignment.Problem) { p.Score[2] = -1 }},
		{"score above scale", func(p *assignment.Problem) { p.Score[2] = assignment.ScoreScale + 1 }},
		{"row not best first", func(p *assignment.Problem) { p.Score[0] = 1 }},
		{"column twice in a row", func(p *assignment.Problem) { p.Col[1] = 2; p.Score[1] = 9 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.spoil(&p)
			if err := p.Validate(); !errors.Is(err, assignment.ErrInvalidProblem) {
				t.Fatalf("Validate() = %v, want ErrInvalidProblem", err)
			}
			if _, err := assignment.Solve(p); !errors.Is(err, assignment.ErrInvalidProblem) {
				t.Fatalf("Solve() error = %v, want ErrInvalidProblem", err)
			}
		})
	}
	if _, err := assignment.NewProblem(2, [][]assignment.Candidate{{{Col: 1, Score: 3}, {Col: 1, Score: 4}}}); !errors.Is(err, assignment.ErrInvalidProblem) {
		t.Fatalf("NewProblem with a repeated column: %v, want ErrInvalidProblem", err)
	}
}

func TestNewProblemSortsBestFirstWithoutTouchingInput(t *testing.T) {
	in := [][]assignment.Candidate{{{Col: 0, Score: 1}, {Col: 2, Score: 7}, {Col: 1, Score: 7}}}
	before := slices.Clone(in[0])
	p, err := assignment.NewProblem(3, in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Col, []int32{1, 2, 0}) || !slices.Equal(p.Score, []int64{7, 7, 1}) {
		t.Fatalf("got columns %v scores %v, want [1 2 0] [7 7 1]", p.Col, p.Score)
	}
	if !slices.Equal(in[0], before) {
		t.Fatalf("input modified: %v", in[0])
	}
}

func TestMicroScore(t *testing.T) {
	for _, tt := range []struct {
		score float64
		want  int64
	}{{0, 0}, {1, 1_000_000}, {0.123456, 123_456}, {0.3, 300_000}, {0.999999, 999_999}} {
		if got := assignment.MicroScore(tt.score); got != tt.want {
			t.Errorf("MicroScore(%v) = %d, want %d", tt.score, got, tt.want)
		}
	}
}

// removeCandidate returns lists without (row, col).
func removeCandidate(lists [][]assignment.Candidate, row int, col int32) [][]assignment.Candidate {
	out := slices.Clone(lists)
	out[row] = slices.DeleteFunc(slices.Clone(lists[row]), func(c assignment.Candidate) bool { return c.Col == col })
	return out
}

// Every removal re-optimised from the kept duals must reach the optimum of a fresh solve of the
// reduced problem, whether the removed pair was chosen or not.
func TestRemoveEdgeMatchesFreshSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(t *testing.T, cols int, lists [][]assignment.Candidate, removals int, preferChosen bool) {
		t.Helper()
		s := newSolver(t, cols, lists)
		for step := range removals {
			cur := s.Solution()
			var row int
			var col int32
			chosen := []int{}
			for r, c := range cur.RowToCol {
				if c >= 0 {
					chosen = append(chosen, r)
				}
			}
			switch {
			case preferChosen && len(chosen) > 0 && rng.IntN(4) > 0:
				row = chosen[rng.IntN(len(chosen))]
				col = cur.RowToCol[row]
			default:
				nonEmpty := []int{}
				for r, l := range lists {
					if len(l) > 0 {
						nonEmpty = append(nonEmpty, r)
					}
				}
				if len(nonEmpty) == 0 {
					return
				}
				row = nonEmpty[rng.IntN(len(nonEmpty))]
				col = lists[row][rng.IntN(len(lists[row]))].Col
			}
			if err := s.RemoveEdge(row, int(col)); err != nil {
				t.Fatalf("step %d: RemoveEdge(%d, %d): %v", step, row, col, err)
			}
			lists = removeCandidate(lists, row, col)
			got := s.Solution()
			checkFeasible(t, cols, lists, got)
			want := solve(t, cols, lists)
			if cols <= 8 {
				want.Assigned, want.Total = bruteForce(cols, lists)
			}
			if got.Assigned != want.Assigned || got.Total != want.Total {
				t.Fatalf("step %d after removing (%d, %d): re-solve gives %d rows, total %d; want %d rows, total %d\nlists %v",
					step, row, col, got.Assigned, got.Total, want.Assigned, want.Total, lists)
			}
		}
	}
	t.Run("small, against brute force too", func(t *testing.T) {
		for range 1500 {
			cols, lists := randomSmallLists(rng)
			check(t, cols, lists, 6, true)
		}
	})
	t.Run("medium", func(t *testing.T) {
		for range 60 {
			rows, cols := 1+rng.IntN(40), 1+rng.IntN(60)
			lists := randomLists(rng, rows, cols, 0.05+0.3*rng.Float64(), rng.IntN(2) == 0)
			check(t, cols, lists, 25, true)
		}
	})
	t.Run("more rows than columns", func(t *testing.T) {
		for range 60 {
			rows, cols := 10+rng.IntN(30), 1+rng.IntN(10)
			lists := randomLists(rng, rows, cols, 0.2+0.6*rng.Float64(), rng.IntN(2) == 0)
			check(t, cols, lists, 20, true)
		}
	})
}

func TestRemoveEdgeRejectsUnknownPairs(t *testing.T) {
	p := newProblem(t, 3, [][]assignment.Candidate{{{Col: 1, Score: 5}}})
	s, err := assignment.NewSolver(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]int{{0, 0}, {0, 3}, {1, 1}, {-1, 1}} {
		if err := s.RemoveEdge(pair[0], pair[1]); !errors.Is(err, assignment.ErrNoSuchCandidate) {
			t.Errorf("RemoveEdge(%d, %d) = %v, want ErrNoSuchCandidate", pair[0], pair[1], err)
		}
	}
	if err := s.RemoveEdge(0, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveEdge(0, 1); !errors.Is(err, assignment.ErrNoSuchCandidate) {
		t.Errorf("second RemoveEdge(0, 1) = %v, want ErrNoSuchCandidate", err)
	}
	if sol := s.Solution(); sol.Assigned != 0 || sol.RowToCol[0] != -1 {
		t.Errorf("after removing the only candidate: %+v", sol)
	}
	// The caller's problem is untouched.
	if !slices.Equal(p.Col, []int32{1}) || p.Start[1] != 1 {
		t.Errorf("caller's problem modified: %+v", p)
	}
}

// Sparse and dense solvers are independent implementations; on a complete problem (every row
// lists every column) they must agree: maximising total score is minimising the total of
// ScoreScale − score.
func TestSolveAgreesWithSolveDenseOnCompleteProblems(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 200 {
		n := 1 + rng.IntN(40)
		spread := []int64{2, 10, assignment.ScoreScale}[rng.IntN(3)]
		cost := make([]int64, n*n)
		lists := make([][]assignment.Candidate, n)
		for r := range n {
			for c := range n {
				cost[r*n+c] = rng.Int64N(spread)
				lists[r] = append(lists[r], assignment.Candidate{Col: int32(c), Score: assignment.ScoreScale - cost[r*n+c]})
			}
		}
		sparse := solve(t, n, lists)
		dense, err := assignment.SolveDense(n, cost)
		if err != nil {
			t.Fatal(err)
		}
		if sparse.Assigned != n || int64(n)*assignment.ScoreScale-sparse.Total != dense.Total {
			t.Fatalf("instance %d (n=%d): sparse %d rows, score %d; dense cost %d", i, n, sparse.Assigned, sparse.Total, dense.Total)
		}
	}
}

func ExampleSolver_RemoveEdge() {
	// Two missions, three consultants; consultant 0 is everybody's favourite.
	p, _ := assignment.NewProblem(3, [][]assignment.Candidate{
		{{Col: 0, Score: 900_000}, {Col: 1, Score: 600_000}},
		{{Col: 0, Score: 800_000}, {Col: 2, Score: 700_000}},
	})
	s, _ := assignment.NewSolver(p)
	fmt.Println(s.Solution())
	_ = s.RemoveEdge(0, 0) // consultant 0 declines mission 0
	fmt.Println(s.Solution())
	// Output:
	// {[0 2] 2 1600000}
	// {[1 0] 2 1400000}
}

// The benchmark's skewed staffing instances, scaled down: popular consultants wanted by many
// missions make long augmenting paths and many declines that ripple.
func TestRemoveEdgeOnSkewedStaffing(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	cols := 5000
	lists := staffingLists(rng, 150, cols, 20, 300)
	s := newSolver(t, cols, lists)
	for step := range 40 {
		cur := s.Solution()
		row := rng.IntN(len(lists))
		if cur.RowToCol[row] < 0 {
			continue
		}
		col := cur.RowToCol[row]
		if err := s.RemoveEdge(row, int(col)); err != nil {
			t.Fatal(err)
		}
		lists = removeCandidate(lists, row, col)
		got, want := s.Solution(), solve(t, cols, lists)
		checkFeasible(t, cols, lists, got)
		if got.Assigned != want.Assigned || got.Total != want.Total {
			t.Fatalf("step %d: kept plan %d rows, total %d; fresh solve %d rows, total %d", step, got.Assigned, got.Total, want.Assigned, want.Total)
		}
	}
}
