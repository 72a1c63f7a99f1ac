package eventbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// waitDeadLetters waits until the consumer has n dead letters and returns the newest page.
func waitDeadLetters(t *testing.T, js jetstream.JetStream, consumer string, n int) []eventbus.DeadLetter {
	t.Helper()
	var page eventbus.DeadLetterPage
	eventbustest.Eventually(t, 10*time.Second, fmt.Sprintf("%d dead letters of %s", n, consumer), func() bool {
		var err error
		page, err = eventbus.ListDeadLetters(testCtx(t), js, eventbus.DeadLetterQuery{Consumer: consumer})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Letters) == n
	})
	return page.Letters
}

func TestUndecodableMessageIsListedAndRead(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var seen calls
	spec := missionSpec("dl-undecodable")
	runConsumer(t, newConsumer(js, spec, seen.handler(nil, nil), nil))
	subject := eventbus.Subject(eventbus.ProducerMission, "MissionSubmitted", "m-1")
	publishRaw(t, js, &nats.Msg{Subject: subject, Data: []byte("not an envelope"), Header: nats.Header{"Traceparent": {"00-x"}}})

	letters := waitDeadLetters(t, js, spec.Durable, 1)
	d := letters[0]
	if d.Consumer != spec.Durable || d.Subject != subject || d.Deliveries != 1 || d.Size != len("not an envelope") ||
		d.EventID != "" || d.DeadAt.IsZero() || d.Sequence == 0 {
		t.Errorf("dead letter = %+v", d)
	}
	if want := "undecodable: "; len(d.Reason) < len(want) || d.Reason[:len(want)] != want {
		t.Errorf("reason = %q, want it to start with %q", d.Reason, want)
	}
	got, err := eventbus.GetDeadLetter(testCtx(t), js, d.Sequence)
	if err != nil || got.Sequence != d.Sequence || string(got.Data) != "not an envelope" || got.Header.Get("Traceparent") != "00-x" {
		t.Errorf("GetDeadLetter = %+v, %v", got, err)
	}
	if _, err := got.EventJSON(); err == nil {
		t.Error("EventJSON of an undecodable message: want an error")
	}
	if _, err := eventbus.GetDeadLetter(testCtx(t), js, d.Sequence+100); !errors.Is(err, eventbus.ErrDeadLetterNotFound) {
		t.Errorf("GetDeadLetter(unknown) = %v, want ErrDeadLetterNotFound", err)
	}
	if _, err := eventbus.GetDeadLetter(testCtx(t), js, 0); !errors.Is(err, eventbus.ErrDeadLetterNotFound) {
		t.Errorf("GetDeadLetter(0) = %v, want ErrDeadLetterNotFound", err)
	}
}

