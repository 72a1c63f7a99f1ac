//go:build unix

package cluster_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/deploy/local/cluster"
	"github.com/caiomatch/caiomatch/deploy/local/cluster/clustertest"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// TestLocalCluster brings a whole cluster up in a temporary state directory on ports of its
// own, takes a mission from submission to shortlist across both gateways (the firm told so by
// the notification service), SIGKILLs one matching and one notification replica and checks the
// others shortlist the next mission and tell the firm, restarts the killed ones, does the same
// with a NATS node, and tears everything down, databases included.
func TestLocalCluster(t *testing.T) {
	serverURL := postgresServer(t)
	began := time.Now()
	binaries, err := cluster.Build(t.Context(), t.TempDir())
	if err != nil {
		t.Fatalf("build the cluster's binaries: %v", err)
	}
	t.Logf("built nats-server, the services and the gateway in %s", time.Since(began).Round(time.Millisecond))

	stateDir := t.TempDir()
	opts := cluster.Options{
		StateDir:       stateDir,
		PortOffset:     clustertest.PortOffset(t),
		Postgres:       cluster.PostgresExternal,
		PostgresURL:    serverURL,
		DatabasePrefix: testDatabasePrefix(time.Now()),
		Binaries:       &binaries,
		DieWithParent:  true,
		Logger:         testLogger(t),
	}
	began = time.Now()
	c, err := cluster.Up(t.Context(), opts)
	t.Cleanup(func() { tearDown(t, stateDir) })
	if err != nil {
		t.Fatalf("cluster up: %v", err)
	}
	t.Logf("cluster up in %s, port offset %d", time.Since(began).Round(time.Millisecond), opts.PortOffset)

	gateways := c.GatewayURLs()
	api := &apiClient{t: t, http: &http.Client{Timeout: 15 * time.Second}}
	operator := c.OperatorToken()
	firm := api.createAccount(gateways[0], operator, "FIRM", "Acme Pharma")
	consultant := api.createAccount(gateways[1], operator, "CONSULTANT", "Claire Martin")
	profile := api.must(gateways[0], "POST", "/v1/profiles", consultant, profileBody())
	profileID := str(profile, "profile", "id")

	// Submitted through one gateway, read through the other.
	first := api.must(gateways[0], "POST", "/v1/missions", firm, missionBody())
	waitShortlisted(t, api, gateways[1], firm, str(first, "mission", "id"), profileID, 30*time.Second)
	waitNotified(t, api, gateways[0], firm, str(first, "mission", "id"), "shortlist.ready", 30*time.Second)
	// Every process sends its spans to the gateways' trace views: on either gateway, the
	// submission's trace crosses the gateway that took it, mission, matching and notification.
	for _, gateway := range gateways {
		waitForAnswer(t, api, gateway, "/v1/ops/traces?rootNameContains=missions&service=notification&limit=100", operator, 30*time.Second,
			"a mission submission's trace across four services", func(body map[string]any) bool {
				traces, _ := body["traces"].([]any)
				return slices.ContainsFunc(traces, func(tr any) bool {
					services, _ := tr.(map[string]any)["services"].([]any)
					return len(services) >= 4 && slices.Contains(services, any("gateway")) && slices.Contains(services, any("mission")) &&
						slices.Contains(services, any("matching"))
				})
			})
	}

	// One matching and one notification replica die: the others take the work from the shared
	// consumers, and the gateways call the live notification replica. Messages the dead ones
	// had fetched come back after the consumer's AckWait (30 s).
	killedReplicas := []string{"matching-1", "notification-1"}
	for _, name := range killedReplicas {
		if err := c.Kill(name); err != nil {
			t.Fatalf("kill %s: %v", name, err)
		}
	}
	killed := time.Now()
	second := api.must(gateways[1], "POST", "/v1/missions", firm, missionBody())
	waitShortlisted(t, api, gateways[0], firm, str(second, "mission", "id"), profileID, 90*time.Second)
	t.Logf("with %v killed, the next mission was shortlisted %s after the kills", killedReplicas, time.Since(killed).Round(time.Millisecond))
	waitNotified(t, api, gateways[1], firm, str(second, "mission", "id"), "shortlist.ready", 90*time.Second)
	t.Logf("and the firm was told %s after the kills", time.Since(killed).Round(time.Millisecond))

	for _, name := range killedReplicas {
		if err := c.Start(t.Context(), name); err != nil {
			t.Fatalf("restart %s: %v", name, err)
		}
	}
	// A NATS node dies: the streams keep a majority, the services reconnect to the other
	// nodes. Started again, it catches up.
	if err := c.Kill("nats-2"); err != nil {
		t.Fatalf("kill nats-2: %v", err)
	}
	third := api.must(gateways[0], "POST", "/v1/missions", firm, missionBody())
	waitShortlisted(t, api, gateways[1], firm, str(third, "mission", "id"), profileID, 60*time.Second)
	began = time.Now()
	if err := c.Start(t.Context(), "nats-2"); err != nil {
		t.Fatalf("restart nats-2: %v", err)
	}
	t.Logf("nats-2 restarted and the NATS cluster settled in %s", time.Since(began).Round(time.Millisecond))

	before := pids(c.Status())
	for name, pid := range before {
		if pid == 0 {
			t.Errorf("%s is not running after the restart", name)
		}
	}

	// A second Up finds everything running and starts nothing.
	again, err := cluster.Up(t.Context(), opts)
	if err != nil {
		t.Fatalf("second cluster up: %v", err)
	}
	if after := pids(again.Status()); !maps.Equal(before, after) {
		t.Errorf("a second Up changed the processes: before %v, after %v", before, after)
	}

	loaded, err := cluster.Load(stateDir, testLogger(t))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := loaded.Down(t.Context(), true); err != nil {
		t.Fatalf("down -wipe: %v", err)
	}
	for _, p := range c.Status() {
		if p.Alive {
			t.Errorf("%s (pid %d) still runs after Down", p.Name, p.PID)
		}
	}
	if _, err := os.Stat(stateDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("state directory after a wipe: %v, want it gone", err)
	}
	db, err := sqlstore.OpenPostgres(t.Context(), serverURL)
	if err != nil {
		t.Fatalf("reconnect to PostgreSQL: %v", err)
	}
	defer db.Close()
	if left := databasesNamed(t, db, opts.DatabasePrefix); len(left) > 0 {
		t.Errorf("databases left after a wipe: %v", left)
	}
}

