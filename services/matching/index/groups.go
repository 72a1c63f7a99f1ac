package index

// Cohort is what the exposure report groups a consultant by: country and years of experience.
type Cohort struct {
	Country string
	Years   int
}

// CohortOf reads a live profile's cohort; false for an empty or erased slot.
func (ix *Index) CohortOf(slot int32) (Cohort, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if int(slot) >= ix.slots() || ix.flags[slot]&flagAlive == 0 {
		return Cohort{}, false
	}
	return Cohort{Country: taxonomyCodes.countryIDs[ix.country[slot]], Years: int(ix.years[slot])}, true
}
