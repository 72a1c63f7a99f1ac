package pages

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// afterStaffing is what follows an offer on one mission: on the firm's mission page its offers
// (with the answer to a counter-proposal), extensions, the early end and feedback; on the
// consultant's offers page, under their accepted offer, the same without the offers.
type afterStaffing struct {
	Loc  *i18n.Localizer
	Lang locale.Language
	// ForFirm is true on the firm's mission page, false under a consultant's accepted offer.
	ForFirm    bool
	Mission    *missionv1.Mission
	Offers     []*missionv1.Offer
	Extensions []*missionv1.Extension
	Feedback   []*missionv1.Feedback
	// Refused is the form the API refused, shown again with its problems.
	Refused afterRefusal
}

// afterRefusal is a refused form: its kind (acceptCounter, withdraw, extension,
// acceptExtension, declineExtension, end, feedback), the offer or extension it was about, its
// values and problems, and Why, the refusal that names no field, in the visitor's words.
type afterRefusal struct {
	Kind   string
	Target string
	Form   form
	Why    string
}

func (s *Site) routeAfterStaffing() {
	s.routes.HandleFunc("POST /missions/{id}/offers/{offerId}/accept-counter", s.acceptCounter)
	s.routes.HandleFunc("POST /missions/{id}/offers/{offerId}/withdraw", s.withdrawOffer)
	s.routes.HandleFunc("POST /missions/{id}/extensions", s.requestExtension)
	s.routes.HandleFunc("POST /missions/{id}/extensions/{extId}/accept", s.acceptExtension)
	s.routes.HandleFunc("POST /missions/{id}/extensions/{extId}/decline", s.declineExtension)
	s.routes.HandleFunc("POST /missions/{id}/end", s.endMission)
	s.routes.HandleFunc("POST /missions/{id}/feedback", s.giveFeedback)
}

// loadAfterStaffing fills page.After for visitor v: only the owning firm reads a mission page's
// offers, extensions and feedback. A refused form already in page.After is kept.
func (s *Site) loadAfterStaffing(r *http.Request, v visitor, page *missionPage) error {
	if !v.Firm() {
		return nil
	}
	after, err := s.afterFor(r, page.Mission, true)
	if err != nil {
		return err
	}
	if after.Offers, err = s.missionOffers(r, page.Mission.GetId()); err != nil {
		return err
	}
	after.Refused = page.After.Refused
	page.After = *after
	return nil
}

// afterFor reads a mission's extensions once staffed, and its feedback once ended.
func (s *Site) afterFor(r *http.Request, mission *missionv1.Mission, forFirm bool) (*afterStaffing, error) {
	a := &afterStaffing{Loc: s.localizer(r), Lang: locale.FromContext(r.Context()), ForFirm: forFirm, Mission: mission}
	base := "/v1/missions/" + pathEscape(mission.GetId())
	if slices.Contains(staffedStatuses, mission.GetStatus()) {
		var extensions missionv1.ListExtensionsResponse
		if err := s.get(r, base+"/extensions", &extensions); err != nil {
			return nil, err
		}
		a.Extensions = extensions.GetExtensions()
	}
	if a.Ended() {
		var feedback missionv1.ListFeedbackResponse
		if err := s.get(r, base+"/feedback", &feedback); err != nil {
			return nil, err
		}
		a.Feedback = feedback.GetFeedback()
	}
	return a, nil
}

// maxOfferPages bounds the firm's offers read for one mission page (100 offers a page); the API
// lists a firm's offers on all its missions, with no filter by mission.
const maxOfferPages = 20

