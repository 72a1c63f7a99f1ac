package malformed_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	matching "github.com/caiomatch/caiomatch/services/matching/service"
)

// full is CAIOMATCH_FAULTS=full (make faults); otherwise the short version CI runs.
var full = os.Getenv("CAIOMATCH_FAULTS") == "full"

const (
	consumerName = eventbus.ConsumerMatchingMissions
	// caseHeader is a header of our own on every malformed message: the dead-letter copy must
	// keep it.
	caseHeader = "Faults-Malformed-Case"
	profiles   = 30
)

func TestMalformedEventsAreDeadLetteredOthersProcessedOnce(t *testing.T) {
	total, bad := 1000, 1
	if full {
		total, bad = 10000, 10
	}
	ctx := t.Context()
	dir := t.TempDir()
	emb, err := eventbus.StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	js := connect(t, emb, "malformed-test")
	if err := eventbus.EnsureStreams(ctx, js, eventbus.StreamSettings{}); err != nil {
		t.Fatal(err)
	}

	// A few consultants, so that missions are really ranked.
	var lastProfile uint64
	for range profiles {
		lastProfile = publish(t, js, validProfile(t)).Sequence
	}
	stop := startMatching(t, emb, dir)
	waitConsumed(t, js, eventbus.StreamOf(eventbus.ProducerProfile), eventbus.ConsumerMatchingProfiles, lastProfile, 30*time.Second)

	// The burst: valid missions with the malformed messages spread among them.
	msgs, valid, malformed := burst(t, total, bad)
	started := time.Now()
	var lastSeq uint64
	for _, m := range msgs {
		lastSeq = publish(t, js, m).Sequence
	}
	published := time.Since(started)
	waitConsumed(t, js, eventbus.StreamOf(eventbus.ProducerMission), consumerName, lastSeq, 30*time.Minute)
	drain := time.Since(started)

	// Not stuck: a mission submitted after the burst is handled at once.
	fresh := validMission(t, "mf-fresh")
	freshAt := time.Now()
	freshSeq := publish(t, js, fresh).Sequence
	waitConsumed(t, js, eventbus.StreamOf(eventbus.ProducerMission), consumerName, freshSeq, 30*time.Second)
	freshLatency := time.Since(freshAt)
	valid[fresh.Header.Get(jetstream.MsgIDHeader)] = missionIDOf(fresh)

	// Every message, malformed ones included, was delivered once: no retry, no redelivery.
	info := consumerInfo(t, js, eventbus.StreamOf(eventbus.ProducerMission), consumerName)
	deliveries := info.Delivered.Consumer
	if want := uint64(total + 1); deliveries != want {
		t.Errorf("the consumer made %d deliveries for %d messages, want one each", deliveries, want)
	}
	stop()

	// Each valid event claimed in the service's inbox, and nothing else; its effect, the
	// mission's first shortlist, stored.
	claimed, shortlisted := serviceState(t, filepath.Join(dir, matching.Name+".db"))
	for id := range claimed {
		if _, ok := valid[id]; !ok {
			t.Errorf("inbox claims event %s, which is not one of the valid events", id)
		}
	}
	for id, missionID := range valid {
		if !claimed[id] {
			t.Errorf("valid event %s was not processed", id)
		}
		if !shortlisted[missionID] {
			t.Errorf("mission %s has no first shortlist", missionID)
		}
	}
	if len(shortlisted) != len(valid) {
		t.Errorf("%d missions shortlisted, want %d", len(shortlisted), len(valid))
	}

	// Each malformed message is on the dead-letter subject, once, as it was published.
	dead := readStream(t, js, eventbus.DeadLetterStream, "")
	if len(dead) != bad {
		t.Errorf("DEADLETTER holds %d messages, want %d", len(dead), bad)
	}
	seen := map[string]int{}
	for _, d := range dead {
		c := d.Header.Get(caseHeader)
		seen[c]++
		orig, ok := malformed[c]
		switch {
		case !ok:
			t.Errorf("dead letter %q is not one of the malformed messages", c)
			continue
		case d.Subject != eventbus.DeadLetterSubject(consumerName):
			t.Errorf("%s dead-lettered on %s, want %s", c, d.Subject, eventbus.DeadLetterSubject(consumerName))
		case d.Header.Get("Caiomatch-Original-Subject") != orig.Subject:
			t.Errorf("%s: original subject %q, want %q", c, d.Header.Get("Caiomatch-Original-Subject"), orig.Subject)
		case !bytes.Equal(d.Data, orig.Data):
			t.Errorf("%s: dead-letter body differs from the published one", c)
		case !strings.HasPrefix(d.Header.Get("Caiomatch-Dead-Letter-Reason"), "undecodable"):
			t.Errorf("%s: reason %q, want undecodable (dead-lettered at once, not after retries)", c, d.Header.Get("Caiomatch-Dead-Letter-Reason"))
		}
	}
	for c := range malformed {
		if seen[c] != 1 {
			t.Errorf("malformed %s is %d times in DEADLETTER, want once", c, seen[c])
		}
	}
	if info.NumPending != 0 || info.NumAckPending != 0 || info.NumRedelivered != 0 {
		t.Errorf("consumer left %d pending, %d unacknowledged, %d redelivered", info.NumPending, info.NumAckPending, info.NumRedelivered)
	}

	fmt.Printf("FIGURES malformed events=%d malformed=%d processed=%d/%d deliveries=%d dead_lettered=%d subject=%s "+
		"publish=%s drain=%s rate=%.0f/s fresh_event_after_drain=%s cases=%s\n",
		total, bad, len(claimed)-1, len(valid)-1, deliveries-1, len(dead), eventbus.DeadLetterSubject(consumerName),
		published.Round(time.Millisecond), drain.Round(time.Millisecond), float64(total)/drain.Seconds(),
		freshLatency.Round(time.Millisecond), strings.Join(slices.Sorted(maps.Keys(malformed)), ","))
}

