package main

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

// successStatus lists the operations whose success is not 200: those whose effect is an email
// on its way answer 202 (gateway/httpapi/sessions.go, acceptedResponses). The hand-written ones
// say theirs in handwritten.yaml.
var successStatus = map[string]int{
	"AccountService_SignUp":      http.StatusAccepted,
	"AccountService_StartSignIn": http.StatusAccepted,
}

// publicOperations are answered without a credential (gateway/httpapi/auth.go, isPublic; a
// test there keeps the two in step). Every other operation takes a bearer token or the
// session cookie, but those in operatorBearer.
var publicOperations = map[string]bool{
	"TaxonomyService_ListSectors": true,
	"TaxonomyService_ListSkills":  true,
	"AccountService_SignUp":       true,
	"AccountService_VerifySignUp": true,
	"AccountService_StartSignIn":  true,
	"showSignInLink":              true,
	"signInWithLink":              true,
	"getHealth":                   true,
	"getReadiness":                true,
	"getOpenAPI":                  true,
}

// operatorBearer are outside /v1/ and read an operator's bearer token only, never the cookie
// (gateway/httpapi/auth.go, operatorsOnly).
var operatorBearer = map[string]bool{"getStatus": true, "getMetrics": true}

// unlimitedOperations are the load balancers' probes, never rate limited
// (gateway/httpapi/limits.go, unlimitedPaths).
var unlimitedOperations = map[string]bool{"getHealth": true, "getReadiness": true}

// tagDescriptions describe the operations' groups (one per gRPC service, and the operators').
var tagDescriptions = map[string]string{
	"AccountService":      "Accounts, sign-up, tokens and sign-in.",
	"TaxonomyService":     "Sectors (NACE Rev. 2.1) and skills: public reference data.",
	"ProfileService":      "Consultants' profiles.",
	"MissionService":      "Firms' missions, offers, extensions, feedback and the decision trail.",
	"MatchingService":     "Shortlists, explanations, staffing plans and matching oversight.",
	"NotificationService": "In-app notifications and webhooks.",
	"Operations":          "Operators' tools and the process's own endpoints.",
}

// summaries complete the operations whose RPC has no comment (docs/API.md says the same).
// An RPC added without a comment or an entry here gets its name in words.
var summaries = map[string]string{
	"AccountService_GetAccount":                 "Read an account (the account itself, or an OPERATOR).",
	"MissionService_ListMissions":               "The caller's missions (all of them for an OPERATOR), a page at a time.",
	"MissionService_CreateMission":              "Submit a mission (FIRM; the firm comes from the token). Matching proposes its shortlist without any further call.",
	"MissionService_GetMission":                 "Read a mission (the owning firm, an OPERATOR).",
	"MissionService_CancelMission":              "Cancel a mission (the owning firm).",
	"MatchingService_GetShortlist":              "The mission's shortlist (the owning firm, an OPERATOR); SHORTLIST_STATUS_PENDING with no candidates until matching has run.",
	"NotificationService_ListNotifications":     "The caller's notifications, newest first, a page at a time.",
	"NotificationService_MarkNotificationRead":  "Mark one of the caller's notifications read.",
	"ProfileService_CreateProfile":              "Create the consultant's profile (CONSULTANT, one per account; an OPERATOR for a consultant account with accountId).",
	"ProfileService_DeleteProfile":              "Erase a profile (the owner, an OPERATOR) from every service, shortlist and future match; the account stays.",
	"ProfileService_GetProfile":                 "Read a profile (the owner and operators all of it; a firm while it is on a shortlist of one of its missions, without email until an offer is accepted).",
	"ProfileService_ReplaceProfile":             "Replace a profile (the owner): the same body as create.",
	"MatchingService_GetStaffingPlan":           "Read a staffing plan (OPERATOR).",
	"TaxonomyService_ListSectors":               "The sectors (NACE Rev. 2.1 sections and divisions). No credential needed.",
	"TaxonomyService_ListSkills":                "The skills. No credential needed.",
	"NotificationService_ListWebhooks":          "The caller's webhook subscriptions (FIRM, CONSULTANT).",
	"NotificationService_CreateWebhook":         "Subscribe an https endpoint to events (FIRM, CONSULTANT); the signing secret is shown once.",
	"NotificationService_DeleteWebhook":         "Delete one of the caller's webhook subscriptions.",
	"NotificationService_ListWebhookDeliveries": "The delivery attempts of one of the caller's webhooks (time, status code, duration).",
}

// operationExamples are an operation's examples (examples.json): its request body's and its
// answers' by status.
type operationExamples struct {
	Request   any            `json:"request"`
	Responses map[string]any `json:"responses"`
}

// httpBodyExtension records which part of the request message the body is, as proto/http.yaml's
// `body` says: "*" (the whole message but the path's fields) or one field's JSON name. The
// gateway reads it to know which fields no query parameter may set (httpapi.buildQueryRules).
const httpBodyExtension = "x-http-body"

