package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// opsHandlers serve the in-memory traces to operators. Spans hold ids and names of operations
// only (the store keeps an allow-list of attributes), never personal data.
type opsHandlers struct {
	mux   *runtime.ServeMux
	spans *telemetry.SpanStore
}

func (o opsHandlers) requireOperator(w http.ResponseWriter, r *http.Request) bool {
	caller, ok := identity.FromContext(r.Context())
	if !ok || !caller.IsOperator() {
		writeStatus(o.mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, "ROLE_NOT_ALLOWED", "only operators read traces").Err())
		return false
	}
	return true
}

func (o opsHandlers) listTraces(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	if !o.requireOperator(w, r) {
		return
	}
	limit := 50
	if raw := r.URL.Query().Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1000 {
			writeStatus(o.mux, w, r, describeLimit().Err())
			return
		}
		limit = n
	}
	traces := []telemetry.TraceSummary{}
	if o.spans != nil {
		traces = append(traces, o.spans.Traces(limit)...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"traces": traces})
}

func (o opsHandlers) getTrace(w http.ResponseWriter, r *http.Request, params map[string]string) {
	if !o.requireOperator(w, r) {
		return
	}
	var spans []telemetry.SpanView
	found := false
	if o.spans != nil {
		spans, found = o.spans.Spans(params["traceId"])
	}
	if !found {
		writeStatus(o.mux, w, r, rpc.StatusWithReason(codes.NotFound, "TRACE_NOT_FOUND", "trace not found (it may have been evicted)").Err())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"spans": spans})
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
