package assignment

// search is the scratch state of one Dijkstra search, kept between searches so that a search
// costs what it touches: marks are epoch-stamped instead of cleared, and only the lists of
// scanned rows and columns are rebuilt.
type search struct {
	dist []int64 // tentative distance of a touched column
	pred []int32 // the row a column was reached from (hubPred: from the hub)
	mark []uint32
	// mark[c] == touched: dist[c] is tentative; mark[c] == scanned: dist[c] is final.
	// Anything else means untouched in this search.
	touched, scanned uint32

	heap        []heapItem // held columns only; stale entries are skipped when popped
	scannedCols []int32
	scannedRows []int32 // the start row first, then the rows in the order they were reached
}

type heapItem struct {
	dist int64
	col  int32
}

func (sr *search) init(cols int) {
	sr.dist = make([]int64, cols)
	sr.pred = make([]int32, cols)
	sr.mark = make([]uint32, cols)
}

// begin starts a new search: bumping the stamps forgets every mark at once.
func (sr *search) begin() {
	if sr.scanned >= ^uint32(0)-2 {
		clear(sr.mark)
		sr.scanned = 0
	}
	sr.touched = sr.scanned + 1
	sr.scanned += 2
	sr.heap = sr.heap[:0]
	sr.scannedCols = sr.scannedCols[:0]
	sr.scannedRows = sr.scannedRows[:0]
}

// relax records that column c is reachable at distance d from row from.
func (sr *search) relax(c int32, d int64, from int32) {
	sr.mark[c] = sr.touched
	sr.dist[c] = d
	sr.pred[c] = from
	sr.push(heapItem{d, c})
}

// The heap is a plain binary min-heap on distance. Columns reached again at a shorter distance
// are pushed again rather than moved (no index to maintain); the older entry is dropped when it
// surfaces. Inserting mostly-random keys costs O(1) sift steps on average.

func (sr *search) push(it heapItem) {
	h := append(sr.heap, it)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].dist <= it.dist {
			break
		}
		h[i] = h[parent]
		i = parent
	}
	h[i] = it
	sr.heap = h
}

func (sr *search) pop() int32 {
	h := sr.heap
	top := h[0].col
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	i := 0
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if right := child + 1; right < n && h[right].dist < h[child].dist {
			child = right
		}
		if last.dist <= h[child].dist {
			break
		}
		h[i] = h[child]
		i = child
	}
	if n > 0 {
		h[i] = last
	}
	sr.heap = h
	return top
}
