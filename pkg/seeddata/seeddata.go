// Package seeddata generates realistic but fake consultants and missions: demos, load tests and
// benchmarks use it to fill the platform. Output depends only on the seed and the given day, so
// a run can be reproduced. Names are common first and last names drawn at random, emails are at
// example.org and example.com (reserved domains), headlines carry no personal data.
//
// Profiles and missions come from two independent random streams: the missions of a seed are
// the same however many profiles were drawn before them, and the other way round. The city
// each one names within its home city's region comes from two more streams, so that adding
// places changed nothing else that is drawn.
package seeddata

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
)

// Generator draws profiles and missions. It is not safe for concurrent use: draw first, then
// send from as many goroutines as needed.
type Generator struct {
	today    time.Time
	profiles *rand.Rand
	missions *rand.Rand
	// profilePlaces and missionPlaces choose the city typed, within the drawn city's region.
	profilePlaces *rand.Rand
	missionPlaces *rand.Rand
	emails        map[string]int // email local part -> how many times it was handed out
}

// Stream selectors of the two PCG generators (any fixed, distinct values).
const (
	profileStream = 0x70726f66696c6573 // "profiles"
	missionStream = 0x6d697373696f6e73 // "missions"
	profilePlaces = 0x70506c61636573   // "pPlaces"
	missionPlaces = 0x6d506c61636573   // "mPlaces"
)

// New returns a generator for seed. today is the reference day of every date drawn
// (availability, mission start, bookings, past missions), taken as its UTC calendar date.
func New(seed uint64, today time.Time) *Generator {
	return &Generator{
		today:         dates.Today(today),
		profiles:      rand.New(rand.NewPCG(seed, profileStream)),
		missions:      rand.New(rand.NewPCG(seed, missionStream)),
		profilePlaces: rand.New(rand.NewPCG(seed, profilePlaces)),
		missionPlaces: rand.New(rand.NewPCG(seed, missionPlaces)),
		emails:        map[string]int{},
	}
}

// Today is the day the generator's dates are relative to, midnight UTC.
func (g *Generator) Today() time.Time { return g.today }

// firmNames are invented group names.
var firmNames = []string{
	"Groupe Atlas", "Lumen Industries", "Helios Énergie", "Vega Santé", "Orion Télécom", "Boréal Agro",
	"Cassini Aéronautique", "Nova Banque Privée", "Mistral Commerce", "Polaris Assurances",
	"Ardent Logistique", "Sirius Pharma", "Azur Mutuelle", "Céleste Distribution", "Meridian Rail",
}

// FirmName is the i-th invented firm name (i ≥ 0); names repeat with a number after the list.
func FirmName(i int) string {
	name := firmNames[i%len(firmNames)]
	if n := i / len(firmNames); n > 0 {
		name += " " + strconv.Itoa(n+1)
	}
	return name
}

// email hands out first.last@domain, numbered from the second time a name comes up.
func (g *Generator) email(first, last, domain string) string {
	local := slug(first) + "." + slug(last)
	g.emails[local]++
	if n := g.emails[local]; n > 1 {
		local += strconv.Itoa(n)
	}
	return local + "@" + domain
}

var asciiFold = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"í", "i", "ì", "i", "î", "i", "ï", "i", "ñ", "n", "ó", "o", "ò", "o", "ô", "o", "ö", "o", "õ", "o",
	"ú", "u", "ù", "u", "û", "u", "ü", "u", "œ", "oe", "æ", "ae", "ß", "ss",
)

// slug turns a name into the lower-case ASCII letters of an email local part: "Émilie" ->
// "emilie", "van den Berg" -> "vandenberg", "O'Brien" -> "obrien".
func slug(name string) string {
	folded := asciiFold.Replace(strings.ToLower(name))
	var b strings.Builder
	for _, c := range folded {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Random helpers. Every draw goes through the generator's own streams.

// between draws an integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int { return lo + r.IntN(hi-lo+1) }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted draws an index in [0, n) with probability proportional to weight(i).
func weighted(r *rand.Rand, n int, weight func(i int) int) int {
	total := 0
	for i := range n {
		total += weight(i)
	}
	x := r.IntN(total)
	for i := range n {
		if x -= weight(i); x < 0 {
			return i
		}
	}
	panic(fmt.Sprintf("seeddata: weighted draw out of range (total %d)", total))
}

// choice is a value with a weight.
type choice[T any] struct {
	v T
	w int
}

func weightedChoice[T any](r *rand.Rand, cs []choice[T]) T {
	return cs[weighted(r, len(cs), func(i int) int { return cs[i].w })].v
}

// sample draws k distinct elements of xs (all of them when k ≥ len(xs)), in random order.
func sample(r *rand.Rand, xs []string, k int) []string {
	k = min(k, len(xs))
	out := make([]string, 0, k)
	for _, i := range r.Perm(len(xs))[:k] {
		out = append(out, xs[i])
	}
	return out
}

// sectorOf draws a division of f, the most typical ones (listed first) more often.
func sectorOf(r *rand.Rand, f family) string {
	n := len(f.sectors)
	return f.sectors[weighted(r, n, func(i int) int { return 2 * (n - i) })]
}

func familyIndex(r *rand.Rand) int {
	return weighted(r, len(families), func(i int) int { return families[i].weight })
}

func cityOf(r *rand.Rand, keep func(city) bool) city {
	return cities[weighted(r, len(cities), func(i int) int {
		if keep != nil && !keep(cities[i]) {
			return 0
		}
		return cities[i].weight
	})]
}

// placeName is the city typed for someone or something in home: mostly home itself, sometimes
// another place of its region, rarely a town the gazetteer does not know (in France) or nothing.
func placeName(r *rand.Rand, home city) string {
	switch x := r.Float64(); {
	case x < 0.02:
		return ""
	case x < 0.04 && home.country == "FR":
		return unknownTown
	case x < 0.25 && len(sameRegion[home.name]) > 0:
		return pick(r, sameRegion[home.name])
	}
	return home.name
}

// appendNew appends the ids of add not yet in list.
func appendNew(list []string, add ...string) []string {
	for _, id := range add {
		if !slices.Contains(list, id) {
			list = append(list, id)
		}
	}
	return list
}

func (g *Generator) date(offsetDays int) string {
	return dates.Format(g.today.AddDate(0, 0, offsetDays))
}
