package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/audit"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// The audit log's side of the API: recordAccess wraps every /v1/ request (the pages' in-process
// calls included, as the visitor) and records, after the answer, the reads and changes of a
// person's data, every refusal (401, 403, 429) and every failed sign-in. What it records it
// learns from the gateway's own machinery as the request passes: the route template the mux
// matched and its path variables (routeMiddleware calls noteRoute), the caller (authenticate
// calls noteActor), the refusal's reason code (the mux's error handler, noteReason). Never the
// raw path, a query, a header or a body: ids are taken from the path variables and, for lists,
// from the answer, and kept only when they look like ids.

// accessNote is what the gateway learned about one request, for its audit event.
type accessNote struct {
	// route is the matched route template, "GET /v1/profiles/{id}"; "" while unrouted.
	route string
	// params are the path variables by their template names (lowerCamel).
	params             map[string]string
	actorID, actorRole string
	// reason is the ErrorInfo reason of the error answered, if any.
	reason string
	// answer holds the response body of a route whose subjects are in it (see personalRoute).
	answer   *bytes.Buffer
	overflow bool
}

type accessNoteKey struct{}

// routeLookupKey marks a request sent to the mux only to learn which route it matches.
type routeLookupKey struct{}

func noteFrom(ctx context.Context) *accessNote {
	n, _ := ctx.Value(accessNoteKey{}).(*accessNote)
	return n
}

// noteRoute is called by routeMiddleware once the mux matched r: it notes the route and the
// caller, and answers a route lookup (true: the request goes no further).
func noteRoute(r *http.Request, params map[string]string) bool {
	if lookup, ok := r.Context().Value(routeLookupKey{}).(*accessNote); ok {
		lookup.route, lookup.params = matchedRoute(r, params)
		return true
	}
	n := noteFrom(r.Context())
	if _, probing := r.Context().Value(probeKey{}).(*probe); n == nil || probing {
		return false
	}
	n.route, n.params = matchedRoute(r, params)
	if caller, ok := identity.FromContext(r.Context()); ok {
		n.actorID, n.actorRole = caller.AccountID, string(caller.Role)
	}
	if spec, ok := personalRoutes[n.route]; ok && spec.listed != "" {
		n.answer = &bytes.Buffer{}
	}
	return false
}

// noteActor is called by authenticate once the credential resolved to an account.
func noteActor(ctx context.Context, acc accounts.Account) {
	if n := noteFrom(ctx); n != nil {
		n.actorID, n.actorRole = acc.ID, string(acc.Role)
	}
}

// noteReason wraps the mux's error handler, which every error answered goes through.
func noteReason(next runtime.ErrorHandlerFunc) runtime.ErrorHandlerFunc {
	return func(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
		if n := noteFrom(r.Context()); n != nil {
			n.reason = rpc.Reason(err)
		}
		next(ctx, mux, m, w, r, err)
	}
}

