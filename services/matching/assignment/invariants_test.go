package assignment

import (
	"math/rand/v2"
	"testing"
)

// checkDuals fails unless the kept duals certify the kept plan: (a) no negative reduced cost on
// a live candidate or an "unassigned" column, (b) chosen pairs tight, (c) free columns at 0 and
// every v ≤ 0. RemoveEdge relies on exactly these.
func checkDuals(t *testing.T, s *Solver) {
	t.Helper()
	n := int32(s.cols)
	for r := range s.rows {
		held := s.rowToCol[r]
		if held < 0 || s.colToRow[held] != int32(r) {
			t.Fatalf("row %d holds %d, which is held by %d", r, held, s.colToRow[max(held, 0)])
		}
		dummy := n + int32(r)
		if red := s.unassignedCost - s.u[r] - s.v[dummy]; red < 0 || (held == dummy && red != 0) {
			t.Fatalf("row %d: reduced cost %d on its unassigned column (held: %v)", r, red, held == dummy)
		}
		for e := s.start[r]; e < s.end[r]; e++ {
			c := s.col[e]
			red := ScoreScale - s.score[e] - s.u[r] - s.v[c]
			if red < 0 || (held == c && red != 0) {
				t.Fatalf("row %d column %d: reduced cost %d (held: %v)", r, c, red, held == c)
			}
		}
	}
	for c, r := range s.colToRow {
		if s.v[c] > 0 || (r < 0 && s.v[c] != 0) {
			t.Fatalf("column %d (held by %d) has v = %d", c, r, s.v[c])
		}
	}
}

func TestDualsCertifyThePlanThroughRemovals(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 300 {
		rows, cols := rng.IntN(25), rng.IntN(30)
		lists := make([][]Candidate, rows)
		density := rng.Float64()
		for r := range lists {
			for c := range cols {
				if rng.Float64() < density {
					lists[r] = append(lists[r], Candidate{Col: int32(c), Score: rng.Int64N(5) * 250_000})
				}
			}
		}
		p, err := NewProblem(cols, lists)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSolver(p)
		if err != nil {
			t.Fatal(err)
		}
		checkDuals(t, s)
		for range 20 {
			r := rng.IntN(max(rows, 1))
			if rows == 0 || s.end[r] == s.start[r] {
				continue
			}
			// Mostly decline the chosen pair, which is the case that needs the hub.
			c := s.rowToCol[r]
			if int(c) >= cols || rng.IntN(3) == 0 {
				c = s.col[s.start[r]+rng.Int32N(s.end[r]-s.start[r])]
			}
			if err := s.RemoveEdge(r, int(c)); err != nil {
				t.Fatal(err)
			}
			checkDuals(t, s)
		}
	}
}
