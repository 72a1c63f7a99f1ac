package domain

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// Property tests: seeded generators of missions and of profiles drawn around them, so that a
// fair share passes every hard rule and each rule still excludes some. Every seed is fixed: a
// failure names the seed and replays identically.

var (
	genSkills    = []string{"ai-strategy", "change-management", "mlops", "gdpr", "nlp", "data-strategy", "ai-governance", "risk-management"}
	genLanguages = []string{"fr", "en", "de", "es"}
	genCountries = []string{"FR", "DE", "BE", "ES"}
	// genPlaces are gazetteer ids by country: cities with their region, and a region alone.
	genPlaces = map[string][][2]string{
		"FR": {{"fr-lyon", "fr-ara"}, {"fr-grenoble", "fr-ara"}, {"fr-paris", "fr-idf"}, {"", "fr-bre"}},
		"DE": {{"de-munchen", "de-by"}, {"de-nurnberg", "de-by"}, {"de-berlin", "de-be"}},
		"BE": {{"be-gent", "be-vlg"}, {"be-antwerpen", "be-vlg"}, {"be-bruxelles", "be-bru"}},
		"ES": {{"es-madrid", "es-md"}, {"es-barcelona", "es-ct"}, {"", "es-ct"}},
	}
	genEpoch = day("2027-01-01")
)

type generator struct {
	r         *rand.Rand
	sectors   []string            // every NACE section and division
	bySection map[string][]string // section -> itself and its divisions
}

func newGenerator(seed uint64) *generator {
	g := &generator{r: rand.New(rand.NewPCG(seed, 0x5eed)), bySection: map[string][]string{}}
	for _, s := range taxonomy.Sectors() {
		g.sectors = append(g.sectors, s.ID)
		section := taxonomy.SectionOf(s.ID)
		g.bySection[section] = append(g.bySection[section], s.ID)
	}
	return g
}

func (g *generator) chance(num, den int) bool { return g.r.IntN(den) < num }

func (g *generator) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// distinct returns n distinct elements of xs in random order.
func (g *generator) distinct(xs []string, n int) []string {
	var out []string
	for _, i := range g.r.Perm(len(xs))[:min(n, len(xs))] {
		out = append(out, xs[i])
	}
	return out
}

func (g *generator) settings(m Mission) Settings {
	return Settings{Scoring: CurrentScoring, AvailabilityToleranceDays: g.r.IntN(31),
		Today: m.StartDate.AddDate(0, 0, -g.r.IntN(120))}
}

func (g *generator) mission(id string) Mission {
	skills := g.distinct(genSkills, g.r.IntN(6))
	nRequired := g.r.IntN(min(3, len(skills)) + 1)
	m := Mission{
		ID: id, FirmID: "firm-" + id, Status: MissionOpen, Sector: g.pick(g.sectors),
		MissionType: MissionType(g.r.IntN(MissionTypeCount)), RequiredSkills: skills[:nRequired],
		NiceToHaveSkills: skills[nRequired:], StartDate: genEpoch.AddDate(0, 0, g.r.IntN(365)),
		DurationMonths: 6 + g.r.IntN(13), MaxDailyRateEUR: 800 + g.r.IntN(1500),
		Languages: g.distinct(genLanguages, g.r.IntN(3)), Country: g.pick(genCountries),
		WorkMode: WorkMode(1 + g.r.IntN(3)), MinYearsExperience: g.r.IntN(15),
	}
	m.PlaceCity, m.PlaceRegion = g.place(m.Country)
	for _, s := range m.RequiredSkills {
		if g.chance(1, 3) {
			m.MinSkillLevels = append(m.MinSkillLevels, SkillRequirement{ID: s, MinLevel: g.r.IntN(5)})
		}
	}
	return m
}

// place draws a place of the country, or an unknown one (no ids) one time in four.
func (g *generator) place(country string) (city, region string) {
	places := genPlaces[country]
	if len(places) == 0 || g.chance(1, 4) {
		return "", ""
	}
	p := places[g.r.IntN(len(places))]
	return p[0], p[1]
}

