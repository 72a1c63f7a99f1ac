package mail

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Delivered is a message as the mailbox kept it.
type Delivered struct {
	Message
	From   string
	SentAt time.Time
}

// Mailbox keeps the newest messages in memory instead of sending them: the all-in-one runner
// uses one when no SMTP server is set, and operators read it. Older messages are dropped so
// memory stays bounded.
type Mailbox struct {
	from     string
	capacity int

	mu       sync.Mutex
	messages []Delivered // oldest first, at most capacity
}

// DefaultMailboxCapacity is how many messages a mailbox keeps unless told otherwise.
const DefaultMailboxCapacity = 500

// NewMailbox keeps at most capacity messages (DefaultMailboxCapacity when capacity <= 0).
func NewMailbox(from string, capacity int) *Mailbox {
	if capacity <= 0 {
		capacity = DefaultMailboxCapacity
	}
	return &Mailbox{from: from, capacity: capacity}
}

// Send keeps msg, dropping the oldest message when the mailbox is full.
func (b *Mailbox) Send(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := msg.validate(); err != nil {
		return err
	}
	if msg.ID == "" {
		msg.ID = NewMessageID("")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.messages) == b.capacity {
		copy(b.messages, b.messages[1:])
		b.messages = b.messages[:len(b.messages)-1]
	}
	b.messages = append(b.messages, Delivered{Message: msg, From: b.from, SentAt: time.Now().UTC()})
	return nil
}

// Messages returns the kept messages, newest first.
func (b *Mailbox) Messages() []Delivered {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Delivered, len(b.messages))
	for i, m := range b.messages {
		out[len(out)-1-i] = m
	}
	return out
}

// Forget drops the kept messages to address (compared without case), for an erased account,
// and tells how many went.
func (b *Mailbox) Forget(address string) int {
	if b == nil || address == "" {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	kept := b.messages[:0]
	for _, m := range b.messages {
		if !strings.EqualFold(m.To, address) {
			kept = append(kept, m)
		}
	}
	gone := len(b.messages) - len(kept)
	clear(b.messages[len(kept):])
	b.messages = kept
	return gone
}
