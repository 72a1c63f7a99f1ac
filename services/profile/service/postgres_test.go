package service_test

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// withPassword returns databaseURL and the password it carries: its own, or, when it names a
// user without one, a made-up one (the test server trusts local connections and never asks for
// it). The password is "" when the URL names no user.
func withPassword(t *testing.T, databaseURL string) (string, string) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	if u.User == nil || u.User.Username() == "" {
		return databaseURL, ""
	}
	if pw, ok := u.User.Password(); ok {
		return databaseURL, pw
	}
	const made = "never-in-the-logs-7d1f"
	u.User = url.UserPassword(u.User.Username(), made)
	return u.String(), made
}

// Given a database URL the service keeps its profiles in PostgreSQL, end to end: over gRPC in,
// through the outbox onto JetStream out, with nothing written to the data directory, and its
// logs name the database without its password.
func TestRunsOnPostgreSQL(t *testing.T) {
	databaseURL, password := withPassword(t, sqltest.PostgresURL(t))
	h := startOn(t, databaseURL)
	owner := as("cons-1", "CONSULTANT")

	created := h.create(t, owner)
	id := created.GetId()
	if got := h.read(t, owner, id); !proto.Equal(got, created) {
		t.Fatalf("read back %v\nwant %v", got, created)
	}

	// A replacement locks the profile (an advisory lock, PostgreSQL only), reads it and writes it back.
	replaced, err := h.client.ReplaceProfile(owner, replaceRequest(id))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.read(t, owner, id); !proto.Equal(got, replaced.GetProfile()) || got.GetDailyRateEur() != 1500 {
		t.Fatalf("read back %v\nwant %v", got, replaced.GetProfile())
	}

	// The relay publishes from the PostgreSQL outbox, in commit order.
	eventually(t, "two events on the PROFILE stream", func() bool { return len(h.streamEvents(t, "PROFILE")) >= 2 })
	var types []string
	for _, e := range h.streamEvents(t, "PROFILE") {
		types = append(types, e.Envelope.GetType())
		if e.Envelope.GetAggregateId() != id {
			t.Errorf("%s about %s, want %s", e.Envelope.GetType(), e.Envelope.GetAggregateId(), id)
		}
	}
	if got := strings.Join(types, ","); got != "ProfileRegistered,ProfileUpdated" {
		t.Fatalf("PROFILE stream: %s", got)
	}

	// The rows are in PostgreSQL; the data directory holds no SQLite database.
	db := sqltest.OpenAt(t, databaseURL, "")
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM profiles WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
		t.Fatalf("PostgreSQL holds %d rows of profile %s (%v)", n, id, err)
	}
	if _, err := os.Stat(filepath.Join(h.dataDir, "profile.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a SQLite database was created in the data directory (%v)", err)
	}

	// The logs say which database, without its password.
	logs := h.logs.String()
	if want := `"backend":"postgres","database":"` + sqlstore.RedactURL(databaseURL) + `"`; !strings.Contains(logs, want) {
		t.Errorf("logs do not name the database (%s):\n%s", want, logs)
	}
	if password != "" && strings.Contains(logs, password) {
		t.Errorf("logs leak the database password:\n%s", logs)
	}
}

// Without a database URL the service keeps its SQLite database in the data directory, and says
// so.
func TestRunsOnSQLiteByDefault(t *testing.T) {
	h := start(t)
	h.create(t, as("cons-1", "CONSULTANT"))
	path := filepath.Join(h.dataDir, "profile.db")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no SQLite database in the data directory: %v", err)
	}
	if want := `"backend":"sqlite","database":"` + path + `"`; !strings.Contains(h.logs.String(), want) {
		t.Errorf("logs do not name the database (%s):\n%s", want, h.logs.String())
	}
}
