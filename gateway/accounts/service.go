package accounts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	netmail "net/mail"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/fault"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// Lifetimes of what is emailed and of what it opens.
const (
	SignUpCodeTTL   = 30 * time.Minute
	SignInLinkTTL   = 15 * time.Minute
	SessionTTL      = 14 * 24 * time.Hour
	DefaultTokenTTL = 90 * 24 * time.Hour
	maxTokenDays    = 730
)

// SignInPath is where a sign-in link leads; its token query parameter is the link's secret.
// GET there shows SignInPage, whose form POSTs the secret back to the same path to sign in.
const SignInPath = "/v1/sessions/callback"

// Service implements AccountService.
type Service struct {
	accountv1.UnimplementedAccountServiceServer
	store   *Store
	postman *Postman
	// publicURL is the base of sign-in links, e.g. https://caiomatch.example.
	publicURL string
}

// NewService serves store; postman sends its emails, to links under publicURL.
func NewService(store *Store, postman *Postman, publicURL string) *Service {
	return &Service{store: store, postman: postman, publicURL: strings.TrimSuffix(publicURL, "/")}
}

func (s *Service) CreateAccount(ctx context.Context, req *accountv1.CreateAccountRequest) (*accountv1.CreateAccountResponse, error) {
	if _, err := requireOperator(ctx); err != nil {
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
	if _, err := ownOrOperator(ctx, req.GetId()); err != nil {
		return nil, rpc.Status(err).Err()
	}
	acc, err := s.store.Get(ctx, req.GetId())
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	return &accountv1.GetAccountResponse{Account: toProto(acc)}, nil
}

func (s *Service) ListAccounts(ctx context.Context, req *accountv1.ListAccountsRequest) (*accountv1.ListAccountsResponse, error) {
	if _, err := requireOperator(ctx); err != nil {
		return nil, rpc.Status(err).Err()
	}
	var v fault.Violations
	var f Filter
	if req.GetRole() != "" {
		role, ok := identity.ParseRole(req.GetRole())
		if !ok {
			v.Add("role", "must be FIRM, CONSULTANT or OPERATOR")
		}
		f.Role = role
	}
	f.Status = statusFromProto(req.GetStatus())
	size := int(req.GetPageSize())
	switch {
	case size == 0:
		size = 50
	case size < 1 || size > 500:
		v.Add("pageSize", "must be between 1 and 500")
	}
	after, err := base64.RawURLEncoding.DecodeString(req.GetPageToken())
	if err != nil {
		v.Add("pageToken", "must be a nextPageToken given by an earlier page")
	}
	if err := v.Err(); err != nil {
		return nil, rpc.Status(err).Err()
	}
	accs, err := s.store.List(ctx, f, string(after), size+1)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	resp := &accountv1.ListAccountsResponse{}
	if len(accs) > size {
		accs = accs[:size]
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(accs[size-1].ID))
	}
	for _, a := range accs {
		resp.Accounts = append(resp.Accounts, toProto(a))
	}
	return resp, nil
}

func (s *Service) ApproveAccount(ctx context.Context, req *accountv1.ApproveAccountRequest) (*accountv1.ApproveAccountResponse, error) {
	acc, err := s.setStatus(ctx, req.GetId(), StatusActive)
	if err != nil {
		return nil, err
	}
	return &accountv1.ApproveAccountResponse{Account: toProto(acc)}, nil
}

func (s *Service) SuspendAccount(ctx context.Context, req *accountv1.SuspendAccountRequest) (*accountv1.SuspendAccountResponse, error) {
	acc, err := s.setStatus(ctx, req.GetId(), StatusSuspended)
	if err != nil {
		return nil, err
	}
	return &accountv1.SuspendAccountResponse{Account: toProto(acc)}, nil
}

func (s *Service) setStatus(ctx context.Context, id string, status Status) (Account, error) {
	if _, err := requireOperator(ctx); err != nil {
		return Account{}, rpc.Status(err).Err()
	}
	acc, err := s.store.SetStatus(ctx, id, status)
	if err != nil {
		return Account{}, rpc.Status(err).Err()
	}
	return acc, nil
}

