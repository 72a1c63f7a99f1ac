package service_test

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/mail/mailtest"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/notification/service"
	"github.com/caiomatch/caiomatch/services/notification/service/webhooktest"
)

const deadline = 15 * time.Second

type harness struct {
	js      jetstream.JetStream
	client  notificationv1.NotificationServiceClient
	smtp    *mailtest.Server
	logs    *eventbustest.SyncBuffer
	dataDir string
	stop    func()
}

// privateNames resolve to addresses a webhook may not reach, as a rebinding DNS would answer.
var privateNames = map[string]string{"intranet.example.com": "10.0.0.7", "metadata.example.com": "169.254.169.254"}

func lookup(_ context.Context, host string) ([]netip.Addr, error) {
	if a, ok := privateNames[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
}

// start runs the service against an embedded NATS server, a real gRPC listener and an SMTP
// server of the test; change adjusts its configuration.
func start(t testing.TB, change ...func(*service.Config)) *harness {
	t.Helper()
	h := &harness{js: eventbustest.Start(t).JS, smtp: mailtest.Start(t, mailtest.Options{StartTLS: true}), dataDir: t.TempDir()}
	h.run(t, change...)
	return h
}

// run starts the service on the harness's NATS server and data directory; stop ends it.
func (h *harness) run(t testing.TB, change ...func(*service.Config)) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: h.smtp.URL(), From: "caiomatch <no-reply@caiomatch.test>",
		TLS: h.smtp.ClientTLS(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.logs = &eventbustest.SyncBuffer{}
	cfg := service.Config{ShutdownGrace: time.Second, AllowInsecureWebhooks: true, Mail: sender,
		ReminderInterval: 100 * time.Millisecond, DeliveryInterval: 100 * time.Millisecond, Lookup: lookup}
	for _, c := range change {
		c(&cfg)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- service.Run(runCtx, servicehost.Host{
			Name: service.Name, DataDir: h.dataDir, JetStream: h.js, TracerProvider: noop.NewTracerProvider(),
			Logger:   slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Listener: lis,
		}, cfg)
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	h.stop = func() {
		if stopped {
			return
		}
		stopped = true
		conn.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("service stopped with %v", err)
			}
		case <-time.After(deadline):
			t.Error("service did not stop")
		}
	}
	t.Cleanup(h.stop)
	h.client = notificationv1.NewNotificationServiceClient(conn)
}

func as(accountID, role string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), rpc.MetadataAccountID, accountID, rpc.MetadataRole, role)
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	eventbustest.Eventually(t, deadline, what, cond)
}

// publish publishes an event as its producer would; it returns the event so that a test can
// publish it again (a redelivery past JetStream's duplicate window).
func (h *harness) publish(t testing.TB, producer, aggregate string, payload proto.Message) eventbus.Event {
	t.Helper()
	ev, err := eventbus.NewEvent(producer, aggregate, payload, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.republish(t, ev, ev.Envelope.GetEventId())
	return ev
}

func (h *harness) republish(t testing.TB, ev eventbus.Event, msgID string) {
	t.Helper()
	if _, err := h.js.Publish(context.Background(), ev.Subject, ev.Data, jetstream.WithMsgID(msgID)); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) notifications(t testing.TB, accountID, role string) []*notificationv1.Notification {
	t.Helper()
	resp, err := h.client.ListNotifications(as(accountID, role), &notificationv1.ListNotificationsRequest{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetNotifications()
}

func types(ns []*notificationv1.Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.GetType())
	}
	return out
}

// platform publishes what the other components would have said before an offer: the two
// accounts, the consultant's profile and the firm's mission.
func (h *harness) platform(t testing.TB) {
	t.Helper()
	h.publish(t, eventbus.ProducerAccount, "c-1", &accountv1.AccountChanged{AccountId: "c-1", Role: "CONSULTANT",
		Status: accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, Email: "claire@example.com", Language: "fr", EmailNotifications: true})
	h.publish(t, eventbus.ProducerAccount, "f-1", &accountv1.AccountChanged{AccountId: "f-1", Role: "FIRM",
		Status: accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, Email: "ops@acme.example", Language: "en", EmailNotifications: false})
	h.publish(t, eventbus.ProducerProfile, "p-1", &profilev1.ProfileRegistered{Facts: &profilev1.MatchingFacts{ProfileId: "p-1", AccountId: "c-1"}})
	h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionSubmitted{Mission: &missionv1.Mission{Id: "m-1", FirmId: "f-1",
		Title: "Chief AI Officer"}})
}

func offer(id string, expiresIn time.Duration) *missionv1.Offer {
	return &missionv1.Offer{Id: id, MissionId: "m-1", ProfileId: "p-1", FirmId: "f-1", DailyRateEur: 1200,
		ExpiresAt: timestamppb.New(time.Now().Add(expiresIn)), Message: "Claire, we would love to work with you",
		Mission: &missionv1.MissionSummary{Title: "Chief AI Officer", FirmName: "Acme Pharma"}}
}

