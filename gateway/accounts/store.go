// Package accounts keeps the accounts and their credentials at the edge: named API tokens with
// an expiry, web sessions, sign-up codes and sign-in links. Secrets are shown once and stored
// only as SHA-256 hashes: tokens and links are 256-bit random values, so a fast hash is enough;
// sign-up codes are short, so each allows few attempts and lives 30 minutes.
//
// Every request is authenticated against the database, never a cache: gateway replicas share
// the database, and a token revoked through one of them must be refused by all at once.
// Account changes publish AccountChanged through the outbox (pkg/txn/sqltx), in the same
// transaction as the change.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
)

//go:embed migrations/*.sql
var migrations embed.FS

// BootstrapOperatorID is the account of the operator token given by configuration.
const BootstrapOperatorID = "operator"

// Status is where an account stands.
type Status string

const (
	StatusActive    Status = "ACTIVE"
	StatusPending   Status = "PENDING_APPROVAL"
	StatusSuspended Status = "SUSPENDED"
)

// Account is one authenticated party.
type Account struct {
	ID   string
	Role identity.Role
	Name string
	// Email is the optional contact email ("" when none); never logged.
	Email              string
	Status             Status
	Language           locale.Language
	EmailNotifications bool
	CreatedAt          time.Time
}

// Credential kinds.
const (
	KindAPI     = "api"
	KindSession = "session"
)

// Token is a credential without its secret.
type Token struct {
	ID        string
	AccountID string
	Kind      string
	Name      string
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
}

// Store persists accounts and their credentials.
type Store struct {
	db     *sql.DB
	runner *sqltx.Runner[*sqltx.Tx]
	newID  func() string
	wake   atomic.Pointer[func()]
	// prepared keeps the hot read queries prepared (authenticateQuery).
	prepared *sqlstore.Prepared
	// now is the clock, replaced in tests to expire codes and tokens.
	now func() time.Time
}

// Migrations are the outbox and inbox tables and the accounts' own, applied where the gateway
// opens its database (servicehost.OpenDatabase).
func Migrations() []sqlstore.MigrationSet {
	return sqltx.Migrations("accounts", migrations)
}

// New is the store over db, migrated with Migrations.
func New(db *sql.DB, newID func() string) *Store {
	s := &Store{db: db, newID: newID, now: time.Now, prepared: sqlstore.NewPrepared(db)}
	s.runner = sqltx.New(db, func() {
		if wake := s.wake.Load(); wake != nil {
			(*wake)()
		}
	}, func(t *sqltx.Tx) *sqltx.Tx { return t })
	return s
}

// SetClock replaces the store's clock, for tests that let codes, links and tokens expire.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// WakeOnPublish makes every commit that published events call wake (the outbox relay's Notify).
func (s *Store) WakeOnPublish(wake func()) { s.wake.Store(&wake) }

// HashToken is how a secret is stored and looked up.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a fresh random bearer token.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "cm_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// Reasons clients can branch on.
const (
	ReasonInvalidToken     = "INVALID_TOKEN"
	ReasonMissingToken     = "MISSING_TOKEN"
	ReasonAccountNotFound  = "ACCOUNT_NOT_FOUND"
	ReasonTokenNotFound    = "TOKEN_NOT_FOUND"
	ReasonAccountSuspended = "ACCOUNT_SUSPENDED"
	ReasonAccountPending   = "ACCOUNT_PENDING_APPROVAL"
	ReasonInvalidCode      = "INVALID_CODE"
	ReasonInvalidLink      = "INVALID_SIGN_IN_LINK"
)

