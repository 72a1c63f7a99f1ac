package domain

import (
	"math"
	"math/rand/v2"
	"testing"
)

// giniPairs is the definition: the mean absolute difference over all pairs, over twice the mean.
func giniPairs(counts []int) float64 {
	n := float64(len(counts))
	var sum, diff float64
	for _, a := range counts {
		sum += float64(a)
		for _, b := range counts {
			diff += math.Abs(float64(a - b))
		}
	}
	if n == 0 || sum == 0 {
		return 0
	}
	return diff / (2 * n * sum)
}

func TestGini(t *testing.T) {
	for _, c := range []struct {
		counts []int
		want   float64
	}{
		{nil, 0}, {[]int{0, 0, 0}, 0}, {[]int{3, 3, 3}, 0}, {[]int{0, 0, 0, 4}, 0.75}, {[]int{1, 2, 3, 4}, 0.25},
	} {
		if got := Gini(c.counts); got != c.want {
			t.Errorf("Gini(%v) = %v, want %v", c.counts, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		counts := make([]int, 1+r.IntN(40))
		for i := range counts {
			counts[i] = r.IntN(6)
		}
		if got, want := Gini(counts), giniPairs(counts); math.Abs(got-want) > 0.0006 {
			t.Fatalf("Gini(%v) = %v, the pairwise definition gives %v", counts, got, want)
		}
	}
}

func TestExposureReportGroupsAndCounts(t *testing.T) {
	r := NewExposureReport([]Exposure{
		{Country: "FR", Years: 8, Eligible: 2, Appearances: 2},
		{Country: "FR", Years: 12, Eligible: 1, Appearances: 0},
		{Country: "DE", Years: 25, Eligible: 0, Appearances: 0},
		{Country: "DE", Years: 16, Eligible: 3, Appearances: 1},
	}, 3)
	o := r.Overall
	if o.Consultants != 4 || o.EligibleAtLeastOnce != 3 || o.ShortlistedAtLeastOnce != 2 || o.NeverShownWhileEligible != 1 ||
		o.Gini != Gini([]int{2, 0, 1}) || r.OpenMissions != 3 {
		t.Fatalf("overall %+v", o)
	}
	if len(r.ByCountry) != 2 || r.ByCountry[0].Key != "DE" || r.ByCountry[0].EligibleAtLeastOnce != 1 ||
		r.ByCountry[1].Key != "FR" || r.ByCountry[1].NeverShownWhileEligible != 1 {
		t.Fatalf("by country %+v", r.ByCountry)
	}
	var bands []string
	for _, b := range r.BySeniority {
		bands = append(bands, b.Key)
	}
	if len(bands) != 4 || bands[0] != "0-9" || bands[1] != "10-14" || bands[2] != "15-19" || bands[3] != "20+" {
		t.Fatalf("bands %v", bands)
	}
}
