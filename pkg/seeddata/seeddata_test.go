package seeddata

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

var today = time.Date(2027, 3, 15, 14, 30, 0, 0, time.UTC)

const draws = 10_000

// TestPlacesChangeOnlyTheCity: the city typed comes from streams of its own, so that a seed
// draws the same consultants and missions, cities aside, as before places were added.
func TestPlacesChangeOnlyTheCity(t *testing.T) {
	a, b := New(42, today), New(42, today)
	b.profilePlaces, b.missionPlaces = rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(3, 4))
	for range 500 {
		pa, pb := a.Profile(), b.Profile()
		pa.Location.City, pb.Location.City = "", ""
		ma, mb := a.Mission(), b.Mission()
		ma.Location.City, mb.Location.City = "", ""
		if !proto.Equal(pa, pb) || !proto.Equal(ma, mb) {
			t.Fatalf("other place streams changed more than the city:\n%v\n%v\n%v\n%v", pa, pb, ma, mb)
		}
	}
}

func TestSameSeedSameOutput(t *testing.T) {
	t.Parallel()
	a, b := New(42, today), New(42, today)
	// a draws every profile first, b alternates: the two streams do not disturb each other.
	var profilesA, profilesB []*profilev1.CreateProfileRequest
	var missionsA, missionsB []*missionv1.CreateMissionRequest
	for range 300 {
		profilesA = append(profilesA, a.Profile())
	}
	for range 60 {
		missionsA = append(missionsA, a.Mission())
	}
	for i := range 300 {
		profilesB = append(profilesB, b.Profile())
		if i%5 == 0 {
			missionsB = append(missionsB, b.Mission())
		}
	}
	for i := range profilesA {
		if !proto.Equal(profilesA[i], profilesB[i]) {
			t.Fatalf("profile %d differs for the same seed:\n%v\n%v", i, profilesA[i], profilesB[i])
		}
	}
	for i := range missionsA {
		if !proto.Equal(missionsA[i], missionsB[i]) {
			t.Fatalf("mission %d differs for the same seed:\n%v\n%v", i, missionsA[i], missionsB[i])
		}
	}

	c := New(43, today)
	if proto.Equal(c.Profile(), New(42, today).Profile()) || proto.Equal(c.Mission(), New(42, today).Mission()) {
		t.Error("seeds 42 and 43 gave the same first profile or mission")
	}
	// The time of day does not matter, only the date.
	if !proto.Equal(New(42, today.Truncate(24*time.Hour)).Profile(), New(42, today).Profile()) {
		t.Error("the time of day changed the output")
	}
}

func TestCatalogIDsExistInTaxonomy(t *testing.T) {
	checkSkill := func(where, id string) {
		if _, ok := taxonomy.SkillByID(id); !ok {
			t.Errorf("%s: unknown skill %q", where, id)
		}
	}
	for _, f := range families {
		for _, id := range f.sectors {
			if s, ok := taxonomy.SectorByID(id); !ok || s.ParentID == "" {
				t.Errorf("family %q: %q is not a NACE Rev. 2.1 division", f.label, id)
			}
		}
		for _, id := range f.hints {
			checkSkill("family "+f.label, id)
		}
	}
	for _, a := range archetypes {
		for _, id := range slices.Concat(a.core, a.extended) {
			checkSkill("archetype "+a.name, id)
		}
	}
	for _, id := range crossSkills {
		checkSkill("cross skills", id)
	}
	for id := range youngSkills {
		checkSkill("young skills", id)
	}
	for _, c := range cities {
		if !taxonomy.IsCountry(c.country) {
			t.Errorf("city %s: bad country %q", c.name, c.country)
		}
		for _, l := range slices.Concat(c.native, c.maybe) {
			if !taxonomy.IsLanguage(l) {
				t.Errorf("city %s: bad language %q", c.name, l)
			}
		}
		if _, ok := namePools[c.pool]; !ok {
			t.Errorf("city %s: unknown name pool %q", c.name, c.pool)
		}
	}
	for _, c := range mobilityCountries {
		if !taxonomy.IsCountry(c.v) {
			t.Errorf("mobility: bad country %q", c.v)
		}
	}
	if len(poolNames) != len(namePools) {
		t.Errorf("poolNames lists %d pools, namePools has %d", len(poolNames), len(namePools))
	}
	for _, name := range poolNames {
		if p, ok := namePools[name]; !ok || !taxonomy.IsLanguage(p.lang) {
			t.Errorf("name pool %q missing or with a bad language", name)
		}
	}
}

