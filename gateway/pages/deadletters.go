package pages

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

// The operators' dead letters: the messages consumers gave up on, listed newest first with a
// consumer filter, one inspected (headers, reason, the event decoded), and redriven, all
// through /v1/ops/dead-letters. A dead letter's event may hold personal data: the page is an
// operator's only (the API's 403 otherwise) and, like every page, never cached.

// routeDeadLetters routes the operators' dead letters: list, inspect, redrive.
func (s *Site) routeDeadLetters() {
	s.routes.HandleFunc("GET /ops/dead-letters", s.deadLetters)
	s.routes.HandleFunc("GET /ops/dead-letters/{sequence}", s.deadLetter)
	s.routes.HandleFunc("POST /ops/dead-letters/{sequence}/redrive", s.redriveDeadLetter)
}

// deadLetterSummary is a dead letter as the API lists it.
type deadLetterSummary struct {
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

// deadLettersPage is the filter form, kept as sent, and a page of dead letters.
type deadLettersPage struct {
	Filter    form
	Consumers []string
	Letters   []deadLetterSummary
	// Next is the link to the older dead letters, "" on the last page.
	Next string
}

// deadLetters lists a page of dead letters. The filter is a consumer's name, no personal data,
// so the form is a GET and a page can be bookmarked; the API checks it and what it refuses is
// shown beside the field.
func (s *Site) deadLetters(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	page := deadLettersPage{Filter: form{Values: map[string]string{}, Errors: map[string]string{}}}
	for _, c := range eventbus.Consumers() {
		page.Consumers = append(page.Consumers, c.Durable)
	}
	slices.Sort(page.Consumers)
	query := url.Values{}
	for _, field := range []string{"consumer", "pageToken"} {
		value := strings.TrimSpace(r.URL.Query().Get(field))
		page.Filter.Values[field] = value
		if value != "" {
			query.Set(field, value)
		}
	}
	var list struct {
		DeadLetters   []deadLetterSummary
		NextPageToken string
	}
	if err := s.getJSON(r, "/v1/ops/dead-letters?"+query.Encode(), &list); err != nil {
		var refused *apiError
		if !errors.As(err, &refused) || refused.Status != http.StatusBadRequest || len(refused.Fields) == 0 {
			s.fail(w, r, err)
			return
		}
		loc := s.localizer(r)
		for field := range refused.Fields {
			page.Filter.Errors[field] = translate(loc, "DeadLetters_Invalid_"+field)
		}
		s.render(w, r, http.StatusBadRequest, "deadletters", v, page)
		return
	}
	page.Letters = list.DeadLetters
	if list.NextPageToken != "" {
		next := url.Values{"pageToken": {list.NextPageToken}}
		if c := page.Filter.Values["consumer"]; c != "" {
			next.Set("consumer", c)
		}
		page.Next = "/ops/dead-letters?" + next.Encode()
	}
	s.render(w, r, http.StatusOK, "deadletters", v, page)
}

// deadLetterPage is one dead letter, or what its redrive did.
type deadLetterPage struct {
	deadLetterSummary
	Headers    map[string]string
	HeaderKeys []string
	// Event is the decoded event, indented; EventError says why there is none.
	Event      string
	EventError string
	// Refused is the API's refusal of a redrive (DEAD_LETTER_NOT_REDRIVABLE).
	Refused bool
	// Redrive is set once the dead letter was redriven.
	Redrive *redriveResult
}

// redriveResult is the API's account of a redrive.
type redriveResult struct {
	Redriven    deadLetterSummary `json:"redriven"`
	Republished struct {
		Stream    string `json:"stream"`
		Sequence  uint64 `json:"sequence"`
		Subject   string `json:"subject"`
		Duplicate bool   `json:"duplicate"`
	} `json:"republished"`
	Receivers []string `json:"receivers"`
}

// ReceiverList is the receivers as a sentence's list.
func (r redriveResult) ReceiverList() string { return strings.Join(r.Receivers, ", ") }

func (s *Site) deadLetter(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	page, err := s.readDeadLetter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "deadletter", v, page)
}

func (s *Site) readDeadLetter(r *http.Request) (deadLetterPage, error) {
	var got struct {
		deadLetterSummary
		Headers    map[string]string `json:"headers"`
		Event      json.RawMessage   `json:"event"`
		EventError string            `json:"eventError"`
	}
	if err := s.getJSON(r, "/v1/ops/dead-letters/"+pathEscape(r.PathValue("sequence")), &got); err != nil {
		return deadLetterPage{}, err
	}
	page := deadLetterPage{deadLetterSummary: got.deadLetterSummary, Headers: got.Headers, EventError: got.EventError}
	for k := range got.Headers {
		page.HeaderKeys = append(page.HeaderKeys, k)
	}
	slices.Sort(page.HeaderKeys)
	var indented bytes.Buffer
	if len(got.Event) > 0 && string(got.Event) != "null" && json.Indent(&indented, got.Event, "", "  ") == nil {
		page.Event = indented.String()
	}
	return page, nil
}

// redriveDeadLetter asks the API to redrive the dead letter and shows what it did; a refusal
// is shown on the dead letter's page.
func (s *Site) redriveDeadLetter(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	out, err := s.call(r, http.MethodPost, "/v1/ops/dead-letters/"+pathEscape(r.PathValue("sequence"))+"/redrive", map[string]string{})
	if err != nil {
		var refused *apiError
		if !errors.As(err, &refused) || refused.Status != http.StatusBadRequest {
			s.fail(w, r, err)
			return
		}
		page, readErr := s.readDeadLetter(r)
		if readErr != nil {
			s.fail(w, r, readErr)
			return
		}
		page.Refused = true
		s.render(w, r, http.StatusBadRequest, "deadletter", v, page)
		return
	}
	var done redriveResult
	if err := json.Unmarshal(out.body.Bytes(), &done); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "deadletter", v, deadLetterPage{deadLetterSummary: done.Redriven, Redrive: &done})
}
