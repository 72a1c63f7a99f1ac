package accounts

import (
	"context"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/fault"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// Service implements AccountService for operators.
type Service struct {
	accountv1.UnimplementedAccountServiceServer
	store *Store
}

func NewService(store *Store) *Service { return &Service{store: store} }

func (s *Service) CreateAccount(ctx context.Context, req *accountv1.CreateAccountRequest) (*accountv1.CreateAccountResponse, error) {
	if err := requireOperator(ctx); err != nil {
		return nil, rpc.Status(err).Err()
	}
	role, name, email, err := validateCreate(req)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	acc, token, err := s.store.Create(ctx, role, name, email)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	return &accountv1.CreateAccountResponse{Account: toProto(acc), Token: token}, nil
}

func (s *Service) GetAccount(ctx context.Context, req *accountv1.GetAccountRequest) (*accountv1.GetAccountResponse, error) {
	caller, ok := identity.FromContext(ctx)
	if !ok {
		return nil, rpc.Status(fault.Unauthenticated(ReasonMissingToken, "missing bearer token")).Err()
	}
	if !caller.IsOperator() && caller.AccountID != req.GetId() {
		return nil, rpc.Status(fault.NotFound(ReasonAccountNotFound, "account not found")).Err()
	}
	acc, err := s.store.Get(ctx, req.GetId())
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	return &accountv1.GetAccountResponse{Account: toProto(acc)}, nil
}

func requireOperator(ctx context.Context) error {
	caller, ok := identity.FromContext(ctx)
	if !ok {
		return fault.Unauthenticated(ReasonMissingToken, "missing bearer token")
	}
	if !caller.IsOperator() {
		return fault.PermissionDenied("ROLE_NOT_ALLOWED", "only operators manage accounts")
	}
	return nil
}

// validateCreate checks the whole request and reports every bad field.
func validateCreate(req *accountv1.CreateAccountRequest) (identity.Role, string, string, error) {
	var v fault.Violations
	role, ok := identity.ParseRole(req.GetRole())
	if !ok {
		v.Add("role", "must be FIRM, CONSULTANT or OPERATOR")
	}
	name := strings.TrimSpace(req.GetName())
	switch {
	case name == "":
		v.Add("name", "is required")
	case !utf8.ValidString(name) || hasControl(name):
		v.Add("name", "must be text without control characters")
	case utf8.RuneCountInString(name) > 200:
		v.Add("name", "must be at most 200 characters")
	}
	email := strings.TrimSpace(req.GetEmail())
	if email != "" && !validEmail(email) {
		v.Add("email", "must be an email address such as name@example.com (at most 254 characters)")
	}
	return role, name, email, v.Err()
}

// MaxEmailLength is the longest address SMTP can carry (RFC 5321).
const MaxEmailLength = 254

// validEmail accepts a bare address (no display name, no comment) as profiles do: what
// net/mail parses back to itself, at most 254 characters, without control characters.
func validEmail(email string) bool {
	if len(email) > MaxEmailLength || !utf8.ValidString(email) || hasControl(email) {
		return false
	}
	addr, err := mail.ParseAddress(email)
	return err == nil && addr.Name == "" && addr.Address == email
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

func toProto(a Account) *accountv1.Account {
	return &accountv1.Account{Id: a.ID, Role: string(a.Role), Name: a.Name, Email: a.Email, CreatedAt: timestamppb.New(a.CreatedAt)}
}
