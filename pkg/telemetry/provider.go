package telemetry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/credentials"
)

// Config configures the tracing of one service.
type Config struct {
	// Service is the service.name resource attribute (e.g. "gateway").
	Service string
	// Store, when non-nil, receives every finished span. The same store may
	// be shared by the providers of several services.
	Store *SpanStore
	// Relay, when non-nil, sends every finished span to the gateways' trace views (a process of
	// a platform split into several).
	Relay *SpanRelay
	// OTLPEndpoint, when non-empty, enables OTLP/gRPC export. Accepted forms:
	// "host:port" and "http://host:port" (plaintext), "https://host:port"
	// (TLS). Typically taken from OTEL_EXPORTER_OTLP_ENDPOINT.
	OTLPEndpoint string
	// Version is the service.version resource attribute; empty means the binary's own
	// (BuildVersion).
	Version string
	// SharedProcess is true when several services run in this process (make run): each keeps
	// its service.name, and OTEL_SERVICE_NAME becomes service.namespace instead of renaming
	// them all.
	SharedProcess bool
}

// Provider owns a service's TracerProvider and its exporters.
type Provider struct {
	tp *sdktrace.TracerProvider
}

// TracerProvider returns the SDK tracer provider. It is never installed as the
// global provider; pass it explicitly (e.g. otelgrpc.WithTracerProvider).
func (p *Provider) TracerProvider() *sdktrace.TracerProvider { return p.tp }

// Shutdown flushes pending spans and stops the provider and its exporters.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil || p.tp == nil {
		return nil
	}
	return p.tp.Shutdown(ctx)
}

// Setup builds a TracerProvider for cfg.Service with a ParentBased(AlwaysSample)
// sampler, the span store (if any) and an OTLP/gRPC batch exporter (if an
// endpoint is configured). It does not touch the global tracer provider.
func Setup(ctx context.Context, cfg Config) (*Provider, error) {
	if strings.TrimSpace(cfg.Service) == "" {
		return nil, errors.New("telemetry: Config.Service is required")
	}
	res, err := newResource(cfg.Service, cmp.Or(cfg.Version, BuildVersion()), cfg.SharedProcess)
	if err != nil {
		return nil, err
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	// OTEL_TRACES_SAMPLER (and its _ARG), when set, is the SDK's to read; otherwise every trace
	// is kept, following the caller's decision.
	if os.Getenv("OTEL_TRACES_SAMPLER") == "" {
		opts = append(opts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
	}
	if cfg.Store != nil {
		opts = append(opts, sdktrace.WithSpanProcessor(cfg.Store))
	}
	if cfg.Relay != nil {
		opts = append(opts, sdktrace.WithSpanProcessor(cfg.Relay))
	}
	if ep := strings.TrimSpace(cfg.OTLPEndpoint); ep != "" {
		epOpts, err := otlpEndpointOptions(ep)
		if err != nil {
			return nil, err
		}
		// otlptracegrpc connects lazily, so this does not block on the
		// collector being reachable.
		exp, err := otlptracegrpc.New(ctx, epOpts...)
		if err != nil {
			return nil, fmt.Errorf("telemetry: create OTLP trace exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(AllowListExporter(exp)))
	}
	return &Provider{tp: sdktrace.NewTracerProvider(opts...)}, nil
}

// InstallPropagator sets the global text map propagator to W3C TraceContext
// plus W3C Baggage.
func InstallPropagator() {
	otel.SetTextMapPropagator(Propagator())
}

// Propagator returns the W3C TraceContext + Baggage composite propagator.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// newResource is the service's resource: ours (service.name, service.version), then what
// OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME say, which win as the standard says, but for
// the service name of a process running several services (shared), which stays each one's.
func newResource(service, version string, shared bool) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{serviceNameKey.String(service)}
	if version != "" {
		attrs = append(attrs, attribute.String("service.version", version))
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attrs...))
	if err != nil {
		return nil, fmt.Errorf("telemetry: build resource: %w", err)
	}
	fromEnv, err := resource.New(context.Background(), resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource from the environment: %w", err)
	}
	if shared {
		var kept []attribute.KeyValue
		for _, kv := range fromEnv.Attributes() {
			if kv.Key == serviceNameKey {
				kv = attribute.String("service.namespace", kv.Value.AsString())
			}
			kept = append(kept, kv)
		}
		fromEnv = resource.NewSchemaless(kept...)
	}
	if res, err = resource.Merge(res, fromEnv); err != nil {
		return nil, fmt.Errorf("telemetry: build resource: %w", err)
	}
	return res, nil
}

// BuildVersion is the binary's version: its module version when built from a tagged module,
// else the VCS revision it was built from (with "+dirty" for uncommitted changes), else "dev".
func BuildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if revision == "" {
		return "dev"
	}
	return revision[:min(12, len(revision))] + dirty
}

// RouteSDKErrors sends the OpenTelemetry SDK's own errors (an exporter that cannot reach its
// collector...) to logger as warnings, instead of plain text on stderr amid the JSON logs.
func RouteSDKErrors(logger *slog.Logger) {
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("opentelemetry sdk", "error", err)
	}))
}

// otlpEndpointOptions translates "host:port", "http://host:port" or
// "https://host:port" into otlptracegrpc options.
func otlpEndpointOptions(ep string) ([]otlptracegrpc.Option, error) {
	if !strings.Contains(ep, "://") {
		return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(ep), otlptracegrpc.WithInsecure()}, nil
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("telemetry: invalid OTLP endpoint %q", ep)
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(u.Host), otlptracegrpc.WithInsecure()}, nil
	case "https":
		// TLS with the system roots, regardless of OTEL_EXPORTER_OTLP_INSECURE.
		return []otlptracegrpc.Option{
			otlptracegrpc.WithEndpoint(u.Host),
			otlptracegrpc.WithTLSCredentials(credentials.NewTLS(nil)),
		}, nil
	default:
		return nil, fmt.Errorf("telemetry: unsupported OTLP endpoint scheme %q", u.Scheme)
	}
}
