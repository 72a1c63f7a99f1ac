package pages

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// The operators' pages: account approvals, traces (searched) with their waterfall, the flow of
// missions to their first shortlist, staffing plans, the exposure report and the development
// mailbox, each read from the operator API as the visitor (who must be an operator: anyone else
// gets the API's 403, or the same 403 from the page where the API would show a firm its own).

func (s *Site) routeOps() {
	s.routes.HandleFunc("GET /ops/accounts", s.pendingAccounts)
	s.routes.HandleFunc("POST /ops/accounts/{id}/approve", s.decideAccount("approve"))
	s.routes.HandleFunc("POST /ops/accounts/{id}/suspend", s.decideAccount("suspend"))
	s.routes.HandleFunc("GET /ops/traces", s.traces)
	s.routes.HandleFunc("GET /ops/flows", s.flows)
	s.routes.HandleFunc("GET /ops/plans", s.plans)
	s.routes.HandleFunc("POST /ops/plans", s.runPlan)
	s.routes.HandleFunc("GET /ops/plans/{id}", s.plan)
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
	page := accountsPage{Accounts: list.GetAccounts(), Erased: keptPseudonym(r)}
	if page.Erased != "" { // said once
		s.setCookie(w, r, erasedCookie, "", opsAccountsPath, -1)
	}
	s.render(w, r, http.StatusOK, "accounts", v, page)
}

