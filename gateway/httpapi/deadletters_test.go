package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// deadLetterAPI serves the dead-letter endpoints over an embedded bus (or none), as a caller
// of the role given.
func deadLetterAPI(t *testing.T, js jetstream.JetStream) func(identity.Role) http.Handler {
	t.Helper()
	mux, err := newServeMux()
	if err != nil {
		t.Fatal(err)
	}
	h := newDeadLetterHandlers(mux, js, nil)
	for _, err := range []error{
		mux.HandlePath(http.MethodGet, "/v1/ops/dead-letters", h.list),
		mux.HandlePath(http.MethodGet, "/v1/ops/dead-letters/{sequence}", h.get),
		mux.HandlePath(http.MethodPost, "/v1/ops/dead-letters/{sequence}/redrive", h.redrive),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return func(role identity.Role) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mux.ServeHTTP(w, r.WithContext(identity.WithCaller(r.Context(), identity.Caller{AccountID: "a1", Role: role})))
		})
	}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	fields []string
	reason string
}

func ask(t *testing.T, h http.Handler, method, path string) answer {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	a := answer{status: w.Code, header: w.Header()}
	if err := json.Unmarshal(w.Body.Bytes(), &a.body); err != nil {
		t.Fatalf("%s %s: %d %s: %v", method, path, w.Code, w.Body, err)
	}
	var problem struct {
		Details []struct {
			Reason          string
			FieldViolations []struct{ Field string }
		}
	}
	_ = json.Unmarshal(w.Body.Bytes(), &problem)
	for _, d := range problem.Details {
		a.reason += d.Reason
		for _, v := range d.FieldViolations {
			a.fields = append(a.fields, v.Field)
		}
	}
	return a
}