// EnsureOperator makes token the bootstrap operator's token, replacing an older one.
//
// Replicas starting together run it at once. On PostgreSQL, ON CONFLICT settles only the clash
// on id; the other replica's uncommitted row with the same token hash makes this insert wait and
// then fail on the token's unique index. Once that row is committed the statement takes the
// ON CONFLICT path, so it is tried again.
func (s *Store) EnsureOperator(ctx context.Context, token string) error {
	hash, created := HashToken(token), sqlstore.FormatTime(s.now())
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
			if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO accounts (id, role, name, token_hash, created_at)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash`,
				BootstrapOperatorID, string(identity.RoleOperator), "Platform operator", hash, created); err != nil {
				return err
			}
			_, err := tx.SQL.ExecContext(ctx, `INSERT INTO tokens (id, account_id, kind, name, token_hash, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, revoked_at = NULL`,
				"initial-"+BootstrapOperatorID, BootstrapOperatorID, KindAPI, "bootstrap", hash, created)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "SQLSTATE 23505") {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("bootstrap operator: %w", err)
	}
	return nil
}

// Create stores a new ACTIVE account and returns it with its first token, which never expires
// (operators hand it over; it is revoked like any token). email may be empty.
func (s *Store) Create(ctx context.Context, role identity.Role, name, email string) (Account, string, error) {
	acc := Account{ID: s.newID(), Role: role, Name: name, Email: email, Status: StatusActive,
		Language: locale.Default, EmailNotifications: true, CreatedAt: s.now().UTC()}
	var token string
	err := s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		var err error
		token, err = s.insertAccount(ctx, tx, acc, "initial", 0)
		return err
	})
	if err != nil {
		return Account{}, "", err
	}
	return acc, token, nil
}

// insertAccount stores acc with its first token, named name and valid for ttl (0: never), and
// publishes AccountChanged.
func (s *Store) insertAccount(ctx context.Context, tx *sqltx.Tx, acc Account, name string, ttl time.Duration) (string, error) {
	token, err := NewToken()
	if err != nil {
		return "", err
	}
	created := sqlstore.FormatTime(acc.CreatedAt)
	if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO accounts
		(id, role, name, email, token_hash, created_at, status, language, email_notifications, announced)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)`,
		acc.ID, string(acc.Role), acc.Name, acc.Email, HashToken(token), created, string(acc.Status),
		string(acc.Language), boolInt(acc.EmailNotifications)); err != nil {
		return "", fmt.Errorf("create account: %w", err)
	}
	var expires sql.NullString
	if ttl > 0 {
		expires = sql.NullString{String: sqlstore.FormatTime(acc.CreatedAt.Add(ttl)), Valid: true}
	}
	if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO tokens (id, account_id, kind, name, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, "initial-"+acc.ID, acc.ID, KindAPI, name, HashToken(token), created, expires); err != nil {
		return "", fmt.Errorf("create account token: %w", err)
	}
	return token, s.publishChanged(ctx, tx, acc)
}

// AnnounceExisting publishes AccountChanged for the accounts that never had one (made before
// accounts published events), a batch per transaction, and tells how many. Replicas starting
// together take turns; a consumer seeing an account twice only sets the same state again.
func (s *Store) AnnounceExisting(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
			if err := tx.Lock(ctx, "accounts", "announce"); err != nil {
				return err
			}
			batch, err := unannouncedAccounts(ctx, tx)
			if err != nil {
				return err
			}
			for _, acc := range batch {
				if err := s.publishChanged(ctx, tx, acc); err != nil {
					return err
				}
				if _, err := tx.SQL.ExecContext(ctx, `UPDATE accounts SET announced = 1 WHERE id = $1`, acc.ID); err != nil {
					return err
				}
			}
			n = len(batch)
			return nil
		})
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// unannouncedAccounts is the next batch of accounts that never published AccountChanged, read
// whole before tx runs its next statement.
func unannouncedAccounts(ctx context.Context, tx *sqltx.Tx) ([]Account, error) {
	rows, err := tx.SQL.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.announced = 0 ORDER BY a.id LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("accounts to announce: %w", err)
	}
	defer rows.Close()
	var batch []Account
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		batch = append(batch, acc)
	}
	return batch, rows.Err()
}

// publishChanged bumps the account's version and publishes AccountChanged with it, in tx: the
// row's write lock orders the versions of concurrent changes as their commits.
func (s *Store) publishChanged(ctx context.Context, tx *sqltx.Tx, acc Account) error {
	var version int64
	if err := tx.SQL.QueryRowContext(ctx, `UPDATE accounts SET version = version + 1 WHERE id = $1 RETURNING version`,
		acc.ID).Scan(&version); err != nil {
		return fmt.Errorf("account version: %w", err)
	}
	ev, err := eventbus.NewEvent(eventbus.ProducerAccount, acc.ID, &accountv1.AccountChanged{
		AccountId: acc.ID, Role: string(acc.Role), Status: acc.Status.Proto(), Email: acc.Email,
		Language: string(acc.Language), EmailNotifications: acc.EmailNotifications, Version: version, Name: acc.Name,
	}, s.now())
	if err != nil {
		return err
	}
	return tx.Publish(ctx, ev)
}

