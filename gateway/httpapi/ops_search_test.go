package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// traceSearch is the trace list over a store holding three traces, as a caller of the role given.
func traceSearch(t *testing.T) func(identity.Role) http.Handler {
	t.Helper()
	store := telemetry.NewSpanStore(100)
	tracer := func(service string) trace.Tracer {
		p, err := telemetry.Setup(context.Background(), telemetry.Config{Service: service, Store: store})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
		return p.TracerProvider().Tracer("test")
	}
	gateway, mission := tracer("gateway"), tracer("mission")
	at := time.Now().Add(-time.Minute)
	for i, tr := range []struct {
		root    string
		lasts   time.Duration
		failing bool
	}{{"POST /v1/missions", 30 * time.Millisecond, true}, {"GET /v1/offers", 2 * time.Millisecond, false}, {"POST /v1/missions", 3 * time.Millisecond, false}} {
		start := at.Add(time.Duration(i) * time.Second)
		ctx, root := gateway.Start(context.Background(), tr.root, trace.WithTimestamp(start))
		if strings.Contains(tr.root, "missions") {
			_, child := mission.Start(ctx, "caiomatch.mission.v1.MissionService/CreateMission", trace.WithTimestamp(start))
			if tr.failing {
				child.SetStatus(codes.Error, "refused")
			}
			child.End(trace.WithTimestamp(start.Add(time.Millisecond)))
		}
		root.End(trace.WithTimestamp(start.Add(tr.lasts)))
	}
	mux, err := newServeMux()
	if err != nil {
		t.Fatal(err)
	}
	ops := opsHandlers{mux: mux, spans: store}
	if err := mux.HandlePath(http.MethodGet, "/v1/ops/traces", ops.listTraces); err != nil {
		t.Fatal(err)
	}
	return func(role identity.Role) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mux.ServeHTTP(w, r.WithContext(identity.WithCaller(r.Context(), identity.Caller{AccountID: "a1", Role: role})))
		})
	}
}

// searched is the answer to a trace search: the traces' root names and error counts, or the
// fields the API refused.
type searched struct {
	status int
	traces []string
	fields []string
	reason string
}

func searchTraces(h http.Handler, query string) searched {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/ops/traces"+query, nil))
	var body struct {
		Traces  []telemetry.TraceSummary
		Details []struct {
			Reason          string
			FieldViolations []struct{ Field string }
		}
	}
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	out := searched{status: w.Code}
	for _, tr := range body.Traces {
		out.traces = append(out.traces, tr.RootName+" "+strings.Repeat("!", tr.ErrorCount))
	}
	for _, d := range body.Details {
		out.reason += d.Reason
		for _, v := range d.FieldViolations {
			out.fields = append(out.fields, v.Field)
		}
	}
	return out
}

func TestTraceSearchFiltersInTheAPI(t *testing.T) {
	as := traceSearch(t)
	operator := as(identity.RoleOperator)
	for query, want := range map[string][]string{
		"":                                  {"POST /v1/missions ", "GET /v1/offers ", "POST /v1/missions !"},
		"?service=mission":                  {"POST /v1/missions ", "POST /v1/missions !"},
		"?service=gateway&limit=1":          {"POST /v1/missions "},
		"?rootNameContains=OFFERS":          {"GET /v1/offers "},
		"?rootNameContains=CreateMission":   nil,
		"?minDurationMs=10":                 {"POST /v1/missions !"},
		"?errorsOnly=true":                  {"POST /v1/missions !"},
		"?errorsOnly=false&minDurationMs=0": {"POST /v1/missions ", "GET /v1/offers ", "POST /v1/missions !"},
		// A search form sends its blank fields: they select nothing.
		"?service=&rootNameContains=&minDurationMs=&errorsOnly=&limit=":                       {"POST /v1/missions ", "GET /v1/offers ", "POST /v1/missions !"},
		"?service=mission&rootNameContains=%2Fv1%2Fmissions&minDurationMs=3&errorsOnly=false": {"POST /v1/missions ", "POST /v1/missions !"},
		"?service=profile": nil,
	} {
		got := searchTraces(operator, query)
		if got.status != http.StatusOK || !slices.Equal(got.traces, want) {
			t.Errorf("GET /v1/ops/traces%s: %d %q, want 200 %q", query, got.status, got.traces, want)
		}
	}
}

func TestTraceSearchRefusesBadValuesNamingTheField(t *testing.T) {
	as := traceSearch(t)
	operator := as(identity.RoleOperator)
	long := strings.Repeat("x", 201)
	for query, want := range map[string][]string{
		"?limit=0":                                  {"limit"},
		"?limit=1001":                               {"limit"},
		"?service=" + strings.Repeat("s", 65):       {"service"},
		"?service=mission%20gateway":                {"service"},
		"?service=a&service=b":                      {"service"},
		"?rootNameContains=" + long:                 {"rootNameContains"},
		"?rootNameContains=POST%00":                 {"rootNameContains"},
		"?rootNameContains=%FF":                     {"rootNameContains"},
		"?minDurationMs=-1":                         {"minDurationMs"},
		"?minDurationMs=1.5":                        {"minDurationMs"},
		"?minDurationMs=86400001":                   {"minDurationMs"},
		"?errorsOnly=maybe":                         {"errorsOnly"},
		"?limit=x&service=%2F&errorsOnly=yes":       {"limit", "service", "errorsOnly"},
		"?minDurationMs=99999999999999999999999999": {"minDurationMs"},
	} {
		got := searchTraces(operator, query)
		if got.status != http.StatusBadRequest || !slices.Equal(got.fields, want) || got.reason != "INVALID_ARGUMENT" {
			t.Errorf("GET /v1/ops/traces%s: %d %s %q, want 400 INVALID_ARGUMENT naming %q", query, got.status, got.reason, got.fields, want)
		}
	}
	// A parameter the endpoint does not read is still refused by name.
	if got := searchTraces(operator, "?name=missions"); got.status != http.StatusBadRequest || got.reason != ReasonUnknownQueryParameter {
		t.Errorf("an unknown parameter: %d %s, want 400 %s", got.status, got.reason, ReasonUnknownQueryParameter)
	}
	for _, role := range []identity.Role{identity.RoleFirm, identity.RoleConsultant} {
		if got := searchTraces(as(role), "?service=mission"); got.status != http.StatusForbidden || len(got.traces) != 0 {
			t.Errorf("a %s searches the traces: %d %q, want 403", role, got.status, got.traces)
		}
	}
}
