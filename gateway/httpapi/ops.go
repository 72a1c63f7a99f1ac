package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/pkg/fault"
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
	query, violations := traceQuery(r.URL.Query())
	if len(violations) > 0 {
		fields := make([]string, len(violations))
		for i, v := range violations {
			fields[i] = v.Field
		}
		writeStatus(o.mux, w, r, rpc.InvalidStatus(fault.ReasonInvalidArgument, "invalid field "+strings.Join(fields, ", "), violations...).Err())
		return
	}
	traces := []telemetry.TraceSummary{}
	if o.spans != nil {
		traces = append(traces, o.spans.SearchTraces(query)...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"traces": traces})
}

// Bounds of the trace search's parameters.
const (
	defaultTraceLimit    = 50
	maxTraceLimit        = 1000
	maxServiceLength     = 64
	maxRootNameLength    = 200
	maxMinDurationMillis = 24 * 60 * 60 * 1000
)

// serviceName is what a service's name may be made of.
var serviceName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// traceQuery reads the trace search from the query string: each parameter at most once, an
// empty one as if absent (a search form sends its blank fields). The values only select among
// the traces held: they never name a span or label a metric.
func traceQuery(params url.Values) (telemetry.TraceQuery, []fault.Violation) {
	q := telemetry.TraceQuery{Limit: defaultTraceLimit}
	var bad fault.Violations
	value := func(name string) string {
		if len(params[name]) > 1 {
			bad.Add(name, "must be given at most once")
			return ""
		}
		return params.Get(name)
	}
	if raw := value("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxTraceLimit {
			bad.Add("limit", "must be a whole number between 1 and %d", maxTraceLimit)
		}
		q.Limit = n
	}
	if raw := value("service"); raw != "" {
		if len(raw) > maxServiceLength || !serviceName.MatchString(raw) {
			bad.Add("service", "must be a service name: at most %d letters, digits, '.', '_' or '-'", maxServiceLength)
		}
		q.Service = raw
	}
	if raw := value("rootNameContains"); raw != "" {
		if len(raw) > maxRootNameLength || !utf8.ValidString(raw) || strings.IndexFunc(raw, unicode.IsControl) >= 0 {
			bad.Add("rootNameContains", "must be text of at most %d bytes, without control characters", maxRootNameLength)
		}
		q.RootNameContains = raw
	}
	if raw := value("minDurationMs"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > maxMinDurationMillis {
			bad.Add("minDurationMs", "must be a whole number of milliseconds between 0 and %d", maxMinDurationMillis)
		}
		q.MinDuration = time.Duration(n) * time.Millisecond
	}
	if raw := value("errorsOnly"); raw != "" {
		only, err := strconv.ParseBool(raw)
		if err != nil {
			bad.Add("errorsOnly", "must be true or false")
		}
		q.ErrorsOnly = only
	}
	return q, bad
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
