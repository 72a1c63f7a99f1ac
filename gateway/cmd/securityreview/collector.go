package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonv1 "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
)

// collector is an OTLP/gRPC trace receiver standing in for the operators' collector
// (OTEL_EXPORTER_OTLP_ENDPOINT): what reaches it is what a platform exporting its traces
// sends out of the process, beside what the trace view shows.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	server *grpc.Server

	mu    sync.Mutex
	spans []exportedSpan
}

// exportedSpan is one span received: its service, name and string attributes.
type exportedSpan struct {
	service, name string
	attributes    map[string]string
}

// startCollector listens on addr until close.
func startCollector(addr string) (*collector, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("OTLP receiver on %s: %w", addr, err)
	}
	// A span may carry a 512 KiB path: room for a batch of them.
	c := &collector{server: grpc.NewServer(grpc.MaxRecvMsgSize(256 << 20))}
	collectortrace.RegisterTraceServiceServer(c.server, c)
	go func() { _ = c.server.Serve(lis) }()
	return c, nil
}

func (c *collector) close() { c.server.Stop() }

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	var got []exportedSpan
	for _, rs := range req.GetResourceSpans() {
		service := stringAttributes(rs.GetResource().GetAttributes())["service.name"]
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				got = append(got, exportedSpan{service: service, name: s.GetName(), attributes: stringAttributes(s.GetAttributes())})
			}
		}
	}
	c.mu.Lock()
	c.spans = append(c.spans, got...)
	c.mu.Unlock()
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func stringAttributes(kvs []*commonv1.KeyValue) map[string]string {
	out := map[string]string{}
	for _, kv := range kvs {
		v := kv.GetValue()
		switch {
		case v.GetStringValue() != "":
			out[kv.GetKey()] = v.GetStringValue()
		case v.GetIntValue() != 0:
			out[kv.GetKey()] = fmt.Sprint(v.GetIntValue())
		}
	}
	return out
}

// received returns the spans received so far.
func (c *collector) received() []exportedSpan {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.spans)
}

// callerAttributes are the span attributes OpenTelemetry's HTTP instrumentation fills from what
// the caller sent: any of them exported is personal data or caller-sized text leaving the
// process.
var callerAttributes = []string{"url.path", "url.query", "client.address", "network.peer.address", "user_agent.original",
	"http.request.method_original"}

// exportedTraces: the requests of pathsInTraces, as the platform exports them over OTLP. The
// trace view keeps allow-listed attributes only; the exporter is handed the spans whole.
func (r *replay) exportedTraces(ctx context.Context) (figure, error) {
	f := figure{Finding: "the same ids and emails in exported traces (OTLP)", Then: "not measured"}
	if r.collector == nil {
		f.Now, f.Still = "not run: start the platform with OTEL_EXPORTER_OTLP_ENDPOINT=<addr> and pass -otlp <addr>", "not measured"
		return f, nil
	}
	// The batch exporter sends every 5 s.
	select {
	case <-ctx.Done():
		return figure{}, ctx.Err()
	case <-time.After(8 * time.Second):
	}
	spans := r.collector.received()
	leaking := 0
	keys := map[string]bool{}
	longest := 0
	callers := map[string]int{} // spans carrying each attribute that holds the caller's input
	for _, s := range spans {
		for _, k := range callerAttributes {
			if _, ok := s.attributes[k]; ok {
				callers[k]++
			}
		}
		hit := strings.Contains(s.name, r.sentMarker) || strings.Contains(s.name, r.sentLongID)
		for k, v := range s.attributes {
			if strings.Contains(v, r.sentMarker) || strings.Contains(v, r.sentLongID) {
				hit, keys[k] = true, true
			}
			longest = max(longest, len(v))
		}
		if hit {
			leaking++
		}
	}
	var carried []string
	for _, k := range callerAttributes {
		if callers[k] > 0 {
			carried = append(carried, fmt.Sprintf("`%s` in %s", k, number(callers[k])))
		}
	}
	f.Now = fmt.Sprintf("%s spans received; the sent id or an email in %d of them (%s); the longest attribute %s; "+
		"caller input in attributes: %s", number(len(spans)), leaking, strings.Join(slices.Sorted(maps.Keys(keys)), ", "),
		size(longest), cmp.Or(strings.Join(carried, ", "), "none"))
	if leaking > 0 || len(carried) > 0 {
		f.Still = "yes: what callers send (paths, addresses, user agents) leaves the process in span attributes"
	}
	return f, nil
}
