//go:build unix

package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// stateFile is the cluster's record in its state directory.
const stateFile = "state.json"

// stateVersion changes when state.json changes shape.
const stateVersion = 1

// state is what state.json holds: the settings fixed at the first start, and the processes.
type state struct {
	Version        int           `json:"version"`
	PortOffset     int           `json:"port_offset"`
	DatabasePrefix string        `json:"database_prefix"`
	NATSOnly       bool          `json:"nats_only,omitempty"`
	Postgres       postgresState `json:"postgres"`
	Binaries       Binaries      `json:"binaries"`
	// Processes are every process of the cluster in start order, with the last pid started
	// (which may have died since).
	Processes []ProcessInfo `json:"processes"`
}

// postgresState is the PostgreSQL server the cluster uses.
type postgresState struct {
	// Mode is what was asked for at the first start; Private tells what it resolved to.
	Mode    PostgresMode `json:"mode"`
	Private bool         `json:"private"`
	// ServerURL reaches the server's administrative database; each component's URL names its
	// own database on the same server.
	ServerURL string `json:"server_url"`
	// CreatedDatabases are the databases this cluster created, and so drops when wiped.
	CreatedDatabases []string `json:"created_databases,omitempty"`
}

// ProcessInfo describes one process of the cluster.
type ProcessInfo struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// PID is the process id of the last start; 0 before the first.
	PID int `json:"pid"`
	// Addr is what clients dial: a nats:// URL, a gRPC host:port, the gateway's http:// URL or
	// the PostgreSQL server's host:port.
	Addr string `json:"addr"`
	// MonitorURL is a NATS node's monitoring endpoint.
	MonitorURL string `json:"monitor_url,omitempty"`
	Binary     string `json:"binary"`
	DataDir    string `json:"data_dir"`
	LogPath    string `json:"log_path"`
}

// Binaries are the programs the cluster runs, as absolute paths.
type Binaries struct {
	NATSServer string `json:"nats_server"`
	Profile    string `json:"profile"`
	Mission    string `json:"mission"`
	Matching   string `json:"matching"`
	// Notification is empty in the state of a cluster first started before the service
	// existed: check then refuses it, and Up builds the binaries again.
	Notification string `json:"notification"`
	Gateway      string `json:"gateway"`
	// PostgresBinDir holds initdb and postgres when the cluster runs a private server.
	PostgresBinDir string `json:"postgres_bin_dir,omitempty"`
}

func (b Binaries) of(k Kind) string {
	switch k {
	case KindNATS:
		return b.NATSServer
	case KindProfile:
		return b.Profile
	case KindMission:
		return b.Mission
	case KindMatching:
		return b.Matching
	case KindNotification:
		return b.Notification
	case KindGateway:
		return b.Gateway
	}
	return ""
}

// check wants every program a cluster runs, or only nats-server for a NATS-only one.
func (b Binaries) check(natsOnly bool) error {
	kinds := []Kind{KindNATS, KindProfile, KindMission, KindMatching, KindNotification, KindGateway}
	if natsOnly {
		kinds = kinds[:1]
	}
	for _, k := range kinds {
		path := b.of(k)
		if path == "" || !filepath.IsAbs(path) {
			return fmt.Errorf("binary of %s: want an absolute path, got %q", k, path)
		}
		if info, err := os.Stat(path); err != nil {
			return fmt.Errorf("binary of %s: %w", k, err)
		} else if info.Mode()&0o111 == 0 {
			return fmt.Errorf("binary of %s: %s is not executable", k, path)
		}
	}
	return nil
}

// readState reads state.json; fs.ErrNotExist when the directory holds no cluster.
func readState(stateDir string) (state, error) {
	var s state
	data, err := os.ReadFile(filepath.Join(stateDir, stateFile))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(stateDir, stateFile), err)
	}
	if s.Version != stateVersion {
		return s, fmt.Errorf("%s: version %d, this program reads version %d: stop that cluster with the program that started it, or delete the directory",
			filepath.Join(stateDir, stateFile), s.Version, stateVersion)
	}
	return s, nil
}

// writeState replaces state.json atomically: a crash leaves the old or the new record.
func writeState(stateDir string, s state) error {
	s.Version = stateVersion
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(stateDir, stateFile+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(stateDir, stateFile))
}

// secrets are generated at the first start and kept in <state>/secrets, readable by the
// current user only.
type secrets struct {
	InternalKey   string // CAIOMATCH_INTERNAL_KEY, shared by every process
	OperatorToken string // CAIOMATCH_OPERATOR_TOKEN of both gateways
	PseudonymKey  string // CAIOMATCH_PSEUDONYM_KEY of every process
}

// secretFiles name each secret's file.
const (
	internalKeyFile   = "internal.key"
	operatorTokenFile = "operator.token"
	pseudonymKeyFile  = "pseudonym.key"
)

func secretsDir(stateDir string) string { return filepath.Join(stateDir, "secrets") }

// loadSecrets reads the secrets, generating the missing ones when create.
func loadSecrets(stateDir string, create bool) (secrets, error) {
	dir := secretsDir(stateDir)
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return secrets{}, err
		}
	}
	read := func(file string) (string, error) {
		path := filepath.Join(dir, file)
		data, err := os.ReadFile(path)
		if err == nil {
			return strings.TrimSpace(string(data)), nil
		}
		if !create || !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		value := hex.EncodeToString(raw)
		// O_EXCL: a secret, once written, is never replaced behind a running process's back.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", err
		}
		if _, err := f.WriteString(value + "\n"); err != nil {
			f.Close()
			return "", err
		}
		return value, f.Close()
	}
	var s secrets
	var err error
	if s.InternalKey, err = read(internalKeyFile); err != nil {
		return s, err
	}
	if s.OperatorToken, err = read(operatorTokenFile); err != nil {
		return s, err
	}
	if s.PseudonymKey, err = read(pseudonymKeyFile); err != nil {
		return s, err
	}
	return s, nil
}

// lockStateDir takes an exclusive lock on the state directory, so that two cluster-up or
// cluster-down never interleave; the lock goes with the returned file's close (or the
// process's death).
func lockStateDir(stateDir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(stateDir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by another cluster up or down", stateDir)
		}
		return nil, fmt.Errorf("lock %s: %w", stateDir, err)
	}
	return f, nil
}
