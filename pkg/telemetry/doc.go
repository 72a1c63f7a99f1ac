// Package telemetry wires OpenTelemetry tracing, metrics and structured
// logging for the caiomatch services.
//
// Tracing: every service builds its own TracerProvider with [Setup] (several
// may coexist in one process, e.g. in the all-in-one runner; none of them is
// installed as the global provider). Finished spans may be kept in a shared,
// bounded, in-memory [SpanStore] that operators can query as JSON, and/or
// exported over OTLP/gRPC.
//
// Propagation: [InstallPropagator] installs W3C TraceContext + Baggage as the
// global text map propagator; [HeaderCarrier] adapts NATS message headers so
// trace context flows across JetStream.
//
// Logging: [NewLogger] returns a JSON slog logger that stamps every record
// with the service name and, when the record's context carries a valid span,
// trace_id and span_id.
//
// Metrics: [NewMetrics] builds an OpenTelemetry MeterProvider whose data is
// served in the Prometheus text format from a dedicated registry.
package telemetry