func applyRules(doc *openapi3.T, examples map[string]operationExamples) error {
	responses := doc.Components.Responses
	ref := func(name string) *openapi3.ResponseRef {
		return &openapi3.ResponseRef{Ref: "#/components/responses/" + name, Value: responses[name].Value}
	}
	seen := map[string]bool{}
	tags := map[string]bool{}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		for method, op := range doc.Paths.Value(path).Operations() {
			id := op.OperationID
			if id == "" || seen[id] {
				return fmt.Errorf("%s %s: missing or repeated operationId %q", method, path, id)
			}
			seen[id] = true
			if op.Summary == "" {
				op.Summary = summaries[id]
				if op.Summary == "" {
					_, rpcName, _ := strings.Cut(id, "_")
					op.Summary = inWords(rpcName) + "."
				}
			}
			for _, t := range op.Tags {
				tags[t] = true
			}
			if body := op.RequestBody; body != nil && body.Value != nil {
				if name, ok := body.Value.Extensions["x-originalParamName"].(string); ok {
					delete(body.Value.Extensions, "x-originalParamName")
					field := name
					if name == "body" { // protoc-gen-openapiv2's name for body: "*"
						field = "*"
					}
					if op.Extensions == nil {
						op.Extensions = map[string]any{}
					}
					op.Extensions[httpBodyExtension] = field
				}
			}
			if code, ok := successStatus[id]; ok {
				ok200 := op.Responses.Value("200")
				if ok200 == nil {
					return fmt.Errorf("%s: no 200 answer to turn into %d", id, code)
				}
				op.Responses.Delete("200")
				ok200.Value.Description = ptr(http.StatusText(code) + ": the email is on its way.")
				op.Responses.Set(strconv.Itoa(code), ok200)
			}

			switch {
			case publicOperations[id]:
				op.Security = &openapi3.SecurityRequirements{}
			case operatorBearer[id]:
				op.Security = &openapi3.SecurityRequirements{{"bearer": {}}}
			default:
				op.Security = &openapi3.SecurityRequirements{{"bearer": {}}, {"session": {}}}
			}

			op.Responses.Set("400", ref("BadRequest"))
			if !publicOperations[id] {
				op.Responses.Set("401", ref("Unauthorized"))
				op.Responses.Set("403", ref("Forbidden"))
			}
			if strings.Contains(path, "{") {
				op.Responses.Set("404", ref("NotFound"))
			}
			if !unlimitedOperations[id] {
				op.Responses.Set("429", ref("TooManyRequests"))
			}
			op.Responses.Set("default", ref("Error"))

			if ex, ok := examples[id]; ok {
				if err := addExamples(op, ex); err != nil {
					return fmt.Errorf("examples.json %s: %w", id, err)
				}
				delete(examples, id)
			}
		}
	}
	for id := range examples {
		return fmt.Errorf("examples.json: no operation %s", id)
	}
	for name := range publicOperations {
		if !seen[name] {
			return fmt.Errorf("rules.go: public operation %s does not exist", name)
		}
	}
	for name := range successStatus {
		if !seen[name] {
			return fmt.Errorf("rules.go: operation %s does not exist", name)
		}
	}
	doc.Tags = nil
	for _, name := range slices.Sorted(maps.Keys(tags)) {
		desc, ok := tagDescriptions[name]
		if !ok {
			return fmt.Errorf("rules.go: no description for tag %s", name)
		}
		doc.Tags = append(doc.Tags, &openapi3.Tag{Name: name, Description: desc})
	}
	return nil
}

func addExamples(op *openapi3.Operation, ex operationExamples) error {
	if ex.Request != nil {
		if op.RequestBody == nil || op.RequestBody.Value == nil {
			return fmt.Errorf("an example request for an operation without a body")
		}
		media := op.RequestBody.Value.Content.Get("application/json")
		if media == nil {
			return fmt.Errorf("no JSON request body")
		}
		media.Example = ex.Request
	}
	for code, example := range ex.Responses {
		resp := op.Responses.Value(code)
		if resp == nil || resp.Value == nil {
			return fmt.Errorf("no %s answer", code)
		}
		if resp.Ref != "" {
			// A shared answer: this operation's example goes on a copy of it.
			copied := *resp.Value
			copied.Content = openapi3.Content{}
			for mediaType, media := range resp.Value.Content {
				m := *media
				copied.Content[mediaType] = &m
			}
			resp = &openapi3.ResponseRef{Value: &copied}
			op.Responses.Set(code, resp)
		}
		media := resp.Value.Content.Get("application/json")
		if media == nil {
			return fmt.Errorf("no JSON %s answer", code)
		}
		media.Example = example
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// inWords turns an RPC name into words: ListWebhookDeliveries, "List webhook deliveries".
func inWords(name string) string {
	var b strings.Builder
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
