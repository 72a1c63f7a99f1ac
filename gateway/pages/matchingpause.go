package pages

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
)

// routeMatchingPause routes the operators' switch that pauses and resumes automated matching
// (AI Act art. 14): /ops/matching shows whether it is paused, since when, by whom and why, with
// a form to pause it (a reason is required) or to resume it. The API decides who may (operators
// only: anyone else gets its 403).
func (s *Site) routeMatchingPause() {
	s.routes.HandleFunc("GET /ops/matching", s.matchingSwitch)
	s.routes.HandleFunc("POST /ops/matching/pause", s.pauseMatching)
	s.routes.HandleFunc("POST /ops/matching/resume", s.resumeMatching)
}

// matchingPage is the switch as the API tells it, and the pause form when refused.
type matchingPage struct {
	State *matchingv1.MatchingState
	// Reason is the refused pause's reason, given back in its field; Problem is the message
	// shown beside it.
	Reason  string
	Problem string
	// Failed is set when the API refused a command without naming a field.
	Failed bool
}

// Since is when matching was paused, as people read it in the visitor's language.
func (p matchingPage) Since(loc *i18n.Localizer) string {
	t := p.State.GetSince().AsTime().UTC()
	return translateWith(loc, "Matching_SinceAt", "Day", fmt.Sprintf("%d %s %d", t.Day(),
		label(loc, "Profile_Month_", strconv.Itoa(int(t.Month()))), t.Year()), "Time", t.Format("15:04"))
}

func (s *Site) matchingSwitch(w http.ResponseWriter, r *http.Request) {
	s.showMatching(w, r, matchingPage{})
}

// showMatching reads the switch and renders the page with what page already holds.
func (s *Site) showMatching(w http.ResponseWriter, r *http.Request, page matchingPage) {
	page.State = &matchingv1.MatchingState{}
	if err := s.get(r, "/v1/ops/matching", page.State); err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if page.Problem != "" || page.Failed {
		status = http.StatusBadRequest
	}
	s.render(w, r, status, "matching", s.visitor(r), page)
}

// pauseMatching sends the reason in the request's body; a refusal naming the reason is shown
// beside its field, in the visitor's language.
func (s *Site) pauseMatching(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "reason")
	if _, err := s.call(r, http.MethodPost, "/v1/ops/matching/pause", map[string]string{"reason": f.Values["reason"]}); err != nil {
		s.refuseMatching(w, r, err, matchingPage{Reason: f.Values["reason"]})
		return
	}
	http.Redirect(w, r, "/ops/matching", http.StatusSeeOther)
}

func (s *Site) resumeMatching(w http.ResponseWriter, r *http.Request) {
	if _, err := s.call(r, http.MethodPost, "/v1/ops/matching/resume", map[string]string{}); err != nil {
		s.refuseMatching(w, r, err, matchingPage{})
		return
	}
	http.Redirect(w, r, "/ops/matching", http.StatusSeeOther)
}

// refuseMatching shows the page again after the API refused a command (400): the reason's
// error beside its field, in the visitor's language, or a message for the form. Anything else
// is the API's own answer (403 for a visitor who may not use the switch) or the error page.
func (s *Site) refuseMatching(w http.ResponseWriter, r *http.Request, err error, page matchingPage) {
	var e *apiError
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		s.fail(w, r, err)
		return
	}
	if _, named := e.Fields["reason"]; named {
		page.Problem = translate(s.localizer(r), "Matching_Invalid_reason")
	} else {
		page.Failed = true
	}
	s.showMatching(w, r, page)
}
