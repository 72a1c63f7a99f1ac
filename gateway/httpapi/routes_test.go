package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/caiomatch/caiomatch/gateway/openapi"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
)

// stubMissions answers the few calls the routing tests reach with empty responses.
type stubMissions struct {
	missionv1.UnimplementedMissionServiceServer
	calls int
}

func (s *stubMissions) ListMissions(context.Context, *missionv1.ListMissionsRequest) (*missionv1.ListMissionsResponse, error) {
	s.calls++
	return &missionv1.ListMissionsResponse{}, nil
}

func (s *stubMissions) GetMission(context.Context, *missionv1.GetMissionRequest) (*missionv1.GetMissionResponse, error) {
	s.calls++
	return &missionv1.GetMissionResponse{}, nil
}

func (s *stubMissions) CancelMission(context.Context, *missionv1.CancelMissionRequest) (*missionv1.CancelMissionResponse, error) {
	s.calls++
	return &missionv1.CancelMissionResponse{}, nil
}

func (s *stubMissions) UpdateMission(context.Context, *missionv1.UpdateMissionRequest) (*missionv1.UpdateMissionResponse, error) {
	s.calls++
	return &missionv1.UpdateMissionResponse{}, nil
}

func testMux(t *testing.T) (*runtime.ServeMux, *stubMissions) {
	t.Helper()
	mux, err := newServeMux()
	if err != nil {
		t.Fatal(err)
	}
	stub := &stubMissions{}
	if err := missionv1.RegisterMissionServiceHandlerServer(context.Background(), mux, stub); err != nil {
		t.Fatal(err)
	}
	if err := mux.HandlePath(http.MethodGet, "/v1/ops/traces", func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
		writeJSON(w, http.StatusOK, map[string]any{})
	}); err != nil {
		t.Fatal(err)
	}
	return mux, stub
}

type routed struct {
	status        int
	allow, reason string
	field         string
}

func serve(mux http.Handler, method, target, body string) routed {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	out := routed{status: w.Code, allow: w.Header().Get("Allow")}
	var errBody struct {
		Details []struct {
			Type            string `json:"@type"`
			Reason          string `json:"reason"`
			FieldViolations []struct {
				Field string `json:"field"`
			} `json:"fieldViolations"`
		} `json:"details"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &errBody)
	for _, d := range errBody.Details {
		if d.Reason != "" {
			out.reason = d.Reason
		}
		if len(d.FieldViolations) > 0 {
			out.field = d.FieldViolations[0].Field
		}
	}
	return out
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	mux, stub := testMux(t)
	cases := []struct{ method, path, allow string }{
		{"DELETE", "/v1/missions", "GET, POST"},
		{"PUT", "/v1/missions", "GET, POST"},
		{"PUT", "/v1/missions/m-1", "GET, PATCH"},
		{"DELETE", "/v1/missions/m-1", "GET, PATCH"},
		{"GET", "/v1/missions/m-1/cancel", "POST"},
		{"GET", "/v1/offers/o-1/accept-counter", "POST"},
		{"DELETE", "/v1/missions/m-1/extensions", "GET, POST"},
		{"PATCH", "/v1/offers", "GET"},
		{"HEAD", "/v1/offers", "GET"},
	}
	for _, tc := range cases {
		got := serve(mux, tc.method, tc.path, "")
		if got.status != http.StatusMethodNotAllowed || got.allow != tc.allow || got.reason != ReasonMethodNotAllowed {
			t.Errorf("%s %s: status %d Allow %q reason %q, want 405 Allow %q %s", tc.method, tc.path,
				got.status, got.allow, got.reason, tc.allow, ReasonMethodNotAllowed)
		}
	}
	if stub.calls != 0 {
		t.Errorf("computing Allow called the service %d times", stub.calls)
	}
	if got := serve(mux, "GET", "/v1/nowhere", ""); got.status != http.StatusNotFound || got.allow != "" {
		t.Errorf("unknown path: status %d Allow %q, want 404 without Allow", got.status, got.allow)
	}
}

func TestUnknownQueryParameterIs400(t *testing.T) {
	mux, stub := testMux(t)
	known := []string{
		"/v1/missions?pageSize=5",
		"/v1/missions?page_size=5&pageToken=abc",
		"/v1/missions?status=MISSION_STATUS_STAFFED",
		"/v1/missions",
		"/v1/missions/m-1",
		"/v1/ops/traces?limit=3",
	}
	for _, target := range known {
		if got := serve(mux, "GET", target, ""); got.status != http.StatusOK {
			t.Errorf("GET %s: status %d reason %q, want 200", target, got.status, got.reason)
		}
	}
	if stub.calls != 5 {
		t.Errorf("service called %d times, want 5", stub.calls)
	}
	cases := []struct{ method, target, body, field string }{
		{"GET", "/v1/missions?pageSize=5&sort=title", "", "sort"},
		{"GET", "/v1/missions?statuss=MISSION_STATUS_STAFFED", "", "statuss"},
		{"GET", "/v1/missions/m-1?id=m-2", "", "id"},                 // bound by the path
		{"GET", "/v1/missions/m-1?verbose", "", "verbose"},           // a parameter without value
		{"POST", "/v1/missions/m-1/cancel?reason=x", "{}", "reason"}, // body "*" reads no query
		{"PATCH", "/v1/missions/m-1?mission.title=x", `{"title":"y"}`, "mission.title"},
		{"GET", "/v1/ops/traces?limit=3&since=1", "", "since"},
	}
	before := stub.calls
	for _, tc := range cases {
		got := serve(mux, tc.method, tc.target, tc.body)
		if got.status != http.StatusBadRequest || got.reason != ReasonUnknownQueryParameter || got.field != tc.field {
			t.Errorf("%s %s: status %d reason %q field %q, want 400 %s %q", tc.method, tc.target,
				got.status, got.reason, got.field, ReasonUnknownQueryParameter, tc.field)
		}
	}
	if stub.calls != before {
		t.Error("a request with an unknown query parameter reached the service")
	}
}

// TestEveryTranscodedRouteHasAQueryRule: each route of the generated description maps to an
// RPC of the registered protos, and list filters are accepted under both spellings.
func TestEveryTranscodedRouteHasAQueryRule(t *testing.T) {
	rules, err := buildQueryRules(openapi.Document())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"GET /v1/missions", "GET /v1/offers", "PATCH /v1/missions/{}", "POST /v1/missions/{}/shortlist/{}/offer",
		"GET /v1/missions/{}/feedback", "GET /v1/accounts/{}", "GET /v1/taxonomy/sectors"} {
		if _, ok := rules[key]; !ok {
			t.Errorf("no rule for %s", key)
		}
	}
	for _, name := range []string{"pageSize", "page_size", "pageToken", "status"} {
		if !rules["GET /v1/offers"].knows(name) {
			t.Errorf("GET /v1/offers does not accept %q", name)
		}
	}
	if rules["POST /v1/offers/{}/counter"].knows("dailyRateEur") {
		t.Error("a body field is accepted as a query parameter")
	}
}