// familySectors is every division the generator may use.
func familySectors() map[string]bool {
	out := map[string]bool{}
	for _, f := range families {
		for _, s := range f.sectors {
			out[s] = true
		}
	}
	return out
}

// cityCountries maps every city name the generator may type to its country; the empty name
// (no city given) is in no country.
func cityCountries() map[string]string {
	out := map[string]string{}
	for _, c := range cities {
		out[c.name] = c.country
		for _, other := range sameRegion[c.name] {
			out[other] = c.country
		}
	}
	out[unknownTown] = "FR"
	return out
}

func checkDistinct(t *testing.T, what string, ids []string) {
	t.Helper()
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			t.Fatalf("%s: %q repeated in %v", what, id, ids)
		}
	}
}

func dayOffset(t *testing.T, what, s string) int {
	t.Helper()
	d, err := dates.Parse(s)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return int(d.Sub(dates.Today(today)).Hours() / 24)
}

func TestProfilesStayInRange(t *testing.T) {
	t.Parallel()
	g := New(7, today)
	sectors, countries := familySectors(), cityCountries()
	emails := map[string]bool{}
	countByCountry, countByMode := map[string]int{}, map[taxonomyv1.WorkMode]int{}
	var optOut, english, withPast, withCerts, withMobility, withBooking int
	var juniorLevels, seniorLevels, juniorRates, seniorRates, juniors, seniors, juniorSkills, seniorSkills int
	for i := range draws {
		p := g.Profile()
		what := "profile " + p.GetDisplayName()
		if p.GetAccountId() != "" {
			t.Fatalf("%s: accountId is set", what)
		}
		if p.GetDisplayName() == "" || len(p.GetDisplayName()) > 200 {
			t.Fatalf("%s: bad display name", what)
		}
		local, domain, ok := strings.Cut(p.GetEmail(), "@")
		if !ok || (domain != "example.org" && domain != "example.com") || local == "" || emails[p.GetEmail()] {
			t.Fatalf("%s: email %q not unique at example.org/example.com", what, p.GetEmail())
		}
		for _, c := range local {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.') {
				t.Fatalf("%s: email %q has %q", what, p.GetEmail(), c)
			}
		}
		emails[p.GetEmail()] = true
		if h := p.GetHeadline(); h == "" || len([]rune(h)) > 500 || strings.Contains(h, "@") || strings.Contains(h, "%!") {
			t.Fatalf("%s: bad headline %q", what, h)
		}
		country, city := p.GetLocation().GetCountry(), p.GetLocation().GetCity()
		if city != "" && countries[city] != country || !taxonomy.IsCountry(country) {
			t.Fatalf("%s: city %q is not in %q", what, p.GetLocation().GetCity(), country)
		}
		countByCountry[country]++

		langs := p.GetLanguages()
		checkDistinct(t, what+" languages", langs)
		if len(langs) == 0 || len(langs) > taxonomy.MaxLanguages {
			t.Fatalf("%s: %d languages", what, len(langs))
		}
		for _, l := range langs {
			if !taxonomy.IsLanguage(l) {
				t.Fatalf("%s: bad language %q", what, l)
			}
		}
		if francophone[country] && country != "CH" && !slices.Contains(langs, "fr") {
			t.Fatalf("%s: lives in %s and does not speak French: %v", what, country, langs)
		}
		if slices.Contains(langs, "en") {
			english++
		}

		checkDistinct(t, what+" sectors", p.GetSectors())
		if n := len(p.GetSectors()); n < 1 || n > 3 {
			t.Fatalf("%s: %d sectors", what, n)
		}
		for _, s := range p.GetSectors() {
			if !sectors[s] {
				t.Fatalf("%s: sector %q outside the seed families", what, s)
			}
		}

		years := p.GetYearsExperience()
		if years < MinYearsExperience || years > MaxYearsExperience {
			t.Fatalf("%s: %d years of experience", what, years)
		}
		if n := len(p.GetSkills()); n < MinSkills || n > MaxSkills {
			t.Fatalf("%s: %d skills", what, n)
		}
		var ids []string
		levels := 0
		for _, s := range p.GetSkills() {
			ids = append(ids, s.GetId())
			if _, ok := taxonomy.SkillByID(s.GetId()); !ok {
				t.Fatalf("%s: unknown skill %q", what, s.GetId())
			}
			if s.GetLevel() < 1 || s.GetLevel() > 5 {
				t.Fatalf("%s: skill %s level %d", what, s.GetId(), s.GetLevel())
			}
			if s.GetYears() < 1 || s.GetYears() > years {
				t.Fatalf("%s: skill %s practised %d years in a %d-year career", what, s.GetId(), s.GetYears(), years)
			}
			if limit, young := youngSkills[s.GetId()]; young && int(s.GetYears()) > limit {
				t.Fatalf("%s: %s practised %d years", what, s.GetId(), s.GetYears())
			}
			levels += int(s.GetLevel())
		}
		checkDistinct(t, what+" skills", ids)

		rate := p.GetDailyRateEur()
		if rate < MinDailyRateEUR || rate > MaxDailyRateEUR || rate%50 != 0 {
			t.Fatalf("%s: daily rate %d", what, rate)
		}
		switch {
		case years < 12:
			juniors++
			juniorLevels += levels
			juniorSkills += len(ids)
			juniorRates += int(rate)
		case years > 24:
			seniors++
			seniorLevels += levels
			seniorSkills += len(ids)
			seniorRates += int(rate)
		}
		if p.GetWorkMode() == taxonomyv1.WorkMode_WORK_MODE_UNSPECIFIED {
			t.Fatalf("%s: no work mode", what)
		}
		countByMode[p.GetWorkMode()]++
		if d := dayOffset(t, what, p.GetAvailableFrom()); d < AvailableFromMin || d > AvailableFromMax {
			t.Fatalf("%s: available %d days from today", what, d)
		}
		if !slices.Contains(NoticePeriods, p.GetNoticePeriodDays()) {
			t.Fatalf("%s: notice period %d", what, p.GetNoticePeriodDays())
		}

		if n := len(p.GetPastMissions()); n > 4 {
			t.Fatalf("%s: %d past missions", what, n)
		} else if n > 0 {
			withPast++
		}
		for _, m := range p.GetPastMissions() {
			if !sectors[m.GetSector()] || m.GetMissionType() == missionv1.MissionType_MISSION_TYPE_UNSPECIFIED ||
				m.GetMonths() < 3 || m.GetMonths() > 24 || m.GetYear() > int32(today.Year()) ||
				m.GetYear() < int32(today.Year()-9) || m.GetYear() <= int32(today.Year())-years {
				t.Fatalf("%s: bad past mission %v (career of %d years)", what, m, years)
			}
		}
		if n := len(p.GetCertifications()); n > 3 {
			t.Fatalf("%s: %d certifications", what, n)
		} else if n > 0 {
			withCerts++
		}
		checkDistinct(t, what+" certifications", p.GetCertifications())
		checkDistinct(t, what+" mobility", p.GetMobilityCountries())
		if len(p.GetMobilityCountries()) > 0 {
			withMobility++
		}
		for _, c := range p.GetMobilityCountries() {
			if !taxonomy.IsCountry(c) || c == country {
				t.Fatalf("%s: mobility country %q (lives in %s)", what, c, country)
			}
		}
		if n := len(p.GetBookings()); n > 1 {
			t.Fatalf("%s: %d bookings", what, n)
		} else if n == 1 {
			withBooking++
			b := p.GetBookings()[0]
			start, end := dayOffset(t, what, b.GetStartDate()), dayOffset(t, what, b.GetEndDate())
			if start < 1 || end < start || b.GetMissionId() != "" {
				t.Fatalf("%s: bad booking %v", what, b)
			}
		}
		if p.GetProfilingOptOut() {
			optOut++
		}
		_ = i
	}

	share := func(n int) float64 { return float64(n) / draws }
	if s := share(countByCountry["FR"]); s < 0.55 || s > 0.8 {
		t.Errorf("France holds %.0f%% of the consultants, want the majority (55–80%%)", 100*s)
	}
	if len(countByCountry) < 8 {
		t.Errorf("only %d countries: %v", len(countByCountry), countByCountry)
	}
	hybrid := countByMode[taxonomyv1.WorkMode_WORK_MODE_HYBRID]
	for mode, n := range countByMode {
		if mode != taxonomyv1.WorkMode_WORK_MODE_HYBRID && n >= hybrid {
			t.Errorf("hybrid (%d) is not the most common work mode: %v has %d", hybrid, mode, n)
		}
	}
	for name, got := range map[string]struct {
		n      int
		lo, hi float64
	}{
		"profiling opt-out": {optOut, 0.01, 0.03},
		"English speakers":  {english, 0.8, 0.97},
		"past missions":     {withPast, 0.7, 0.9},
		"certifications":    {withCerts, 0.45, 0.65},
		"mobility":          {withMobility, 0.33, 0.47},
		"a booking":         {withBooking, 0.1, 0.2},
	} {
		if s := share(got.n); s < got.lo || s > got.hi {
			t.Errorf("%s: %.1f%% of profiles, want %.0f–%.0f%%", name, 100*s, 100*got.lo, 100*got.hi)
		}
	}
	juniorLevel, seniorLevel := float64(juniorLevels)/float64(juniorSkills), float64(seniorLevels)/float64(seniorSkills)
	if seniorLevel < juniorLevel+1 {
		t.Errorf("mean skill level %.2f for seniors vs %.2f for juniors: not correlated with seniority", seniorLevel, juniorLevel)
	}
	juniorRate, seniorRate := juniorRates/juniors, seniorRates/seniors
	if seniorRate < juniorRate+400 {
		t.Errorf("mean daily rate %d for seniors vs %d for juniors: not correlated with seniority", seniorRate, juniorRate)
	}
}

