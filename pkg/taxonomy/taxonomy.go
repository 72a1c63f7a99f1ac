// Package taxonomy holds the reference data every caiomatch request is
// validated against: NACE Rev. 2.1 sectors (sections and divisions), the
// Chief AI Officer skill catalogue, ISO 639-1 language codes and ISO 3166-1
// alpha-2 country codes.
//
// Sectors and skills live in embedded JSON files (sectors.json, skills.json)
// parsed once on first use. All lookups are map-based, and every slice
// returned is a fresh copy, so callers cannot alter the shared data. Every
// sector, skill and skill category has an English and a French name, so text
// written for people never has to show a code.
package taxonomy

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// Sector is a NACE Rev. 2.1 section ("C") or division ("C21").
type Sector struct {
	ID       string
	Name     string
	NameFr   string // the official French title (NACE Rév. 2.1 / NAF), adapted where Rev. 2.1 differs
	ParentID string // section letter for a division, "" for a section
}

// NameIn returns the sector's name in lang: French for "fr", English otherwise.
func (s Sector) NameIn(lang string) string { return inLanguage(lang, s.Name, s.NameFr) }

// Skill is an entry of the Chief AI Officer skill catalogue.
type Skill struct {
	ID         string
	Name       string
	NameFr     string
	Category   string
	CategoryFr string
}

// NameIn returns the skill's name in lang: French for "fr", English otherwise.
func (s Skill) NameIn(lang string) string { return inLanguage(lang, s.Name, s.NameFr) }

// CategoryIn returns the skill's category in lang: French for "fr", English otherwise.
func (s Skill) CategoryIn(lang string) string { return inLanguage(lang, s.Category, s.CategoryFr) }

// French is the only language besides English that names are written in; any other lang
// falls back to English, so a caller never gets an empty name.
func inLanguage(lang, en, fr string) string {
	if lang == "fr" {
		return fr
	}
	return en
}

var (
	//go:embed sectors.json
	sectorsJSON []byte
	//go:embed skills.json
	skillsJSON []byte
)

type catalog struct {
	sectors     []Sector // sections, each followed by its divisions, in code order
	sectorIndex map[string]Sector
	skills      []Skill // by category, then id
	skillIndex  map[string]Skill
}

// load parses the embedded data exactly once. The data is compiled into the
// binary and checked by the package tests, so a failure here means a broken
// build and is reported by panicking.
var load = sync.OnceValue(func() *catalog {
	c, err := parse(sectorsJSON, skillsJSON)
	if err != nil {
		panic("taxonomy: corrupt embedded data: " + err.Error())
	}
	return c
})

type sectorsFile struct {
	Sections []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		NameFr    string `json:"nameFr"`
		Divisions []struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			NameFr string `json:"nameFr"`
		} `json:"divisions"`
	} `json:"sections"`
}

// skillsFile names each category once, in "categories", so a category cannot be translated
// two ways by two of its skills.
type skillsFile struct {
	Categories []struct {
		Name   string `json:"name"`
		NameFr string `json:"nameFr"`
	} `json:"categories"`
	Skills []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		NameFr   string `json:"nameFr"`
		Category string `json:"category"`
	} `json:"skills"`
}

