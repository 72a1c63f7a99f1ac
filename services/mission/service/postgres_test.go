package service_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/mission/service"
)

// With a DatabaseURL the service keeps its data in PostgreSQL: a mission created over gRPC
// reads back, and its MissionSubmitted is relayed from the PostgreSQL outbox to JetStream.
func TestRunsOnPostgreSQL(t *testing.T) {
	// Made before the service starts, so that its schema is dropped after the service stops.
	databaseURL := sqltest.PostgresURL(t)
	h := start(t, func(c *service.Config) { c.DatabaseURL = databaseURL })
	firm := as("firm-1", "FIRM")

	created, err := h.client.CreateMission(firm, createRequest())
	if err != nil {
		t.Fatal(err)
	}
	m := created.GetMission()
	got, err := h.client.GetMission(firm, &missionv1.GetMissionRequest{Id: m.GetId()})
	if err != nil || !proto.Equal(got.GetMission(), m) {
		t.Fatalf("read back %v (%v), want %v", got.GetMission(), err, m)
	}
	eventually(t, "MissionSubmitted on the MISSION stream", func() bool {
		return len(h.streamEvents(t, "MISSION")) >= 1
	})
	first := h.streamEvents(t, "MISSION")[0]
	if sub, ok := first.Payload.(*missionv1.MissionSubmitted); !ok || !proto.Equal(sub.GetMission(), m) {
		t.Fatalf("first MISSION event = %v, want MissionSubmitted of %v", first.Payload, m)
	}

	// The mission and its relayed event are in PostgreSQL.
	db := sqltest.OpenAt(t, databaseURL, "")
	var missions, relayed int
	if err := db.QueryRow(`SELECT COUNT(*) FROM missions WHERE id = $1`, m.GetId()).Scan(&missions); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the outbox row to be marked sent", func() bool {
		return db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL`).Scan(&relayed) == nil && relayed == 1
	})
	if missions != 1 {
		t.Fatalf("%d rows of the mission in PostgreSQL", missions)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, `"backend":"postgres","database":"`+sqlstore.RedactURL(databaseURL)+`"`) {
		t.Errorf("the backend and the redacted URL are not logged:\n%s", logs)
	}
}

// A database URL's password appears neither in the logs nor in the error of a service that
// cannot reach its database.
func TestDatabaseURLPasswordIsNeverShown(t *testing.T) {
	const password = "hunter2-do-not-show"
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &eventbustest.SyncBuffer{}
	err = service.Run(context.Background(), servicehost.Host{
		Name: service.Name, DataDir: t.TempDir(), TracerProvider: noop.NewTracerProvider(),
		Logger:   slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Listener: lis,
	}, service.Config{DatabaseURL: "postgres://mission:" + password + "@127.0.0.1:1/missions?connect_timeout=2&password=" + password})
	if err == nil {
		t.Fatal("the service ran without its database")
	}
	if !strings.Contains(err.Error(), "postgres://mission@127.0.0.1:1/missions") {
		t.Errorf("the error does not tell which database: %v", err)
	}
	if strings.Contains(err.Error(), password) || strings.Contains(logs.String(), password) {
		t.Fatalf("the password is shown: %v\n%s", err, logs.String())
	}
}