// TestOfferReachesTheConsultantInAppByEmailAndSignedWebhook is the path of issue 14: an offer
// becomes the consultant's notification in French, an email through the SMTP server of the
// test, and signed webhook calls retried after a 500 until exactly one success each; its
// reminder follows at once, the offer expiring within 24 hours.
func TestOfferReachesTheConsultantInAppByEmailAndSignedWebhook(t *testing.T) {
	h := start(t)
	hook := webhooktest.Start(t, true)
	created, err := h.client.CreateWebhook(as("c-1", "CONSULTANT"), &notificationv1.CreateWebhookRequest{
		Url: hook.URL + "/caiomatch", Events: []string{"offer.made", "offer.expiring"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.GetSecret(), "whsec_") {
		t.Fatalf("secret %q", created.GetSecret())
	}
	hook.SetSecret(created.GetSecret())
	h.platform(t)
	made := h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.OfferMade{Offer: offer("o-1", 20*time.Hour)})

	eventually(t, "offer.made and offer.expiring for the consultant", func() bool { return len(h.notifications(t, "c-1", "CONSULTANT")) == 2 })
	ns := h.notifications(t, "c-1", "CONSULTANT")
	byType := map[string]*notificationv1.Notification{}
	for _, n := range ns {
		byType[n.GetType()] = n
	}
	if n := byType["offer.made"]; n == nil || n.GetOfferId() != "o-1" || n.GetMissionId() != "m-1" ||
		!strings.Contains(n.GetTitle(), "Nouvelle offre") || !strings.Contains(n.GetBody(), "Acme Pharma") {
		t.Errorf("offer.made = %v", n)
	}
	if n := byType["offer.expiring"]; n == nil || !strings.Contains(n.GetBody(), "expire") {
		t.Errorf("offer.expiring = %v", n)
	}
	if firm := h.notifications(t, "f-1", "FIRM"); len(firm) != 0 {
		t.Errorf("the firm was told of its own offer: %v", types(firm))
	}

	h.smtp.WaitFor(t, "claire@example.com", 2, deadline)
	var email mailtest.Received
	for _, m := range h.smtp.Messages() {
		if strings.HasPrefix(m.Subject, "Nouvelle offre") {
			email = m
		}
	}
	if !strings.Contains(email.Subject, "Chief AI Officer") || !strings.Contains(email.Text, "1200") || !strings.Contains(email.HTML, "1200") ||
		!strings.Contains(email.MessageID, "@notifications.caiomatch") || !email.OverTLS {
		t.Errorf("email = %+v", email)
	}

	eventually(t, "both webhook messages delivered after a retry", func() bool {
		attempts, accepted, _ := hook.Counts()
		return len(accepted) == 2 && len(attempts) == 2
	})
	attempts, accepted, bad := hook.Counts()
	for id, n := range attempts {
		if n != 2 || accepted[id] != 1 {
			t.Errorf("message %s: %d attempts, %d accepted; want 2 and 1", id, n, accepted[id])
		}
		body := hook.Body(id)
		if body.Data["missionId"] != "m-1" || body.Data["offerId"] != "o-1" || body.Data["missionTitle"] != "Chief AI Officer" {
			t.Errorf("body of %s: %+v", id, body)
		}
		if _, leaked := body.Data["message"]; leaked {
			t.Errorf("the firm's free text reached the webhook: %+v", body)
		}
	}
	if len(bad) > 0 {
		t.Errorf("calls that failed verification: %v", bad)
	}

	var deliveries *notificationv1.ListWebhookDeliveriesResponse
	eventually(t, "both deliveries recorded as delivered", func() bool {
		deliveries, err = h.client.ListWebhookDeliveries(as("c-1", "CONSULTANT"),
			&notificationv1.ListWebhookDeliveriesRequest{Id: created.GetWebhook().GetId()})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deliveries.GetDeliveries() {
			if d.GetStatus() != notificationv1.DeliveryStatus_DELIVERY_STATUS_DELIVERED {
				return false
			}
		}
		return len(deliveries.GetDeliveries()) == 2
	})
	for _, d := range deliveries.GetDeliveries() {
		a := d.GetAttempts()
		if d.GetStatus() != notificationv1.DeliveryStatus_DELIVERY_STATUS_DELIVERED || len(a) != 2 ||
			a[0].GetStatusCode() != 500 || a[1].GetStatusCode() != 204 || accepted[d.GetId()] != 1 {
			t.Errorf("delivery log %v", d)
		}
	}
	if _, err := h.client.ListWebhookDeliveries(as("f-1", "FIRM"), &notificationv1.ListWebhookDeliveriesRequest{Id: created.GetWebhook().GetId()}); status.Code(err) != codes.NotFound {
		t.Errorf("another account read the delivery log: %v", err)
	}

	// The same event again (redelivered past the duplicate window) tells nobody twice.
	h.republish(t, made, "again-"+made.Envelope.GetEventId())
	h.publish(t, eventbus.ProducerAccount, "c-1", &accountv1.AccountChanged{AccountId: "c-1", Role: "CONSULTANT", Language: "en", EmailNotifications: true, Email: "claire@example.com"})
	eventually(t, "the account change applied", func() bool {
		ns := h.notifications(t, "c-1", "CONSULTANT")
		return len(ns) > 0 && strings.Contains(ns[0].GetTitle(), "Offer")
	})
	if ns := h.notifications(t, "c-1", "CONSULTANT"); len(ns) != 2 {
		t.Errorf("after a redelivery: %v", types(ns))
	}
	if got := len(h.smtp.Messages()); got != 2 {
		t.Errorf("%d emails, want 2 (offer.made, offer.expiring)", got)
	}
}

func TestShortlistTellsTheFirmOfNewAndChangedShortlistsOnly(t *testing.T) {
	h := start(t)
	h.platform(t)
	proposal := func(rev int64, ids ...string) {
		sp := &matchingv1.ShortlistProposed{MissionId: "m-1", FirmId: "f-1", Revision: rev}
		for i, id := range ids {
			sp.Candidates = append(sp.Candidates, &matchingv1.Candidate{ProfileId: id, Rank: int32(i + 1)})
		}
		h.publish(t, eventbus.ProducerMatching, "m-1", sp)
	}
	proposal(1, "p-1", "p-2")
	proposal(2, "p-1", "p-2")
	proposal(3, "p-2", "p-1")
	eventually(t, "two shortlist notices", func() bool { return len(h.notifications(t, "f-1", "FIRM")) == 2 })
	h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionUpdated{MissionId: "m-1", Status: missionv1.MissionStatus_MISSION_STATUS_NO_MATCH})
	eventually(t, "the no-match notice", func() bool {
		ns := h.notifications(t, "f-1", "FIRM")
		return len(ns) > 0 && ns[0].GetType() == "mission.no_match"
	})
	got := types(h.notifications(t, "f-1", "FIRM"))
	if strings.Join(got, " ") != "mission.no_match shortlist.ready shortlist.ready" {
		t.Errorf("firm notifications = %v, want no_match then two shortlist.ready (revisions 3 and 1)", got)
	}
	if got := len(h.smtp.Messages()); got != 0 {
		t.Errorf("%d emails to a firm that turned them off", got)
	}
}

