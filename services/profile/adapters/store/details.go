package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// storedDetails is the JSON shape of the details column; it decouples the domain type from
// what is on disk. Fields added later are absent from older rows and decode as their zero
// value, which is what a profile that never stated them means, so new fields need no migration.
type storedDetails struct {
	DisplayName     string        `json:"displayName"`
	Email           string        `json:"email"`
	Headline        string        `json:"headline"`
	Sectors         []string      `json:"sectors"`
	Skills          []storedSkill `json:"skills"`
	YearsExperience int           `json:"yearsExperience"`
	Languages       []string      `json:"languages"`
	Country         string        `json:"country"`
	City            string        `json:"city"`
	WorkMode        int           `json:"workMode"`
	DailyRateEUR    int           `json:"dailyRateEur"`
	AvailableFrom   string        `json:"availableFrom"`

	PastMissions      []storedPastMission `json:"pastMissions"`
	Certifications    []string            `json:"certifications"`
	NoticePeriodDays  int                 `json:"noticePeriodDays"`
	MobilityCountries []string            `json:"mobilityCountries"`
	Bookings          []storedBooking     `json:"bookings"`
	ProfilingOptOut   bool                `json:"profilingOptOut"`
}

type storedSkill struct {
	ID    string `json:"id"`
	Level int    `json:"level"`
	Years int    `json:"years"`
}

type storedPastMission struct {
	Sector      string `json:"sector"`
	MissionType int    `json:"missionType"`
	Months      int    `json:"months"`
	Year        int    `json:"year"`
}

type storedBooking struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
	MissionID string `json:"missionId"`
	// FirmID is absent from bookings stored before firms were recorded: they grant no firm
	// anything (domain.Profile.StaffedBy).
	FirmID string `json:"firmId,omitempty"`
}

func encodeDetails(d domain.Details) (string, error) {
	s := storedDetails{
		DisplayName: d.DisplayName, Email: d.Email, Headline: d.Headline, Sectors: d.Sectors,
		YearsExperience: d.YearsExperience, Languages: d.Languages, Country: d.Location.Country,
		City: d.Location.City, WorkMode: int(d.WorkMode), DailyRateEUR: d.DailyRateEUR,
		AvailableFrom:  d.AvailableFrom.Format(time.DateOnly),
		Certifications: d.Certifications, NoticePeriodDays: d.NoticePeriodDays,
		MobilityCountries: d.MobilityCountries, ProfilingOptOut: d.ProfilingOptOut,
	}
	for _, sk := range d.Skills {
		s.Skills = append(s.Skills, storedSkill{ID: sk.ID, Level: sk.Level, Years: sk.Years})
	}
	for _, m := range d.PastMissions {
		s.PastMissions = append(s.PastMissions, storedPastMission{
			Sector: m.Sector, MissionType: int(m.MissionType), Months: m.Months, Year: m.Year,
		})
	}
	for _, bk := range d.Bookings {
		s.Bookings = append(s.Bookings, storedBooking{
			StartDate: bk.Start.Format(time.DateOnly), EndDate: bk.End.Format(time.DateOnly), MissionID: bk.MissionID,
			FirmID: bk.FirmID,
		})
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func decodeDetails(raw string) (domain.Details, error) {
	var s storedDetails
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return domain.Details{}, fmt.Errorf("decode stored profile: %w", err)
	}
	from, err := time.Parse(time.DateOnly, s.AvailableFrom)
	if err != nil {
		return domain.Details{}, fmt.Errorf("decode stored profile: %w", err)
	}
	d := domain.Details{
		DisplayName: s.DisplayName, Email: s.Email, Headline: s.Headline, Sectors: s.Sectors,
		YearsExperience: s.YearsExperience, Languages: s.Languages,
		Location: domain.Location{Country: s.Country, City: s.City}, WorkMode: domain.WorkMode(s.WorkMode),
		DailyRateEUR: s.DailyRateEUR, AvailableFrom: from,
		Certifications: s.Certifications, NoticePeriodDays: s.NoticePeriodDays,
		MobilityCountries: s.MobilityCountries, ProfilingOptOut: s.ProfilingOptOut,
	}
	for _, sk := range s.Skills {
		d.Skills = append(d.Skills, domain.Skill{ID: sk.ID, Level: sk.Level, Years: sk.Years})
	}
	for _, m := range s.PastMissions {
		d.PastMissions = append(d.PastMissions, domain.PastMission{
			Sector: m.Sector, MissionType: domain.MissionType(m.MissionType), Months: m.Months, Year: m.Year,
		})
	}
	for _, bk := range s.Bookings {
		start, err := time.Parse(time.DateOnly, bk.StartDate)
		if err != nil {
			return domain.Details{}, fmt.Errorf("decode stored profile: booking: %w", err)
		}
		end, err := time.Parse(time.DateOnly, bk.EndDate)
		if err != nil {
			return domain.Details{}, fmt.Errorf("decode stored profile: booking: %w", err)
		}
		d.Bookings = append(d.Bookings, domain.Booking{Start: start, End: end, MissionID: bk.MissionID, FirmID: bk.FirmID})
	}
	return d, nil
}
