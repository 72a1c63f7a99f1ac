package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

const (
	exportAccount = "01a2515e-3d47-7cde-bacd-0eb1944762fb"
	exportProfile = "01a2515e-3d70-7dee-b5ca-6ec5cd0a42a0"
	exportMission = "01a2515e-3d70-7dee-b5ca-6ec5cd0a42a1"
)

// fakeAPI serves the reads an export makes: every list has a next page, forever, and each
// page is pageBytes long; calls counts the requests.
func fakeAPI(t *testing.T, pageBytes int, calls *int) *runtime.ServeMux {
	t.Helper()
	mux := runtime.NewServeMux()
	filler := strings.Repeat("x", pageBytes)
	page := func(field string, item func(n int) map[string]any) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
			*calls++
			n := len(r.URL.Query().Get("pageToken"))
			writeJSON(w, http.StatusOK, map[string]any{field: []any{item(n)}, "nextPageToken": r.URL.Query().Get("pageToken") + "x"})
		}
	}
	for _, route := range []struct {
		path string
		h    runtime.HandlerFunc
	}{
		{"/v1/accounts/{id}", func(w http.ResponseWriter, _ *http.Request, p map[string]string) {
			*calls++
			writeJSON(w, http.StatusOK, map[string]any{"account": map[string]any{"id": p["id"]}})
		}},
		{"/v1/tokens", func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			*calls++
			writeJSON(w, http.StatusOK, map[string]any{"tokens": []any{map[string]any{"id": "t", "name": "ats-sync"}}})
		}},
		{"/v1/profiles", page("profiles", func(n int) map[string]any {
			return map[string]any{"id": exportProfile, "accountId": exportAccount, "filler": filler}
		})},
		{"/v1/profiles/{id}", func(w http.ResponseWriter, _ *http.Request, p map[string]string) {
			*calls++
			writeJSON(w, http.StatusOK, map[string]any{"profile": map[string]any{"id": p["id"], "accountId": exportAccount}})
		}},
		{"/v1/offers", page("offers", func(n int) map[string]any {
			return map[string]any{"id": fmt.Sprint(n), "profileId": exportProfile, "missionId": exportMission,
				"status": "OFFER_STATUS_ACCEPTED", "filler": filler}
		})},
		{"/v1/notifications", page("notifications", func(n int) map[string]any { return map[string]any{"id": fmt.Sprint(n), "filler": filler} })},
		{"/v1/webhooks", func(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
			*calls++
			writeJSON(w, http.StatusOK, map[string]any{"webhooks": []any{map[string]any{"id": "w1", "url": "https://hooks.example.com"}}})
		}},
		{"/v1/webhooks/{id}/deliveries", page("deliveries", func(n int) map[string]any { return map[string]any{"id": fmt.Sprint(n)} })},
		{"/v1/missions/{id}/extensions", page("extensions", func(n int) map[string]any { return map[string]any{"id": fmt.Sprint(n)} })},
		{"/v1/missions/{id}/feedback", page("feedback", func(n int) map[string]any { return map[string]any{"rating": 5} })},
	} {
		if err := mux.HandlePath(http.MethodGet, route.path, route.h); err != nil {
			t.Fatal(err)
		}
	}
	return mux
}

func runExport(t *testing.T, h exportHandlers, caller identity.Caller, path string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	serve, id := h.account, strings.Split(path, "/")[3]
	if strings.HasPrefix(path, "/v1/profiles/") {
		serve = h.profile
	}
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r = r.WithContext(identity.WithCaller(r.Context(), caller))
	w := httptest.NewRecorder()
	serve(w, r, map[string]string{"id": id})
	var doc map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &doc)
	return w, doc
}

