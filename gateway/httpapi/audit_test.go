package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/audit"
	"github.com/caiomatch/caiomatch/gateway/openapi"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/ratelimit"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// Ids the fake services answer with.
const (
	auditedProfile = "0190f5c2-0000-7000-8000-000000000001"
	otherCandidate = "0190f5c2-0000-7000-8000-000000000002"
	auditedMission = "0190f5c2-0000-7000-8000-0000000000aa"
)

// personalServices answer a profile (with a name and an email) and a shortlist of two.
type personalServices struct {
	profilev1.UnimplementedProfileServiceServer
	matchingv1.UnimplementedMatchingServiceServer
}

func (personalServices) GetProfile(_ context.Context, req *profilev1.GetProfileRequest) (*profilev1.GetProfileResponse, error) {
	return &profilev1.GetProfileResponse{Profile: &profilev1.Profile{Id: req.GetId(), DisplayName: "Claire Martin", Email: "claire.martin@example.org"}}, nil
}

func (personalServices) GetShortlist(_ context.Context, req *matchingv1.GetShortlistRequest) (*matchingv1.GetShortlistResponse, error) {
	return &matchingv1.GetShortlistResponse{MissionId: req.GetMissionId(), Candidates: []*matchingv1.Candidate{
		{ProfileId: auditedProfile, Rank: 1}, {ProfileId: otherCandidate, Rank: 2}, {ProfileId: "not an id", Rank: 3}}}, nil
}

// auditedGateway is the whole gateway in front of personalServices, recording into a store
// over a fresh SQLite database; stop flushes the recorder.
type auditedGateway struct {
	http.Handler
	store    *audit.Store
	accounts *accounts.Store
	stop     func()
}

