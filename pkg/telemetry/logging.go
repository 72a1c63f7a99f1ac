package telemetry

import (
	"context"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log attribute keys added by the handler returned from NewLogger.
const (
	LogKeyService = "service"
	LogKeyTraceID = "trace_id"
	LogKeySpanID  = "span_id"
)

// NewLogger returns a JSON slog logger writing to w at the given minimum
// level. Every record carries service; records logged with a context holding
// a valid span (logger.InfoContext(ctx, ...)) also carry trace_id and span_id
// as top-level keys. Callers must never log personal data.
func NewLogger(w io.Writer, service string, level slog.Level) *slog.Logger {
	base := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}).
		WithAttrs([]slog.Attr{slog.String(LogKeyService, service)})
	return slog.New(NewTraceHandler(base))
}

// NewTraceHandler wraps h so that records whose context holds a valid span get
// trace_id and span_id attributes. The ids stay top-level even after
// WithGroup.
func NewTraceHandler(h slog.Handler) slog.Handler {
	return &traceHandler{base: h, inner: h}
}

// handlerOp is a WithAttrs (group == "") or WithGroup call to replay.
type handlerOp struct {
	group string
	attrs []slog.Attr
}

type traceHandler struct {
	base    slog.Handler // handler before any WithAttrs/WithGroup on the wrapper
	inner   slog.Handler // base with ops applied
	ops     []handlerOp
	grouped bool // ops contain a WithGroup
}

func (h *traceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *traceHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return h.inner.Handle(ctx, r)
	}
	ids := []slog.Attr{
		slog.String(LogKeyTraceID, sc.TraceID().String()),
		slog.String(LogKeySpanID, sc.SpanID().String()),
	}
	if !h.grouped {
		r = r.Clone()
		r.AddAttrs(ids...)
		return h.inner.Handle(ctx, r)
	}
	// Inside a group: attach the ids before the groups so they stay top-level.
	hh := h.base.WithAttrs(ids)
	for _, op := range h.ops {
		if op.group != "" {
			hh = hh.WithGroup(op.group)
		} else {
			hh = hh.WithAttrs(op.attrs)
		}
	}
	return hh.Handle(ctx, r)
}

func (h *traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(handlerOp{attrs: attrs}, h.inner.WithAttrs(attrs))
}

func (h *traceHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(handlerOp{group: name}, h.inner.WithGroup(name))
}

func (h *traceHandler) with(op handlerOp, inner slog.Handler) *traceHandler {
	ops := make([]handlerOp, len(h.ops), len(h.ops)+1)
	copy(ops, h.ops)
	return &traceHandler{
		base:    h.base,
		inner:   inner,
		ops:     append(ops, op),
		grouped: h.grouped || op.group != "",
	}
}
