// Package identity carries the authenticated caller through a request. The gateway decides who
// the caller is; services trust it and use it for ownership checks.
package identity

import "context"

// Role is what an account may do. Values match the public API's role strings.
type Role string

const (
	RoleFirm       Role = "FIRM"
	RoleConsultant Role = "CONSULTANT"
	RoleOperator   Role = "OPERATOR"
)

// ParseRole accepts exactly the public role strings.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleFirm, RoleConsultant, RoleOperator:
		return r, true
	}
	return "", false
}

// Caller is the account a request acts for.
type Caller struct {
	AccountID string
	Role      Role
	// Name and Email are the account's display name and contact email, as the gateway knows
	// them (Email may be empty). They travel signed with the caller so that a service can show
	// a firm's name and contact to the consultant it staffs; they are never logged.
	Name  string
	Email string
}

// System is the caller of work a service does on its own (event handlers).
var System = Caller{AccountID: "system", Role: RoleOperator}

func (c Caller) IsOperator() bool { return c.Role == RoleOperator }

type callerKey struct{}

func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// FromContext returns the caller, or false when the request is anonymous.
func FromContext(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok && c.AccountID != ""
}
