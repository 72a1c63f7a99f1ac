// Package accounts keeps the accounts behind bearer tokens. Tokens are shown once and stored
// only as SHA-256 hashes; they are 256-bit random values, so a fast hash is enough.
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
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// BootstrapOperatorID is the account of the operator token given by configuration.
const BootstrapOperatorID = "operator"

// Account is one authenticated party.
type Account struct {
	ID   string
	Role identity.Role
	Name string
	// Email is the optional contact email ("" when none); never logged.
	Email     string
	CreatedAt time.Time
}

// Store persists accounts and resolves tokens.
type Store struct {
	db *sql.DB
	// cache maps a token hash to its Account. Accounts never change once created, except the
	// bootstrap operator's token, which is never cached: replicas of the gateway share one
	// database, and one of them replacing that token must end the old one on all of them.
	cache sync.Map
	newID func() string
}

// Migrations are the accounts table, applied where the gateway opens its database
// (servicehost.OpenDatabase).
func Migrations() sqlstore.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.MigrationSet{Name: "accounts", FS: sub}
}

// New is the store over db, migrated with Migrations.
func New(db *sql.DB, newID func() string) *Store {
	return &Store{db: db, newID: newID}
}

// HashToken is how a token is stored and looked up.
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

// EnsureOperator makes token the bootstrap operator's token, replacing an older one.
//
// Replicas starting together run it at once. On PostgreSQL, ON CONFLICT settles only the clash
// on id; the other replica's uncommitted row with the same token hash makes this insert wait and
// then fail on the token's unique index. Once that row is committed the statement takes the
// ON CONFLICT path, so it is tried again.
func (s *Store) EnsureOperator(ctx context.Context, token string) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		_, err = s.db.ExecContext(ctx, `INSERT INTO accounts (id, role, name, token_hash, created_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash`,
			BootstrapOperatorID, string(identity.RoleOperator), "Platform operator", HashToken(token),
			sqlstore.FormatTime(time.Now()))
		if err == nil || !strings.Contains(err.Error(), "SQLSTATE 23505") {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("bootstrap operator: %w", err)
	}
	return nil
}

// Create stores a new account and returns it with its token. email may be empty.
func (s *Store) Create(ctx context.Context, role identity.Role, name, email string) (Account, string, error) {
	token, err := NewToken()
	if err != nil {
		return Account{}, "", err
	}
	acc := Account{ID: s.newID(), Role: role, Name: name, Email: email, CreatedAt: time.Now().UTC()}
	_, err = s.db.ExecContext(ctx, `INSERT INTO accounts (id, role, name, email, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		acc.ID, string(acc.Role), acc.Name, acc.Email, HashToken(token), sqlstore.FormatTime(acc.CreatedAt))
	if err != nil {
		return Account{}, "", fmt.Errorf("create account: %w", err)
	}
	return acc, token, nil
}

// Get finds an account by id.
func (s *Store) Get(ctx context.Context, id string) (Account, error) {
	return s.scanOne(ctx, `SELECT id, role, name, email, created_at FROM accounts WHERE id = $1`, id)
}

// Authenticate resolves a bearer token.
func (s *Store) Authenticate(ctx context.Context, token string) (Account, error) {
	hash := HashToken(token)
	if acc, ok := s.cache.Load(hash); ok {
		return acc.(Account), nil
	}
	acc, err := s.scanOne(ctx, `SELECT id, role, name, email, created_at FROM accounts WHERE token_hash = $1`, hash)
	if err != nil {
		if fault.KindOf(err) == fault.KindNotFound {
			return Account{}, fault.Unauthenticated(ReasonInvalidToken, "invalid bearer token")
		}
		return Account{}, err
	}
	if acc.ID != BootstrapOperatorID {
		s.cache.Store(hash, acc)
	}
	return acc, nil
}

// Reasons clients can branch on.
const (
	ReasonInvalidToken    = "INVALID_TOKEN"
	ReasonMissingToken    = "MISSING_TOKEN"
	ReasonAccountNotFound = "ACCOUNT_NOT_FOUND"
)

func (s *Store) scanOne(ctx context.Context, query string, arg string) (Account, error) {
	var acc Account
	var role, created string
	err := s.db.QueryRowContext(ctx, query, arg).Scan(&acc.ID, &role, &acc.Name, &acc.Email, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fault.NotFound(ReasonAccountNotFound, "account not found")
	}
	if err != nil {
		return Account{}, fmt.Errorf("read account: %w", err)
	}
	acc.Role = identity.Role(role)
	if acc.CreatedAt, err = sqlstore.ParseTime(created); err != nil {
		return Account{}, fmt.Errorf("read account %s: %w", acc.ID, err)
	}
	return acc, nil
}
