package index

import (
	"cmp"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Rule positions in a failure mask, in domain.HardRules order (TestDiagnosticRulesFollowTheDomain).
const (
	ruleSkills = iota
	ruleAvailability
	ruleBooked
	ruleRate
	ruleLanguage
	ruleWorkMode
	ruleLocation
	ruleExperience
	ruleOptOut
	ruleCount
)

// DiagnosticsOptions bound what Diagnostics lists.
type DiagnosticsOptions struct {
	// MinGain leaves out the widenings that add fewer consultants (below 1 means 1), so that
	// a change opening one or two people does not point at them.
	MinGain int
	// MaxWidenings keeps the most useful ones; 0 keeps all.
	MaxWidenings int
}

// startSteps are the later start dates Diagnostics tries, as offsets from the mission's start.
var startSteps = []struct{ months, days int }{{0, 14}, {1, 0}, {2, 0}, {3, 0}}

// diagPlan is a query compiled for diagnostics: the required skills one by one and the
// alternative start dates.
type diagPlan struct {
	cq       *compiled
	reqIDs   []string // distinct required skills
	reqBits  []int    // their bit, -1 for a skill the taxonomy does not know
	reqMin   []uint64 // their minimum level, 1 when none
	reqCheck bool     // the required-skills rule needs more than the mask
	starts   []startAlt
	k        int
}

type startAlt struct {
	date               time.Time
	latest, start, end int
}

// diagPart is what one scan part counts.
type diagPart struct {
	excluded  [ruleCount]int
	eligible  int
	rateHist  []int32 // rate-only failures by ceil(rate/100)
	yearsHist [256]int32
	skillDrop []int // failing only REQUIRED_SKILLS_MISSING, for only this required skill
	langBits  [maxInternedLanguages]int
	langRare  map[string]int
	workMode  int
	starts    []int
	top       topK
}

// Diagnostics counts, in one pass over the columns, how many consultants each hard rule
// excludes from the query's mission, how many are eligible, how many the exposure cap keeps
// out of the top K, and which single changes to the mission would make more eligible. A
// widening counts the consultants excluded now who become eligible when only that field
// changes: the ones failing only the rules that field governs, and passing them with the new
// value.
func (ix *Index) Diagnostics(q Query, opts DiagnosticsOptions) domain.Diagnostics {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	cq := ix.compile(q)
	plan := ix.diagPlan(q, cq)
	parts := scan(ix.slots(), func(lo, hi int) *diagPart { return ix.diagnose(plan, lo, hi) })
	total := parts[0]
	merged := topK{k: plan.k}
	for i, p := range parts {
		for _, e := range p.top.entries {
			merged.offer(e)
		}
		if i == 0 {
			continue
		}
		total.eligible += p.eligible
		for r := range total.excluded {
			total.excluded[r] += p.excluded[r]
		}
		for b, n := range p.rateHist {
			total.rateHist[b] += n
		}
		for y, n := range p.yearsHist {
			total.yearsHist[y] += n
		}
		for j, n := range p.skillDrop {
			total.skillDrop[j] += n
		}
		for b, n := range p.langBits {
			total.langBits[b] += n
		}
		for l, n := range p.langRare {
			total.langRare[l] += n
		}
		total.workMode += p.workMode
		for j, n := range p.starts {
			total.starts[j] += n
		}
	}
	d := domain.Diagnostics{EligibleCount: total.eligible}
	for r, n := range total.excluded {
		if n > 0 {
			d.ExcludedByRule = append(d.ExcludedByRule, domain.RuleCount{Rule: domain.HardRules[r].Name, Count: n})
		}
	}
	for _, e := range merged.entries {
		if ix.rankable(cq, e.slot) {
			continue
		}
		d.HeldByExposureCap++
	}
	d.Widen = ix.widenings(plan, total, opts)
	return d
}

func (ix *Index) diagPlan(q Query, cq *compiled) *diagPlan {
	m := q.Mission
	p := &diagPlan{cq: cq, k: q.K}
	if p.k <= 0 {
		p.k = domain.DefaultShortlistSize
	}
	for _, id := range m.RequiredSkills {
		if slices.Contains(p.reqIDs, id) {
			continue
		}
		b, ok := taxonomyCodes.skillBit[id]
		bit := -1
		if ok {
			bit = int(b)
		}
		lvl := uint64(max(m.MinLevel(id), 1))
		p.reqIDs, p.reqBits, p.reqMin = append(p.reqIDs, id), append(p.reqBits, bit), append(p.reqMin, lvl)
		p.reqCheck = p.reqCheck || !ok || lvl > 1
	}
	if len(p.reqIDs) > 64 {
		// More required skills than a mask holds: drop suggestions stop at 64, the rule does not.
		p.reqIDs, p.reqBits, p.reqMin = p.reqIDs[:64], p.reqBits[:64], p.reqMin[:64]
		p.reqCheck = true
	}
	for _, st := range startSteps {
		m2 := m
		m2.StartDate = m.StartDate.AddDate(0, st.months, st.days)
		w := m2.Window()
		p.starts = append(p.starts, startAlt{date: m2.StartDate, latest: dayOf(q.Settings.LatestStart(m2)),
			start: dayOf(w.Start), end: dayOf(w.End)})
	}
	return p
}

// diagnose is one scan part: every live slot in [lo, hi) gets the mask of the rules it fails.
func (ix *Index) diagnose(p *diagPlan, lo, hi int) *diagPart {
	cq := p.cq
	out := &diagPart{rateHist: make([]int32, 1<<16/100+2), skillDrop: make([]int, len(p.reqIDs)),
		langRare: map[string]int{}, starts: make([]int, len(p.starts)),
		top: topK{k: p.k, entries: make([]entry, 0, p.k)}}
	budget, minYears, required := cq.budget, cq.minYears, cq.requiredMask
	latest, latestMinusToday := cq.latestDay, cq.latestDay-cq.todayDay
	widenMode := cq.rejectRemoteOnly || cq.countryID != ""
	trackTop := cq.exposureCap > 0
	rest := p.reqCheck || !cq.anyLanguage || cq.rejectRemoteOnly || cq.countryID != ""
	flags, rate, years := ix.flags[lo:hi], ix.rate[lo:hi], ix.years[lo:hi]
	skills, available, notice := ix.skillAny[lo:hi], ix.availableDay[lo:hi], ix.noticeDays[lo:hi]
	bookStart, bookEnd := ix.bookingStart[lo:hi], ix.bookingEnd[lo:hi]
	start, end := cq.startDay, cq.endDay
	for i := range flags {
		f := flags[i]
		if f&flagAlive == 0 {
			continue
		}
		s := lo + i
		// The narrow columns without a branch per rule (rules fail unpredictably), the rarer
		// rules after.
		mask := b2u(skills[i]&required != required)<<ruleSkills |
			(b2u(int(available[i]) > latest)|b2u(int(notice[i]) > latestMinusToday))<<ruleAvailability |
			(b2u(int(bookEnd[i]) >= start)&b2u(int(bookStart[i]) <= end)&b2u(bookEnd[i] != 0))<<ruleBooked |
			b2u(int(rate[i]) > budget)<<ruleRate |
			b2u(int(years[i]) < minYears)<<ruleExperience |
			b2u(f&flagOptOut != 0)<<ruleOptOut
		var reqFail uint64
		if rest || f&flagBookings != 0 {
			// Minimum levels and unknown skills; a skill missing is in the mask already, and
			// which ones are missing matters only to a consultant failing this rule alone.
			if p.reqCheck && mask&(1<<ruleSkills) == 0 {
				if reqFail = ix.requiredFailures(p, s); reqFail != 0 {
					mask |= 1 << ruleSkills
				}
			}
			if f&flagBookings != 0 && mask&(1<<ruleBooked) == 0 && ix.bookedIn(s, f, start, end) {
				mask |= 1 << ruleBooked
			}
			if !cq.anyLanguage && !ix.speaksAny(cq, s, f) {
				mask |= 1 << ruleLanguage
			}
			if cq.rejectRemoteOnly && domain.WorkMode(f>>workModeShift&3) == taxonomy.WorkModeRemote {
				mask |= 1 << ruleWorkMode
			}
			if cq.countryID != "" && !ix.locatedIn(cq, s, f) {
				mask |= 1 << ruleLocation
			}
		}
		if f&flagOptOut != 0 {
			// A consultant who objected to profiling is counted under that rule alone: none of
			// their other facts feeds what a firm reads.
			mask = 1 << ruleOptOut
		}
		if mask == 0 {
			out.eligible++
			if trackTop && !slices.Contains(cq.excluded, int32(s)) {
				e := entry{score: ix.score(cq, s), hi: ix.idHi[s], lo: ix.idLo[s], slot: int32(s)}
				if out.top.admits(e) {
					out.top.offer(e)
				}
			}
			continue
		}
		for m := mask; m != 0; m &= m - 1 {
			out.excluded[bits.TrailingZeros32(m)]++
		}
		switch mask {
		case 1 << ruleRate:
			out.rateHist[(int(ix.rate[s])+99)/100]++
		case 1 << ruleExperience:
			out.yearsHist[ix.years[s]]++
		case 1 << ruleSkills:
			if reqFail == 0 {
				reqFail = ix.requiredFailures(p, s)
			}
			if bits.OnesCount64(reqFail) == 1 {
				out.skillDrop[bits.TrailingZeros64(reqFail)]++
			}
		case 1 << ruleLanguage:
			for l := ix.languages[s]; l != 0; l &= l - 1 {
				out.langBits[bits.TrailingZeros64(l)]++
			}
			if f&flagLanguageOverflow != 0 {
				for _, l := range ix.languageOverflow[int32(s)] {
					out.langRare[l]++
				}
			}
		}
		if widenMode && mask&^(1<<ruleWorkMode|1<<ruleLocation) == 0 {
			out.workMode++
		}
		if mask&^(1<<ruleAvailability|1<<ruleBooked) == 0 {
			for j, a := range p.starts {
				if int(ix.availableDay[s]) <= a.latest && int(ix.noticeDays[s]) <= a.latest-cq.todayDay &&
					!ix.bookedIn(s, f, a.start, a.end) {
					out.starts[j]++
				}
			}
		}
	}
	return out
}

// requiredFailures has bit j set when slot s lacks the plan's j-th required skill or holds it
// below the minimum level.
func (ix *Index) requiredFailures(p *diagPlan, s int) uint64 {
	var fail uint64
	s0, s1, s2 := ix.skill0[s], ix.skill1[s], ix.skill2[s]
	for j, b := range p.reqBits {
		if b < 0 || s0>>b&1|(s1>>b&1)<<1|(s2>>b&1)<<2 < p.reqMin[j] {
			fail |= 1 << j
		}
	}
	if fail == 0 && p.cq.impossible {
		fail = 1 << 63 // beyond the 64 skills the plan follows; never a single drop
	}
	return fail
}

// bookedIn: a booking of slot s shares a day with [start, end].
func (ix *Index) bookedIn(s int, f uint8, start, end int) bool {
	if int(ix.bookingEnd[s]) >= start && int(ix.bookingStart[s]) <= end && ix.bookingEnd[s] != 0 {
		return true
	}
	if f&flagBookings != 0 {
		for _, b := range ix.bookings[int32(s)] {
			if int(b.end) >= start && int(b.start) <= end {
				return true
			}
		}
	}
	return false
}

func (ix *Index) speaksAny(cq *compiled, s int, f uint8) bool {
	return ix.languages[s]&cq.languageMask != 0 ||
		(f&flagLanguageOverflow != 0 && sharesAny(ix.languageOverflow[int32(s)], cq.overflowLanguages))
}

// widenings turns the counts into changes, most useful first. Along one field's steps (a
// higher budget, fewer years, a later start) a step is listed only when it adds more than the
// step before it.
func (ix *Index) widenings(p *diagPlan, t *diagPart, opts DiagnosticsOptions) []domain.Widening {
	cq := p.cq
	minGain := max(opts.MinGain, 1)
	var out []domain.Widening
	add := func(field, value string, n int) {
		if n >= minGain {
			out = append(out, domain.Widening{Field: field, Value: value, AdditionalEligible: n})
		}
	}
	// Budgets: round hundreds, 10%, 25% and 50% higher, and the smallest that opens them all.
	highest := 0
	for b, n := range t.rateHist {
		if n > 0 {
			highest = b * 100
		}
	}
	if highest > 0 {
		var budgets []int
		for _, pct := range []int{110, 125, 150} {
			budgets = append(budgets, roundUp(cq.budget*pct/100, 100))
		}
		budgets = append(budgets, highest)
		slices.Sort(budgets)
		last := 0
		for _, b := range slices.Compact(budgets) {
			if b <= cq.budget || b > highest {
				continue
			}
			n := 0
			for bucket := 0; bucket*100 <= b && bucket < len(t.rateHist); bucket++ {
				n += int(t.rateHist[bucket])
			}
			if n > last {
				add(domain.WidenMaxDailyRate, strconv.Itoa(b), n)
				last = n
			}
		}
	}
	// Years: one, two and five fewer, and the fewest needed to open them all.
	if cq.minYears > 0 {
		lowest := -1
		for y := range cq.minYears {
			if y < len(t.yearsHist) && t.yearsHist[y] > 0 {
				lowest = y
				break
			}
		}
		if lowest >= 0 {
			values := []int{cq.minYears - 1, cq.minYears - 2, cq.minYears - 5, lowest}
			slices.SortFunc(values, func(a, b int) int { return cmp.Compare(b, a) })
			last := 0
			for _, v := range slices.Compact(values) {
				if v < lowest || v >= cq.minYears {
					continue
				}
				n := 0
				for y := v; y < cq.minYears && y < len(t.yearsHist); y++ {
					n += int(t.yearsHist[y])
				}
				if n > last {
					add(domain.WidenMinYears, strconv.Itoa(v), n)
					last = n
				}
			}
		}
	}
	last := 0
	for j, a := range p.starts {
		if n := t.starts[j]; n > last {
			add(domain.WidenStartDate, dates.Format(a.date), n)
			last = n
		}
	}
	add(domain.WidenWorkMode, "WORK_MODE_REMOTE", t.workMode)
	for j, id := range p.reqIDs {
		add(domain.WidenRequiredSkill, "-"+id, t.skillDrop[j])
	}
	for b, n := range t.langBits {
		if n > 0 {
			add(domain.WidenLanguages, "+"+ix.languageIDs[b], n)
		}
	}
	for _, l := range slices.Sorted(maps.Keys(t.langRare)) {
		add(domain.WidenLanguages, "+"+l, t.langRare[l])
	}
	slices.SortStableFunc(out, func(a, b domain.Widening) int { return cmp.Compare(b.AdditionalEligible, a.AdditionalEligible) })
	if opts.MaxWidenings > 0 && len(out) > opts.MaxWidenings {
		out = out[:opts.MaxWidenings]
	}
	return out
}

func roundUp(x, step int) int { return (x + step - 1) / step * step }

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
