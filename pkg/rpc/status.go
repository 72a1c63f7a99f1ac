// Package rpc holds the gRPC plumbing every service shares: error mapping, caller propagation,
// tracing, health and graceful shutdown. Domain code never imports it.
package rpc

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

// ErrorDomain names caiomatch in every ErrorInfo detail.
const ErrorDomain = "caiomatch.dev"

var codeOfKind = map[fault.Kind]codes.Code{
	fault.KindInvalid:            codes.InvalidArgument,
	fault.KindNotFound:           codes.NotFound,
	fault.KindAlreadyExists:      codes.AlreadyExists,
	fault.KindFailedPrecondition: codes.FailedPrecondition,
	fault.KindPermissionDenied:   codes.PermissionDenied,
	fault.KindUnauthenticated:    codes.Unauthenticated,
	fault.KindUnavailable:        codes.Unavailable,
	fault.KindResourceExhausted:  codes.ResourceExhausted,
}

// Status turns any error into the status a client sees. Unclassified errors become a bare
// INTERNAL so that no internal message leaks; the caller logs the original.
func Status(err error) *status.Status {
	if err == nil {
		return nil
	}
	if st, ok := status.FromError(err); ok {
		return st
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.New(codes.DeadlineExceeded, "deadline exceeded")
	}
	fe, ok := fault.As(err)
	if !ok {
		return withReason(status.New(codes.Internal, "internal error"), "INTERNAL", nil)
	}
	code, ok := codeOfKind[fe.Kind]
	if !ok {
		code = codes.Internal
	}
	return withReason(status.New(code, fe.Message), fe.Reason, fe.Violations)
}

func withReason(st *status.Status, reason string, violations []fault.Violation) *status.Status {
	// A message or a field may quote the caller (an unknown query parameter's name): invalid
	// UTF-8 there would make the details impossible to encode, and the answer lose its reason.
	st = status.New(st.Code(), validText(st.Message()))
	details := []protoDetail{&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}}
	if len(violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: validText(v.Field), Description: validText(v.Description),
			})
		}
		details = append(details, br)
	}
	withDetails, err := st.WithDetails(details...)
	if err != nil {
		return st
	}
	return withDetails
}

// validText is s with each invalid UTF-8 sequence replaced by U+FFFD: protobuf strings must be
// valid UTF-8.
func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// Reason is the ErrorInfo reason of a status error, "" when there is none.
func Reason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// ViolatedFields are the fields the BadRequest detail of a status error names, in order; nil
// when there is none.
func ViolatedFields(err error) []string {
	var fields []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	return fields
}

// InvalidStatus builds an INVALID_ARGUMENT status with a reason and field violations; the
// gateway uses it for errors it finds before any service is called.
func InvalidStatus(reason, message string, violations ...fault.Violation) *status.Status {
	return withReason(status.New(codes.InvalidArgument, message), reason, violations)
}

// StatusWithReason builds a status of any code carrying an ErrorInfo reason.
func StatusWithReason(code codes.Code, reason, message string) *status.Status {
	return withReason(status.New(code, message), reason, nil)
}
