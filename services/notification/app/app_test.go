package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/notification/adapters/store"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

var t0 = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// testbed is the application over a real store, with a clock the test sets, sequential ids,
// and recording fakes for the webhook client and the mailer.
type testbed struct {
	app    *app.Application
	repo   *store.Repository
	mu     sync.Mutex
	now    time.Time
	ids    int
	events int
	emails []app.Email
}

func newTestbed(t *testing.T, db *sql.DB) *testbed {
	tb := &testbed{repo: store.NewRepository(db), now: t0}
	tb.app = app.New(tb.repo, nil, tb, app.Config{}, tb.clock, tb.newID, nil)
	return tb
}

func (tb *testbed) clock() time.Time {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.now = tb.now.Add(time.Microsecond)
	return tb.now
}

func (tb *testbed) set(at time.Time) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.now = at
}

func (tb *testbed) newID() string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.ids++
	return fmt.Sprintf("id-%04d", tb.ids)
}

func (tb *testbed) Send(_ context.Context, e app.Email) error {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.emails = append(tb.emails, e)
	return nil
}

// delivery is the next event's delivery to consumer.
func (tb *testbed) delivery() txn.Delivery {
	tb.events++
	return txn.Delivery{Consumer: "test", EventID: fmt.Sprintf("event-%d", tb.events)}
}

func run(t *testing.T, fn func(t *testing.T, ctx context.Context, tb *testbed)) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB) { fn(t, context.Background(), newTestbed(t, db)) }, store.Migrations()...)
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func typesOf(t *testing.T, ctx context.Context, tb *testbed, account string) []string {
	t.Helper()
	ns, _, err := tb.app.ListNotifications(ctx, identity.Caller{AccountID: account}, false, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, string(n.Type))
	}
	slices.Sort(out)
	return out
}

// seed is what earlier events said: two accounts, the consultant's profile, the mission.
func seed(t *testing.T, ctx context.Context, tb *testbed) {
	must[bool](t)(tb.app.ApplyAccount(ctx, tb.delivery(), domain.Account{ID: "c-1", Role: "CONSULTANT", Status: domain.AccountActive,
		Email: "c@example.com", Language: "fr", EmailNotifications: true}))
	must[bool](t)(tb.app.ApplyAccount(ctx, tb.delivery(), domain.Account{ID: "f-1", Role: "FIRM", Status: domain.AccountActive,
		Email: "f@example.com", Language: "en", EmailNotifications: true}))
	must[bool](t)(tb.app.MapProfile(ctx, tb.delivery(), "p-1", "c-1"))
	must[app.Outcome](t)(tb.app.RecordMission(ctx, tb.delivery(), "m-1", "f-1", "Chief AI Officer"))
}

func offerChange(typ domain.Type, expires time.Time) app.OfferChange {
	return app.OfferChange{ExpiresAt: expires, Happening: app.Happening{Type: typ, MissionID: "m-1", OfferID: "o-1",
		FirmID: "f-1", ProfileID: "p-1", Facts: domain.Facts{MissionTitle: "Chief AI Officer", DailyRateEUR: 1200, ExpiresAt: expires}}}
}

func TestEachEventReachesItsAudienceOnce(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		expires := t0.Add(72 * time.Hour)
		made := tb.delivery()
		out := must[app.Outcome](t)(tb.app.ChangeOffer(ctx, made, offerChange(domain.TypeOfferMade, expires)))
		again := must[app.Outcome](t)(tb.app.ChangeOffer(ctx, made, offerChange(domain.TypeOfferMade, expires)))
		if out.Notified != 1 || !again.Duplicate {
			t.Fatalf("offer made: %+v, again %+v", out, again)
		}
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferCountered, expires)))
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferAccepted, expires)))
		must[app.Outcome](t)(tb.app.Notify(ctx, tb.delivery(), app.Happening{Type: domain.TypeExtensionRequested, MissionID: "m-1", ProfileID: "p-1"}))
		must[app.Outcome](t)(tb.app.Notify(ctx, tb.delivery(), app.Happening{Type: domain.TypeExtensionAnswered, MissionID: "m-1", ProfileID: "p-1",
			Facts: domain.Facts{Accepted: true, EndDate: "2027-12-31"}}))
		// The staffed consultant comes from the accepted offer.
		ended := must[app.Outcome](t)(tb.app.ChangeMission(ctx, tb.delivery(), "m-1", app.MissionCompleted))
		if ended.Notified != 2 {
			t.Errorf("mission ended told %d accounts, want both sides", ended.Notified)
		}
		if got := typesOf(t, ctx, tb, "c-1"); !slices.Equal(got, []string{"extension.requested", "mission.ended", "offer.made"}) {
			t.Errorf("consultant: %v", got)
		}
		if got := typesOf(t, ctx, tb, "f-1"); !slices.Equal(got, []string{"extension.answered", "mission.ended", "offer.accepted", "offer.countered"}) {
			t.Errorf("firm: %v", got)
		}
	})
}