// Proto is the status as the API spells it.
func (st Status) Proto() accountv1.AccountStatus {
	switch st {
	case StatusActive:
		return accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE
	case StatusPending:
		return accountv1.AccountStatus_ACCOUNT_STATUS_PENDING_APPROVAL
	case StatusSuspended:
		return accountv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED
	}
	return accountv1.AccountStatus_ACCOUNT_STATUS_UNSPECIFIED
}

const accountColumns = `a.id, a.role, a.name, a.email, a.created_at, a.status, a.language, a.email_notifications`

// Get finds an account by id.
func (s *Store) Get(ctx context.Context, id string) (Account, error) {
	return scanAccount(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1`, id))
}

// FindByEmail finds the oldest account with this email, compared without case.
func (s *Store) FindByEmail(ctx context.Context, email string) (Account, error) {
	return scanAccount(s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a
		WHERE lower(a.email) = $1 ORDER BY a.created_at, a.id LIMIT 1`, strings.ToLower(email)))
}

// Filter selects accounts in List; zero fields select all.
type Filter struct {
	Role   identity.Role
	Status Status
}

// List pages through the accounts in id order (ids are time-ordered), after the id given.
func (s *Store) List(ctx context.Context, f Filter, after string, limit int) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a
		WHERE ($1 = '' OR a.role = $1) AND ($2 = '' OR a.status = $2) AND a.id > $3
		ORDER BY a.id LIMIT $4`, string(f.Role), string(f.Status), after, limit)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, acc)
	}
	return out, rows.Err()
}

// SetStatus moves an account to status and publishes the change; the bootstrap operator cannot
// be suspended.
func (s *Store) SetStatus(ctx context.Context, id string, status Status) (Account, error) {
	return s.update(ctx, id, func(acc *Account) error {
		if acc.ID == BootstrapOperatorID && status != StatusActive {
			return fault.FailedPrecondition("BOOTSTRAP_OPERATOR", "the bootstrap operator cannot be suspended")
		}
		acc.Status = status
		return nil
	})
}

// UpdatePreferences sets the language (when not empty) and the email preference (when given).
func (s *Store) UpdatePreferences(ctx context.Context, id string, emailNotifications *bool, language locale.Language) (Account, error) {
	return s.update(ctx, id, func(acc *Account) error {
		if emailNotifications != nil {
			acc.EmailNotifications = *emailNotifications
		}
		if language != "" {
			acc.Language = language
		}
		return nil
	})
}

// update changes an account under a lock and publishes AccountChanged when it changed.
func (s *Store) update(ctx context.Context, id string, change func(*Account) error) (Account, error) {
	var acc Account
	err := s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		if err := tx.Lock(ctx, "account", id); err != nil {
			return err
		}
		before, err := scanAccount(tx.SQL.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1`, id))
		if err != nil {
			return err
		}
		acc = before
		if err := change(&acc); err != nil {
			return err
		}
		if acc == before {
			return nil
		}
		if _, err := tx.SQL.ExecContext(ctx, `UPDATE accounts SET status = $1, language = $2, email_notifications = $3 WHERE id = $4`,
			string(acc.Status), string(acc.Language), boolInt(acc.EmailNotifications), id); err != nil {
			return fmt.Errorf("update account: %w", err)
		}
		return s.publishChanged(ctx, tx, acc)
	})
	return acc, err
}

// authenticateQuery runs on every request that carries a credential. It is prepared once per
// store (sqlstore.Prepared): parsed anew each time, Authenticate took 10% of the CPU time of
// GET /v1/profiles/{id} at 64 connections, 6% prepared (issue 18, BenchmarkProfileReadPath).
const authenticateQuery = `SELECT ` + accountColumns + `, t.id, t.kind, t.name, t.created_at, t.expires_at
		FROM tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)`

// Authenticate resolves a token or session secret to its account and credential; a revoked,
// expired or unknown secret is refused. The account's status is the caller's to check.
func (s *Store) Authenticate(ctx context.Context, secret string) (Account, Token, error) {
	row := s.prepared.QueryRowContext(ctx, authenticateQuery, HashToken(secret), sqlstore.FormatTime(s.now()))
	var tok Token
	var created string
	var expires sql.NullString
	acc, err := scanAccount(row, &tok.ID, &tok.Kind, &tok.Name, &created, &expires)
	if fault.KindOf(err) == fault.KindNotFound {
		return Account{}, Token{}, fault.Unauthenticated(ReasonInvalidToken, "invalid, expired or revoked token")
	}
	if err != nil {
		return Account{}, Token{}, err
	}
	tok.AccountID = acc.ID
	if tok.CreatedAt, tok.ExpiresAt, err = parseTimes(created, expires); err != nil {
		return Account{}, Token{}, err
	}
	return acc, tok, nil
}

