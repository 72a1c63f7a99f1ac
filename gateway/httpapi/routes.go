package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// Reasons of routing errors.
const (
	ReasonMethodNotAllowed      = "METHOD_NOT_ALLOWED"
	ReasonUnknownQueryParameter = "UNKNOWN_QUERY_PARAMETER"
	ReasonNotFound              = "NOT_FOUND"
)

// candidateMethods are the methods a route may serve; Allow lists those the mux routes.
var candidateMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// probeKey marks a request the gateway sends to its own mux to learn whether a method is
// routed for a path. routeMiddleware answers it before any handler runs, so nothing is called.
type probeKey struct{}

type probe struct{ matched bool }

// allowedMethods asks the mux which methods it routes for r's path: it is the mux's own
// pattern matching that decides, so Allow can never disagree with the routing.
func allowedMethods(mux *runtime.ServeMux, r *http.Request) []string {
	var allowed []string
	for _, m := range candidateMethods {
		p := &probe{}
		req := r.Clone(context.WithValue(r.Context(), probeKey{}, p))
		req.Method = m
		req.Header = http.Header{} // no method override, no form fallback
		req.Body = http.NoBody
		req.ContentLength = 0
		mux.ServeHTTP(discardWriter{}, req)
		if p.matched {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// routingErrorHandler answers requests the mux routes nowhere: an unknown path is 404; a known
// path with a method it does not serve is 405 with Allow (grpc-gateway's default says 501).
func routingErrorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	if _, probing := r.Context().Value(probeKey{}).(*probe); probing {
		return
	}
	if httpStatus == http.StatusMethodNotAllowed {
		allowed := allowedMethods(mux, r)
		if len(allowed) == 0 { // cannot happen (the mux found another method for this path): never 501
			errorHandler(ctx, mux, m, w, r, rpc.StatusWithReason(codes.NotFound, ReasonNotFound, "no such endpoint").Err())
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		errorHandler(ctx, mux, m, w, r, &runtime.HTTPStatusError{HTTPStatus: http.StatusMethodNotAllowed,
			Err: rpc.StatusWithReason(codes.Unimplemented, ReasonMethodNotAllowed,
				"method "+r.Method+" is not allowed here; allowed: "+strings.Join(allowed, ", ")).Err()})
		return
	}
	switch httpStatus {
	case http.StatusNotFound:
		errorHandler(ctx, mux, m, w, r, rpc.StatusWithReason(codes.NotFound, ReasonNotFound, "no such endpoint").Err())
		return
	}
	runtime.DefaultRoutingErrorHandler(ctx, mux, m, w, r, httpStatus)
}

// queryRule says which query parameters a route accepts.
type queryRule struct {
	// method is the RPC serving the route and request its request message; nil for the
	// routes served by hand.
	method  protoreflect.MethodDescriptor
	request protoreflect.MessageDescriptor
	// bound are the top-level fields taken from the path or the body; all when body is "*".
	bound    map[protoreflect.Name]bool
	allBound bool
	// names are the accepted parameters of a route served by hand.
	names map[string]bool
}

// queryRules maps "METHOD /path/{}/pattern" to the route's rule.
type queryRules map[string]queryRule

var pathVariable = regexp.MustCompile(`\{[^}]*\}`)

// routeKey normalises a grpc-gateway pattern ("/v1/missions/{id=*}") or an OpenAPI path
// ("/v1/missions/{missionId}") to one key.
func routeKey(method, path string) string {
	return method + " " + pathVariable.ReplaceAllString(path, "{}")
}

// handServedQuery lists the query parameters of the endpoints served without a proto.
var handServedQuery = map[string][]string{
	routeKey(http.MethodGet, "/v1/ops/traces"):       {"limit", "service", "rootNameContains", "minDurationMs", "errorsOnly"},
	routeKey(http.MethodGet, "/v1/ops/dead-letters"): {"consumer", "pageSize", "pageToken"},
	routeKey(http.MethodGet, "/v1/ops/audit"):        {"subjectId", "actorId", "action", "outcome", "pageSize", "pageToken"},
}

// buildQueryRules derives, for every transcoded route, the query parameters it accepts: the
// OpenAPI description generated from the protos and proto/http.yaml says which RPC serves a
// path and method (operationId Service_Method), which fields its path binds, and which its body
// does (x-http-body, proto/http.yaml's body); the RPC's request message (from the proto
// descriptors) gives the fields, so the rule is exactly what grpc-gateway would read. A body of
// "*" reads no query at all.
func buildQueryRules(description []byte) (queryRules, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(description, &doc); err != nil {
		return nil, fmt.Errorf("read the OpenAPI description: %w", err)
	}
	rules := queryRules{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				OperationID string `json:"operationId"`
				Parameters  []struct {
					Name string `json:"name"`
					In   string `json:"in"`
				} `json:"parameters"`
				Body string `json:"x-http-body"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", strings.ToUpper(method), path, err)
			}
			service, rpcName, ok := strings.Cut(op.OperationID, "_")
			if !ok {
				continue // served by hand
			}
			md, err := findMethod(service, rpcName)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", strings.ToUpper(method), path, err)
			}
			rule := queryRule{method: md, request: md.Input(), bound: map[protoreflect.Name]bool{}}
			fields := md.Input().Fields()
			bind := func(name string) error {
				f := fieldByName(fields, strings.SplitN(name, ".", 2)[0])
				if f == nil {
					return fmt.Errorf("%s %s: no field %q in %s", strings.ToUpper(method), path, name, md.Input().FullName())
				}
				rule.bound[f.Name()] = true
				return nil
			}
			switch op.Body {
			case "":
			case "*":
				rule.allBound = true
			default:
				if err := bind(op.Body); err != nil {
					return nil, err
				}
			}
			for _, p := range op.Parameters {
				if p.In == "path" {
					if err := bind(p.Name); err != nil {
						return nil, err
					}
				}
			}
			rules[routeKey(strings.ToUpper(method), path)] = rule
		}
	}
	for key, names := range handServedQuery {
		rule := queryRule{names: map[string]bool{}}
		for _, n := range names {
			rule.names[n] = true
		}
		rules[key] = rule
	}
	return rules, nil
}

// findMethod finds Service.Method among the registered caiomatch protos.
func findMethod(service, method string) (protoreflect.MethodDescriptor, error) {
	var found protoreflect.MethodDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "caiomatch.") {
			return true
		}
		if sd := fd.Services().ByName(protoreflect.Name(service)); sd != nil {
			if m := sd.Methods().ByName(protoreflect.Name(method)); m != nil {
				found = m
				return false
			}
		}
		return true
	})
	if found == nil {
		return nil, fmt.Errorf("no RPC %s.%s among the registered protos", service, method)
	}
	return found, nil
}

func fieldByName(fields protoreflect.FieldDescriptors, name string) protoreflect.FieldDescriptor {
	if f := fields.ByName(protoreflect.Name(name)); f != nil {
		return f
	}
	return fields.ByJSONName(name)
}

// unknownParameter returns the first (in sorted order) query parameter the route does not
// read, "" when all are known. Parameters are accepted as grpc-gateway reads them: the proto or
// JSON name of a field, dotted into message fields, with a [key] suffix for maps.
func (rule queryRule) unknownParameter(query url.Values) string {
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if !rule.knows(key) {
			return key
		}
	}
	return ""
}

func (rule queryRule) knows(key string) bool {
	if rule.request == nil {
		return rule.names[key]
	}
	if rule.allBound {
		return false
	}
	if i := strings.IndexByte(key, '['); i > 0 && strings.HasSuffix(key, "]") {
		key = key[:i]
	}
	msg := rule.request
	for i, part := range strings.Split(key, ".") {
		if msg == nil {
			return false
		}
		f := fieldByName(msg.Fields(), part)
		if f == nil || (i == 0 && rule.bound[f.Name()]) {
			return false
		}
		msg = nil
		if f.Message() != nil && !f.IsList() && !f.IsMap() {
			msg = f.Message()
		}
	}
	return true
}

// routeMiddleware runs once the mux has matched a route, before its handler: it answers the
// gateway's own probes, and refuses a query parameter the route does not read.
// The mux is given later (mux returns it), as the middleware is an option of the mux itself.
func routeMiddleware(rules queryRules, mux func() *runtime.ServeMux) runtime.Middleware {
	return func(next runtime.HandlerFunc) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, params map[string]string) {
			if noteRoute(r, params) { // the audit log's route lookup
				return
			}
			if p, ok := r.Context().Value(probeKey{}).(*probe); ok {
				p.matched = true
				return
			}
			noteSpanRoute(r, params)
			if err := checkPathVariables(params); err != nil {
				writeStatus(mux(), w, r, err)
				return
			}
			if r.URL.RawQuery != "" {
				if pattern, ok := runtime.HTTPPattern(r.Context()); ok {
					query, err := url.ParseQuery(r.URL.RawQuery)
					if err != nil {
						writeStatus(mux(), w, r, rpc.InvalidStatus(ReasonInvalidValue, "the query string cannot be parsed",
							fault.Violation{Field: "query", Description: "is not a valid URL query"}).Err())
						return
					}
					rule := rules[routeKey(r.Method, pattern.String())]
					if name := rule.unknownParameter(query); name != "" {
						writeStatus(mux(), w, r, rpc.InvalidStatus(ReasonUnknownQueryParameter, "unknown query parameter "+name,
							fault.Violation{Field: name, Description: "is not a query parameter of this endpoint"}).Err())
						return
					}
				}
			}
			next(w, r, params)
		}
	}
}
