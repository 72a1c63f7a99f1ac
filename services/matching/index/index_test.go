package index

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

var today = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

func settings() domain.Settings {
	return domain.Settings{Scoring: domain.CurrentScoring, AvailabilityToleranceDays: 14, Today: today}
}

// randomWorld draws profiles and missions from small value spaces, so that every rule and
// every tie is hit often.
type randomWorld struct{ rng *rand.Rand }

var (
	worldSkills    = []string{"ai-strategy", "change-management", "mlops", "gdpr", "nlp", "ai-governance", "kpi-design"}
	worldSectors   = []string{"C", "C10", "C21", "C30", "K", "K61", "L64", "L65", "P84", "R86", "D35"}
	worldLanguages = []string{"fr", "en", "de", "es", "it", "nl"}
	worldCountries = []string{"FR", "BE", "DE", "CH", "ES"}
	worldPlaces    = placesOf(worldCountries)
)

// placesOf draws from the gazetteer, for each country, two cities in each of two regions and a
// third region alone, so that same-city, same-region and same-country fits all occur.
func placesOf(countries []string) map[string][]domain.Profile {
	out := map[string][]domain.Profile{}
	for _, country := range countries {
		var regions []string
		for _, c := range gazetteer.Cities() {
			if c.Country != country {
				continue
			}
			if !slices.Contains(regions, c.Region) {
				regions = append(regions, c.Region)
			}
			if i := slices.Index(regions, c.Region); i < 2 && len(slices.DeleteFunc(slices.Clone(out[country]),
				func(p domain.Profile) bool { return p.PlaceRegion != c.Region })) < 2 {
				out[country] = append(out[country], domain.Profile{PlaceCity: c.ID, PlaceRegion: c.Region})
			}
		}
		if len(regions) > 2 {
			out[country] = append(out[country], domain.Profile{PlaceRegion: regions[2]})
		}
	}
	return out
}

// place draws a place of the country from worldPlaces, or none (an unknown city) one time in four.
func (w randomWorld) place(country string) (city, region string) {
	places := worldPlaces[country]
	if len(places) == 0 || w.rng.IntN(4) == 0 {
		return "", ""
	}
	p := pick(w.rng, places)
	return p.PlaceCity, p.PlaceRegion
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func (w randomWorld) profile() domain.Profile {
	rng := w.rng
	var id uuid.UUID
	for i := range id {
		id[i] = byte(rng.IntN(4)) // few distinct leading bytes: ids share prefixes
	}
	for i := 8; i < 16; i++ {
		id[i] = byte(rng.Uint32())
	}
	p := domain.Profile{
		ID: id.String(), YearsExperience: rng.IntN(30), Country: pick(rng, worldCountries),
		WorkMode: domain.WorkMode(rng.IntN(4)), DailyRateEUR: 800 + 100*rng.IntN(18),
		AvailableFrom: today.AddDate(0, 0, rng.IntN(150)-30), NoticePeriodDays: []int{0, 0, 30, 60, 90}[rng.IntN(5)],
		ProfilingOptOut: rng.IntN(30) == 0,
	}
	p.PlaceCity, p.PlaceRegion = w.place(p.Country)
	for _, s := range worldSkills {
		if rng.IntN(2) == 0 {
			p.Skills = append(p.Skills, domain.SkillLevel{ID: s, Level: 1 + rng.IntN(5)})
		}
	}
	for range 1 + rng.IntN(3) {
		if s := pick(rng, worldSectors); !slices.Contains(p.Sectors, s) {
			p.Sectors = append(p.Sectors, s)
		}
	}
	for range 1 + rng.IntN(2) {
		if l := pick(rng, worldLanguages); !slices.Contains(p.Languages, l) {
			p.Languages = append(p.Languages, l)
		}
	}
	if rng.IntN(4) == 0 {
		for range 1 + rng.IntN(3) {
			if c := pick(rng, worldCountries); c != p.Country && !slices.Contains(p.MobilityCountries, c) {
				p.MobilityCountries = append(p.MobilityCountries, c)
			}
		}
	}
	if rng.IntN(4) == 0 {
		start := today.AddDate(0, 0, rng.IntN(400))
		p.Bookings = append(p.Bookings, domain.Period{Start: start, End: start.AddDate(0, 0, rng.IntN(90))})
	}
	for t := 1; t < domain.MissionTypeCount; t++ {
		if rng.IntN(3) == 0 {
			p.MonthsByMissionType[t] = rng.IntN(40)
		}
	}
	return p
}

func (w randomWorld) mission() domain.Mission {
	rng := w.rng
	m := domain.Mission{
		ID: "m", FirmID: "f", Status: domain.MissionOpen, Sector: pick(rng, worldSectors),
		MissionType: domain.MissionType(rng.IntN(5)), StartDate: today.AddDate(0, 0, 20+rng.IntN(120)),
		DurationMonths: 6 + rng.IntN(13), MaxDailyRateEUR: 1000 + 100*rng.IntN(15),
		Country: pick(rng, worldCountries), WorkMode: domain.WorkMode(rng.IntN(4)), MinYearsExperience: rng.IntN(15),
	}
	m.PlaceCity, m.PlaceRegion = w.place(m.Country)
	skills := slices.Clone(worldSkills)
	rng.Shuffle(len(skills), func(i, j int) { skills[i], skills[j] = skills[j], skills[i] })
	nReq, nNice := rng.IntN(3), rng.IntN(3)
	m.RequiredSkills, m.NiceToHaveSkills = skills[:nReq], skills[nReq:nReq+nNice]
	if nReq > 0 && rng.IntN(2) == 0 {
		m.MinSkillLevels = []domain.SkillRequirement{{ID: m.RequiredSkills[0], MinLevel: 2 + rng.IntN(3)}}
	}
	for range rng.IntN(3) {
		if l := pick(rng, worldLanguages); !slices.Contains(m.Languages, l) {
			m.Languages = append(m.Languages, l)
		}
	}
	return m
}

// TestRankEqualsTheDomainReference is the index's main guarantee: on random data it ranks
// exactly as domain.Rank does, same ids, ranks, scores, explanations and eligible count.
func TestRankEqualsTheDomainReference(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(1, 2))}
	ix := New(0)
	var profiles []domain.Profile
	for range 3000 {
		p := w.profile()
		profiles = append(profiles, p)
		if _, err := ix.Put(p, today); err != nil {
			t.Fatal(err)
		}
	}
	eligibleSeen := 0
	locationFits := map[string]int{} // the location facts of the candidates compared
	for i := range 300 {
		m := w.mission()
		k := 1 + i%20
		want := domain.Rank(settings(), m, profiles, k)
		got := ix.Rank(Query{Settings: settings(), Mission: m, K: k})
		eligibleSeen += want.EligibleCount
		if got.EligibleCount != want.EligibleCount || got.ScoringVersion != want.ScoringVersion {
			t.Fatalf("mission %d %+v: eligible %d (%s), want %d (%s)", i, m, got.EligibleCount, got.ScoringVersion,
				want.EligibleCount, want.ScoringVersion)
		}
		if len(got.Candidates) != len(want.Candidates) {
			t.Fatalf("mission %d: %d candidates, want %d", i, len(got.Candidates), len(want.Candidates))
		}
		for j := range want.Candidates {
			g, e := got.Candidates[j], want.Candidates[j]
			if g.ProfileID != e.ProfileID || g.Rank != e.Rank || g.Score != e.Score {
				t.Fatalf("mission %d rank %d: got %s %v, want %s %v", i, j+1, g.ProfileID, g.Score, e.ProfileID, e.Score)
			}
			if !reflect.DeepEqual(g.Explanation, e.Explanation) {
				t.Fatalf("mission %d %s: explanation\n got %+v\nwant %+v", i, g.ProfileID, g.Explanation, e.Explanation)
			}
			for _, c := range e.Explanation.Components {
				if c.Name == domain.ComponentLocation {
					locationFits[string(c.Facts.Location)]++
				}
			}
		}
	}
	if eligibleSeen == 0 {
		t.Fatal("the random world never had an eligible consultant: the test compares nothing")
	}
	for _, fit := range []string{"remote", "city", "region", "country", "elsewhere"} {
		if locationFits[fit] < 10 {
			t.Errorf("only %d candidates with location %q: the random world does not vary places enough (%v)",
				locationFits[fit], fit, locationFits)
		}
	}
}