// deadLetter stores a dead letter of consumer as a Consumer would, for an event on the
// account stream; it returns its sequence and event id.
func deadLetter(t *testing.T, js jetstream.JetStream, consumer string) (uint64, string) {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerAccount, "a-1", wrapperspb.String("Ada"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ack, err := js.PublishMsg(context.Background(), &nats.Msg{Subject: eventbus.DeadLetterSubject(consumer), Data: ev.Data, Header: nats.Header{
		eventbus.HeaderOriginalSubject: {ev.Subject}, eventbus.HeaderDeadLetterReason: {"gave up after 10 deliveries: boom"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence, ev.Envelope.GetEventId()
}

func TestDeadLettersAreForOperatorsOnly(t *testing.T) {
	api := deadLetterAPI(t, eventbustest.Start(t).JS)
	for _, role := range []identity.Role{identity.RoleFirm, identity.RoleConsultant} {
		for _, c := range []struct{ method, path string }{
			{"GET", "/v1/ops/dead-letters"}, {"GET", "/v1/ops/dead-letters/1"}, {"POST", "/v1/ops/dead-letters/1/redrive"},
		} {
			if got := ask(t, api(role), c.method, c.path); got.status != http.StatusForbidden {
				t.Errorf("%s %s as %v: %d, want 403", c.method, c.path, role, got.status)
			}
		}
	}
	if got := ask(t, deadLetterAPI(t, nil)(identity.RoleOperator), "GET", "/v1/ops/dead-letters"); got.status != http.StatusServiceUnavailable {
		t.Errorf("without a bus: %d, want 503", got.status)
	}
}

func TestDeadLetterParametersAreChecked(t *testing.T) {
	api := deadLetterAPI(t, eventbustest.Start(t).JS)(identity.RoleOperator)
	for query, want := range map[string][]string{
		"?pageSize=0":                     {"pageSize"},
		"?pageSize=201":                   {"pageSize"},
		"?pageToken=abc":                  {"pageToken"},
		"?pageToken=0":                    {"pageToken"},
		"?consumer=Not%20a%20name":        {"consumer"},
		"?consumer=a&consumer=b":          {"consumer"},
		"?since=1":                        {"since"},
		"?pageSize=x&pageToken=-1":        {"pageSize", "pageToken"},
		"?consumer=&pageSize=&pageToken=": nil,
	} {
		got := ask(t, api, "GET", "/v1/ops/dead-letters"+query)
		if want == nil {
			if got.status != http.StatusOK {
				t.Errorf("%s: %d, want 200", query, got.status)
			}
			continue
		}
		if got.status != http.StatusBadRequest || !slices.Equal(got.fields, want) {
			t.Errorf("%s: %d %q, want 400 naming %q", query, got.status, got.fields, want)
		}
	}
	for _, path := range []string{"/v1/ops/dead-letters/x", "/v1/ops/dead-letters/0", "/v1/ops/dead-letters/-2"} {
		if got := ask(t, api, "GET", path); got.status != http.StatusBadRequest || !slices.Equal(got.fields, []string{"sequence"}) {
			t.Errorf("GET %s: %d %q, want 400 naming sequence", path, got.status, got.fields)
		}
	}
}

func TestOperatorListsReadsAndRedrivesADeadLetter(t *testing.T) {
	js := eventbustest.Start(t).JS
	api := deadLetterAPI(t, js)(identity.RoleOperator)
	older, _ := deadLetter(t, js, eventbus.ConsumerMatchingProfiles)
	seq, eventID := deadLetter(t, js, eventbus.ConsumerNotificationAccounts)

	list := ask(t, api, "GET", "/v1/ops/dead-letters?pageSize=1")
	letters, _ := list.body["deadLetters"].([]any)
	if list.status != http.StatusOK || len(letters) != 1 || list.body["nextPageToken"] != fmt.Sprint(seq) ||
		list.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("first page: %d %v %v", list.status, list.body, list.header)
	}
	first := letters[0].(map[string]any)
	if first["sequence"] != float64(seq) || first["consumer"] != eventbus.ConsumerNotificationAccounts || first["eventId"] != eventID ||
		first["eventType"] != "StringValue" || first["deliveries"] != float64(10) || first["reason"] != "gave up after 10 deliveries: boom" ||
		first["subject"] != "caiomatch.account.v1.StringValue.a-1" || first["size"].(float64) == 0 || first["deadAt"] == "" {
		t.Errorf("dead letter = %v", first)
	}
	next := ask(t, api, "GET", "/v1/ops/dead-letters?pageSize=1&pageToken="+fmt.Sprint(seq))
	if l, _ := next.body["deadLetters"].([]any); len(l) != 1 || l[0].(map[string]any)["sequence"] != float64(older) || next.body["nextPageToken"] != "" {
		t.Errorf("second page: %v", next.body)
	}
	filtered := ask(t, api, "GET", "/v1/ops/dead-letters?consumer="+eventbus.ConsumerMatchingProfiles)
	if l, _ := filtered.body["deadLetters"].([]any); len(l) != 1 || l[0].(map[string]any)["sequence"] != float64(older) {
		t.Errorf("filtered: %v", filtered.body)
	}

	one := ask(t, api, "GET", fmt.Sprintf("/v1/ops/dead-letters/%d", seq))
	event, _ := one.body["event"].(map[string]any)
	payload, _ := event["payload"].(map[string]any)
	headers, _ := one.body["headers"].(map[string]any)
	if one.status != http.StatusOK || one.header.Get("Cache-Control") != "no-store" || event["eventId"] != eventID || payload["value"] != "Ada" ||
		headers[eventbus.HeaderDeadLetterReason] != "gave up after 10 deliveries: boom" || one.body["consumer"] != eventbus.ConsumerNotificationAccounts {
		t.Errorf("GET one: %d %v %v", one.status, one.body, one.header)
	}
	if got := ask(t, api, "GET", "/v1/ops/dead-letters/999"); got.status != http.StatusNotFound || got.reason != ReasonDeadLetterNotFound {
		t.Errorf("unknown: %d %s", got.status, got.reason)
	}

	done := ask(t, api, "POST", fmt.Sprintf("/v1/ops/dead-letters/%d/redrive", seq))
	republished, _ := done.body["republished"].(map[string]any)
	if done.status != http.StatusOK || done.body["deleted"] != true || republished["stream"] != eventbus.StreamOf(eventbus.ProducerAccount) ||
		republished["subject"] != "caiomatch.account.v1.StringValue.a-1" || republished["sequence"].(float64) == 0 ||
		fmt.Sprint(done.body["receivers"]) != "["+eventbus.ConsumerNotificationAccounts+"]" {
		t.Errorf("redrive: %d %v", done.status, done.body)
	}
	if got := ask(t, api, "GET", fmt.Sprintf("/v1/ops/dead-letters/%d", seq)); got.status != http.StatusNotFound {
		t.Errorf("after redrive: %d, want 404", got.status)
	}
	if got := ask(t, api, "POST", fmt.Sprintf("/v1/ops/dead-letters/%d/redrive", seq)); got.status != http.StatusNotFound {
		t.Errorf("second redrive: %d, want 404", got.status)
	}
	left := ask(t, api, "GET", "/v1/ops/dead-letters")
	if l, _ := left.body["deadLetters"].([]any); len(l) != 1 {
		t.Errorf("left after redrive: %v", left.body)
	}
}
