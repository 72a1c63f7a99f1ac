package telemetry

import (
	"context"
	"strings"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The spans around NATS messages, written once for the outbox relay (producer) and the
// consumers (consumer), with the OpenTelemetry messaging attributes. Subjects end with their
// aggregate's id (caiomatch.<producer>.v1.<Type>.<id>): span names and the destination name
// carry the subject's template instead, so that their values are as few as the event types,
// and the id goes in caiomatch.aggregate_id.

// subjectTemplate splits a subject into its template (the id replaced by {aggregateId}) and
// the id; a subject of another shape is its own template.
func subjectTemplate(subject string) (template, aggregateID string) {
	parts := strings.SplitN(subject, ".", 5)
	if len(parts) != 5 || parts[0] != "caiomatch" {
		return subject, ""
	}
	return strings.Join(parts[:4], ".") + ".{aggregateId}", parts[4]
}

func messageAttributes(subject string, extra ...attribute.KeyValue) []attribute.KeyValue {
	template, aggregateID := subjectTemplate(subject)
	attrs := []attribute.KeyValue{
		attribute.String("messaging.system", "nats"),
		attribute.String("messaging.destination.name", template),
		attribute.String("messaging.destination.template", template),
	}
	if aggregateID != "" {
		attrs = append(attrs, attribute.String("caiomatch.aggregate_id", aggregateID))
	}
	return append(attrs, extra...)
}

// StartPublish starts the producer span of msg, a child of parent (the trace of the request
// that stored the event), and writes the span's context into msg's headers so that the
// consumer's span joins the same trace.
func StartPublish(parent context.Context, tracer trace.Tracer, msg *nats.Msg, messageID string) (context.Context, trace.Span) {
	template, _ := subjectTemplate(msg.Subject)
	ctx, span := tracer.Start(parent, "publish "+template, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(messageAttributes(msg.Subject,
			attribute.String("messaging.message.id", messageID),
			attribute.String("messaging.operation.type", "send"),
		)...))
	InjectNATS(ctx, msg)
	return ctx, span
}

// StartProcess starts the consumer span of a message received on subject by the durable
// consumer, a child of the trace context its header carries.
func StartProcess(ctx context.Context, tracer trace.Tracer, subject string, header nats.Header, consumer string) (context.Context, trace.Span) {
	if header == nil {
		header = nats.Header{}
	}
	parent := otel.GetTextMapPropagator().Extract(ctx, HeaderCarrier(header))
	template, _ := subjectTemplate(subject)
	return tracer.Start(parent, "process "+template, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(messageAttributes(subject,
			attribute.String("messaging.consumer.group.name", consumer),
			attribute.String("messaging.operation.type", "process"),
		)...))
}

// Fail marks span failed with a short status; err, when there is one, is recorded on it.
func Fail(span trace.Span, err error, status string) {
	if err != nil {
		span.RecordError(err)
	}
	span.SetStatus(codes.Error, status)
}
