package httpapi

import (
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
)

func TestDescribeDecodeError(t *testing.T) {
	cases := []struct {
		msg, reason, field string
	}{
		{`proto: (line 1:2): unknown field "budget"`, ReasonUnknownField, "budget"},
		{`proto: (line 1:40): invalid value for enum field workMode: "WORK_MODE_X"`, ReasonInvalidValue, "workMode"},
		{`proto: (line 1:11): invalid value for int32 field durationMonths: "x"`, ReasonInvalidValue, "durationMonths"},
		{`proto: syntax error (line 1:14): unexpected token`, ReasonMalformedJSON, "body"},
		{`parsing field "page_size": strconv.ParseInt: parsing "abc": invalid syntax`, ReasonInvalidValue, "pageSize"},
	}
	for _, tc := range cases {
		st := describeDecodeError(tc.msg)
		if st.Code() != codes.InvalidArgument {
			t.Errorf("%q: code %v", tc.msg, st.Code())
		}
		var reason, field string
		for _, d := range st.Details() {
			switch d := d.(type) {
			case *errdetails.ErrorInfo:
				reason = d.GetReason()
			case *errdetails.BadRequest:
				field = d.GetFieldViolations()[0].GetField()
			}
		}
		if reason != tc.reason || field != tc.field {
			t.Errorf("%q: reason %q field %q, want %q %q", tc.msg, reason, field, tc.reason, tc.field)
		}
	}
}

func TestBearerToken(t *testing.T) {
	for header, want := range map[string]string{"Bearer abc": "abc", "bearer abc": "abc", "Basic abc": "", "Bearer ": "", "": ""} {
		got, ok := bearerToken(header)
		if got != want || ok != (want != "") {
			t.Errorf("bearerToken(%q) = %q, %v", header, got, ok)
		}
	}
}