func TestLiveWatchAndReadState(t *testing.T) {
	h := start(t)
	h.platform(t)
	type answer struct {
		resp *notificationv1.WatchNotificationsResponse
		err  error
	}
	got := make(chan answer, 1)
	since := timestamppb.Now() // however late the watch registers, it starts here
	go func() {
		resp, err := h.client.WatchNotifications(as("c-1", "CONSULTANT"), &notificationv1.WatchNotificationsRequest{Since: since, WaitSeconds: 10})
		got <- answer{resp, err}
	}()
	time.Sleep(200 * time.Millisecond) // most often the watch waits before the event
	start := time.Now()
	h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.OfferWithdrawn{Offer: offer("o-2", 72*time.Hour)})
	var a answer
	select {
	case a = <-got:
	case <-time.After(deadline):
		t.Fatal("the watch did not answer")
	}
	if a.err != nil || len(a.resp.GetNotifications()) != 1 || a.resp.GetNotifications()[0].GetType() != "offer.withdrawn" {
		t.Fatalf("watch = %v, %v", a.resp, a.err)
	}
	t.Logf("event published to watch answered: %v", time.Since(start))
	n := a.resp.GetNotifications()[0]
	// Watching on from next_since with what was seen returns nothing new: it waits.
	again, err := h.client.WatchNotifications(as("c-1", "CONSULTANT"), &notificationv1.WatchNotificationsRequest{
		Since: a.resp.GetNextSince(), SeenIds: []string{n.GetId()}, WaitSeconds: 1})
	if err != nil || len(again.GetNotifications()) != 0 {
		t.Errorf("second watch = %v, %v", again, err)
	}
	if _, err := h.client.MarkNotificationRead(as("f-1", "FIRM"), &notificationv1.MarkNotificationReadRequest{Id: n.GetId()}); status.Code(err) != codes.NotFound {
		t.Errorf("another account read it: %v", err)
	}
	read, err := h.client.MarkNotificationRead(as("c-1", "CONSULTANT"), &notificationv1.MarkNotificationReadRequest{Id: n.GetId()})
	if err != nil || read.GetNotification().GetReadAt() == nil {
		t.Fatalf("read = %v, %v", read, err)
	}
	unread, err := h.client.ListNotifications(as("c-1", "CONSULTANT"), &notificationv1.ListNotificationsRequest{UnreadOnly: true})
	if err != nil || len(unread.GetNotifications()) != 0 {
		t.Errorf("unread = %v, %v", unread, err)
	}
}

