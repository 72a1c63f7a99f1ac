// Package mail sends the platform's emails: a Message, the Sender interface, an SMTP sender and
// a bounded in-memory Mailbox used when no SMTP server is configured. Settings are read by the
// components' configs (pkg/envconfig), not here.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
)

// DefaultFrom is the sender when none is configured, the same for every component that emails.
// .localhost is reserved (RFC 6761): no one's real domain is claimed.
const DefaultFrom = "caiomatch <no-reply@caiomatch.localhost>"

// Message is one email. Text is required: every email has a plain-text part, HTML is an
// optional alternative.
type Message struct {
	// ID is the Message-ID without angle brackets; NewMessageID makes one. A retry of the same
	// email keeps its ID so receivers can recognise a repeat.
	ID      string
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, msg Message) error
}

// ErrInvalidMessage wraps every refusal of a message before any connection is made.
var ErrInvalidMessage = errors.New("invalid message")

// NewMessageID is a random id in the given domain ("caiomatch.local" when empty).
func NewMessageID(domain string) string {
	if domain == "" {
		domain = "caiomatch.local"
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + "@" + domain
}

// validate refuses what no server should receive: header injection and empty parts.
func (m Message) validate() error {
	switch {
	case strings.TrimSpace(m.To) == "":
		return errors.Join(ErrInvalidMessage, errors.New("no recipient"))
	case m.Text == "":
		return errors.Join(ErrInvalidMessage, errors.New("no text part"))
	case strings.ContainsAny(m.To+m.Subject+m.ID, "\r\n"):
		return errors.Join(ErrInvalidMessage, errors.New("line break in a header"))
	}
	return nil
}
