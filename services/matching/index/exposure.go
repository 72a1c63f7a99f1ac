package index

// AddExposure changes by delta how many open shortlists each profile sits on; counts stay in
// [0,255]. Unknown and erased profiles are ignored.
func (ix *Index) AddExposure(profileIDs []string, delta int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, s := range ix.slotsOf(profileIDs) {
		if ix.flags[s]&flagAlive == 0 {
			continue
		}
		ix.exposure[s] = uint8(min(max(int(ix.exposure[s])+delta, 0), 255))
	}
}

// ResetExposure sets every count to zero, before they are recounted from the shortlists.
func (ix *Index) ResetExposure() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	clear(ix.exposure)
}

// Exposure is how many open shortlists a profile sits on.
func (ix *Index) Exposure(profileID string) int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if s := ix.slotsOf([]string{profileID}); len(s) == 1 {
		return int(ix.exposure[s[0]])
	}
	return 0
}

// Stats describe the index for operators and benchmarks.
type Stats struct {
	Profiles, Erased, Slots int
	// ColumnBytes is the memory of the columns and the id table; SideBytes an estimate of the
	// side tables of the profiles that overflow the columns.
	ColumnBytes, SideBytes int
}

// BytesPerProfile is the index's memory divided by its live profiles.
func (s Stats) BytesPerProfile() float64 {
	if s.Profiles == 0 {
		return 0
	}
	return float64(s.ColumnBytes+s.SideBytes) / float64(s.Profiles)
}

// Stats measures the index.
func (ix *Index) Stats() Stats {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	// id, skill planes and skillAny, divisions, sections, languages, country and mobility,
	// place, flags, rate, years, available day, notice, first booking, months by type, exposure,
	// asOf.
	perSlot := 8*2 + 8*4 + 8*2 + 4 + 8 + 1*3 + 2 + 1 + 2 + 1 + 2 + 2 + 4 + 4 + 1 + 8
	columns := cap(ix.idHi) * perSlot
	side := 0
	for _, l := range ix.languageOverflow {
		side += 48 + 16*len(l)
	}
	for _, m := range ix.mobilityOverflow {
		side += 48 + 16*len(m)
	}
	for _, b := range ix.bookings {
		side += 48 + 4*len(b)
	}
	return Stats{Profiles: ix.alive, Erased: ix.erased, Slots: ix.slots(),
		ColumnBytes: columns + 4*len(ix.table), SideBytes: side}
}
