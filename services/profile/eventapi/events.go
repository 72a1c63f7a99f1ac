package eventapi

import (
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/profilerules/rulespb"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// EncodeEvent turns a domain event into its published form. Only what matching needs leaves
// the service: no name, email, headline, city as typed or certifications.
func EncodeEvent(ev domain.Event, now time.Time) (eventbus.Event, error) {
	switch e := ev.(type) {
	case domain.ProfileRegistered:
		return eventbus.NewEvent(eventbus.ProducerProfile, e.Profile.ID, &profilev1.ProfileRegistered{Facts: matchingFacts(e.Profile)}, now)
	case domain.ProfileUpdated:
		return eventbus.NewEvent(eventbus.ProducerProfile, e.Profile.ID, &profilev1.ProfileUpdated{Facts: matchingFacts(e.Profile)}, now)
	case domain.ProfileErased:
		return eventbus.NewEvent(eventbus.ProducerProfile, e.ProfileID, &profilev1.ProfileErased{ProfileId: e.ProfileID, AccountId: e.AccountID}, now)
	case domain.ConsultantBooked:
		return eventbus.NewEvent(eventbus.ProducerProfile, e.ProfileID, &profilev1.ConsultantBooked{
			ProfileId: e.ProfileID, MissionId: e.Booking.MissionID,
			StartDate: dates.Format(e.Booking.Start), EndDate: dates.Format(e.Booking.End),
		}, now)
	case domain.ConsultantReleased:
		return eventbus.NewEvent(eventbus.ProducerProfile, e.ProfileID,
			&profilev1.ConsultantReleased{ProfileId: e.ProfileID, MissionId: e.MissionID}, now)
	}
	return eventbus.Event{}, fmt.Errorf("unknown profile event %T", ev)
}

// matchingFacts is the privacy filter: the facts matching ranks on, and nothing else. The city
// leaves only as gazetteer ids; a city the gazetteer does not know leaves nothing.
func matchingFacts(p domain.Profile) *profilev1.MatchingFacts {
	place, _ := gazetteer.Resolve(p.Location.Country, p.Location.City)
	return &profilev1.MatchingFacts{
		ProfileId:         p.ID,
		AccountId:         p.AccountID,
		Sectors:           p.Sectors,
		Skills:            rulespb.Skills(p.Skills),
		YearsExperience:   int32(p.YearsExperience),
		Languages:         p.Languages,
		Country:           p.Location.Country,
		WorkMode:          taxonomyv1.WorkMode(p.WorkMode),
		DailyRateEur:      int32(p.DailyRateEUR),
		AvailableFrom:     dates.Format(p.AvailableFrom),
		PastMissions:      rulespb.PastMissions(p.PastMissions),
		NoticePeriodDays:  int32(p.NoticePeriodDays),
		MobilityCountries: p.MobilityCountries,
		Bookings:          rulespb.Bookings(p.Bookings),
		ProfilingOptOut:   p.ProfilingOptOut,
		PlaceCity:         place.City,
		PlaceRegion:       place.Region,
	}
}