// accountsPage is the accounts waiting for approval, and the pseudonym of the account the
// operator just erased, if any.
type accountsPage struct {
	Accounts []*accountv1.Account
	Erased   string
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

// traceSearchFields are the trace search form's fields, named as the API's query parameters.
var traceSearchFields = []string{"service", "rootNameContains", "minDurationMs", "errorsOnly", "limit"}

// defaultTraceLimit is how many traces the page lists when the form leaves the limit blank.
const defaultTraceLimit = "200"

// platformServices are suggested in the service field; any name may be typed.
var platformServices = []string{"gateway", "profile", "mission", "matching", "notification"}

// tracesPage is the trace search form, kept as sent, and the traces it found.
type tracesPage struct {
	Search   form
	Services []string
	Traces   []telemetry.TraceSummary
}

// traces searches the traces with the form's values, sent as they are to the API, which
// checks them: what it refuses is shown beside its field. The values are no personal data
// (service and operation names, numbers), so the form is a GET and a search can be bookmarked.
func (s *Site) traces(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	page := tracesPage{Search: form{Values: map[string]string{}, Errors: map[string]string{}}, Services: platformServices}
	query := url.Values{}
	for _, field := range traceSearchFields {
		value := strings.TrimSpace(r.URL.Query().Get(field))
		if field == "limit" && value == "" {
			value = defaultTraceLimit
		}
		page.Search.Values[field] = value
		if value != "" {
			query.Set(field, value)
		}
	}
	var list struct{ Traces []telemetry.TraceSummary }
	if err := s.getJSON(r, "/v1/ops/traces?"+query.Encode(), &list); err != nil {
		var refused *apiError
		if !errors.As(err, &refused) || refused.Status != http.StatusBadRequest || len(refused.Fields) == 0 {
			s.fail(w, r, err)
			return
		}
		s.refuseSearch(r, &page.Search, refused)
		s.render(w, r, http.StatusBadRequest, "traces", v, page)
		return
	}
	page.Traces = list.Traces
	s.render(w, r, http.StatusOK, "traces", v, page)
}

// refuseSearch puts the API's refusal beside the search's fields, said in the page's language
// (the API describes its field violations in English).
func (s *Site) refuseSearch(r *http.Request, f *form, refused *apiError) {
	loc := s.localizer(r)
	for field, description := range refused.Fields {
		if slices.Contains(traceSearchFields, field) {
			description = translate(loc, "Ops_Invalid_"+field)
		}
		f.Errors[field] = description
	}
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
		// The store says ERROR, UNSET or OK; the template marks a failed span by "error".
		span.Status = strings.ToLower(span.Status)
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

// operatorOnly answers a page that only operators may see, for anyone else: to the sign-in
// page when signed out, else the 403 the operator API gives. It is for pages whose API calls
// would show a firm its own records (GET /v1/missions lists a firm's missions) where the page
// is about all of them.
func (s *Site) operatorOnly(w http.ResponseWriter, r *http.Request, v visitor) bool {
	switch {
	case !v.SignedIn:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case !v.Operator():
		s.renderError(w, r, http.StatusForbidden)
	default:
		return true
	}
	return false
}

// Bounds of the flows page's work.
const (
	// flowsMissions is how many of the newest missions the page reads, each with its trail.
	flowsMissions = 200
	// flowsReaders is how many trails are read at once.
	flowsReaders = 4
	// slowestShown is how many of the slowest missions the page lists.
	slowestShown = 10
)

// newestMissions reads up to limit missions, newest first, a page of 100 at a time; more tells
// whether older ones were left unread.
func (s *Site) newestMissions(r *http.Request, limit int) (missions []*missionv1.Mission, more bool, err error) {
	token := ""
	for len(missions) < limit {
		size := min(100, limit-len(missions))
		var page missionv1.ListMissionsResponse
		if err := s.get(r, fmt.Sprintf("/v1/missions?pageSize=%d&pageToken=%s", size, url.QueryEscape(token)), &page); err != nil {
			return nil, false, err
		}
		missions = append(missions, page.GetMissions()...)
		token = page.GetNextPageToken()
		if token == "" {
			return missions, false, nil
		}
	}
	return missions, true, nil
}

// trails reads the decisions of the missions that may have had a shortlist (a submitted one
// has not), a few at a time; a trail that cannot be read stays nil.
func (s *Site) trails(r *http.Request, missions []*missionv1.Mission) [][]*missionv1.Decision {
	out := make([][]*missionv1.Decision, len(missions))
	next := make(chan int)
	var wg sync.WaitGroup
	for range flowsReaders {
		wg.Go(func() {
			for i := range next {
				var trail missionv1.ListDecisionsResponse
				if s.get(r, "/v1/missions/"+pathEscape(missions[i].GetId())+"/decisions", &trail) == nil {
					out[i] = trail.GetDecisions()
				}
			}
		})
	}
	for i, m := range missions {
		if m.GetStatus() != missionv1.MissionStatus_MISSION_STATUS_SUBMITTED {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	return out
}

// flowsPage is how the newest missions flow: how many are in each status, and how long they
// waited from submission to their first shortlist.
type flowsPage struct {
	// Read is how many missions were read, at most Limit; More tells that older ones were not.
	Read, Limit int
	More        bool
	// Statuses counts the missions read by status, in the order of the lifecycle.
	Statuses []statusCount
	// Measured is how many missions had a first shortlist; Unread how many trails could not be read.
	Measured, Unread int
	// Median, P90 and Max are the time to the first shortlist, written for the reader.
	Median, P90, Max string
	// Slowest are the missions that waited longest, slowest first.
	Slowest []missionFlow
}

type statusCount struct {
	Status missionv1.MissionStatus
	Count  int
}

// missionFlow is one mission's wait for its first shortlist.
type missionFlow struct {
	Mission     *missionv1.Mission
	SubmittedAt *timestamppb.Timestamp
	Wait        time.Duration
	Elapsed     string
}

// operatorsMissions reads the newest missions for an operator's page; false when the page
// has been answered instead (the visitor is no operator, or the API failed).
func (s *Site) operatorsMissions(w http.ResponseWriter, r *http.Request, v visitor) (missions []*missionv1.Mission, more, ok bool) {
	if !s.operatorOnly(w, r, v) {
		return nil, false, false
	}
	missions, more, err := s.newestMissions(r, flowsMissions)
	if err != nil {
		s.fail(w, r, err)
		return nil, false, false
	}
	return missions, more, true
}

func (s *Site) flows(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	missions, more, ok := s.operatorsMissions(w, r, v)
	if !ok {
		return
	}
	page := measureFlows(locale.FromContext(r.Context()), missions, s.trails(r, missions))
	page.More = more
	s.render(w, r, http.StatusOK, "flows", v, page)
}

// measureFlows counts the missions by status and measures, from each trail (aligned with
// missions; nil when not read), the time from the submission to the first shortlist proposed.
func measureFlows(lang locale.Language, missions []*missionv1.Mission, trails [][]*missionv1.Decision) flowsPage {
	page := flowsPage{Read: len(missions), Limit: flowsMissions}
	counts := map[missionv1.MissionStatus]int{}
	var flows []missionFlow
	for i, m := range missions {
		counts[m.GetStatus()]++
		if m.GetStatus() == missionv1.MissionStatus_MISSION_STATUS_SUBMITTED {
			continue
		}
		if trails[i] == nil {
			page.Unread++
			continue
		}
		if flow, ok := firstShortlist(m, trails[i]); ok {
			flows = append(flows, flow)
		}
	}
	for value := range missionv1.MissionStatus_name {
		if status := missionv1.MissionStatus(value); counts[status] > 0 {
			page.Statuses = append(page.Statuses, statusCount{Status: status, Count: counts[status]})
		}
	}
	slices.SortFunc(page.Statuses, func(a, b statusCount) int { return int(a.Status - b.Status) })
	page.Measured = len(flows)
	if len(flows) == 0 {
		return page
	}
	slices.SortStableFunc(flows, func(a, b missionFlow) int { return int(b.Wait - a.Wait) })
	waits := make([]time.Duration, len(flows))
	for i := range flows {
		flows[i].Elapsed = elapsed(lang, flows[i].Wait)
		waits[len(flows)-1-i] = flows[i].Wait
	}
	page.Median = elapsed(lang, percentile(waits, 0.5))
	page.P90 = elapsed(lang, percentile(waits, 0.9))
	page.Max = elapsed(lang, waits[len(waits)-1])
	page.Slowest = flows[:min(slowestShown, len(flows))]
	return page
}

// firstShortlist is the mission's wait from its submission (the trail's, else its creation)
// to the first shortlist proposed; false when none was.
func firstShortlist(m *missionv1.Mission, trail []*missionv1.Decision) (missionFlow, bool) {
	submitted := m.GetCreatedAt()
	for _, d := range trail {
		switch d.GetKind() {
		case missionv1.DecisionKind_DECISION_KIND_MISSION_SUBMITTED:
			submitted = d.GetAt()
		case missionv1.DecisionKind_DECISION_KIND_SHORTLIST_PROPOSED:
			if submitted == nil {
				return missionFlow{}, false
			}
			wait := max(0, d.GetAt().AsTime().Sub(submitted.AsTime()))
			return missionFlow{Mission: m, SubmittedAt: submitted, Wait: wait}, true
		}
	}
	return missionFlow{}, false
}

// percentile is the p-th quantile (0 to 1) of sorted, interpolated between the closest ranks.
func percentile(sorted []time.Duration, p float64) time.Duration {
	at := p * float64(len(sorted)-1)
	below := int(math.Floor(at))
	if below+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[below] + time.Duration(math.Round((at-float64(below))*float64(sorted[below+1]-sorted[below])))
}

// elapsed writes a duration for the reader: milliseconds, seconds, minutes or hours, with the
// language's decimal mark.
func elapsed(lang locale.Language, d time.Duration) string {
	switch {
	case d < time.Second:
		return decimal(lang, float64(d)/float64(time.Millisecond), 0) + " ms"
	case d < time.Minute:
		return decimal(lang, d.Seconds(), 1) + " s"
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// decimal writes x with digits decimals and the language's decimal mark.
func decimal(lang locale.Language, x float64, digits int) string {
	text := strconv.FormatFloat(x, 'f', digits, 64)
	if lang == locale.French {
		text = strings.Replace(text, ".", ",", 1)
	}
	return text
}

// openStatuses are the statuses of the missions a staffing plan may take: matching keeps them
// open until they are staffed or cancelled.
var openStatuses = []missionv1.MissionStatus{missionv1.MissionStatus_MISSION_STATUS_SUBMITTED,
	missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED, missionv1.MissionStatus_MISSION_STATUS_OFFERED,
	missionv1.MissionStatus_MISSION_STATUS_NO_MATCH}

// plansPage is the form that runs a plan: over every open mission, or over those chosen among
// the newest open ones.
type plansPage struct {
	// Open are the open missions among the newest Limit; More tells that older ones were not read.
	Open  []*missionv1.Mission
	Limit int
	More  bool
	// Chosen are the missions ticked in a refused form; Problems the API's refusal by mission id.
	Chosen   map[string]bool
	Problems map[string]string
	// NoneChosen is a choice sent without any mission; Failed a refusal naming no mission.
	NoneChosen, Failed bool
}

// Unlisted are the refusals of chosen missions the form no longer shows (staffed or cancelled
// meanwhile), said above the form.
func (p plansPage) Unlisted() []missionRef {
	var out []missionRef
	for id, problem := range p.Problems {
		if !slices.ContainsFunc(p.Open, func(m *missionv1.Mission) bool { return m.GetId() == id }) {
			out = append(out, missionRef{ID: id, Title: problem})
		}
	}
	slices.SortFunc(out, func(a, b missionRef) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (s *Site) plans(w http.ResponseWriter, r *http.Request) {
	s.showPlans(w, r, plansPage{})
}

func (s *Site) showPlans(w http.ResponseWriter, r *http.Request, page plansPage) {
	v := s.visitor(r)
	missions, more, ok := s.operatorsMissions(w, r, v)
	if !ok {
		return
	}
	for _, m := range missions {
		if slices.Contains(openStatuses, m.GetStatus()) {
			page.Open = append(page.Open, m)
		}
	}
	page.Limit, page.More = flowsMissions, more
	status := http.StatusOK
	if page.NoneChosen || page.Failed || len(page.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "plans", v, page)
}

// runPlan asks the API for a plan and shows it. Plans are not listed anywhere (the API has no
// list of them): the plan's page address is the only way back to it.
func (s *Site) runPlan(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	chosen := r.PostForm["missionIds"]
	if len(chosen) > flowsMissions { // more than the form offers: not sent from it
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	if r.PostFormValue("scope") == "chosen" && len(chosen) == 0 {
		s.showPlans(w, r, plansPage{NoneChosen: true})
		return
	}
	out, err := s.call(r, http.MethodPost, "/v1/staffing-plans", map[string][]string{"missionIds": chosen})
	if err == nil {
		var made matchingv1.CreateStaffingPlanResponse
		if err = unmarshal(out, &made); err == nil {
			http.Redirect(w, r, "/ops/plans/"+pathEscape(made.GetPlan().GetId()), http.StatusSeeOther)
			return
		}
	}
	var refused *apiError
	if !errors.As(err, &refused) || refused.Status != http.StatusBadRequest {
		s.fail(w, r, err)
		return
	}
	// The API names a refused mission by its place in the list: missionIds[2].
	page := plansPage{Chosen: map[string]bool{}, Problems: map[string]string{}}
	loc := s.localizer(r)
	for _, id := range chosen {
		page.Chosen[id] = true
	}
	for field, description := range refused.Fields {
		var i int
		if _, err := fmt.Sscanf(field, "missionIds[%d]", &i); err != nil || i < 0 || i >= len(chosen) {
			page.Failed = true
			continue
		}
		page.Problems[chosen[i]] = translate(loc, cmp.Or(planRefusals[description], "Ops_PlanMissionRefused"))
	}
	page.Failed = page.Failed || len(page.Problems) == 0
	s.showPlans(w, r, page)
}

// planRefusals say in the page's language why the API refused a chosen mission.
var planRefusals = map[string]string{"is not an open mission": "Ops_PlanNotOpen", "is listed twice": "Ops_PlanListedTwice"}

// planPage is a staffing plan with its numbers written for the reader.
type planPage struct {
	Plan        *matchingv1.StaffingPlan
	TotalScore  string
	SolveMillis string
	Assignments []assignmentView
	Unstaffed   []missionRef
}

// missionRef is a mission of a plan, with its title when it is among the newest missions.
type missionRef struct{ ID, Title string }

type assignmentView struct {
	Mission    missionRef
	ProfileID  string
	Score      string
	Alternates []alternateView
}

type alternateView struct{ ProfileID, Score string }

func (s *Site) plan(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	var got matchingv1.GetStaffingPlanResponse
	if err := s.get(r, "/v1/staffing-plans/"+pathEscape(r.PathValue("id")), &got); err != nil {
		s.fail(w, r, err)
		return
	}
	titles := map[string]string{}
	if missions, _, err := s.newestMissions(r, flowsMissions); err == nil {
		for _, m := range missions {
			titles[m.GetId()] = m.GetTitle()
		}
	}
	s.render(w, r, http.StatusOK, "plan", v, describePlan(locale.FromContext(r.Context()), got.GetPlan(), titles))
}

// describePlan writes the plan's scores in the reader's language and names its missions.
func describePlan(lang locale.Language, p *matchingv1.StaffingPlan, titles map[string]string) planPage {
	page := planPage{Plan: p, TotalScore: decimal(lang, p.GetTotalScore(), 2), SolveMillis: decimal(lang, p.GetSolveMs(), 1)}
	for _, a := range p.GetAssignments() {
		view := assignmentView{Mission: missionRef{a.GetMissionId(), titles[a.GetMissionId()]}, ProfileID: a.GetProfileId(),
			Score: decimal(lang, a.GetScore(), 2)}
		for _, alt := range a.GetAlternates() {
			view.Alternates = append(view.Alternates, alternateView{alt.GetProfileId(), decimal(lang, alt.GetScore(), 2)})
		}
		page.Assignments = append(page.Assignments, view)
	}
	for _, id := range p.GetUnstaffedMissionIds() {
		page.Unstaffed = append(page.Unstaffed, missionRef{id, titles[id]})
	}
	return page
}
