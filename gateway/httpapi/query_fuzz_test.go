package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/caiomatch/caiomatch/gateway/audit"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
)

// queryRoutes are the routes FuzzQueryParameters sends its query strings to: a transcoded list
// (pageSize, pageToken, a status enum), a transcoded read whose id the path binds, a body "*"
// route that reads no query, and a route served by hand.
var queryRoutes = []struct{ method, path, body string }{
	{http.MethodGet, "/v1/missions", ""},
	{http.MethodGet, "/v1/missions/m-1", ""},
	{http.MethodPost, "/v1/missions/m-1/cancel", "{}"},
	{http.MethodGet, "/v1/ops/traces", ""},
}

// FuzzQueryParameters: whatever the query string, the routing layer answers 200 (the stub
// service's) or 400 naming the parameter at fault, with the reason of an unknown parameter or
// of a value that cannot be read; never 5xx, and never a call with a parameter the route does
// not read.
func FuzzQueryParameters(f *testing.F) {
	for _, seed := range []string{"", "pageSize=5", "page_size=5&pageToken=abc", "status=MISSION_STATUS_STAFFED",
		"status=NOPE", "pageSize=x", "pageSize=99999999999999999999", "sort=title", "id=m-2", "verbose",
		"limit=3", "%zz", "a=%", "pageSize=1&pageSize=2", "pageToken=%00%ff", "status=1", "status=-1", "a[b]=c",
		"mission.title=x", ";", "&&=&"} {
		for i := range queryRoutes {
			f.Add(uint8(i), seed)
		}
	}
	var once sync.Once
	var mux *runtime.ServeMux
	var stub *stubMissions
	f.Fuzz(func(t *testing.T, routeIndex uint8, rawQuery string) {
		once.Do(func() { mux, stub = testMux(t) })
		route := queryRoutes[int(routeIndex)%len(queryRoutes)]
		req := httptest.NewRequest(route.method, route.path, strings.NewReader(route.body))
		req.Header.Set("Content-Type", "application/json")
		req.URL.RawQuery = rawQuery
		w := httptest.NewRecorder()
		calls := stub.calls
		mux.ServeHTTP(w, req)
		got := answerOf(w)
		what := route.method + " " + route.path + "?" + rawQuery
		_, parseErr := url.ParseQuery(rawQuery)
		switch {
		case w.Code == http.StatusOK && parseErr != nil:
			t.Fatalf("%s: a query string that cannot be parsed was let through", what)
		case w.Code == http.StatusOK:
		case w.Code != http.StatusBadRequest:
			t.Fatalf("%s: status %d: %s", what, w.Code, w.Body)
		case got.reason != ReasonUnknownQueryParameter && got.reason != ReasonInvalidValue || got.field == "":
			t.Fatalf("%s: 400 with reason %q field %q: %s", what, got.reason, got.field, w.Body)
		case parseErr != nil && got.field != "query":
			t.Fatalf("%s: an unparsable query string is refused for field %q, want query", what, got.field)
		case stub.calls != calls:
			t.Fatalf("%s: refused, but the service was called", what)
		}
	})
}