// templateVariable is a variable of a grpc-gateway pattern: {id=*}, {name=things/*}.
var templateVariable = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?:=[^}]*)?\}`)

// matchedRoute is the template and variables of the route the mux matched, variables named as
// the OpenAPI description names them ({mission_id} is {missionId}).
func matchedRoute(r *http.Request, params map[string]string) (string, map[string]string) {
	pattern, ok := runtime.HTTPPattern(r.Context())
	if !ok {
		return "", nil
	}
	template := templateVariable.ReplaceAllStringFunc(pattern.String(), func(v string) string {
		return "{" + lowerCamel(templateVariable.FindStringSubmatch(v)[1]) + "}"
	})
	named := make(map[string]string, len(params))
	for k, v := range params {
		named[lowerCamel(k)] = v
	}
	return r.Method + " " + template, named
}

// lookupRoute asks the mux which route r matches, without running it: for a request refused
// before the mux (a missing token, a suspended account, too many attempts).
func lookupRoute(mux *runtime.ServeMux, r *http.Request) (string, map[string]string) {
	if r.URL.Path == accounts.SignInPath { // answered before the mux, by serveSignInLinks
		return r.Method + " " + accounts.SignInPath, nil
	}
	found := &accessNote{}
	ctx := context.WithValue(r.Context(), routeLookupKey{}, found)
	ctx = context.WithValue(ctx, accessNoteKey{}, (*accessNote)(nil))
	ctx = context.WithValue(ctx, probeKey{}, &probe{}) // an unrouted lookup answers nothing
	req := r.Clone(ctx)
	req.Header = http.Header{}
	req.Body = http.NoBody
	req.ContentLength = 0
	mux.ServeHTTP(discardWriter{}, req)
	return found.route, found.params
}

// personalRoute says how a route reaches a person's data.
type personalRoute struct {
	change bool
	// subject is the path variable naming whose data it is; "" means the last id in the path.
	subject string
	// listed names the answer's list whose items name the people shown, by their field field:
	// each becomes the subject of an event. A list too long to hold falls back to the path.
	listed, field string
}

// personalRoutes are the routes whose successful reads (and changes, whatever their outcome)
// the log records; refusals are recorded on every route.
var personalRoutes = map[string]personalRoute{
	"GET /v1/profiles/{id}":             {},
	"PUT /v1/profiles/{id}":             {change: true},
	"DELETE /v1/profiles/{id}":          {change: true},
	"GET /v1/profiles":                  {listed: "profiles", field: "id"},
	"GET /v1/profiles/{id}/export":      {},
	"GET /v1/accounts/{id}":             {},
	"GET /v1/accounts":                  {listed: "accounts", field: "id"},
	"GET /v1/accounts/{id}/export":      {},
	"DELETE /v1/accounts/{id}":          {change: true},
	"POST /v1/accounts/{id}/approve":    {change: true},
	"POST /v1/accounts/{id}/suspend":    {change: true},
	"PUT /v1/accounts/{id}/preferences": {change: true},
	"GET /v1/missions/{missionId}/candidates/{profileId}/explanation": {subject: "profileId"},
	"GET /v1/missions/{missionId}/shortlist":                          {listed: "candidates", field: "profileId"},
	"GET /v1/offers":                                                  {listed: "offers", field: "profileId"},
	"GET /v1/ops/mailbox":                                             {},
	"GET /v1/ops/audit":                                               {},
}

// maxAnswer bounds the answer held to read the people it lists; maxListed the events one
// answer makes.
const (
	maxAnswer = 1 << 20
	maxListed = 200
)

// auditWriter keeps the status answered and, when asked, the body.
type auditWriter struct {
	http.ResponseWriter
	note   *accessNote
	status int
}

func (w *auditWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *auditWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if a := w.note.answer; a != nil && !w.note.overflow {
		if a.Len()+len(p) > maxAnswer {
			w.note.overflow = true
		} else {
			a.Write(p)
		}
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (the notification stream flushes).
func (w *auditWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *auditWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// recordAccess records the audit events of every request it serves; a nil recorder records
// nothing.
func recordAccess(recorder *audit.Recorder, mux *runtime.ServeMux, next http.Handler) http.Handler {
	if recorder == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		note := &accessNote{}
		aw := &auditWriter{ResponseWriter: w, note: note}
		next.ServeHTTP(aw, r.WithContext(context.WithValue(r.Context(), accessNoteKey{}, note)))
		status := aw.status
		if status == 0 {
			status = http.StatusOK
		}
		var traceID string
		if sc := trace.SpanContextFromContext(r.Context()); sc.HasTraceID() {
			traceID = sc.TraceID().String()
		}
		for _, e := range note.events(mux, r, status, traceID) {
			recorder.Record(e)
		}
	})
}

// signInFailures are the reasons of a credential refused.
var signInFailures = map[string]bool{
	accounts.ReasonInvalidToken: true, accounts.ReasonInvalidCode: true, accounts.ReasonInvalidLink: true,
}

// events are what the request leaves in the log: nothing, one event, or one per person an
// answer listed.
func (n *accessNote) events(mux *runtime.ServeMux, r *http.Request, status int, traceID string) []audit.Event {
	refused := status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusTooManyRequests
	route, params := n.route, n.params
	if route == "" && refused {
		route, params = lookupRoute(mux, r)
	}
	spec, personal := personalRoutes[route]
	e := audit.Event{ActorID: n.actorID, ActorRole: n.actorRole, Action: route, Outcome: status, TraceID: traceID,
		SubjectID: pathSubject(route, params, spec.subject)}
	if e.ActorID == "" {
		e.ActorRole = audit.Anonymous
	}
	if e.Action == "" {
		e.Action = audit.UnknownRoute
	}
	switch {
	case refused:
		e.Kind, e.Reason = audit.KindRefused, n.reason
		if signInFailures[n.reason] {
			e.Kind = audit.KindSignInFailed
		}
		return []audit.Event{e}
	case !personal:
		return nil
	case spec.change:
		e.Kind, e.Reason = audit.KindChange, n.reason
		return []audit.Event{e}
	case status/100 != 2:
		return nil
	}
	e.Kind = audit.KindRead
	if spec.listed == "" || n.answer == nil || n.overflow {
		return []audit.Event{e}
	}
	listed := listedSubjects(n.answer.Bytes(), spec.listed, spec.field)
	if len(listed) == 0 {
		return []audit.Event{e}
	}
	out := make([]audit.Event, len(listed))
	for i, id := range listed {
		out[i] = e
		out[i].SubjectID = id
	}
	return out
}

// pathSubject is the id the path names: the variable named, else the last one that is an id.
func pathSubject(route string, params map[string]string, named string) string {
	if named != "" {
		if id := params[named]; audit.ValidID(id) {
			return id
		}
		return ""
	}
	vars := templateVariable.FindAllStringSubmatch(route, -1)
	for i := len(vars) - 1; i >= 0; i-- {
		if id := params[vars[i][1]]; audit.ValidID(id) {
			return id
		}
	}
	return ""
}

// listedSubjects reads the ids of the people an answer lists ({"candidates":[{"profileId":…}]}),
// each once, at most maxListed.
func listedSubjects(body []byte, list, field string) []string {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var items []map[string]json.RawMessage
	if json.Unmarshal(doc[list], &items) != nil {
		return nil
	}
	seen := map[string]bool{}
	var ids []string
	for _, item := range items {
		var id string
		if json.Unmarshal(item[field], &id) != nil || !audit.ValidID(id) || seen[id] {
			continue
		}
		seen[id] = true
		if ids = append(ids, id); len(ids) == maxListed {
			break
		}
	}
	return ids
}

// auditHandlers serve the log to operators.
type auditHandlers struct {
	mux   *runtime.ServeMux
	store *audit.Store
}

// list answers GET /v1/ops/audit.
func (a auditHandlers) list(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	if caller, ok := identity.FromContext(r.Context()); !ok || !caller.IsOperator() {
		writeStatus(a.mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, "ROLE_NOT_ALLOWED", "only operators read the audit log").Err())
		return
	}
	if a.store == nil {
		writeStatus(a.mux, w, r, rpc.StatusWithReason(codes.Unavailable, "AUDIT_UNAVAILABLE", "this gateway keeps no audit log").Err())
		return
	}
	q, violations := auditQuery(r.URL.Query())
	if len(violations) > 0 {
		writeStatus(a.mux, w, r, rpc.Status(fault.Invalid(fault.ReasonInvalidArgument, violations...)).Err())
		return
	}
	page, err := a.store.Search(r.Context(), q)
	if err != nil {
		writeStatus(a.mux, w, r, rpc.Status(err).Err())
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// maxPageTokenLength bounds a page token before the store reads it.
const maxPageTokenLength = 200

// auditQuery reads the log's filters: each at most once, an empty one as if absent (a search
// form sends its blank fields).
func auditQuery(params url.Values) (audit.Query, []fault.Violation) {
	var q audit.Query
	var bad fault.Violations
	value := func(name string) string {
		if len(params[name]) > 1 {
			bad.Add(name, "must be given at most once")
			return ""
		}
		return strings.TrimSpace(params.Get(name))
	}
	for _, id := range []struct {
		name string
		dst  *string
	}{{"subjectId", &q.SubjectID}, {"actorId", &q.ActorID}} {
		if *id.dst = value(id.name); *id.dst != "" && !audit.ValidID(*id.dst) {
			bad.Add(id.name, "must be an id")
		}
	}
	if q.Action = value("action"); q.Action != "" && !audit.ValidAction(q.Action) {
		bad.Add("action", "must be a method and a route template, such as GET /v1/profiles/{id}, or %q", audit.UnknownRoute)
	}
	if q.Outcome = value("outcome"); q.Outcome != "" && q.Outcome != audit.OutcomeRefused && q.Outcome != audit.OutcomeAllowed {
		bad.Add("outcome", "must be %s or %s", audit.OutcomeRefused, audit.OutcomeAllowed)
	}
	if raw := value("pageSize"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > audit.MaxPageSize {
			bad.Add("pageSize", "must be a whole number between 1 and %d", audit.MaxPageSize)
		}
		q.PageSize = n
	}
	if q.PageToken = value("pageToken"); len(q.PageToken) > maxPageTokenLength {
		bad.Add("pageToken", "must be a nextPageToken this endpoint returned")
	}
	return q, bad
}
