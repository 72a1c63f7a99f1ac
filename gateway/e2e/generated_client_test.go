package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	client "github.com/caiomatch/caiomatch/pkg/gen/openapi/caiomatchclient"
)

// describedDoer sends the generated client's requests and checks each exchange against the
// description the platform serves: the route is described, the request matches its
// parameters and body, and the answer's status and body are the ones described for it.
type describedDoer struct {
	t      *testing.T
	router routers.Router
	http   *http.Client

	mu      sync.Mutex
	checked map[string]bool // "operationId status"
}

func newDescribedDoer(t *testing.T, p *platform) *describedDoer {
	t.Helper()
	r := p.call("GET", "/openapi.json", "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("/openapi.json: %d", r.status)
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(r.raw))
	if err != nil {
		t.Fatalf("the served description does not load: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: p.url}} // the platform's test address
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &describedDoer{t: t, router: router, http: p.client, checked: map[string]bool{}}
}

func (d *describedDoer) Do(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, params, err := d.router.FindRoute(req)
	if err != nil {
		d.t.Errorf("%s %s: not in the description: %v", req.Method, req.URL.Path, err)
		return d.http.Do(req)
	}
	// Credentials are the platform's to check: what is checked here is the shape.
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		d.t.Errorf("%s: the request does not match the description: %v", route.Operation.OperationID, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		d.t.Errorf("%s answered %d, not as described: %v\n%s", route.Operation.OperationID, resp.StatusCode, err, body)
	}
	d.mu.Lock()
	d.checked[route.Operation.OperationID+" "+http.StatusText(resp.StatusCode)] = true
	d.mu.Unlock()
	return resp, nil
}

// asCaller is the generated client with the caller's bearer token (none: anonymous).
func asCaller(t *testing.T, p *platform, doer *describedDoer, token string) *client.ClientWithResponses {
	t.Helper()
	opts := []client.ClientOption{client.WithHTTPClient(doer)}
	if token != "" {
		opts = append(opts, client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	}
	c, err := client.NewClientWithResponses(p.url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGeneratedGoClientDrivesThePlatform: the Go client oapi-codegen generates from the
// description (make proto: pkg/gen/openapi/caiomatchclient) signs a firm and a consultant up
// through an operator, creates a profile and a mission, reads the mission and its shortlist,
// makes an offer the consultant then lists, and meets each documented error: 400 with the field
// at fault, 401 with its challenge, 403, 404. Every exchange is checked against the served
// description, statuses and bodies.
func TestGeneratedGoClientDrivesThePlatform(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	ctx := context.Background()
	doer := newDescribedDoer(t, p)
	operator := asCaller(t, p, doer, operatorToken)
	anonymous := asCaller(t, p, doer, "")

	skills, err := anonymous.TaxonomyServiceListSkillsWithResponse(ctx)
	if err != nil || skills.StatusCode() != http.StatusOK || skills.JSON200 == nil || len(*skills.JSON200.Skills) < 30 {
		t.Fatalf("skills without a token: %v %s", err, answerOf(skills))
	}

	accountOf := func(role, name string) (id, token string) {
		t.Helper()
		r, err := operator.AccountServiceCreateAccountWithResponse(ctx, client.CreateAccountRequest{Role: &role, Name: &name})
		if err != nil || r.StatusCode() != http.StatusOK || r.JSON200 == nil {
			t.Fatalf("create a %s account: %v %s", role, err, answerOf(r))
		}
		return *r.JSON200.Account.Id, *r.JSON200.Token
	}
	firmID, firmToken := accountOf("FIRM", "Acme Industrie")
	_, consultantToken := accountOf("CONSULTANT", "Claire Martin")
	firm := asCaller(t, p, doer, firmToken)
	consultant := asCaller(t, p, doer, consultantToken)

	var profileReq client.CreateProfileRequest
	decode(t, profileBody("Claire Martin", nil), &profileReq)
	profile, err := consultant.ProfileServiceCreateProfileWithResponse(ctx, profileReq)
	if err != nil || profile.StatusCode() != http.StatusOK || profile.JSON200 == nil {
		t.Fatalf("create the profile: %v %s", err, answerOf(profile))
	}
	profileID := *profile.JSON200.Profile.Id

	var missionReq client.CreateMissionRequest
	decode(t, missionBody(nil), &missionReq)
	created, err := firm.MissionServiceCreateMissionWithResponse(ctx, missionReq)
	if err != nil || created.StatusCode() != http.StatusOK || created.JSON200 == nil {
		t.Fatalf("create the mission: %v %s", err, answerOf(created))
	}
	mission := created.JSON200.Mission
	if *mission.FirmId != firmID || *mission.Status != client.MissionStatusMISSIONSTATUSSUBMITTED {
		t.Errorf("created mission: firm %s status %s", *mission.FirmId, *mission.Status)
	}
	read, err := firm.MissionServiceGetMissionWithResponse(ctx, *mission.Id)
	if err != nil || read.StatusCode() != http.StatusOK || *read.JSON200.Mission.Title != *missionReq.Title {
		t.Fatalf("read the mission: %v %s", err, answerOf(read))
	}
	listed, err := firm.MissionServiceListMissionsWithResponse(ctx, &client.MissionServiceListMissionsParams{})
	if err != nil || listed.StatusCode() != http.StatusOK || len(*listed.JSON200.Missions) != 1 {
		t.Fatalf("list the firm's missions: %v %s", err, answerOf(listed))
	}

	var shortlist *client.GetShortlistResponse
	eventually(t, 15*time.Second, "the shortlist", func() bool {
		r, err := firm.MatchingServiceGetShortlistWithResponse(ctx, *mission.Id)
		if err != nil || r.StatusCode() != http.StatusOK {
			t.Fatalf("the shortlist: %v %s", err, answerOf(r))
		}
		shortlist = r.JSON200
		return *shortlist.Status == client.SHORTLISTSTATUSREADY
	})
	if len(*shortlist.Candidates) != 1 || *(*shortlist.Candidates)[0].ProfileId != profileID {
		t.Fatalf("shortlist candidates: %s", mustJSON(shortlist.Candidates))
	}
	eventually(t, 15*time.Second, "the mission shortlisted", func() bool {
		r, err := firm.MissionServiceGetMissionWithResponse(ctx, *mission.Id)
		return err == nil && r.JSON200 != nil && *r.JSON200.Mission.Status == client.MissionStatusMISSIONSTATUSSHORTLISTED
	})
	offer, err := firm.MissionServiceMakeOfferWithResponse(ctx, *mission.Id, profileID, client.MakeOfferBody{})
	if err != nil || offer.StatusCode() != http.StatusOK {
		t.Fatalf("make the offer: %v %s", err, answerOf(offer))
	}
	offers, err := consultant.MissionServiceListOffersWithResponse(ctx, &client.MissionServiceListOffersParams{})
	if err != nil || offers.StatusCode() != http.StatusOK || len(*offers.JSON200.Offers) != 1 ||
		*(*offers.JSON200.Offers)[0].Status != client.OfferStatusOFFERSTATUSPENDING {
		t.Fatalf("the consultant's offers: %v %s", err, answerOf(offers))
	}

	// Sign-up answers 202 whether or not the address is known, as described.
	role, name, email := "CONSULTANT", "Paul Petit", "paul.petit@example.org"
	signUp, err := anonymous.AccountServiceSignUpWithResponse(ctx, client.SignUpRequest{Role: &role, Name: &name, Email: &email})
	if err != nil || signUp.StatusCode() != http.StatusAccepted || signUp.JSON202 == nil {
		t.Fatalf("sign-up: %v %s", err, answerOf(signUp))
	}

	// The errors, each with the documented body.
	short := missionReq
	short.DurationMonths = ptr(int32(3))
	bad, err := firm.MissionServiceCreateMissionWithResponse(ctx, short)
	if err != nil || bad.StatusCode() != http.StatusBadRequest || bad.JSON400 == nil {
		t.Fatalf("a 3-month mission: %v %s", err, answerOf(bad))
	}
	if bad.JSON400.Code != 3 || reasonOf(*bad.JSON400) == "" || !slices.Contains(fieldsOf(*bad.JSON400), "durationMonths") {
		t.Errorf("a 3-month mission's error: %s", bad.Body)
	}
	missing, err := anonymous.MissionServiceGetMissionWithResponse(ctx, *mission.Id)
	if err != nil || missing.StatusCode() != http.StatusUnauthorized || missing.JSON401 == nil ||
		missing.JSON401.Code != 16 || !strings.HasPrefix(missing.HTTPResponse.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("no token: %v %d %s", err, missing.StatusCode(), missing.Body)
	}
	refused, err := consultant.MissionServiceCreateMissionWithResponse(ctx, missionReq)
	if err != nil || refused.StatusCode() != http.StatusForbidden || refused.JSON403 == nil || refused.JSON403.Code != 7 {
		t.Errorf("a consultant creates a mission: %v %s", err, answerOf(refused))
	}
	unknown, err := firm.MissionServiceGetMissionWithResponse(ctx, "00000000-0000-0000-0000-000000000000")
	if err != nil || unknown.StatusCode() != http.StatusNotFound || unknown.JSON404 == nil || reasonOf(*unknown.JSON404) == "" {
		t.Errorf("an unknown mission: %v %s", err, answerOf(unknown))
	}

	if len(doer.checked) < 14 {
		t.Errorf("%d exchanges checked against the description: %v", len(doer.checked), doer.checked)
	}
}

type answered interface {
	StatusCode() int
}

// answerOf shows a generated response's status and body (each response type has its Body).
func answerOf(r answered) string {
	v := reflect.ValueOf(r)
	if r == nil || v.IsNil() {
		return "no answer"
	}
	return fmt.Sprintf("%d %s", r.StatusCode(), v.Elem().FieldByName("Body").Bytes())
}

func decode(t *testing.T, from any, into any) {
	t.Helper()
	raw, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func ptr[T any](v T) *T { return &v }

func reasonOf(e client.Error) string {
	for _, d := range e.Details {
		if d.Type == "type.googleapis.com/google.rpc.ErrorInfo" && d.Reason != nil {
			return *d.Reason
		}
	}
	return ""
}

func fieldsOf(e client.Error) []string {
	var fields []string
	for _, d := range e.Details {
		if d.FieldViolations != nil {
			for _, v := range *d.FieldViolations {
				fields = append(fields, v.Field)
			}
		}
	}
	return fields
}
