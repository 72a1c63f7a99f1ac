// Package openapi serves the OpenAPI (Swagger 2.0) description generated from the protos and
// proto/http.yaml, completed with what generation cannot know: the title, the security scheme
// and the endpoints served by hand (operations, health, metrics).
package openapi

import (
	_ "embed"
	"encoding/json"
	"sync"
)

//go:embed caiomatch.swagger.json
var generated []byte

// Document returns the completed description.
var Document = sync.OnceValue(func() []byte {
	var doc map[string]any
	if err := json.Unmarshal(generated, &doc); err != nil {
		return generated
	}
	doc["info"] = map[string]any{
		"title":       "caiomatch API",
		"version":     "v1",
		"description": "Matches firms needing a transition Chief AI Officer with interim consultants. See docs/API.md.",
	}
	doc["securityDefinitions"] = map[string]any{
		"bearer": map[string]any{"type": "apiKey", "name": "Authorization", "in": "header",
			"description": "Bearer <token>; every /v1/ endpoint but GET /v1/taxonomy/* requires it"},
	}
	doc["security"] = []any{map[string]any{"bearer": []any{}}}
	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		paths = map[string]any{}
		doc["paths"] = paths
	}
	handWritten := map[string]string{
		"/v1/ops/traces":           "Recent traces, newest first (OPERATOR). Query, each at most once, empty as if absent: limit (1-1000, default 50); service (a service's exact name, at most 64 of A-Z a-z 0-9 . _ -); rootNameContains (in the root span's name, ignoring case; at most 200 bytes, no control characters); minDurationMs (0-86400000); errorsOnly (true or false: traces with a failed span). A bad value is 400 naming the field. Each trace has errorCount, its failed spans.",
		"/v1/ops/traces/{traceId}": "The spans of one trace (OPERATOR).",
		"/healthz":                 "The process is up.",
		"/readyz":                  "Every dependency is reachable (services, NATS); 503 otherwise.",
		"/metrics":                 "Prometheus text format.",
		"/openapi.json":            "This document.",
	}
	for path, summary := range handWritten {
		op := map[string]any{"summary": summary, "responses": map[string]any{"200": map[string]any{"description": "OK"}}}
		if path == "/v1/ops/traces/{traceId}" {
			op["parameters"] = []any{map[string]any{"name": "traceId", "in": "path", "required": true, "type": "string"}}
		}
		paths[path] = map[string]any{"get": op}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return generated
	}
	return out
})