// TestWebhookTargetsMustBePublic: without the development setting, http, loopback and a name
// that resolves to a private address are refused when the webhook is created.
func TestWebhookTargetsMustBePublic(t *testing.T) {
	h := start(t, func(c *service.Config) { c.AllowInsecureWebhooks = false })
	for _, url := range []string{"http://hooks.example.com/x", "https://127.0.0.1/x", "https://intranet.example.com/x",
		"https://metadata.example.com/latest", "https://[::1]:8443/"} {
		_, err := h.client.CreateWebhook(as("f-1", "FIRM"), &notificationv1.CreateWebhookRequest{Url: url, Events: []string{"offer.accepted"}})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", url, err)
		}
	}
	if _, err := h.client.CreateWebhook(as("f-1", "FIRM"), &notificationv1.CreateWebhookRequest{Url: "https://hooks.example.com/x",
		Events: []string{"offer.teleported"}}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("unknown event type: %v", err)
	}
	if _, err := h.client.CreateWebhook(as("o-1", "OPERATOR"), &notificationv1.CreateWebhookRequest{Url: "https://hooks.example.com/x",
		Events: []string{"offer.accepted"}}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("operator webhook: %v", err)
	}
	ok, err := h.client.CreateWebhook(as("f-1", "FIRM"), &notificationv1.CreateWebhookRequest{Url: "https://hooks.example.com/x",
		Events: []string{"offer.accepted"}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := h.client.ListWebhooks(as("f-1", "FIRM"), &notificationv1.ListWebhooksRequest{})
	if err != nil || len(list.GetWebhooks()) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}
	if _, err := h.client.DeleteWebhook(as("c-1", "CONSULTANT"), &notificationv1.DeleteWebhookRequest{Id: ok.GetWebhook().GetId()}); status.Code(err) != codes.NotFound {
		t.Errorf("another account deleted it: %v", err)
	}
	if _, err := h.client.DeleteWebhook(as("f-1", "FIRM"), &notificationv1.DeleteWebhookRequest{Id: ok.GetWebhook().GetId()}); err != nil {
		t.Error(err)
	}
}

// TestRetriesSurviveARestart: a delivery that failed once is retried by the restarted service,
// with the same webhook-id, and succeeds once.
func TestRetriesSurviveARestart(t *testing.T) {
	h := start(t)
	hook := webhooktest.Start(t, true)
	created, err := h.client.CreateWebhook(as("c-1", "CONSULTANT"), &notificationv1.CreateWebhookRequest{
		Url: hook.URL, Events: []string{"offer.withdrawn"}})
	if err != nil {
		t.Fatal(err)
	}
	hook.SetSecret(created.GetSecret())
	h.platform(t)
	h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.OfferWithdrawn{Offer: offer("o-3", 72*time.Hour)})
	eventually(t, "the first attempt", func() bool {
		attempts, _, _ := hook.Counts()
		return len(attempts) == 1
	})
	h.stop()
	h.run(t)
	eventually(t, "the retry after the restart", func() bool {
		_, accepted, _ := hook.Counts()
		return len(accepted) == 1
	})
	attempts, accepted, bad := hook.Counts()
	for id, n := range attempts {
		if n != 2 || accepted[id] != 1 {
			t.Errorf("message %s: %d attempts, %d accepted", id, n, accepted[id])
		}
	}
	if len(attempts) != 1 || len(bad) > 0 {
		t.Errorf("%d distinct messages, refused calls %v", len(attempts), bad)
	}
}

// TestWithoutSMTPEmailsAreSkipped: the service run on its own without an SMTP server does not
// pretend to send: each email is marked SKIPPED, and the log says why.
func TestWithoutSMTPEmailsAreSkipped(t *testing.T) {
	h := start(t, func(c *service.Config) { c.Mail = nil })
	h.platform(t)
	h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.OfferMade{Offer: offer("o-1", 72*time.Hour)})
	db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(h.dataDir, service.Name+".db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var status string
	eventually(t, "the email settled", func() bool {
		err := db.QueryRow(`SELECT status FROM deliveries WHERE channel = 'email'`).Scan(&status)
		return err == nil && status != "PENDING"
	})
	if status != "SKIPPED" {
		t.Errorf("email %s without an SMTP server", status)
	}
	if logs := h.logs.String(); !strings.Contains(logs, service.EnvSMTPURL) || !strings.Contains(logs, "SKIPPED") {
		t.Errorf("nothing logged about emails not sent:\n%s", logs)
	}
}
