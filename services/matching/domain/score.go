package domain

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// ScoringVersion names the weight set below. Change it whenever a weight, a component or a
// component's formula changes: every proposal records the version it was scored with.
const ScoringVersion = "foundation-2026-11"

// Component names and weights of ScoringVersion; the weights add up to 1, so a score is in
// [0,1].
const (
	ComponentSkills = "skills"
	ComponentSector = "sector"

	WeightSkills = 0.6
	WeightSector = 0.4

	// niceToHaveFactor is how much a nice-to-have skill counts against a required one.
	niceToHaveFactor = 0.5
	maxSkillLevel    = 5
)

// Component is one named part of a score: it adds Weight × Value, Value in [0,1].
type Component struct {
	Name   string
	Weight float64
	Value  float64
	Detail string
}

// Explanation is why an eligible consultant got their score.
type Explanation struct {
	Components []Component
	// MatchedSkills are the required and nice-to-have skills the consultant has, in the
	// mission's order (required first).
	MatchedSkills []string
	// MissingSkills are the nice-to-have skills the consultant lacks.
	MissingSkills []string
}

// score computes the components of an eligible profile and their weighted sum.
func score(m Mission, p Profile) (float64, Explanation) {
	skills, matched, missing := skillsComponent(m, p)
	components := []Component{skills, sectorComponent(m, p)}
	total := 0.0
	for i := range components {
		components[i].Value = roundScore(components[i].Value)
		total += components[i].Weight * components[i].Value
	}
	return roundScore(total), Explanation{Components: components, MatchedSkills: matched, MissingSkills: missing}
}

// roundScore keeps six decimals, so that what firms read (0.82, not 0.8200000000000001) is
// exactly what ranking compared.
func roundScore(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// skillsComponent is the coverage of the asked skills weighted by level:
// (Σ required level/5 + 0.5 × Σ nice-to-have level/5) / (#required + 0.5 × #nice-to-have).
// A mission that asks for no skill is fully covered.
func skillsComponent(m Mission, p Profile) (c Component, matched, missing []string) {
	var sum float64
	var parts []string
	for _, id := range m.RequiredSkills {
		level := p.SkillLevel(id)
		sum += float64(level) / maxSkillLevel
		if level > 0 {
			matched = append(matched, id)
		}
		parts = append(parts, fmt.Sprintf("%s %d/%d", id, level, maxSkillLevel))
	}
	var niceSum float64
	var niceParts []string
	for _, id := range m.NiceToHaveSkills {
		level := p.SkillLevel(id)
		if level == 0 {
			missing = append(missing, id)
			niceParts = append(niceParts, id+" missing")
			continue
		}
		niceSum += float64(level) / maxSkillLevel
		matched = append(matched, id)
		niceParts = append(niceParts, fmt.Sprintf("%s %d/%d", id, level, maxSkillLevel))
	}
	value := 1.0
	if denom := float64(len(m.RequiredSkills)) + niceToHaveFactor*float64(len(m.NiceToHaveSkills)); denom > 0 {
		value = (sum + niceToHaveFactor*niceSum) / denom
	}
	detail := "required: " + orNone(parts) + "; nice-to-have: " + orNone(niceParts)
	return Component{Name: ComponentSkills, Weight: WeightSkills, Value: value, Detail: detail}, matched, missing
}

// sectorComponent is the fit along the NACE hierarchy: 1 for the mission's own sector (for a
// section: the section or any of its divisions), 0.5 for another sector of the same section,
// 0 otherwise.
func sectorComponent(m Mission, p Profile) Component {
	c := Component{Name: ComponentSector, Weight: WeightSector}
	section := taxonomy.SectionOf(m.Sector)
	missionIsSection := section != "" && section == m.Sector
	var sameSection string
	for _, s := range p.Sectors {
		switch {
		case s == m.Sector:
			c.Value, c.Detail = 1, "works in "+s
			return c
		case section != "" && taxonomy.SectionOf(s) == section:
			if missionIsSection {
				c.Value, c.Detail = 1, fmt.Sprintf("works in %s, in section %s", s, section)
				return c
			}
			if sameSection == "" {
				sameSection = s
			}
		}
	}
	if sameSection != "" {
		c.Value, c.Detail = 0.5, fmt.Sprintf("works in %s, same section %s as %s", sameSection, section, m.Sector)
		return c
	}
	c.Detail = "no sector in section " + cmp.Or(section, m.Sector)
	return c
}

func orNone(parts []string) string {
	if len(parts) == 0 {
		return "none asked"
	}
	return strings.Join(parts, ", ")
}
