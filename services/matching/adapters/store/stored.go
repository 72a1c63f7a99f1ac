package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// The JSON shapes of the facts, details and explanation columns; they decouple the domain types
// from what is on disk.

type storedSkill struct {
	ID    string `json:"id"`
	Level int    `json:"level"`
}

type storedMission struct {
	Sector             string        `json:"sector"`
	MissionType        int           `json:"missionType"`
	RequiredSkills     []string      `json:"requiredSkills"`
	MinSkillLevels     []storedSkill `json:"minSkillLevels,omitempty"`
	NiceToHaveSkills   []string      `json:"niceToHaveSkills"`
	StartDate          string        `json:"startDate"`
	DurationMonths     int           `json:"durationMonths"`
	MaxDailyRateEUR    int           `json:"maxDailyRateEur"`
	Languages          []string      `json:"languages"`
	Country            string        `json:"country"`
	WorkMode           int           `json:"workMode"`
	MinYearsExperience int           `json:"minYearsExperience"`
	// PlaceCity and PlaceRegion are gazetteer ids; missions stored before places had none.
	PlaceCity   string `json:"placeCity,omitempty"`
	PlaceRegion string `json:"placeRegion,omitempty"`
}

type storedPlan struct {
	CreatedAt      time.Time          `json:"createdAt"`
	ScoringVersion string             `json:"scoringVersion"`
	Assignments    []storedAssignment `json:"assignments"`
	Unstaffed      []string           `json:"unstaffed"`
	CandidateEdges int64              `json:"candidateEdges"`
	SolveMillis    float64            `json:"solveMillis"`
	Reused         bool               `json:"reused"`
}

type storedAssignment struct {
	MissionID  string            `json:"missionId"`
	ProfileID  string            `json:"profileId"`
	Score      float64           `json:"score"`
	Alternates []storedAlternate `json:"alternates"`
}

type storedAlternate struct {
	ProfileID string  `json:"profileId"`
	Score     float64 `json:"score"`
}

func encodeMission(m domain.Mission) (string, error) {
	return encode(storedMission{
		Sector: m.Sector, MissionType: int(m.MissionType), RequiredSkills: m.RequiredSkills,
		MinSkillLevels:   storedLevels(m.MinSkillLevels),
		NiceToHaveSkills: m.NiceToHaveSkills, StartDate: dates.Format(m.StartDate), DurationMonths: m.DurationMonths,
		MaxDailyRateEUR: m.MaxDailyRateEUR, Languages: m.Languages, Country: m.Country,
		WorkMode: int(m.WorkMode), MinYearsExperience: m.MinYearsExperience,
		PlaceCity: m.PlaceCity, PlaceRegion: m.PlaceRegion,
	})
}

func decodeMission(id, firmID, status, raw string) (domain.Mission, error) {
	var s storedMission
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return domain.Mission{}, fmt.Errorf("decode stored mission %s: %w", id, err)
	}
	start, err := parseDate(s.StartDate)
	if err != nil {
		return domain.Mission{}, fmt.Errorf("decode stored mission %s: %w", id, err)
	}
	st := domain.MissionOpen
	if status == statusClosed {
		st = domain.MissionClosed
	}
	return domain.Mission{
		ID: id, FirmID: firmID, Status: st, Sector: s.Sector, MissionType: domain.MissionType(s.MissionType),
		RequiredSkills: s.RequiredSkills, MinSkillLevels: domainLevels(s.MinSkillLevels),
		NiceToHaveSkills: s.NiceToHaveSkills, StartDate: start,
		DurationMonths: s.DurationMonths, MaxDailyRateEUR: s.MaxDailyRateEUR, Languages: s.Languages,
		Country: s.Country, WorkMode: domain.WorkMode(s.WorkMode), MinYearsExperience: s.MinYearsExperience,
		PlaceCity: s.PlaceCity, PlaceRegion: s.PlaceRegion,
	}, nil
}

func encodeExplanation(e domain.Explanation) (string, error) { return encode(e) }

// decodeExplanation reads an explanation; an erased profile's is empty.
func decodeExplanation(raw string) (domain.Explanation, error) {
	if raw == "" {
		return domain.Explanation{}, nil
	}
	var e domain.Explanation
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return domain.Explanation{}, fmt.Errorf("decode stored explanation: %w", err)
	}
	return e, nil
}

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// parseDate reads a date written by dates.Format: a tombstone mission has none, stored as "".
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return dates.Parse(s)
}

func storedLevels(rs []domain.SkillRequirement) []storedSkill {
	var out []storedSkill
	for _, r := range rs {
		out = append(out, storedSkill{ID: r.ID, Level: r.MinLevel})
	}
	return out
}

func domainLevels(ss []storedSkill) []domain.SkillRequirement {
	var out []domain.SkillRequirement
	for _, s := range ss {
		out = append(out, domain.SkillRequirement{ID: s.ID, MinLevel: s.Level})
	}
	return out
}

// encodePlan writes a staffing plan's JSON.
func encodePlan(p domain.StaffingPlan) (string, error) {
	s := storedPlan{CreatedAt: p.CreatedAt, ScoringVersion: p.ScoringVersion, Unstaffed: p.Unstaffed,
		CandidateEdges: p.CandidateEdges, SolveMillis: p.SolveMillis, Reused: p.Reused}
	for _, a := range p.Assignments {
		sa := storedAssignment{MissionID: a.MissionID, ProfileID: a.ProfileID, Score: a.Score}
		for _, alt := range a.Alternates {
			sa.Alternates = append(sa.Alternates, storedAlternate(alt))
		}
		s.Assignments = append(s.Assignments, sa)
	}
	raw, err := encode(s)
	if err != nil {
		return "", fmt.Errorf("encode staffing plan: %w", err)
	}
	return raw, nil
}

// decodePlan reads a staffing plan's JSON.
func decodePlan(id, raw string) (domain.StaffingPlan, error) {
	var s storedPlan
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return domain.StaffingPlan{}, fmt.Errorf("decode staffing plan %s: %w", id, err)
	}
	p := domain.StaffingPlan{ID: id, CreatedAt: s.CreatedAt, ScoringVersion: s.ScoringVersion, Unstaffed: s.Unstaffed,
		CandidateEdges: s.CandidateEdges, SolveMillis: s.SolveMillis, Reused: s.Reused}
	for _, sa := range s.Assignments {
		a := domain.StaffingAssignment{MissionID: sa.MissionID, ProfileID: sa.ProfileID, Score: sa.Score}
		for _, alt := range sa.Alternates {
			a.Alternates = append(a.Alternates, domain.StaffingAlternate(alt))
		}
		p.Assignments = append(p.Assignments, a)
	}
	return p, nil
}
