// Package index is matching's in-memory index of consultants: a million profiles held in
// compact columns (skill level bit planes, sector bitsets, interned languages and countries,
// day numbers, rates), scanned in parallel to rank a mission with the domain's hard rules and
// score. It computes exactly what the domain computes; the domain stays the reference.
package index

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Flags of a slot.
const (
	flagAlive = 1 << iota
	flagErased
	flagOptOut
	flagLanguageOverflow
	flagMobilityOverflow
	flagBookings
	workModeShift = 6 // two bits
)

// maxInternedLanguages is how many languages get a bit; rarer ones live in a side table.
const maxInternedLanguages = 64

// maxPlaces is how many distinct places (a country with a city and its region, a region alone,
// or neither) get a code. Matching admits only gazetteer ids and taxonomy countries, under a
// thousand places, so the limit is never reached; a place beyond it would be stored as code 0.
const maxPlaces = 1 << 16

// Index holds consultants' matching facts, one slot per profile id ever seen. Slots are never
// reused: an erased profile keeps its id (so a late event cannot bring it back) and loses
// every fact.
type Index struct {
	mu sync.RWMutex

	// Columns, one entry per slot.
	idHi, idLo             []uint64 // the UUID, big-endian halves, so ids compare as integers
	skill0, skill1, skill2 []uint64 // bit planes of the skill levels (level = b0 + 2·b1 + 4·b2)
	skillAny               []uint64 // skill0|skill1|skill2: the skills held, for the required-skills filter
	division0, division1   []uint64
	sections               []uint32 // listed sections and the sections of listed divisions
	languages              []uint64 // interned language bits
	country                []uint8
	mobility0, mobility1   []uint8  // up to two mobility countries inline
	place                  []uint16 // interned place (placeIDs), 0 when erased or never put
	flags                  []uint8
	rate                   []uint16
	years                  []uint8
	availableDay           []uint16
	noticeDays             []uint16
	bookingStart           []uint16 // the first booking, inline; bookingEnd 0 means none
	bookingEnd             []uint16
	typeMonths             [][domain.MissionTypeCount - 1]uint8
	exposure               []uint8
	asOf                   []int64

	// Side tables for the rare profiles that do not fit the columns.
	languageOverflow map[int32][]string
	mobilityOverflow map[int32][]string
	bookings         map[int32][]dayPeriod // the bookings after the first

	languageBit map[string]uint
	languageIDs []string

	placeCode map[place]uint16
	placeIDs  []place // index 0 is the unknown place

	table  []int32 // open addressing on the id, slot+1; 0 is empty
	alive  int
	erased int
}

type dayPeriod struct{ start, end uint16 }

// place is where a profile lives: its country (as the country column gives it back) and its
// gazetteer ids, a city and its region, a region alone, or neither. The country is in it too so
// that the location level is one lookup of the place's code.
type place struct{ Country, City, Region string }

// New returns an empty index with room for capacity profiles.
func New(capacity int) *Index {
	ix := &Index{languageOverflow: map[int32][]string{}, mobilityOverflow: map[int32][]string{},
		bookings: map[int32][]dayPeriod{}, languageBit: map[string]uint{}, placeCode: map[place]uint16{{}: 0},
		placeIDs: []place{{}}}
	n := max(capacity, 0)
	ix.idHi, ix.idLo = make([]uint64, 0, n), make([]uint64, 0, n)
	ix.skill0, ix.skill1, ix.skill2 = make([]uint64, 0, n), make([]uint64, 0, n), make([]uint64, 0, n)
	ix.skillAny = make([]uint64, 0, n)
	ix.bookingStart, ix.bookingEnd = make([]uint16, 0, n), make([]uint16, 0, n)
	ix.division0, ix.division1 = make([]uint64, 0, n), make([]uint64, 0, n)
	ix.sections, ix.languages = make([]uint32, 0, n), make([]uint64, 0, n)
	ix.country, ix.mobility0, ix.mobility1 = make([]uint8, 0, n), make([]uint8, 0, n), make([]uint8, 0, n)
	ix.place = make([]uint16, 0, n)
	ix.flags, ix.rate, ix.years = make([]uint8, 0, n), make([]uint16, 0, n), make([]uint8, 0, n)
	ix.availableDay, ix.noticeDays = make([]uint16, 0, n), make([]uint16, 0, n)
	ix.typeMonths = make([][domain.MissionTypeCount - 1]uint8, 0, n)
	ix.exposure, ix.asOf = make([]uint8, 0, n), make([]int64, 0, n)
	ix.grow(n)
	return ix
}

