package seeddata

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"google.golang.org/protobuf/proto"
)

// Ranges of the generated profiles.
const (
	MinYearsExperience = 5
	MaxYearsExperience = 35
	MinDailyRateEUR    = 800
	MaxDailyRateEUR    = 2500
	MinSkills          = 4
	MaxSkills          = 12
	// AvailableFromMin and AvailableFromMax bound availableFrom, in days from today.
	AvailableFromMin = -30
	AvailableFromMax = 150
)

// NoticePeriods are the notice periods consultants declare, in days.
var NoticePeriods = []int32{0, 15, 30, 60, 90}

// skill tiers: how central a skill is to the consultant, which lowers its level.
const (
	tierPrimary = iota
	tierSecondary
	tierCross
)

// Profile draws a consultant: who they are, where, which sectors and skills at which level,
// at what rate and from when. AccountId is left empty for the caller to fill.
func (g *Generator) Profile() *profilev1.CreateProfileRequest {
	r := g.profiles
	home := cityOf(r, nil)
	poolName := home.pool
	if chance(r, 0.12) {
		poolName = pick(r, poolNames)
	}
	pool := namePools[poolName]
	first, last := pick(r, pool.first), pick(r, pool.last)
	domain := "example.org"
	if chance(r, 0.4) {
		domain = "example.com"
	}

	// 5 to 35 years, most around 20: the mean of two uniform draws.
	years := MinYearsExperience + (r.IntN(MaxYearsExperience-MinYearsExperience+1)+r.IntN(MaxYearsExperience-MinYearsExperience+1))/2
	seniority := float64(years-MinYearsExperience) / float64(MaxYearsExperience-MinYearsExperience)

	fam := familyIndex(r)
	arch := weighted(r, len(archetypes), func(i int) int { return archetypes[i].weight })
	second := -1
	if chance(r, 0.75) {
		second = weighted(r, len(archetypes), func(i int) int {
			if i == arch {
				return 0
			}
			return archetypes[i].weight
		})
	}

	p := &profilev1.CreateProfileRequest{
		DisplayName:     first + " " + last,
		Email:           g.email(first, last, domain),
		Headline:        fmt.Sprintf(pick(r, archetypes[arch].headlines), families[fam].label),
		Sectors:         profileSectors(r, fam),
		Skills:          profileSkills(r, arch, second, fam, years, seniority),
		YearsExperience: int32(years),
		Languages:       profileLanguages(r, home, pool.lang),
		Location:        &taxonomyv1.Location{Country: home.country, City: placeName(g.profilePlaces, home)},
		WorkMode: weightedChoice(r, []choice[taxonomyv1.WorkMode]{
			{taxonomyv1.WorkMode_WORK_MODE_HYBRID, 60},
			{taxonomyv1.WorkMode_WORK_MODE_REMOTE, 18},
			{taxonomyv1.WorkMode_WORK_MODE_ON_SITE, 22},
		}),
		DailyRateEur: dailyRate(r, seniority, home.country),
		// Skewed towards sooner: many interim managers are between missions.
		AvailableFrom:    g.date(AvailableFromMin + int(math.Pow(r.Float64(), 1.3)*(AvailableFromMax-AvailableFromMin+1))),
		NoticePeriodDays: weightedChoice(r, []choice[int32]{{0, 15}, {15, 15}, {30, 35}, {60, 20}, {90, 15}}),
	}
	p.PastMissions = g.pastMissions(r, p.Sectors, years)
	p.Certifications = certifications(r, arch)
	if chance(r, 0.4) {
		p.MobilityCountries = mobility(r, home.country)
	}
	if chance(r, 0.15) {
		start := between(r, 10, 200)
		p.Bookings = []*profilev1.Booking{{StartDate: g.date(start), EndDate: g.date(start + between(r, 14, 90))}}
	}
	p.ProfilingOptOut = chance(r, 0.02)
	return p
}

