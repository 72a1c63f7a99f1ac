package pages

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"google.golang.org/protobuf/types/known/timestamppb"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
)

type notificationList struct {
	notificationv1.ListNotificationsResponse
}

func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", s.visitor(r), nil)
}

// form is a form's values and the errors to show beside its fields.
type form struct {
	Values map[string]string
	Errors map[string]string
	// Failed is a message for the form as a whole (an answer that names no field).
	Failed bool
	Done   bool
}

func newForm(r *http.Request, fields ...string) form {
	f := form{Values: map[string]string{}, Errors: map[string]string{}}
	for _, name := range fields {
		f.Values[name] = strings.TrimSpace(r.PostFormValue(name))
	}
	return f
}

// failsThePage tells whether an API refusal is the page's, not the form's: the visitor is
// unknown (sign in), may not do this, the object is gone, or the platform failed. A form
// shows only what its visitor can fix: invalid values and conflicts.
func failsThePage(err error) bool {
	var e *apiError
	if !errors.As(err, &e) {
		return err != nil
	}
	switch e.Status {
	case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusPreconditionFailed:
		return false
	}
	return true
}

// refuse copies the API's field violations beside the fields; anything else fails the form.
func (f *form) refuse(err error) {
	var e *apiError
	if errors.As(err, &e) && len(e.Fields) > 0 {
		for field, description := range e.Fields {
			f.Errors[field] = description
		}
		return
	}
	f.Failed = true
}

func (s *Site) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", s.visitor(r), form{})
}

// startSignIn asks the API to email a sign-in link; the answer is the same whether or not the
// address has an account.
func (s *Site) startSignIn(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "email")
	if _, err := s.call(r, http.MethodPost, "/v1/sessions", map[string]string{"email": f.Values["email"]}); err != nil {
		if failsThePage(err) {
			s.fail(w, r, err)
			return
		}
		f.refuse(err)
		s.render(w, r, http.StatusOK, "signin", s.visitor(r), f)
		return
	}
	f.Done = true
	s.render(w, r, http.StatusOK, "signin", s.visitor(r), f)
}

func (s *Site) signUpForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signup", s.visitor(r), form{Values: map[string]string{"role": "FIRM"}})
}

func (s *Site) signUp(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "role", "name", "email")
	if _, err := s.call(r, http.MethodPost, "/v1/signup", f.Values); err != nil {
		f.refuse(err)
		s.render(w, r, http.StatusOK, "signup", s.visitor(r), f)
		return
	}
	s.render(w, r, http.StatusOK, "verify", s.visitor(r), form{Values: map[string]string{"email": f.Values["email"]}})
}

// verifySignUp checks the emailed code, then sends a sign-in link at once: the account's
// token is for programs, and a browser signs in by link.
func (s *Site) verifySignUp(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "email", "code")
	if _, err := s.call(r, http.MethodPost, "/v1/signup/verify", f.Values); err != nil {
		f.refuse(err)
		s.render(w, r, http.StatusOK, "verify", s.visitor(r), f)
		return
	}
	_, err := s.call(r, http.MethodPost, "/v1/sessions", map[string]string{"email": f.Values["email"]})
	f.Done, f.Failed = true, err != nil
	s.render(w, r, http.StatusOK, "verify", s.visitor(r), f)
}

