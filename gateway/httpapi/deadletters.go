package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// Reasons of the dead-letter endpoints' refusals.
const (
	ReasonDeadLetterNotFound      = "DEAD_LETTER_NOT_FOUND"
	ReasonDeadLetterNotRedrivable = "DEAD_LETTER_NOT_REDRIVABLE"
)

// deadLetterHandlers let operators list, read and redrive the messages consumers gave up on
// (pkg/eventbus DeadLetterStream). A dead letter's payload is an event, which may hold
// personal data: only operators read it, and no answer is kept by a cache.
type deadLetterHandlers struct {
	mux    *runtime.ServeMux
	js     jetstream.JetStream // nil: the endpoints answer 503
	logger *slog.Logger
}

// deadLetterJSON is a dead letter as the API shows it.
type deadLetterJSON struct {
	Sequence   uint64    `json:"sequence"`
	Consumer   string    `json:"consumer"`
	Subject    string    `json:"subject"`
	Reason     string    `json:"reason"`
	DeadAt     time.Time `json:"deadAt"`
	Deliveries int       `json:"deliveries"`
	EventType  string    `json:"eventType"`
	EventID    string    `json:"eventId"`
	Size       int       `json:"size"`
}

func deadLetterView(d eventbus.DeadLetter) deadLetterJSON {
	return deadLetterJSON{Sequence: d.Sequence, Consumer: d.Consumer, Subject: d.Subject, Reason: d.Reason, DeadAt: d.DeadAt.UTC(),
		Deliveries: d.Deliveries, EventType: d.EventType, EventID: d.EventID, Size: d.Size}
}

// allowed answers the caller's refusal, if any, and marks the answer as never to be cached.
func (h deadLetterHandlers) allowed(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Set("Cache-Control", "no-store")
	caller, ok := identity.FromContext(r.Context())
	if !ok || !caller.IsOperator() {
		writeStatus(h.mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, "ROLE_NOT_ALLOWED", "only operators read dead letters").Err())
		return false
	}
	if h.js == nil {
		writeStatus(h.mux, w, r, rpc.StatusWithReason(codes.Unavailable, "DEAD_LETTERS_UNAVAILABLE", "this gateway has no event bus").Err())
		return false
	}
	return true
}

func (h deadLetterHandlers) invalid(w http.ResponseWriter, r *http.Request, bad fault.Violations) {
	fields := make([]string, len(bad))
	for i, v := range bad {
		fields[i] = v.Field
	}
	writeStatus(h.mux, w, r, rpc.InvalidStatus(fault.ReasonInvalidArgument, "invalid field "+strings.Join(fields, ", "), bad...).Err())
}

// failed answers an error of pkg/eventbus.
func (h deadLetterHandlers) failed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, eventbus.ErrDeadLetterNotFound):
		writeStatus(h.mux, w, r, rpc.StatusWithReason(codes.NotFound, ReasonDeadLetterNotFound,
			"no dead letter at this sequence (redriven, expired or never there)").Err())
	case errors.Is(err, eventbus.ErrNotRedrivable):
		writeStatus(h.mux, w, r, rpc.StatusWithReason(codes.FailedPrecondition, ReasonDeadLetterNotRedrivable, err.Error()).Err())
	default:
		h.logger.ErrorContext(r.Context(), "dead letters", "error", err)
		writeStatus(h.mux, w, r, rpc.StatusWithReason(codes.Unavailable, "DEAD_LETTERS_UNAVAILABLE", "the event bus did not answer").Err())
	}
}

func (h deadLetterHandlers) list(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	if !h.allowed(w, r) {
		return
	}
	q, bad := deadLetterQuery(r.URL.Query())
	if len(bad) > 0 {
		h.invalid(w, r, bad)
		return
	}
	page, err := eventbus.ListDeadLetters(r.Context(), h.js, q)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	out := struct {
		DeadLetters   []deadLetterJSON `json:"deadLetters"`
		NextPageToken string           `json:"nextPageToken"`
	}{DeadLetters: make([]deadLetterJSON, len(page.Letters))}
	for i, d := range page.Letters {
		out.DeadLetters[i] = deadLetterView(d)
	}
	if page.Next != 0 {
		out.NextPageToken = strconv.FormatUint(page.Next, 10)
	}
	writeJSON(w, http.StatusOK, out)
}

