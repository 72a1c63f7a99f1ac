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
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
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

// NewMetrics builds the metrics pipeline for a service. The registry also
// includes the Go runtime and process collectors.
func NewMetrics(service string) (*Metrics, error) {
	if strings.TrimSpace(service) == "" {
		return nil, errors.New("telemetry: NewMetrics needs a service name")
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("telemetry: register go collector: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("telemetry: register process collector: %w", err)
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("telemetry: create prometheus exporter: %w", err)
	}
	res, err := newResource(service, BuildVersion(), false)
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))
	return &Metrics{
		mp:       mp,
		registry: reg,
		handler:  promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
	}, nil
}

// MeterProvider returns the provider to create meters from.
func (m *Metrics) MeterProvider() metric.MeterProvider { return m.mp }

// Registry returns the dedicated Prometheus registry.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Handler serves the metrics in the Prometheus exposition format (/metrics).
func (m *Metrics) Handler() http.Handler { return m.handler }

// Shutdown stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error {
	if m == nil || m.mp == nil {
		return nil
	}
	return m.mp.Shutdown(ctx)
}
