package rpc

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// ForCaller is the body of every gRPC handler of the platform: it runs a use case for the caller
// the call carries (put there by the server's interceptor once its signature checked out) and
// gives the result its public form. A call without a caller is UNAUTHENTICATED.
func ForCaller[T, R any](ctx context.Context, use func(identity.Caller) (T, error), form func(T) R) (R, error) {
	var zero R
	caller, ok := identity.FromContext(ctx)
	if !ok {
		return zero, fault.Unauthenticated("UNAUTHENTICATED", "no caller")
	}
	v, err := use(caller)
	if err != nil {
		return zero, err
	}
	return form(v), nil
}

// Done is the form of a use case that returns nothing worth sending: an empty response.
func Done[R any](struct{}) *R { return new(R) }

// AsIs is the form of a use case whose result is already the response.
func AsIs[R any](r R) R { return r }

// Each gives every item of a list its public form.
func Each[T, P any](items []T, form func(T) P) []P {
	out := make([]P, len(items))
	for i, v := range items {
		out[i] = form(v)
	}
	return out
}