func newAuditedGateway(t *testing.T) *auditedGateway {
	t.Helper()
	ctx := context.Background()
	key := rpc.CallerKey("0123456789abcdef0123456789abcdef")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := rpc.NewServer(noop.NewTracerProvider(), logger, rpc.WithCallerKey(key))
	profilev1.RegisterProfileServiceServer(srv.GRPC, personalServices{})
	matchingv1.RegisterMatchingServiceServer(srv.GRPC, personalServices{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, stopServing := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, lis, time.Second) }()
	t.Cleanup(func() {
		stopServing()
		if err := <-served; err != nil {
			t.Errorf("the services' gRPC server: %v", err)
		}
	})

	db := sqltest.Backends()[0].Open(t)
	if err := sqlstore.Migrate(ctx, db, append(accounts.Migrations(), audit.Migrations()...)...); err != nil {
		t.Fatal(err)
	}
	store := accounts.New(db, func() string { return uuid.Must(uuid.NewV7()).String() })
	metrics, err := telemetry.NewMetrics("gateway-test")
	if err != nil {
		t.Fatal(err)
	}
	auditStore := audit.NewStore(db)
	recorder := audit.NewRecorder(auditStore, audit.RecorderOptions{Linger: time.Millisecond, RepeatWindow: -1})
	recording, stopRecording := context.WithCancel(ctx)
	recorded := make(chan error, 1)
	go func() { recorded <- recorder.Run(recording) }()
	addr := lis.Addr().String()
	gw, err := New(ctx, Config{
		Backends: Backends{ProfileAddr: addr, MissionAddr: addr, MatchingAddr: addr},
		Accounts: store, Metrics: metrics, TracerProvider: noop.NewTracerProvider(), Logger: logger, CallerKey: key,
		AccountService: accounts.NewService(store, nil, "http://127.0.0.1"),
		AbuseLimits: AbuseLimits{PerEmail: ratelimit.Limit{Burst: 1, Every: time.Hour}, PerAddress: ratelimit.Limit{Burst: 100, Every: time.Second},
			MaxKeys: 100},
		Audit: recorder, AuditStore: auditStore,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	once := false
	return &auditedGateway{Handler: gw, store: auditStore, accounts: store, stop: func() {
		if !once {
			once = true
			stopRecording()
			if err := <-recorded; err != nil {
				t.Errorf("the audit recorder: %v", err)
			}
		}
	}}
}

func (g *auditedGateway) account(t *testing.T, role identity.Role) (id, token string) {
	t.Helper()
	acc, token, err := g.accounts.Create(context.Background(), role, "Claire Martin", "claire.martin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	return acc.ID, token
}

func (g *auditedGateway) do(t *testing.T, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, reader)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		if !strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	w := httptest.NewRecorder()
	g.ServeHTTP(w, req)
	return w
}

// recorded stops the recorder, which writes what it holds, and reads the whole log.
func (g *auditedGateway) recorded(t *testing.T) audit.Page {
	t.Helper()
	g.stop()
	page, err := g.store.Search(context.Background(), audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// event is an audit event as a test compares it.
type event struct {
	actor, kind, action, subject, reason string
	outcome                              int
}

func eventsOf(page audit.Page) []event {
	var out []event
	for _, e := range page.Events {
		out = append(out, event{actor: e.ActorRole, kind: string(e.Kind), action: e.Action, subject: e.SubjectID, reason: e.Reason, outcome: e.Outcome})
	}
	slices.Reverse(out) // oldest first, as the requests were made
	return out
}

// TestAuditRecordsReadsRefusalsAndFailedSignInsWithIDsOnly: every kind of event, each with the
// route template and the path's id, and none of what callers typed: emails, names, long
// strings and bad tokens in paths and bodies never reach the store.
func TestAuditRecordsReadsRefusalsAndFailedSignInsWithIDsOnly(t *testing.T) {
	g := newAuditedGateway(t)
	firmID, firm := g.account(t, identity.RoleFirm)
	consultantID, consultant := g.account(t, identity.RoleConsultant)
	long := strings.Repeat("jean-dupont-", 40)
	for _, r := range []struct {
		method, path, token, body string
		want                      int
	}{
		{"GET", "/v1/profiles/" + auditedProfile, firm, "", 200},
		{"GET", "/v1/missions/" + auditedMission + "/shortlist", firm, "", 200},
		{"GET", "/v1/profiles/claire.martin@example.org", "", "", 401},
		{"GET", "/v1/profiles/" + long, "cm_not-a-token-" + long, "", 401},
		{"GET", "/v1/people/jean.dupont@example.org?email=jean.dupont@example.org", "", "", 401},
		{"GET", "/v1/ops/audit?subjectId=" + auditedProfile, consultant, "", 403},
		{"POST", "/v1/signup/verify", "", `{"email":"jean.dupont@example.org","code":"123456"}`, 401},
		{"POST", "/v1/signup/verify", "", `{"email":"jean.dupont@example.org","code":"654321"}`, 429},
		{"POST", accounts.SignInPath, "", "token=jean.dupont%40example.org", 401},
		{"GET", "/v1/taxonomy/sectors", "", "", 200}, // nobody's data: not recorded
	} {
		if w := g.do(t, r.method, r.path, r.token, r.body); w.Code != r.want {
			t.Fatalf("%s %.60s: %d %s, want %d", r.method, r.path, w.Code, w.Body, r.want)
		}
	}
	page := g.recorded(t)
	want := []event{
		{"FIRM", "READ", "GET /v1/profiles/{id}", auditedProfile, "", 200},
		{"FIRM", "READ", "GET /v1/missions/{missionId}/shortlist", auditedProfile, "", 200},
		{"FIRM", "READ", "GET /v1/missions/{missionId}/shortlist", otherCandidate, "", 200},
		{"ANONYMOUS", "REFUSED", "GET /v1/profiles/{id}", "", "MISSING_TOKEN", 401},
		{"ANONYMOUS", "SIGN_IN_FAILED", "GET /v1/profiles/{id}", "", "INVALID_TOKEN", 401},
		{"ANONYMOUS", "REFUSED", "unknown route", "", "MISSING_TOKEN", 401},
		{"CONSULTANT", "REFUSED", "GET /v1/ops/audit", "", "ROLE_NOT_ALLOWED", 403},
		{"ANONYMOUS", "SIGN_IN_FAILED", "POST /v1/signup/verify", "", "INVALID_CODE", 401},
		{"ANONYMOUS", "REFUSED", "POST /v1/signup/verify", "", "TOO_MANY_ATTEMPTS", 429},
		{"ANONYMOUS", "SIGN_IN_FAILED", "POST /v1/sessions/callback", "", "INVALID_SIGN_IN_LINK", 401},
	}
	got := eventsOf(page)
	if !slices.Equal(got, want) {
		t.Errorf("recorded\n%v\nwant\n%v", got, want)
	}
	for _, e := range page.Events {
		if e.ActorRole == "FIRM" && e.ActorID != firmID || e.ActorRole == "CONSULTANT" && e.ActorID != consultantID || e.ID == "" || e.At.IsZero() {
			t.Errorf("event without its actor, id or time: %+v", e)
		}
		text, _ := json.Marshal(e)
		for _, personal := range []string{"claire", "Claire", "jean", "dupont", "@", "cm_", "123456", "654321", "email"} {
			if strings.Contains(string(text), personal) {
				t.Errorf("the log holds %q: %s", personal, text)
			}
		}
	}
}

// TestAuditRecordsChangesWhateverTheirOutcome, and a refusal decided before the mux (a
// suspended account) with its actor and the route the mux would have taken.
func TestAuditRecordsChangesWhateverTheirOutcome(t *testing.T) {
	g := newAuditedGateway(t)
	_, operator := g.account(t, identity.RoleOperator)
	suspendedID, suspended := g.account(t, identity.RoleConsultant)
	if w := g.do(t, "POST", "/v1/accounts/"+suspendedID+"/suspend", operator, "{}"); w.Code != 200 {
		t.Fatalf("suspend: %d %s", w.Code, w.Body)
	}
	if w := g.do(t, "GET", "/v1/profiles/"+auditedProfile, suspended, ""); w.Code != 403 {
		t.Fatalf("a suspended account: %d %s", w.Code, w.Body)
	}
	missing := "0190f5c2-0000-7000-8000-0000000000ff"
	if w := g.do(t, "POST", "/v1/accounts/"+missing+"/approve", operator, "{}"); w.Code != 404 {
		t.Fatalf("approve a missing account: %d %s", w.Code, w.Body)
	}
	page := g.recorded(t)
	want := []event{
		{"OPERATOR", "CHANGE", "POST /v1/accounts/{id}/suspend", suspendedID, "", 200},
		{"CONSULTANT", "REFUSED", "GET /v1/profiles/{id}", auditedProfile, "ACCOUNT_SUSPENDED", 403},
		{"OPERATOR", "CHANGE", "POST /v1/accounts/{id}/approve", missing, "ACCOUNT_NOT_FOUND", 404},
	}
	if got := eventsOf(page); !slices.Equal(got, want) {
		t.Errorf("recorded\n%v\nwant\n%v", got, want)
	}
	if refused := page.Events[1]; refused.ActorID != suspendedID {
		t.Errorf("the suspended account's refusal: %+v", refused)
	}
}

func TestAuditLogIsForOperatorsWithCheckedFiltersAndPages(t *testing.T) {
	g := newAuditedGateway(t)
	_, operator := g.account(t, identity.RoleOperator)
	firmID, firm := g.account(t, identity.RoleFirm)
	for range 3 {
		g.do(t, "GET", "/v1/profiles/"+auditedProfile, firm, "")
	}
	g.do(t, "GET", "/v1/ops/audit", firm, "")
	g.stop()

	type auditAnswer struct {
		status int
		body   map[string]any
		fields []string
		reason string
	}
	read := func(query string) auditAnswer {
		w := g.do(t, "GET", "/v1/ops/audit"+query, operator, "")
		a := auditAnswer{status: w.Code}
		var body struct {
			audit.Page
			Details []struct {
				Reason          string
				FieldViolations []struct{ Field string }
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v: %s", query, err, w.Body)
		}
		for _, d := range body.Details {
			a.reason += d.Reason
			for _, v := range d.FieldViolations {
				a.fields = append(a.fields, v.Field)
			}
		}
		a.body = map[string]any{"events": float64(len(body.Events)), "next": body.NextPageToken}
		if len(body.Events) > 0 {
			a.body["first"] = body.Events[0].Action + " " + body.Events[0].ActorID
		}
		return a
	}
	q := url.Values{"subjectId": {auditedProfile}, "actorId": {firmID}, "outcome": {"allowed"}, "pageSize": {"2"}}
	first := read("?" + q.Encode())
	if first.status != 200 || first.body["events"] != 2.0 || first.body["next"] == "" || first.body["first"] != "GET /v1/profiles/{id} "+firmID {
		t.Fatalf("first page: %+v", first)
	}
	q.Set("pageToken", first.body["next"].(string))
	if second := read("?" + q.Encode()); second.status != 200 || second.body["events"] != 1.0 || second.body["next"] != "" {
		t.Fatalf("second page: %+v", second)
	}
	refused := read("?outcome=refused&action=" + url.QueryEscape("GET /v1/ops/audit"))
	if refused.status != 200 || refused.body["events"] != 1.0 || refused.body["first"] != "GET /v1/ops/audit "+firmID {
		t.Fatalf("the firm's refusal: %+v", refused)
	}
	for query, field := range map[string]string{
		"?subjectId=claire.martin%40example.org": "subjectId",
		"?actorId=Claire":                        "actorId",
		"?outcome=maybe":                         "outcome",
		"?pageSize=0":                            "pageSize",
		"?pageSize=201":                          "pageSize",
		"?pageToken=garbage":                     "pageToken",
		"?action=%2Fv1%2Fprofiles%2Fclaire":      "action",
		"?actorId=a&actorId=b":                   "actorId",
		"?who=me":                                "who",
	} {
		if a := read(query); a.status != 400 || !slices.Equal(a.fields, []string{field}) {
			t.Errorf("%s: %d %v, want 400 naming %s", query, a.status, a.fields, field)
		}
	}
}

// TestPersonalRoutesAreTheGatewaysOwnTemplates: the audited routes are named as the gateway's
// routing names them (the OpenAPI description's paths, lowerCamel variables), so that none is
// silently never matched. The data-rights endpoints may not be served yet, and the mailbox is
// served by hand without a description.
func TestPersonalRoutesAreTheGatewaysOwnTemplates(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	notYet := map[string]bool{"DELETE /v1/accounts/{id}": true, "GET /v1/ops/mailbox": true}
	for route := range personalRoutes {
		method, path, _ := strings.Cut(route, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok && !notYet[route] {
			t.Errorf("%s is no route of the gateway", route)
		}
		if !audit.ValidAction(route) {
			t.Errorf("%s is not an action the log keeps", route)
		}
	}
}
