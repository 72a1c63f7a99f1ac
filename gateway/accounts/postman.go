package accounts

import (
	"context"
	"log/slog"
	"time"

	"github.com/caiomatch/caiomatch/pkg/mail"
)

// Postman sends the sign-up and sign-in emails off the request path: an answer must not take
// longer when an email is known (that would tell who has an account), and a slow mail server
// must not hold requests. Its queue is bounded; when full, an email is dropped and logged, and
// the person asks again.
type Postman struct {
	sender mail.Sender
	logger *slog.Logger
	queue  chan queued
	// Retries of a temporary failure, each after a growing pause starting at RetryPause.
	Retries    int
	RetryPause time.Duration
}

type queued struct {
	msg mail.Message
	// kind names the email in logs, which never carry the address.
	kind string
}

// NewPostman sends through sender with a queue of size emails.
func NewPostman(sender mail.Sender, logger *slog.Logger, size int) *Postman {
	return &Postman{sender: sender, logger: logger, queue: make(chan queued, size), Retries: 3, RetryPause: time.Second}
}

// post queues msg; it never blocks.
func (p *Postman) post(kind string, msg mail.Message) {
	select {
	case p.queue <- queued{msg: msg, kind: kind}:
	default:
		p.logger.Warn("email dropped: the queue is full", "email", kind, "message_id", msg.ID)
	}
}

// Run sends queued emails, workers at a time, until ctx ends.
func (p *Postman) Run(ctx context.Context, workers int) error {
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case q := <-p.queue:
					p.deliver(ctx, q)
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	return nil
}

func (p *Postman) deliver(ctx context.Context, q queued) {
	pause := p.RetryPause
	for attempt := 0; ; attempt++ {
		sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := p.sender.Send(sendCtx, q.msg)
		cancel()
		if err == nil {
			return
		}
		if mail.IsPermanent(err) || attempt == p.Retries || ctx.Err() != nil {
			p.logger.Warn("email not sent", "email", q.kind, "message_id", q.msg.ID, "attempts", attempt+1,
				"permanent", mail.IsPermanent(err), "error", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause *= 4
	}
}