// profile draws a consultant around m: each hard rule usually passes.
func (g *generator) profile(id string, m Mission) Profile {
	p := Profile{ID: id, YearsExperience: g.r.IntN(36), Country: m.Country, WorkMode: WorkMode(1 + g.r.IntN(2)),
		DailyRateEUR:  m.MaxDailyRateEUR/2 + g.r.IntN(m.MaxDailyRateEUR*6/10+1),
		AvailableFrom: m.StartDate.AddDate(0, 0, g.r.IntN(60)-45)}

	for range g.r.IntN(3) {
		p.Sectors = append(p.Sectors, g.pick(g.sectors))
	}
	if g.chance(1, 3) {
		p.Sectors = append(p.Sectors, m.Sector)
	}
	if section := taxonomy.SectionOf(m.Sector); g.chance(1, 3) {
		p.Sectors = append(p.Sectors, g.pick(g.bySection[section]))
	}

	for _, s := range genSkills {
		if slices.Contains(m.RequiredSkills, s) && g.chance(19, 20) || g.chance(1, 2) {
			p.Skills = append(p.Skills, SkillLevel{ID: s, Level: 1 + g.r.IntN(5)})
		}
	}
	g.r.Shuffle(len(p.Skills), func(i, j int) { p.Skills[i], p.Skills[j] = p.Skills[j], p.Skills[i] })

	if len(m.Languages) > 0 && g.chance(9, 10) {
		p.Languages = append(p.Languages, g.pick(m.Languages))
	}
	for _, l := range g.distinct(genLanguages, g.r.IntN(3)) {
		if !slices.Contains(p.Languages, l) {
			p.Languages = append(p.Languages, l)
		}
	}
	if g.chance(1, 5) {
		p.Country = g.pick(genCountries)
	}
	p.PlaceCity, p.PlaceRegion = g.place(p.Country)
	p.MobilityCountries = g.distinct(genCountries, g.r.IntN(3))
	if g.chance(1, 8) {
		p.WorkMode = taxonomy.WorkModeRemote
	}
	if g.chance(1, 4) {
		p.NoticePeriodDays = g.r.IntN(120)
	}
	for range g.r.IntN(3) {
		start := m.StartDate.AddDate(0, 0, g.r.IntN(1000)-500)
		p.Bookings = append(p.Bookings, Period{start, start.AddDate(0, 0, g.r.IntN(90))})
	}
	for t := range p.MonthsByMissionType {
		if g.chance(2, 3) {
			p.MonthsByMissionType[t] = g.r.IntN(40)
		}
	}
	p.ProfilingOptOut = g.chance(1, 30)
	return p
}

// profiles draws n profiles for m with distinct ids; about one in eight copies an earlier one
// under a new id, so that equal scores are common.
func (g *generator) profiles(m Mission, n int) []Profile {
	var ps []Profile
	for i := range n {
		id := fmt.Sprintf("p%04d", g.r.IntN(10000)*100+i%100) // random order of ids
		if len(ps) > 0 && g.chance(1, 8) {
			twin := ps[g.r.IntN(len(ps))]
			twin.ID = id
			ps = append(ps, twin)
			continue
		}
		ps = append(ps, g.profile(id, m))
	}
	return ps
}

// ranking is the i-th ranking problem: a mission, its settings, 50 profiles and a shortlist
// size from 1 to 10.
func (g *generator) ranking(i int) (Settings, Mission, []Profile, int) {
	m := g.mission(fmt.Sprintf("m%d", i))
	s := g.settings(m)
	profiles := g.profiles(m, 50)
	return s, m, profiles, 1 + g.r.IntN(10)
}

// pair draws one mission, its settings and one profile.
func (g *generator) pair(i int) (Settings, Mission, Profile) {
	m := g.mission(fmt.Sprintf("m%d", i))
	return g.settings(m), m, g.profile(fmt.Sprintf("p%d", i), m)
}

