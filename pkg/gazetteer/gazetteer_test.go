package gazetteer

import (
	"strings"
	"testing"
)

func TestEmbeddedDataLoads(t *testing.T) {
	g, err := parse(placesJSON)
	if err != nil {
		t.Fatalf("embedded data does not parse: %v", err)
	}
	if len(g.regions) == 0 || len(g.cities) == 0 {
		t.Fatalf("embedded data is empty: %d regions, %d cities", len(g.regions), len(g.cities))
	}
}

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"Saint-Étienne":              "saint etienne",
		"  LYON ":                    "lyon",
		"Île-de-France":              "ile de france",
		"Provence-Alpes-Côte d'Azur": "provence alpes cote d azur",
		"Provence-Alpes-Côte d’Azur": "provence alpes cote d azur",
		"St. Gallen":                 "st gallen",
		"Łódź":                       "lodz",
		"Tromsø":                     "tromso",
		"Straßburg":                  "strassburg",
		"'s-Hertogenbosch":           "s hertogenbosch",
		"Aix  -  en   Provence":      "aix en provence",
		"ＬＹＯＮ":                       "lyon", // full-width letters: compatibility decomposition
		"":                           "",
		" - ":                        "",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolveCitiesAndAliases(t *testing.T) {
	cases := []struct {
		country, city string
		want          Place
	}{
		{"FR", "Lyon", Place{City: "fr-lyon", Region: "fr-ara"}},
		{"FR", "  lyon ", Place{City: "fr-lyon", Region: "fr-ara"}},
		{"fr", "SAINT ETIENNE", Place{City: "fr-saint-etienne", Region: "fr-ara"}},
		{"DE", "München", Place{City: "de-munchen", Region: "de-by"}},
		{"DE", "Munich", Place{City: "de-munchen", Region: "de-by"}},
		{"DE", "Muenchen", Place{City: "de-munchen", Region: "de-by"}},
		{"DE", "Köln", Place{City: "de-koln", Region: "de-nw"}},
		{"DE", "Cologne", Place{City: "de-koln", Region: "de-nw"}},
		{"BE", "Bruxelles", Place{City: "be-bruxelles", Region: "be-bru"}},
		{"BE", "Brussel", Place{City: "be-bruxelles", Region: "be-bru"}},
		{"BE", "Brussels", Place{City: "be-bruxelles", Region: "be-bru"}},
		{"CH", "Genève", Place{City: "ch-geneve", Region: "ch-ge"}},
		{"CH", "Geneva", Place{City: "ch-geneve", Region: "ch-ge"}},
		{"PT", "Lisboa", Place{City: "pt-lisboa", Region: "pt-lis"}},
		{"PT", "Lisbon", Place{City: "pt-lisboa", Region: "pt-lis"}},
		{"PL", "Lodz", Place{City: "pl-lodz", Region: "pl-ld"}},
		{"NL", "Den Bosch", Place{City: "nl-s-hertogenbosch", Region: "nl-nb"}},
		// A city named like its region is the city.
		{"ES", "Madrid", Place{City: "es-madrid", Region: "es-md"}},
		// A region typed as the city resolves to the region alone.
		{"FR", "Bretagne", Place{Region: "fr-bre"}},
		{"FR", "Île-de-France", Place{Region: "fr-idf"}},
		{"FR", "ile de france", Place{Region: "fr-idf"}},
		{"FR", "PACA", Place{Region: "fr-pac"}},
		{"DE", "Bavaria", Place{Region: "de-by"}},
		// Two cities share the name: only the qualified spelling resolves.
		{"FR", "Saint-Denis de la Réunion", Place{City: "fr-saint-denis-974", Region: "fr-re"}},
	}
	for _, c := range cases {
		got, ok := Resolve(c.country, c.city)
		if !ok || got != c.want {
			t.Errorf("Resolve(%q, %q) = %+v, %v; want %+v", c.country, c.city, got, ok, c.want)
		}
	}
}

func TestResolveUnknownAmbiguousOrWrongCountry(t *testing.T) {
	for _, c := range [][2]string{
		{"FR", "Trifouillis-les-Oies"}, // unknown
		{"FR", "Saint-Denis"},          // two French cities
		{"DE", "Lyon"},                 // a city resolves only in its own country
		{"", "Lyon"},
		{"FR", ""},
	} {
		if got, ok := Resolve(c[0], c[1]); ok {
			t.Errorf("Resolve(%q, %q) = %+v, want nothing", c[0], c[1], got)
		}
	}
}