func (s *Service) UpdatePreferences(ctx context.Context, req *accountv1.UpdatePreferencesRequest) (*accountv1.UpdatePreferencesResponse, error) {
	caller, err := requireCaller(ctx)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	if caller.AccountID != req.GetId() { // preferences are the person's own, even for operators
		return nil, rpc.Status(fault.NotFound(ReasonAccountNotFound, "account not found")).Err()
	}
	var lang locale.Language
	if req.GetLanguage() != "" {
		l, ok := locale.Parse(req.GetLanguage())
		if !ok {
			return nil, rpc.Status(fault.Invalid(fault.ReasonInvalidArgument,
				fault.Violation{Field: "language", Description: "must be en or fr"})).Err()
		}
		lang = l
	}
	var emails *bool
	if req.EmailNotifications != nil {
		emails = req.EmailNotifications
	}
	acc, err := s.store.UpdatePreferences(ctx, req.GetId(), emails, lang)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	return &accountv1.UpdatePreferencesResponse{Account: toProto(acc)}, nil
}

func (s *Service) SignUp(ctx context.Context, req *accountv1.SignUpRequest) (*accountv1.SignUpResponse, error) {
	var v fault.Violations
	role, ok := identity.ParseRole(req.GetRole())
	if !ok || role == identity.RoleOperator {
		v.Add("role", "must be FIRM or CONSULTANT")
	}
	name := validateName(&v, req.GetName())
	email := validateEmail(&v, req.GetEmail(), true)
	if err := v.Err(); err != nil {
		return nil, rpc.Status(err).Err()
	}
	pending := PendingSignUp{Email: email, Role: role, Name: name, Language: locale.FromContext(ctx)}
	s.postman.post("sign-up", func(ctx context.Context) (mail.Message, bool, error) { return s.startSignUp(ctx, pending) })
	return &accountv1.SignUpResponse{}, nil
}

// startSignUp stores a sign-up and writes its code's email, or, for an address that has an
// account already, or whose sign-ups used up their guesses, the email that says so.
func (s *Service) startSignUp(ctx context.Context, p PendingSignUp) (mail.Message, bool, error) {
	if _, err := s.store.FindByEmail(ctx, p.Email); err == nil {
		msg, err := compose(p.Language, "SignUpKnown", p.Email, emailData{})
		return msg, err == nil, err
	} else if fault.KindOf(err) != fault.KindNotFound {
		return mail.Message{}, false, err
	}
	code, err := newCode()
	if err != nil {
		return mail.Message{}, false, err
	}
	err = s.store.SaveSignUp(ctx, p, hashCode(p.Email, code), s.store.now().Add(SignUpCodeTTL))
	if errors.Is(err, ErrSignUpLocked) {
		msg, err := compose(p.Language, "SignUpLocked", p.Email, emailData{Minutes: int(SignUpCodeTTL.Minutes())})
		return msg, err == nil, err
	}
	if err != nil {
		return mail.Message{}, false, err
	}
	msg, err := compose(p.Language, "SignUpCode", p.Email, emailData{Code: code, Minutes: int(SignUpCodeTTL.Minutes())})
	return msg, err == nil, err
}

func (s *Service) VerifySignUp(ctx context.Context, req *accountv1.VerifySignUpRequest) (*accountv1.VerifySignUpResponse, error) {
	var v fault.Violations
	email := validateEmail(&v, req.GetEmail(), true)
	code := strings.ReplaceAll(strings.TrimSpace(req.GetCode()), " ", "")
	if len(code) != codeDigits || strings.Trim(code, "0123456789") != "" {
		v.Add("code", "must be the %d-digit code from the email", codeDigits)
	}
	if err := v.Err(); err != nil {
		return nil, rpc.Status(err).Err()
	}
	acc, token, err := s.store.VerifySignUp(ctx, email, hashCode(email, code))
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	return &accountv1.VerifySignUpResponse{Account: toProto(acc), Token: token}, nil
}

