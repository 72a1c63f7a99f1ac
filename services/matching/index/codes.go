package index

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// Fixed codes of the taxonomy: a skill is a bit of a uint64, a division a bit of two uint64, a
// section a bit of a uint32 and a country a byte (0 for none). They are computed once from the
// taxonomy, whose order is stable.
type codes struct {
	skillBit    map[string]uint
	skillIDs    []string
	divisionBit map[string]uint
	divisionIDs []string
	sectionBit  map[string]uint
	sectionIDs  []string
	// sectionOfDivision is the section bit of each division bit.
	sectionOfDivision []uint
	countryCode       map[string]uint8
	countryIDs        []string // index 0 is ""
}

var taxonomyCodes = func() *codes {
	c := &codes{skillBit: map[string]uint{}, divisionBit: map[string]uint{}, sectionBit: map[string]uint{},
		countryCode: map[string]uint8{}, countryIDs: []string{""}}
	for _, s := range taxonomy.Skills() {
		c.skillBit[s.ID] = uint(len(c.skillIDs))
		c.skillIDs = append(c.skillIDs, s.ID)
	}
	for _, s := range taxonomy.Sectors() {
		if s.ParentID == "" {
			c.sectionBit[s.ID] = uint(len(c.sectionIDs))
			c.sectionIDs = append(c.sectionIDs, s.ID)
		}
	}
	for _, s := range taxonomy.Sectors() {
		if s.ParentID != "" {
			c.divisionBit[s.ID] = uint(len(c.divisionIDs))
			c.divisionIDs = append(c.divisionIDs, s.ID)
			c.sectionOfDivision = append(c.sectionOfDivision, c.sectionBit[s.ParentID])
		}
	}
	for _, code := range taxonomy.Countries() {
		c.countryCode[code] = uint8(len(c.countryIDs))
		c.countryIDs = append(c.countryIDs, code)
	}
	if len(c.skillIDs) > 64 || len(c.divisionIDs) > 128 || len(c.sectionIDs) > 32 || len(c.countryIDs) > 256 {
		panic("index: the taxonomy outgrew the index's fixed-width codes")
	}
	return c
}()

// epoch is day 0 of the date columns; a uint16 of days reaches 2179.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const maxDay = 1<<16 - 1

// dayOf is the day number of a UTC date, clamped to the column's range.
func dayOf(t time.Time) int {
	d := int(t.Sub(epoch).Hours()) / 24
	if t.Before(epoch) {
		return 0
	}
	return min(d, maxDay)
}

func dateOf(day int) time.Time { return epoch.AddDate(0, 0, day) }
