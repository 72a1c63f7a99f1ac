package mailer_test

import (
	"context"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/services/notification/adapters/mailer"
	"github.com/caiomatch/caiomatch/services/notification/app"
)

type outbox []mail.Message

func (o *outbox) Send(_ context.Context, m mail.Message) error {
	*o = append(*o, m)
	return nil
}

// TestAnEmailIsSentWithBothPartsAndASpanWithoutTheAddress: the delivery id becomes the
// Message-ID and the span's one attribute; the address reaches the sender only.
func TestAnEmailIsSentWithBothPartsAndASpanWithoutTheAddress(t *testing.T) {
	var sent outbox
	spans := tracetest.NewSpanRecorder()
	m := mailer.New(&sent, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	if err := m.Send(context.Background(), app.Email{ID: "d-1", To: "claire@example.com", Subject: "s", Text: "t", HTML: "<p>t</p>"}); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0].ID != "d-1@"+mailer.MessageIDDomain || sent[0].HTML != "<p>t</p>" || sent[0].Text != "t" {
		t.Errorf("sent %+v", sent)
	}
	ended := spans.Ended()
	if len(ended) != 1 || len(ended[0].Attributes()) != 1 || ended[0].Attributes()[0].Value.AsString() != "d-1" {
		t.Fatalf("spans %+v", ended)
	}
	if strings.Contains(ended[0].Attributes()[0].Value.String()+ended[0].Name(), "example.com") {
		t.Error("the address is in the span")
	}
}
