package eventapi_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/profile/domain"
	"github.com/caiomatch/caiomatch/services/profile/eventapi"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

func TestEncodeEvent(t *testing.T) {
	p := profiletest.Profile("p1", "cons-1")
	for _, ev := range []domain.Event{domain.ProfileRegistered{Profile: p}, domain.ProfileUpdated{Profile: p}} {
		enc, err := eventapi.EncodeEvent(ev, profiletest.T0)
		if err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(enc.Data)
		if err != nil {
			t.Fatal(err)
		}
		if !env.GetOccurredAt().AsTime().Equal(profiletest.T0) || env.GetAggregateId() != "p1" || enc.Subject != eventbus.Subject("profile", env.GetType(), "p1") {
			t.Errorf("envelope %v, subject %s", env, enc.Subject)
		}
		switch m := payload.(type) {
		case *profilev1.ProfileRegistered:
			profiletest.WantFacts(t, m.GetFacts(), p)
		case *profilev1.ProfileUpdated:
			profiletest.WantFacts(t, m.GetFacts(), p)
		default:
			t.Fatalf("payload %T", payload)
		}
		profiletest.NoPersonalData(t, eventbustest.Published{Data: enc.Data, Envelope: env}, p)
	}
	if _, err := eventapi.EncodeEvent(nil, profiletest.T0); err == nil {
		t.Fatal("a nil event was encoded")
	}
}

func TestEncodeBookingEvents(t *testing.T) {
	b := domain.Booking{Start: time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 10, 31, 0, 0, 0, 0, time.UTC), MissionID: "m-1"}
	for _, c := range []struct {
		ev   domain.Event
		want proto.Message
	}{
		{domain.ConsultantBooked{ProfileID: "p1", Booking: b},
			&profilev1.ConsultantBooked{ProfileId: "p1", MissionId: "m-1", StartDate: "2027-05-01", EndDate: "2027-10-31"}},
		{domain.ConsultantReleased{ProfileID: "p1", MissionID: "m-1"},
			&profilev1.ConsultantReleased{ProfileId: "p1", MissionId: "m-1"}},
	} {
		enc, err := eventapi.EncodeEvent(c.ev, profiletest.T0)
		if err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(enc.Data)
		if err != nil {
			t.Fatal(err)
		}
		typ := string(c.want.ProtoReflect().Descriptor().Name())
		if env.GetType() != typ || env.GetAggregateId() != "p1" || env.GetProducer() != eventbus.ProducerProfile ||
			enc.Subject != "caiomatch.profile.v1."+typ+".p1" || !proto.Equal(payload, c.want) {
			t.Errorf("%T encoded as %v on %s: %v", c.ev, env, enc.Subject, payload)
		}
	}
}

func TestMatchingFactsCarryThePlaceAsIDsOnly(t *testing.T) {
	for _, c := range []struct {
		country, city        string
		wantCity, wantRegion string
	}{
		{"FR", "Lyon", "fr-lyon", "fr-ara"},
		{"FR", "  SAINT-étienne ", "fr-saint-etienne", "fr-ara"},
		{"BE", "Brussel", "be-bruxelles", "be-bru"},
		{"FR", "Bretagne", "", "fr-bre"},
		{"FR", "Plouguerneau-sur-Mer", "", ""}, // unknown: the country alone counts
		{"DE", "Lyon", "", ""},                 // a city resolves only in its own country
		{"FR", "", "", ""},
	} {
		p := profiletest.Profile("p1", "cons-1")
		p.Location = domain.Location{Country: c.country, City: c.city}
		enc, err := eventapi.EncodeEvent(domain.ProfileUpdated{Profile: p}, profiletest.T0)
		if err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(enc.Data)
		if err != nil {
			t.Fatal(err)
		}
		facts := payload.(*profilev1.ProfileUpdated).GetFacts()
		if facts.GetPlaceCity() != c.wantCity || facts.GetPlaceRegion() != c.wantRegion {
			t.Errorf("%s %q published as place (%q, %q), want (%q, %q)", c.country, c.city,
				facts.GetPlaceCity(), facts.GetPlaceRegion(), c.wantCity, c.wantRegion)
		}
		profiletest.NoPersonalData(t, eventbustest.Published{Data: enc.Data, Envelope: env}, p)
	}
}
