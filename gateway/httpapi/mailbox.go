package httpapi

import (
	"net/http"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// ReasonNoMailbox: emails leave by SMTP, none is kept to read.
const ReasonNoMailbox = "NO_MAILBOX"

type mailboxMessage struct {
	ID      string    `json:"id"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	SentAt  time.Time `json:"sentAt"`
}

// listMailbox shows operators the emails kept instead of sent when no SMTP server is set,
// newest first. The operator's own reading of personal data, as with accounts.
func (o opsHandlers) listMailbox(box *mail.Mailbox) func(http.ResponseWriter, *http.Request, map[string]string) {
	return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		if !o.requireOperator(w, r) {
			return
		}
		if box == nil {
			writeStatus(o.mux, w, r, rpc.StatusWithReason(codes.NotFound, ReasonNoMailbox,
				"emails are sent by SMTP (CAIOMATCH_SMTP_URL); no mailbox is kept").Err())
			return
		}
		messages := []mailboxMessage{}
		for _, m := range box.Messages() {
			messages = append(messages, mailboxMessage{ID: m.ID, From: m.From, To: m.To, Subject: m.Subject,
				Text: m.Text, HTML: m.HTML, SentAt: m.SentAt})
		}
		writeJSON(w, http.StatusOK, map[string]any{"messages": messages})
	}
}
