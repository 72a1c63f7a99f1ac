package domain

import (
	"reflect"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/scoring"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

func TestLocationComponent(t *testing.T) {
	// The mission (fixture) is hybrid, in Lyon (fr-lyon, region fr-ara), France.
	cases := []struct {
		name                  string
		workMode              WorkMode
		country, city, region string
		mobility              []string
		fit                   scoring.LocationFit
		value                 float64
	}{
		{"same city", taxonomy.WorkModeHybrid, "FR", "fr-lyon", "fr-ara", nil, scoring.LocationCity, 1},
		{"same region", taxonomy.WorkModeHybrid, "FR", "fr-grenoble", "fr-ara", nil, scoring.LocationRegion, 0.6},
		{"the region typed as the city", taxonomy.WorkModeHybrid, "FR", "", "fr-ara", nil, scoring.LocationRegion, 0.6},
		{"same country", taxonomy.WorkModeHybrid, "FR", "fr-paris", "fr-idf", nil, scoring.LocationCountry, 0.3},
		{"unknown city, same country", taxonomy.WorkModeHybrid, "FR", "", "", nil, scoring.LocationCountry, 0.3},
		{"mobile to the country, living elsewhere", taxonomy.WorkModeHybrid, "BE", "be-gent", "be-vlg", []string{"FR"},
			scoring.LocationElsewhere, 0},
		{"on site counts as hybrid", taxonomy.WorkModeOnSite, "FR", "fr-lyon", "fr-ara", nil, scoring.LocationCity, 1},
		{"a remote mission fits everyone", taxonomy.WorkModeRemote, "BE", "be-gent", "be-vlg", nil, scoring.LocationRemote, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission()
			m.WorkMode = tc.workMode
			p := profile("p1")
			p.Country, p.PlaceCity, p.PlaceRegion, p.MobilityCountries = tc.country, tc.city, tc.region, tc.mobility
			c := component(t, Evaluate(settings(), m, p), ComponentLocation)
			assertComponent(t, c, tc.value, 0.10, "")
			want := scoring.Facts{Location: tc.fit, City: "fr-lyon", Region: "fr-ara", Country: "FR"}
			if tc.fit == scoring.LocationRemote {
				want = scoring.Facts{Location: scoring.LocationRemote}
			}
			if !reflect.DeepEqual(*c.Facts, want) {
				t.Errorf("facts = %+v, want %+v (the mission's place, never the consultant's)", *c.Facts, want)
			}
		})
	}
}

func TestLocationUnknownMissionPlace(t *testing.T) {
	m := mission()
	m.PlaceCity, m.PlaceRegion = "", ""
	p := profile("p1")
	// Two unknown places are not the same place: only the country counts.
	p.PlaceCity, p.PlaceRegion = "", ""
	if got := ScoreInputsOf(settings(), m, p).Location; got != LocationCountry {
		t.Errorf("unknown places on both sides: %v, want LocationCountry", got)
	}
	m.Country = ""
	if got := ScoreInputsOf(settings(), m, p).Location; got != LocationElsewhere {
		t.Errorf("a mission without a country: %v, want LocationElsewhere", got)
	}
}

func TestLocationValuesIncreaseWithTheFit(t *testing.T) {
	for f := LocationElsewhere; f < LocationCity; f++ {
		if f.value() >= (f + 1).value() {
			t.Errorf("%d is worth %v, not less than %d (%v)", f, f.value(), f+1, (f + 1).value())
		}
	}
	if LocationElsewhere.value() != 0 || LocationCity.value() != 1 || LocationRemote.value() != 1 {
		t.Errorf("values %v", locationValues)
	}
}

func TestPreviousScoringIgnoresLocation(t *testing.T) {
	// Proposals of caio-2026-11 keep their meaning: the same inputs score the same whatever the
	// places, and as the formula without location did.
	s := settings()
	s.Scoring = Scoring202611
	p := profile("p1")
	here := Evaluate(s, mission(), p)
	p.PlaceCity, p.PlaceRegion = "fr-paris", "fr-idf"
	there := Evaluate(s, mission(), p)
	// 0.35×0.8 + 0.20×1 + 0.15×0.5 + 0.10×0.9 + 0.10×0.266667 + 0.10×1 = 0.7716667
	assertClose(t, "caio-2026-11 score", here.Score, 0.771667)
	if here.Score != there.Score {
		t.Errorf("caio-2026-11 scores %v in the region and %v outside it", here.Score, there.Score)
	}
	if w := Scoring202611.Weights; w.Location != 0 || w.Sum() != 1 {
		t.Errorf("caio-2026-11 weights %+v", w)
	}
}

// TestPropertyMovingToTheMissionNeverLowersTheScore: a consultant living in the mission's
// country, then in its region, then in its city keeps or gains score at each step, and where in
// the country they live never changes their eligibility.
func TestPropertyMovingToTheMissionNeverLowersTheScore(t *testing.T) {
	g := newGenerator(11)
	raised, presence := 0, 0
	for i := range 3000 {
		s, m, p := g.pair(i)
		if m.PlaceCity == "" {
			continue
		}
		if m.NeedsPresence() {
			presence++
		}
		here := p
		here.Country, here.PlaceCity, here.PlaceRegion = m.Country, m.PlaceCity, m.PlaceRegion
		region := here
		region.PlaceCity = ""
		country := region
		country.PlaceRegion = ""
		steps := []Profile{country, region, here}
		var before float64
		for k, q := range steps {
			in := ScoreInputsOf(s, m, q)
			score := s.Scoring.Score(in)
			if k > 0 && score < before {
				t.Fatalf("pair %d: closer to the mission (%v) scored %v, less than %v", i, in.Location, score, before)
			}
			if k > 0 && score > before {
				raised++
			}
			before = score
			if !m.NeedsPresence() && in.Location != LocationRemote {
				t.Fatalf("pair %d: a remote mission gave %v", i, in.Location)
			}
		}
		if Evaluate(s, m, here).Eligible != Evaluate(s, m, country).Eligible {
			t.Fatalf("pair %d: where in the country the consultant lives changed their eligibility", i)
		}
	}
	if presence < 300 || raised < 300 {
		t.Errorf("too few meaningful cases: %d missions needing presence, %d raises", presence, raised)
	}
}
