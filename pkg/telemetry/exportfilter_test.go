package telemetry

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestExportedSpansCarryOnlyAllowListedAttributes: what an OTLP collector receives holds no raw
// path, query, address or user agent, on the span or its events; allow-listed ones stay.
func TestExportedSpansCarryOnlyAllowListedAttributes(t *testing.T) {
	collector := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(AllowListExporter(collector)))
	_, span := tp.Tracer("test").Start(context.Background(), "GET /v1/profiles/{id}")
	span.SetAttributes(
		attribute.String("url.path", "/v1/profiles/claire@example.org"),
		attribute.String("client.address", "203.0.113.9"),
		attribute.String("user_agent.original", "Mozilla/5.0 claire"),
		attribute.String("http.request.method", "GET"),
		attribute.Int("http.response.status_code", 404),
	)
	span.AddEvent("note", trace.WithAttributes(attribute.String("url.query", "email=claire@example.org")))
	span.End()
	spans := collector.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans exported", len(spans))
	}
	got := map[string]bool{}
	for _, kv := range spans[0].Attributes {
		got[string(kv.Key)] = true
	}
	for _, key := range []string{"url.path", "client.address", "user_agent.original"} {
		if got[key] {
			t.Errorf("%s was exported", key)
		}
	}
	if !got["http.request.method"] || !got["http.response.status_code"] {
		t.Errorf("allow-listed attributes lost: %v", spans[0].Attributes)
	}
	if len(spans[0].Events) != 1 || len(spans[0].Events[0].Attributes) != 0 {
		t.Errorf("event attributes exported: %v", spans[0].Events)
	}
}

// TestExportedSpansCarryNoErrorText: a failed span is exported as failed, without its error's
// text, which quotes what the caller sent.
func TestExportedSpansCarryNoErrorText(t *testing.T) {
	collector := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(AllowListExporter(collector)))
	_, span := tp.Tracer("test").Start(context.Background(), "caiomatch.profile.v1.ProfileService/GetProfile")
	span.SetStatus(codes.Error, "profile claire@example.org not found")
	span.End()
	spans := collector.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans exported", len(spans))
	}
	if got := spans[0].Status; got.Code != codes.Error || got.Description != "" {
		t.Errorf("exported status %+v, want the error code without its text", got)
	}
}
