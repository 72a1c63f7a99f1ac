// Package pseudonym makes the keyed pseudonyms that replace an erased person's ids wherever a
// record of what happened must remain (decision trails, offers, plans), and keeps the key:
// one per installation, generated at first start unless configured, never a built-in one.
package pseudonym

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Prefix starts every pseudonym, so that a reader of a trail sees the id was erased.
const Prefix = "erased-"

// EnvKey is the environment variable that sets the key; unset, KeyFile in the data directory
// holds a generated one.
const (
	EnvKey   = "CAIOMATCH_PSEUDONYM_KEY"
	KeyFile  = "pseudonym.key"
	MinChars = 16 // an HMAC key shorter than this is guessable
)

// Key keys the pseudonyms (HMAC-SHA256). Every service of an installation must use the same
// key, so that one person has one pseudonym everywhere.
type Key []byte

// Of is id's pseudonym: Prefix and the first 16 hex digits of HMAC-SHA256(key, id). Two records
// about one person keep telling it, but without the key nobody can check whether a given id is
// behind a pseudonym. Of is idempotent on pseudonyms: erasing twice changes nothing.
func (k Key) Of(id string) string {
	if IsPseudonym(id) {
		return id
	}
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte(id))
	return Prefix + hex.EncodeToString(mac.Sum(nil))[:16]
}

// IsPseudonym reports whether id is already a pseudonym.
func IsPseudonym(id string) bool { return strings.HasPrefix(id, Prefix) }

// Load returns the configured key, or else the installation's key kept in dataDir/KeyFile,
// generating it (32 random bytes, mode 0600) at first use. Two processes starting together on
// one data directory end up with the same key: the file is created by a link that only one of
// them can win. generated tells whether this call made the key.
func Load(configured, dataDir string) (key Key, generated bool, err error) {
	if configured != "" {
		if len(configured) < MinChars {
			return nil, false, fmt.Errorf("%s is shorter than %d characters", EnvKey, MinChars)
		}
		return Key(configured), false, nil
	}
	if dataDir == "" {
		return nil, false, fmt.Errorf("no data directory to keep the pseudonym key in: set %s", EnvKey)
	}
	file := filepath.Join(dataDir, KeyFile)
	if k, err := read(file); err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, false, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("pseudonym key directory: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, err
	}
	tmp, err := os.CreateTemp(dataDir, ".pseudonym-key-*")
	if err != nil {
		return nil, false, fmt.Errorf("pseudonym key: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600.
	if _, err := tmp.WriteString(hex.EncodeToString(raw) + "\n"); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("pseudonym key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("pseudonym key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("pseudonym key: %w", err)
	}
	if err := os.Link(tmp.Name(), file); err != nil {
		if errors.Is(err, os.ErrExist) {
			k, err := read(file)
			return k, false, err
		}
		return nil, false, fmt.Errorf("pseudonym key: %w", err)
	}
	k, err := read(file)
	return k, err == nil, err
}

func read(file string) (Key, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	k := strings.TrimSpace(string(b))
	if len(k) < MinChars {
		return nil, fmt.Errorf("pseudonym key file %s: shorter than %d characters", file, MinChars)
	}
	return Key(k), nil
}
