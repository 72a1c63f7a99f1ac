package telemetry

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// TestTheSamplerFollowsOTEL_TRACES_SAMPLER: with always_off, no span is recorded anywhere
// (neither the trace view's store nor an exporter gets one).
func TestTheSamplerFollowsOTEL_TRACES_SAMPLER(t *testing.T) {
	t.Setenv("OTEL_TRACES_SAMPLER", "always_off")
	store := NewSpanStore(100)
	p, err := Setup(context.Background(), Config{Service: "mission", Store: store})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Errorf("shut down: %v", err)
		}
	}()
	_, span := p.TracerProvider().Tracer("test").Start(context.Background(), "work")
	span.End()
	if span.SpanContext().IsSampled() || len(store.Traces(10)) != 0 {
		t.Error("a span was recorded under OTEL_TRACES_SAMPLER=always_off")
	}
}

// TestTheResourceFollowsTheStandardVariables: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
// win for a service alone; in a shared process each service keeps its name and the variable's
// becomes service.namespace; service.version is always set.
func TestTheResourceFollowsTheStandardVariables(t *testing.T) {
	t.Setenv("OTEL_SERVICE_NAME", "caiomatch-prod-mission")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging")
	values := func(shared bool) map[attribute.Key]string {
		res, err := newResource("mission", "v1.2.3", shared)
		if err != nil {
			t.Fatal(err)
		}
		out := map[attribute.Key]string{}
		for _, kv := range res.Attributes() {
			out[kv.Key] = kv.Value.String()
		}
		return out
	}
	alone := values(false)
	if alone["service.name"] != "caiomatch-prod-mission" || alone["deployment.environment.name"] != "staging" || alone["service.version"] != "v1.2.3" {
		t.Errorf("alone: %v", alone)
	}
	shared := values(true)
	if shared["service.name"] != "mission" || shared["service.namespace"] != "caiomatch-prod-mission" {
		t.Errorf("shared: %v", shared)
	}
	if BuildVersion() == "" {
		t.Error("no build version")
	}
}
