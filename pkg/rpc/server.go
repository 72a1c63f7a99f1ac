package rpc

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/metric"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/stats"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// Server is a gRPC server with tracing, caller extraction, error mapping and a health service.
type Server struct {
	GRPC   *grpc.Server
	Health *health.Server
	logger *slog.Logger
}

// ServerOption configures NewServer.
type ServerOption func(*serverOptions)

type serverOptions struct {
	callerKey CallerKey
	meters    metric.MeterProvider
}

// WithCallerKey makes the server accept only calls signed with key (see SignCallers), health
// checks aside.
func WithCallerKey(key CallerKey) ServerOption {
	return func(o *serverOptions) { o.callerKey = key }
}

// WithMeterProvider records the server's calls (rpc.server.call.duration, the OpenTelemetry
// RPC conventions) with mp; without it they are not measured.
func WithMeterProvider(mp metric.MeterProvider) ServerOption {
	return func(o *serverOptions) { o.meters = mp }
}

// NewServer builds the server; register services on s.GRPC before Serve.
func NewServer(tp trace.TracerProvider, logger *slog.Logger, options ...ServerOption) *Server {
	var o serverOptions
	for _, opt := range options {
		opt(&o)
	}
	if o.meters == nil {
		o.meters = noopmetric.NewMeterProvider()
	}
	check := newCallerCheck(o.callerKey)
	srv := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler(
			otelgrpc.WithTracerProvider(tp),
			otelgrpc.WithMeterProvider(o.meters),
			otelgrpc.WithFilter(notHealthCheck),
		)),
		grpc.ChainUnaryInterceptor(unaryServerInterceptor(logger, check)),
		grpc.ChainStreamInterceptor(streamServerInterceptor(logger, check)),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		// Connections are closed (gracefully) after a few minutes, so that clients resolving a
		// DNS name (dns:///matching:9103 on Kubernetes) pick up replicas added since.
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second,
			MaxConnectionAge: 5 * time.Minute, MaxConnectionAgeGrace: 30 * time.Second}),
	)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	// Reflection: grpcurl and similar tools list and call the services without their protos.
	reflection.Register(srv)
	return &Server{GRPC: srv, Health: hs, logger: logger}
}

// notHealthCheck tells the calls to trace and measure: all but the health checks.
func notHealthCheck(info *stats.RPCTagInfo) bool {
	return info.FullMethodName != healthpb.Health_Check_FullMethodName &&
		info.FullMethodName != healthpb.Health_Watch_FullMethodName
}

func unaryServerInterceptor(logger *slog.Logger, check *callerCheck) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		c, ok, nonce, err := check.verify(ctx, info.FullMethod)
		if err != nil {
			st := Status(err)
			logger.WarnContext(ctx, "internal call refused", "method", info.FullMethod, "reason", Reason(st.Err()))
			return nil, st.Err()
		}
		if ok {
			ctx = identity.WithCaller(ctx, c)
		}
		ctx = locale.WithLanguage(ctx, languageFromIncoming(ctx))
		resp, err := handler(ctx, req)
		if err == nil {
			return resp, nil
		}
		st := Status(err)
		if st.Code() == codes.Unavailable {
			check.forget(nonce)
		}
		if st.Code() == codes.Internal || st.Code() == codes.Unknown {
			logger.ErrorContext(ctx, "rpc failed", "method", info.FullMethod, "error", err)
		}
		return nil, st.Err()
	}
}

// streamServerInterceptor checks streaming calls the way unaryServerInterceptor checks the
// others. The platform's APIs are unary today (health's Watch aside); a streaming method added
// later is not left unsigned.
func streamServerInterceptor(logger *slog.Logger, check *callerCheck) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := ss.Context()
		c, ok, _, err := check.verify(ctx, info.FullMethod)
		if err != nil {
			st := Status(err)
			logger.WarnContext(ctx, "internal call refused", "method", info.FullMethod, "reason", Reason(st.Err()))
			return st.Err()
		}
		if ok {
			ctx = identity.WithCaller(ctx, c)
		}
		return handler(srv, &contextStream{ServerStream: ss, ctx: locale.WithLanguage(ctx, languageFromIncoming(ctx))})
	}
}

// contextStream is a server stream with the context the interceptor made.
type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *contextStream) Context() context.Context { return s.ctx }

// Serve runs the server on lis until ctx ends, then marks it NOT_SERVING, drains in-flight calls
// for up to grace and stops hard after that.
func (s *Server) Serve(ctx context.Context, lis net.Listener, grace time.Duration) error {
	// Health answers for the server ("") and for each service by its full name, as
	// grpc-health-probe -service=caiomatch.mission.v1.MissionService asks.
	s.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	for name := range s.GRPC.GetServiceInfo() {
		s.Health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.GRPC.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Health.Shutdown()
	stopped := make(chan struct{})
	go func() { s.GRPC.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(grace):
		s.logger.Warn("graceful stop timed out; stopping hard", "grace", grace.String())
		s.GRPC.Stop()
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}