// missionOffers are the firm's offers on missionID, newest first (as the API lists them).
func (s *Site) missionOffers(r *http.Request, missionID string) ([]*missionv1.Offer, error) {
	var offers []*missionv1.Offer
	token := ""
	for range maxOfferPages {
		path := "/v1/offers?pageSize=100&missionId=" + url.QueryEscape(missionID)
		if token != "" {
			path += "&pageToken=" + url.QueryEscape(token)
		}
		var page missionv1.ListOffersResponse
		if err := s.get(r, path, &page); err != nil {
			return nil, err
		}
		offers = append(offers, page.GetOffers()...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	return offers, nil
}

// Shown tells whether there is anything to show: an offer made, or a staffed mission.
func (a afterStaffing) Shown() bool {
	return a.Mission != nil && (len(a.Offers) > 0 || slices.Contains(staffedStatuses, a.Mission.GetStatus()))
}

// Staffed tells whether the mission runs: it may be extended or ended early.
func (a afterStaffing) Staffed() bool {
	return a.Mission.GetStatus() == missionv1.MissionStatus_MISSION_STATUS_STAFFED
}

// Ended tells whether the mission ended (early or at its end date): feedback is open.
func (a afterStaffing) Ended() bool {
	status := a.Mission.GetStatus()
	return status == missionv1.MissionStatus_MISSION_STATUS_ENDED_EARLY || status == missionv1.MissionStatus_MISSION_STATUS_COMPLETED
}

// CanExtend tells whether the firm may ask for an extension: staffed, none waiting for an answer.
func (a afterStaffing) CanExtend() bool {
	return a.ForFirm && a.Staffed() && !slices.ContainsFunc(a.Extensions, func(e *missionv1.Extension) bool {
		return e.GetStatus() == missionv1.ExtensionStatus_EXTENSION_STATUS_PENDING
	})
}

// Answerable tells whether the consultant may accept or decline extension e.
func (a afterStaffing) Answerable(e *missionv1.Extension) bool {
	return !a.ForFirm && a.Staffed() && e.GetStatus() == missionv1.ExtensionStatus_EXTENSION_STATUS_PENDING
}

// Countered tells whether the firm may accept offer o's counter-proposal.
func (a afterStaffing) Countered(o *missionv1.Offer) bool {
	return a.ForFirm && o.GetStatus() == missionv1.OfferStatus_OFFER_STATUS_COUNTERED
}

// Withdrawable tells whether the firm may take offer o back.
func (a afterStaffing) Withdrawable(o *missionv1.Offer) bool {
	return a.ForFirm && (o.GetStatus() == missionv1.OfferStatus_OFFER_STATUS_PENDING || a.Countered(o))
}

// Mine tells whether a feedback's author role is the visitor's side.
func (a afterStaffing) Mine(authorRole string) bool {
	return authorRole == map[bool]string{true: "FIRM", false: "CONSULTANT"}[a.ForFirm]
}

// CanGiveFeedback tells whether the visitor's side has yet to give its feedback on the ended mission.
func (a afterStaffing) CanGiveFeedback() bool {
	return a.Ended() && !slices.ContainsFunc(a.Feedback, func(f *missionv1.Feedback) bool { return a.Mine(f.GetAuthorRole()) })
}

// Action is the path a form of the part posts to, under the mission's.
func (a afterStaffing) Action(parts ...string) string {
	path := "/missions/" + pathEscape(a.Mission.GetId())
	for _, p := range parts {
		path += "/" + pathEscape(p)
	}
	return path
}

// Open tells whether the disclosure of form kind (about target) shows: the API refused it.
func (a afterStaffing) Open(kind, target string) bool {
	return a.Refused.Kind == kind && a.Refused.Target == target
}

// Why is the refusal of form kind (about target) that names no field, or "".
func (a afterStaffing) Why(kind, target string) string {
	if !a.Open(kind, target) {
		return ""
	}
	return a.Refused.Why
}

// Unplaced is the refusal that names no field when its form is no longer on the page (an
// extension already answered, feedback already given): it is said at the top of the part.
func (a afterStaffing) Unplaced() string {
	r := a.Refused
	offerShown := func(o *missionv1.Offer) bool { return o.GetId() == r.Target && a.Withdrawable(o) }
	extensionShown := func(e *missionv1.Extension) bool { return e.GetId() == r.Target && a.Answerable(e) }
	shown := map[string]bool{
		"acceptCounter":    slices.ContainsFunc(a.Offers, offerShown),
		"withdraw":         slices.ContainsFunc(a.Offers, offerShown),
		"extension":        a.CanExtend(),
		"acceptExtension":  slices.ContainsFunc(a.Extensions, extensionShown),
		"declineExtension": slices.ContainsFunc(a.Extensions, extensionShown),
		"end":              a.Staffed(),
		"feedback":         a.CanGiveFeedback(),
	}[r.Kind]
	if shown {
		return ""
	}
	return r.Why
}

// Day shows a "YYYY-MM-DD" date in the visitor's language: 1 March 2027, 1 mars 2027.
func (a afterStaffing) Day(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return translateWith(a.Loc, "After_Date", "Day", d.Day(), "Month", translate(a.Loc, "After_Month_"+strconv.Itoa(int(d.Month()))),
		"Year", d.Year())
}

// afterHeading is a heading of the part: Level 2 to 5.
type afterHeading struct {
	Level    int
	ID, Text string
}

// Heading is the part's heading at depth (0 for its title) saying message id: the title is an
// h2 on the firm's mission page and an h3 under the consultant's offer, itself an h2.
func (a afterStaffing) Heading(depth int, id, htmlID string) afterHeading {
	level := 2 + depth
	if !a.ForFirm {
		level++
	}
	return afterHeading{Level: level, ID: htmlID, Text: translate(a.Loc, id)}
}

// afterForm is one form of the part, in a disclosure.
type afterForm struct {
	Summary, Action, Button, Why string
	Open                         bool
	Fields                       []afterField
}

// Form describes form kind (about target) posting to action, with fields as "name:type" (see
// Field); the firm's feedback also says whether it would staff the consultant again. The
// feedback form is open from the start: it is what an ended mission asks for.
func (a afterStaffing) Form(kind, target, action string, fields ...string) afterForm {
	f := afterForm{Summary: translate(a.Loc, "After_Summary_"+kind), Button: translate(a.Loc, "After_Send_"+kind), Action: action,
		Why: a.Why(kind, target), Open: kind == "feedback" || a.Open(kind, target)}
	if kind == "feedback" && a.ForFirm {
		fields = append(fields, "wouldStaffAgain:checkbox")
	}
	for _, field := range fields {
		name, typ, _ := strings.Cut(field, ":")
		f.Fields = append(f.Fields, a.Field(kind, target, name, typ))
	}
	return f
}

// afterField is one control of a form of the part, with its value and problem when refused.
type afterField struct {
	ID, Name, Label, Type, Value, Problem, Min, Max string
	Required                                        bool
	// MaxLength is a text's limit, as the API checks it.
	MaxLength int
	Options   []afterOption
}

type afterOption struct {
	Value, Label string
	Selected     bool
}

// Field describes control name of form kind (about target); typ is date, textarea, rating or checkbox.
func (a afterStaffing) Field(kind, target, name, typ string) afterField {
	f := afterField{ID: "after-" + a.Mission.GetId() + "-" + kind + "-" + name, Name: name, Type: typ,
		Label: translate(a.Loc, "After_Field_"+kind+"_"+name), Required: name != "message" && name != "comment",
		MaxLength: map[string]int{"message": missionrules.MaxMessageRunes, "comment": missionrules.MaxCommentRunes,
			"reason": missionrules.MaxReasonRunes}[name]}
	if target != "" {
		f.ID += "-" + target
	}
	if a.Open(kind, target) {
		f.Value, f.Problem = a.Refused.Form.Values[name], a.Refused.Form.Errors[name]
	}
	day := func(date string, months, days int) string {
		d, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return ""
		}
		return d.AddDate(0, months, days).Format(time.DateOnly)
	}
	switch {
	case kind == "extension" && name == "newEndDate":
		// The whole mission lasts at most 18 months: the end is the day before start + 18 months.
		f.Min, f.Max = day(a.Mission.GetEndDate(), 0, 1), day(a.Mission.GetStartDate(), 18, -1)
	case kind == "end" && name == "endDate":
		f.Min, f.Max = a.Mission.GetStartDate(), day(a.Mission.GetEndDate(), 0, -1)
	case typ == "rating":
		f.Options = []afterOption{{Label: translate(a.Loc, "After_ChooseRating"), Selected: f.Value == ""}}
		for n := 5; n >= 1; n-- {
			v := strconv.Itoa(n)
			f.Options = append(f.Options, afterOption{Value: v, Label: translate(a.Loc, "After_Rating_"+v), Selected: f.Value == v})
		}
	}
	return f
}

func (s *Site) acceptCounter(w http.ResponseWriter, r *http.Request) {
	offer := r.PathValue("offerId")
	s.afterAction(w, r, afterRefusal{Kind: "acceptCounter", Target: offer, Form: newForm(r)},
		"/v1/offers/"+pathEscape(offer)+"/accept-counter", map[string]any{})
}

func (s *Site) withdrawOffer(w http.ResponseWriter, r *http.Request) {
	offer := r.PathValue("offerId")
	s.afterAction(w, r, afterRefusal{Kind: "withdraw", Target: offer, Form: newForm(r)},
		"/v1/offers/"+pathEscape(offer)+"/withdraw", map[string]any{})
}

func (s *Site) requestExtension(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "newEndDate", "message")
	s.afterAction(w, r, afterRefusal{Kind: "extension", Form: f},
		"/v1/missions/"+pathEscape(r.PathValue("id"))+"/extensions", map[string]any{"newEndDate": f.Values["newEndDate"], "message": f.Values["message"]})
}