func TestMissionsStayInRange(t *testing.T) {
	t.Parallel()
	g := New(11, today)
	sectors, countries := familySectors(), cityCountries()
	countByCountry, countByType := map[string]int{}, map[missionv1.MissionType]int{}
	var withLevels, withNice int
	for range draws {
		m := g.Mission()
		what := "mission " + m.GetTitle()
		if m.GetTitle() == "" || len([]rune(m.GetTitle())) > 200 || strings.Contains(m.GetTitle(), "%!") {
			t.Fatalf("%s: bad title", what)
		}
		if !sectors[m.GetSector()] {
			t.Fatalf("%s: sector %q outside the seed families", what, m.GetSector())
		}
		if m.GetMissionType() == missionv1.MissionType_MISSION_TYPE_UNSPECIFIED {
			t.Fatalf("%s: no mission type", what)
		}
		countByType[m.GetMissionType()]++
		req, nice := m.GetRequiredSkills(), m.GetNiceToHaveSkills()
		if len(req) < 1 || len(req) > MaxRequiredSkills || len(nice) > MaxNiceToHaveSkills {
			t.Fatalf("%s: %d required and %d nice-to-have skills", what, len(req), len(nice))
		}
		if len(nice) > 0 {
			withNice++
		}
		checkDistinct(t, what+" skills", slices.Concat(req, nice)) // also: disjoint
		for _, id := range slices.Concat(req, nice) {
			if _, ok := taxonomy.SkillByID(id); !ok {
				t.Fatalf("%s: unknown skill %q", what, id)
			}
		}
		if m.GetMissionType() == missionv1.MissionType_MISSION_TYPE_CHANGE_MANAGEMENT && !slices.Contains(req, "change-management") {
			t.Fatalf("%s: change management mission without the skill: %v", what, req)
		}
		if n := len(m.GetRequiredSkillLevels()); n > 1 {
			t.Fatalf("%s: %d skill levels", what, n)
		} else if n == 1 {
			withLevels++
			l := m.GetRequiredSkillLevels()[0]
			if !slices.Contains(req, l.GetId()) || l.GetMinLevel() < 2 || l.GetMinLevel() > 4 {
				t.Fatalf("%s: bad skill level %v for %v", what, l, req)
			}
		}
		if d := dayOffset(t, what, m.GetStartDate()); d < StartDateMin || d > StartDateMax {
			t.Fatalf("%s: starts %d days from today", what, d)
		}
		if d := m.GetDurationMonths(); d < MinDurationMonths || d > MaxDurationMonths {
			t.Fatalf("%s: %d months", what, d)
		}
		if b := m.GetMaxDailyRateEur(); b < MinMaxDailyRateEUR || b > MaxMaxDailyRateEUR || b%50 != 0 {
			t.Fatalf("%s: budget %d", what, b)
		}
		if y := m.GetMinYearsExperience(); y < MinMinYearsExperience || y > MaxMinYearsExperience {
			t.Fatalf("%s: %d years minimum", what, y)
		}
		checkDistinct(t, what+" languages", m.GetLanguages())
		if len(m.GetLanguages()) == 0 {
			t.Fatalf("%s: no language", what)
		}
		for _, l := range m.GetLanguages() {
			if !taxonomy.IsLanguage(l) {
				t.Fatalf("%s: bad language %q", what, l)
			}
		}
		country, city := m.GetLocation().GetCountry(), m.GetLocation().GetCity()
		if city != "" && countries[city] != country {
			t.Fatalf("%s: city %q is not in %q", what, m.GetLocation().GetCity(), country)
		}
		countByCountry[country]++
		if m.GetWorkMode() == taxonomyv1.WorkMode_WORK_MODE_UNSPECIFIED {
			t.Fatalf("%s: no work mode", what)
		}
	}
	if s := float64(countByCountry["FR"]) / draws; s < 0.8 || s > 0.9 {
		t.Errorf("France holds %.0f%% of the missions, want about 85%%", 100*s)
	}
	if len(countByType) != 4 {
		t.Errorf("mission types drawn: %v", countByType)
	}
	if s := float64(withLevels) / draws; s < 0.25 || s > 0.35 {
		t.Errorf("%.0f%% of missions set skill levels, want about 30%%", 100*s)
	}
	if s := float64(withNice) / draws; s < 0.65 || s > 0.85 {
		t.Errorf("%.0f%% of missions have nice-to-have skills, want about 75%%", 100*s)
	}
}