func TestProfileRoundTripsThroughTheColumns(t *testing.T) {
	w := randomWorld{rand.New(rand.NewPCG(3, 4))}
	ix := New(0)
	for range 500 {
		p := w.profile()
		if _, err := ix.Put(p, today); err != nil {
			t.Fatal(err)
		}
		got, ok := ix.Profile(p.ID)
		if !ok {
			t.Fatalf("profile %s not found", p.ID)
		}
		if got.PlaceCity != p.PlaceCity || got.PlaceRegion != p.PlaceRegion || got.Country != p.Country {
			t.Fatalf("place (%s, %s, %s) rebuilt as (%s, %s, %s)", p.PlaceCity, p.PlaceRegion, p.Country,
				got.PlaceCity, got.PlaceRegion, got.Country)
		}
		// Sectors and languages come back in the index's order; evaluations must not change.
		for range 5 {
			m := w.mission()
			a, b := domain.Evaluate(settings(), m, p), domain.Evaluate(settings(), m, got)
			if a.Eligible != b.Eligible || a.Score != b.Score || len(a.FailedRules) != len(b.FailedRules) {
				t.Fatalf("profile %+v\nrebuilt %+v\nevaluates %+v, want %+v", p, got, b, a)
			}
		}
	}
}

func TestPutKeepsTheNewestAndErasureIsFinal(t *testing.T) {
	ix := New(0)
	p := randomWorld{rand.New(rand.NewPCG(5, 6))}.profile()
	p.DailyRateEUR = 1000
	if ok, _ := ix.Put(p, today); !ok {
		t.Fatal("first put refused")
	}
	older := p
	older.DailyRateEUR = 2000
	if ok, _ := ix.Put(older, today.Add(-time.Hour)); ok {
		t.Fatal("an older version replaced a newer one")
	}
	if got, _ := ix.Profile(p.ID); got.DailyRateEUR != 1000 {
		t.Fatalf("rate = %d after a stale put, want 1000", got.DailyRateEUR)
	}
	if ix.Len() != 1 {
		t.Fatalf("Len = %d, want 1", ix.Len())
	}
	if was, _ := ix.Erase(p.ID); !was {
		t.Fatal("erase of a live profile reported it was not live")
	}
	if ok, _ := ix.Put(p, today.Add(time.Hour)); ok {
		t.Fatal("a put after the erasure brought the profile back")
	}
	if _, ok := ix.Profile(p.ID); ok || !ix.Erased(p.ID) || ix.Len() != 0 {
		t.Fatal("erased profile still readable, or not marked erased")
	}
	st := ix.Standing(Query{Settings: settings(), Mission: randomWorld{rand.New(rand.NewPCG(1, 1))}.mission()}, p.ID)
	if !st.Known || st.Evaluation.Eligible || st.Evaluation.FailedRules[0].Rule != domain.RuleProfileErased {
		t.Fatalf("standing of an erased profile = %+v", st)
	}
	if _, err := ix.Put(domain.Profile{ID: "not-a-uuid"}, today); err == nil {
		t.Fatal("a non-UUID id was accepted")
	}
}