// Len is the number of live (not erased) profiles.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.alive
}

// ParseID reads a profile id, which must be a UUID.
func ParseID(id string) (hi, lo uint64, err error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return 0, 0, fmt.Errorf("profile id %q is not a UUID", id)
	}
	return binary.BigEndian.Uint64(u[:8]), binary.BigEndian.Uint64(u[8:]), nil
}

func formatID(hi, lo uint64) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], hi)
	binary.BigEndian.PutUint64(u[8:], lo)
	return u.String()
}

func hashID(hi, lo uint64) uint64 {
	return (hi*0x9E3779B97F4A7C15 ^ lo) * 0xC2B2AE3D27D4EB4F
}

// find returns the slot of an id, -1 when unknown.
func (ix *Index) find(hi, lo uint64) int32 {
	mask := uint64(len(ix.table) - 1)
	for h := hashID(hi, lo) & mask; ; h = (h + 1) & mask {
		s := ix.table[h]
		if s == 0 {
			return -1
		}
		if ix.idHi[s-1] == hi && ix.idLo[s-1] == lo {
			return s - 1
		}
	}
}

func (ix *Index) insertTable(slot int32) {
	mask := uint64(len(ix.table) - 1)
	h := hashID(ix.idHi[slot], ix.idLo[slot]) & mask
	for ix.table[h] != 0 {
		h = (h + 1) & mask
	}
	ix.table[h] = slot + 1
}

// grow keeps the table at most half full, so probes stay short.
func (ix *Index) grow(capacity int) {
	size := 1024
	for size < 2*capacity {
		size <<= 1
	}
	if size <= len(ix.table) {
		return
	}
	ix.table = make([]int32, size)
	for s := range ix.idHi {
		ix.insertTable(int32(s))
	}
}

func (ix *Index) slots() int { return len(ix.idHi) }

// newSlot appends a zeroed slot for an id.
func (ix *Index) newSlot(hi, lo uint64) int32 {
	if 2*(ix.slots()+1) > len(ix.table) {
		ix.grow(2 * (ix.slots() + 1))
	}
	s := int32(ix.slots())
	ix.idHi, ix.idLo = append(ix.idHi, hi), append(ix.idLo, lo)
	ix.skill0, ix.skill1, ix.skill2 = append(ix.skill0, 0), append(ix.skill1, 0), append(ix.skill2, 0)
	ix.skillAny = append(ix.skillAny, 0)
	ix.bookingStart, ix.bookingEnd = append(ix.bookingStart, 0), append(ix.bookingEnd, 0)
	ix.division0, ix.division1 = append(ix.division0, 0), append(ix.division1, 0)
	ix.sections, ix.languages = append(ix.sections, 0), append(ix.languages, 0)
	ix.country, ix.mobility0, ix.mobility1 = append(ix.country, 0), append(ix.mobility0, 0), append(ix.mobility1, 0)
	ix.place = append(ix.place, 0)
	ix.flags, ix.rate, ix.years = append(ix.flags, 0), append(ix.rate, 0), append(ix.years, 0)
	ix.availableDay, ix.noticeDays = append(ix.availableDay, 0), append(ix.noticeDays, 0)
	ix.typeMonths = append(ix.typeMonths, [domain.MissionTypeCount - 1]uint8{})
	ix.exposure, ix.asOf = append(ix.exposure, 0), append(ix.asOf, 0)
	ix.insertTable(s)
	return s
}

