package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// allowListExporter sends spans to a collector with only the allow-listed attributes
// (AllowedAttribute), on the spans and on their events: what leaves the process for an OTLP
// collector is what the operators' trace view shows, never a raw path, a query, a caller's
// address or user agent, whatever instrumentation library recorded them.
type allowListExporter struct{ next sdktrace.SpanExporter }

// AllowListExporter wraps next with the attribute allow-list.
func AllowListExporter(next sdktrace.SpanExporter) sdktrace.SpanExporter {
	return allowListExporter{next: next}
}

func (e allowListExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	kept := make([]sdktrace.ReadOnlySpan, len(spans))
	for i, s := range spans {
		kept[i] = allowListedSpan{ReadOnlySpan: s}
	}
	return e.next.ExportSpans(ctx, kept)
}

func (e allowListExporter) Shutdown(ctx context.Context) error { return e.next.Shutdown(ctx) }

// allowListedSpan is a span as exported: the embedded span with its attributes filtered.
type allowListedSpan struct{ sdktrace.ReadOnlySpan }

func (s allowListedSpan) Attributes() []attribute.KeyValue {
	return allowListed(s.ReadOnlySpan.Attributes())
}

// Status keeps the code and drops the description: it is an error's text, and errors quote
// what the caller sent ("profile <the email typed in the path> not found"). The trace view
// shows the code only, too.
func (s allowListedSpan) Status() sdktrace.Status {
	return sdktrace.Status{Code: s.ReadOnlySpan.Status().Code}
}

func (s allowListedSpan) Events() []sdktrace.Event {
	events := s.ReadOnlySpan.Events()
	out := make([]sdktrace.Event, len(events))
	for i, ev := range events {
		ev.Attributes = allowListed(ev.Attributes)
		out[i] = ev
	}
	return out
}

func (s allowListedSpan) Links() []sdktrace.Link {
	links := s.ReadOnlySpan.Links()
	out := make([]sdktrace.Link, len(links))
	for i, l := range links {
		l.Attributes = allowListed(l.Attributes)
		out[i] = l
	}
	return out
}

func allowListed(attrs []attribute.KeyValue) []attribute.KeyValue {
	kept := make([]attribute.KeyValue, 0, len(attrs))
	for _, kv := range attrs {
		if AllowedAttribute(string(kv.Key)) {
			kept = append(kept, kv)
		}
	}
	return kept
}
