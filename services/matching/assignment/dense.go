package assignment

import (
	"errors"
	"fmt"
	"math"
)

// DenseSolution is a minimum-cost perfect assignment of a square cost matrix.
type DenseSolution struct {
	RowToCol []int32
	Total    int64 // sum of the chosen costs
}

// ErrInvalidMatrix is returned by SolveDense for a malformed matrix.
var ErrInvalidMatrix = errors.New("assignment: invalid cost matrix")

// maxDenseSpread bounds (max cost − min cost)·(n+1): duals move by at most about that much, so
// every intermediate sum stays well inside int64.
const maxDenseSpread = 1 << 60

// SolveDense returns a minimum-cost assignment of the n×n matrix cost (row-major, cost[i*n+j]
// is the cost of giving column j to row i), like scipy.optimize.linear_sum_assignment on a
// square matrix. It exists for benchmarks against scipy and for cross-checking Solve; the
// staffing plan itself is sparse and uses Solve.
//
// It is the Jonker–Volgenant algorithm (LAPJV) in full: column reduction, reduction transfer,
// two rounds of augmenting row reduction, then shortest augmenting paths for the rows still
// free. The first three phases are cheap heuristics that assign most rows while keeping the
// column duals v feasible (every row's chosen column minimises cost − v over the row), so the
// final phase, which is exact on its own, has few rows left to place. Row duals are implicit:
// u[i] = cost[i][x[i]] − v[x[i]].
func SolveDense(n int, cost []int64) (DenseSolution, error) {
	if n < 0 || len(cost) != n*n {
		return DenseSolution{}, fmt.Errorf("%w: %d entries for n = %d", ErrInvalidMatrix, len(cost), n)
	}
	if n >= math.MaxInt32 {
		return DenseSolution{}, fmt.Errorf("%w: n = %d is too large", ErrInvalidMatrix, n)
	}
	sol := DenseSolution{RowToCol: make([]int32, n)}
	if n == 0 {
		return sol, nil
	}
	if n == 1 {
		sol.Total = cost[0]
		return sol, nil
	}
	lo, hi := cost[0], cost[0]
	for _, c := range cost {
		lo, hi = min(lo, c), max(hi, c)
	}
	// Check the spread without overflowing: hi − lo itself may not fit.
	if (hi > 0 && lo < hi-math.MaxInt64) || uint64(hi-lo) > maxDenseSpread/uint64(n+1) {
		return DenseSolution{}, fmt.Errorf("%w: costs span [%d, %d], too wide for n = %d", ErrInvalidMatrix, lo, hi, n)
	}
	d := dense{
		n:    n,
		cost: cost,
		x:    sol.RowToCol,
		y:    make([]int32, n),
		v:    make([]int64, n),
	}
	free := d.reduceColumns()
	for range 2 {
		if len(free) == 0 {
			break
		}
		free = d.augmentingRowReduction(free)
	}
	if len(free) > 0 {
		d.augmentFreeRows(free)
	}
	for i, j := range sol.RowToCol {
		sol.Total += cost[i*n+int(j)]
	}
	return sol, nil
}

type dense struct {
	n    int
	cost []int64
	x    []int32 // column of each row, -1 if free
	y    []int32 // row of each column, -1 if free
	v    []int64 // column duals
}

func (d *dense) row(i int) []int64 {
	return d.cost[i*d.n : (i+1)*d.n]
}

// reduceColumns sets v[j] to the minimum of column j, gives each column to the row holding its
// minimum if that row has no column yet (scanning columns from the last, as JV do), and then
// transfers reduction to rows holding exactly one column minimum: their column's v drops by
// the row's second-best reduced cost, which loosens it for later phases. Returns the rows left
// free. The matrix is read row by row so that large matrices stream through the cache.
func (d *dense) reduceColumns() []int32 {
	n := d.n
	for j := range n {
		d.v[j] = math.MaxInt64
	}
	for i := range n {
		ci := d.row(i)[:n]
		v := d.v[:n]
		for j, c := range ci {
			if c < v[j] {
				v[j] = c
				d.y[j] = int32(i)
			}
		}
	}
	for i := range n {
		d.x[i] = -1
	}
	unique := make([]bool, n)
	for j := n - 1; j >= 0; j-- {
		i := d.y[j]
		if d.x[i] < 0 {
			d.x[i] = int32(j)
			unique[i] = true
		} else {
			unique[i] = false
			d.y[j] = -1
		}
	}
	free := make([]int32, 0, n)
	for i := range n {
		if d.x[i] < 0 {
			free = append(free, int32(i))
			continue
		}
		if !unique[i] {
			continue
		}
		j := d.x[i]
		best := int64(math.MaxInt64)
		ci := d.row(i)[:n]
		v := d.v[:n]
		for j2, c := range ci {
			if int32(j2) != j {
				best = min(best, c-v[j2])
			}
		}
		d.v[j] -= best
	}
	return free
}

