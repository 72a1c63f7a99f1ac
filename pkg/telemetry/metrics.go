package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Metrics is an OpenTelemetry MeterProvider exposed in the Prometheus text
// format through its own registry, so several instances can coexist in one
// process.
type Metrics struct {
	mp       *sdkmetric.MeterProvider
	registry *prometheus.Registry
	handler  http.Handler
}

// MetricsOption changes what NewMetrics builds.
type MetricsOption func(*metricsOptions)

type metricsOptions struct {
	shared    bool
	noRuntime bool
}

// MetricsInSharedProcess is for a service running in a process with others (make run): as for
// its traces (Config.SharedProcess), OTEL_SERVICE_NAME becomes service.namespace instead of
// renaming it, and the Go runtime and process collectors are left to one of them (the
// process has one runtime), so that the registries merge (MergedHandler).
func MetricsInSharedProcess(withRuntime bool) MetricsOption {
	return func(o *metricsOptions) { o.shared, o.noRuntime = true, !withRuntime }
}

// serviceNameLabel is the resource attribute every series carries as a label (service_name),
// so that the series of several services served together (MergedHandler) stay apart, and
// dashboards group by service alike whether a service runs alone or not.
var serviceNameLabel = attribute.NewAllowKeysFilter(serviceNameKey)

// NewMetrics builds the metrics pipeline for a service. The registry also includes the Go
// runtime and process collectors, unless MetricsInSharedProcess(false) says another has them.
func NewMetrics(service string, opts ...MetricsOption) (*Metrics, error) {
	if strings.TrimSpace(service) == "" {
		return nil, errors.New("telemetry: NewMetrics needs a service name")
	}
	var o metricsOptions
	for _, opt := range opts {
		opt(&o)
	}
	reg := prometheus.NewRegistry()
	if !o.noRuntime {
		if err := reg.Register(collectors.NewGoCollector()); err != nil {
			return nil, fmt.Errorf("telemetry: register go collector: %w", err)
		}
		if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
			return nil, fmt.Errorf("telemetry: register process collector: %w", err)
		}
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithResourceAsConstantLabels(serviceNameLabel))
	if err != nil {
		return nil, fmt.Errorf("telemetry: create prometheus exporter: %w", err)
	}
	res, err := newResource(service, BuildVersion(), o.shared)
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res),
		sdkmetric.WithView(boundedRPCClientView))
	handlerOpts := promhttp.HandlerOpts{}
	if !o.noRuntime {
		// The handler's own error counter, once per process as the runtime's metrics are.
		handlerOpts.Registry = reg
	}
	return &Metrics{mp: mp, registry: reg, handler: promhttp.HandlerFor(reg, handlerOpts)}, nil
}

// boundedRPCClientView keeps the address of the server called (a replica's IP, which changes
// with every pod) out of the gRPC clients' metrics: a label of unbounded values over time.
// Which service was called is in rpc.method already.
var boundedRPCClientView = sdkmetric.NewView(
	sdkmetric.Instrument{Name: "rpc.client.*"},
	sdkmetric.Stream{AttributeFilter: attribute.NewDenyKeysFilter("server.address", "server.port", "network.peer.address",
		"network.peer.port")},
)

var noopMeterProvider metric.MeterProvider = metricnoop.NewMeterProvider()

// MeterProvider returns the provider to create meters from; a nil Metrics gives a provider
// that records nothing.
func (m *Metrics) MeterProvider() metric.MeterProvider {
	if m == nil {
		return noopMeterProvider
	}
	return m.mp
}

// Registry returns the dedicated Prometheus registry.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in the Prometheus exposition format (/metrics).
func (m *Metrics) Handler() http.Handler { return m.handler }

// MergedHandler serves the metrics of several services of one process as one exposition, each
// series told apart by its service_name label.
func MergedHandler(all ...*Metrics) http.Handler {
	gatherers := make(prometheus.Gatherers, 0, len(all))
	for _, m := range all {
		gatherers = append(gatherers, m.registry)
	}
	return promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{})
}

// Shutdown stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error {
	if m == nil || m.mp == nil {
		return nil
	}
	return m.mp.Shutdown(ctx)
}
