// Package assignment solves the core of the global staffing plan exactly: given, for every
// mission, the consultants that passed its hard rules with their scores, choose at most one
// consultant per mission and at most one mission per consultant so that FIRST as many missions
// as possible are staffed and THEN the total score is as high as possible.
//
// It is a rectangular linear assignment solver of the Jonker–Volgenant family (shortest
// augmenting paths with dual potentials, as in Jonker & Volgenant 1987 and Crouse 2016, "On
// implementing 2D rectangular assignment algorithms", the method behind scipy's
// linear_sum_assignment), written for sparse candidate lists: the search only ever touches
// consultants that appear in the lists it walks, so 2,000 missions over 100,000 consultants cost
// what their candidate lists cost, not 2,000 × 100,000. A Solver keeps its dual potentials so
// that a declined proposal is re-optimised by one augmentation instead of a fresh solve.
// SolveDense is the square dense counterpart, used to compare against scipy.
package assignment

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// ScoreScale turns a score in [0,1] with six decimals into an exact integer micro-score. The
// solver adds and compares integers only, so equal plans always compare equal.
const ScoreScale = 1_000_000

// MicroScore converts a score in [0,1] to micro-score units (score × 1e6, rounded).
func MicroScore(score float64) int64 {
	return int64(math.Round(score * ScoreScale))
}

// Candidate is one consultant that passed a mission's hard rules, with its micro-score.
type Candidate struct {
	Col   int32
	Score int64
}

// Problem holds the candidate lists in compressed sparse row form: the candidates of row r are
// Col[Start[r]:Start[r+1]] with scores Score[Start[r]:Start[r+1]], best score first. Rows are
// missions and columns consultants; a column no list mentions is simply never touched.
//
// The best-first order is what lets the search stop reading a list as soon as the rest of it
// cannot beat the path it already has; NewProblem establishes it, Validate checks it.
type Problem struct {
	Rows  int
	Cols  int
	Start []int32 // len Rows+1, Start[0] == 0
	Col   []int32
	Score []int64 // micro-scores in [0, ScoreScale]
}

// ErrInvalidProblem wraps every reason Validate rejects a problem.
var ErrInvalidProblem = errors.New("assignment: invalid problem")

// NewProblem builds a Problem over cols columns from one candidate list per row. The lists are
// copied and each row is sorted best score first (ties by column, so the result does not depend
// on the input order); the caller's slices are not modified.
func NewProblem(cols int, rows [][]Candidate) (Problem, error) {
	edges := 0
	for _, list := range rows {
		edges += len(list)
	}
	if edges > math.MaxInt32 {
		return Problem{}, fmt.Errorf("%w: %d candidates, at most %d", ErrInvalidProblem, edges, math.MaxInt32)
	}
	p := Problem{
		Rows:  len(rows),
		Cols:  cols,
		Start: make([]int32, len(rows)+1),
		Col:   make([]int32, edges),
		Score: make([]int64, edges),
	}
	sorted := make([]Candidate, 0)
	at := 0
	for r, list := range rows {
		sorted = append(sorted[:0], list...)
		slices.SortFunc(sorted, func(a, b Candidate) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Col, b.Col))
		})
		for _, c := range sorted {
			p.Col[at], p.Score[at] = c.Col, c.Score
			at++
		}
		p.Start[r+1] = int32(at)
	}
	if err := p.Validate(); err != nil {
		return Problem{}, err
	}
	return p, nil
}

// Validate reports whether p is well formed: consistent offsets, columns in range, scores in
// [0, ScoreScale], each row best score first and without a repeated column. Sizes are bounded
// so that row and column indices (including one "unassigned" option per row) fit in int32.
func (p Problem) Validate() error {
	if p.Rows < 0 || p.Cols < 0 {
		return fmt.Errorf("%w: negative size %d×%d", ErrInvalidProblem, p.Rows, p.Cols)
	}
	if int64(p.Rows)+int64(p.Cols) >= math.MaxInt32 {
		return fmt.Errorf("%w: %d rows and %d columns, at most %d together", ErrInvalidProblem, p.Rows, p.Cols, math.MaxInt32-1)
	}
	if len(p.Start) != p.Rows+1 || p.Start[0] != 0 {
		return fmt.Errorf("%w: Start needs %d offsets beginning at 0", ErrInvalidProblem, p.Rows+1)
	}
	if len(p.Col) != len(p.Score) || int(p.Start[p.Rows]) != len(p.Col) {
		return fmt.Errorf("%w: Start ends at %d with %d columns and %d scores", ErrInvalidProblem, p.Start[p.Rows], len(p.Col), len(p.Score))
	}
	for r := range p.Rows {
		if p.Start[r+1] < p.Start[r] {
			return fmt.Errorf("%w: row %d ends before it starts", ErrInvalidProblem, r)
		}
	}
	// One bit per column, set while its row is checked and cleared after, so that the set stays
	// in the L1 cache. This pass reads every candidate, which the solver itself does not: on
	// the benchmark it is most of the cost of Solve.
	seen := make([]uint64, (p.Cols+63)/64)
	for r := range p.Rows {
		from, to := p.Start[r], p.Start[r+1]
		cols, scores := p.Col[from:to], p.Score[from:to]
		for k, c := range cols {
			s := scores[k]
			if c < 0 || int(c) >= p.Cols {
				return fmt.Errorf("%w: row %d lists column %d of %d", ErrInvalidProblem, r, c, p.Cols)
			}
			if s < 0 || s > ScoreScale {
				return fmt.Errorf("%w: row %d column %d has score %d outside [0, %d]", ErrInvalidProblem, r, c, s, ScoreScale)
			}
			if k > 0 && s > scores[k-1] {
				return fmt.Errorf("%w: row %d is not sorted best score first", ErrInvalidProblem, r)
			}
			word, bit := c>>6, uint64(1)<<(c&63)
			if seen[word]&bit != 0 {
				return fmt.Errorf("%w: row %d lists column %d twice", ErrInvalidProblem, r, c)
			}
			seen[word] |= bit
		}
		for _, c := range cols {
			seen[c>>6] = 0
		}
	}
	return nil
}
