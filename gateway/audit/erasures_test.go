package audit

import (
	"context"
	"database/sql"
	"testing"

	"google.golang.org/protobuf/types/known/anypb"

	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// TestAnErasedProfilesRecordsTakeItsPseudonym: a ProfileErased reaching the gateway rewrites the
// log's records of the profile once, including events still queued in the recorder; a
// redelivery changes nothing.
func TestAnErasedProfilesRecordsTakeItsPseudonym(t *testing.T) {
	sets := append([]sqlstore.MigrationSet{inbox.Migrations()}, Migrations()...)
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		s := NewStore(db)
		profile, other, firm := uuidN('b', 1), uuidN('b', 2), uuidN('a', 1)
		if err := s.Append(ctx, []Event{
			{ID: uuidN('e', 1), At: t0, ActorID: firm, ActorRole: "FIRM", Kind: KindRead, Action: "GET /v1/profiles/{id}", SubjectID: profile, Outcome: 200},
			{ID: uuidN('e', 2), At: t0, ActorID: firm, ActorRole: "FIRM", Kind: KindRead, Action: "GET /v1/profiles/{id}", SubjectID: other, Outcome: 200},
		}); err != nil {
			t.Fatal(err)
		}
		key := pseudonym.Key("test-key-of-enough-length")
		erasures := NewProfileErasures(db, NewRecorder(s, RecorderOptions{}), key)
		payload, _ := anypb.New(&profilev1.ProfileErased{ProfileId: profile})
		env := &eventsv1.Envelope{EventId: "ev-1", Type: "ProfileErased", Payload: payload}
		for range 2 {
			if err := erasures.Handle(ctx, env, &profilev1.ProfileErased{ProfileId: profile}); err != nil {
				t.Fatal(err)
			}
		}
		if page, _ := s.Search(ctx, Query{SubjectID: profile}); len(page.Events) != 0 {
			t.Errorf("%d records still name the erased profile", len(page.Events))
		}
		if page, _ := s.Search(ctx, Query{SubjectID: key.Of(profile)}); len(page.Events) != 1 {
			t.Errorf("%d records name its pseudonym, want 1", len(page.Events))
		}
		if page, _ := s.Search(ctx, Query{SubjectID: other}); len(page.Events) != 1 {
			t.Error("another profile's record changed")
		}
	}, sets...)
}
