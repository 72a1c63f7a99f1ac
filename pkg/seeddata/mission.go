package seeddata

import (
	"fmt"
	"math/rand/v2"
	"slices"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
)

// Ranges of the generated missions.
const (
	// StartDateMin and StartDateMax bound startDate, in days from today.
	StartDateMin          = 20
	StartDateMax          = 150
	MinDurationMonths     = 6
	MaxDurationMonths     = 18
	MinMaxDailyRateEUR    = 1000
	MaxMaxDailyRateEUR    = 2300
	MinMinYearsExperience = 3
	MaxMinYearsExperience = 15
	MaxRequiredSkills     = 3
	MaxNiceToHaveSkills   = 3
)

// Mission draws a firm's request: a sector of one of the seed families, a mission type, the
// skills it calls for (from one or two archetypes that fit the type), a window, a budget, and
// where and in which language the work happens.
func (g *Generator) Mission() *missionv1.CreateMissionRequest {
	r := g.missions
	fam := families[familyIndex(r)]
	mt := missionTypes[weighted(r, len(missionTypes), func(i int) int {
		if fam.riskHeavy && missionTypes[i].t == missionv1.MissionType_MISSION_TYPE_RISK_AND_COMPLIANCE {
			return 2 * missionTypes[i].weight
		}
		return missionTypes[i].weight
	})]
	primary := archetypes[pick(r, mt.primary)]
	secondary := archetypes[pick(r, mt.secondary)]

	required := requiredSkills(r, primary.core, weightedChoice(r, []choice[int]{{1, 35}, {2, 45}, {3, 20}}))
	if len(required) > 1 && chance(r, 0.25) {
		if extra := pick(r, secondary.core); !slices.Contains(required, extra) {
			required[len(required)-1] = extra
		}
	}
	if mt.t == missionv1.MissionType_MISSION_TYPE_CHANGE_MANAGEMENT && !slices.Contains(required, "change-management") {
		required[0] = "change-management"
	}
	var pool []string
	pool = appendNew(pool, primary.core...)
	pool = appendNew(pool, primary.extended...)
	pool = appendNew(pool, secondary.core...)
	pool = appendNew(pool, fam.hints...)
	pool = slices.DeleteFunc(pool, func(id string) bool { return slices.Contains(required, id) })
	nice := sample(r, pool, between(r, 0, MaxNiceToHaveSkills))

	m := &missionv1.CreateMissionRequest{
		Sector:           sectorOf(r, fam),
		MissionType:      mt.t,
		Title:            fmt.Sprintf(pick(r, mt.titles), fam.label),
		RequiredSkills:   required,
		NiceToHaveSkills: nice,
		StartDate:        g.date(between(r, StartDateMin, StartDateMax)),
		DurationMonths:   int32(durationMonths(r)),
		// 1000 to 2300 in steps of 50, most around 1650.
		MaxDailyRateEur:    int32(MinMaxDailyRateEUR + 50*((r.IntN(27)+r.IntN(27))/2)),
		MinYearsExperience: int32(MinMinYearsExperience + (r.IntN(13)+r.IntN(13))/2),
		WorkMode: weightedChoice(r, []choice[taxonomyv1.WorkMode]{
			{taxonomyv1.WorkMode_WORK_MODE_HYBRID, 55},
			{taxonomyv1.WorkMode_WORK_MODE_ON_SITE, 25},
			{taxonomyv1.WorkMode_WORK_MODE_REMOTE, 20},
		}),
	}
	if chance(r, 0.3) {
		m.RequiredSkillLevels = []*missionv1.SkillRequirement{{
			Id:       pick(r, required),
			MinLevel: weightedChoice(r, []choice[int32]{{2, 40}, {3, 40}, {4, 20}}),
		}}
	}
	inFrance := chance(r, 0.85)
	where := cityOf(r, func(c city) bool { return (c.country == "FR") == inFrance })
	m.Location = &taxonomyv1.Location{Country: where.country, City: placeName(g.missionPlaces, where)}
	m.Languages = missionLanguages(r, where)
	return m
}

// requiredSkills draws k distinct skills of core, the leading ones (those that define the
// archetype) three times as often as the others.
func requiredSkills(r *rand.Rand, core []string, k int) []string {
	var out []string
	for len(out) < min(k, len(core)) {
		i := weighted(r, len(core), func(i int) int {
			switch {
			case slices.Contains(out, core[i]):
				return 0
			case i < 3:
				return 3
			}
			return 1
		})
		out = append(out, core[i])
	}
	return out
}

// durationMonths: mostly the usual 6, 9, 12 or 18 months, sometimes anything from 6 to 18.
func durationMonths(r *rand.Rand) int {
	if chance(r, 0.3) {
		return between(r, MinDurationMonths, MaxDurationMonths)
	}
	return weightedChoice(r, []choice[int]{{6, 25}, {9, 25}, {12, 35}, {18, 15}})
}

// missionLanguages: French and/or English in French-speaking countries, the local language
// and/or English elsewhere.
func missionLanguages(r *rand.Rand, where city) []string {
	if francophone[where.country] {
		return weightedChoice(r, []choice[[]string]{{[]string{"fr"}, 50}, {[]string{"fr", "en"}, 30}, {[]string{"en"}, 20}})
	}
	local := where.native[0]
	if local == "en" {
		return weightedChoice(r, []choice[[]string]{{[]string{"en"}, 80}, {[]string{"en", "fr"}, 20}})
	}
	return weightedChoice(r, []choice[[]string]{{[]string{local, "en"}, 45}, {[]string{"en"}, 40}, {[]string{"en", "fr"}, 15}})
}