// consultant is a profile with its dates parsed once, for the eligibility model.
type consultant struct {
	*profilev1.CreateProfileRequest
	availableOn time.Time // availableFrom, or today + notice period when later
	bookings    [][2]time.Time
}

func newConsultant(t *testing.T, today time.Time, p *profilev1.CreateProfileRequest) consultant {
	c := consultant{CreateProfileRequest: p}
	available := parseDate(t, p.GetAvailableFrom())
	c.availableOn = dates.Today(today).AddDate(0, 0, int(p.GetNoticePeriodDays()))
	if available.After(c.availableOn) {
		c.availableOn = available
	}
	for _, b := range p.GetBookings() {
		c.bookings = append(c.bookings, [2]time.Time{parseDate(t, b.GetStartDate()), parseDate(t, b.GetEndDate())})
	}
	return c
}

func parseDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := dates.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// eligible is a model of the hard rules a consultant must pass: those of docs/API.md (required
// skills, availability at the start, budget, a shared language, experience) and those the
// extended protos call for (minimum skill levels, notice period, bookings, mobility for work
// on site, remote-only consultants, profiling opt-out), without any start-date tolerance.
func eligible(m *missionv1.CreateMissionRequest, start, end time.Time, p consultant) bool {
	if p.GetProfilingOptOut() || p.availableOn.After(start) ||
		p.GetDailyRateEur() > m.GetMaxDailyRateEur() || p.GetYearsExperience() < m.GetMinYearsExperience() {
		return false
	}
	for _, b := range p.bookings {
		if !b[1].Before(start) && !b[0].After(end) {
			return false
		}
	}
	if m.GetWorkMode() != taxonomyv1.WorkMode_WORK_MODE_REMOTE {
		if p.GetWorkMode() == taxonomyv1.WorkMode_WORK_MODE_REMOTE {
			return false
		}
		if c := m.GetLocation().GetCountry(); c != p.GetLocation().GetCountry() && !slices.Contains(p.GetMobilityCountries(), c) {
			return false
		}
	}
	level := func(id string) int32 {
		for _, s := range p.GetSkills() {
			if s.GetId() == id {
				return s.GetLevel()
			}
		}
		return 0
	}
	for _, id := range m.GetRequiredSkills() {
		if level(id) == 0 {
			return false
		}
	}
	for _, l := range m.GetRequiredSkillLevels() {
		if level(l.GetId()) < l.GetMinLevel() {
			return false
		}
	}
	return slices.ContainsFunc(m.GetLanguages(), func(l string) bool { return slices.Contains(p.GetLanguages(), l) })
}

