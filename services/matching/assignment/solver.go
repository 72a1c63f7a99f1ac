package assignment

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// How the objective "most rows first, then most score" becomes one minimum-cost assignment:
//
//   - a real candidate (r, c) with score s costs ScoreScale − s, in [0, ScoreScale];
//   - every row r also has a private "unassigned" column, number Cols+r, costing
//     unassignedCost = min(Rows, Cols)·ScoreScale + 1.
//
// Every row then takes exactly one column, real or its own "unassigned" one, and a plan that
// staffs k rows with total score S costs k·ScoreScale − S + (Rows−k)·unassignedCost. Staffing
// one more row saves unassignedCost − ScoreScale, which is more than any difference in
// k·ScoreScale − S can be (at most min(Rows, Cols)·ScoreScale), so the minimum-cost plan has the
// most rows staffed and, among those, the highest score. Validate keeps min(Rows, Cols) below
// 2^30, so unassignedCost < 2^50, and duals and distances stay within a few multiples of it:
// int64 arithmetic is exact with a wide margin.
//
// Duals: u[r] per row and v[c] per column (real and "unassigned"), with reduced cost
// cost(r,c) − u[r] − v[c]. The solver keeps three invariants between calls:
//
//	(a) every live candidate, and every row's "unassigned" column, has reduced cost ≥ 0;
//	(b) every chosen pair has reduced cost 0;
//	(c) every column nobody holds has v = 0, and every v ≤ 0.
//
// (a) and (b) are the usual shortest-augmenting-path invariants. (c) is the rectangular one
// (Crouse 2016): a column may stay free, so its dual must sit at the level free columns share.
// Together they certify that the current plan is optimal: think of the problem as square by
// adding Cols "phantom" rows that may take any column at cost 0 and hold the free columns. A
// phantom holding free column f is tight with u = −v[f] = 0, and its edge to any column c has
// reduced cost −v[c] ≥ 0: (c) is exactly (a) and (b) for the phantoms, and a square plan with
// feasible duals and tight pairs is optimal. That square picture is also how a decline is
// re-optimised (see RemoveEdge).

// hubPred marks a column reached through the phantom rows (the "hub"), see RemoveEdge.
const hubPred = -2

const infinity = math.MaxInt64 / 4

// Solution is one optimal plan.
type Solution struct {
	RowToCol []int32 // the column given to each row, -1 when the row stays unassigned
	Assigned int     // how many rows got a column
	Total    int64   // sum of the micro-scores of the chosen pairs
}

// ErrNoSuchCandidate is returned by RemoveEdge for a pair that is not (or no longer) listed.
var ErrNoSuchCandidate = errors.New("assignment: no such candidate")

// Solver holds an optimal plan for a Problem together with the dual potentials that prove it
// optimal, so that removing a candidate (a consultant declined a mission) is re-optimised from
// there. A Solver is not safe for concurrent use.
type Solver struct {
	rows, cols int
	start      []int32 // CSR offsets of the original problem
	end        []int32 // end of each row's live candidates; shrinks as candidates are removed
	col        []int32
	score      []int64
	owned      bool // whether end, col and score are private copies we may modify

	unassignedCost int64

	u        []int64 // row duals
	v        []int64 // column duals: Cols real columns, then one "unassigned" column per row
	rowToCol []int32 // Cols+r means row r is unassigned; -1 only while the row is being placed
	colToRow []int32 // -1 when the column is free

	search search
}

// Solve returns an optimal plan for p.
func Solve(p Problem) (Solution, error) {
	s, err := NewSolver(p)
	if err != nil {
		return Solution{}, err
	}
	return s.Solution(), nil
}

// NewSolver validates p and solves it. The Solver reads p's slices but never modifies them: the
// first RemoveEdge takes a private copy.
func NewSolver(p Problem) (*Solver, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	m, n := p.Rows, p.Cols
	s := &Solver{
		rows:           m,
		cols:           n,
		start:          p.Start,
		end:            p.Start[1:],
		col:            p.Col,
		score:          p.Score,
		unassignedCost: int64(min(m, n))*ScoreScale + 1,
		u:              make([]int64, m),
		v:              make([]int64, n+m),
		rowToCol:       make([]int32, m),
		colToRow:       make([]int32, n+m),
	}
	for r := range s.rowToCol {
		s.rowToCol[r] = -1
	}
	for c := range s.colToRow {
		s.colToRow[c] = -1
	}
	s.search.init(n + m)
	// Rows are placed one at a time, each by a shortest augmenting path from the row to any free
	// column; rows not placed yet are not part of the problem, so (a)–(c) hold after each step.
	for r := range m {
		s.augment(int32(r), -1)
	}
	return s, nil
}

