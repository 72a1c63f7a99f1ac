package mail_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/mail"
)

func TestTheMailboxKeepsTheNewestMessagesNewestFirst(t *testing.T) {
	box := mail.NewMailbox("no-reply@caiomatch.test", 3)
	for i := range 5 {
		if err := box.Send(context.Background(), mail.Message{To: fmt.Sprintf("u%d@example.com", i), Subject: "s", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	got := box.Messages()
	if len(got) != 3 {
		t.Fatalf("%d messages kept, want 3", len(got))
	}
	for i, want := range []string{"u4@example.com", "u3@example.com", "u2@example.com"} {
		if got[i].To != want || got[i].From != "no-reply@caiomatch.test" || got[i].ID == "" || got[i].SentAt.IsZero() {
			t.Errorf("message %d = %+v, want to %s with sender, id and time", i, got[i], want)
		}
	}
}

func TestTheMailboxRefusesWhatSMTPWould(t *testing.T) {
	box := mail.NewMailbox("no-reply@caiomatch.test", 0)
	err := box.Send(context.Background(), mail.Message{To: "a@example.com\nBcc: b@example.com", Subject: "s", Text: "t"})
	if !mail.IsPermanent(err) || len(box.Messages()) != 0 {
		t.Errorf("err %v, %d kept", err, len(box.Messages()))
	}
}

func TestOpenKeepsMessagesInAMailboxWithoutSMTP(t *testing.T) {
	sender, box, err := mail.Open(mail.SMTPConfig{From: "no-reply@caiomatch.test"})
	if err != nil || box == nil || sender != mail.Sender(box) {
		t.Fatalf("Open without URL = %v, %v, %v", sender, box, err)
	}
	sender, box, err = mail.Open(mail.SMTPConfig{URL: "smtp://127.0.0.1:2525", From: "no-reply@caiomatch.test"})
	if err != nil || box != nil || sender == nil {
		t.Fatalf("Open with URL = %v, %v, %v", sender, box, err)
	}
}
