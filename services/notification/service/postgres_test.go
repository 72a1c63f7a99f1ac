package service_test

import (
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/notification/service"
	"github.com/caiomatch/caiomatch/services/notification/service/webhooktest"
)

// TestRunsOnPostgreSQL: the same service on PostgreSQL (its own schema) turns offers into
// notifications, emails and webhook calls, each once, the dispatchers claiming under
// PostgreSQL's locks.
func TestRunsOnPostgreSQL(t *testing.T) {
	databaseURL := sqltest.PostgresURL(t)
	h := start(t, func(c *service.Config) { c.DatabaseURL = databaseURL })
	hook := webhooktest.Start(t, false)
	created, err := h.client.CreateWebhook(as("c-1", "CONSULTANT"), &notificationv1.CreateWebhookRequest{Url: hook.URL, Events: []string{"offer.made"}})
	if err != nil {
		t.Fatal(err)
	}
	hook.SetSecret(created.GetSecret())
	h.platform(t)
	const offers = 20
	for i := range offers {
		h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.OfferMade{Offer: offer("o-pg-"+string(rune('a'+i)), 72*time.Hour)})
	}
	eventually(t, "every offer's webhook call and email", func() bool {
		attempts, _, _ := hook.Counts()
		return len(attempts) == offers && len(h.smtp.Messages()) == offers
	})
	attempts, accepted, bad := hook.Counts()
	for id, n := range attempts {
		if n != 1 || accepted[id] != 1 {
			t.Errorf("message %s: %d attempts, %d accepted", id, n, accepted[id])
		}
	}
	if len(bad) > 0 {
		t.Errorf("refused calls: %v", bad)
	}
	if ns := h.notifications(t, "c-1", "CONSULTANT"); len(ns) != offers {
		t.Errorf("%d notifications, want %d", len(ns), offers)
	}
}