func (s *Service) StartSignIn(ctx context.Context, req *accountv1.StartSignInRequest) (*accountv1.StartSignInResponse, error) {
	var v fault.Violations
	email := validateEmail(&v, req.GetEmail(), true)
	if err := v.Err(); err != nil {
		return nil, rpc.Status(err).Err()
	}
	s.postman.post("sign-in", func(ctx context.Context) (mail.Message, bool, error) { return s.startSignIn(ctx, email) })
	return &accountv1.StartSignInResponse{}, nil
}

// startSignIn stores a sign-in link for the account of email and writes its email; an unknown
// or suspended address gets nothing.
func (s *Service) startSignIn(ctx context.Context, email string) (mail.Message, bool, error) {
	acc, err := s.store.FindByEmail(ctx, email)
	if fault.KindOf(err) == fault.KindNotFound || (err == nil && acc.Status == StatusSuspended) {
		return mail.Message{}, false, nil
	}
	if err != nil {
		return mail.Message{}, false, err
	}
	secret, err := NewToken()
	if err != nil {
		return mail.Message{}, false, err
	}
	if err := s.store.SaveSignInLink(ctx, acc.ID, HashToken(secret), s.store.now().Add(SignInLinkTTL)); err != nil {
		return mail.Message{}, false, err
	}
	link := s.publicURL + SignInPath + "?" + url.Values{"token": {secret}}.Encode()
	msg, err := compose(acc.Language, "SignIn", acc.Email, emailData{Link: link, Minutes: int(SignInLinkTTL.Minutes())})
	return msg, err == nil, err
}

// SignInWithLink spends a sign-in link and opens a web session: the account and the session's
// secret, the cookie's value.
func (s *Service) SignInWithLink(ctx context.Context, secret string) (Account, string, error) {
	return s.store.UseSignInLink(ctx, HashToken(secret), SessionTTL)
}

func (s *Service) CreateToken(ctx context.Context, req *accountv1.CreateTokenRequest) (*accountv1.CreateTokenResponse, error) {
	caller, err := requireCaller(ctx)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	var v fault.Violations
	name := strings.TrimSpace(req.GetName())
	switch {
	case name == "":
		v.Add("name", "is required")
	case !utf8.ValidString(name) || hasControl(name) || utf8.RuneCountInString(name) > 100:
		v.Add("name", "must be at most 100 characters of text without control characters")
	}
	ttl := DefaultTokenTTL
	if days := req.GetExpiresInDays(); days != 0 {
		if days < 1 || days > maxTokenDays {
			v.Add("expiresInDays", "must be between 1 and %d", maxTokenDays)
		}
		ttl = time.Duration(days) * 24 * time.Hour
	}
	if err := v.Err(); err != nil {
		return nil, rpc.Status(err).Err()
	}
	tok, secret, err := s.store.CreateToken(ctx, caller.AccountID, KindAPI, name, ttl)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	return &accountv1.CreateTokenResponse{Token: tokenToProto(tok), Secret: secret}, nil
}

func (s *Service) ListTokens(ctx context.Context, req *accountv1.ListTokensRequest) (*accountv1.ListTokensResponse, error) {
	caller, err := requireCaller(ctx)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	owner := caller.AccountID
	if req.GetAccountId() != "" {
		if _, err := ownOrOperator(ctx, req.GetAccountId()); err != nil {
			return nil, rpc.Status(err).Err()
		}
		owner = req.GetAccountId()
	}
	toks, err := s.store.ListTokens(ctx, owner)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	resp := &accountv1.ListTokensResponse{}
	for _, t := range toks {
		resp.Tokens = append(resp.Tokens, tokenToProto(t))
	}
	return resp, nil
}

func (s *Service) RevokeToken(ctx context.Context, req *accountv1.RevokeTokenRequest) (*accountv1.RevokeTokenResponse, error) {
	caller, err := requireCaller(ctx)
	if err != nil {
		return nil, rpc.Status(err).Err()
	}
	owner := caller.AccountID
	if caller.IsOperator() {
		owner = ""
	}
	if err := s.store.RevokeToken(ctx, req.GetId(), owner); err != nil {
		return nil, rpc.Status(err).Err()
	}
	return &accountv1.RevokeTokenResponse{}, nil
}

// EndSession revokes the session the caller signed in with.
func (s *Service) EndSession(ctx context.Context, sessionID, accountID string) error {
	return s.store.RevokeToken(ctx, sessionID, accountID)
}

