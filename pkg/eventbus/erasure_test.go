package eventbus_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
)

// TestErasingAnAggregateErasesItsDeadLetters: dead-letter copies of the person's earlier events
// go with them (a redrive would bring them back); a dead-lettered erasure and another person's
// copies stay.
func TestErasingAnAggregateErasesItsDeadLetters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bus := eventbustest.Start(t)
	deadLetter := func(producerAggregate string, ev eventbus.Event) {
		msg := &nats.Msg{Subject: eventbus.DeadLetterSubject("notification-accounts"), Data: ev.Data, Header: nats.Header{}}
		msg.Header.Set(eventbus.HeaderOriginalSubject, ev.Subject)
		if _, err := bus.JS.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	event := func(id string) eventbus.Event {
		ev, err := eventbus.NewEvent(eventbus.ProducerAccount, id, wrapperspb.String("name and email"), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	erasedBefore, _ := eventbus.NewEvent(eventbus.ProducerAccount, "acc-1", &accountv1.AccountErased{AccountId: "acc-1"}, time.Now())
	deadLetter("acc-1", event("acc-1"))
	deadLetter("acc-1", erasedBefore)
	deadLetter("acc-2", event("acc-2"))
	deadLetter("acc-10", event("acc-10"))
	erasure, _ := eventbus.NewEvent(eventbus.ProducerAccount, "acc-1", &accountv1.AccountErased{AccountId: "acc-1"}, time.Now())
	ack, err := bus.JS.Publish(ctx, erasure.Subject, erasure.Data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eventbus.EraseAggregate(ctx, bus.JS, eventbus.ProducerAccount, "acc-1", ack.Sequence); err != nil {
		t.Fatal(err)
	}
	left := eventbustest.Read(t, bus.JS, eventbus.DeadLetterStream, "")
	var subjects []string
	for _, m := range left {
		subjects = append(subjects, m.Header.Get(eventbus.HeaderOriginalSubject))
	}
	if len(left) != 3 {
		t.Fatalf("dead letters left: %v, want the erasure's and the two other accounts'", subjects)
	}
	for _, s := range subjects {
		if s == event("acc-1").Subject {
			t.Errorf("the person's dead letter stayed: %v", subjects)
		}
	}
}