func parse(sectorsData, skillsData []byte) (*catalog, error) {
	var sf sectorsFile
	if err := json.Unmarshal(sectorsData, &sf); err != nil {
		return nil, fmt.Errorf("sectors.json: %w", err)
	}
	var kf skillsFile
	if err := json.Unmarshal(skillsData, &kf); err != nil {
		return nil, fmt.Errorf("skills.json: %w", err)
	}
	if len(sf.Sections) == 0 {
		return nil, fmt.Errorf("sectors.json: no sections")
	}
	if len(kf.Skills) == 0 {
		return nil, fmt.Errorf("skills.json: no skills")
	}

	c := &catalog{sectorIndex: make(map[string]Sector), skillIndex: make(map[string]Skill, len(kf.Skills))}
	add := func(s Sector) error {
		if s.Name == "" || s.NameFr == "" {
			return fmt.Errorf("sectors.json: %q lacks its English or French name", s.ID)
		}
		if _, dup := c.sectorIndex[s.ID]; dup {
			return fmt.Errorf("sectors.json: duplicate id %q", s.ID)
		}
		c.sectorIndex[s.ID] = s
		c.sectors = append(c.sectors, s)
		return nil
	}
	lastDivision := ""
	for _, sec := range sf.Sections {
		if !isSectionID(sec.ID) {
			return nil, fmt.Errorf("sectors.json: bad section id %q", sec.ID)
		}
		if err := add(Sector{ID: sec.ID, Name: sec.Name, NameFr: sec.NameFr}); err != nil {
			return nil, err
		}
		if len(sec.Divisions) == 0 {
			return nil, fmt.Errorf("sectors.json: section %q has no divisions", sec.ID)
		}
		for _, div := range sec.Divisions {
			if !isDivisionID(div.ID) || div.ID[:1] != sec.ID {
				return nil, fmt.Errorf("sectors.json: bad division id %q in section %q", div.ID, sec.ID)
			}
			// Division codes increase across the whole classification.
			if div.ID[1:] <= lastDivision {
				return nil, fmt.Errorf("sectors.json: division %q out of code order", div.ID)
			}
			lastDivision = div.ID[1:]
			if err := add(Sector{ID: div.ID, Name: div.Name, NameFr: div.NameFr, ParentID: sec.ID}); err != nil {
				return nil, err
			}
		}
	}

	categoriesFr := make(map[string]string, len(kf.Categories))
	for _, cat := range kf.Categories {
		if cat.Name == "" || cat.NameFr == "" {
			return nil, fmt.Errorf("skills.json: category %q lacks its English or French name", cat.Name)
		}
		if _, dup := categoriesFr[cat.Name]; dup {
			return nil, fmt.Errorf("skills.json: duplicate category %q", cat.Name)
		}
		categoriesFr[cat.Name] = cat.NameFr
	}
	usedCategories := make(map[string]bool, len(categoriesFr))
	for _, k := range kf.Skills {
		if !isSkillID(k.ID) {
			return nil, fmt.Errorf("skills.json: bad skill id %q", k.ID)
		}
		if k.Name == "" || k.NameFr == "" || k.Category == "" {
			return nil, fmt.Errorf("skills.json: %q lacks its English name, French name or category", k.ID)
		}
		categoryFr, ok := categoriesFr[k.Category]
		if !ok {
			return nil, fmt.Errorf("skills.json: %q is in category %q, which is not listed in categories", k.ID, k.Category)
		}
		usedCategories[k.Category] = true
		if _, dup := c.skillIndex[k.ID]; dup {
			return nil, fmt.Errorf("skills.json: duplicate id %q", k.ID)
		}
		s := Skill{ID: k.ID, Name: k.Name, NameFr: k.NameFr, Category: k.Category, CategoryFr: categoryFr}
		c.skillIndex[s.ID] = s
		c.skills = append(c.skills, s)
	}
	for name := range categoriesFr {
		if !usedCategories[name] {
			return nil, fmt.Errorf("skills.json: category %q has no skills", name)
		}
	}
	slices.SortStableFunc(c.skills, func(a, b Skill) int {
		return cmp.Or(cmp.Compare(a.Category, b.Category), cmp.Compare(a.ID, b.ID))
	})
	return c, nil
}

func isSectionID(id string) bool {
	return len(id) == 1 && id[0] >= 'A' && id[0] <= 'Z'
}

func isDivisionID(id string) bool {
	return len(id) == 3 && isSectionID(id[:1]) && isDigit(id[1]) && isDigit(id[2])
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// isSkillID accepts kebab-case: lower-case letters and digits in
// non-empty runs separated by single hyphens.
func isSkillID(id string) bool {
	if id == "" || id[0] == '-' || id[len(id)-1] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', isDigit(b):
		case b == '-' && id[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// Sectors returns every NACE Rev. 2.1 section, each followed by its
// divisions, in code order (A, A01, A02, A03, B, B05, ...). The slice is a
// copy owned by the caller.
func Sectors() []Sector {
	return slices.Clone(load().sectors)
}

// Skills returns the skill catalogue sorted by category, then id. The slice
// is a copy owned by the caller.
func Skills() []Skill {
	return slices.Clone(load().skills)
}

// SectorByID returns the section or division with the given id ("C",
// "C21"). Ids are case-sensitive.
func SectorByID(id string) (Sector, bool) {
	s, ok := load().sectorIndex[id]
	return s, ok
}

// SkillByID returns the skill with the given kebab-case id.
func SkillByID(id string) (Skill, bool) {
	s, ok := load().skillIndex[id]
	return s, ok
}

// SectorName returns the name in lang ("fr" or English) of a sector, or the id itself when it
// is unknown, so text built from stored ids still reads when the classification moves on.
func SectorName(id, lang string) string {
	if s, ok := SectorByID(id); ok {
		return s.NameIn(lang)
	}
	return id
}

// SkillName returns the name in lang ("fr" or English) of a skill, or the id itself when it is
// unknown.
func SkillName(id, lang string) string {
	if s, ok := SkillByID(id); ok {
		return s.NameIn(lang)
	}
	return id
}

// IsSection reports whether id is a known NACE section letter.
func IsSection(id string) bool {
	s, ok := load().sectorIndex[id]
	return ok && s.ParentID == ""
}

// SectionOf returns the section letter of a known sector id: "C21" -> "C",
// "C" -> "C". It returns "" for an unknown id.
func SectionOf(sectorID string) string {
	s, ok := load().sectorIndex[sectorID]
	switch {
	case !ok:
		return ""
	case s.ParentID == "":
		return s.ID
	default:
		return s.ParentID
	}
}
