//go:build unix

package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// PostgresMode says which PostgreSQL server the cluster uses.
type PostgresMode string

const (
	// PostgresAuto uses the server at the configured URL, or a private one when that server is
	// unreachable and the PostgreSQL server binaries are installed.
	PostgresAuto PostgresMode = "auto"
	// PostgresExternal uses only the server at the configured URL.
	PostgresExternal PostgresMode = "external"
	// PostgresPrivate always runs a private server under the state directory.
	PostgresPrivate PostgresMode = "private"
)

const (
	// EnvPostgresURL names the variable holding the server's URL.
	EnvPostgresURL = "CAIOMATCH_CLUSTER_POSTGRES_URL"
	// DefaultPostgresURL is the server of the development and CI machines: trust
	// authentication, user postgres.
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
)

// privatePostgresMaxConnections leaves room for ten processes (eight service replicas, two
// gateways) with pools of up to 16 connections each, beside administrative sessions.
const privatePostgresMaxConnections = 200

// validPrefix keeps database names plain identifiers (no quoting surprises) within
// PostgreSQL's 63 bytes once "_notification", the longest component, is appended.
var validPrefix = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,49}$`)

// databaseName is the database of a component: <prefix>_<component>.
func (c *Cluster) databaseName(k Kind) string { return c.state.DatabasePrefix + "_" + string(k) }

// databaseURL is the server's URL naming the component's database.
func (c *Cluster) databaseURL(k Kind) string {
	u, err := url.Parse(c.state.Postgres.ServerURL)
	if err != nil {
		return "" // checked when the server was chosen
	}
	u.Path = "/" + c.databaseName(k)
	return u.String()
}

// choosePostgres settles, at the first start, which server the cluster uses.
func (c *Cluster) choosePostgres(ctx context.Context, mode PostgresMode, serverURL string) error {
	pg := &c.state.Postgres
	pg.Mode = mode
	if mode != PostgresPrivate {
		if _, err := url.Parse(serverURL); err != nil {
			return fmt.Errorf("PostgreSQL URL %s: %w", sqlstore.RedactURL(serverURL), err)
		}
		err := postgresReachable(ctx, serverURL)
		if err == nil {
			pg.ServerURL = serverURL
			return nil
		}
		if mode == PostgresExternal {
			return fmt.Errorf("PostgreSQL at %s is unreachable: %w; start it, set %s to a reachable server, or use a private server",
				sqlstore.RedactURL(serverURL), err, EnvPostgresURL)
		}
		if _, binErr := privatePostgresBinaries(); binErr != nil {
			return fmt.Errorf("PostgreSQL at %s is unreachable (%w), and no private server can be run instead: %w",
				sqlstore.RedactURL(serverURL), err, binErr)
		}
		c.logger.Info("PostgreSQL unreachable: running a private server instead",
			"url", sqlstore.RedactURL(serverURL), "error", err.Error())
	}
	binDir, err := privatePostgresBinaries()
	if err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		if _, err := postgresCredential(); err != nil {
			return err
		}
	}
	pg.Private = true
	pg.ServerURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.layout.privatePostgresPort())
	c.state.Binaries.PostgresBinDir = binDir
	return nil
}

func postgresReachable(ctx context.Context, serverURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	db, err := sqlstore.OpenPostgres(ctx, serverURL)
	if err != nil {
		return err
	}
	return db.Close()
}

// privatePostgresBinaries finds the directory holding initdb and postgres: the newest
// /usr/lib/postgresql/<version>/bin (Debian, Ubuntu), or the one of initdb on PATH.
func privatePostgresBinaries() (string, error) {
	candidates, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(candidates, func(a, b string) int { // newest major version first
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	if initdb, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(initdb))
	}
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("the PostgreSQL server binaries (initdb, postgres) are not installed: install them " +
		"(e.g. apt-get install postgresql), or point " + EnvPostgresURL + " at a running server")
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}

// postgresCredential is the identity the private server runs as when this program runs as
// root: initdb and postgres refuse root, so they run as the system's postgres user.
func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root: the private PostgreSQL server cannot run as root and there is no "+
			"postgres user to run it as (%v); run as a regular user, or point %s at a running server", err, EnvPostgresURL)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// privatePostgresDir holds the private server: its data directory (data/), as its working
// directory.
func (c *Cluster) privatePostgresDir() string { return c.layout.processDir(string(KindPostgres)) }

func (c *Cluster) postgresSpec() (spec, error) {
	if !c.state.Postgres.Private {
		return spec{}, errors.New("no process \"postgres\": the cluster uses an external PostgreSQL server")
	}
	port := c.layout.privatePostgresPort()
	dir := c.privatePostgresDir()
	return spec{
		name: string(KindPostgres), kind: KindPostgres,
		binary: filepath.Join(c.state.Binaries.PostgresBinDir, "postgres"),
		// Loopback TCP only: no Unix socket, whose path would be too long under a test's
		// temporary directory and might collide with the system server's.
		args: []string{"-D", filepath.Join(dir, "data"), "-p", strconv.Itoa(port),
			"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
			"-c", fmt.Sprintf("max_connections=%d", privatePostgresMaxConnections)},
		dir:   dir,
		addr:  fmt.Sprintf("127.0.0.1:%d", port),
		ports: []int{port},
	}, nil
}

// initPrivatePostgres creates the private server's data directory at its first start.
func (c *Cluster) initPrivatePostgres(ctx context.Context) error {
	dir := c.privatePostgresDir()
	dataDir := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	credential, err := c.postgresRunAs()
	if err != nil {
		return err
	}
	if credential != nil {
		for _, path := range []string{dir, dataDir} {
			if err := os.Chown(path, int(credential.Uid), int(credential.Gid)); err != nil {
				return err
			}
		}
	}
	c.logger.Info("initialising the private PostgreSQL server", "data_dir", dataDir)
	cmd := exec.CommandContext(ctx, filepath.Join(c.state.Binaries.PostgresBinDir, "initdb"),
		"-D", dataDir, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-instructions")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: credential}
	if out, err := cmd.CombinedOutput(); err != nil {
		hint := ""
		if credential != nil {
			hint = fmt.Sprintf(" (it runs as user postgres, which needs to reach %s)", dataDir)
		}
		return fmt.Errorf("initdb%s: %w\n%s", hint, err, out)
	}
	return nil
}

// postgresRunAs is the credential of the private server's processes: nil (this user) unless
// this program runs as root.
func (c *Cluster) postgresRunAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	return postgresCredential()
}

// ensureDatabases creates each component's database when missing and records those it
// created, which a wipe drops.
func (c *Cluster) ensureDatabases(ctx context.Context) error {
	db, err := sqlstore.OpenPostgres(ctx, c.state.Postgres.ServerURL)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, k := range DatabaseComponents {
		name := c.databaseName(k)
		var exists bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
			return fmt.Errorf("look for database %s: %w", name, err)
		}
		if exists {
			continue
		}
		if _, err := db.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
		c.logger.Info("database created", "database", name, "server", sqlstore.RedactURL(c.state.Postgres.ServerURL))
		if !slices.Contains(c.state.Postgres.CreatedDatabases, name) {
			c.state.Postgres.CreatedDatabases = append(c.state.Postgres.CreatedDatabases, name)
		}
		if err := c.save(); err != nil {
			return err
		}
	}
	return nil
}

// dropDatabases drops the databases the cluster created on an external server; a private
// server goes with the state directory.
func (c *Cluster) dropDatabases(ctx context.Context) error {
	pg := c.state.Postgres
	if pg.Private || len(pg.CreatedDatabases) == 0 {
		return nil
	}
	db, err := sqlstore.OpenPostgres(ctx, pg.ServerURL)
	if err != nil {
		return fmt.Errorf("drop databases %v: %w", pg.CreatedDatabases, err)
	}
	defer db.Close()
	var errs []error
	for _, name := range pg.CreatedDatabases {
		if !validDatabaseName(name) {
			errs = append(errs, fmt.Errorf("not dropping %q: not a name this program makes", name))
			continue
		}
		// Every process of the cluster is stopped by now; FORCE ends any session left over
		// (a psql someone opened on it).
		if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			errs = append(errs, fmt.Errorf("drop database %s: %w", name, err))
			continue
		}
		c.logger.Info("database dropped", "database", name)
	}
	return errors.Join(errs...)
}

// validDatabaseName accepts <prefix>_<component> names.
func validDatabaseName(name string) bool {
	for _, k := range DatabaseComponents {
		if prefix, ok := strings.CutSuffix(name, "_"+string(k)); ok && validPrefix.MatchString(prefix) {
			return true
		}
	}
	return false
}

// removeStateDir deletes the state directory, but only one that is a cluster's (it holds
// state.json), so a mistyped -state never deletes anything else.
func removeStateDir(stateDir string, logger *slog.Logger) error {
	if _, err := os.Stat(filepath.Join(stateDir, stateFile)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("not deleting %s: it holds no %s", stateDir, stateFile)
		}
		return err
	}
	if err := os.RemoveAll(stateDir); err != nil {
		return err
	}
	logger.Info("state directory deleted", "dir", stateDir)
	return nil
}