// profileSectors: one to three divisions, mostly of the consultant's own family, sometimes one
// of another family.
func profileSectors(r *rand.Rand, fam int) []string {
	n := weightedChoice(r, []choice[int]{{1, 30}, {2, 45}, {3, 25}})
	sectors := []string{sectorOf(r, families[fam])}
	if n > 1 && chance(r, 0.35) {
		sectors = appendNew(sectors, sectorOf(r, families[familyIndex(r)]))
	}
	for attempt := 0; len(sectors) < n && attempt < 10; attempt++ {
		sectors = appendNew(sectors, sectorOf(r, families[fam]))
	}
	return sectors
}

type tieredSkill struct {
	id   string
	tier int
}

// profileSkills: most of the core skills of the consultant's archetype, a few of a second one,
// some cross skills; level grows with seniority and falls with distance from the core.
func profileSkills(r *rand.Rand, arch, second, fam, years int, seniority float64) []*profilev1.SkillLevel {
	var list []tieredSkill
	add := func(tier int, ids ...string) {
		for _, id := range ids {
			if !slices.ContainsFunc(list, func(s tieredSkill) bool { return s.id == id }) {
				list = append(list, tieredSkill{id, tier})
			}
		}
	}
	a := archetypes[arch]
	// The leading core skills define the archetype: nearly every consultant of it has them.
	for i, id := range a.core {
		if chance(r, coreChance(i)) {
			add(tierPrimary, id)
		}
	}
	for _, id := range sample(r, a.core, 3) {
		if len(list) >= 3 {
			break
		}
		add(tierPrimary, id)
	}
	add(tierPrimary, sample(r, a.extended, between(r, 0, 1))...)
	if second >= 0 {
		core := archetypes[second].core
		for i, id := range core {
			if chance(r, coreChance(i)-0.3) {
				add(tierSecondary, id)
			}
		}
		add(tierSecondary, core[r.IntN(3)])
	}
	// Seasoned CAIOs have touched a bit of everything.
	if seniority > 0.5 && chance(r, 0.5) {
		if third := r.IntN(len(archetypes)); third != arch && third != second {
			add(tierCross, sample(r, archetypes[third].core[:3], between(r, 1, 2))...)
		}
	}
	if chance(r, 0.7) {
		add(tierSecondary, "ai-strategy")
	}
	if chance(r, 0.4) {
		add(tierCross, pick(r, families[fam].hints))
	}
	add(tierCross, sample(r, crossSkills, between(r, 0, 2))...)
	for len(list) < MinSkills {
		add(tierCross, pick(r, crossSkills))
	}
	list = list[:min(len(list), MaxSkills)]

	skills := make([]*profilev1.SkillLevel, 0, len(list))
	for _, s := range list {
		level := clamp(int(math.Round(1+2.6*seniority+1.6*r.Float64()-0.6*float64(s.tier))), 1, 5)
		// Years of practice: a share of the career, larger for a higher level, never more than
		// the career nor than the skill has existed.
		practice := int(math.Round(float64(years) * (0.15 + 0.17*float64(level)) * (0.6 + 0.4*r.Float64())))
		practice = clamp(practice, 1, years)
		if limit, young := youngSkills[s.id]; young {
			practice = min(practice, between(r, 1, limit))
		}
		skills = append(skills, &profilev1.SkillLevel{Id: s.id, Level: int32(level), Years: int32(practice)})
	}
	return skills
}

// coreChance is how likely a consultant has the i-th core skill of their archetype.
func coreChance(i int) float64 {
	if i < 3 {
		return 0.92
	}
	return 0.6
}

// profileLanguages: the languages of home, the mother tongue that goes with the name, English
// very often, French often, sometimes one more.
func profileLanguages(r *rand.Rand, home city, mother string) []string {
	langs := appendNew(nil, mother)
	langs = appendNew(langs, home.native...)
	for _, l := range home.maybe {
		if chance(r, 0.35) {
			langs = appendNew(langs, l)
		}
	}
	if chance(r, 0.88) {
		langs = appendNew(langs, "en")
	}
	if !francophone[home.country] && chance(r, 0.4) {
		langs = appendNew(langs, "fr")
	}
	if chance(r, 0.1) {
		langs = appendNew(langs, pick(r, []string{"de", "es", "it"}))
	}
	return langs
}