// CreateToken makes a credential of kind for the account, valid for ttl, and returns it with
// its secret.
func (s *Store) CreateToken(ctx context.Context, accountID, kind, name string, ttl time.Duration) (Token, string, error) {
	var tok Token
	var secret string
	err := s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		var err error
		tok, secret, err = s.insertToken(ctx, tx, accountID, kind, name, ttl)
		return err
	})
	return tok, secret, err
}

func (s *Store) insertToken(ctx context.Context, tx *sqltx.Tx, accountID, kind, name string, ttl time.Duration) (Token, string, error) {
	secret, err := NewToken()
	if err != nil {
		return Token{}, "", err
	}
	now := s.now().UTC()
	tok := Token{ID: s.newID(), AccountID: accountID, Kind: kind, Name: name, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO tokens (id, account_id, kind, name, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tok.ID, accountID, kind, name, HashToken(secret),
		sqlstore.FormatTime(now), sqlstore.FormatTime(tok.ExpiresAt)); err != nil {
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	return tok, secret, nil
}

// ListTokens lists the account's usable API tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, accountID string) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_at, expires_at FROM tokens
		WHERE account_id = $1 AND kind = $2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3)
		ORDER BY created_at DESC, id DESC`, accountID, KindAPI, sqlstore.FormatTime(s.now()))
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		tok := Token{AccountID: accountID, Kind: KindAPI}
		var created string
		var expires sql.NullString
		if err := rows.Scan(&tok.ID, &tok.Name, &created, &expires); err != nil {
			return nil, err
		}
		if tok.CreatedAt, tok.ExpiresAt, err = parseTimes(created, expires); err != nil {
			return nil, err
		}
		out = append(out, tok)
	}
	return out, rows.Err()
}

// RevokeToken revokes a credential of owner's ("" lets an operator revoke anyone's); another
// account's token is not found.
func (s *Store) RevokeToken(ctx context.Context, id, owner string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1
		WHERE id = $2 AND ($3 = '' OR account_id = $3) AND revoked_at IS NULL`,
		sqlstore.FormatTime(s.now()), id, owner)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fault.NotFound(ReasonTokenNotFound, "token not found")
	}
	return nil
}

// PendingSignUp is what a sign-up asked for, kept until its code is used.
type PendingSignUp struct {
	Email    string
	Role     identity.Role
	Name     string
	Language locale.Language
}

// ErrSignUpLocked refuses a sign-up while the address's previous one has used up its
// MaxCodeAttempts: a new code must not give more guesses. It lasts until that sign-up expires.
var ErrSignUpLocked = fault.FailedPrecondition("SIGN_UP_LOCKED", "too many wrong codes for this address; try again later")

// SaveSignUp keeps a sign-up with the hash of its code until expiresAt, replacing an earlier one
// for the same email (only the newest code works). The wrong codes tried against the earlier one
// still count, so signing up again gives no fresh guesses: once MaxCodeAttempts are spent, the
// address is locked (ErrSignUpLocked) until that sign-up expires. Expired sign-ups are dropped
// on the way.
func (s *Store) SaveSignUp(ctx context.Context, p PendingSignUp, codeHash string, expiresAt time.Time) error {
	email := strings.ToLower(p.Email)
	return s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		if err := tx.Lock(ctx, "signup", email); err != nil {
			return err
		}
		if _, err := tx.SQL.ExecContext(ctx, `DELETE FROM signups WHERE expires_at <= $1`, sqlstore.FormatTime(s.now())); err != nil {
			return err
		}
		var attempts int
		err := tx.SQL.QueryRowContext(ctx, `SELECT attempts FROM signups WHERE email = $1`, email).Scan(&attempts)
		switch {
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read sign-up: %w", err)
		case attempts >= MaxCodeAttempts:
			return ErrSignUpLocked
		}
		_, err = tx.SQL.ExecContext(ctx, `INSERT INTO signups (email, role, name, language, code_hash, attempts, expires_at)
			VALUES ($1, $2, $3, $4, $5, 0, $6)
			ON CONFLICT (email) DO UPDATE SET role = excluded.role, name = excluded.name, language = excluded.language,
				code_hash = excluded.code_hash, expires_at = excluded.expires_at`,
			email, string(p.Role), p.Name, string(p.Language), codeHash, sqlstore.FormatTime(expiresAt))
		if err != nil {
			return fmt.Errorf("save sign-up: %w", err)
		}
		return nil
	})
}

