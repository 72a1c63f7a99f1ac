package e2e

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"
)

// profileIDsOf lists the ids of a GET /v1/profiles answer's profiles, in order.
func profileIDsOf(body map[string]any) []string {
	var ids []string
	for _, p := range list(body, "profiles") {
		ids = append(ids, str(p.(map[string]any), "id"))
	}
	return ids
}

// TestListProfiles: GET /v1/profiles gives a consultant their own profile, whole as GET
// /v1/profiles/{id} shows it to them, and nobody else's (a pending consultant too: it is how
// the pages find the profile right after a sign-up); an operator pages through every profile
// newest first, or one account's; a firm is refused; bad paging and unknown parameters are 400
// naming the field; the audit log has each listed profile as a read by its caller.
func TestListProfiles(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	c1, c1Token := p.createAccount("CONSULTANT", "Claire Martin")
	c2, c2Token := p.createAccount("CONSULTANT", "Marc Dubois")
	c3, _ := p.createAccount("CONSULTANT", "Inès Roux")
	firm, firmToken := p.createAccount("FIRM", "Acme Industrie")

	if body := p.mustCall("GET", "/v1/profiles", c1Token, nil); len(list(body, "profiles")) != 0 || str(body, "nextPageToken") != "" {
		t.Fatalf("before any profile: %v", body)
	}
	own := str(p.mustCall("POST", "/v1/profiles", c1Token, profileBody("Claire Martin", nil)), "profile", "id")
	second := str(p.mustCall("POST", "/v1/profiles", c2Token, profileBody("Marc Dubois", nil)), "profile", "id")
	third := str(p.mustCall("POST", "/v1/profiles", operatorToken, profileBody("Inès Roux", func(b map[string]any) {
		b["accountId"] = c3
	})), "profile", "id")

	// The consultant: their own profile, whole, and no next page.
	mine := p.mustCall("GET", "/v1/profiles", c1Token, nil)
	if ids := profileIDsOf(mine); !slices.Equal(ids, []string{own}) || str(mine, "nextPageToken") != "" {
		t.Fatalf("the consultant's list: %v", mine)
	}
	whole := p.mustCall("GET", "/v1/profiles/"+own, c1Token, nil)["profile"]
	if listed := list(mine, "profiles")[0]; !reflect.DeepEqual(listed, whole) {
		t.Errorf("listed %v\nwhile GET /v1/profiles/{id} shows %v", listed, whole)
	}
	if listed := list(mine, "profiles")[0].(map[string]any); listed["email"] != "claire.martin@example.org" || listed["accountId"] != c1 {
		t.Errorf("the consultant's own profile is not whole: %v", listed)
	}
	for _, other := range []string{c2, c3} {
		if body := p.mustCall("GET", "/v1/profiles?accountId="+other, c1Token, nil); len(list(body, "profiles")) != 0 {
			t.Errorf("the consultant sees another account's profiles: %v", body)
		}
	}
	if ids := profileIDsOf(p.mustCall("GET", "/v1/profiles", c2Token, nil)); !slices.Equal(ids, []string{second}) {
		t.Errorf("the second consultant's list: %v", ids)
	}

	// A firm may never list profiles: 403 at the gateway (and the service refuses it too).
	r := p.call("GET", "/v1/profiles", firmToken, nil)
	if reason, _ := errorParts(r.body); r.status != http.StatusForbidden || reason != "ROLE_NOT_ALLOWED" {
		t.Fatalf("a firm lists profiles: %d %s", r.status, r.raw)
	}
	if r := p.call("GET", "/v1/profiles", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("without a token: %d %s", r.status, r.raw)
	}

	// The operator: every profile newest first, a page at a time, the token opaque.
	var pages [][]string
	token := ""
	for range 10 {
		q := url.Values{"pageSize": {"2"}}
		if token != "" {
			q.Set("pageToken", token)
		}
		page := p.mustCall("GET", "/v1/profiles?"+q.Encode(), operatorToken, nil)
		pages = append(pages, profileIDsOf(page))
		if token = str(page, "nextPageToken"); token == "" {
			break
		}
	}
	if want := [][]string{{third, second}, {own}}; !reflect.DeepEqual(pages, want) {
		t.Fatalf("the operator's pages %v, want %v", pages, want)
	}
	all := p.mustCall("GET", "/v1/profiles", operatorToken, nil)
	if ids := profileIDsOf(all); !slices.Equal(ids, []string{third, second, own}) || str(all, "nextPageToken") != "" {
		t.Errorf("the operator's default page: %v", all)
	}
	if listed := list(all, "profiles")[2]; !reflect.DeepEqual(listed, whole) {
		t.Errorf("the operator sees %v\nthe owner %v", listed, whole)
	}
	if ids := profileIDsOf(p.mustCall("GET", "/v1/profiles?accountId="+c2, operatorToken, nil)); !slices.Equal(ids, []string{second}) {
		t.Errorf("the operator's list of one account: %v", ids)
	}

	// Bad paging, an unknown parameter: 400 naming the field.
	for query, field := range map[string]string{
		"pageSize=-1":        "pageSize",
		"pageSize=many":      "pageSize",
		"pageToken=nonsense": "pageToken",
		"status=ACTIVE":      "status",
		"accountId=a%00b":    "accountId",
		"accountId=%FF":      "accountId",
	} {
		r := p.call("GET", "/v1/profiles?"+query, operatorToken, nil)
		if _, fields := errorParts(r.body); r.status != http.StatusBadRequest || !slices.Contains(fields, field) {
			t.Errorf("?%s: %d %s, want 400 naming %s", query, r.status, r.raw, field)
		}
	}

	// Each listed profile is a read of that person's data in the audit log, attributed to the
	// caller, and the firm's refusal is there too.
	for _, want := range []struct{ actor, subject, outcome, kind, reason string }{
		{actor: c1, subject: own, outcome: "allowed", kind: "READ"},
		{actor: "operator", subject: third, outcome: "allowed", kind: "READ"},
		{actor: firm, outcome: "refused", kind: "REFUSED", reason: "ROLE_NOT_ALLOWED"},
	} {
		q := url.Values{"actorId": {want.actor}, "action": {"GET /v1/profiles"}, "outcome": {want.outcome}}
		if want.subject != "" {
			q.Set("subjectId", want.subject)
		}
		eventually(t, 5*time.Second, "the audit event of "+want.actor+"'s list", func() bool {
			for _, e := range list(p.mustCall("GET", "/v1/ops/audit?"+q.Encode(), operatorToken, nil), "events") {
				if e := e.(map[string]any); e["kind"] == want.kind && str(e, "reason") == want.reason {
					return true
				}
			}
			return false
		})
	}

	// The OpenAPI description has it, with its query parameters.
	doc := p.call("GET", "/openapi.json", "", nil).body
	get, _ := doc["paths"].(map[string]any)["/v1/profiles"].(map[string]any)["get"].(map[string]any)
	var params []string
	for _, prm := range list(get, "parameters") {
		if prm := prm.(map[string]any); prm["in"] == "query" {
			params = append(params, prm["name"].(string))
		}
	}
	slices.Sort(params)
	if str(get, "operationId") != "ProfileService_ListProfiles" || !slices.Equal(params, []string{"accountId", "pageSize", "pageToken"}) {
		t.Errorf("OpenAPI GET /v1/profiles: %v", get)
	}

	// A consultant waiting for approval finds their profile too, as the pages do right after
	// a sign-up.
	if r := p.call("POST", "/v1/signup", "", map[string]any{"role": "CONSULTANT", "name": "Paul Petit", "email": "paul@example.org"}); r.status != http.StatusAccepted {
		t.Fatalf("sign-up: %d %s", r.status, r.raw)
	}
	var code string
	eventually(t, 5*time.Second, "the code in the mailbox", func() bool {
		for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
			if msg := m.(map[string]any); msg["to"] == "paul@example.org" {
				code = regexp.MustCompile(`\b\d{6}\b`).FindString(msg["text"].(string))
			}
		}
		return code != ""
	})
	pendingToken := str(p.mustCall("POST", "/v1/signup/verify", "", map[string]any{"email": "paul@example.org", "code": code}), "token")
	pending := str(p.mustCall("POST", "/v1/profiles", pendingToken, profileBody("Paul Petit", nil)), "profile", "id")
	if ids := profileIDsOf(p.mustCall("GET", "/v1/profiles", pendingToken, nil)); !slices.Equal(ids, []string{pending}) {
		t.Errorf("the pending consultant's profiles %v, want [%s]", ids, pending)
	}
}
