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
	ConsumerMissionAccounts   = "mission-accounts"
	ConsumerProfileAccounts   = "profile-accounts"
	ConsumerGatewayProfiles   = "gateway-profiles"
	// The notification service's: each stream it learns from has its own consumer.
	ConsumerNotificationMissions   = "notification-missions"
	ConsumerNotificationShortlists = "notification-shortlists"
	ConsumerNotificationProfiles   = "notification-profiles"
	ConsumerNotificationAccounts   = "notification-accounts"
)

// erasureMaxDeliver keeps redelivering an erasure for hours (the backoff grows to 30 s apart)
// before it goes to the dead letters: an erasure must complete, and a store or NATS outage of
// minutes must not leave it half done for an operator to redrive.
const erasureMaxDeliver = 500

// notificationMaxDeliver lets an event that names a profile or a mission whose own event (on
// another stream) is not processed yet wait for it, up to about 15 minutes of redeliveries
// (growing to 30 s apart), before it goes to the dead letters.
const notificationMaxDeliver = 40

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
		{Stream: StreamOf(ProducerProfile), Durable: ConsumerMatchingProfiles, MaxDeliver: erasureMaxDeliver},
		{Stream: StreamOf(ProducerMission), Durable: ConsumerMatchingMissions,
			FilterSubjects: mission("MissionSubmitted", "MissionEdited", "MissionCancelled", "MissionUpdated", "OfferDeclined", "OfferExpired")},
		// Shortlists, and the operators' pause and resume of the missions they held, for the
		// missions' decisions trails.
		{Stream: StreamOf(ProducerMatching), Durable: ConsumerMissionShortlists,
			FilterSubjects: []string{Subject(ProducerMatching, "ShortlistProposed", ">"),
				Subject(ProducerMatching, "MatchingPaused", ">"), Subject(ProducerMatching, "MatchingResumed", ">")}},
		{Stream: StreamOf(ProducerProfile), Durable: ConsumerMissionProfiles, MaxDeliver: erasureMaxDeliver,
			FilterSubjects: []string{Subject(ProducerProfile, "ProfileErased", ">")}},
		// Profile erasures: the gateway's audit log pseudonymises the profile's records.
		{Stream: StreamOf(ProducerProfile), Durable: ConsumerGatewayProfiles, MaxDeliver: erasureMaxDeliver,
			FilterSubjects: []string{Subject(ProducerProfile, "ProfileErased", ">")}},
		// Account erasures: the profiles an account still has go with it.
		{Stream: StreamOf(ProducerAccount), Durable: ConsumerProfileAccounts, MaxDeliver: erasureMaxDeliver,
			FilterSubjects: []string{Subject(ProducerAccount, "AccountErased", ">")}},
		// Account erasures: a firm's missions are closed and what it wrote removed.
		{Stream: StreamOf(ProducerAccount), Durable: ConsumerMissionAccounts, MaxDeliver: erasureMaxDeliver,
			FilterSubjects: []string{Subject(ProducerAccount, "AccountErased", ">")}},
		{Stream: StreamOf(ProducerMission), Durable: ConsumerProfileMissions,
			FilterSubjects: mission("OfferAccepted", "MissionCancelled", "StaffingDatesChanged")},
		{Stream: StreamOf(ProducerMission), Durable: ConsumerNotificationMissions, MaxDeliver: notificationMaxDeliver,
			FilterSubjects: mission("MissionSubmitted", "MissionEdited", "MissionUpdated", "OfferMade", "OfferCountered",
				"OfferAccepted", "OfferDeclined", "OfferExpired", "OfferWithdrawn", "ExtensionRequested", "ExtensionAccepted",
				"ExtensionDeclined")},
		{Stream: StreamOf(ProducerMatching), Durable: ConsumerNotificationShortlists, MaxDeliver: notificationMaxDeliver,
			FilterSubjects: []string{Subject(ProducerMatching, "ShortlistProposed", ">")}},
		{Stream: StreamOf(ProducerProfile), Durable: ConsumerNotificationProfiles,
			FilterSubjects: []string{Subject(ProducerProfile, "ProfileRegistered", ">"), Subject(ProducerProfile, "ProfileUpdated", ">"),
				Subject(ProducerProfile, "ProfileErased", ">")}},
		// Every account event: AccountChanged, AccountErased.
		{Stream: StreamOf(ProducerAccount), Durable: ConsumerNotificationAccounts},
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
