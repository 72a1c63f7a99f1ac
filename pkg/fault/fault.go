// Package fault is the error vocabulary shared by the domain code of every service. It knows
// nothing of gRPC or HTTP: transport adapters translate a Kind into a status code once.
package fault

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error the way a caller must react to it.
type Kind int

const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindAlreadyExists
	KindFailedPrecondition
	KindPermissionDenied
	KindUnauthenticated
	KindUnavailable
	// KindResourceExhausted: a quota is used up; the same request succeeds later.
	KindResourceExhausted
)

// Violation names one field at fault, with lowerCamelCase paths as clients see them
// ("durationMonths", "skills[2].level").
type Violation struct {
	Field       string
	Description string
}

// Error is a classified error with a stable, upper-snake-case reason clients can branch on.
type Error struct {
	Kind       Kind
	Reason     string
	Message    string
	Violations []Violation
}

func (e *Error) Error() string {
	if len(e.Violations) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// As extracts an *Error from err's chain.
func As(err error) (*Error, bool) {
	var fe *Error
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// KindOf reports err's kind, KindInternal when it carries none.
func KindOf(err error) Kind {
	if fe, ok := As(err); ok {
		return fe.Kind
	}
	return KindInternal
}

func NotFound(reason, format string, args ...any) *Error {
	return &Error{Kind: KindNotFound, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func AlreadyExists(reason, format string, args ...any) *Error {
	return &Error{Kind: KindAlreadyExists, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func FailedPrecondition(reason, format string, args ...any) *Error {
	return &Error{Kind: KindFailedPrecondition, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ResourceExhausted is a quota used up: the caller may try again once it renews.
func ResourceExhausted(reason, format string, args ...any) *Error {
	return &Error{Kind: KindResourceExhausted, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func PermissionDenied(reason, format string, args ...any) *Error {
	return &Error{Kind: KindPermissionDenied, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func Unauthenticated(reason, format string, args ...any) *Error {
	return &Error{Kind: KindUnauthenticated, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a validation failure on the named fields.
func Invalid(reason string, violations ...Violation) *Error {
	msg := "invalid request"
	if len(violations) == 1 {
		msg = "invalid field " + violations[0].Field
	} else if len(violations) > 1 {
		msg = fmt.Sprintf("%d invalid fields", len(violations))
	}
	return &Error{Kind: KindInvalid, Reason: reason, Message: msg, Violations: violations}
}

// ReasonInvalidArgument is the reason of every field-validation error.
const ReasonInvalidArgument = "INVALID_ARGUMENT"

// Violations collects field errors while a whole request is checked, so a client learns about
// every bad field at once instead of one per round trip.
type Violations []Violation

func (v *Violations) Add(field, format string, args ...any) {
	*v = append(*v, Violation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Err is nil when nothing was collected.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return Invalid(ReasonInvalidArgument, v...)
}
