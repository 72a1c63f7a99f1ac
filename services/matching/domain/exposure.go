package domain

import (
	"cmp"
	"slices"
	"strconv"
)

// Exposure is one consultant's place in the spread of proposals over open missions: how many
// open missions they are eligible for, and how many current shortlists hold them.
type Exposure struct {
	Country     string
	Years       int
	Eligible    int
	Appearances int
}

// ExposureFigures are the spread of proposals over a group of consultants.
type ExposureFigures struct {
	// Key is the group: "" for everyone, a country code, or a seniority band.
	Key                     string
	Consultants             int
	EligibleAtLeastOnce     int
	ShortlistedAtLeastOnce  int
	NeverShownWhileEligible int
	// Gini of shortlist appearances over the consultants eligible at least once: 0 when
	// every one of them appears as often, towards 1 when a few take all the places.
	Gini float64
}

// ExposureReport is how evenly proposals spread: overall, by country and by seniority band.
type ExposureReport struct {
	Overall      ExposureFigures
	ByCountry    []ExposureFigures
	BySeniority  []ExposureFigures
	OpenMissions int
}

// SeniorityBands are the report's bands of years of experience, by their lower bound.
var SeniorityBands = []int{0, 10, 15, 20}

// SeniorityBand names the band of years: "0-9", "10-14", "15-19", "20+".
func SeniorityBand(years int) string {
	for i := len(SeniorityBands) - 1; i >= 0; i-- {
		if years >= SeniorityBands[i] {
			if i == len(SeniorityBands)-1 {
				return strconv.Itoa(SeniorityBands[i]) + "+"
			}
			return strconv.Itoa(SeniorityBands[i]) + "-" + strconv.Itoa(SeniorityBands[i+1]-1)
		}
	}
	return strconv.Itoa(SeniorityBands[0]) + "-" + strconv.Itoa(SeniorityBands[1]-1)
}

// NewExposureReport sums the consultants' exposures; groups come in key order.
func NewExposureReport(consultants []Exposure, openMissions int) ExposureReport {
	byCountry, byBand := map[string][]Exposure{}, map[string][]Exposure{}
	for _, c := range consultants {
		byCountry[c.Country] = append(byCountry[c.Country], c)
		band := SeniorityBand(c.Years)
		byBand[band] = append(byBand[band], c)
	}
	groups := func(m map[string][]Exposure) []ExposureFigures {
		out := make([]ExposureFigures, 0, len(m))
		for key, cs := range m {
			out = append(out, figuresOf(key, cs))
		}
		slices.SortFunc(out, func(a, b ExposureFigures) int { return cmp.Compare(a.Key, b.Key) })
		return out
	}
	bands := groups(byBand)
	slices.SortFunc(bands, func(a, b ExposureFigures) int { return cmp.Compare(bandStart(a.Key), bandStart(b.Key)) })
	return ExposureReport{Overall: figuresOf("", consultants), ByCountry: groups(byCountry), BySeniority: bands,
		OpenMissions: openMissions}
}

func bandStart(band string) int {
	n := 0
	for _, r := range band {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func figuresOf(key string, cs []Exposure) ExposureFigures {
	f := ExposureFigures{Key: key, Consultants: len(cs)}
	var appearances []int
	for _, c := range cs {
		if c.Appearances > 0 {
			f.ShortlistedAtLeastOnce++
		}
		if c.Eligible == 0 {
			continue
		}
		f.EligibleAtLeastOnce++
		appearances = append(appearances, c.Appearances)
		if c.Appearances == 0 {
			f.NeverShownWhileEligible++
		}
	}
	f.Gini = Gini(appearances)
	return f
}

// Gini is the Gini coefficient of non-negative counts: the mean absolute difference between
// all pairs over twice the mean, 0 for none or all zero. Rounded to three decimals.
func Gini(counts []int) float64 {
	n := len(counts)
	sorted := slices.Clone(counts)
	slices.Sort(sorted)
	var total, weighted float64
	for i, c := range sorted {
		total += float64(c)
		weighted += float64(2*(i+1)-n-1) * float64(c)
	}
	if n == 0 || total == 0 {
		return 0
	}
	return roundTo(weighted/(float64(n)*total), 3)
}

func roundTo(x float64, decimals int) float64 {
	p := 1.0
	for range decimals {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}