const codeDigits = 6

// newCode is a uniformly random code of codeDigits digits.
func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// hashCode binds a code to its email, so that a stored hash says nothing without the address.
func hashCode(email, code string) string {
	return HashToken("signup\x00" + strings.ToLower(email) + "\x00" + code)
}

func requireCaller(ctx context.Context) (identity.Caller, error) {
	caller, ok := identity.FromContext(ctx)
	if !ok {
		return identity.Caller{}, fault.Unauthenticated(ReasonMissingToken, "missing bearer token")
	}
	return caller, nil
}

func requireOperator(ctx context.Context) (identity.Caller, error) {
	caller, err := requireCaller(ctx)
	if err != nil {
		return caller, err
	}
	if !caller.IsOperator() {
		return caller, fault.PermissionDenied("ROLE_NOT_ALLOWED", "only operators manage accounts")
	}
	return caller, nil
}

// ownOrOperator lets the account itself or an operator through; anyone else learns nothing.
func ownOrOperator(ctx context.Context, accountID string) (identity.Caller, error) {
	caller, err := requireCaller(ctx)
	if err != nil {
		return caller, err
	}
	if !caller.IsOperator() && caller.AccountID != accountID {
		return caller, fault.NotFound(ReasonAccountNotFound, "account not found")
	}
	return caller, nil
}

// validateCreate checks the whole request and reports every bad field.
func validateCreate(req *accountv1.CreateAccountRequest) (identity.Role, string, string, error) {
	var v fault.Violations
	role, ok := identity.ParseRole(req.GetRole())
	if !ok {
		v.Add("role", "must be FIRM, CONSULTANT or OPERATOR")
	}
	name := validateName(&v, req.GetName())
	email := validateEmail(&v, req.GetEmail(), false)
	return role, name, email, v.Err()
}

func validateName(v *fault.Violations, raw string) string {
	name := strings.TrimSpace(raw)
	switch {
	case name == "":
		v.Add("name", "is required")
	case !utf8.ValidString(name) || hasControl(name):
		v.Add("name", "must be text without control characters")
	case utf8.RuneCountInString(name) > 200:
		v.Add("name", "must be at most 200 characters")
	}
	return name
}

func validateEmail(v *fault.Violations, raw string, required bool) string {
	email := strings.TrimSpace(raw)
	switch {
	case email == "" && required:
		v.Add("email", "is required")
	case email != "" && !validEmail(email):
		v.Add("email", "must be an email address such as name@example.com (at most 254 characters)")
	}
	return email
}

// MaxEmailLength is the longest address SMTP can carry (RFC 5321).
const MaxEmailLength = 254

// validEmail accepts a bare address (no display name, no comment) as profiles do: what
// net/mail parses back to itself, at most 254 characters, without control characters.
func validEmail(email string) bool {
	if len(email) > MaxEmailLength || !utf8.ValidString(email) || hasControl(email) {
		return false
	}
	addr, err := netmail.ParseAddress(email)
	return err == nil && addr.Name == "" && addr.Address == email
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

func statusFromProto(st accountv1.AccountStatus) Status {
	switch st {
	case accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE:
		return StatusActive
	case accountv1.AccountStatus_ACCOUNT_STATUS_PENDING_APPROVAL:
		return StatusPending
	case accountv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED:
		return StatusSuspended
	}
	return ""
}

func toProto(a Account) *accountv1.Account {
	return &accountv1.Account{Id: a.ID, Role: string(a.Role), Name: a.Name, Email: a.Email, CreatedAt: timestamppb.New(a.CreatedAt),
		Status: a.Status.Proto(), Language: string(a.Language), EmailNotifications: a.EmailNotifications}
}

func tokenToProto(t Token) *accountv1.Token {
	tok := &accountv1.Token{Id: t.ID, Name: t.Name, CreatedAt: timestamppb.New(t.CreatedAt), AccountId: t.AccountID}
	if !t.ExpiresAt.IsZero() {
		tok.ExpiresAt = timestamppb.New(t.ExpiresAt)
	}
	return tok
}