// TestGeneratorCoversEveryRule keeps the properties below meaningful: enough eligible profiles,
// and every hard rule excludes some.
func TestGeneratorCoversEveryRule(t *testing.T) {
	g := newGenerator(1)
	const n = 4000
	eligible := 0
	failures := map[RuleName]int{}
	for i := range n {
		s, m, p := g.pair(i)
		failed := FailedRules(s, m, p)
		if len(failed) == 0 {
			eligible++
		}
		for _, f := range failed {
			failures[f.Rule]++
		}
	}
	t.Logf("%d of %d eligible; failures %v", eligible, n, failures)
	if eligible < n/6 {
		t.Errorf("only %d of %d random profiles are eligible", eligible, n)
	}
	for _, r := range HardRules {
		if failures[r.Name] < 20 {
			t.Errorf("rule %s excludes only %d of %d random profiles", r.Name, failures[r.Name], n)
		}
	}
}

// referenceRanking ranks like Rank is documented to, independently: every eligible profile,
// highest score first, then lower id.
func referenceRanking(s Settings, m Mission, profiles []Profile, size int) (top []Candidate, eligible int) {
	var all []Candidate
	for _, p := range profiles {
		if ev := Evaluate(s, m, p); ev.Eligible {
			all = append(all, Candidate{ProfileID: p.ID, Score: ev.Score})
		}
	}
	slices.SortFunc(all, func(a, b Candidate) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.ProfileID < b.ProfileID:
			return -1
		case a.ProfileID > b.ProfileID:
			return 1
		}
		return 0
	})
	top = all[:min(size, len(all))]
	for i := range top {
		top[i].Rank = i + 1
	}
	return top, len(all)
}

func TestPropertyRankIsDeterministic(t *testing.T) {
	g := newGenerator(2)
	ties := 0
	for i := range 80 {
		s, m, profiles, size := g.ranking(i)

		r := Rank(s, m, profiles, size)
		want, eligible := referenceRanking(s, m, profiles, size)
		if !SameCandidates(r.Candidates, want) || r.EligibleCount != eligible {
			t.Fatalf("mission %d: Rank = %v (%d eligible), want %v (%d eligible)", i, r.Candidates, r.EligibleCount, want, eligible)
		}
		for j := 1; j < len(r.Candidates); j++ {
			if r.Candidates[j-1].Score == r.Candidates[j].Score {
				ties++
			}
		}
		for k := range 3 {
			shuffled := slices.Clone(profiles)
			g.r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
			if again := Rank(s, m, shuffled, size); !reflect.DeepEqual(again, r) {
				t.Fatalf("mission %d, shuffle %d: Rank =\n  %+v\nwant\n  %+v", i, k, again, r)
			}
		}
	}
	if ties < 20 {
		t.Errorf("only %d tied neighbours among the candidates: the generator should give more", ties)
	}
}

func TestPropertyExcludedNeverRanked(t *testing.T) {
	g := newGenerator(3)
	for i := range 80 {
		s, m, profiles, size := g.ranking(i)
		r := Rank(s, m, profiles, size)

		ranked := map[string]bool{}
		for j, c := range r.Candidates {
			ranked[c.ProfileID] = true
			if c.Rank != j+1 {
				t.Fatalf("mission %d: candidate %s has rank %d, want %d", i, c.ProfileID, c.Rank, j+1)
			}
			if j > 0 && CompareCandidates(r.Candidates[j-1], c) >= 0 {
				t.Fatalf("mission %d: candidates %d and %d are out of order", i, j-1, j)
			}
		}
		eligible := 0
		for _, p := range profiles {
			ev := Evaluate(s, m, p)
			if !ev.Eligible {
				if ranked[p.ID] {
					t.Fatalf("mission %d: excluded %s is ranked (%v)", i, p.ID, ev.FailedRules)
				}
				continue
			}
			eligible++
			if ranked[p.ID] {
				continue
			}
			last := r.Candidates[len(r.Candidates)-1]
			if ev.Score > last.Score || CompareCandidates(Candidate{ProfileID: p.ID, Score: ev.Score}, last) < 0 {
				t.Fatalf("mission %d: %s (score %v) left out but beats the last candidate %s (%v)", i, p.ID, ev.Score,
					last.ProfileID, last.Score)
			}
		}
		if r.EligibleCount != eligible || len(r.Candidates) != min(size, eligible) {
			t.Fatalf("mission %d: %d candidates of %d eligible, want %d of %d", i, len(r.Candidates), r.EligibleCount,
				min(size, eligible), eligible)
		}
	}
}