// MaxCodeAttempts is how many wrong codes end a sign-up, and the sign-ups that replace it.
const MaxCodeAttempts = 5

// SignUpTokenName names the token a verified sign-up receives; it expires like any API token
// (DefaultTokenTTL), the account making named tokens of its own once approved.
const SignUpTokenName = "sign-up"

var errInvalidCode = fault.Unauthenticated(ReasonInvalidCode, "the code is wrong, expired or already used")

// VerifySignUp turns the pending sign-up of email into an account pending approval when
// codeHash matches, and returns it with its first token (SignUpTokenName, expiring after
// DefaultTokenTTL). A wrong code counts against the sign-up, which ends after MaxCodeAttempts;
// a used one is gone.
func (s *Store) VerifySignUp(ctx context.Context, email, codeHash string) (Account, string, error) {
	email = strings.ToLower(email)
	var acc Account
	var token string
	wrong := false
	err := s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		if err := tx.Lock(ctx, "signup", email); err != nil {
			return err
		}
		var p PendingSignUp
		var role, lang, storedHash, expires string
		var attempts int
		err := tx.SQL.QueryRowContext(ctx, `SELECT role, name, language, code_hash, attempts, expires_at FROM signups WHERE email = $1`,
			email).Scan(&role, &p.Name, &lang, &storedHash, &attempts, &expires)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (expires <= sqlstore.FormatTime(s.now()) || attempts >= MaxCodeAttempts)) {
			return errInvalidCode
		}
		if err != nil {
			return fmt.Errorf("read sign-up: %w", err)
		}
		if storedHash != codeHash {
			wrong = true // counted below, in a transaction that commits
			return errInvalidCode
		}
		if _, err := tx.SQL.ExecContext(ctx, `DELETE FROM signups WHERE email = $1`, email); err != nil {
			return err
		}
		if _, err := scanAccount(tx.SQL.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE lower(a.email) = $1 LIMIT 1`, email)); err == nil {
			return errInvalidCode // an account took this email meanwhile
		}
		acc = Account{ID: s.newID(), Role: identity.Role(role), Name: p.Name, Email: email, Status: StatusPending,
			Language: locale.Language(lang), EmailNotifications: true, CreatedAt: s.now().UTC()}
		token, err = s.insertAccount(ctx, tx, acc, SignUpTokenName, DefaultTokenTTL)
		return err
	})
	if wrong {
		if _, countErr := s.db.ExecContext(ctx, `UPDATE signups SET attempts = attempts + 1 WHERE email = $1`, email); countErr != nil {
			return Account{}, "", errors.Join(err, countErr)
		}
	}
	if err != nil {
		return Account{}, "", err
	}
	return acc, token, nil
}

// SaveSignInLink keeps the hash of a sign-in link for the account until expiresAt.
func (s *Store) SaveSignInLink(ctx context.Context, accountID, linkHash string, expiresAt time.Time) error {
	return s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		if _, err := tx.SQL.ExecContext(ctx, `DELETE FROM sign_in_links WHERE expires_at <= $1`, sqlstore.FormatTime(s.now())); err != nil {
			return err
		}
		_, err := tx.SQL.ExecContext(ctx, `INSERT INTO sign_in_links (link_hash, account_id, expires_at) VALUES ($1, $2, $3)`,
			linkHash, accountID, sqlstore.FormatTime(expiresAt))
		return err
	})
}

// UseSignInLink spends a valid sign-in link, once, and opens a session of ttl for its account:
// the account and the session's secret. Two uses racing get one session between them.
func (s *Store) UseSignInLink(ctx context.Context, linkHash string, ttl time.Duration) (Account, string, error) {
	var acc Account
	var secret string
	err := s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		now := sqlstore.FormatTime(s.now())
		res, err := tx.SQL.ExecContext(ctx, `UPDATE sign_in_links SET used_at = $1
			WHERE link_hash = $2 AND used_at IS NULL AND expires_at > $1`, now, linkHash)
		if err != nil {
			return fmt.Errorf("use sign-in link: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fault.Unauthenticated(ReasonInvalidLink, "the sign-in link is wrong, expired or already used")
		}
		acc, err = scanAccount(tx.SQL.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a
			JOIN sign_in_links l ON l.account_id = a.id WHERE l.link_hash = $1`, linkHash))
		if err != nil {
			return err
		}
		if acc.Status == StatusSuspended {
			return fault.PermissionDenied(ReasonAccountSuspended, "this account is suspended")
		}
		_, secret, err = s.insertToken(ctx, tx, acc.ID, KindSession, "web session", ttl)
		return err
	})
	return acc, secret, err
}

