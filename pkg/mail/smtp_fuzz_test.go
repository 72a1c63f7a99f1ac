package mail_test

import (
	"context"
	"errors"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/mail/mailtest"
)

// FuzzSend sends a message with a fuzzed recipient and subject through the SMTP sender to a
// real SMTP server. Either the sender refuses it before connecting, as a permanent failure (the
// notification service then stops retrying), or exactly that one recipient receives it with that
// subject: a recipient or subject can never add a recipient or a header. Whatever the recipient,
// no error names it (errors reach logs).
func FuzzSend(f *testing.F) {
	for _, seed := range [][2]string{
		{"anne@example.com", "Votre code : 123 456 — à saisir"}, {"anne@example.com\r\nBcc: all@example.com", "s"},
		{"anne@example.com", "s\r\nBcc: all@example.com"}, {"anne@example.com", "s\nX: y"}, {"not an address", "s"},
		{"", "s"}, {" ", "s"}, {"Anne <anne@example.com>", "s"}, {"anne@example.com, bob@example.com", "s"},
		{"\"a b\"@example.com", "s"}, {"é@exämple.com", "=?utf-8?q?x?="}, {"anne@[127.0.0.1]", "s"}, {"a@b", "\x00"},
		{"anne@example.com>", "s"}, {"<anne@example.com>", strings.Repeat("long ", 400)},
	} {
		f.Add(seed[0], seed[1])
	}
	server := mailtest.Start(f, mailtest.Options{})
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: server.URL(), From: from, Timeout: 5 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, to, subject string) {
		before := len(server.Messages())
		err := sender.Send(context.Background(), mail.Message{To: to, Subject: subject, Text: "Bonjour."})
		received := server.Messages()[before:]
		if err != nil {
			var netErr net.Error
			if errors.As(err, &netErr) {
				t.Fatalf("To %q: the server was not reached: %v", to, err)
			}
			if len(received) > 0 {
				t.Fatalf("To %q: an error (%v), and %d messages received", to, err, len(received))
			}
			if strings.TrimSpace(to) != "" && len(to) > 3 && strings.Contains(err.Error(), to) {
				t.Fatalf("To %q: the error names the recipient: %v", to, err)
			}
			if mail.IsPermanent(err) {
				return
			}
			// The test server takes anything the sender sends: a refusal comes from the
			// server's parser only (an address it cannot read), which is permanent too.
			if !strings.Contains(err.Error(), "smtp send") {
				t.Fatalf("To %q: a temporary failure before sending: %v", to, err)
			}
			return
		}
		if len(received) != 1 {
			t.Fatalf("To %q: sent, and %d messages received", to, len(received))
		}
		got := received[0]
		// The envelope recipient is the address as net/mail reads it (a quoted local part
		// unquoted): what the platform validates an address to be before it sends.
		addr, perr := netmail.ParseAddress(to)
		if perr != nil || len(got.To) != 1 || got.To[0] != addr.Address {
			t.Fatalf("To %q: received by %q (parsed %v, %v)", to, got.To, addr, perr)
		}
		// A subject may be folded, or look like an encoded word the reader decodes; it is the
		// same words, on one line.
		if strings.ContainsAny(got.Subject, "\r\n") ||
			!strings.Contains(subject, "=?") && strings.Join(strings.Fields(got.Subject), " ") != strings.Join(strings.Fields(subject), " ") {
			t.Fatalf("To %q: subject %q received as %q", to, subject, got.Subject)
		}
	})
}
