package index

import (
	"math/bits"
	"slices"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Query is one ranking: a mission judged with settings, the K best kept.
type Query struct {
	Settings domain.Settings
	Mission  domain.Mission
	K        int
	// ExposureCap > 0 skips consultants already on that many open shortlists, unless they
	// are on this mission's current one (Holding).
	ExposureCap int
	Holding     []string
	// Excluded are never ranked for this mission (a consultant who declined it).
	Excluded []string
}

// compiled is a query turned into masks and day numbers for the scan.
type compiled struct {
	settings domain.Settings
	mission  *domain.Mission
	scorer   *domain.Scorer
	// impossible: a required skill unknown to the taxonomy, nobody has it.
	impossible bool

	requiredMask, niceMask uint64
	requiredCount          int
	niceCount              int
	minLevels              []minLevel

	budget   int
	minYears int

	anyLanguage       bool
	languageMask      uint64
	overflowLanguages []string

	rejectRemoteOnly bool
	countryCode      uint8
	countryID        string

	// placeFit is the location fit of each interned place with the mission's.
	placeFit []domain.LocationFit

	todayDay, startDay, latestDay, endDay int
	tolerance                             int

	sectorIsSection   bool
	divisionWord      int // 0 or 1, -1 when the mission sector is not a division
	divisionBit       uint64
	sectionMask       uint32
	missionTypeIndex  int // -1 when the mission gives no type
	exposureCap       int
	holding, excluded []int32
	// restNeeded: some rule besides the prefilter applies to every profile.
	restNeeded bool
}

type minLevel struct {
	bit   uint
	level uint64
}

func (ix *Index) compile(q Query) *compiled {
	c := taxonomyCodes
	m := &q.Mission
	cq := &compiled{settings: q.Settings, mission: m, budget: m.MaxDailyRateEUR, minYears: m.MinYearsExperience,
		requiredCount: len(m.RequiredSkills), niceCount: len(m.NiceToHaveSkills), divisionWord: -1,
		missionTypeIndex: -1, exposureCap: q.ExposureCap, tolerance: q.Settings.AvailabilityToleranceDays}
	for _, id := range m.RequiredSkills {
		b, ok := c.skillBit[id]
		if !ok {
			cq.impossible = true
			continue
		}
		cq.requiredMask |= 1 << b
		if lvl := m.MinLevel(id); lvl > 1 {
			cq.minLevels = append(cq.minLevels, minLevel{b, uint64(lvl)})
		}
	}
	for _, id := range m.NiceToHaveSkills {
		if b, ok := c.skillBit[id]; ok {
			cq.niceMask |= 1 << b
		}
	}
	cq.anyLanguage = len(m.Languages) == 0
	for _, l := range m.Languages {
		if b, ok := ix.languageBit[l]; ok {
			cq.languageMask |= 1 << b
		}
		cq.overflowLanguages = append(cq.overflowLanguages, l)
	}
	cq.rejectRemoteOnly = m.WorkMode == taxonomy.WorkModeOnSite || m.WorkMode == taxonomy.WorkModeHybrid
	if m.NeedsPresence() && m.Country != "" {
		cq.countryID = m.Country
		cq.countryCode = c.countryCode[m.Country]
	}
	ix.compileLocation(cq)
	cq.todayDay = dayOf(q.Settings.Today)
	window := m.Window()
	cq.startDay, cq.endDay = dayOf(window.Start), dayOf(window.End)
	cq.latestDay = dayOf(q.Settings.LatestStart(*m))
	if b, ok := c.divisionBit[m.Sector]; ok {
		cq.divisionWord, cq.divisionBit = int(b/64), 1<<(b%64)
		cq.sectionMask = 1 << c.sectionOfDivision[b]
	} else if b, ok := c.sectionBit[m.Sector]; ok {
		cq.sectorIsSection = true
		cq.sectionMask = 1 << b
	}
	if m.MissionType > taxonomy.MissionTypeUnspecified && int(m.MissionType) < domain.MissionTypeCount {
		cq.missionTypeIndex = int(m.MissionType) - 1
	}
	cq.restNeeded = len(cq.minLevels) > 0 || !cq.anyLanguage || cq.rejectRemoteOnly || cq.countryID != ""
	cq.scorer = q.Settings.Scoring.ScorerFor(cq.requiredCount, cq.niceCount, cq.budget, cq.tolerance)
	cq.holding = ix.slotsOf(q.Holding)
	cq.excluded = ix.slotsOf(q.Excluded)
	return cq
}

// compileLocation works out once the location fit of every interned place, as the domain's
// locationFit does for a consultant living there, so that scoring a slot looks it up.
func (ix *Index) compileLocation(cq *compiled) {
	cq.placeFit = make([]domain.LocationFit, len(ix.placeIDs))
	for code, pl := range ix.placeIDs {
		cq.placeFit[code] = domain.LocationFitOf(*cq.mission, pl.Country, pl.City, pl.Region)
	}
}

func (ix *Index) slotsOf(ids []string) []int32 {
	var out []int32
	for _, id := range ids {
		hi, lo, err := ParseID(id)
		if err != nil {
			continue
		}
		if s := ix.find(hi, lo); s >= 0 {
			out = append(out, s)
		}
	}
	return out
}

// forEachEligible calls fn for every eligible slot in [lo, hi). The narrow columns go through
// a branch-free filter first (one branch per profile instead of one per rule, as rules fail
// unpredictably); the rarer rules run only on the profiles that pass it.
func (ix *Index) forEachEligible(cq *compiled, lo, hi int, fn func(s int)) {
	if cq.impossible {
		return
	}
	flags, rate, years := ix.flags[lo:hi], ix.rate[lo:hi], ix.years[lo:hi]
	skills, available, notice := ix.skillAny[lo:hi], ix.availableDay[lo:hi], ix.noticeDays[lo:hi]
	bookStart, bookEnd := ix.bookingStart[lo:hi], ix.bookingEnd[lo:hi]
	budget, minYears, required := cq.budget, cq.minYears, cq.requiredMask
	latestMinusToday, latest := cq.latestDay-cq.todayDay, cq.latestDay
	start, end := cq.startDay, cq.endDay
	for i := range flags {
		pass := b2i(flags[i]&(flagAlive|flagOptOut) == flagAlive) & b2i(int(rate[i]) <= budget) &
			b2i(int(years[i]) >= minYears) & b2i(skills[i]&required == required) &
			b2i(int(available[i]) <= latest) & b2i(int(notice[i]) <= latestMinusToday) &
			(b2i(int(bookEnd[i]) < start) | b2i(int(bookStart[i]) > end))
		if pass == 0 {
			continue
		}
		if s := lo + i; (!cq.restNeeded && flags[i]&flagBookings == 0) || ix.eligibleRest(cq, s) {
			fn(s)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// eligibleRest applies the rules forEachEligible does not filter first (the first booking is
// in the prefilter, the others here).
func (ix *Index) eligibleRest(cq *compiled, s int) bool {
	f := ix.flags[s]
	if len(cq.minLevels) > 0 {
		s0, s1, s2 := ix.skill0[s], ix.skill1[s], ix.skill2[s]
		for _, ml := range cq.minLevels {
			if s0>>ml.bit&1|(s1>>ml.bit&1)<<1|(s2>>ml.bit&1)<<2 < ml.level {
				return false
			}
		}
	}
	if !cq.anyLanguage && ix.languages[s]&cq.languageMask == 0 &&
		(f&flagLanguageOverflow == 0 || !sharesAny(ix.languageOverflow[int32(s)], cq.overflowLanguages)) {
		return false
	}
	if cq.rejectRemoteOnly && domain.WorkMode(f>>workModeShift&3) == taxonomy.WorkModeRemote {
		return false
	}
	if cq.countryID != "" && !ix.locatedIn(cq, s, f) {
		return false
	}
	if f&flagBookings != 0 {
		for _, b := range ix.bookings[int32(s)] {
			if int(b.end) >= cq.startDay && int(b.start) <= cq.endDay {
				return false
			}
		}
	}
	return !cq.impossible
}

func (ix *Index) locatedIn(cq *compiled, s int, f uint8) bool {
	code := cq.countryCode
	if code != 0 && (ix.country[s] == code || ix.mobility0[s] == code || ix.mobility1[s] == code) {
		return true
	}
	return f&flagMobilityOverflow != 0 && slices.Contains(ix.mobilityOverflow[int32(s)], cq.countryID)
}

func sharesAny(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// score computes slot s's score from the columns with the mission's scorer.
func (ix *Index) score(cq *compiled, s int) float64 {
	s0, s1, s2 := ix.skill0[s], ix.skill1[s], ix.skill2[s]
	skillKey := 2*levelSum(s0, s1, s2, cq.requiredMask) + levelSum(s0, s1, s2, cq.niceMask)
	fit := domain.SectorOther
	switch {
	case cq.sectorIsSection:
		if ix.sections[s]&cq.sectionMask != 0 {
			fit = domain.SectorExact
		}
	case cq.divisionWord >= 0:
		word := ix.division0[s]
		if cq.divisionWord == 1 {
			word = ix.division1[s]
		}
		if word&cq.divisionBit != 0 {
			fit = domain.SectorExact
		} else if ix.sections[s]&cq.sectionMask != 0 {
			fit = domain.SectorSameSection
		}
	}
	months := 0
	if cq.missionTypeIndex >= 0 {
		months = int(ix.typeMonths[s][cq.missionTypeIndex])
	}
	late := max(int(ix.availableDay[s]), cq.todayDay+int(ix.noticeDays[s])) - cq.startDay
	return cq.scorer.ScoreOf(skillKey, fit, months, int(ix.years[s]), int(ix.rate[s]), late, cq.placeFit[ix.place[s]])
}

func levelSum(s0, s1, s2, mask uint64) int {
	return bits.OnesCount64(s0&mask) + 2*bits.OnesCount64(s1&mask) + 4*bits.OnesCount64(s2&mask)
}
