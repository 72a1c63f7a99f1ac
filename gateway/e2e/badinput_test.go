package e2e

import (
	"slices"
	"strings"
	"testing"
)

// errorParts pulls the reason and the violated fields out of an API error body.
func errorParts(body map[string]any) (reason string, fields []string) {
	for _, d := range list(body, "details") {
		detail := d.(map[string]any)
		switch detail["@type"] {
		case "type.googleapis.com/google.rpc.ErrorInfo":
			reason, _ = detail["reason"].(string)
		case "type.googleapis.com/google.rpc.BadRequest":
			for _, v := range list(detail, "fieldViolations") {
				fields = append(fields, v.(map[string]any)["field"].(string))
			}
		}
	}
	return reason, fields
}

func TestBadInputIsRefusedAndLeavesNothingBehind(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	_, firmToken := p.createAccount("FIRM", "Firm A")
	otherFirmID, otherFirmToken := p.createAccount("FIRM", "Firm B")
	_, consultantToken := p.createAccount("CONSULTANT", "Claire")
	_, otherConsultantToken := p.createAccount("CONSULTANT", "Paul")

	otherMission := str(p.mustCall("POST", "/v1/missions", otherFirmToken, missionBody(nil)), "mission", "id")
	otherProfile := str(p.mustCall("POST", "/v1/profiles", otherConsultantToken, profileBody("Paul Durand", nil)), "profile", "id")

	set := func(key string, value any) func(map[string]any) {
		return func(b map[string]any) { b[key] = value }
	}
	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		reason                    string
		field                     string
	}{
		{"malformed JSON", "POST", "/v1/missions", firmToken, `{"title": "x",`, 400, "MALFORMED_JSON", "body"},
		{"unknown field", "POST", "/v1/missions", firmToken, missionBody(set("budget", 3)), 400, "UNKNOWN_FIELD", "budget"},
		{"duration 5 months", "POST", "/v1/missions", firmToken, missionBody(set("durationMonths", 5)), 400, "INVALID_ARGUMENT", "durationMonths"},
		{"duration 19 months", "POST", "/v1/missions", firmToken, missionBody(set("durationMonths", 19)), 400, "INVALID_ARGUMENT", "durationMonths"},
		{"unknown skill", "POST", "/v1/missions", firmToken, missionBody(set("requiredSkills", []string{"ai-strategy", "juggling"})), 400, "INVALID_ARGUMENT", "requiredSkills[1]"},
		{"unknown sector", "POST", "/v1/missions", firmToken, missionBody(set("sector", "Z99")), 400, "INVALID_ARGUMENT", "sector"},
		{"negative budget", "POST", "/v1/missions", firmToken, missionBody(set("maxDailyRateEur", -100)), 400, "INVALID_ARGUMENT", "maxDailyRateEur"},
		{"unknown enum", "POST", "/v1/missions", firmToken, missionBody(set("workMode", "WORK_MODE_FROM_THE_BEACH")), 400, "INVALID_FIELD_VALUE", "workMode"},
		{"bad date", "POST", "/v1/missions", firmToken, missionBody(set("startDate", "01/02/2027")), 400, "INVALID_ARGUMENT", "startDate"},
		{"negative daily rate", "POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", set("dailyRateEur", -5)), 400, "INVALID_ARGUMENT", "dailyRateEur"},
		{"unknown profile sector", "POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", set("sectors", []string{"C21", "C99"})), 400, "INVALID_ARGUMENT", "sectors[1]"},
		{"skill level 7", "POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", set("skills", []map[string]any{{"id": "mlops", "level": 7}})), 400, "INVALID_ARGUMENT", "skills[0].level"},
		{"missing token", "POST", "/v1/missions", "", missionBody(nil), 401, "MISSING_TOKEN", ""},
		{"wrong token", "POST", "/v1/missions", "not-a-token", missionBody(nil), 401, "INVALID_TOKEN", ""},
		{"consultant submits a mission", "POST", "/v1/missions", consultantToken, missionBody(nil), 403, "ROLE_NOT_ALLOWED", ""},
		{"firm creates an account", "POST", "/v1/accounts", firmToken, map[string]any{"role": "FIRM", "name": "x"}, 403, "ROLE_NOT_ALLOWED", ""},
		{"firm reads another firm's mission", "GET", "/v1/missions/" + otherMission, firmToken, nil, 404, "MISSION_NOT_FOUND", ""},
		{"firm reads another firm's shortlist", "GET", "/v1/missions/" + otherMission + "/shortlist", firmToken, nil, 404, "MISSION_NOT_FOUND", ""},
		{"consultant reads another's profile", "GET", "/v1/profiles/" + otherProfile, consultantToken, nil, 404, "PROFILE_NOT_FOUND", ""},
		{"consultant replaces another's profile", "PUT", "/v1/profiles/" + otherProfile, consultantToken, profileBody("Claire Martin", nil), 404, "PROFILE_NOT_FOUND", ""},
		{"operator creates a profile for a firm account", "POST", "/v1/profiles", operatorToken, profileBody("X Y", set("accountId", otherFirmID)), 400, "INVALID_ARGUMENT", "accountId"},
		{"operator creates a profile for no account", "POST", "/v1/profiles", operatorToken, profileBody("X Y", set("accountId", "nobody")), 400, "INVALID_ARGUMENT", "accountId"},
		{"body over 1 MiB", "POST", "/v1/missions", firmToken, missionBody(set("title", strings.Repeat("x", 2<<20))), 400, "MALFORMED_JSON", "body"},
		{"bad role", "POST", "/v1/accounts", operatorToken, map[string]any{"role": "ADMIN", "name": "x"}, 400, "INVALID_ARGUMENT", "role"},
		{"bad email", "POST", "/v1/accounts", operatorToken, map[string]any{"role": "FIRM", "name": "x", "email": "x@"}, 400, "INVALID_ARGUMENT", "email"},
		{"NUL in an account name", "POST", "/v1/accounts", operatorToken, map[string]any{"role": "FIRM", "name": "x\u0000y"}, 400, "INVALID_ARGUMENT", "name"},
		{"unknown query parameter", "GET", "/v1/missions?budget=3", firmToken, nil, 400, "UNKNOWN_QUERY_PARAMETER", "budget"},
		{"query parameter on a create", "POST", "/v1/missions?title=x", firmToken, missionBody(nil), 400, "UNKNOWN_QUERY_PARAMETER", "title"},
		{"wrong method", "DELETE", "/v1/missions", firmToken, nil, 405, "METHOD_NOT_ALLOWED", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := p.call(tc.method, tc.path, tc.token, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if code, ok := r.body["code"].(float64); !ok || code == 0 {
				t.Errorf("error body has no gRPC code: %s", r.raw)
			}
			if msg, _ := r.body["message"].(string); msg == "" {
				t.Errorf("error body has no message: %s", r.raw)
			}
			reason, fields := errorParts(r.body)
			if reason != tc.reason {
				t.Errorf("reason %q, want %q: %s", reason, tc.reason, r.raw)
			}
			if tc.field != "" && !slices.Contains(fields, tc.field) {
				t.Errorf("field violations %v lack %q: %s", fields, tc.field, r.raw)
			}
		})
	}

	// Nothing was left behind: the firm has no mission, the consultant no profile.
	missions := p.mustCall("GET", "/v1/missions", firmToken, nil)
	if n := len(list(missions, "missions")); n != 0 {
		t.Errorf("firm A has %d missions after only bad requests", n)
	}
	if r := p.call("GET", "/v1/missions", operatorToken, nil); len(list(r.body, "missions")) != 1 {
		t.Errorf("operator sees %d missions, want only firm B's", len(list(r.body, "missions")))
	}
	created := p.call("POST", "/v1/profiles", consultantToken, profileBody("Claire Martin", nil))
	if created.status != 200 {
		t.Errorf("the consultant cannot create a profile after refused attempts: %s", created.raw)
	}
	if !strings.Contains(p.call("GET", "/v1/taxonomy/sectors", "", nil).raw, `"C21"`) {
		t.Error("taxonomy is not public")
	}
}
