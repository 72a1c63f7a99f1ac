package telemetry

import (
	"context"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// The spans around NATS messages, written once for the outbox relay (producer) and the
// consumers (consumer), with the OpenTelemetry messaging attributes.

// StartPublish starts the producer span of msg, a child of parent (the trace of the request
// that stored the event), and writes the span's context into msg's headers so that the
// consumer's span joins the same trace.
func StartPublish(parent context.Context, tracer trace.Tracer, msg *nats.Msg, messageID string) (context.Context, trace.Span) {
	ctx, span := tracer.Start(parent, "publish "+msg.Subject, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "nats"),
			attribute.String("messaging.destination.name", msg.Subject),
			attribute.String("messaging.message.id", messageID),
			attribute.String("messaging.operation.type", "send"),
		))
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
	return tracer.Start(parent, "process "+subject, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "nats"),
			attribute.String("messaging.destination.name", subject),
			attribute.String("messaging.consumer.group.name", consumer),
			attribute.String("messaging.operation.type", "process"),
		))
}

// Fail marks span failed with a short status; err, when there is one, is recorded on it.
func Fail(span trace.Span, err error, status string) {
	if err != nil {
		span.RecordError(err)
	}
	span.SetStatus(codes.Error, status)
}
