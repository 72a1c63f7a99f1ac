package service_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/mail/mailtest"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/service"
	"github.com/caiomatch/caiomatch/services/notification/service/webhooktest"
)

// envFaults runs the kill test: it builds and kills a process, so it stays out of go test ./...
const envFaults = "CAIOMATCH_NOTIFICATION_FAULTS"

// TestKillDuringDelivery SIGKILLs the notification service (its own process, on a NATS server
// that outlives it) while it delivers 1,000 offers by email and webhook, starts it again, and
// counts at the receivers: every notification arrives, a message sent again after the crash
// carries the same webhook-id (or Message-ID), and the repeats are printed.
//
//	CAIOMATCH_NOTIFICATION_FAULTS=1 go test -run KillDuringDelivery -v ./services/notification/service
func TestKillDuringDelivery(t *testing.T) {
	if os.Getenv(envFaults) == "" {
		t.Skip("a fault test: set " + envFaults + "=1 to run it")
	}
	const offers = 1000
	natsURL, js := startNATS(t)
	smtpServer := mailtest.Start(t, mailtest.Options{})
	hook := webhooktest.Start(t, false)
	bin := filepath.Join(t.TempDir(), "notification")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/caiomatch/caiomatch/services/notification/cmd/notification").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	addr := freeAddr(t)
	dataDir := t.TempDir()
	startProcess := func() *exec.Cmd {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "NATS_URL="+natsURL, "CAIOMATCH_DATA_DIR="+dataDir,
			service.EnvAllowInsecureWebhooks+"=1", service.EnvSMTPURL+"="+smtpServer.URL(),
			"CAIOMATCH_NOTIFICATION_GRPC_ADDR="+addr)
		log, err := os.Create(filepath.Join(dataDir, "notification.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); log.Close() })
		return cmd
	}
	first := startProcess()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := notificationv1.NewNotificationServiceClient(conn)
	var created *notificationv1.CreateWebhookResponse
	eventually(t, "the service to answer", func() bool {
		created, err = client.CreateWebhook(as("c-1", "CONSULTANT"), &notificationv1.CreateWebhookRequest{Url: hook.URL, Events: []string{"offer.made"}})
		return err == nil
	})
	hook.SetSecret(created.GetSecret())
	h := &harness{js: js}
	h.publish(t, eventbus.ProducerAccount, "c-1", &accountv1.AccountChanged{AccountId: "c-1", Role: "CONSULTANT",
		Status: accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, Email: "claire@example.com", Language: "fr", EmailNotifications: true})
	h.publish(t, eventbus.ProducerProfile, "p-1", &profilev1.ProfileRegistered{Facts: &profilev1.MatchingFacts{ProfileId: "p-1", AccountId: "c-1"}})
	for i := range offers {
		h.publish(t, eventbus.ProducerMission, "m-1", &missionv1.OfferMade{Offer: offer(fmt.Sprintf("o-%04d", i), 72*time.Hour)})
	}

	eventbustestWait(t, 2*time.Minute, "a fifth of the webhooks", func() bool {
		attempts, _, _ := hook.Counts()
		return len(attempts) >= offers/5
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	before, _, _ := hook.Counts()
	t.Logf("killed after %d webhook messages and %d emails", len(before), len(smtpServer.Messages()))
	startProcess()

	eventbustestWait(t, 3*time.Minute, "every webhook and email after the restart", func() bool {
		attempts, _, _ := hook.Counts()
		return len(attempts) == offers && len(smtpServer.Messages()) >= offers
	})
	time.Sleep(2 * time.Second) // repeats still on their way are counted too
	attempts, accepted, bad := hook.Counts()
	calls := 0
	for _, n := range attempts {
		calls += n
	}
	emails := map[string]int{}
	for _, m := range smtpServer.Messages() {
		emails[m.MessageID]++
	}
	t.Logf("webhooks: %d distinct ids, %d calls, %d repeats; emails: %d distinct Message-IDs, %d received, %d repeats",
		len(attempts), calls, calls-len(attempts), len(emails), len(smtpServer.Messages()), len(smtpServer.Messages())-len(emails))
	if len(attempts) != offers || len(accepted) != offers || len(emails) != offers || len(bad) > 0 {
		t.Errorf("lost or refused: %d webhook ids, %d accepted, %d emails, refused %v", len(attempts), len(accepted), len(emails), bad)
	}
	// What was in flight when the process died is all that may come twice: an attempt made and
	// not yet recorded, at most DeliverWorkers per channel (a batch claimed but not started is
	// made once, after its lease).
	if repeats := calls - len(attempts) + len(smtpServer.Messages()) - len(emails); repeats > 2*app.DeliverWorkers {
		t.Errorf("%d repeats: more than the %d attempts that can be in flight", repeats, 2*app.DeliverWorkers)
	}
}

func eventbustestWait(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return "127.0.0.1:" + strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
}

// startNATS runs a NATS server other processes reach, with the platform's streams.
func startNATS(t *testing.T) (string, jetstream.JetStream) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true,
		StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := eventbus.EnsureStreams(context.Background(), js, eventbus.StreamSettings{}); err != nil {
		t.Fatal(err)
	}
	return srv.ClientURL(), js
}