// TestMissionsSuitSomeProfiles: a mission should be within reach of a fair share of the
// consultants (a few percent to tens of percent), not of everyone.
func TestMissionsSuitSomeProfiles(t *testing.T) {
	t.Parallel()
	g := New(3, today)
	profiles := make([]consultant, 1500)
	for i := range profiles {
		profiles[i] = newConsultant(t, today, g.Profile())
	}
	const missions = 200
	shares := make([]float64, 0, missions)
	unreachable := 0
	for range missions {
		m := g.Mission()
		start := parseDate(t, m.GetStartDate())
		end := dates.MissionEnd(start, int(m.GetDurationMonths()))
		n := 0
		for _, p := range profiles {
			if eligible(m, start, end, p) {
				n++
			}
		}
		if n == 0 {
			unreachable++
		}
		shares = append(shares, float64(n)/float64(len(profiles)))
	}
	sort.Float64s(shares)
	median, p90 := shares[missions/2], shares[missions*9/10]
	t.Logf("eligible share: min %.1f%%, median %.1f%%, p90 %.1f%%, max %.1f%%; %d of %d missions reach nobody",
		100*shares[0], 100*median, 100*p90, 100*shares[missions-1], unreachable, missions)
	if median < 0.02 || median > 0.3 {
		t.Errorf("median eligible share %.1f%%, want 2–30%%", 100*median)
	}
	if p90 < 0.05 {
		t.Errorf("nine missions in ten suit at most %.1f%% of the consultants", 100*p90)
	}
	if shares[missions-1] > 0.6 {
		t.Errorf("a mission suits %.0f%% of the consultants", 100*shares[missions-1])
	}
	if unreachable > missions/20 {
		t.Errorf("%d of %d missions reach none of %d consultants", unreachable, missions, len(profiles))
	}
}