// signOut ends the session through the API and passes on its clearing of the cookie.
// A session the API no longer knows is over already: the cookie goes all the same. Any other
// failure leaves the session open, and the visitor is told.
func (s *Site) signOut(w http.ResponseWriter, r *http.Request) {
	out, err := s.call(r, http.MethodDelete, "/v1/sessions/current", nil)
	var e *apiError
	switch {
	case err == nil:
		for _, c := range out.header.Values("Set-Cookie") {
			w.Header().Add("Set-Cookie", c)
		}
	case errors.As(err, &e) && e.Status == http.StatusUnauthorized:
		s.setCookie(w, r, s.cfg.SessionCookie, "", "/", -1)
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Site) notifications(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	var list notificationList
	if err := s.get(r, "/v1/notifications?pageSize=50", &list.ListNotificationsResponse); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notifications", v, list.GetNotifications())
}

// unread is the header's count alone, which the page asks for again at every notification.
func (s *Site) unread(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	if !v.Notified() {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	s.renderBlock(w, r, http.StatusOK, "notifications", "unreadCount", v, nil)
}

func (s *Site) markRead(w http.ResponseWriter, r *http.Request) {
	if _, err := s.call(r, http.MethodPost, "/v1/notifications/"+pathEscape(r.PathValue("id"))+"/read", map[string]string{}); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

// missions lists the firm's missions, newest first, 50 a page; ?page= is the API's token of
// the next page (opaque, no personal data), which the "older" link carries.
func (s *Site) missions(w http.ResponseWriter, r *http.Request) {
	v := s.visitor(r)
	path := "/v1/missions?pageSize=50"
	if token := r.URL.Query().Get("page"); token != "" {
		path += "&pageToken=" + url.QueryEscape(token)
	}
	var list missionv1.ListMissionsResponse
	if err := s.get(r, path, &list); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "missions", v, missionList{Missions: list.GetMissions(), Next: list.GetNextPageToken(),
		Paged: r.URL.Query().Get("page") != ""})
}

// missionList is a page of the firm's missions.
type missionList struct {
	Missions []*missionv1.Mission
	// Next is the token of the older missions' page, if any; Paged is true past the first page.
	Next  string
	Paged bool
}

// missionPage is a mission with its shortlist, when there is one yet.
type missionPage struct {
	Mission   *missionv1.Mission
	Shortlist *matchingv1.GetShortlistResponse
	// Offer is the offer form the API refused, shown again under its candidate.
	Offer     form
	OfferedTo string
	// Widened is false when the API refused a widening hint.
	WideningRefused bool
	// Consultant is the staffed consultant's profile, with the contact the API gives the firm.
	Consultant *profilev1.Profile
	// Decisions is the mission's audit trail, newest first: the firm reads what was decided and why.
	Decisions []*missionv1.Decision
	// ByFirm is true when the mission's firm reads the page, which alone makes offers.
	ByFirm bool
	// After is what follows an offer: answers to counters, extensions, the end and feedback.
	After afterStaffing
}

func (s *Site) mission(w http.ResponseWriter, r *http.Request) {
	s.showMission(w, r, missionPage{})
}

// showMission renders the mission page over page's form state.
func (s *Site) showMission(w http.ResponseWriter, r *http.Request, page missionPage) {
	v := s.visitor(r)
	if err := s.loadMission(r, v, &page); err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if page.OfferedTo != "" || page.WideningRefused {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "mission", v, page)
}

// loadMission fills page with the mission of the path and all the page shows of it.
func (s *Site) loadMission(r *http.Request, v visitor, page *missionPage) error {
	id := pathEscape(r.PathValue("id"))
	var got missionv1.GetMissionResponse
	if err := s.get(r, "/v1/missions/"+id, &got); err != nil {
		return err
	}
	page.Mission, page.ByFirm = got.GetMission(), v.Firm()
	if v.Firm() && slices.Contains(staffedStatuses, page.Mission.GetStatus()) {
		page.Consultant = s.staffedConsultant(r, page.Mission)
	}
	if v.Firm() || v.Operator() {
		var trail missionv1.ListDecisionsResponse
		if err := s.get(r, "/v1/missions/"+id+"/decisions", &trail); err != nil {
			return err
		}
		page.Decisions = trail.GetDecisions()
		slices.Reverse(page.Decisions)
	}
	if err := s.loadAfterStaffing(r, v, page); err != nil {
		return err
	}
	var shortlist matchingv1.GetShortlistResponse
	switch err := s.get(r, "/v1/missions/"+id+"/shortlist", &shortlist); {
	case err == nil:
		page.Shortlist = &shortlist
	case !isNotFound(err):
		return err
	}
	return nil
}

// missionLive answers the mission page's live region. The mission says which shortlist revision
// it holds (reading it reads nobody's data): while that is the revision the page shows (?seen=)
// and the mission may still change, 204 and nothing moves; else the region anew, which stops
// asking once the mission is settled.
func (s *Site) missionLive(w http.ResponseWriter, r *http.Request) {
	seen, err := strconv.ParseInt(r.URL.Query().Get("seen"), 10, 64)
	if err != nil || seen < 0 {
		s.renderError(w, r, http.StatusBadRequest)
		return
	}
	var got missionv1.GetMissionResponse
	if err := s.get(r, "/v1/missions/"+pathEscape(r.PathValue("id")), &got); err != nil {
		s.fail(w, r, err)
		return
	}
	if got.GetMission().GetShortlistRevision() == seen && (missionPage{Mission: got.GetMission()}).Live() {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	v := s.identify(r)
	var page missionPage
	if err := s.loadMission(r, v, &page); err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderBlock(w, r, http.StatusOK, "mission", "livePart", v, page)
}

func isNotFound(err error) bool {
	var e *apiError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

var templateFuncs = template.FuncMap{
	"t":     translate,
	"tf":    translateWith,
	"enum":  enumLabel,
	"label": label,
	"errorText": func(loc *i18n.Localizer, status any) string {
		if text := label(loc, "Error_", fmt.Sprint(status)); text != fmt.Sprint(status) {
			return text
		}
		return translateWith(loc, "Error_other", "Status", status)
	},
	"list":    func(items ...string) []string { return items },
	"fieldOf": fieldOf,
	"ms":      func(ms float64) string { return fmt.Sprintf("%.1f ms", ms) },
	"percent": func(x float64) int { return int(math.Round(100 * x)) },
	// bar is the CSS class of a bar x (0 to 1) long, in steps of 5 %: the policy allows no
	// inline style, so widths are classes of the stylesheet.
	"bar":    func(x float64) string { return fmt.Sprintf("w%d", 5*int(math.Round(20*math.Max(0, math.Min(1, x))))) },
	"points": func(weight, value float64) string { return fmt.Sprintf("%.1f", 100*weight*value) },
	"weight": func(weight float64) string { return fmt.Sprintf("%.0f", 100*weight) },
	"when":   func(at *timestamppb.Timestamp) string { return at.AsTime().UTC().Format("2006-01-02 15:04 UTC") },
}

// translate is the message id in the visitor's language; the id itself when the catalogue
// lacks it (a test checks every id the templates use).
func translate(loc *i18n.Localizer, id string) string {
	return translateWith(loc, id)
}

// translateWith fills the message's template with key, value pairs.
func translateWith(loc *i18n.Localizer, id string, pairs ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		data[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	text, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return text
}

// enumLabel names an enum value (MISSION_STATUS_SHORTLISTED) in the visitor's language,
// falling back to the value made readable.
func enumLabel(loc *i18n.Localizer, value fmt.Stringer) string {
	id := value.String()
	text, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	if err != nil {
		return strings.ToLower(strings.ReplaceAll(id, "_", " "))
	}
	return text
}

// label names a component, rule or field (name) under a catalogue prefix, or else shows name.
func label(loc *i18n.Localizer, prefix, name string) string {
	text, err := loc.Localize(&i18n.LocalizeConfig{MessageID: prefix + name})
	if err != nil {
		return name
	}
	return text
}