// TestExportBoundsItsPages: lists that never end stop at the page bound, and the document says
// which were cut; the download's headers are set.
func TestExportBoundsItsPages(t *testing.T) {
	calls := 0
	h := exportHandlers{mux: fakeAPI(t, 10, &calls), limits: exportLimits{maxPages: 3, maxMissions: 5, maxWebhooks: 1,
		maxAuditPages: 1, maxBytes: 1 << 20, timeout: 5 * time.Second}}
	w, doc := runExport(t, h, identity.Caller{AccountID: exportAccount, Role: identity.RoleConsultant}, "/v1/accounts/"+exportAccount+"/export")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got := w.Header().Get("Content-Disposition"); got != `attachment; filename="caiomatch-export-`+exportAccount+`.json"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	for _, part := range []string{"offers", "notifications", "profiles"} {
		if n := len(doc[part].([]any)); n != 3 {
			t.Errorf("%s: %d items, want 3 (one a page, three pages)", part, n)
		}
	}
	incomplete := fmt.Sprint(doc["incomplete"])
	for _, want := range []string{"offers: more than 3 pages", "notifications: more than 3 pages", "viewedBy: this gateway keeps no audit log", "proposals:"} {
		if !strings.Contains(incomplete, want) {
			t.Errorf("incomplete does not say %q: %s", want, incomplete)
		}
	}
	// One staffed mission (the offers all name it): its extensions and feedback, once.
	if ext := doc["extensions"].([]any); len(ext) != 1 {
		t.Errorf("extensions: %v", ext)
	}
	if calls > 40 {
		t.Errorf("%d reads for one export", calls)
	}
}

// TestExportBoundsItsSize: past the byte bound, the export stops reading and says so; the
// document stays near the bound.
func TestExportBoundsItsSize(t *testing.T) {
	calls := 0
	const bound = 64 << 10
	h := exportHandlers{mux: fakeAPI(t, 8<<10, &calls), limits: exportLimits{maxPages: 1000, maxMissions: 5, maxWebhooks: 1,
		maxAuditPages: 1, maxBytes: bound, timeout: 5 * time.Second}}
	w, doc := runExport(t, h, identity.Caller{AccountID: exportAccount, Role: identity.RoleConsultant}, "/v1/accounts/"+exportAccount+"/export")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if w.Body.Len() > 2*bound {
		t.Errorf("the export is %d bytes for a bound of %d", w.Body.Len(), bound)
	}
	if !strings.Contains(fmt.Sprint(doc["incomplete"]), "size:") {
		t.Errorf("incomplete does not name the size bound: %v", doc["incomplete"])
	}
	if calls > 20 {
		t.Errorf("%d reads after the bound was reached", calls)
	}
}

// TestExportIsThePersonsOwn: another account's id is 404, an operator 403; a profile export is
// the consultant owner's only.
func TestExportIsThePersonsOwn(t *testing.T) {
	calls := 0
	h := exportHandlers{mux: fakeAPI(t, 10, &calls), limits: defaultExportLimits}
	other := "01a2515e-3d47-7cde-bacd-0eb1944762fc"
	for _, c := range []struct {
		caller identity.Caller
		path   string
		want   int
	}{
		{identity.Caller{AccountID: other, Role: identity.RoleConsultant}, "/v1/accounts/" + exportAccount + "/export", http.StatusNotFound},
		{identity.Caller{AccountID: other, Role: identity.RoleFirm}, "/v1/accounts/" + exportAccount + "/export", http.StatusNotFound},
		{identity.Caller{AccountID: "operator", Role: identity.RoleOperator}, "/v1/accounts/operator/export", http.StatusForbidden},
		{identity.Caller{AccountID: other, Role: identity.RoleConsultant}, "/v1/profiles/" + exportProfile + "/export", http.StatusNotFound},
		{identity.Caller{AccountID: exportAccount, Role: identity.RoleFirm}, "/v1/profiles/" + exportProfile + "/export", http.StatusForbidden},
		{identity.Caller{AccountID: exportAccount, Role: identity.RoleConsultant}, "/v1/profiles/not-an-id/export", http.StatusNotFound},
		{identity.Caller{AccountID: exportAccount, Role: identity.RoleConsultant}, "/v1/profiles/" + exportProfile + "/export", http.StatusOK},
	} {
		if w, _ := runExport(t, h, c.caller, c.path); w.Code != c.want {
			t.Errorf("%s as %s: %d, want %d", c.path, c.caller.Role, w.Code, c.want)
		}
	}
}

// fakeProposals answers ListProposalsForProfile with n proposals, truncated as told.
type fakeProposals struct {
	matchingv1.MatchingServiceClient
	n         int
	truncated bool
	asked     []string
}

func (f *fakeProposals) ListProposalsForProfile(_ context.Context, req *matchingv1.ListProposalsForProfileRequest, _ ...grpc.CallOption) (*matchingv1.ListProposalsForProfileResponse, error) {
	f.asked = append(f.asked, req.GetProfileId())
	resp := &matchingv1.ListProposalsForProfileResponse{Truncated: f.truncated}
	for i := range f.n {
		resp.Proposals = append(resp.Proposals, &matchingv1.Proposal{MissionId: fmt.Sprint(i), Revision: 1,
			Candidate: &matchingv1.Candidate{ProfileId: req.GetProfileId(), Rank: 1}})
	}
	return resp, nil
}

// TestExportHoldsTheProposals: the consultant's profiles' proposals are asked of matching, once
// per profile, and a cut list is named; a firm's export does not ask.
func TestExportHoldsTheProposals(t *testing.T) {
	calls := 0
	matching := &fakeProposals{n: 2, truncated: true}
	h := exportHandlers{mux: fakeAPI(t, 10, &calls), matching: matching, limits: exportLimits{maxPages: 1, maxMissions: 5,
		maxWebhooks: 1, maxAuditPages: 1, maxBytes: 1 << 20, timeout: 5 * time.Second}}
	_, doc := runExport(t, h, identity.Caller{AccountID: exportAccount, Role: identity.RoleConsultant}, "/v1/accounts/"+exportAccount+"/export")
	if got := doc["proposals"].([]any); len(got) != 2 || got[0].(map[string]any)["missionId"] != "0" {
		t.Errorf("proposals: %v", got)
	}
	if !strings.Contains(fmt.Sprint(doc["incomplete"]), "proposals of profile "+exportProfile+": more than") {
		t.Errorf("the cut is not named: %v", doc["incomplete"])
	}
	if len(matching.asked) != 1 || matching.asked[0] != exportProfile {
		t.Errorf("asked for %v", matching.asked)
	}
	matching.asked = nil
	runExport(t, h, identity.Caller{AccountID: exportAccount, Role: identity.RoleFirm}, "/v1/accounts/"+exportAccount+"/export")
	if len(matching.asked) != 0 {
		t.Errorf("a firm's export asked for proposals of %v", matching.asked)
	}
}
