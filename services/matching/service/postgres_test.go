package service_test

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/matching/service"
)

// TestShortlistOnPostgreSQL runs the service with a database URL, on a fresh schema of the test
// PostgreSQL server (skipped when it is unreachable, failed under CI=true): profiles and a
// mission become a READY shortlist, stored in PostgreSQL (and no SQLite file), and its
// ShortlistProposed is published through the outbox.
func TestShortlistOnPostgreSQL(t *testing.T) {
	databaseURL := sqltest.PostgresURL(t)
	b := startBus(t)
	logs := &eventbustest.SyncBuffer{}
	b.logger = slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), logs), &slog.HandlerOptions{Level: slog.LevelInfo}))
	e := b.startMatching(t, service.Config{DatabaseURL: databaseURL, ExposureCap: service.None})

	e.registerABC(t)
	e.publish(t, eventbus.ProducerMission, "m-1", &missionv1.MissionSubmitted{Mission: testMission("m-1", "firm-1")})

	resp := e.readyShortlist(t, "m-1")
	if resp.GetStatus() != matchingv1.ShortlistStatus_SHORTLIST_STATUS_READY || resp.GetRevision() != 1 ||
		resp.GetEligibleCount() != 2 || resp.GetScoringVersion() != scoringVersion {
		t.Fatalf("shortlist = %v; want READY, revision 1, 2 eligible", resp)
	}
	assertCandidates(t, resp.GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pB, scoreB})

	var proposed []*matchingv1.ShortlistProposed
	eventually(t, "ShortlistProposed on the MATCHING stream", func() bool {
		proposed = e.proposals(t, "m-1")
		return len(proposed) == 1
	})
	if p := proposed[0]; p.GetRevision() != 1 || p.GetFirmId() != "firm-1" || p.GetEligibleCount() != 2 {
		t.Fatalf("ShortlistProposed = %v", p)
	}
	assertCandidates(t, proposed[0].GetCandidates(), wantCandidate{pA, scoreA}, wantCandidate{pB, scoreB})

	// The shortlist is in PostgreSQL, its event relayed from the outbox there.
	db := sqltest.OpenAt(t, databaseURL, "")
	var revision, candidates, unpublished int
	if err := db.QueryRowContext(t.Context(), `SELECT current_revision FROM missions WHERE id = 'm-1'`).Scan(&revision); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM shortlist_candidates WHERE mission_id = 'm-1' AND revision = 1`).
		Scan(&candidates); err != nil {
		t.Fatal(err)
	}
	if revision != 1 || candidates != 2 {
		t.Fatalf("PostgreSQL holds m-1 at revision %d with %d candidates, want 1 and 2", revision, candidates)
	}
	eventually(t, "the outbox to be relayed", func() bool {
		err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL`).Scan(&unpublished)
		return err == nil && unpublished == 0
	})
	if _, err := os.Stat(filepath.Join(b.dir, service.Name+".db")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a SQLite database was created beside PostgreSQL: %v", err)
	}

	// The log names the backend and the server, never a password.
	e.stop()
	out := logs.String()
	if !strings.Contains(out, "backend=postgres") || !strings.Contains(out, sqlstore.RedactURL(databaseURL)) {
		t.Errorf("no log line names the PostgreSQL database:\n%s", out)
	}
	if u, err := url.Parse(databaseURL); err == nil {
		if password, set := u.User.Password(); set && password != "" && strings.Contains(out, password) {
			t.Error("the log shows the database password")
		}
	}
}