func TestFactsOfCopiesMatchingFactsOnly(t *testing.T) {
	g := New(5, today)
	var p *profilev1.CreateProfileRequest
	for p == nil || len(p.GetBookings()) == 0 || len(p.GetPastMissions()) == 0 || len(p.GetMobilityCountries()) == 0 {
		p = g.Profile()
	}
	f := FactsOf("prof-1", "acct-1", p)
	want := &profilev1.MatchingFacts{
		ProfileId: "prof-1", AccountId: "acct-1", Sectors: p.Sectors, Skills: p.Skills,
		YearsExperience: p.YearsExperience, Languages: p.Languages, Country: p.Location.Country,
		WorkMode: p.WorkMode, DailyRateEur: p.DailyRateEur, AvailableFrom: p.AvailableFrom,
		PastMissions: p.PastMissions, NoticePeriodDays: p.NoticePeriodDays,
		MobilityCountries: p.MobilityCountries, Bookings: p.Bookings, ProfilingOptOut: p.ProfilingOptOut,
	}
	if place, ok := gazetteer.Resolve(p.Location.Country, p.Location.City); ok {
		want.PlaceCity, want.PlaceRegion = place.City, place.Region
	}
	if !proto.Equal(f, want) {
		t.Fatalf("FactsOf =\n%v\nwant\n%v", f, want)
	}
	before := proto.Clone(p)
	f.Skills[0].Level = 0
	f.Sectors[0] = "X99"
	f.Bookings[0].StartDate = ""
	f.PastMissions[0].Year = 0
	f.MobilityCountries[0] = "ZZ"
	f.Languages[0] = "xx"
	if !proto.Equal(p, before) {
		t.Error("changing the facts changed the profile: FactsOf shares memory with it")
	}
	if got := FactsOf("a", "b", &profilev1.CreateProfileRequest{}); got.GetCountry() != "" || got.Skills != nil {
		t.Errorf("FactsOf of an empty profile = %v", got)
	}
}