// tearDown stops whatever a failed test left running, shows the end of every log when the
// test failed, and wipes the cluster.
func tearDown(t *testing.T, stateDir string) {
	c, err := cluster.Load(stateDir, nil)
	if errors.Is(err, fs.ErrNotExist) {
		return // wiped by the test, or never recorded
	}
	if err != nil {
		t.Errorf("load the cluster to tear it down: %v", err)
		return
	}
	clustertest.LogTails(t, c, 25)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Down(ctx, true); err != nil {
		t.Errorf("tear the cluster down: %v", err)
	}
}

// postgresServer is the test server's URL: CAIOMATCH_TEST_POSTGRES_URL, or the default of
// sqltest. Like the repository's other PostgreSQL tests, the test skips when the server is
// unreachable, except under CI=true, where it fails.
func postgresServer(t *testing.T) string {
	t.Helper()
	serverURL := cmp.Or(os.Getenv(sqltest.EnvPostgresURL), sqltest.DefaultPostgresURL)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	db, err := sqlstore.OpenPostgres(ctx, serverURL)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required when CI=true, but %s is unreachable: %v (start it, or set %s)",
				sqlstore.RedactURL(serverURL), err, sqltest.EnvPostgresURL)
		}
		t.Skipf("skipping the local cluster test: PostgreSQL at %s is unreachable (%v); start PostgreSQL or set %s to run it",
			sqlstore.RedactURL(serverURL), err, sqltest.EnvPostgresURL)
	}
	defer db.Close()
	dropStaleTestDatabases(t, db)
	return serverURL
}

// testDatabaseName matches the databases of this test: caiomatch_test_<unix seconds>_<hex>_<component>.
var testDatabaseName = regexp.MustCompile(`^caiomatch_test_([0-9]+)_[0-9a-f]+_[a-z]+$`)

func testDatabasePrefix(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("caiomatch_test_%d_%s", now.Unix(), hex.EncodeToString(b))
}