// TestRedriveAppliesTheEventOnceAndDeletesTheDeadLetter: a consumer gives up on an event, its
// handler is fixed, the redrive brings the event back to it and the dead letter is gone;
// another consumer of the same subject, which had applied the event, acknowledges the redrive
// without handling it: the header names the consumer it is meant for.
func TestRedriveAppliesTheEventOnceAndDeletesTheDeadLetter(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var failing atomic.Bool
	failing.Store(true)
	var gaveUp, other calls
	spec := missionSpec("dl-gives-up")
	spec.MaxDeliver = 2
	runConsumer(t, newConsumer(js, spec, func(ctx context.Context, env *eventsv1.Envelope, p proto.Message) error {
		gaveUp.add(env.GetEventId(), "")
		if failing.Load() {
			return errors.New("not yet")
		}
		return nil
	}, nil))
	runConsumer(t, newConsumer(js, missionSpec("dl-applies"), other.handler(nil, nil), nil))
	ev := newEvent(t, "m-7", "hello")
	publish(t, js, ev)

	d := waitDeadLetters(t, js, spec.Durable, 1)[0]
	if d.Deliveries != 2 || d.EventID != ev.Envelope.GetEventId() || d.EventType != "StringValue" || d.Subject != ev.Subject {
		t.Errorf("dead letter = %+v", d)
	}
	raw, err := d.EventJSON()
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		EventID string         `json:"eventId"`
		Payload map[string]any `json:"payload"`
	}
	if err := json.Unmarshal(raw, &decoded); err != nil || decoded.EventID != d.EventID || decoded.Payload["value"] != "hello" {
		t.Errorf("EventJSON = %s (%v)", raw, err)
	}
	eventbustest.Eventually(t, 5*time.Second, "the other consumer applied it", func() bool { return other.count(d.EventID) == 1 })

	failing.Store(false)
	before := gaveUp.count(d.EventID)
	r, err := eventbus.RedriveDeadLetter(testCtx(t), js, d.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	if r.DeadLetter.Sequence != d.Sequence || r.Stream != eventbus.StreamOf(eventbus.ProducerMission) || r.Sequence == 0 || r.Duplicate {
		t.Errorf("redrive = %+v", r)
	}
	eventbustest.Eventually(t, 5*time.Second, "the redriven event handled", func() bool { return gaveUp.count(d.EventID) == before+1 })
	waitSettled(t, js, spec.Stream, spec.Durable, 5*time.Second)
	waitSettled(t, js, spec.Stream, "dl-applies", 5*time.Second)
	if n := other.count(d.EventID); n != 1 {
		t.Errorf("the other consumer handled the event %d times, want once: the redrive was not its", n)
	}
	if _, err := eventbus.GetDeadLetter(testCtx(t), js, d.Sequence); !errors.Is(err, eventbus.ErrDeadLetterNotFound) {
		t.Errorf("after redrive GetDeadLetter = %v, want ErrDeadLetterNotFound", err)
	}
	if left := waitDeadLetters(t, js, "", 0); len(left) != 0 {
		t.Errorf("dead letters left: %+v", left)
	}
	republished := streamMsgs(t, js, spec.Stream, ev.Subject)
	last := republished[len(republished)-1]
	if last.Header.Get(eventbus.HeaderRedriveFor) != spec.Durable || last.Header.Get(eventbus.HeaderRedrivenFrom) != fmt.Sprint(d.Sequence) ||
		last.Header.Get(eventbus.HeaderDeadLetterReason) != "" {
		t.Errorf("republished headers = %v", last.Header)
	}
	if _, err := eventbus.RedriveDeadLetter(testCtx(t), js, d.Sequence); !errors.Is(err, eventbus.ErrDeadLetterNotFound) {
		t.Errorf("second redrive = %v, want ErrDeadLetterNotFound", err)
	}
}

// deadLetterMsg is a dead letter as Consumer.deadLetter writes it.
func deadLetterMsg(consumer, subject, reason string) *nats.Msg {
	return &nats.Msg{Subject: eventbus.DeadLetterSubject(consumer), Data: []byte("x"), Header: nats.Header{
		eventbus.HeaderOriginalSubject: {subject}, eventbus.HeaderDeadLetterReason: {reason},
	}}
}