func TestAnEventWaitsForTheProfileAndMissionItNames(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		d := tb.delivery()
		_, err := tb.app.ChangeOffer(ctx, d, offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour)))
		if err == nil {
			t.Fatal("an offer to an unknown profile was applied")
		}
		if _, err := tb.app.ChangeMission(ctx, tb.delivery(), "m-unknown", app.MissionNoMatch); err == nil {
			t.Fatal("no_match of an unknown mission was applied")
		}
		seed(t, ctx, tb)
		out := must[app.Outcome](t)(tb.app.ChangeOffer(ctx, d, offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))))
		if out.Duplicate || out.Notified != 1 {
			t.Errorf("redelivered once the profile is known: %+v", out)
		}
	})
}

func TestReminderOnceBeforeExpiryAndNotAfterAnAnswer(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		expires := t0.Add(30 * time.Hour)
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferMade, expires)))
		if n := must[int](t)(tb.app.RemindOffers(ctx)); n != 0 {
			t.Fatalf("%d reminders 30 h before expiry", n)
		}
		tb.set(expires.Add(-24 * time.Hour))
		if n := must[int](t)(tb.app.RemindOffers(ctx)); n != 1 {
			t.Fatalf("%d reminders 24 h before expiry", n)
		}
		if n := must[int](t)(tb.app.RemindOffers(ctx)); n != 0 {
			t.Fatalf("the reminder was sent twice (%d)", n)
		}
		// A second offer, answered before its reminder is due, gets none.
		second := offerChange(domain.TypeOfferMade, expires.Add(48*time.Hour))
		second.OfferID = "o-2"
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), second))
		second.Type = domain.TypeOfferDeclined
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), second))
		tb.set(expires.Add(47 * time.Hour))
		if n := must[int](t)(tb.app.RemindOffers(ctx)); n != 0 {
			t.Fatalf("a declined offer was reminded (%d)", n)
		}
	})
}

// TestEmailsFollowTheAccountsSettingsWhenSent: an email goes in the account's language when
// emails are on; turned off before sending, it is skipped; each goes once.
func TestEmailsFollowTheAccountsSettingsWhenSent(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))))
		must[bool](t)(tb.app.ApplyAccount(ctx, tb.delivery(), domain.Account{ID: "f-1", Role: "FIRM", Status: domain.AccountActive,
			Email: "f@example.com", Language: "en", EmailNotifications: false}))
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferAccepted, t0.Add(72*time.Hour))))
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- tb.app.Dispatch(ctx, domain.ChannelEmail, app.Dispatcher{Every: 10 * time.Millisecond,
				Failed: func(_ context.Context, err error) { t.Error(err) }})
		}()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			tb.mu.Lock()
			n := len(tb.emails)
			tb.mu.Unlock()
			if n >= 1 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // anything more would have been sent by now
		cancel()
		<-done
		if len(tb.emails) != 1 || tb.emails[0].To != "c@example.com" || tb.emails[0].Subject != "Nouvelle offre : Chief AI Officer" {
			t.Errorf("emails = %+v", tb.emails)
		}
	})
}

// TestErasedConsultantsAreToldNothing: after a ProfileErased, events naming the profile tell
// the firm's side only, and the profile's reminder goes nowhere.
func TestErasedConsultantsAreToldNothing(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		expires := t0.Add(30 * time.Hour)
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferMade, expires)))
		must[bool](t)(tb.app.ForgetProfile(ctx, tb.delivery(), "p-1"))
		out := must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferExpired, expires)))
		if out.Notified != 1 {
			t.Errorf("offer.expired after the erasure told %d accounts, want the firm alone", out.Notified)
		}
		second := offerChange(domain.TypeOfferMade, expires)
		second.OfferID = "o-2"
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), second))
		tb.set(expires.Add(-time.Hour))
		if n, err := tb.app.RemindOffers(ctx); err != nil || n != 0 {
			t.Errorf("reminders to an erased profile: %d, %v", n, err)
		}
		if got := typesOf(t, ctx, tb, "f-1"); !slices.Equal(got, []string{"offer.expired"}) {
			t.Errorf("firm: %v", got)
		}
	})
}

// TestWatchResumesAfterTheLastEventSeen: a reconnecting stream gets what came after its last
// event at once; someone else's id resumes nothing.
func TestWatchResumesAfterTheLastEventSeen(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		for _, id := range []string{"o-1", "o-2", "o-3"} {
			c := offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))
			c.OfferID = id
			must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), c))
		}
		consultant := identity.Caller{AccountID: "c-1"}
		all, _, err := tb.app.ListNotifications(ctx, consultant, false, 10, "")
		if err != nil || len(all) != 3 {
			t.Fatalf("list = %d, %v", len(all), err)
		}
		first := all[2] // newest first
		found, _, err := tb.app.WatchAfter(ctx, consultant, first.ID, time.Second)
		if err != nil || len(found) != 2 || found[0].OfferID != "o-2" || found[1].OfferID != "o-3" {
			t.Fatalf("resumed = %+v, %v", found, err)
		}
		if found, _, err := tb.app.WatchAfter(ctx, identity.Caller{AccountID: "f-1"}, first.ID, 50*time.Millisecond); err != nil || len(found) != 0 {
			t.Errorf("another account resumed from the consultant's notification: %+v, %v", found, err)
		}
	})
}