// moreSkill gives p one more level in one skill the mission asks for (adding it at a random level
// when p lacks it), and returns the skill. The profile's slice is copied, never changed.
func moreSkill(g *generator, m Mission, p Profile) (Profile, string, bool) {
	asked := append(slices.Clone(m.RequiredSkills), m.NiceToHaveSkills...)
	if len(asked) == 0 || g.chance(1, 5) {
		asked = genSkills // a skill the mission may not ask for changes nothing
	}
	id := g.pick(asked)
	p.Skills = slices.Clone(p.Skills)
	i := slices.IndexFunc(p.Skills, func(s SkillLevel) bool { return s.ID == id })
	switch {
	case i < 0:
		p.Skills = append(p.Skills, SkillLevel{ID: id, Level: 1 + g.r.IntN(maxSkillLevel)})
	case p.Skills[i].Level < maxSkillLevel:
		p.Skills[i].Level += 1 + g.r.IntN(maxSkillLevel-p.Skills[i].Level)
	default:
		return p, id, false
	}
	return p, id, true
}

func TestPropertyMoreSkillNeverLowersScore(t *testing.T) {
	g := newGenerator(4)
	wasEligible, gained, raised := 0, 0, 0
	for i := range 5000 {
		s, m, p := g.pair(i)
		q, skill, ok := moreSkill(g, m, p)
		if !ok {
			continue
		}
		before, after := ScoreInputsOf(s, m, p), ScoreInputsOf(s, m, q)
		if sb, sa := s.Scoring.Score(before), s.Scoring.Score(after); sa < sb {
			t.Fatalf("pair %d: more %s lowered the score from %v to %v\n%+v", i, skill, sb, sa, p)
		}
		vb, va := before.Values(), after.Values()
		if va[0] < vb[0] || !slices.Equal(va[1:], vb[1:]) {
			t.Fatalf("pair %d: more %s changed the values from %v to %v", i, skill, vb, va)
		}

		failedBefore, failedAfter := FailedRules(s, m, p), FailedRules(s, m, q)
		for _, f := range failedAfter {
			if !slices.ContainsFunc(failedBefore, func(b FailedRule) bool { return b.Rule == f.Rule }) {
				t.Fatalf("pair %d: more %s made %s fail", i, skill, f.Rule)
			}
		}
		evBefore, evAfter := Evaluate(s, m, p), Evaluate(s, m, q)
		if evBefore.Eligible {
			wasEligible++
			if !evAfter.Eligible {
				t.Fatalf("pair %d: more %s made an eligible profile ineligible: %v", i, skill, evAfter.FailedRules)
			}
			if evAfter.Score < evBefore.Score {
				t.Fatalf("pair %d: more %s lowered Evaluate's score from %v to %v", i, skill, evBefore.Score, evAfter.Score)
			}
			if evAfter.Score > evBefore.Score {
				raised++
			}
		} else if evAfter.Eligible {
			gained++
		}
	}
	t.Logf("%d eligible before, %d raised, %d became eligible", wasEligible, raised, gained)
	if wasEligible < 500 || raised < 200 || gained < 20 {
		t.Errorf("too few meaningful cases: %d eligible before, %d raised, %d became eligible", wasEligible, raised, gained)
	}
}