func (s *Site) acceptExtension(w http.ResponseWriter, r *http.Request) {
	ext := r.PathValue("extId")
	s.afterAction(w, r, afterRefusal{Kind: "acceptExtension", Target: ext, Form: newForm(r)},
		"/v1/extensions/"+pathEscape(ext)+"/accept", map[string]any{})
}

func (s *Site) declineExtension(w http.ResponseWriter, r *http.Request) {
	ext, f := r.PathValue("extId"), newForm(r, "reason")
	s.afterAction(w, r, afterRefusal{Kind: "declineExtension", Target: ext, Form: f},
		"/v1/extensions/"+pathEscape(ext)+"/decline", map[string]any{"reason": f.Values["reason"]})
}

func (s *Site) endMission(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "endDate", "reason")
	s.afterAction(w, r, afterRefusal{Kind: "end", Form: f},
		"/v1/missions/"+pathEscape(r.PathValue("id"))+"/end", map[string]any{"endDate": f.Values["endDate"], "reason": f.Values["reason"]})
}

// giveFeedback sends the rating and comment; only the firm says whether it would staff the
// consultant again.
func (s *Site) giveFeedback(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "rating", "comment", "wouldStaffAgain")
	refusal := afterRefusal{Kind: "feedback", Form: f}
	body := map[string]any{"comment": f.Values["comment"]}
	if rating := f.Values["rating"]; rating != "" {
		n, err := strconv.Atoi(rating)
		if err != nil {
			f.Errors["rating"] = translate(s.localizer(r), "NotAWholeNumber")
			s.showRefused(w, r, refusal)
			return
		}
		body["rating"] = n
	}
	if s.visitor(r).Firm() {
		body["wouldStaffAgain"] = f.Values["wouldStaffAgain"] == "true"
	}
	s.afterAction(w, r, refusal, "/v1/missions/"+pathEscape(r.PathValue("id"))+"/feedback", body)
}

