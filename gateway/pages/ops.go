package pages

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// The operators' pages: account approvals, traces with their waterfall, the exposure report
// and the development mailbox, each read from the operator API as the visitor (who must be an
// operator: anyone else gets the API's 403).

func (s *Site) routeOps() {
	s.routes.HandleFunc("GET /ops/accounts", s.pendingAccounts)
	s.routes.HandleFunc("POST /ops/accounts/{id}/approve", s.decideAccount("approve"))
	s.routes.HandleFunc("POST /ops/accounts/{id}/suspend", s.decideAccount("suspend"))
	s.routes.HandleFunc("GET /ops/traces", s.traces)
	s.routes.HandleFunc("GET /ops/traces/{id}", s.waterfall)
	s.routes.HandleFunc("GET /ops/exposure", s.exposure)
	s.routes.HandleFunc("GET /ops/mailbox", s.mailbox)
}

func (s *Site) pendingAccounts(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	var list accountv1.ListAccountsResponse
	if err := s.get(r, "/v1/accounts?status=ACCOUNT_STATUS_PENDING_APPROVAL&pageSize=500", &list); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "accounts", v, list.GetAccounts())
}

// decideAccount approves or suspends an account, then shows the pending ones again.
func (s *Site) decideAccount(decision string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.call(r, http.MethodPost, "/v1/accounts/"+pathEscape(r.PathValue("id"))+"/"+decision, map[string]string{}); err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, "/ops/accounts", http.StatusSeeOther)
	}
}

// getJSON reads an operator endpoint that answers plain JSON rather than a proto message.
func (s *Site) getJSON(r *http.Request, path string, into any) error {
	out, err := s.call(r, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(out.body.Bytes(), into)
}

func (s *Site) traces(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	var list struct{ Traces []telemetry.TraceSummary }
	if err := s.getJSON(r, "/v1/ops/traces?limit=200", &list); err != nil {
		s.fail(w, r, err)
		return
	}
	slices.SortStableFunc(list.Traces, func(a, b telemetry.TraceSummary) int { return b.Start.Compare(a.Start) })
	s.render(w, r, http.StatusOK, "traces", v, list.Traces)
}

// waterfallPage is one trace's spans grouped by service on a shared time axis.
type waterfallPage struct {
	TraceID    string
	DurationMs float64
	Services   []serviceLane
}

type serviceLane struct {
	Service string
	Spans   []spanBar
}

// spanBar places a span on the axis: Offset and Width are whole percentages of the trace's
// duration, so that the stylesheet's classes can draw them (the policy allows no inline style).
type spanBar struct {
	telemetry.SpanView
	Offset, Width int
}

func (s *Site) waterfall(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	id := r.PathValue("id")
	var got struct{ Spans []telemetry.SpanView }
	if err := s.getJSON(r, "/v1/ops/traces/"+pathEscape(id), &got); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "trace", v, layOut(id, got.Spans))
}

// layOut puts the spans on the trace's time axis, services in the order they first act.
func layOut(traceID string, spans []telemetry.SpanView) waterfallPage {
	page := waterfallPage{TraceID: traceID}
	if len(spans) == 0 {
		return page
	}
	slices.SortStableFunc(spans, func(a, b telemetry.SpanView) int { return a.Start.Compare(b.Start) })
	first, last := spans[0].Start, spans[0].Start
	for _, span := range spans {
		if end := spanEnd(span); end.After(last) {
			last = end
		}
	}
	total := last.Sub(first)
	page.DurationMs = float64(total.Microseconds()) / 1000
	lanes := map[string]int{}
	for _, span := range spans {
		offset, width := 0, 100
		if total > 0 {
			offset = int(math.Floor(100 * float64(span.Start.Sub(first)) / float64(total)))
			width = int(math.Round(100 * float64(spanEnd(span).Sub(span.Start)) / float64(total)))
		}
		offset = min(max(offset, 0), 99)
		width = min(max(width, 1), 100-offset)
		lane, ok := lanes[span.Service]
		if !ok {
			lane = len(page.Services)
			lanes[span.Service] = lane
			page.Services = append(page.Services, serviceLane{Service: span.Service})
		}
		page.Services[lane].Spans = append(page.Services[lane].Spans, spanBar{SpanView: span, Offset: offset, Width: width})
	}
	return page
}

func spanEnd(span telemetry.SpanView) time.Time {
	return span.Start.Add(time.Duration(span.DurationMs * float64(time.Millisecond)))
}

// AttributeKeys are the span's allow-listed attributes in a stable order.
func (b spanBar) AttributeKeys() []string {
	keys := make([]string, 0, len(b.Attributes))
	for k := range b.Attributes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Bar is the classes placing the span on the axis.
func (b spanBar) Bar() string { return fmt.Sprintf("at%d sw%d", b.Offset, b.Width) }

func (s *Site) exposure(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	var report matchingv1.GetExposureReportResponse
	if err := s.get(r, "/v1/ops/exposure", &report); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "exposure", v, exposurePage{OpenMissions: report.GetOpenMissions(), Tables: []exposureTable{
		{Caption: "ExposureOverall", Rows: []*matchingv1.ExposureFigures{report.GetOverall()}},
		{Caption: "ExposureByCountry", Rows: report.GetByCountry()},
		{Caption: "ExposureBySeniority", Rows: report.GetBySeniority()},
	}})
}

// exposurePage is the exposure report as tables: everyone, by country, by seniority.
type exposurePage struct {
	OpenMissions int32
	Tables       []exposureTable
}

type exposureTable struct {
	Caption string
	Rows    []*matchingv1.ExposureFigures
}

// mailedMessage is one email of the development mailbox.
type mailedMessage struct {
	ID, From, To, Subject, Text string
	SentAt                      time.Time
}

func (s *Site) mailbox(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	var box struct{ Messages []mailedMessage }
	if err := s.getJSON(r, "/v1/ops/mailbox", &box); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "mailbox", v, box.Messages)
}