// Solution returns a copy of the current optimal plan.
func (s *Solver) Solution() Solution {
	sol := Solution{RowToCol: make([]int32, s.rows)}
	for r, c := range s.rowToCol {
		if int(c) >= s.cols {
			sol.RowToCol[r] = -1
			continue
		}
		sol.RowToCol[r] = c
		sol.Assigned++
		// The score is read back from the candidate list rather than derived from the duals, so
		// a total never depends on the solver's bookkeeping being right.
		sol.Total += s.score[s.find(int32(r), c)]
	}
	return sol
}

// find returns the position of candidate (r, c) in the live list of row r, or -1.
func (s *Solver) find(r, c int32) int32 {
	for e := s.start[r]; e < s.end[r]; e++ {
		if s.col[e] == c {
			return e
		}
	}
	return -1
}

// RemoveEdge deletes candidate (row, col), typically because the consultant declined the
// mission, and re-optimises.
//
// If the pair was not chosen, nothing else changes: deleting a candidate only deletes one of
// the constraints (a), so the duals stay feasible, and the plan, still feasible and still
// satisfying (b) and (c), is still certified optimal.
//
// If the pair was chosen, row and column both become free, and (c) may now fail for that
// column: its v may be below 0. In the square picture (phantom rows at cost 0) nothing is
// wrong, though: the duals are feasible, every other pair is tight, and exactly one row and
// one column are free. One shortest augmenting path from the row to that column, in the square
// graph, restores an optimal square solution (Hungarian method). Reaching a free column means
// reaching its phantom, from which every column is one step away at reduced cost −v[c]; we call
// that single shared node the hub. The path either ends at the column directly, or goes
// through the hub, meaning some chosen column is released to a phantom (stays free) while the
// rows on the path shift. After the usual dual update, shifting every dual by the hub's slack
// brings the free columns back to v = 0, so (c) holds again.
func (s *Solver) RemoveEdge(row, col int) error {
	if row < 0 || row >= s.rows || col < 0 || col >= s.cols {
		return fmt.Errorf("%w: (%d, %d) outside %d×%d", ErrNoSuchCandidate, row, col, s.rows, s.cols)
	}
	r, c := int32(row), int32(col)
	e := s.find(r, c)
	if e < 0 {
		return fmt.Errorf("%w: (%d, %d)", ErrNoSuchCandidate, row, col)
	}
	if !s.owned {
		s.end = slices.Clone(s.end)
		s.col = slices.Clone(s.col)
		s.score = slices.Clone(s.score)
		s.owned = true
	}
	// Shifting the tail keeps the row best score first.
	last := s.end[r] - 1
	copy(s.col[e:last], s.col[e+1:last+1])
	copy(s.score[e:last], s.score[e+1:last+1])
	s.end[r] = last

	if s.rowToCol[r] != c {
		return nil
	}
	s.rowToCol[r] = -1
	s.colToRow[c] = -1
	s.augment(r, c)
	return nil
}

