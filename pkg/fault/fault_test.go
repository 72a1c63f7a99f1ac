package fault

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestConstructorsSetKindReasonMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		kind Kind
	}{
		{"NotFound", NotFound("MISSION_NOT_FOUND", "mission %s not found", "m-1"), KindNotFound},
		{"AlreadyExists", AlreadyExists("MISSION_NOT_FOUND", "mission %s not found", "m-1"), KindAlreadyExists},
		{"FailedPrecondition", FailedPrecondition("MISSION_NOT_FOUND", "mission %s not found", "m-1"), KindFailedPrecondition},
		{"PermissionDenied", PermissionDenied("MISSION_NOT_FOUND", "mission %s not found", "m-1"), KindPermissionDenied},
		{"Unauthenticated", Unauthenticated("MISSION_NOT_FOUND", "mission %s not found", "m-1"), KindUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Kind != tt.kind {
				t.Errorf("Kind = %v, want %v", tt.err.Kind, tt.kind)
			}
			if tt.err.Reason != "MISSION_NOT_FOUND" {
				t.Errorf("Reason = %q", tt.err.Reason)
			}
			if tt.err.Message != "mission m-1 not found" || tt.err.Error() != "mission m-1 not found" {
				t.Errorf("Message = %q, Error() = %q", tt.err.Message, tt.err.Error())
			}
			if len(tt.err.Violations) != 0 {
				t.Errorf("Violations = %v, want none", tt.err.Violations)
			}
		})
	}
}

func TestInvalidMessages(t *testing.T) {
	one := Violation{Field: "durationMonths", Description: "must be positive"}
	two := Violation{Field: "skills[2].level", Description: "unknown level"}

	if e := Invalid("R"); e.Message != "invalid request" || e.Error() != "invalid request" || e.Kind != KindInvalid {
		t.Errorf("no violations: %+v / %q", e, e.Error())
	}
	e := Invalid("R", one)
	if e.Message != "invalid field durationMonths" {
		t.Errorf("one violation message = %q", e.Message)
	}
	if got, want := e.Error(), "invalid field durationMonths: durationMonths: must be positive"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = Invalid("R", one, two)
	if e.Message != "2 invalid fields" {
		t.Errorf("two violations message = %q", e.Message)
	}
	if got, want := e.Error(), "2 invalid fields: durationMonths: must be positive; skills[2].level: unknown level"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(e.Violations, []Violation{one, two}) || e.Reason != "R" {
		t.Errorf("violations/reason not kept: %+v", e)
	}
}

func TestViolationsCollector(t *testing.T) {
	var v Violations
	if err := v.Err(); err != nil {
		t.Fatalf("empty collector: Err() = %v, want nil", err)
	}
	v.Add("title", "must not be empty")
	v.Add("skills[%d]", "duplicate of skills[%d]", 1) // the field is not a format string
	v.Add("budget", "must be at most %d", 100)
	err := v.Err()
	fe, ok := As(err)
	if !ok {
		t.Fatalf("Err() = %T, want *Error", err)
	}
	if fe.Kind != KindInvalid || fe.Reason != ReasonInvalidArgument {
		t.Errorf("kind/reason = %v/%q", fe.Kind, fe.Reason)
	}
	want := []Violation{
		{Field: "title", Description: "must not be empty"},
		{Field: "skills[%d]", Description: "duplicate of skills[1]"},
		{Field: "budget", Description: "must be at most 100"},
	}
	if !reflect.DeepEqual(fe.Violations, want) {
		t.Errorf("violations = %+v, want %+v", fe.Violations, want)
	}
}

func TestAsAndKindOfThroughWrapping(t *testing.T) {
	base := NotFound("X", "gone")
	wrapped := fmt.Errorf("load: %w", fmt.Errorf("repo: %w", base))
	fe, ok := As(wrapped)
	if !ok || fe != base {
		t.Fatalf("As(wrapped) = %v, %v", fe, ok)
	}
	if KindOf(wrapped) != KindNotFound {
		t.Errorf("KindOf(wrapped) = %v", KindOf(wrapped))
	}
	joined := errors.Join(errors.New("other"), PermissionDenied("P", "no"))
	if KindOf(joined) != KindPermissionDenied {
		t.Errorf("KindOf(joined) = %v", KindOf(joined))
	}
	plain := errors.New("disk on fire")
	if _, ok := As(plain); ok {
		t.Error("As(plain) reported a fault")
	}
	if KindOf(plain) != KindInternal || KindOf(nil) != KindInternal {
		t.Error("KindOf of an unclassified error must be KindInternal")
	}
}