func connect(t *testing.T, emb *eventbus.Embedded, name string) jetstream.JetStream {
	t.Helper()
	nc, err := emb.Connect(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// startMatching runs the real matching service in-process, as the all-in-one runner does, on its
// own NATS connection; stop ends it and checks it stopped cleanly.
func startMatching(t *testing.T, emb *eventbus.Embedded, dir string) (stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Matching asks the mission service only about missions it has not ranked yet, on a
	// shortlist read; this test makes none, so the address needs nobody behind it.
	nobody, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	missionAddr := nobody.Addr().String()
	nobody.Close()

	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	host := servicehost.Host{Name: matching.Name, DataDir: dir, JetStream: connect(t, emb, matching.Name),
		TracerProvider: noop.NewTracerProvider(), Logger: logger, Listener: lis}
	cfg := matching.Config{}
	cfg.MissionAddr, cfg.ShutdownGrace, cfg.SnapshotInterval = missionAddr, time.Second, matching.None

	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- matching.Run(runCtx, host, cfg) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("matching stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("matching did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	return stop
}

// burst builds total messages, bad of them malformed and spread evenly. It returns them in
// publish order, the valid events (event id → mission id) and the malformed messages by case.
func burst(t *testing.T, total, bad int) ([]*nats.Msg, map[string]string, map[string]*nats.Msg) {
	t.Helper()
	badAt := map[int]bool{}
	for i := range bad {
		badAt[i*total/bad+total/(2*bad)] = true
	}
	var msgs []*nats.Msg
	valid, malformed := map[string]string{}, map[string]*nats.Msg{}
	for i := range total {
		if badAt[i] {
			kind := malformedKinds[len(malformed)%len(malformedKinds)]
			m := &nats.Msg{
				Subject: eventbus.Subject(eventbus.ProducerMission, "MissionSubmitted", fmt.Sprintf("mf-bad-%05d", i)),
				Data:    kind.body(t), Header: nats.Header{},
			}
			c := fmt.Sprintf("%s@%d", kind.name, i)
			m.Header.Set(caseHeader, c)
			m.Header.Set(jetstream.MsgIDHeader, uuid.NewString())
			malformed[c] = m
			msgs = append(msgs, m)
			continue
		}
		m := validMission(t, fmt.Sprintf("mf-%05d", i))
		valid[m.Header.Get(jetstream.MsgIDHeader)] = missionIDOf(m)
		msgs = append(msgs, m)
	}
	return msgs, valid, malformed
}

// malformedKinds are the ways a message on a consumed subject can be unreadable; the short
// version uses the first only.
var malformedKinds = []struct {
	name string
	body func(t *testing.T) []byte
}{
	{"not-protobuf", func(*testing.T) []byte { return []byte("this is not a protobuf envelope \x00\xff\xfe") }},
	{"json", func(*testing.T) []byte { return []byte(`{"mission":{"id":"m-json","firmId":"f"}}`) }},
	{"truncated-envelope", func(t *testing.T) []byte {
		data := envelopeBytes(t, validMissionEnvelope(t, "mf-truncated"))
		return data[:len(data)-7]
	}},
	{"no-event-id", func(t *testing.T) []byte {
		env := validMissionEnvelope(t, "mf-no-id")
		env.EventId = ""
		return envelopeBytes(t, env)
	}},
	{"unknown-payload-type", func(t *testing.T) []byte {
		env := validMissionEnvelope(t, "mf-unknown")
		env.Payload = &anypb.Any{TypeUrl: "type.googleapis.com/caiomatch.mission.v1.NoSuchEvent", Value: []byte{8, 1}}
		return envelopeBytes(t, env)
	}},
	{"no-payload", func(t *testing.T) []byte {
		env := validMissionEnvelope(t, "mf-no-payload")
		env.Payload = nil
		return envelopeBytes(t, env)
	}},
	{"empty", func(*testing.T) []byte { return []byte{} }},
}

func envelopeBytes(t *testing.T, env *eventsv1.Envelope) []byte {
	t.Helper()
	data, err := proto.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// validMission is a MissionSubmitted as the mission service's relay publishes it: a hybrid
// transformation launch in France starting in 60 days, with its event id as Nats-Msg-Id.
func validMission(t *testing.T, missionID string) *nats.Msg {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, missionID, &missionv1.MissionSubmitted{Mission: mission(missionID)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return eventMsg(ev)
}

func validMissionEnvelope(t *testing.T, missionID string) *eventsv1.Envelope {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, missionID, &missionv1.MissionSubmitted{Mission: mission(missionID)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ev.Envelope
}

func eventMsg(ev eventbus.Event) *nats.Msg {
	m := &nats.Msg{Subject: ev.Subject, Data: ev.Data, Header: nats.Header{}}
	m.Header.Set(jetstream.MsgIDHeader, ev.Envelope.GetEventId())
	return m
}

func missionIDOf(m *nats.Msg) string { return m.Subject[strings.LastIndexByte(m.Subject, '.')+1:] }

func mission(id string) *missionv1.Mission {
	return &missionv1.Mission{
		Id: id, FirmId: "firm-malformed", Title: "Transition CAIO", Sector: "C21",
		MissionType:    missionv1.MissionType_MISSION_TYPE_TRANSFORMATION_LAUNCH,
		RequiredSkills: []string{"ai-strategy", "change-management"}, NiceToHaveSkills: []string{"mlops"},
		StartDate: dates.Format(time.Now().AddDate(0, 0, 60)), DurationMonths: 12, MaxDailyRateEur: 1500,
		Languages: []string{"fr"}, Location: &taxonomyv1.Location{Country: "FR", City: "Lyon"},
		WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID, MinYearsExperience: 10,
		Status: missionv1.MissionStatus_MISSION_STATUS_SUBMITTED,
	}
}

func validProfile(t *testing.T) *nats.Msg {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	facts := &profilev1.MatchingFacts{
		ProfileId: id, AccountId: "acct-" + id, Sectors: []string{"C21"}, YearsExperience: 15,
		Languages: []string{"fr", "en"}, Country: "FR", WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		DailyRateEur: 1200, AvailableFrom: dates.Format(time.Now().AddDate(0, 0, 30)),
		Skills: []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 5}, {Id: "change-management", Level: 4}, {Id: "mlops", Level: 3}},
	}
	ev, err := eventbus.NewEvent(eventbus.ProducerProfile, id, &profilev1.ProfileRegistered{Facts: facts}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return eventMsg(ev)
}

func publish(t *testing.T, js jetstream.JetStream, m *nats.Msg) *jetstream.PubAck {
	t.Helper()
	ack, err := js.PublishMsg(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Duplicate {
		t.Fatalf("publish on %s dropped as a duplicate", m.Subject)
	}
	return ack
}

func consumerInfo(t *testing.T, js jetstream.JetStream, stream, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	cons, err := js.Consumer(t.Context(), stream, durable)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// waitConsumed waits until the durable consumer has acknowledged (or terminated) every message
// up to seq and holds none unacknowledged.
func waitConsumed(t *testing.T, js jetstream.JetStream, stream, durable string, seq uint64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if cons, err := js.Consumer(t.Context(), stream, durable); err == nil {
			if info, err := cons.Info(t.Context()); err == nil &&
				info.AckFloor.Stream >= seq && info.NumAckPending == 0 && info.NumPending == 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not consume %s up to sequence %d within %s", durable, stream, seq, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serviceState reads, from the matching service's database once it stopped, the event ids its
// missions consumer claimed in its inbox and the missions that have a first shortlist.
func serviceState(t *testing.T, path string) (claimed, shortlisted map[string]bool) {
	t.Helper()
	db, err := sqlstore.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	read := func(query string, args ...any) map[string]bool {
		rows, err := db.Query(query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]bool{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out[id] = true
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return read(`SELECT event_id FROM processed_events WHERE consumer = $1`, consumerName),
		read(`SELECT mission_id FROM shortlists WHERE revision = 1`)
}

type storedMsg struct {
	Subject string
	Header  nats.Header
	Data    []byte
}

// readStream reads every message of a stream (on subject, if set) with an ordered consumer.
func readStream(t *testing.T, js jetstream.JetStream, stream, subject string) []storedMsg {
	t.Helper()
	ctx := t.Context()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	var opts []jetstream.StreamInfoOpt
	if subject != "" {
		opts = append(opts, jetstream.WithSubjectFilter(subject))
	}
	info, err := s.Info(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	want := int(info.State.Msgs)
	var filter []string
	if subject != "" {
		want = 0
		for _, c := range info.State.Subjects {
			want += int(c)
		}
		filter = []string{subject}
	}
	var out []storedMsg
	if want == 0 {
		return out
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: filter})
	if err != nil {
		t.Fatal(err)
	}
	for len(out) < want {
		// Exactly what is left (at most 1000): a fetch of more would wait out its MaxWait.
		batch, err := cons.Fetch(min(want-len(out), 1000), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			out = append(out, storedMsg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
			n++
		}
		if n == 0 {
			t.Fatalf("read %d of %d messages of %s", len(out), want, stream)
		}
	}
	return out
}