// augmentingRowReduction (JV's "augmenting row reduction") offers each free row its best
// column under the current duals, lowering that column's v so the row strictly prefers it; the
// row that held the column, if any, becomes free and is reconsidered at once when v dropped
// (progress), later otherwise. The count cap, as in the reference implementation, keeps
// pathological ties from cycling; rows left over go to the exact phase.
func (d *dense) augmentingRowReduction(free []int32) []int32 {
	n := d.n
	current, newFree, rounds := 0, 0, 0
	for current < len(free) {
		rounds++
		i := free[current]
		current++
		umin, usubmin, j1, j2 := d.twoBest(i)
		i0 := d.y[j1]
		vNew := d.v[j1] - (usubmin - umin)
		lowers := vNew < d.v[j1]
		if rounds < current*n {
			if lowers {
				d.v[j1] = vNew
			} else if i0 >= 0 {
				j1 = j2
				i0 = d.y[j2]
			}
			if i0 >= 0 {
				if lowers {
					current--
					free[current] = i0
				} else {
					free[newFree] = i0
					newFree++
				}
			}
		} else if i0 >= 0 {
			free[newFree] = i0
			newFree++
		}
		d.x[i] = j1
		d.y[j1] = i
		if i0 >= 0 && d.x[i0] == j1 {
			d.x[i0] = -1
		}
	}
	return free[:newFree]
}

// twoBest returns the smallest and second smallest reduced cost cost[i][j] − v[j] of row i and
// their columns (n ≥ 2).
func (d *dense) twoBest(i int32) (umin, usubmin int64, j1, j2 int32) {
	ci := d.row(int(i))
	v := d.v[:len(ci)]
	umin, j1 = ci[0]-v[0], 0
	usubmin, j2 = math.MaxInt64, -1
	for j := 1; j < len(ci); j++ {
		h := ci[j] - v[j]
		if h < usubmin {
			if h >= umin {
				usubmin, j2 = h, int32(j)
			} else {
				usubmin, j2 = umin, j1
				umin, j1 = h, int32(j)
			}
		}
	}
	return umin, usubmin, j1, j2
}

// augmentFreeRows places each remaining free row by a shortest augmenting path (Dijkstra over
// reduced costs, dense: every column is a neighbour).
//
// Unlike the reference implementation, which keeps unfinished columns in a permuted list and
// so reads each matrix row, v and the distances in a scattered order, the passes here run over
// all columns in their natural order: a column whose distance is final gets the sentinel
// distance done, below anything a relaxation can offer, so the hot loop is a branch-light
// sequential sweep over three arrays (about twice as fast at n = 4000).
func (d *dense) augmentFreeRows(free []int32) {
	n := d.n
	dist := make([]int64, n)
	pred := make([]int32, n)
	var final []finalised
	var scan []int32
	for _, start := range free {
		var sink int32
		var last int64
		sink, last, final, scan = d.shortestPath(start, dist, pred, final[:0], scan[:0])
		// Lower the duals of the columns finalised below the path's length, as in Dijkstra
		// with potentials; the ones finalised at exactly that length do not move.
		for _, f := range final {
			d.v[f.col] += f.dist - last
		}
		// Flip the path.
		j := sink
		for {
			i := pred[j]
			d.y[j] = i
			next := d.x[i]
			d.x[i] = j
			if i == start {
				break
			}
			j = next
		}
	}
}

type finalised struct {
	col  int32
	dist int64
}

const done = math.MinInt64

// shortestPath returns the free column ending a shortest augmenting path from row start and
// the path's length, with the columns whose distance it finalised on the way.
func (d *dense) shortestPath(start int32, dist []int64, pred []int32, final []finalised, scan []int32) (int32, int64, []finalised, []int32) {
	n := d.n
	dist = dist[:n]
	pred = pred[:n]
	{
		ci := d.row(int(start))[:n]
		v := d.v[:n]
		for j := range n {
			pred[j] = start
			dist[j] = ci[j] - v[j]
		}
	}
	var minDist int64
	for {
		if len(scan) == 0 {
			// Move every unfinished column at the minimum distance to SCAN; stop at a free one.
			minDist = math.MaxInt64
			for j, dj := range dist {
				if dj == done || dj > minDist {
					continue
				}
				if dj < minDist {
					minDist = dj
					scan = scan[:0]
				}
				scan = append(scan, int32(j))
			}
			for _, j := range scan {
				if d.y[j] < 0 {
					return j, minDist, final, scan
				}
			}
			for _, j := range scan {
				final = append(final, finalised{j, minDist})
				dist[j] = done
			}
		}
		// Expand the row holding the next SCAN column.
		j1 := scan[len(scan)-1]
		scan = scan[:len(scan)-1]
		i := d.y[j1]
		ci := d.row(int(i))[:n]
		v := d.v[:n]
		shift := ci[j1] - v[j1] - minDist // u[i] − minDist
		for j, c := range ci {
			r := c - v[j] - shift
			if r < dist[j] {
				dist[j] = r
				pred[j] = i
				if r == minDist {
					if d.y[j] < 0 {
						return int32(j), minDist, final, scan
					}
					final = append(final, finalised{int32(j), minDist})
					dist[j] = done
					scan = append(scan, int32(j))
				}
			}
		}
	}
}