// TestCitiesResolveInTheGazetteer: the seed shows the location component at every level, so its
// places resolve (other places of a region in its region), but for the deliberately unknown
// town and the empty city; FactsOf publishes the ids and never the name.
func TestCitiesResolveInTheGazetteer(t *testing.T) {
	for _, c := range cities {
		home, ok := gazetteer.Resolve(c.country, c.name)
		if !ok || home.City == "" {
			t.Errorf("city %q (%s) resolves to %+v, %v", c.name, c.country, home, ok)
		}
		for _, other := range sameRegion[c.name] {
			if place, ok := gazetteer.Resolve(c.country, other); !ok || place.Region != home.Region {
				t.Errorf("%q, listed in the region of %s (%s), resolves to %+v, %v", other, c.name, home.Region, place, ok)
			}
		}
	}
	if _, ok := gazetteer.Resolve("FR", unknownTown); ok {
		t.Errorf("%s is in the gazetteer", unknownTown)
	}
	g := New(7, today)
	levels := map[string]int{}
	for range 5000 {
		p := g.Profile()
		f := FactsOf("p", "a", p)
		switch {
		case f.GetPlaceCity() != "":
			levels["city"]++
		case f.GetPlaceRegion() != "":
			levels["region"]++
		case p.GetLocation().GetCity() == "":
			levels["empty"]++
		default:
			levels["unknown"]++
		}
		if city := p.GetLocation().GetCity(); city != "" && strings.Contains(prototext.Format(f), city) {
			t.Fatalf("FactsOf carries the city %q as typed", city)
		}
	}
	if levels["city"] < 4000 || levels["region"] == 0 || levels["empty"] == 0 || levels["unknown"] == 0 {
		t.Errorf("places drawn: %v, want mostly gazetteer cities and some unknown or empty", levels)
	}
}

func TestSlugAndEmails(t *testing.T) {
	for in, want := range map[string]string{
		"Émilie": "emilie", "van den Berg": "vandenberg", "O'Brien": "obrien", "Müller": "muller",
		"Gonçalves": "goncalves", "Schröder": "schroder", "Lefèvre": "lefevre", "Inês": "ines",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	g := New(1, today)
	a, b := g.email("Claire", "Martin", "example.org"), g.email("Claire", "Martin", "example.org")
	if a != "claire.martin@example.org" || b != "claire.martin2@example.org" {
		t.Errorf("emails = %q, %q", a, b)
	}
}

func TestFirmName(t *testing.T) {
	seen := map[string]bool{}
	for i := range 3 * len(firmNames) {
		name := FirmName(i)
		if name == "" || seen[name] {
			t.Fatalf("FirmName(%d) = %q, empty or repeated", i, name)
		}
		seen[name] = true
	}
}