func TestEveryCityLiesInAKnownRegionOfItsCountry(t *testing.T) {
	for _, c := range Cities() {
		r, ok := RegionByID(c.Region)
		if !ok {
			t.Errorf("city %s: region %q unknown", c.ID, c.Region)
			continue
		}
		if r.Country != c.Country || !strings.HasPrefix(c.ID, strings.ToLower(c.Country)+"-") {
			t.Errorf("city %s (%s) lies in region %s of %s", c.ID, c.Country, r.ID, r.Country)
		}
		// Every city is reachable by its own name, unless another city of its country shares it.
		if got, ok := Resolve(c.Country, c.Name); ok && got.City != c.ID {
			t.Errorf("Resolve(%s, %q) = %s, want %s", c.Country, c.Name, got.City, c.ID)
		}
	}
}

func TestIDsAreUniqueAcrossCitiesAndRegions(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Regions() {
		if seen[r.ID] {
			t.Errorf("duplicate id %s", r.ID)
		}
		seen[r.ID] = true
	}
	for _, c := range Cities() {
		if seen[c.ID] {
			t.Errorf("duplicate id %s", c.ID)
		}
		seen[c.ID] = true
	}
}

func TestCoverage(t *testing.T) {
	var french int
	for _, r := range Regions() {
		if r.Country == "FR" {
			french++
		}
	}
	if french != 18 {
		t.Errorf("%d French regions, want the 18 (13 metropolitan, 5 overseas)", french)
	}
	countries := map[string]int{}
	for _, c := range Cities() {
		countries[c.Country]++
	}
	for _, code := range strings.Fields("FR DE ES IT BE NL CH LU PT GB IE AT PL SE DK NO FI CZ") {
		if countries[code] == 0 {
			t.Errorf("no city in %s", code)
		}
	}
	for _, r := range Regions() {
		if r.Country != "FR" {
			continue
		}
		var cities int
		for _, c := range Cities() {
			if c.Region == r.ID {
				cities++
			}
		}
		if cities == 0 {
			t.Errorf("French region %s has no city (its prefecture at least)", r.ID)
		}
	}
}

func TestKnownChecksIDs(t *testing.T) {
	cases := []struct {
		in, want Place
		ok       bool
	}{
		{Place{City: "fr-lyon", Region: "fr-ara"}, Place{City: "fr-lyon", Region: "fr-ara"}, true},
		{Place{City: "fr-lyon", Region: "fr-bre"}, Place{City: "fr-lyon", Region: "fr-ara"}, true}, // the city's own region wins
		{Place{City: "fr-atlantis", Region: "fr-bre"}, Place{Region: "fr-bre"}, true},
		{Place{Region: "fr-idf"}, Place{Region: "fr-idf"}, true},
		{Place{City: "Lyon"}, Place{}, false}, // a name is not an id
		{Place{}, Place{}, false},
	}
	for _, c := range cases {
		got, ok := Known(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Known(%+v) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseRejectsCorruptData(t *testing.T) {
	region := `{"id":"fr-bre","country":"FR","name":"Bretagne"}`
	cases := map[string]string{
		"not json":                   `{`,
		"city without region":        `{"regions":[` + region + `],"cities":[{"id":"fr-rennes","region":"fr-xxx","name":"Rennes"}]}`,
		"duplicate id":               `{"regions":[` + region + `,` + region + `],"cities":[]}`,
		"city id of another country": `{"regions":[` + region + `],"cities":[{"id":"de-rennes","region":"fr-bre","name":"Rennes"}]}`,
		"non-ASCII id":               `{"regions":[{"id":"fr-brétagne","country":"FR","name":"Bretagne"}],"cities":[]}`,
		"region name twice":          `{"regions":[` + region + `,{"id":"fr-bzh","country":"FR","name":"bretagne"}],"cities":[]}`,
		"unnamed city":               `{"regions":[` + region + `],"cities":[{"id":"fr-rennes","region":"fr-bre","name":""}]}`,
	}
	for name, in := range cases {
		if _, err := parse([]byte(in)); err == nil {
			t.Errorf("%s: parse accepted corrupt data", name)
		}
	}
}