// deadLetterQuery reads consumer, pageSize and pageToken (a previous page's nextPageToken),
// each at most once, an empty one as if absent.
func deadLetterQuery(params url.Values) (eventbus.DeadLetterQuery, fault.Violations) {
	var q eventbus.DeadLetterQuery
	var bad fault.Violations
	value := func(name string) string {
		if len(params[name]) > 1 {
			bad.Add(name, "must be given at most once")
			return ""
		}
		return params.Get(name)
	}
	if raw := value("consumer"); raw != "" {
		if !eventbus.ValidConsumerName(raw) {
			bad.Add("consumer", "must be a consumer's name: at most 64 of a-z, 0-9 and '-'")
		}
		q.Consumer = raw
	}
	if raw := value("pageSize"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > eventbus.MaxDeadLetterPage {
			bad.Add("pageSize", "must be a whole number between 1 and %d", eventbus.MaxDeadLetterPage)
		}
		q.Limit = n
	}
	if raw := value("pageToken"); raw != "" {
		n, err := strconv.ParseUint(raw, 10, 64)
		if err != nil || n == 0 {
			bad.Add("pageToken", "must be the nextPageToken of a previous page")
		}
		q.Before = n
	}
	return q, bad
}

// sequence reads the {sequence} path parameter; false when it answered 400.
func (h deadLetterHandlers) sequence(w http.ResponseWriter, r *http.Request, params map[string]string) (uint64, bool) {
	seq, err := strconv.ParseUint(params["sequence"], 10, 64)
	if err != nil || seq == 0 {
		var bad fault.Violations
		bad.Add("sequence", "must be a dead letter's sequence, a whole number from 1")
		h.invalid(w, r, bad)
		return 0, false
	}
	return seq, true
}

func (h deadLetterHandlers) get(w http.ResponseWriter, r *http.Request, params map[string]string) {
	if !h.allowed(w, r) {
		return
	}
	seq, ok := h.sequence(w, r, params)
	if !ok {
		return
	}
	d, err := eventbus.GetDeadLetter(r.Context(), h.js, seq)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	out := struct {
		deadLetterJSON
		Headers map[string]string `json:"headers"`
		// Event is the envelope with its payload decoded; null with EventError when it
		// does not decode here.
		Event      json.RawMessage `json:"event"`
		EventError string          `json:"eventError,omitempty"`
	}{deadLetterJSON: deadLetterView(d), Headers: map[string]string{}}
	for k, v := range d.Header {
		out.Headers[k] = strings.Join(v, ", ")
	}
	if out.Event, err = d.EventJSON(); err != nil {
		out.Event, out.EventError = json.RawMessage("null"), err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}

func (h deadLetterHandlers) redrive(w http.ResponseWriter, r *http.Request, params map[string]string) {
	if !h.allowed(w, r) {
		return
	}
	seq, ok := h.sequence(w, r, params)
	if !ok {
		return
	}
	done, err := eventbus.RedriveDeadLetter(r.Context(), h.js, seq)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.logger.InfoContext(r.Context(), "dead letter redriven", "sequence", seq, "consumer", done.DeadLetter.Consumer,
		"event_id", done.DeadLetter.EventID, "stream", done.Stream, "stream_sequence", done.Sequence)
	type republished struct {
		Stream    string `json:"stream"`
		Sequence  uint64 `json:"sequence"`
		Subject   string `json:"subject"`
		Duplicate bool   `json:"duplicate"`
	}
	writeJSON(w, http.StatusOK, struct {
		Redriven    deadLetterJSON `json:"redriven"`
		Republished republished    `json:"republished"`
		Receivers   []string       `json:"receivers"`
		Deleted     bool           `json:"deleted"`
	}{
		Redriven:    deadLetterView(done.DeadLetter),
		Republished: republished{Stream: done.Stream, Sequence: done.Sequence, Subject: done.DeadLetter.Subject, Duplicate: done.Duplicate},
		Receivers:   append([]string{}, done.Receivers...),
		Deleted:     true,
	})
}

func newDeadLetterHandlers(mux *runtime.ServeMux, js jetstream.JetStream, logger *slog.Logger) deadLetterHandlers {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return deadLetterHandlers{mux: mux, js: js, logger: logger}
}