type scanner interface{ Scan(dest ...any) error }

// scanAccount reads accountColumns, then extra columns into extra.
func scanAccount(row scanner, extra ...any) (Account, error) {
	var acc Account
	var role, created, status, lang string
	var emails int
	dest := append([]any{&acc.ID, &role, &acc.Name, &acc.Email, &created, &status, &lang, &emails}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fault.NotFound(ReasonAccountNotFound, "account not found")
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account: %w", err)
	}
	acc.Role, acc.Status, acc.Language, acc.EmailNotifications = identity.Role(role), Status(status), locale.Language(lang), emails != 0
	if acc.CreatedAt, err = sqlstore.ParseTime(created); err != nil {
		return Account{}, fmt.Errorf("read account %s: %w", acc.ID, err)
	}
	return acc, nil
}

func parseTimes(created string, expires sql.NullString) (createdAt, expiresAt time.Time, err error) {
	if createdAt, err = sqlstore.ParseTime(created); err != nil {
		return
	}
	if expires.Valid {
		expiresAt, err = sqlstore.ParseTime(expires.String)
	}
	return
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ReasonBootstrapOperator refuses the erasure of the operator account configuration keeps.
const ReasonBootstrapOperator = "BOOTSTRAP_OPERATOR"

// Erase deletes an account with everything the gateway keeps for it, in one transaction:
// its credentials (so every token and session stops working at once), pending sign-in links
// and sign-up, and the account itself with its name and email. It publishes AccountErased,
// which removes the account's earlier events from the outbox and, once published, from the
// stream (pkg/eventbus). also runs in the same transaction (the audit log's pseudonymisation,
// on the same database). It returns the account as it was; an unknown id is ACCOUNT_NOT_FOUND.
func (s *Store) Erase(ctx context.Context, id string, also func(ctx context.Context, tx *sql.Tx) error) (Account, error) {
	if id == BootstrapOperatorID {
		return Account{}, fault.FailedPrecondition(ReasonBootstrapOperator, "the bootstrap operator cannot be erased")
	}
	var erased Account
	err := s.runner.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error {
		if err := tx.Lock(ctx, "account", id); err != nil {
			return err
		}
		acc, err := scanAccount(tx.SQL.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1`, id))
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM tokens WHERE account_id = $1`,
			`DELETE FROM sign_in_links WHERE account_id = $1`,
			`DELETE FROM accounts WHERE id = $1`,
		} {
			if _, err := tx.SQL.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("erase account: %w", err)
			}
		}
		if acc.Email != "" {
			if _, err := tx.SQL.ExecContext(ctx, `DELETE FROM signups WHERE email = $1`, strings.ToLower(acc.Email)); err != nil {
				return fmt.Errorf("erase account: %w", err)
			}
		}
		ev, err := eventbus.NewEvent(eventbus.ProducerAccount, id, &accountv1.AccountErased{AccountId: id}, s.now())
		if err != nil {
			return err
		}
		if err := tx.Publish(ctx, ev); err != nil {
			return err
		}
		if also != nil {
			if err := also(ctx, tx.SQL); err != nil {
				return err
			}
		}
		erased = acc
		return nil
	})
	return erased, err
}

// PurgeExpired deletes the sign-ups and sign-in links expired at now, with the emails and names
// pending sign-ups hold, and tells how many rows went. Expired ones are also dropped as new
// ones are made; this bounds how long an abandoned sign-up is kept when nobody signs up after.
func (s *Store) PurgeExpired(ctx context.Context) (int, error) {
	now := sqlstore.FormatTime(s.now())
	purged := 0
	for _, q := range []string{`DELETE FROM signups WHERE expires_at <= $1`, `DELETE FROM sign_in_links WHERE expires_at <= $1`} {
		res, err := s.db.ExecContext(ctx, q, now)
		if err != nil {
			return purged, fmt.Errorf("purge expired: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return purged, err
		}
		purged += int(n)
	}
	return purged, nil
}
