package domain

import "github.com/caiomatch/caiomatch/pkg/scoring"

// LocationFit is how close a consultant lives to where an on-site or hybrid mission takes
// place, from the gazetteer ids of both places. The order is the value's: a better fit is
// greater.
type LocationFit int

const (
	LocationElsewhere LocationFit = iota
	// LocationCountry: the consultant lives in the mission's country (a mobility country does
	// not count: it makes the consultant eligible, not close).
	LocationCountry
	LocationRegion
	LocationCity
	// LocationRemote: the mission is fully remote, so where anyone lives does not matter and
	// everyone gets the full value.
	LocationRemote
	locationFitCount
)

// locationValues are the component's values (part of the scoring version): a consultant in
// another city of the mission's region can commute or stay over a few nights a week; one in
// the same country at least shares its language, law and travel network.
var locationValues = [locationFitCount]float64{
	LocationElsewhere: 0, LocationCountry: 0.3, LocationRegion: 0.6, LocationCity: 1, LocationRemote: 1,
}

func (f LocationFit) value() float64 {
	return locationValues[min(max(f, 0), locationFitCount-1)]
}

var locationFitNames = [locationFitCount]scoring.LocationFit{
	LocationElsewhere: scoring.LocationElsewhere, LocationCountry: scoring.LocationCountry,
	LocationRegion: scoring.LocationRegion, LocationCity: scoring.LocationCity, LocationRemote: scoring.LocationRemote,
}

func locationFit(m Mission, p Profile) LocationFit {
	return LocationFitOf(m, p.Country, p.PlaceCity, p.PlaceRegion)
}

// LocationFitOf compares a consultant's place with the mission's, as ids: the same city, else
// the same region, else the consultant's country. A mission that needs no presence fits
// everyone. Unknown places (empty ids) never match, so an unknown city counts at country level.
func LocationFitOf(m Mission, country, city, region string) LocationFit {
	switch {
	case !m.NeedsPresence():
		return LocationRemote
	case m.PlaceCity != "" && city == m.PlaceCity:
		return LocationCity
	case m.PlaceRegion != "" && region == m.PlaceRegion:
		return LocationRegion
	case m.Country != "" && country == m.Country:
		return LocationCountry
	}
	return LocationElsewhere
}

// locationFacts names the mission's place, so that a text can say "lives in the same region
// as the mission (Auvergne-Rhône-Alpes)"; the consultant's own place is never in them.
func locationFacts(m Mission, fit LocationFit) *scoring.Facts {
	f := &scoring.Facts{Location: locationFitNames[fit]}
	if fit != LocationRemote {
		f.City, f.Region, f.Country = m.PlaceCity, m.PlaceRegion, m.Country
	}
	return f
}