// FuzzOpsQueries reads fuzzed query strings with the parsers of the endpoints served by hand
// (traces, dead letters, audit log). A query they accept is within every bound the handlers and
// stores rely on; one they refuse names only the endpoint's own parameters, each with a reason,
// and a parameter given twice is always refused.
func FuzzOpsQueries(f *testing.F) {
	for _, seed := range []string{"", "limit=3", "limit=0", "limit=1001", "limit=-1", "limit=1e3", "service=gateway",
		"service=a%20b", "rootNameContains=POST%20%2Fv1", "rootNameContains=%00", "rootNameContains=%ff",
		"minDurationMs=86400000", "minDurationMs=86400001", "errorsOnly=true", "errorsOnly=yes", "limit=1&limit=2",
		"consumer=matching-profiles", "consumer=Matching", "pageSize=200", "pageSize=201", "pageToken=18446744073709551615",
		"pageToken=18446744073709551616", "pageToken=0", "subjectId=01a1fba7-5174-7a4d-933c-e12320a4aad3",
		"actorId=%20x%20", "action=GET%20%2Fv1%2Fprofiles%2F%7Bid%7D", "outcome=refused", "outcome=REFUSED"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		params, err := url.ParseQuery(rawQuery)
		if err != nil {
			return // refused before any handler: FuzzQueryParameters
		}
		traces, bad := traceQuery(params)
		checkViolations(t, "traces", params, bad, "limit", "service", "rootNameContains", "minDurationMs", "errorsOnly")
		if len(bad) == 0 {
			switch {
			case traces.Limit < 1 || traces.Limit > maxTraceLimit:
				t.Fatalf("traces: limit %d accepted", traces.Limit)
			case traces.Service != "" && (len(traces.Service) > maxServiceLength || !serviceName.MatchString(traces.Service)):
				t.Fatalf("traces: service %q accepted", traces.Service)
			case len(traces.RootNameContains) > maxRootNameLength || !utf8.ValidString(traces.RootNameContains) ||
				strings.IndexFunc(traces.RootNameContains, unicode.IsControl) >= 0:
				t.Fatalf("traces: rootNameContains %q accepted", traces.RootNameContains)
			case traces.MinDuration < 0 || traces.MinDuration > 24*time.Hour:
				t.Fatalf("traces: minDurationMs %s accepted", traces.MinDuration)
			}
		}

		letters, bad := deadLetterQuery(params)
		checkViolations(t, "dead letters", params, bad, "consumer", "pageSize", "pageToken")
		if len(bad) == 0 {
			switch {
			case letters.Consumer != "" && !eventbus.ValidConsumerName(letters.Consumer):
				t.Fatalf("dead letters: consumer %q accepted", letters.Consumer)
			case letters.Limit < 0 || letters.Limit > eventbus.MaxDeadLetterPage:
				t.Fatalf("dead letters: pageSize %d accepted", letters.Limit)
			case params.Get("pageToken") != "" && letters.Before == 0:
				t.Fatalf("dead letters: pageToken %q accepted as no token", params.Get("pageToken"))
			}
		}

		log, bad := auditQuery(params)
		checkViolations(t, "audit", params, bad, "subjectId", "actorId", "action", "outcome", "pageSize", "pageToken")
		if len(bad) == 0 {
			switch {
			case log.SubjectID != "" && !audit.ValidID(log.SubjectID), log.ActorID != "" && !audit.ValidID(log.ActorID):
				t.Fatalf("audit: ids %q %q accepted", log.SubjectID, log.ActorID)
			case log.Action != "" && !audit.ValidAction(log.Action):
				t.Fatalf("audit: action %q accepted", log.Action)
			case log.Outcome != "" && log.Outcome != audit.OutcomeRefused && log.Outcome != audit.OutcomeAllowed:
				t.Fatalf("audit: outcome %q accepted", log.Outcome)
			case log.PageSize < 0 || log.PageSize > audit.MaxPageSize, len(log.PageToken) > maxPageTokenLength:
				t.Fatalf("audit: page %d %q accepted", log.PageSize, log.PageToken)
			}
		}
	})
}

// checkViolations: every refusal names one of the endpoint's parameters and says why, and a
// parameter of the endpoint given twice is refused.
func checkViolations(t *testing.T, endpoint string, params url.Values, bad []fault.Violation, names ...string) {
	t.Helper()
	for _, v := range bad {
		if !slices.Contains(names, v.Field) || v.Description == "" {
			t.Fatalf("%s: violation %+v", endpoint, v)
		}
	}
	for _, name := range names {
		if len(params[name]) > 1 && !slices.ContainsFunc(bad, func(v fault.Violation) bool { return v.Field == name }) {
			t.Fatalf("%s: %s given %d times and accepted", endpoint, name, len(params[name]))
		}
	}
}

// answerOf reads the status, the reason and the first field at fault of an answer.
func answerOf(w *httptest.ResponseRecorder) routed {
	var body struct {
		Details []struct {
			Reason          string `json:"reason"`
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"fieldViolations"`
		} `json:"details"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	out := routed{status: w.Code, allow: w.Header().Get("Allow")}
	for _, d := range body.Details {
		if d.Reason != "" {
			out.reason = d.Reason
		}
		if len(d.FieldViolations) > 0 && out.field == "" {
			out.field = d.FieldViolations[0].Field
		}
	}
	return out
}