// dropStaleTestDatabases drops the databases of runs that died more than an hour ago without
// tearing down (a killed go test), so they do not pile up on a developer's server.
func dropStaleTestDatabases(t *testing.T, db *sql.DB) {
	for _, name := range databasesNamed(t, db, "caiomatch_test_") {
		m := testDatabaseName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if created, err := strconv.ParseInt(m[1], 10, 64); err == nil && time.Since(time.Unix(created, 0)) > time.Hour {
			if _, err := db.ExecContext(t.Context(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err == nil {
				t.Logf("dropped the stale test database %s", name)
			}
		}
	}
}

// databasesNamed lists the databases whose name starts with prefix.
func databasesNamed(t *testing.T, db *sql.DB, prefix string) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, prefix)
	if err != nil {
		t.Fatalf("list databases: %v", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list databases: %v", err)
	}
	return names
}

func pids(statuses []cluster.ProcessStatus) map[string]int {
	m := map[string]int{}
	for _, p := range statuses {
		m[p.Name] = 0
		if p.Alive {
			m[p.Name] = p.PID
		}
	}
	return m
}

// waitShortlisted waits until the mission's shortlist is READY with the profile on it.
func waitShortlisted(t *testing.T, api *apiClient, gateway, token, missionID, profileID string, within time.Duration) {
	t.Helper()
	waitForAnswer(t, api, gateway, "/v1/missions/"+missionID+"/shortlist", token, within,
		fmt.Sprintf("mission %s: a READY shortlist with profile %s", missionID, profileID),
		func(body map[string]any) bool {
			return str(body, "status") == "SHORTLIST_STATUS_READY" && holds(body, "candidates", "profileId", profileID)
		})
}

// waitNotified waits until the caller's notifications hold one of that type about the mission.
func waitNotified(t *testing.T, api *apiClient, gateway, token, missionID, notificationType string, within time.Duration) {
	t.Helper()
	waitForAnswer(t, api, gateway, "/v1/notifications", token, within,
		fmt.Sprintf("mission %s: a %s notification", missionID, notificationType),
		func(body map[string]any) bool {
			notifications, _ := body["notifications"].([]any)
			return slices.ContainsFunc(notifications, func(n any) bool {
				m, _ := n.(map[string]any)
				return str(m, "missionId") == missionID && str(m, "type") == notificationType
			})
		})
}

// waitForAnswer polls GET path until it answers 200 with a body that passes done, for at most
// within; then the test fails naming what it waited for and the last answer.
func waitForAnswer(t *testing.T, api *apiClient, gateway, path, token string, within time.Duration, what string, done func(map[string]any) bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last map[string]any
	for time.Now().Before(deadline) {
		status, body := api.call(gateway, "GET", path, token, nil)
		if last = body; status == http.StatusOK && done(body) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s; last answer %v", what, within, last)
}

// holds tells whether the list body[list] has an object whose field is value.
func holds(body map[string]any, list, field, value string) bool {
	items, _ := body[list].([]any)
	return slices.ContainsFunc(items, func(item any) bool {
		m, _ := item.(map[string]any)
		return str(m, field) == value
	})
}

// apiClient calls the public HTTP API of a gateway.
type apiClient struct {
	t    *testing.T
	http *http.Client
}

func (a *apiClient) call(gateway, method, path, token string, body any) (int, map[string]any) {
	a.t.Helper()
	var payload io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		payload = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(a.t.Context(), method, gateway+path, payload)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s%s: %v", method, gateway, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("%s %s%s: status %d, not JSON: %s", method, gateway, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func (a *apiClient) must(gateway, method, path, token string, body any) map[string]any {
	a.t.Helper()
	status, out := a.call(gateway, method, path, token, body)
	if status != http.StatusOK {
		a.t.Fatalf("%s %s%s: status %d: %v", method, gateway, path, status, out)
	}
	return out
}

// createAccount returns the new account's token.
func (a *apiClient) createAccount(gateway, operatorToken, role, name string) string {
	a.t.Helper()
	return str(a.must(gateway, "POST", "/v1/accounts", operatorToken, map[string]any{"role": role, "name": name}), "token")
}

// missionStart is always in the future, whatever the day the test runs: a start date before
// today is refused.
var missionStart = time.Now().UTC().AddDate(0, 3, 0)

func profileBody() map[string]any {
	return map[string]any{
		"displayName":     "Claire Martin",
		"email":           "claire.martin@example.org",
		"headline":        "Former CTO, led two AI transformations in pharma",
		"sectors":         []string{"C21", "R86"},
		"skills":          []map[string]any{{"id": "ai-strategy", "level": 5}, {"id": "change-management", "level": 4}},
		"yearsExperience": 18,
		"languages":       []string{"fr", "en"},
		"location":        map[string]any{"country": "FR", "city": "Lyon"},
		"workMode":        "WORK_MODE_HYBRID",
		"dailyRateEur":    1400,
		"availableFrom":   missionStart.AddDate(0, 0, -28).Format(time.DateOnly),
	}
}

func missionBody() map[string]any {
	return map[string]any{
		"title":              "Transition CAIO to launch our AI programme",
		"sector":             "C21",
		"missionType":        "MISSION_TYPE_TRANSFORMATION_LAUNCH",
		"requiredSkills":     []string{"ai-strategy", "change-management"},
		"startDate":          missionStart.Format(time.DateOnly),
		"durationMonths":     12,
		"maxDailyRateEur":    1500,
		"languages":          []string{"fr"},
		"location":           map[string]any{"country": "FR", "city": "Lyon"},
		"workMode":           "WORK_MODE_HYBRID",
		"minYearsExperience": 10,
	}
}

// str walks nested objects: str(m, "mission", "id").
func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[k]
	}
	s, _ := cur.(string)
	return s
}

// testLogger writes the cluster's log lines into the test's output.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}
