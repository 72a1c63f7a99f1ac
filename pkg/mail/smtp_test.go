package mail_test

import (
	"context"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/mail/mailtest"
)

const from = "caiomatch <no-reply@caiomatch.test>"

func newSender(t *testing.T, server *mailtest.Server, rawURL string) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: rawURL, From: from, Timeout: 5 * time.Second, TLS: server.ClientTLS()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func french(to string) mail.Message {
	return mail.Message{
		ID: mail.NewMessageID("caiomatch.test"), To: to,
		Subject: "Votre code : 123 456 — à saisir",
		Text:    "Bonjour,\nvotre code est 123456. Il expire dans 30 minutes.\n",
		HTML:    "<p>Bonjour,</p><p>votre code est <b>123456</b>.</p>",
	}
}

func TestMessagesArriveWithTheirPartsOverEveryTransport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    mailtest.Options
		wantTLS bool
	}{
		{"plain", mailtest.Options{}, false},
		{"starttls", mailtest.Options{StartTLS: true}, true},
		{"starttls with auth", mailtest.Options{StartTLS: true, Username: "relay", Password: "s3cret pass"}, true},
		{"implicit tls with auth", mailtest.Options{ImplicitTLS: true, Username: "relay", Password: "s3cret"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server := mailtest.Start(t, tc.opts)
			msg := french("anne@example.com")
			if err := newSender(t, server, server.URL()).Send(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			got := server.WaitFor(t, "anne@example.com", 1, 5*time.Second)
			if got.Subject != msg.Subject || got.Text != strings.TrimSuffix(msg.Text, "\n") || got.HTML != msg.HTML {
				t.Errorf("received subject %q text %q html %q, want %q %q %q", got.Subject, got.Text, got.HTML, msg.Subject, msg.Text, msg.HTML)
			}
			if got.MessageID != msg.ID {
				t.Errorf("message id %q, want %q", got.MessageID, msg.ID)
			}
			if got.From != "no-reply@caiomatch.test" {
				t.Errorf("envelope sender %q", got.From)
			}
			if got.OverTLS != tc.wantTLS {
				t.Errorf("over TLS = %v, want %v", got.OverTLS, tc.wantTLS)
			}
		})
	}
}

func TestTheDefaultSenderIsAValidEnvelopeSender(t *testing.T) {
	server := mailtest.Start(t, mailtest.Options{})
	s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: server.URL(), From: mail.DefaultFrom, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), french("anne@example.com")); err != nil {
		t.Fatal(err)
	}
	want, err := netmail.ParseAddress(mail.DefaultFrom)
	if err != nil {
		t.Fatal(err)
	}
	if got := server.WaitFor(t, "anne@example.com", 1, 5*time.Second); got.From != want.Address || !strings.HasSuffix(got.From, ".localhost") {
		t.Errorf("envelope sender %q, want %q in the reserved .localhost domain", got.From, want.Address)
	}
}

func TestATextOnlyMessageHasNoHTMLPart(t *testing.T) {
	server := mailtest.Start(t, mailtest.Options{})
	msg := mail.Message{To: "bob@example.com", Subject: "Sign in", Text: "Follow the link."}
	if err := newSender(t, server, server.URL()).Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	got := server.WaitFor(t, "bob@example.com", 1, 5*time.Second)
	if got.Text != msg.Text || got.HTML != "" || got.MessageID == "" {
		t.Errorf("got text %q html %q id %q", got.Text, got.HTML, got.MessageID)
	}
}

func TestCredentialsAreNeverSentWithoutTLS(t *testing.T) {
	server := mailtest.Start(t, mailtest.Options{Username: "relay", Password: "s3cret"})
	err := newSender(t, server, server.URL()).Send(context.Background(), french("anne@example.com"))
	if err == nil {
		t.Fatal("a password went over a plain connection")
	}
	if len(server.Messages()) != 0 {
		t.Error("a message was accepted")
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	server := mailtest.Start(t, mailtest.Options{StartTLS: true, Username: "relay", Password: "s3cret"})
	wrong := strings.Replace(server.URL(), "s3cret", "guess", 1)
	if err := newSender(t, server, wrong).Send(context.Background(), french("anne@example.com")); err == nil {
		t.Fatal("sent with a wrong password")
	}
}

func TestARefusedRecipientIsPermanentAndAnUnreachableServerIsNot(t *testing.T) {
	refusing := mailtest.Start(t, mailtest.Options{RefuseRecipients: true})
	err := newSender(t, refusing, refusing.URL()).Send(context.Background(), french("nobody@example.com"))
	if err == nil || !mail.IsPermanent(err) {
		t.Fatalf("refused recipient: err %v, permanent %v", err, mail.IsPermanent(err))
	}
	if strings.Contains(err.Error(), "nobody@example.com") {
		t.Errorf("the error names the recipient, and would carry it into logs: %v", err)
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := lis.Addr().String()
	lis.Close()
	err = newSender(t, refusing, "smtp://"+closedAddr).Send(context.Background(), french("anne@example.com"))
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("unreachable server: err %v, permanent %v", err, mail.IsPermanent(err))
	}
}

func TestAServerThatNeverAnswersTimesOut(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never greeted
		}
	}()
	s, err := mail.NewSMTPSender(mail.SMTPConfig{URL: "smtp://" + lis.Addr().String(), From: from, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Send(context.Background(), french("anne@example.com")); err == nil {
		t.Fatal("sent to a silent server")
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("gave up after %s", elapsed)
	}
}

func TestConcurrentSendsAllArrive(t *testing.T) {
	server := mailtest.Start(t, mailtest.Options{StartTLS: true})
	sender := newSender(t, server, server.URL())
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			errs <- sender.Send(context.Background(), mail.Message{To: fmt.Sprintf("user%d@example.com", i), Subject: "s", Text: "t"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(server.Messages()); n != 20 {
		t.Errorf("%d messages arrived, want 20", n)
	}
}

func TestBadSettingsAndMessagesAreRefusedBeforeConnecting(t *testing.T) {
	for _, cfg := range []mail.SMTPConfig{
		{URL: "http://mail.example.com", From: from},
		{URL: "smtp://", From: from},
		{URL: "smtp://mail.example.com:99999", From: from},
		{URL: "smtp://mail.example.com"},
		{URL: "smtp://mail.example.com", From: "not an address"},
	} {
		if _, err := mail.NewSMTPSender(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	server := mailtest.Start(t, mailtest.Options{})
	sender := newSender(t, server, server.URL())
	for _, msg := range []mail.Message{
		{To: "anne@example.com\r\nBcc: all@example.com", Subject: "s", Text: "t"},
		{To: "anne@example.com", Subject: "s\r\nBcc: all@example.com", Text: "t"},
		{To: "anne@example.com", Subject: "no text"},
		{To: "not an address", Subject: "s", Text: "t"},
	} {
		err := sender.Send(context.Background(), msg)
		if !mail.IsPermanent(err) {
			t.Errorf("%q: err %v, want a permanent refusal", msg.To, err)
		}
	}
	if len(server.Messages()) != 0 {
		t.Error("a bad message reached the server")
	}
}
