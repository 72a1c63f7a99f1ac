// Package openapi serves the OpenAPI (Swagger 2.0) description generated from the protos and
// proto/http.yaml, completed with what generation cannot know: the title, the security scheme
// and the endpoints served by hand (operations, health, metrics).
package openapi

import (
	_ "embed"
	"encoding/json"
	"strings"
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
		"/v1/ops/audit":            "The audit log of personal-data access, newest first (OPERATOR; others 403, itself logged): successful reads of a person's data (profiles, accounts, exports, a candidate's explanation, shortlists and offers: one event per person listed), changes (profile replaced or deleted, account approved, suspended, erased, preferences), every 401, 403 and 429, and failed sign-ins (invalid token or session, wrong sign-up code, unknown or expired sign-in link). Events hold ids only: id, at, actorId (absent when anonymous), actorRole (FIRM, CONSULTANT, OPERATOR or ANONYMOUS), kind (READ, CHANGE, REFUSED, SIGN_IN_FAILED), action (the route template, e.g. \"GET /v1/profiles/{id}\", or \"unknown route\"), subjectId (the id reached, absent when none), outcome (the HTTP status), reason (a refusal's code), traceId. Query, each at most once, empty as if absent: subjectId, actorId (ids); action (a route template as events show it); outcome (refused or allowed); pageSize (1-200, default 50); pageToken (a previous page's nextPageToken). A bad value is 400 naming the field. A read repeated by one actor of one subject through one endpoint within a minute is recorded once; events are kept CAIOMATCH_AUDIT_RETENTION (default 400 days).",
		"/v1/accounts/{id}/export": "The person's data export (the account itself; someone else's id is 404, an operator 403): one JSON download (Content-Disposition: attachment; Cache-Control: no-store) with exportedAt, scope (account), account, tokens (names and dates, never secrets), profiles (with bookings), offers (with their answers), missions (a firm's), extensions, feedback and decisions (a firm's trail: its shortlists as proposed, with their explanations) as {missionId, items}, notifications, webhooks ({webhook, recentDeliveries}, never the signing secret), viewedBy (reads of the person's profiles by others, from the audit log: subjectId, at, actorId, actorRole, action), proposals (every shortlist a consultant's profile was proposed in, newest first: missionId, revision, proposedAt, scoringVersion, eligibleCount, candidate with its explanation) and incomplete (what a bound left out). Bounded: 50 pages a list, 200 missions, 1,000 proposals a profile, 16 MiB, 30 s. No query parameters. Itself audited.",
		"/v1/profiles/{id}/export": "The profile-centred export (the consultant who owns it; another's is 404, a firm or operator 403): the account export's document with scope profile, holding the profile, its offers, the extensions and feedback of its staffed missions, its proposals, and viewedBy for this profile. No query parameters. Itself audited.",
		"/healthz":                 "The process is up.",
		"/readyz":                  "For load balancers: 200 ready, or 200 degraded while a backend service fails (it fails for every gateway replica alike); 503 not ready only when the gateway cannot serve (its NATS connection gone, or no backend serving). The detail is /statusz.",
		"/statusz":                 "Detailed status (OPERATOR): status (ready, degraded, not ready), backends (each service's health: serving, unreachable, not_serving) and dependencies (nats: ok or unavailable).",
		"/metrics":                 "Prometheus text format (OPERATOR: a bearer token of an active operator; 401 without, 403 for others).",
		"/openapi.json":            "This document.",

		// The operators' dead letters (gateway/httpapi/deadletters.go).
		"/v1/ops/dead-letters":                    "Messages consumers gave up on (undecodable, or still failing after their deliveries), newest first (OPERATOR). Query, each at most once, empty as if absent: consumer (a durable consumer's name); pageSize (1-200, default 50); pageToken (a previous page's nextPageToken). A bad value is 400 naming the field. Each has sequence, consumer, subject, reason, deadAt, deliveries, eventType, eventId, size; nextPageToken is empty on the last page (a page may be short when a consumer filter skips many messages). Cache-Control: no-store.",
		"/v1/ops/dead-letters/{sequence}":         "One dead letter (OPERATOR): the list's fields, its headers, and event: the envelope with its payload decoded to JSON (may hold personal data; Cache-Control: no-store), or null with eventError when it does not decode. 404 DEAD_LETTER_NOT_FOUND once redriven or expired (kept 30 days).",
		"/v1/ops/dead-letters/{sequence}/redrive": "POST: publish the dead letter again on its subject (acknowledged by JetStream), then delete it (OPERATOR). Every consumer of the subject receives it (receivers); those that applied its event already ignore it by event id, the one that gave up applies it once. Answers redriven, republished {stream, sequence, subject, duplicate}, receivers, deleted. 404 when unknown, 400 DEAD_LETTER_NOT_REDRIVABLE without an event subject.",
	}
	for path, summary := range handWritten {
		op := map[string]any{"summary": summary, "responses": map[string]any{"200": map[string]any{"description": "OK"}}}
		if strings.HasSuffix(path, "/{id}/export") {
			op["parameters"] = []any{map[string]any{"name": "id", "in": "path", "required": true, "type": "string"}}
		}
		if path == "/v1/ops/traces/{traceId}" {
			op["parameters"] = []any{map[string]any{"name": "traceId", "in": "path", "required": true, "type": "string"}}
		}
		method := "get"
		if strings.HasPrefix(path, "/v1/ops/dead-letters/") {
			op["parameters"] = []any{map[string]any{"name": "sequence", "in": "path", "required": true, "type": "string", "format": "uint64"}}
			if strings.HasSuffix(path, "/redrive") {
				method = "post"
			}
		}
		paths[path] = map[string]any{method: op}
	}
	// The account erasure is served by hand on a path the protos describe (its GET).
	account, _ := paths["/v1/accounts/{id}"].(map[string]any)
	if account == nil {
		account = map[string]any{}
		paths["/v1/accounts/{id}"] = account
	}
	account["delete"] = map[string]any{
		"summary": "Erase the account everywhere (the account itself, or an OPERATOR; someone else's id is 404; the bootstrap operator is 400 BOOTSTRAP_OPERATOR): " +
			"a consultant's profiles, then its credentials (every token and session stops at once), sign-in links, sign-up, name and email; " +
			"the services remove what the person wrote (decline reasons, counters, notes, feedback comments) and pseudonymise their ids in trails, plans and audit records; " +
			"their earlier events are erased from the streams. A firm's missions not yet staffed are cancelled. " +
			"Answers accountPseudonym and profilePseudonyms, the ids the remaining records carry. See docs/SECURITY.md, Erasure.",
		"parameters": []any{map[string]any{"name": "id", "in": "path", "required": true, "type": "string"}},
		"responses":  map[string]any{"200": map[string]any{"description": "OK"}},
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return generated
	}
	return out
})