// augment runs one Dijkstra search over reduced costs from the free row start and flips the
// shortest augmenting path it finds, then updates the duals so that (a)–(c) hold again.
//
// With target < 0 (placing a new row) the path ends at any free column, including the row's
// own "unassigned" one. With target >= 0 (after a decline) the path must end at that column,
// possibly through the hub (see RemoveEdge).
//
// Only columns that appear in the lists of scanned rows are touched. Free columns never enter
// the heap: the best free column seen so far is kept as a bound, which the search stops at,
// and every candidate at or beyond the bound is skipped, since it can no longer be on a
// shortest path. Because v ≤ 0 everywhere (c), the reduced cost of candidate e of row r is at
// least cost(e) − u[r], and lists are best score first, so a row's scan stops at the first
// candidate whose cost alone reaches the bound.
func (s *Solver) augment(start, target int32) {
	sr := &s.search
	sr.begin()
	n := int32(s.cols)
	warm := target >= 0

	// hubDist is the distance to the best free column other than target, hubFrom that column.
	// When placing a new row that column is the end of the path; after a decline it leads to
	// the hub. sinkDist is the distance to target (after a decline only).
	hubDist, hubFrom := int64(infinity), int32(-1)
	sinkDist := int64(infinity)
	hubScanned := false
	// hubExtra is the step from the hub to the target: −v[target] ≥ 0.
	var hubExtra int64
	if warm {
		hubExtra = -s.v[target]
	}
	// limit: no shortest path to the end is longer than this, so nothing at or beyond it matters.
	limit := int64(infinity)

	row := start
	var rowDist int64 // distance at which row is scanned
	sr.scannedRows = append(sr.scannedRows, start)
	for {
		// Scan row: its "unassigned" column first, so that the bound is finite from the start.
		base := rowDist - s.u[row]
		// A row holding its "unassigned" column was reached through it, so that column is
		// only free (and worth offering) when the row holds a real one or none.
		if dummy := n + row; s.colToRow[dummy] < 0 && !hubScanned {
			if d := base + s.unassignedCost - s.v[dummy]; d < limit && d < hubDist {
				hubDist, hubFrom = d, dummy
				sr.pred[dummy] = row
				limit = min(limit, hubDist+hubExtra)
			}
		}
		for e, end := s.start[row], s.end[row]; e < end; e++ {
			d := base + ScoreScale - s.score[e]
			if d >= limit {
				break // best score first: the rest of the list costs at least as much
			}
			c := s.col[e]
			d -= s.v[c]
			if d >= limit {
				continue
			}
			if s.colToRow[c] < 0 {
				switch {
				case c == target:
					if d < sinkDist {
						sinkDist = d
						sr.pred[c] = row
						limit = min(limit, sinkDist)
					}
				case !hubScanned && d < hubDist:
					hubDist, hubFrom = d, c
					sr.pred[c] = row
					limit = min(limit, hubDist+hubExtra)
				}
				continue
			}
			mark := sr.mark[c]
			if mark == sr.scanned || (mark == sr.touched && d >= sr.dist[c]) {
				continue
			}
			sr.relax(c, d, row)
		}

		// Pick the next node: a held column from the heap, the hub, or the end.
		for {
			top := int64(infinity)
			if len(sr.heap) > 0 {
				top = sr.heap[0].dist
			}
			if !warm {
				if hubDist <= top {
					s.finish(start, hubFrom, hubDist, false, 0, hubFrom)
					return
				}
			} else {
				if sinkDist <= top && (hubScanned || sinkDist <= hubDist) {
					s.finish(start, target, sinkDist, hubScanned, hubDist, hubFrom)
					return
				}
				if !hubScanned && hubDist <= top {
					hubScanned = true
					sinkDist, limit = s.scanHub(start, target, hubDist, sinkDist)
					continue
				}
			}
			c := sr.pop()
			if sr.mark[c] == sr.scanned {
				continue // a stale entry: c was reached again at a shorter distance
			}
			sr.mark[c] = sr.scanned
			sr.scannedCols = append(sr.scannedCols, c)
			row, rowDist = s.colToRow[c], sr.dist[c]
			sr.scannedRows = append(sr.scannedRows, row)
			break
		}
	}
}

// scanHub relaxes every column from the hub at reduced cost −v[c]: the target, and every held
// column (a phantom may take it, freeing its row to move). It returns the new sinkDist and limit.
func (s *Solver) scanHub(start, target int32, hubDist, sinkDist int64) (int64, int64) {
	sr := &s.search
	if d := hubDist - s.v[target]; d < sinkDist {
		sinkDist = d
		sr.pred[target] = hubPred
	}
	for r, c := range s.rowToCol {
		if int32(r) == start || sr.mark[c] == sr.scanned {
			continue
		}
		d := hubDist - s.v[c]
		if d < sinkDist && (sr.mark[c] != sr.touched || d < sr.dist[c]) {
			sr.relax(c, d, hubPred)
		}
	}
	return sinkDist, sinkDist
}

// finish updates the duals for a search that ended at sink at distance minDist, then flips
// the path. hubScanned tells whether the search went through the hub, at distance hubDist,
// coming from the free column hubFrom.
func (s *Solver) finish(start, sink int32, minDist int64, hubScanned bool, hubDist int64, hubFrom int32) {
	sr := &s.search
	if hubScanned {
		// In the square picture every free column was reached at hubDist and its v fell by
		// slack; shifting every u down and every v up by slack (reduced costs unchanged) puts
		// the free columns back at 0. Columns that were free just cancel out; the held ones,
		// the target and every row move.
		slack := minDist - hubDist
		for r, c := range s.rowToCol {
			s.u[r] -= slack
			if int32(r) != start {
				s.v[c] += slack
			}
		}
		s.v[sink] += slack
	}
	for _, c := range sr.scannedCols {
		s.v[c] -= minDist - sr.dist[c]
	}
	s.u[start] += minDist
	for _, r := range sr.scannedRows[1:] {
		s.u[r] += minDist - sr.dist[s.rowToCol[r]]
	}

	c := sink
	for {
		r := sr.pred[c]
		if r == hubPred {
			// A phantom takes c: it is free from now on, and the path continues from the free
			// column through which the search reached the hub.
			s.colToRow[c] = -1
			c = hubFrom
			continue
		}
		s.colToRow[c] = r
		prev := s.rowToCol[r]
		s.rowToCol[r] = c
		if r == start {
			return
		}
		c = prev
	}
}