func TestPropertyValuesInUnitInterval(t *testing.T) {
	g := newGenerator(5)
	eligible := 0
	for i := range 5000 {
		s, m, p := g.pair(i)
		in := ScoreInputsOf(s, m, p)
		for k, v := range in.Values() {
			if v < 0 || v > 1 {
				t.Fatalf("pair %d: value %d = %v out of [0,1] for %+v", i, k, v, in)
			}
		}
		if sc := s.Scoring.Score(in); sc < 0 || sc > 1 {
			t.Fatalf("pair %d: score %v out of [0,1] for %+v", i, sc, in)
		}
		ev := Evaluate(s, m, p)
		if !ev.Eligible {
			continue
		}
		eligible++
		if ev.Score < 0 || ev.Score > 1 {
			t.Fatalf("pair %d: Evaluate score %v out of [0,1]", i, ev.Score)
		}
		for _, c := range ev.Explanation.Components {
			if c.Value < 0 || c.Value > 1 || c.Facts == nil {
				t.Fatalf("pair %d: component %+v out of [0,1] or without facts", i, c)
			}
		}
	}
	if eligible < 500 {
		t.Errorf("only %d eligible pairs", eligible)
	}
}

func TestPropertyScoreInputsAgreeWithEvaluate(t *testing.T) {
	g := newGenerator(6)
	eligible := 0
	for i := range 5000 {
		s, m, p := g.pair(i)
		if g.chance(1, 2) {
			// Any weights, not only the current ones.
			var w [7]float64
			var total float64
			for k := range w {
				w[k] = g.r.Float64()
				total += w[k]
			}
			s.Scoring = ScoringConfig{Version: fmt.Sprintf("random-%d", i), Weights: Weights{
				Skills: w[0] / total, Sector: w[1] / total, MissionType: w[2] / total,
				Seniority: w[3] / total, RateFit: w[4] / total, Availability: w[5] / total, Location: w[6] / total}}
		}
		ev := Evaluate(s, m, p)
		if !ev.Eligible {
			if ev.Score != 0 {
				t.Fatalf("pair %d: excluded profile scored %v", i, ev.Score)
			}
			continue
		}
		eligible++
		in := ScoreInputsOf(s, m, p)
		if got := s.Scoring.Score(in); got != ev.Score {
			t.Fatalf("pair %d: ScoringConfig.Score(ScoreInputsOf) = %v, Evaluate = %v", i, got, ev.Score)
		}
		values := in.Values()
		w := s.Scoring.Weights
		weights := [7]float64{w.Skills, w.Sector, w.MissionType, w.Seniority, w.RateFit, w.Availability, w.Location}
		for k, c := range ev.Explanation.Components {
			if c.Value != values[k] || c.Weight != weights[k] {
				t.Fatalf("pair %d: component %+v, want value %v weight %v", i, c, values[k], weights[k])
			}
		}
	}
	if eligible < 500 {
		t.Errorf("only %d eligible pairs", eligible)
	}
}

// TestPropertyListOrderDoesNotMatter: the order a profile lists its sectors, skills, languages
// and mobility countries in changes nothing of its evaluation, explanation included; the order
// of its bookings changes neither eligibility nor which rules fail.
func TestPropertyListOrderDoesNotMatter(t *testing.T) {
	g := newGenerator(7)
	shuffle := func(xs []string) []string {
		xs = slices.Clone(xs)
		g.r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		return xs
	}
	for i := range 3000 {
		s, m, p := g.pair(i)
		q := p
		q.Sectors, q.Languages, q.MobilityCountries = shuffle(p.Sectors), shuffle(p.Languages), shuffle(p.MobilityCountries)
		q.Skills = slices.Clone(p.Skills)
		g.r.Shuffle(len(q.Skills), func(a, b int) { q.Skills[a], q.Skills[b] = q.Skills[b], q.Skills[a] })
		q.Bookings = slices.Clone(p.Bookings)
		g.r.Shuffle(len(q.Bookings), func(a, b int) { q.Bookings[a], q.Bookings[b] = q.Bookings[b], q.Bookings[a] })

		want, got := Evaluate(s, m, p), Evaluate(s, m, q)
		if !slices.Equal(ruleNames(got.FailedRules), ruleNames(want.FailedRules)) {
			t.Fatalf("pair %d: reordered lists fail %v, want %v", i, ruleNames(got.FailedRules), ruleNames(want.FailedRules))
		}
		if want.Eligible && !reflect.DeepEqual(got, want) {
			t.Fatalf("pair %d: reordered lists give\n  %+v\nwant\n  %+v", i, got, want)
		}
	}
}
