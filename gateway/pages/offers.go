package pages

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
)

// offersPage is the consultant's offers, each with the mission behind it.
type offersPage struct {
	Offers []offerView
	// Answer is the answer the API refused (AnswerTo's accept, decline or counter form), shown
	// again under its offer with the problems beside its fields.
	Answer     form
	AnswerTo   string
	AnswerKind string
	// Refused is a form of the part after staffing that the API refused, on mission RefusedOn.
	Refused   afterRefusal
	RefusedOn string
	// Next is the API's token of the older offers' page; Paged is true past the first page.
	Next  string
	Paged bool
}

// offerView is an offer with its mission's skills by name; the skills are absent when the
// mission can no longer be read.
type offerView struct {
	*missionv1.Offer
	RequiredSkills   []string
	NiceToHaveSkills []string
	// After is what follows the acceptance, once the mission is staffed: extensions, the early
	// end and feedback.
	After *afterStaffing
}

// Answerable tells whether the consultant may still accept, decline or counter.
func (o offerView) Answerable() bool {
	return o.GetStatus() == missionv1.OfferStatus_OFFER_STATUS_PENDING
}

// Value and Problem are the refused answer form's, for its offer and kind only.
func (p offersPage) Value(offerID, kind, field string) string {
	if p.AnswerTo != offerID || p.AnswerKind != kind {
		return ""
	}
	return p.Answer.Values[field]
}

func (p offersPage) Problem(offerID, kind, field string) string {
	if p.AnswerTo != offerID || p.AnswerKind != kind {
		return ""
	}
	return p.Answer.Errors[field]
}

// Failed tells whether the API refused offerID's answer without naming a field.
func (p offersPage) Failed(offerID string) bool { return p.AnswerTo == offerID && p.Answer.Failed }

func (s *Site) offers(w http.ResponseWriter, r *http.Request) {
	s.showOffers(w, r, offersPage{})
}

func (s *Site) showOffers(w http.ResponseWriter, r *http.Request, page offersPage) {
	v := s.visitor(r)
	// A page of 20: each offer costs a read of its mission, and of what followed once staffed.
	path := "/v1/offers?pageSize=20"
	if token := r.URL.Query().Get("page"); token != "" && r.Method == http.MethodGet {
		path += "&pageToken=" + url.QueryEscape(token)
		page.Paged = true
	}
	var list missionv1.ListOffersResponse
	if err := s.get(r, path, &list); err != nil {
		s.fail(w, r, err)
		return
	}
	page.Next = list.GetNextPageToken()
	var skills taxonomyv1.ListSkillsResponse
	if err := s.get(r, "/v1/taxonomy/skills", &skills); err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, skill := range skills.GetSkills() {
		names[skill.GetId()] = skill.GetName()
	}
	named := func(ids []string) []string {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			out = append(out, cmp.Or(names[id], id))
		}
		return out
	}
	for _, offer := range list.GetOffers() {
		view := offerView{Offer: offer}
		var got missionv1.GetMissionResponse
		if s.get(r, "/v1/missions/"+pathEscape(offer.GetMissionId()), &got) == nil {
			view.RequiredSkills = named(got.GetMission().GetRequiredSkills())
			view.NiceToHaveSkills = named(got.GetMission().GetNiceToHaveSkills())
			if offer.GetStatus() == missionv1.OfferStatus_OFFER_STATUS_ACCEPTED && slices.Contains(staffedStatuses, got.GetMission().GetStatus()) {
				after, err := s.afterFor(r, got.GetMission(), false)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				if page.RefusedOn == offer.GetMissionId() {
					after.Refused = page.Refused
				}
				view.After = after
			}
		}
		page.Offers = append(page.Offers, view)
	}
	status := http.StatusOK
	if page.AnswerTo != "" || page.RefusedOn != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "offers", v, page)
}

func (s *Site) acceptOffer(w http.ResponseWriter, r *http.Request) {
	s.answerOffer(w, r, "accept", newForm(r), map[string]any{})
}

func (s *Site) declineOffer(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "reason")
	s.answerOffer(w, r, "decline", f, map[string]any{"reason": f.Values["reason"]})
}

func (s *Site) counterOffer(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "dailyRateEur", "message")
	body := map[string]any{"message": f.Values["message"]}
	if rate := f.Values["dailyRateEur"]; rate != "" {
		n, err := strconv.Atoi(rate)
		if err != nil {
			f.Errors["dailyRateEur"] = translate(s.localizer(r), "NotAWholeNumber")
			s.showOffers(w, r, offersPage{Answer: f, AnswerTo: r.PathValue("id"), AnswerKind: "counter"})
			return
		}
		body["dailyRateEur"] = n
	}
	s.answerOffer(w, r, "counter", f, body)
}

// answerOffer posts the consultant's answer; a refusal shows the offers page again with the
// API's problems under the answered offer.
func (s *Site) answerOffer(w http.ResponseWriter, r *http.Request, kind string, f form, body map[string]any) {
	id := r.PathValue("id")
	if _, err := s.call(r, http.MethodPost, "/v1/offers/"+pathEscape(id)+"/"+kind, body); err != nil {
		if isNotFound(err) {
			s.fail(w, r, err)
			return
		}
		f.refuse(err)
		s.showOffers(w, r, offersPage{Answer: f, AnswerTo: id, AnswerKind: kind})
		return
	}
	http.Redirect(w, r, "/offers", http.StatusSeeOther)
}

// staffedStatuses are a mission's statuses after an acceptance, when the firm may reach the
// consultant.
var staffedStatuses = []missionv1.MissionStatus{missionv1.MissionStatus_MISSION_STATUS_STAFFED,
	missionv1.MissionStatus_MISSION_STATUS_ENDED_EARLY, missionv1.MissionStatus_MISSION_STATUS_COMPLETED}

// staffedConsultant is the profile of the consultant who accepted the mission's offer, as the
// API shows it to the firm (its email once staffed), or nil.
func (s *Site) staffedConsultant(r *http.Request, mission *missionv1.Mission) *profilev1.Profile {
	id := mission.GetStaffedProfileId()
	if id == "" {
		return nil
	}
	var got profilev1.GetProfileResponse
	if s.get(r, "/v1/profiles/"+pathEscape(id), &got) != nil {
		return nil
	}
	return got.GetProfile()
}
