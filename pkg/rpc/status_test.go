package rpc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

// details splits a status's details into its ErrorInfo and BadRequest, failing on anything else.
func details(t *testing.T, st *status.Status) (*errdetails.ErrorInfo, *errdetails.BadRequest) {
	t.Helper()
	var (
		info *errdetails.ErrorInfo
		br   *errdetails.BadRequest
	)
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			if info != nil {
				t.Errorf("two ErrorInfo details")
			}
			info = d
		case *errdetails.BadRequest:
			if br != nil {
				t.Errorf("two BadRequest details")
			}
			br = d
		default:
			t.Errorf("unexpected detail %T: %v", d, d)
		}
	}
	return info, br
}

func fieldViolations(br *errdetails.BadRequest) []fault.Violation {
	if br == nil {
		return nil
	}
	var out []fault.Violation
	for _, fv := range br.GetFieldViolations() {
		out = append(out, fault.Violation{Field: fv.GetField(), Description: fv.GetDescription()})
	}
	return out
}

func TestStatusOfEachKind(t *testing.T) {
	violations := []fault.Violation{
		{Field: "durationMonths", Description: "must be positive"},
		{Field: "skills[2].level", Description: "unknown level"},
	}
	tests := []struct {
		name string
		err  error
		code codes.Code
	}{
		{"invalid", fault.Invalid(fault.ReasonInvalidArgument, violations...), codes.InvalidArgument},
		{"not found", fault.NotFound("MISSION_NOT_FOUND", "mission m-1 not found"), codes.NotFound},
		{"already exists", fault.AlreadyExists("ACCOUNT_EXISTS", "account exists"), codes.AlreadyExists},
		{"failed precondition", fault.FailedPrecondition("MISSION_CLOSED", "mission is closed"), codes.FailedPrecondition},
		{"permission denied", fault.PermissionDenied("NOT_OWNER", "not your mission"), codes.PermissionDenied},
		{"unauthenticated", fault.Unauthenticated("NO_CALLER", "sign in"), codes.Unauthenticated},
		{"unavailable", &fault.Error{Kind: fault.KindUnavailable, Reason: "MATCHING_DOWN", Message: "try later"}, codes.Unavailable},
		{"wrapped", fmt.Errorf("app: %w", fault.NotFound("PROFILE_NOT_FOUND", "no profile")), codes.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe, _ := fault.As(tt.err)
			st := Status(tt.err)
			if st.Code() != tt.code {
				t.Errorf("code = %v, want %v", st.Code(), tt.code)
			}
			if st.Message() != fe.Message {
				t.Errorf("message = %q, want %q", st.Message(), fe.Message)
			}
			info, br := details(t, st)
			if info == nil {
				t.Fatal("no ErrorInfo detail")
			}
			if info.GetReason() != fe.Reason || info.GetDomain() != ErrorDomain {
				t.Errorf("ErrorInfo = %q/%q, want %q/%q", info.GetReason(), info.GetDomain(), fe.Reason, ErrorDomain)
			}
			if got := Reason(st.Err()); got != fe.Reason {
				t.Errorf("Reason(st.Err()) = %q, want %q", got, fe.Reason)
			}
			var wantFields []string
			for _, v := range fe.Violations {
				wantFields = append(wantFields, v.Field)
			}
			if got := ViolatedFields(st.Err()); fmt.Sprint(got) != fmt.Sprint(wantFields) {
				t.Errorf("ViolatedFields = %v, want %v", got, wantFields)
			}
			if len(fe.Violations) == 0 {
				if br != nil {
					t.Errorf("unexpected BadRequest %v", br)
				}
				return
			}
			if got := fieldViolations(br); fmt.Sprint(got) != fmt.Sprint(fe.Violations) {
				t.Errorf("field violations = %v, want %v", got, fe.Violations)
			}
		})
	}
}

func TestStatusUnclassifiedIsBareInternal(t *testing.T) {
	secret := errors.New("open /var/lib/caiomatch/mission.db: permission denied (token=s3cr3t)")
	for _, err := range []error{secret, fmt.Errorf("repo: %w", secret)} {
		st := Status(err)
		if st.Code() != codes.Internal {
			t.Errorf("code = %v, want Internal", st.Code())
		}
		if st.Message() != "internal error" {
			t.Errorf("message = %q, want %q", st.Message(), "internal error")
		}
		if s := fmt.Sprint(st.Proto()); strings.Contains(s, "s3cr3t") || strings.Contains(s, "mission.db") {
			t.Errorf("status leaks the original error: %s", s)
		}
		info, br := details(t, st)
		if info.GetReason() != "INTERNAL" || info.GetDomain() != ErrorDomain || br != nil {
			t.Errorf("details = %v / %v", info, br)
		}
	}
}

func TestStatusContextErrors(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
	}{
		{context.Canceled, codes.Canceled},
		{fmt.Errorf("query: %w", context.Canceled), codes.Canceled},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), codes.DeadlineExceeded},
	}
	for _, tt := range tests {
		st := Status(tt.err)
		if st.Code() != tt.code {
			t.Errorf("Status(%v) = %v, want %v", tt.err, st.Code(), tt.code)
		}
		if strings.Contains(st.Message(), "query") {
			t.Errorf("Status(%v) leaks the wrapped text: %q", tt.err, st.Message())
		}
	}
}

func TestStatusPassesThroughStatusErrorsAndNil(t *testing.T) {
	if Status(nil) != nil {
		t.Error("Status(nil) must be nil")
	}
	orig := StatusWithReason(codes.ResourceExhausted, "RATE_LIMITED", "slow down")
	st := Status(orig.Err())
	if st.Code() != codes.ResourceExhausted || st.Message() != "slow down" || Reason(st.Err()) != "RATE_LIMITED" {
		t.Errorf("status error not passed through: %v", st)
	}
	if Reason(errors.New("plain")) != "" || Reason(status.Error(codes.NotFound, "x")) != "" {
		t.Error("Reason of an error without ErrorInfo must be empty")
	}
}

func TestInvalidStatus(t *testing.T) {
	st := InvalidStatus("BAD_JSON", "malformed body", fault.Violation{Field: "title", Description: "required"})
	if st.Code() != codes.InvalidArgument || st.Message() != "malformed body" {
		t.Fatalf("status = %v", st)
	}
	info, br := details(t, st)
	if info.GetReason() != "BAD_JSON" || info.GetDomain() != ErrorDomain {
		t.Errorf("ErrorInfo = %v", info)
	}
	if got := fieldViolations(br); len(got) != 1 || got[0].Field != "title" || got[0].Description != "required" {
		t.Errorf("violations = %v", got)
	}
}
