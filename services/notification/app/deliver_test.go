package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// TestSuspendedAccountsGetNoWebhookCalls: a call queued before the suspension is skipped, not
// made; the account's other endpoint, reinstated, is called again.
func TestSuspendedAccountsGetNoWebhookCalls(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		if err := tb.repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			return tx.CreateWebhook(ctx, domain.Webhook{ID: "hook-1", AccountID: "c-1", URL: "https://hooks.example/c",
				Events: []domain.Type{domain.TypeOfferMade}, Key: make([]byte, domain.KeySize), CreatedAt: t0})
		}); err != nil {
			t.Fatal(err)
		}
		consultant := func(status domain.AccountStatus, version int64) {
			must[bool](t)(tb.app.ApplyAccount(ctx, tb.delivery(), domain.Account{ID: "c-1", Role: "CONSULTANT", Status: status,
				Email: "c@example.com", Language: "fr", EmailNotifications: true, Version: version}))
		}
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))))
		consultant(domain.AccountSuspended, 1)
		status := func() []domain.DeliveryStatus {
			ds, err := tb.repo.Deliveries(ctx, "hook-1", nil, 10)
			if err != nil {
				t.Fatal(err)
			}
			var out []domain.DeliveryStatus
			for _, d := range ds {
				out = append(out, d.Status)
			}
			return out
		}
		dispatchUntil(t, ctx, tb, domain.ChannelWebhook, func() bool { got := status(); return len(got) == 1 && got[0] != domain.DeliveryPending })
		if got := status(); len(got) != 1 || got[0] != domain.DeliverySkipped || len(tb.posts) != 0 {
			t.Fatalf("suspended: deliveries %v, %d calls made", got, len(tb.posts))
		}
		consultant(domain.AccountActive, 2)
		second := offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))
		second.OfferID = "o-2"
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), second))
		dispatchUntil(t, ctx, tb, domain.ChannelWebhook, func() bool { _, calls := tb.sent(); return calls == 1 })
		if got := status(); len(got) != 2 || got[0] != domain.DeliveryDelivered {
			t.Errorf("reinstated: deliveries %v (newest first), %d calls", got, len(tb.posts))
		}
	})
}

// TestEmailsHaveAnHTMLPartAndLinks: an email links to what it is about and to the account's
// preferences, in its text and in its HTML part, where a title typed by a firm is escaped.
func TestEmailsHaveAnHTMLPartAndLinks(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		must[app.Outcome](t)(tb.app.RecordMission(ctx, tb.delivery(), "m-1", "f-1", "AI <b>lead</b> & co"))
		must[app.Outcome](t)(tb.app.ChangeMission(ctx, tb.delivery(), "m-1", app.MissionNoMatch, time.Time{}))
		dispatchUntil(t, ctx, tb, domain.ChannelEmail, func() bool { emails, _ := tb.sent(); return emails >= 1 })
		if len(tb.emails) != 1 {
			t.Fatalf("%d emails", len(tb.emails))
		}
		e := tb.emails[0]
		mission, prefs := "https://caiomatch.example/missions/m-1", "https://caiomatch.example/v1/accounts/f-1"
		for part, body := range map[string]string{"text": e.Text, "html": e.HTML} {
			if !strings.Contains(body, mission) || !strings.Contains(body, prefs) {
				t.Errorf("%s part lacks the links:\n%s", part, body)
			}
		}
		if !strings.Contains(e.Text, "Open in caiomatch: "+mission) || !strings.Contains(e.HTML, `<a href="`+mission+`">Open in caiomatch</a>`) {
			t.Errorf("link labels: text %q html %q", e.Text, e.HTML)
		}
		if strings.Contains(e.HTML, "<b>lead</b>") || !strings.Contains(e.HTML, "AI &lt;b&gt;lead&lt;/b&gt; &amp; co") {
			t.Errorf("the title is not escaped in the HTML part:\n%s", e.HTML)
		}
	})
}

// TestPurgeKeepsWhatIsWithinTheRetention: notifications older than the retention go with
// their deliveries and attempts; newer ones stay.
func TestPurgeKeepsWhatIsWithinTheRetention(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		seed(t, ctx, tb)
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))))
		dispatchUntil(t, ctx, tb, domain.ChannelEmail, func() bool { emails, _ := tb.sent(); return emails >= 1 })
		tb.set(t0.AddDate(0, 5, 0))
		second := offerChange(domain.TypeOfferMade, t0.AddDate(0, 5, 3))
		second.OfferID = "o-2"
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), second))
		if n := must[int](t)(tb.app.Purge(ctx)); n != 0 {
			t.Fatalf("purged %d within the retention", n)
		}
		tb.set(t0.AddDate(0, 6, 10))
		if n := must[int](t)(tb.app.Purge(ctx)); n != 1 {
			t.Fatalf("purged %d, want the first offer's notification", n)
		}
		ns, _, err := tb.app.ListNotifications(ctx, identity.Caller{AccountID: "c-1"}, false, 10, "")
		if err != nil || len(ns) != 1 || ns[0].OfferID != "o-2" {
			t.Errorf("left: %+v, %v", ns, err)
		}
	})
}

// TestAnEmailWaitingForItsAccountGoesWhenTheAccountIsKnown: an offer handled before its
// consultant's account event waits, then goes as soon as the account event arrives.
func TestAnEmailWaitingForItsAccountGoesWhenTheAccountIsKnown(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, tb *testbed) {
		must[bool](t)(tb.app.MapProfile(ctx, tb.delivery(), "p-1", "c-1"))
		must[app.Outcome](t)(tb.app.RecordMission(ctx, tb.delivery(), "m-1", "f-1", "Chief AI Officer"))
		must[app.Outcome](t)(tb.app.ChangeOffer(ctx, tb.delivery(), offerChange(domain.TypeOfferMade, t0.Add(72*time.Hour))))
		dispatchUntil(t, ctx, tb, domain.ChannelEmail, func() bool { return true }) // one round: it waits for the account
		must[bool](t)(tb.app.ApplyAccount(ctx, tb.delivery(), domain.Account{ID: "c-1", Role: "CONSULTANT", Status: domain.AccountActive,
			Email: "c@example.com", Language: "fr", EmailNotifications: true}))
		dispatchUntil(t, ctx, tb, domain.ChannelEmail, func() bool { emails, _ := tb.sent(); return emails >= 1 })
		if emails, _ := tb.sent(); emails != 1 {
			t.Errorf("%d emails once the account is known", emails)
		}
	})
}
