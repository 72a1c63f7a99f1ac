package accounts

import (
	"context"
	"log/slog"
	"time"

	"github.com/caiomatch/caiomatch/pkg/mail"
)

// Postman runs the errands behind sign-up and sign-in off the request path: looking the address
// up, storing a code or a link, writing and sending the email. The answer is then the same, in
// content and in time, whether an address has an account or not, and a slow mail server holds
// no request. Its queue is bounded; when full, an errand is dropped and logged, and the person
// asks again.
type Postman struct {
	sender mail.Sender
	logger *slog.Logger
	queue  chan errand
	// Retries of a temporary sending failure, each after a growing pause starting at RetryPause.
	Retries    int
	RetryPause time.Duration
}

// errand prepares the email to send, if any (ok false: nothing to send).
type errand struct {
	// kind names the errand in logs, which never carry the address.
	kind    string
	prepare func(ctx context.Context) (msg mail.Message, ok bool, err error)
}

// NewPostman sends through sender with a queue of size errands.
func NewPostman(sender mail.Sender, logger *slog.Logger, size int) *Postman {
	return &Postman{sender: sender, logger: logger, queue: make(chan errand, size), Retries: 3, RetryPause: time.Second}
}

// post queues an errand; it never blocks.
func (p *Postman) post(kind string, prepare func(ctx context.Context) (mail.Message, bool, error)) {
	select {
	case p.queue <- errand{kind: kind, prepare: prepare}:
	default:
		p.logger.Warn("sign-up or sign-in errand dropped: the queue is full", "errand", kind)
	}
}

// Run runs queued errands, workers at a time, until ctx ends.
func (p *Postman) Run(ctx context.Context, workers int) error {
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				select {
				case <-ctx.Done():
					return
				case e := <-p.queue:
					p.run(ctx, e)
				}
			}
		}()
	}
	for range workers {
		<-done
	}
	return nil
}

func (p *Postman) run(ctx context.Context, e errand) {
	prepareCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	msg, ok, err := e.prepare(prepareCtx)
	cancel()
	if err != nil {
		p.logger.Error("sign-up or sign-in errand failed", "errand", e.kind, "error", err)
		return
	}
	if ok {
		p.deliver(ctx, e.kind, msg)
	}
}

func (p *Postman) deliver(ctx context.Context, kind string, msg mail.Message) {
	pause := p.RetryPause
	for attempt := 0; ; attempt++ {
		sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := p.sender.Send(sendCtx, msg)
		cancel()
		if err == nil {
			return
		}
		if mail.IsPermanent(err) || attempt == p.Retries || ctx.Err() != nil {
			p.logger.Warn("email not sent", "email", kind, "message_id", msg.ID, "attempts", attempt+1,
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
