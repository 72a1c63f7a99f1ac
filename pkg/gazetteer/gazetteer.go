// Package gazetteer resolves the place a person typed ("Saint-Étienne", "München", "Île-de-France")
// to stable ids: the French regions and their main cities, and the main cities of the other
// European countries with their first-level region. Only ids leave the service that read the
// text; the text itself is personal data.
package gazetteer

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Region is a first-level region of a country: a French région, a German Land, a Swiss canton.
type Region struct {
	ID      string
	Country string // ISO 3166-1 alpha-2
	Name    string
	Aliases []string
}

// City is a city and the region it lies in.
type City struct {
	ID      string
	Region  string
	Country string
	Name    string
	Aliases []string
}

// Place is where a name resolved to: a city and its region, or a region alone (City empty).
type Place struct {
	City, Region string
}

//go:embed places.json
var placesJSON []byte

type placesFile struct {
	Regions []struct {
		ID      string   `json:"id"`
		Country string   `json:"country"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	} `json:"regions"`
	Cities []struct {
		ID      string   `json:"id"`
		Region  string   `json:"region"`
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	} `json:"cities"`
}

type gazetteer struct {
	regions     []Region
	cities      []City
	regionIndex map[string]int
	cityIndex   map[string]int
	// cityNames and regionNames map country + "|" + a normalised name to positions. A name
	// shared by two cities of a country (Saint-Denis) is ambiguous and resolves to nothing.
	cityNames   map[string][]int
	regionNames map[string][]int
}

// load parses the embedded data once; the package tests check it, so a failure is a broken
// build.
var load = sync.OnceValue(func() *gazetteer {
	g, err := parse(placesJSON)
	if err != nil {
		panic("gazetteer: corrupt embedded data: " + err.Error())
	}
	return g
})

var idPattern = regexp.MustCompile(`^[a-z]{2}-[a-z0-9]+(-[a-z0-9]+)*$`)

func parse(data []byte) (*gazetteer, error) {
	var f placesFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("places.json: %w", err)
	}
	g := &gazetteer{regionIndex: map[string]int{}, cityIndex: map[string]int{}, cityNames: map[string][]int{},
		regionNames: map[string][]int{}}
	checkID := func(id, country string) error {
		if !idPattern.MatchString(id) || id[:2] != strings.ToLower(country) {
			return fmt.Errorf("places.json: id %q is not a lower-case ASCII id of country %q", id, country)
		}
		if _, dup := g.regionIndex[id]; dup {
			return fmt.Errorf("places.json: duplicate id %q", id)
		}
		if _, dup := g.cityIndex[id]; dup {
			return fmt.Errorf("places.json: duplicate id %q", id)
		}
		return nil
	}
	for _, r := range f.Regions {
		if len(r.Country) != 2 || strings.ToUpper(r.Country) != r.Country || r.Name == "" {
			return nil, fmt.Errorf("places.json: region %q needs a country code and a name", r.ID)
		}
		if err := checkID(r.ID, r.Country); err != nil {
			return nil, err
		}
		g.regionIndex[r.ID] = len(g.regions)
		g.regions = append(g.regions, Region{ID: r.ID, Country: r.Country, Name: r.Name, Aliases: r.Aliases})
		for _, name := range append([]string{r.Name}, r.Aliases...) {
			key := r.Country + "|" + Normalize(name)
			if at := g.regionNames[key]; len(at) > 0 && at[0] != len(g.regions)-1 {
				return nil, fmt.Errorf("places.json: two regions of %s are called %q", r.Country, name)
			}
			g.regionNames[key] = []int{len(g.regions) - 1}
		}
	}
	for _, c := range f.Cities {
		ri, ok := g.regionIndex[c.Region]
		if !ok {
			return nil, fmt.Errorf("places.json: city %q is in unknown region %q", c.ID, c.Region)
		}
		country := g.regions[ri].Country
		if c.Name == "" {
			return nil, fmt.Errorf("places.json: city %q has no name", c.ID)
		}
		if err := checkID(c.ID, country); err != nil {
			return nil, err
		}
		g.cityIndex[c.ID] = len(g.cities)
		g.cities = append(g.cities, City{ID: c.ID, Region: c.Region, Country: country, Name: c.Name, Aliases: c.Aliases})
		for _, name := range append([]string{c.Name}, c.Aliases...) {
			key := country + "|" + Normalize(name)
			if at := g.cityNames[key]; len(at) == 0 || at[len(at)-1] != len(g.cities)-1 {
				g.cityNames[key] = append(at, len(g.cities)-1)
			}
		}
	}
	return g, nil
}

// foldedLetters are the Latin letters that Unicode does not decompose into a base letter and a
// mark, so that NFKD alone would leave "Łódź" or "Tromsø" unmatched by their plain spellings.
var foldedLetters = strings.NewReplacer("ł", "l", "ø", "o", "æ", "ae", "œ", "oe", "ß", "ss", "đ", "d", "ð", "d",
	"þ", "th", "ı", "i")

// Normalize is the form names are compared in: compatibility decomposition without the
// combining marks, lower case, the few undecomposable letters folded, hyphens, apostrophes,
// dots and runs of spaces made one space, trimmed. "Saint-Étienne" and "saint etienne" are
// the same name.
func Normalize(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	space := false
	for _, r := range norm.NFKD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r) || r == '-' || r == '\'' || r == '’' || r == '.' || r == '‐' || r == '–':
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return foldedLetters.Replace(b.String())
}

// Resolve finds the place a person typed as their city, in their country: a city (with its
// region), or a region typed in place of a city (with no city). A city name resolves only
// within its own country. Unknown names, ambiguous city names and an empty country give false.
func Resolve(country, city string) (Place, bool) {
	g := load()
	key := strings.ToUpper(strings.TrimSpace(country)) + "|" + Normalize(city)
	if at := g.cityNames[key]; len(at) == 1 {
		c := g.cities[at[0]]
		return Place{City: c.ID, Region: c.Region}, true
	} else if len(at) > 1 {
		return Place{}, false
	}
	if at := g.regionNames[key]; len(at) == 1 {
		return Place{Region: g.regions[at[0]].ID}, true
	}
	return Place{}, false
}

// Known checks a place made of ids, as it arrives from another service: it returns the place
// with the city's own region, the region alone when the city is unknown, and false when
// neither id is known.
func Known(p Place) (Place, bool) {
	g := load()
	if i, ok := g.cityIndex[p.City]; ok {
		return Place{City: p.City, Region: g.cities[i].Region}, true
	}
	if _, ok := g.regionIndex[p.Region]; ok {
		return Place{Region: p.Region}, true
	}
	return Place{}, false
}

// CityByID returns a city by id.
func CityByID(id string) (City, bool) {
	g := load()
	i, ok := g.cityIndex[id]
	if !ok {
		return City{}, false
	}
	return g.cities[i], true
}

// RegionByID returns a region by id.
func RegionByID(id string) (Region, bool) {
	g := load()
	i, ok := g.regionIndex[id]
	if !ok {
		return Region{}, false
	}
	return g.regions[i], true
}

// Cities returns every city, in the data file's order (a fresh copy).
func Cities() []City { return append([]City(nil), load().cities...) }

// Regions returns every region, in the data file's order (a fresh copy).
func Regions() []Region { return append([]Region(nil), load().regions...) }