// dailyRate grows with seniority, with noise and a premium in dearer markets, in steps of 50.
func dailyRate(r *rand.Rand, seniority float64, country string) int32 {
	x := 0.1 + 0.65*seniority + 0.3*(r.Float64()-0.5)
	rate := float64(MinDailyRateEUR) + float64(MaxDailyRateEUR-MinDailyRateEUR)*x + float64(rateUplift[country])
	return int32(clamp(int(math.Round(rate/50))*50, MinDailyRateEUR, MaxDailyRateEUR))
}

// pastMissions: zero to four earlier interim missions, newest first, mostly in the consultant's
// sectors, all ended within the last ten years and within the career.
func (g *Generator) pastMissions(r *rand.Rand, sectors []string, years int) []*profilev1.PastMission {
	n := weightedChoice(r, []choice[int]{{0, 20}, {1, 30}, {2, 25}, {3, 15}, {4, 10}})
	thisYear := g.today.Year()
	oldest := max(thisYear-9, thisYear-years+1)
	var out []*profilev1.PastMission
	for range n {
		sector := pick(r, sectors)
		if chance(r, 0.25) {
			sector = sectorOf(r, families[familyIndex(r)])
		}
		out = append(out, &profilev1.PastMission{
			Sector:      sector,
			MissionType: missionv1.MissionType(between(r, 1, 4)),
			Months:      int32(between(r, 3, 24)),
			Year:        int32(between(r, oldest, thisYear)),
		})
	}
	slices.SortStableFunc(out, func(a, b *profilev1.PastMission) int { return cmp.Compare(b.Year, a.Year) })
	return out
}

// certifications: zero to three, mostly those of the consultant's archetype.
func certifications(r *rand.Rand, arch int) []string {
	n := weightedChoice(r, []choice[int]{{0, 45}, {1, 30}, {2, 17}, {3, 8}})
	var out []string
	for attempt := 0; len(out) < n && attempt < 10; attempt++ {
		list := archetypes[arch].certs
		if chance(r, 0.3) {
			list = generalCerts
		}
		out = appendNew(out, pick(r, list))
	}
	return out
}

// mobility: one to three countries besides home; France first for most consultants abroad.
func mobility(r *rand.Rand, home string) []string {
	n := weightedChoice(r, []choice[int]{{1, 40}, {2, 35}, {3, 25}})
	var out []string
	if home != "FR" && chance(r, 0.7) {
		out = append(out, "FR")
	}
	for attempt := 0; len(out) < n && attempt < 20; attempt++ {
		if c := weightedChoice(r, mobilityCountries); c != home {
			out = appendNew(out, c)
		}
	}
	return out
}

func clamp(x, lo, hi int) int { return max(lo, min(hi, x)) }

// FactsOf is what matching knows of a profile (no name, email, headline or certifications), as
// the profile service would publish it; benchmarks use it to fill an index without the profile
// service. The result shares nothing with p. The city goes out as gazetteer ids only.
func FactsOf(profileID, accountID string, p *profilev1.CreateProfileRequest) *profilev1.MatchingFacts {
	place, _ := gazetteer.Resolve(p.GetLocation().GetCountry(), p.GetLocation().GetCity())
	return &profilev1.MatchingFacts{
		ProfileId:         profileID,
		AccountId:         accountID,
		Sectors:           slices.Clone(p.GetSectors()),
		Skills:            cloneAll(p.GetSkills()),
		YearsExperience:   p.GetYearsExperience(),
		Languages:         slices.Clone(p.GetLanguages()),
		Country:           p.GetLocation().GetCountry(),
		WorkMode:          p.GetWorkMode(),
		DailyRateEur:      p.GetDailyRateEur(),
		AvailableFrom:     p.GetAvailableFrom(),
		PastMissions:      cloneAll(p.GetPastMissions()),
		NoticePeriodDays:  p.GetNoticePeriodDays(),
		MobilityCountries: slices.Clone(p.GetMobilityCountries()),
		Bookings:          cloneAll(p.GetBookings()),
		ProfilingOptOut:   p.GetProfilingOptOut(),
		PlaceCity:         place.City,
		PlaceRegion:       place.Region,
	}
}

func cloneAll[M proto.Message](ms []M) []M {
	if ms == nil {
		return nil
	}
	out := make([]M, len(ms))
	for i, m := range ms {
		out[i] = proto.Clone(m).(M)
	}
	return out
}