func TestDeadLettersPageNewestFirstWithCursorAndFilter(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	ctx := testCtx(t)
	var seqs []uint64 // of consumer "a", oldest first
	for i := range 7 {
		consumer := "a"
		if i%2 == 1 {
			consumer = "b"
		}
		ack, err := js.PublishMsg(ctx, deadLetterMsg(consumer, "caiomatch.mission.v1.X.m", fmt.Sprintf("gave up after %d deliveries: no", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		if consumer == "a" {
			seqs = append(seqs, ack.Sequence)
		}
	}
	all, err := eventbus.ListDeadLetters(ctx, js, eventbus.DeadLetterQuery{})
	if err != nil || len(all.Letters) != 7 || all.Next != 0 || all.Letters[0].Sequence < all.Letters[6].Sequence || all.Letters[0].Deliveries != 7 {
		t.Fatalf("all = %+v, %v", all, err)
	}
	var got []uint64
	q := eventbus.DeadLetterQuery{Consumer: "a", Limit: 3}
	for pages := 0; ; pages++ {
		page, err := eventbus.ListDeadLetters(ctx, js, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Letters) > 3 || pages > 3 {
			t.Fatalf("page %d = %+v", pages, page)
		}
		for _, d := range page.Letters {
			if d.Consumer != "a" {
				t.Errorf("filtered page has %+v", d)
			}
			got = append(got, d.Sequence)
		}
		if page.Next == 0 {
			break
		}
		q.Before = page.Next
	}
	want := slices.Clone(seqs)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages of a = %v, want %v", got, want)
	}
	if none, err := eventbus.ListDeadLetters(ctx, js, eventbus.DeadLetterQuery{Consumer: "c"}); err != nil || len(none.Letters) != 0 || none.Next != 0 {
		t.Errorf("consumer without dead letters = %+v, %v", none, err)
	}
}

func TestRedriveRefusesADeadLetterWithoutEventSubject(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	ack, err := js.PublishMsg(testCtx(t), deadLetterMsg("a", eventbus.DeadLetterSubject("b"), "undecodable: x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eventbus.RedriveDeadLetter(testCtx(t), js, ack.Sequence); !errors.Is(err, eventbus.ErrNotRedrivable) {
		t.Errorf("redrive = %v, want ErrNotRedrivable", err)
	}
	if _, err := eventbus.GetDeadLetter(testCtx(t), js, ack.Sequence); err != nil {
		t.Errorf("a refused redrive must keep the dead letter: %v", err)
	}
}

func TestReceiversAreTheConsumersWhoseFilterTakesTheSubject(t *testing.T) {
	mission := eventbus.StreamOf(eventbus.ProducerMission)
	got := eventbus.Receivers(mission, eventbus.Subject(eventbus.ProducerMission, "OfferAccepted", "m-1"))
	want := []string{eventbus.ConsumerProfileMissions, eventbus.ConsumerNotificationMissions}
	if !slices.Equal(got, want) {
		t.Errorf("receivers of OfferAccepted = %v, want %v", got, want)
	}
	if got := eventbus.Receivers(eventbus.StreamOf(eventbus.ProducerAccount), "caiomatch.account.v1.AccountChanged.a"); !slices.Equal(got,
		[]string{eventbus.ConsumerNotificationAccounts}) {
		t.Errorf("receivers of AccountChanged = %v", got)
	}
	if got := eventbus.Receivers(mission, eventbus.Subject(eventbus.ProducerMission, "Unheard", "m-1")); len(got) != 0 {
		t.Errorf("receivers of an event nobody reads = %v", got)
	}
}

// TestRedrivenUndecodableMessageIsDeadLetteredAnew: a message that still does not decode comes
// back as a new dead letter naming the one it was redriven from (nothing in the republished
// message may stop that copy).
func TestRedrivenUndecodableMessageIsDeadLetteredAnew(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var seen calls
	spec := missionSpec("dl-still-undecodable")
	runConsumer(t, newConsumer(js, spec, seen.handler(nil, nil), nil))
	publishRaw(t, js, &nats.Msg{Subject: eventbus.Subject(eventbus.ProducerMission, "MissionSubmitted", "m-2"), Data: []byte("junk")})
	first := waitDeadLetters(t, js, spec.Durable, 1)[0]
	if _, err := eventbus.RedriveDeadLetter(testCtx(t), js, first.Sequence); err != nil {
		t.Fatal(err)
	}
	again := waitDeadLetters(t, js, spec.Durable, 1)[0]
	if again.Sequence == first.Sequence || again.Header.Get(eventbus.HeaderRedrivenFrom) != fmt.Sprint(first.Sequence) ||
		again.Header.Get(eventbus.HeaderRedriveFor) != spec.Durable || string(again.Data) != "junk" {
		t.Errorf("dead-lettered anew = %+v", again)
	}
	waitSettled(t, js, spec.Stream, spec.Durable, 5*time.Second)
}

// TestConcurrentRedrivesPublishOneCopy: two operators redriving the same dead letter at once
// store one copy of the message (the redrive's message id), and neither fails for the other.
func TestConcurrentRedrivesPublishOneCopy(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	subject := eventbus.Subject(eventbus.ProducerMission, "MissionSubmitted", "m-3")
	ack, err := js.PublishMsg(testCtx(t), deadLetterMsg("a", subject, "undecodable: x"))
	if err != nil {
		t.Fatal(err)
	}
	const redrives = 4
	errs := make(chan error, redrives)
	start := make(chan struct{})
	for range redrives {
		go func() {
			<-start
			r, err := eventbus.RedriveDeadLetter(testCtx(t), js, ack.Sequence)
			if err == nil && r.Sequence == 0 {
				err = fmt.Errorf("redrive %+v without a sequence", r)
			}
			errs <- err
		}()
	}
	close(start)
	for range redrives {
		// One that reads the dead letter after another deleted it finds nothing: as good.
		if err := <-errs; err != nil && !errors.Is(err, eventbus.ErrDeadLetterNotFound) {
			t.Errorf("redrive: %v", err)
		}
	}
	if got := streamMsgs(t, js, eventbus.StreamOf(eventbus.ProducerMission), subject); len(got) != 1 {
		t.Errorf("%d copies republished, want 1", len(got))
	}
	if left := deadLetters(t, js, "a"); len(left) != 0 {
		t.Errorf("dead letter left: %d", len(left))
	}
}
