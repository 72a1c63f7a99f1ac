// Package mailer sends the service's emails through pkg/mail (SMTP, or the all-in-one runner's
// mailbox).
package mailer

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/services/notification/app"
)

// MessageIDDomain is the domain part of every Message-ID the service writes.
const MessageIDDomain = "notifications.caiomatch"

// Mailer is app.Mailer over a mail.Sender.
type Mailer struct {
	sender mail.Sender
	tracer trace.Tracer
}

var _ app.Mailer = Mailer{}

// New sends through sender, each email a span of tracing (nil: none).
func New(sender mail.Sender, tracing trace.TracerProvider) Mailer {
	if tracing == nil {
		tracing = noop.NewTracerProvider()
	}
	return Mailer{sender: sender, tracer: tracing.Tracer("caiomatch/notification/mailer")}
}

// Send implements app.Mailer: the delivery id is the Message-ID, the same on every retry. The
// span holds the delivery id only, never the address (errors of pkg/mail are redacted).
func (m Mailer) Send(ctx context.Context, e app.Email) (err error) {
	ctx, span := m.tracer.Start(ctx, "email send", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("caiomatch.delivery_id", e.ID)))
	defer func() {
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}()
	err = m.sender.Send(ctx, mail.Message{ID: e.ID + "@" + MessageIDDomain, To: e.To, Subject: e.Subject, Text: e.Text, HTML: e.HTML})
	if err != nil && mail.IsPermanent(err) {
		return errors.Join(app.ErrUndeliverable, err)
	}
	return err
}
