package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// Reasons of errors found while decoding a request, before any rule is checked.
const (
	ReasonMalformedJSON = "MALFORMED_JSON"
	ReasonUnknownField  = "UNKNOWN_FIELD"
	ReasonInvalidValue  = "INVALID_FIELD_VALUE"
)

var (
	unknownFieldPattern = regexp.MustCompile(`unknown field "([^"]+)"`)
	badValuePattern     = regexp.MustCompile(`invalid value for [\w.]+ (?:field|type) ([\w.]+)`)
	queryFieldPattern   = regexp.MustCompile(`parsing field "([^"]+)"|field "([^"]+)"`)
)

// errorHandler gives decoding errors, which grpc-gateway reports as a bare INVALID_ARGUMENT,
// the same shape as every other error: a reason and the field at fault. The HTTP status is
// decided once, from the gRPC code, by grpc-gateway.
func errorHandler(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	st, ok := status.FromError(err)
	if ok && st.Code() == codes.InvalidArgument && len(st.Details()) == 0 {
		if strings.Contains(st.Message(), errBodyTimeout.Error()) {
			err = &runtime.HTTPStatusError{HTTPStatus: http.StatusRequestTimeout,
				Err: rpc.StatusWithReason(codes.DeadlineExceeded, ReasonRequestTimeout, errBodyTimeout.Error()).Err()}
		} else {
			err = describeDecodeError(st.Message()).Err()
		}
	}
	if ok && st.Code() == codes.Unauthenticated {
		// grpc-gateway puts the error's message there; RFC 6750 wants the challenge.
		w = &challengeWriter{ResponseWriter: w, challenge: challenge(rpc.Reason(err))}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

func describeDecodeError(msg string) *status.Status {
	if m := unknownFieldPattern.FindStringSubmatch(msg); m != nil {
		return rpc.InvalidStatus(ReasonUnknownField, "unknown field "+m[1],
			fault.Violation{Field: m[1], Description: "is not a field of this request"})
	}
	if m := badValuePattern.FindStringSubmatch(msg); m != nil {
		return rpc.InvalidStatus(ReasonInvalidValue, "invalid value for field "+m[1],
			fault.Violation{Field: m[1], Description: "has a value of the wrong type or an unknown enum value"})
	}
	if m := queryFieldPattern.FindStringSubmatch(msg); m != nil {
		field := lowerCamel(m[1] + m[2])
		return rpc.InvalidStatus(ReasonInvalidValue, "invalid value for field "+field,
			fault.Violation{Field: field, Description: "could not be parsed"})
	}
	detail := msg
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		detail = msg[i+3:]
	}
	return rpc.InvalidStatus(ReasonMalformedJSON, "request body is not valid JSON",
		fault.Violation{Field: "body", Description: detail})
}

// lowerCamel turns a proto field path from a query string ("page_size") into the JSON name
// clients use ("pageSize").
func lowerCamel(field string) string {
	parts := strings.Split(field, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// challengeWriter sets WWW-Authenticate as the status is written, over what was set before.
type challengeWriter struct {
	http.ResponseWriter
	challenge string
}

func (w *challengeWriter) WriteHeader(status int) {
	w.Header().Set("WWW-Authenticate", w.challenge)
	w.ResponseWriter.WriteHeader(status)
}

func (w *challengeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
