package pages

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The operators' audit log page: who read or changed whose data, refused requests and failed
// sign-ins, filtered by subject, actor and outcome, newest first, a page at a time. It reads
// GET /v1/ops/audit as the visitor: anyone but an operator gets the API's 403.

func (s *Site) routeAudit() {
	s.routes.HandleFunc("GET /ops/audit", s.auditLog)
}

// auditFilters are the filter form's fields, named as the API's query parameters. The values
// are ids and a choice, no personal data, so the form is a GET and a filtered log a link.
var auditFilters = []string{"subjectId", "actorId", "outcome"}

// auditPageSize is how many events a page shows.
const auditPageSize = "50"

// auditEvent is an event as GET /v1/ops/audit gives it.
type auditEvent struct {
	At        time.Time `json:"at"`
	ActorID   string    `json:"actorId"`
	ActorRole string    `json:"actorRole"`
	Kind      string    `json:"kind"`
	Action    string    `json:"action"`
	SubjectID string    `json:"subjectId"`
	Outcome   int       `json:"outcome"`
	Reason    string    `json:"reason"`
	TraceID   string    `json:"traceId"`
}

// ActionSegments are the action's path segments, each with its slash, so that the page lets a
// long template wrap between segments only.
func (e auditEvent) ActionSegments() []string { return strings.SplitAfter(e.Action, "/") }

// Refused tells a refusal or a failed sign-in, marked in the table.
func (e auditEvent) Refused() bool { return e.Kind == "REFUSED" || e.Kind == "SIGN_IN_FAILED" }

// auditPage is the filter form, kept as sent, one page of events and the links around it.
type auditPage struct {
	Filter   form
	Outcomes []string
	Events   []auditEvent
	// Next is the link to the older events, "" on the last page; First the link back to the
	// newest, "" on the first page.
	Next, First string
}

func (s *Site) auditLog(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	page := auditPage{Filter: form{Values: map[string]string{}, Errors: map[string]string{}}, Outcomes: []string{"", "allowed", "refused"}}
	filters := url.Values{}
	for _, field := range auditFilters {
		value := strings.TrimSpace(r.URL.Query().Get(field))
		page.Filter.Values[field] = value
		if value != "" {
			filters.Set(field, value)
		}
	}
	query := url.Values{"pageSize": {auditPageSize}}
	for k, vs := range filters {
		query[k] = vs
	}
	if token := r.URL.Query().Get("pageToken"); token != "" {
		query.Set("pageToken", token)
		page.First = auditLink(filters, "")
	}
	var list struct {
		Events        []auditEvent
		NextPageToken string
	}
	if err := s.getJSON(r, "/v1/ops/audit?"+query.Encode(), &list); err != nil {
		var refused *apiError
		if !errors.As(err, &refused) || refused.Status != http.StatusBadRequest || len(refused.Fields) == 0 {
			s.fail(w, r, err)
			return
		}
		loc := s.localizer(r)
		for field, description := range refused.Fields {
			if slices.Contains(auditFilters, field) || field == "pageToken" {
				description = translate(loc, "Audit_Invalid_"+field)
			}
			page.Filter.Errors[field] = description
		}
		s.render(w, r, http.StatusBadRequest, "audit", v, page)
		return
	}
	page.Events = list.Events
	if list.NextPageToken != "" {
		page.Next = auditLink(filters, list.NextPageToken)
	}
	s.render(w, r, http.StatusOK, "audit", v, page)
}

// auditLink is the page's address with the filters and, when given, a page token.
func auditLink(filters url.Values, pageToken string) string {
	q := url.Values{}
	for k, vs := range filters {
		q[k] = vs
	}
	if pageToken != "" {
		q.Set("pageToken", pageToken)
	}
	if len(q) == 0 {
		return "/ops/audit"
	}
	return "/ops/audit?" + q.Encode()
}
