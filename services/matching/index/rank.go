package index

import (
	"runtime"
	"slices"
	"sync"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// entry is a scored slot; better compares score, then id, so ranking is deterministic.
type entry struct {
	score  float64
	hi, lo uint64
	slot   int32
}

func better(a, b entry) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.hi != b.hi {
		return a.hi < b.hi
	}
	return a.lo < b.lo
}

// topK is a bounded heap whose root is the worst kept entry.
type topK struct {
	k       int
	entries []entry
}

func (h *topK) offer(e entry) {
	if len(h.entries) < h.k {
		h.entries = append(h.entries, e)
		h.up(len(h.entries) - 1)
		return
	}
	if !better(e, h.entries[0]) {
		return
	}
	h.entries[0] = e
	h.down(0)
}

// admits reports whether an entry of this score and id would be kept.
func (h *topK) admits(e entry) bool {
	return len(h.entries) < h.k || better(e, h.entries[0])
}

func (h *topK) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !better(h.entries[parent], h.entries[i]) {
			return
		}
		h.entries[parent], h.entries[i] = h.entries[i], h.entries[parent]
		i = parent
	}
}

func (h *topK) down(i int) {
	n := len(h.entries)
	for {
		worst := i
		if l := 2*i + 1; l < n && better(h.entries[worst], h.entries[l]) {
			worst = l
		}
		if r := 2*i + 2; r < n && better(h.entries[worst], h.entries[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h.entries[worst], h.entries[i] = h.entries[i], h.entries[worst]
		i = worst
	}
}

// parallelThreshold: below it one goroutine scans, the others would cost more than they save.
var parallelThreshold = 32 << 10

// scan runs part over every slot range, one goroutine per core, and returns each part's result.
func scan[R any](n int, part func(lo, hi int) R) []R {
	workers := runtime.GOMAXPROCS(0)
	if n < parallelThreshold || workers == 1 {
		return []R{part(0, n)}
	}
	results := make([]R, workers)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		wg.Go(func() { results[w] = part(lo, hi) })
	}
	wg.Wait()
	return results
}

type partial struct {
	top      topK
	eligible int
}

// Rank returns the K best eligible consultants for the query's mission, with explanations,
// best first, and how many passed the hard rules. Consultants over the exposure cap and
// excluded ones are counted as eligible but never ranked.
func (ix *Index) Rank(q Query) domain.Ranking {
	k := q.K
	if k <= 0 {
		k = domain.DefaultShortlistSize
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cq := ix.compile(q)
	parts := scan(ix.slots(), func(lo, hi int) partial {
		p := partial{top: topK{k: k, entries: make([]entry, 0, k)}}
		ix.forEachEligible(cq, lo, hi, func(s int) {
			p.eligible++
			e := entry{score: ix.score(cq, s), hi: ix.idHi[s], lo: ix.idLo[s], slot: int32(s)}
			if p.top.admits(e) && ix.rankable(cq, int32(s)) {
				p.top.offer(e)
			}
		})
		return p
	})
	merged := topK{k: k}
	r := domain.Ranking{ScoringVersion: q.Settings.Scoring.Version}
	for _, p := range parts {
		r.EligibleCount += p.eligible
		for _, e := range p.top.entries {
			merged.offer(e)
		}
	}
	slices.SortFunc(merged.entries, func(a, b entry) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	for i, e := range merged.entries {
		ev := domain.Evaluate(q.Settings, q.Mission, ix.profileAt(e.slot))
		r.Candidates = append(r.Candidates, domain.Candidate{ProfileID: ev.ProfileID, Rank: i + 1, Score: e.score,
			Explanation: ev.Explanation})
	}
	return r
}

// rankable: not excluded, and under the exposure cap unless already on this shortlist.
func (ix *Index) rankable(cq *compiled, s int32) bool {
	if slices.Contains(cq.excluded, s) {
		return false
	}
	return cq.exposureCap <= 0 || int(ix.exposure[s]) < cq.exposureCap || slices.Contains(cq.holding, s)
}

// RankBare is the bare kernel the benchmarks compare Rank with: the same parallel scan and
// top-K heap over every live profile, scoring each one, with no hard rule and no explanation.
func (ix *Index) RankBare(q Query) []string {
	k := max(q.K, 1)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cq := ix.compile(q)
	parts := scan(ix.slots(), func(lo, hi int) topK {
		top := topK{k: k, entries: make([]entry, 0, k)}
		for s := lo; s < hi; s++ {
			if ix.flags[s]&flagAlive == 0 {
				continue
			}
			top.offer(entry{score: ix.score(cq, s), hi: ix.idHi[s], lo: ix.idLo[s], slot: int32(s)})
		}
		return top
	})
	merged := topK{k: k}
	for _, p := range parts {
		for _, e := range p.entries {
			merged.offer(e)
		}
	}
	slices.SortFunc(merged.entries, func(a, b entry) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	ids := make([]string, len(merged.entries))
	for i, e := range merged.entries {
		ids[i] = formatID(e.hi, e.lo)
	}
	return ids
}

// Standing is where one consultant stands for a mission: their evaluation, their place among
// the eligible, and whether the exposure cap keeps them off.
type Standing struct {
	Evaluation     domain.Evaluation
	Rank           int
	EligibleCount  int
	ExposureCapped bool
	// Known is false for a profile the index has never heard of.
	Known bool
}

// Standing evaluates one consultant for the query's mission. Erased consultants are known and
// fail PROFILE_ERASED.
func (ix *Index) Standing(q Query, profileID string) Standing {
	hi, lo, err := ParseID(profileID)
	if err != nil {
		return Standing{}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := ix.find(hi, lo)
	if s < 0 {
		return Standing{}
	}
	if ix.flags[s]&flagErased != 0 {
		return Standing{Known: true, Evaluation: domain.ErasedProfile(profileID)}
	}
	ev := domain.Evaluate(q.Settings, q.Mission, ix.profileAt(s))
	st := Standing{Known: true, Evaluation: ev}
	cq := ix.compile(q)
	if !ev.Eligible || cq.impossible {
		return st
	}
	me := entry{score: ev.Score, hi: hi, lo: lo, slot: s}
	type count struct{ eligible, ahead int }
	for _, c := range scan(ix.slots(), func(from, to int) count {
		var c count
		ix.forEachEligible(cq, from, to, func(i int) {
			c.eligible++
			if better(entry{score: ix.score(cq, i), hi: ix.idHi[i], lo: ix.idLo[i]}, me) {
				c.ahead++
			}
		})
		return c
	}) {
		st.EligibleCount += c.eligible
		st.Rank += c.ahead
	}
	st.Rank++
	st.ExposureCapped = !ix.rankable(cq, s) && !slices.Contains(cq.excluded, s)
	return st
}

// SlotScore is one eligible consultant of a mission, by slot.
type SlotScore struct {
	Slot  int32
	Score float64
}

// Candidates returns every eligible consultant of the query's mission who is not excluded,
// with their score, in slot order. The exposure cap does not apply: it limits shortlists, not
// the global staffing plan.
func (ix *Index) Candidates(q Query) []SlotScore {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cq := ix.compile(q)
	parts := scan(ix.slots(), func(lo, hi int) []SlotScore {
		var out []SlotScore
		ix.forEachEligible(cq, lo, hi, func(s int) {
			if !slices.Contains(cq.excluded, int32(s)) {
				out = append(out, SlotScore{Slot: int32(s), Score: ix.score(cq, s)})
			}
		})
		return out
	})
	return slices.Concat(parts...)
}

// IDOf is the profile id of a slot.
func (ix *Index) IDOf(slot int32) string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return formatID(ix.idHi[slot], ix.idLo[slot])
}

// Slots is the number of slots, live or erased: slot numbers are below it.
func (ix *Index) Slots() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.slots()
}

// SlotOf is the slot of a profile id; false when the index has never heard of it.
func (ix *Index) SlotOf(id string) (int32, bool) {
	hi, lo, err := ParseID(id)
	if err != nil {
		return 0, false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := ix.find(hi, lo)
	return s, s >= 0
}
