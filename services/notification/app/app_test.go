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
	posts  []string // the webhook-id of each call
}

func newTestbed(t *testing.T, db *sql.DB) *testbed {
	tb := &testbed{repo: store.NewRepository(db), now: t0}
	tb.app = app.New(tb.repo, tb, tb, app.Config{Retention: 180 * 24 * time.Hour, PublicURL: "https://caiomatch.example/"},
		tb.clock, tb.newID, nil)
	return tb
}

// sent is how many emails were sent and webhook calls made.
func (tb *testbed) sent() (emails, calls int) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return len(tb.emails), len(tb.posts)
}

func (tb *testbed) Post(_ context.Context, _ string, headers map[string]string, _ []byte) (int, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.posts = append(tb.posts, headers["webhook-id"])
	return 204, nil
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

// dispatchUntil runs the channel's dispatcher until done holds, then a little longer, so that
// anything more it would do is done.
func dispatchUntil(t *testing.T, ctx context.Context, tb *testbed, channel domain.Channel, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() {
		stopped <- tb.app.Dispatch(ctx, channel, app.Dispatcher{Every: 10 * time.Millisecond,
			Failed: func(_ context.Context, err error) { t.Error(err) }})
	}()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if done() {
			break
		}
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-stopped; err != nil {
		t.Errorf("dispatch %s: %v", channel, err)
	}
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
		ended := must[app.Outcome](t)(tb.app.ChangeMission(ctx, tb.delivery(), "m-1", app.MissionCompleted, time.Time{}))
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
		if _, err := tb.app.ChangeMission(ctx, tb.delivery(), "m-unknown", app.MissionNoMatch, time.Time{}); err == nil {
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
		dispatchUntil(t, ctx, tb, domain.ChannelEmail, func() bool { emails, _ := tb.sent(); return emails >= 1 })
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

// TestEveryPartyIsToldEvenWhenOneWasAlready: a two-party event whose first party already has
// its notification (stored by an earlier handling) still tells the second one.
func TestEveryPartyIsToldEvenWhenOneWasAlready(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferAccepted, time.Time{})))
		ended := tb.delivery()
		if err := tb.repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			_, err := tx.AddNotification(ctx, domain.Notification{ID: "told-before", AccountID: "f-1", Type: domain.TypeMissionEnded,
				EventID: ended.EventID, MissionID: "m-1", CreatedAt: t0})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		out := must[app.Outcome](t)(tb.app.ChangeMission(ctx, ended, "m-1", app.MissionCompleted, time.Time{}))
		if out.Notified != 1 || !slices.Contains(typesOf(t, ctx, tb, "c-1"), "mission.ended") {
			t.Errorf("told %d, consultant has %v: the consultant was left out", out.Notified, typesOf(t, ctx, tb, "c-1"))
		}
	})
}

// TestShortlistsAfterNoMatchAndOlderRevisions: a shortlist, none, then the same one again is
// news twice; a shortlist older than the last one, delivered late, tells nothing.
func TestShortlistsAfterNoMatchAndOlderRevisions(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		propose := func(revision int64, candidates ...string) int {
			return must[app.Outcome](t)(tb.app.ApplyShortlist(ctx, tb.delivery(), app.Shortlist{MissionID: "m-1", FirmID: "f-1",
				Revision: revision, Candidates: candidates})).Notified
		}
		told := []int{propose(1, "p-1", "p-2"), propose(2), propose(3, "p-1", "p-2"), propose(3, "p-1", "p-2"),
			propose(2, "p-2", "p-1"), propose(4, "p-1", "p-2"), propose(5, "p-2")}
		if want := []int{1, 0, 1, 0, 0, 0, 1}; !slices.Equal(told, want) {
			t.Errorf("notified per proposal = %v, want %v", told, want)
		}
		// Producers that do not number shortlists (revision 0) still tell changes only.
		if told := []int{propose(0, "p-3"), propose(0, "p-3"), propose(0), propose(0, "p-3")}; !slices.Equal(told, []int{1, 0, 0, 1}) {
			t.Errorf("unnumbered proposals told %v", told)
		}
	})
}

