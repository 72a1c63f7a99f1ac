package openapi

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func load(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(Document())
	if err != nil {
		t.Fatalf("load the description: %v", err)
	}
	return doc
}

// TestDescriptionIsValidOpenAPI31: the served document is OpenAPI 3.1 and valid, its examples
// included (each against its schema, patterns checked). Formats are not: protojson's int64
// is a string of format int64, which the format check refuses.
func TestDescriptionIsValidOpenAPI31(t *testing.T) {
	doc := load(t)
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaPatternValidation()); err != nil {
		t.Fatal(err)
	}
	examples := 0
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil &&
				op.RequestBody.Value.Content.Get("application/json").Example != nil {
				examples++
			}
		}
	}
	if examples < 5 {
		t.Errorf("%d request examples, want the main creates' at least", examples)
	}
}

// TestEveryOperationSaysWhoMayCallItAndHowItFails: each operation has its own security
// requirement (empty for the public ones, which are few), a success answer, and every error
// answer is the gateway's Error body; those behind a credential document 401 and 403, those
// with an id in the path 404.
func TestEveryOperationSaysWhoMayCallItAndHowItFails(t *testing.T) {
	doc := load(t)
	for _, scheme := range []string{"bearer", "session"} {
		if doc.Components.SecuritySchemes[scheme] == nil {
			t.Errorf("no %s security scheme", scheme)
		}
	}
	if len(doc.Security) != 0 {
		t.Errorf("a global security requirement %v: each operation says its own", doc.Security)
	}
	ids := map[string]bool{}
	public := 0
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		for method, op := range doc.Paths.Value(path).Operations() {
			name := method + " " + path
			if ids[op.OperationID] || op.OperationID == "" {
				t.Errorf("%s: operationId %q missing or repeated", name, op.OperationID)
			}
			ids[op.OperationID] = true
			if op.Security == nil {
				t.Errorf("%s: no security requirement of its own", name)
				continue
			}
			isPublic := len(*op.Security) == 0
			if isPublic {
				public++
			}
			successes := 0
			for code, resp := range op.Responses.Map() {
				status, _ := strconv.Atoi(code)
				switch {
				case status >= 200 && status < 400:
					successes++
				case code == "default" || status >= 400:
					if name != "GET /readyz" && !describesError(resp) {
						t.Errorf("%s %s: not the Error body", name, code)
					}
				}
			}
			if successes != 1 {
				t.Errorf("%s: %d success answers, want 1", name, successes)
			}
			for _, code := range []string{"400", "default"} {
				if op.Responses.Value(code) == nil {
					t.Errorf("%s: no %s answer", name, code)
				}
			}
			if !isPublic && (op.Responses.Value("401") == nil || op.Responses.Value("403") == nil) {
				t.Errorf("%s: behind a credential without 401 and 403", name)
			}
			if strings.Contains(path, "{") && op.Responses.Value("404") == nil {
				t.Errorf("%s: an id in the path without 404", name)
			}
		}
	}
	if public == 0 || public > 12 {
		t.Errorf("%d public operations", public)
	}
}

func describesError(resp *openapi3.ResponseRef) bool {
	media := resp.Value.Content.Get("application/json")
	return media != nil && media.Schema != nil && media.Schema.Ref == "#/components/schemas/Error"
}

// TestCreatesAndEmailsDocumentWhatTheGatewayAnswers: the statuses that are not 200 are
// described as such (the gateway's acceptedResponses and endSession).
func TestCreatesAndEmailsDocumentWhatTheGatewayAnswers(t *testing.T) {
	doc := load(t)
	for _, c := range []struct{ method, path, status string }{
		{"POST", "/v1/signup", "202"},
		{"POST", "/v1/sessions", "202"},
		{"DELETE", "/v1/sessions/current", "204"},
		{"POST", "/v1/missions", "200"},
		{"POST", "/v1/profiles", "200"},
		{"POST", "/v1/accounts", "200"},
	} {
		op := doc.Paths.Value(c.path).GetOperation(c.method)
		if op == nil || op.Responses.Value(c.status) == nil {
			t.Errorf("%s %s: no %s answer", c.method, c.path, c.status)
		}
	}
}
