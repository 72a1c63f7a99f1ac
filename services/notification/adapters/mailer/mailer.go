// Package mailer sends the service's emails through pkg/mail (SMTP, or the all-in-one runner's
// mailbox).
package mailer

import (
	"context"
	"errors"

	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/services/notification/app"
)

// MessageIDDomain is the domain part of every Message-ID the service writes.
const MessageIDDomain = "notifications.caiomatch"

// Mailer is app.Mailer over a mail.Sender.
type Mailer struct{ sender mail.Sender }

var _ app.Mailer = Mailer{}

func New(sender mail.Sender) Mailer { return Mailer{sender: sender} }

// Send implements app.Mailer: the delivery id is the Message-ID, the same on every retry.
func (m Mailer) Send(ctx context.Context, e app.Email) error {
	err := m.sender.Send(ctx, mail.Message{ID: e.ID + "@" + MessageIDDomain, To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML})
	if err != nil && mail.IsPermanent(err) {
		return errors.Join(app.ErrUndeliverable, err)
	}
	return err
}