// TestOlderAccountChangesAreIgnored: a change delivered after a newer one of the same account
// changes nothing; unnumbered changes (older producers) apply as they come.
func TestOlderAccountChangesAreIgnored(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		apply := func(version int64, email string) {
			must[bool](t)(tb.app.ApplyAccount(ctx, tb.delivery(), domain.Account{ID: "c-1", Role: "CONSULTANT",
				Status: domain.AccountActive, Email: email, Language: "fr", EmailNotifications: true, Version: version}))
		}
		stored := func() domain.Account {
			acc, _, err := tb.repo.Account(ctx, "c-1")
			if err != nil {
				t.Fatal(err)
			}
			return acc
		}
		apply(3, "new@example.com")
		apply(2, "old@example.com")
		apply(3, "same-version@example.com")
		if acc := stored(); acc.Email != "new@example.com" || acc.Version != 3 {
			t.Errorf("after an older change: %s v%d, want new@example.com v3", acc.Email, acc.Version)
		}
		apply(0, "unnumbered@example.com")
		apply(2, "old@example.com")
		if acc := stored(); acc.Email != "unnumbered@example.com" || acc.Version != 3 {
			t.Errorf("an unnumbered change: %s v%d, want it applied and v3 kept", acc.Email, acc.Version)
		}
		apply(4, "newer@example.com")
		if acc := stored(); acc.Email != "newer@example.com" {
			t.Errorf("a newer change was ignored: %s", acc.Email)
		}
	})
}

// TestEventsFromBeforeTheFirstStartTellNobody: on a first start, events from the history of
// the platform build the read model (the mission's shortlist, the staffing) without notifying;
// events after it, and events of unknown time, notify.
func TestEventsFromBeforeTheFirstStartTellNobody(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		if err := tb.app.Start(ctx); err != nil {
			t.Fatal(err)
		}
		lastYear := t0.AddDate(-1, 0, 0)
		old := offerChange(domain.TypeOfferAccepted, time.Time{})
		old.OccurredAt = lastYear
		shortlist := app.Shortlist{MissionID: "m-1", FirmID: "f-1", Revision: 1, Candidates: []string{"p-1"}, OccurredAt: lastYear}
		told := must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), old)).Notified +
			must[app.Outcome](t)(tb.app.ApplyShortlist(ctx, tb.delivery(), shortlist)).Notified
		if told != 0 {
			t.Errorf("history told %d notifications", told)
		}
		// The staffing was learnt: the end of the mission tells both sides.
		ended := must[app.Outcome](t)(tb.app.ChangeMission(ctx, tb.delivery(), "m-1", app.MissionCompleted, tb.clock()))
		// The same shortlist again is no news: the history's was recorded.
		shortlist.Revision, shortlist.OccurredAt = 2, tb.clock()
		again := must[app.Outcome](t)(tb.app.ApplyShortlist(ctx, tb.delivery(), shortlist))
		if ended.Notified != 2 || again.Notified != 0 {
			t.Errorf("after the start: ended told %d (want 2), the same shortlist told %d (want 0)", ended.Notified, again.Notified)
		}
		// A restart keeps the first start: the history stays history.
		tb.set(t0.AddDate(0, 1, 0))
		if err := tb.app.Start(ctx); err != nil {
			t.Fatal(err)
		}
		lastWeek := old
		lastWeek.Type, lastWeek.OfferID, lastWeek.OccurredAt = domain.TypeOfferMade, "o-2", t0.AddDate(0, 0, 20)
		if n := must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), lastWeek)).Notified; n != 1 {
			t.Errorf("an event after the first start, handled after a restart, told %d", n)
		}
	})
}
