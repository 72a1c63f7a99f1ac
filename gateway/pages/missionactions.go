package pages

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
)

// makeOffer posts the offer form of one candidate; a refusal shows the mission page again with
// the problems beside the form's fields.
func (s *Site) makeOffer(w http.ResponseWriter, r *http.Request) {
	f := newForm(r, "profileId", "dailyRateEur", "message")
	body := map[string]any{"message": f.Values["message"]}
	if rate := f.Values["dailyRateEur"]; rate != "" {
		n, err := strconv.Atoi(rate)
		if err != nil {
			f.Errors["dailyRateEur"] = translate(s.localizer(r), "NotAWholeNumber")
			s.showMission(w, r, missionPage{Offer: f, OfferedTo: f.Values["profileId"]})
			return
		}
		body["dailyRateEur"] = n
	}
	path := "/v1/missions/" + pathEscape(r.PathValue("id")) + "/shortlist/" + pathEscape(f.Values["profileId"]) + "/offer"
	if _, err := s.call(r, http.MethodPost, path, body); err != nil {
		if failsThePage(err) {
			s.fail(w, r, err)
			return
		}
		f.refuse(err)
		s.showMission(w, r, missionPage{Offer: f, OfferedTo: f.Values["profileId"]})
		return
	}
	seeOther(w, r, "/missions/"+pathEscape(r.PathValue("id")))
}

// widenedNumbers are the mission fields whose widening hints are numbers.
var widenedNumbers = []string{"maxDailyRateEur", "minYearsExperience", "durationMonths"}

// widen applies one widening hint ("-mlops" drops a required skill, "+en" accepts a language,
// anything else is the field's new value) as a PATCH of that one field.
func (s *Site) widen(w http.ResponseWriter, r *http.Request) {
	id := pathEscape(r.PathValue("id"))
	field, value := r.PostFormValue("field"), r.PostFormValue("value")
	var change any = value
	switch {
	case slices.Contains(widenedNumbers, field):
		n, err := strconv.Atoi(value)
		if err != nil {
			s.showMission(w, r, missionPage{WideningRefused: true})
			return
		}
		change = n
	case strings.HasPrefix(value, "-") || strings.HasPrefix(value, "+"):
		var got missionv1.GetMissionResponse
		if err := s.get(r, "/v1/missions/"+id, &got); err != nil {
			s.fail(w, r, err)
			return
		}
		current := map[string][]string{"requiredSkills": got.GetMission().GetRequiredSkills(),
			"niceToHaveSkills": got.GetMission().GetNiceToHaveSkills(), "languages": got.GetMission().GetLanguages()}[field]
		item := value[1:]
		if value[0] == '-' {
			change = slices.DeleteFunc(slices.Clone(current), func(s string) bool { return s == item })
		} else {
			change = append(slices.Clone(current), item)
		}
	}
	if _, err := s.call(r, http.MethodPatch, "/v1/missions/"+id, map[string]any{field: change}); err != nil {
		if isNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.showMission(w, r, missionPage{WideningRefused: true})
		return
	}
	seeOther(w, r, "/missions/"+id)
}

// OpenToOffers tells whether the firm may still make offers on the mission.
// Live tells whether the mission may still get a new shortlist, which the page then shows as
// it comes.
func (p missionPage) Live() bool {
	switch p.Mission.GetStatus() {
	case missionv1.MissionStatus_MISSION_STATUS_SUBMITTED, missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED,
		missionv1.MissionStatus_MISSION_STATUS_OFFERED, missionv1.MissionStatus_MISSION_STATUS_NO_MATCH:
		return true
	}
	return false
}

// Revision is the shortlist's revision the page shows, 0 before the first.
func (p missionPage) Revision() int64 { return p.Shortlist.GetRevision() }

func (p missionPage) OpenToOffers() bool {
	status := p.Mission.GetStatus()
	return p.ByFirm && (status == missionv1.MissionStatus_MISSION_STATUS_SHORTLISTED || status == missionv1.MissionStatus_MISSION_STATUS_OFFERED)
}

// OfferValue and OfferProblem are the refused offer form's, for its candidate only.
func (p missionPage) OfferValue(profileID, field string) string {
	if p.OfferedTo != profileID {
		return ""
	}
	return p.Offer.Values[field]
}

func (p missionPage) OfferProblem(profileID, field string) string {
	if p.OfferedTo != profileID {
		return ""
	}
	return p.Offer.Errors[field]
}