// afterAction posts body to the API path as the visitor, then goes back to the page the form
// was on; a refusal shows that page again (422) with the problems beside the form's fields.
// Another tenant's mission, offer or extension is the API's 404.
func (s *Site) afterAction(w http.ResponseWriter, r *http.Request, refusal afterRefusal, path string, body map[string]any) {
	out, err := s.call(r, http.MethodPost, path, body)
	if err != nil {
		var e *apiError
		if errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusUnauthorized) {
			s.fail(w, r, err)
			return
		}
		refusal.refuse(s.localizer(r), err, out)
		s.showRefused(w, r, refusal)
		return
	}
	id := pathEscape(r.PathValue("id"))
	if s.visitor(r).Consultant() {
		seeOther(w, r, "/offers#after-"+id)
		return
	}
	seeOther(w, r, "/missions/"+id+"#after-"+id)
}

// showRefused shows the refused form again: under the consultant's offer, or on the firm's
// mission page.
func (s *Site) showRefused(w http.ResponseWriter, r *http.Request, refusal afterRefusal) {
	if s.visitor(r).Consultant() {
		s.showOffers(w, r, offersPage{Refused: refusal, RefusedOn: r.PathValue("id")})
		return
	}
	s.showMission(refusedWriter{w}, r, missionPage{After: afterStaffing{Refused: refusal}})
}

// refuse puts the API's problems beside the form's fields; one about no field of the form (a
// mission no longer staffed, feedback already given) is said above the form, in the visitor's
// words when the reason is known.
func (f *afterRefusal) refuse(loc *i18n.Localizer, err error, out *answer) {
	var e *apiError
	if errors.As(err, &e) {
		for field, description := range e.Fields {
			if _, ok := f.Form.Values[field]; ok {
				f.Form.Errors[field] = description
			}
		}
	}
	if len(f.Form.Errors) > 0 {
		return
	}
	f.Form.Failed = true
	f.Why = translate(loc, "SomethingFailed")
	if reason := errorReason(out); reason != "" {
		if text := translate(loc, "After_Refused_"+reason); !strings.HasPrefix(text, "After_Refused_") {
			f.Why = text
		}
	}
}

// errorReason is the ErrorInfo reason of the API's error answer, "" when there is none.
func errorReason(out *answer) string {
	if out == nil {
		return ""
	}
	var shape struct {
		Details []struct {
			Reason string `json:"reason"`
		} `json:"details"`
	}
	if json.Unmarshal(out.body.Bytes(), &shape) != nil {
		return ""
	}
	for _, d := range shape.Details {
		if d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}

// refusedWriter answers 422 where the page would answer 200: the mission page shown again
// after a refusal. Other statuses (the API's 404) pass unchanged.
type refusedWriter struct{ http.ResponseWriter }

func (w refusedWriter) WriteHeader(status int) {
	if status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	w.ResponseWriter.WriteHeader(status)
}
