package eventbus

import "fmt"

// Durable consumer names. Each is also the inbox key of the events it processed, so a name
// never changes once deployed.
const (
	ConsumerMatchingProfiles  = "matching-profiles"
	ConsumerMatchingMissions  = "matching-missions"
	ConsumerMissionShortlists = "mission-shortlists"
	ConsumerMissionProfiles   = "mission-profiles"
	ConsumerProfileMissions   = "profile-missions"
)

// Consumers are every durable consumer of the platform, declared here and nowhere else (with
// Streams): services take their spec by name, and deploy/nats/consumers.json is generated from
// this list for operators.
func Consumers() []ConsumerSpec {
	mission := func(events ...string) []string {
		var out []string
		for _, e := range events {
			out = append(out, Subject(ProducerMission, e, ">"))
		}
		return out
	}
	return []ConsumerSpec{
		// Every profile event: matching keeps its index from them.
		{Stream: StreamOf(ProducerProfile), Durable: ConsumerMatchingProfiles},
		{Stream: StreamOf(ProducerMission), Durable: ConsumerMatchingMissions,
			FilterSubjects: mission("MissionSubmitted", "MissionEdited", "MissionCancelled", "MissionUpdated", "OfferDeclined", "OfferExpired")},
		{Stream: StreamOf(ProducerMatching), Durable: ConsumerMissionShortlists,
			FilterSubjects: []string{Subject(ProducerMatching, "ShortlistProposed", ">")}},
		{Stream: StreamOf(ProducerProfile), Durable: ConsumerMissionProfiles,
			FilterSubjects: []string{Subject(ProducerProfile, "ProfileErased", ">")}},
		{Stream: StreamOf(ProducerMission), Durable: ConsumerProfileMissions,
			FilterSubjects: mission("OfferAccepted", "MissionCancelled", "StaffingDatesChanged")},
	}
}

// ConsumerSpecOf returns the declared spec of a durable consumer, with its defaults (AckWait,
// MaxDeliver). An unknown name is a programming error.
func ConsumerSpecOf(durable string) ConsumerSpec {
	for _, c := range Consumers() {
		if c.Durable == durable {
			return c.withDefaults()
		}
	}
	panic(fmt.Sprintf("eventbus: consumer %q is not declared in Consumers", durable))
}
