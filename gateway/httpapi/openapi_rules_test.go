package httpapi

import (
	"encoding/json"
	"maps"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/openapi"
)

type describedOperation struct {
	method, path string
	OperationID  string            `json:"operationId"`
	Security     *[]map[string]any `json:"security"`
	Parameters   []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
}

func describedOperations(t *testing.T) []describedOperation {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapi.Document(), &doc); err != nil {
		t.Fatal(err)
	}
	var ops []describedOperation
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		for _, method := range slices.Sorted(maps.Keys(doc.Paths[path])) {
			op := describedOperation{method: strings.ToUpper(method), path: path}
			if err := json.Unmarshal(doc.Paths[path][method], &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops = append(ops, op)
		}
	}
	return ops
}

// operatorsOnlyPaths are outside /v1/, where authenticate does not go, and served through
// operatorsOnly (handler.go), which reads a bearer token only.
var operatorsOnlyPaths = map[string]bool{"/statusz": true, "/metrics": true}

// TestDescriptionSaysWhichOperationsArePublic: an operation the description offers without a
// credential (security: []) is one authenticate lets through without one, and the reverse.
func TestDescriptionSaysWhichOperationsArePublic(t *testing.T) {
	variable := regexp.MustCompile(`\{[^}]*\}`)
	public := 0
	for _, op := range describedOperations(t) {
		if op.Security == nil {
			t.Errorf("%s %s: no security requirement of its own", op.method, op.path)
			continue
		}
		described := len(*op.Security) == 0
		served := isPublic(httptest.NewRequest(op.method, variable.ReplaceAllString(op.path, "x1"), nil))
		if operatorsOnlyPaths[op.path] {
			served = false
			if b, _ := json.Marshal(op.Security); string(b) != `[{"bearer":[]}]` {
				t.Errorf("%s %s: security %s, want an operator's bearer token only", op.method, op.path, b)
			}
		}
		if described != served {
			t.Errorf("%s %s: described public %v, served public %v", op.method, op.path, described, served)
		}
		if described {
			public++
		}
	}
	// The taxonomy (2), sign-up and its code, sign-in by email and by link (2), health,
	// readiness and this description.
	if public != 10 {
		t.Errorf("%d public operations, want 10", public)
	}
}

// TestDescriptionListsTheQueryOfHandServedEndpoints: the query parameters the description gives
// an endpoint served by hand are those the gateway accepts (handServedQuery).
func TestDescriptionListsTheQueryOfHandServedEndpoints(t *testing.T) {
	described := map[string][]string{}
	for _, op := range describedOperations(t) {
		if strings.Contains(op.OperationID, "_") || op.path == accounts.SignInPath {
			continue // transcoded (their rules come from the protos), or answered before the mux
		}
		for _, p := range op.Parameters {
			if p.In == "query" {
				key := routeKey(op.method, op.path)
				described[key] = append(described[key], p.Name)
			}
		}
	}
	for key, names := range handServedQuery {
		if got := described[key]; !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(names))) {
			t.Errorf("%s: described query %v, accepted %v", key, got, names)
		}
		delete(described, key)
	}
	for key, names := range described {
		t.Errorf("%s: described query %v, the gateway accepts none", key, names)
	}
}