// Put stores a profile's facts as of asOf. It reports false, changing nothing, when the index
// holds newer facts or the profile was erased. The exposure count of a profile is kept.
func (ix *Index) Put(p domain.Profile, asOf time.Time) (bool, error) {
	hi, lo, err := ParseID(p.ID)
	if err != nil {
		return false, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	s := ix.find(hi, lo)
	switch {
	case s < 0:
		s = ix.newSlot(hi, lo)
	case ix.flags[s]&flagErased != 0 || ix.asOf[s] > asOf.UnixNano():
		return false, nil
	}
	if ix.flags[s]&flagAlive == 0 {
		ix.alive++
	}
	ix.clearFacts(s)
	ix.asOf[s] = asOf.UnixNano()
	ix.write(s, p)
	return true, nil
}

// Erase drops a profile's facts for good; its id stays known as erased. It reports whether the
// profile was live.
func (ix *Index) Erase(id string) (bool, error) {
	hi, lo, err := ParseID(id)
	if err != nil {
		return false, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	s := ix.find(hi, lo)
	if s < 0 {
		s = ix.newSlot(hi, lo)
	}
	if ix.flags[s]&flagErased != 0 {
		return false, nil
	}
	wasAlive := ix.flags[s]&flagAlive != 0
	if wasAlive {
		ix.alive--
	}
	ix.clearFacts(s)
	ix.exposure[s] = 0
	ix.flags[s] = flagErased
	ix.erased++
	return wasAlive, nil
}

func (ix *Index) clearFacts(s int32) {
	ix.skill0[s], ix.skill1[s], ix.skill2[s], ix.skillAny[s] = 0, 0, 0, 0
	ix.bookingStart[s], ix.bookingEnd[s] = 0, 0
	ix.division0[s], ix.division1[s], ix.sections[s], ix.languages[s] = 0, 0, 0, 0
	ix.country[s], ix.mobility0[s], ix.mobility1[s], ix.flags[s] = 0, 0, 0, 0
	ix.place[s] = 0
	ix.rate[s], ix.years[s], ix.availableDay[s], ix.noticeDays[s] = 0, 0, 0, 0
	ix.typeMonths[s] = [domain.MissionTypeCount - 1]uint8{}
	delete(ix.languageOverflow, s)
	delete(ix.mobilityOverflow, s)
	delete(ix.bookings, s)
}

func (ix *Index) write(s int32, p domain.Profile) {
	c := taxonomyCodes
	for _, sk := range p.Skills {
		b, ok := c.skillBit[sk.ID]
		if !ok || sk.Level <= 0 {
			continue
		}
		level := uint64(min(sk.Level, 7))
		ix.skill0[s] |= (level & 1) << b
		ix.skill1[s] |= (level >> 1 & 1) << b
		ix.skill2[s] |= (level >> 2 & 1) << b
	}
	for _, id := range p.Sectors {
		if b, ok := c.divisionBit[id]; ok {
			if b < 64 {
				ix.division0[s] |= 1 << b
			} else {
				ix.division1[s] |= 1 << (b - 64)
			}
			ix.sections[s] |= 1 << c.sectionOfDivision[b]
		} else if b, ok := c.sectionBit[id]; ok {
			ix.sections[s] |= 1 << b
		}
	}
	var overflow []string
	for _, l := range p.Languages {
		b, ok := ix.languageBit[l]
		if !ok && len(ix.languageIDs) < maxInternedLanguages {
			b, ok = uint(len(ix.languageIDs)), true
			ix.languageBit[l] = b
			ix.languageIDs = append(ix.languageIDs, l)
		}
		if ok {
			ix.languages[s] |= 1 << b
		} else if !slices.Contains(overflow, l) {
			overflow = append(overflow, l)
		}
	}
	flags := uint8(flagAlive) | uint8(p.WorkMode&3)<<workModeShift
	if len(overflow) > 0 {
		ix.languageOverflow[s] = overflow
		flags |= flagLanguageOverflow
	}
	ix.country[s] = c.countryCode[p.Country]
	ix.place[s] = ix.placeCodeOf(place{c.countryIDs[ix.country[s]], p.PlaceCity, p.PlaceRegion})
	mobility := slices.Clone(p.MobilityCountries)
	if len(mobility) > 0 {
		ix.mobility0[s] = c.countryCode[mobility[0]]
	}
	if len(mobility) > 1 {
		ix.mobility1[s] = c.countryCode[mobility[1]]
	}
	if len(mobility) > 2 {
		ix.mobilityOverflow[s] = mobility[2:]
		flags |= flagMobilityOverflow
	}
	// A booking that ended before the column's epoch can never overlap a mission: dropped.
	var periods []dayPeriod
	for _, b := range p.Bookings {
		if end := dayOf(b.End); end > 0 {
			periods = append(periods, dayPeriod{uint16(dayOf(b.Start)), uint16(end)})
		}
	}
	if len(periods) > 0 {
		ix.bookingStart[s], ix.bookingEnd[s] = periods[0].start, periods[0].end
	}
	if len(periods) > 1 {
		ix.bookings[s] = periods[1:]
		flags |= flagBookings
	}
	if p.ProfilingOptOut {
		flags |= flagOptOut
	}
	ix.skillAny[s] = ix.skill0[s] | ix.skill1[s] | ix.skill2[s]
	ix.flags[s] = flags
	ix.rate[s] = uint16(min(max(p.DailyRateEUR, 0), 1<<16-1))
	ix.years[s] = uint8(min(max(p.YearsExperience, 0), 255))
	ix.availableDay[s] = uint16(dayOf(p.AvailableFrom))
	ix.noticeDays[s] = uint16(min(max(p.NoticePeriodDays, 0), 1<<16-1))
	for t := 1; t < domain.MissionTypeCount; t++ {
		ix.typeMonths[s][t-1] = uint8(min(max(p.MonthsByMissionType[t], 0), 255))
	}
}

// placeCodeOf interns a place.
func (ix *Index) placeCodeOf(pl place) uint16 {
	code, ok := ix.placeCode[pl]
	if !ok && len(ix.placeIDs) < maxPlaces {
		code = uint16(len(ix.placeIDs))
		ix.placeCode[pl] = code
		ix.placeIDs = append(ix.placeIDs, pl)
	}
	return code
}

// Profile rebuilds a live profile's facts from the columns, as the domain sees them: sectors
// come back as the listed divisions plus the sections listed without any of their divisions.
// The second result is false for an unknown or erased profile; Erased tells them apart.
func (ix *Index) Profile(id string) (domain.Profile, bool) {
	hi, lo, err := ParseID(id)
	if err != nil {
		return domain.Profile{}, false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := ix.find(hi, lo)
	if s < 0 || ix.flags[s]&flagAlive == 0 {
		return domain.Profile{}, false
	}
	return ix.profileAt(s), true
}

// Erased reports whether a profile was erased.
func (ix *Index) Erased(id string) bool {
	hi, lo, err := ParseID(id)
	if err != nil {
		return false
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := ix.find(hi, lo)
	return s >= 0 && ix.flags[s]&flagErased != 0
}

func (ix *Index) profileAt(s int32) domain.Profile {
	c := taxonomyCodes
	p := domain.Profile{ID: formatID(ix.idHi[s], ix.idLo[s])}
	for b, id := range c.skillIDs {
		level := int(ix.skill0[s]>>b&1 | (ix.skill1[s]>>b&1)<<1 | (ix.skill2[s]>>b&1)<<2)
		if level > 0 {
			p.Skills = append(p.Skills, domain.SkillLevel{ID: id, Level: level})
		}
	}
	var implied uint32
	for b, id := range c.divisionIDs {
		var set bool
		if b < 64 {
			set = ix.division0[s]>>b&1 == 1
		} else {
			set = ix.division1[s]>>(b-64)&1 == 1
		}
		if set {
			p.Sectors = append(p.Sectors, id)
			implied |= 1 << c.sectionOfDivision[b]
		}
	}
	for b, id := range c.sectionIDs {
		if ix.sections[s]&^implied>>b&1 == 1 {
			p.Sectors = append(p.Sectors, id)
		}
	}
	for langs := ix.languages[s]; langs != 0; langs &= langs - 1 {
		p.Languages = append(p.Languages, ix.languageIDs[bits.TrailingZeros64(langs)])
	}
	p.Languages = append(p.Languages, ix.languageOverflow[s]...)
	p.Country = c.countryIDs[ix.country[s]]
	pl := ix.placeIDs[ix.place[s]]
	p.PlaceCity, p.PlaceRegion = pl.City, pl.Region
	for _, m := range []uint8{ix.mobility0[s], ix.mobility1[s]} {
		if m != 0 {
			p.MobilityCountries = append(p.MobilityCountries, c.countryIDs[m])
		}
	}
	p.MobilityCountries = append(p.MobilityCountries, ix.mobilityOverflow[s]...)
	if ix.bookingEnd[s] != 0 {
		p.Bookings = append(p.Bookings, domain.Period{Start: dateOf(int(ix.bookingStart[s])), End: dateOf(int(ix.bookingEnd[s]))})
	}
	for _, b := range ix.bookings[s] {
		p.Bookings = append(p.Bookings, domain.Period{Start: dateOf(int(b.start)), End: dateOf(int(b.end))})
	}
	f := ix.flags[s]
	p.WorkMode = domain.WorkMode(f >> workModeShift & 3)
	p.ProfilingOptOut = f&flagOptOut != 0
	p.DailyRateEUR = int(ix.rate[s])
	p.YearsExperience = int(ix.years[s])
	p.AvailableFrom = dateOf(int(ix.availableDay[s]))
	p.NoticePeriodDays = int(ix.noticeDays[s])
	for t := 1; t < domain.MissionTypeCount; t++ {
		p.MonthsByMissionType[t] = int(ix.typeMonths[s][t-1])
	}
	return p
}

// CanonicalID is a profile id in the one spelling the index writes back: lower-case UUID.
func CanonicalID(id string) (string, error) {
	hi, lo, err := ParseID(id)
	if err != nil {
		return "", err
	}
	return formatID(hi, lo), nil
}
