package eventbus_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

func TestEnsureStreamsDeclaresEveryStream(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	ctx := testCtx(t)
	for _, producer := range []string{eventbus.ProducerProfile, eventbus.ProducerMission, eventbus.ProducerMatching} {
		s, err := js.Stream(ctx, eventbus.StreamOf(producer))
		if err != nil {
			t.Fatalf("stream of %s: %v", producer, err)
		}
		cfg := s.CachedInfo().Config
		if want := []string{"caiomatch." + producer + ".v1.>"}; !reflect.DeepEqual(cfg.Subjects, want) {
			t.Errorf("%s subjects = %v, want %v", cfg.Name, cfg.Subjects, want)
		}
		if cfg.Storage != jetstream.FileStorage || cfg.Retention != jetstream.LimitsPolicy ||
			cfg.Duplicates != eventbus.DuplicateWindow || cfg.Replicas != 1 {
			t.Errorf("%s: storage %v retention %v duplicates %v replicas %d", cfg.Name, cfg.Storage, cfg.Retention,
				cfg.Duplicates, cfg.Replicas)
		}
	}
	dl, err := js.Stream(ctx, eventbus.DeadLetterStream)
	if err != nil {
		t.Fatalf("dead-letter stream: %v", err)
	}
	cfg := dl.CachedInfo().Config
	if !reflect.DeepEqual(cfg.Subjects, []string{"caiomatch.deadletter.>"}) || cfg.Storage != jetstream.FileStorage ||
		cfg.MaxAge != 30*24*time.Hour {
		t.Errorf("dead-letter stream config: subjects %v storage %v max age %v", cfg.Subjects, cfg.Storage, cfg.MaxAge)
	}
	if eventbus.DuplicateWindow < time.Hour {
		t.Errorf("DuplicateWindow %v is shorter than an outage the relay must ride out", eventbus.DuplicateWindow)
	}
}

func TestEnsureStreamsIsIdempotentAndKeepsMessages(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	ev := newEvent(t, "m-1", "x")
	publish(t, js, ev)
	for range 2 {
		if err := eventbus.EnsureStreams(testCtx(t), js, eventbus.StreamSettings{Replicas: 1}); err != nil {
			t.Fatalf("EnsureStreams again: %v", err)
		}
	}
	if msgs := streamMsgs(t, js, "MISSION", ""); len(msgs) != 1 {
		t.Errorf("MISSION holds %d messages after re-declaring, want 1", len(msgs))
	}
}

func TestEnsureStreamsReportsFailure(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	// A single server cannot hold three replicas.
	err := eventbus.EnsureStreams(testCtx(t), js, eventbus.StreamSettings{Replicas: 3})
	if err == nil || !strings.Contains(err.Error(), "declare stream") {
		t.Errorf("EnsureStreams with 3 replicas on one server = %v, want a declare error", err)
	}
}

func TestStreamsRouteAndDeduplicateByMsgID(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	for _, producer := range []string{eventbus.ProducerProfile, eventbus.ProducerMission, eventbus.ProducerMatching} {
		subject := eventbus.Subject(producer, "Thing", "a-1")
		msg := &nats.Msg{Subject: subject, Data: []byte("x")}
		first, err := js.PublishMsg(testCtx(t), msg, jetstream.WithMsgID("id-"+producer))
		if err != nil {
			t.Fatalf("publish %s: %v", subject, err)
		}
		if first.Stream != eventbus.StreamOf(producer) || first.Duplicate {
			t.Errorf("first publish of %s: %+v", subject, first)
		}
		again, err := js.PublishMsg(testCtx(t), msg, jetstream.WithMsgID("id-"+producer))
		if err != nil {
			t.Fatalf("re-publish %s: %v", subject, err)
		}
		if !again.Duplicate || again.Sequence != first.Sequence {
			t.Errorf("re-publish of %s with the same id not reported as duplicate: %+v", subject, again)
		}
		if msgs := streamMsgs(t, js, eventbus.StreamOf(producer), subject); len(msgs) != 1 {
			t.Errorf("%s holds %d copies, want 1", subject, len(msgs))
		}
	}
}
