package grpcapi

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/explain"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/scoring/scoringpb"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// The public (protobuf) forms of the mission service's records, for its gRPC port and the
// events it publishes (eventapi) alike.

// Mission is the public form of a mission.
func Mission(m domain.Mission) *missionv1.Mission {
	return &missionv1.Mission{
		Id:                  m.ID,
		FirmId:              m.FirmID,
		Title:               m.Title,
		Sector:              m.Sector,
		MissionType:         missionv1.MissionType(m.MissionType),
		RequiredSkills:      m.RequiredSkills,
		NiceToHaveSkills:    m.NiceToHaveSkills,
		StartDate:           dates.Format(m.StartDate),
		DurationMonths:      int32(m.DurationMonths),
		MaxDailyRateEur:     int32(m.MaxDailyRateEUR),
		Languages:           m.Languages,
		Location:            &taxonomyv1.Location{Country: m.Location.Country, City: m.Location.City},
		WorkMode:            taxonomyv1.WorkMode(m.WorkMode),
		MinYearsExperience:  int32(m.MinYearsExperience),
		Status:              Status(m.Status),
		EndDate:             dates.Format(m.EndDate()),
		CreatedAt:           timestamppb.New(m.CreatedAt),
		UpdatedAt:           timestamppb.New(m.UpdatedAt),
		RequiredSkillLevels: skillLevels(m.RequiredSkillLevels),
		StaffedProfileId:    m.StaffedProfileID,
		AgreedDailyRateEur:  int32(m.AgreedDailyRateEUR),
		FirmName:            m.FirmName,
		ShortlistRevision:   m.ShortlistRevision,
	}
}

// Summary is the public form of an offer's mission summary; the sector's name is the
// taxonomy's.
func Summary(s domain.MissionSummary) *missionv1.MissionSummary {
	name := ""
	if sector, ok := taxonomy.SectorByID(s.Sector); ok {
		name = sector.Name
	}
	return &missionv1.MissionSummary{
		Title: s.Title, Sector: s.Sector, SectorName: name, MissionType: missionv1.MissionType(s.MissionType),
		StartDate: dates.Format(s.StartDate), EndDate: dates.Format(s.EndDate), DurationMonths: int32(s.DurationMonths),
		Location: &taxonomyv1.Location{Country: s.Location.Country, City: s.Location.City},
		WorkMode: taxonomyv1.WorkMode(s.WorkMode), Languages: s.Languages, FirmName: s.FirmName,
	}
}

// Extension is the public form of an extension.
func Extension(e domain.Extension) *missionv1.Extension {
	out := &missionv1.Extension{
		Id: e.ID, MissionId: e.MissionID, Status: missionv1.ExtensionStatus(e.Status), NewEndDate: dates.Format(e.NewEndDate),
		Message: e.Message, DeclineReason: e.DeclineReason, CreatedAt: timestamppb.New(e.CreatedAt), ProfileId: e.ProfileID,
		PreviousEndDate: dates.Format(e.PreviousEndDate),
	}
	if !e.AnsweredAt.IsZero() {
		out.AnsweredAt = timestamppb.New(e.AnsweredAt)
	}
	return out
}

// Feedback is the public form of a feedback.
func Feedback(f domain.Feedback) *missionv1.Feedback {
	return &missionv1.Feedback{
		MissionId: f.MissionID, AuthorRole: f.AuthorRole, AuthorAccountId: f.AuthorAccountID, Rating: int32(f.Rating),
		Comment: f.Comment, WouldStaffAgain: f.WouldStaffAgain, CreatedAt: timestamppb.New(f.CreatedAt),
	}
}

func skillLevels(levels []missionrules.SkillRequirement) []*missionv1.SkillRequirement {
	if levels == nil {
		return nil
	}
	out := make([]*missionv1.SkillRequirement, len(levels))
	for i, l := range levels {
		out[i] = &missionv1.SkillRequirement{Id: l.ID, MinLevel: int32(l.MinLevel)}
	}
	return out
}

// Status is the public form of a status; the domain values are the enum's numbers.
func Status(s domain.Status) missionv1.MissionStatus { return missionv1.MissionStatus(s) }

// Offer is the public form of an offer. The consultant's account id is not part of it.
func Offer(o domain.Offer) *missionv1.Offer {
	out := &missionv1.Offer{
		Id:             o.ID,
		MissionId:      o.MissionID,
		ProfileId:      o.ProfileID,
		Status:         missionv1.OfferStatus(o.Status),
		CreatedAt:      timestamppb.New(o.CreatedAt),
		ExpiresAt:      timestamppb.New(o.ExpiresAt),
		DeclineReason:  o.DeclineReason,
		FirmId:         o.FirmID,
		StartDate:      dates.Format(o.StartDate),
		EndDate:        dates.Format(o.EndDate),
		DailyRateEur:   int32(o.DailyRateEUR),
		Message:        o.Message,
		CounterRateEur: int32(o.CounterRateEUR),
		CounterMessage: o.CounterMessage,
		Mission:        Summary(o.Mission),
		ContactEmail:   o.ContactEmail,
	}
	if !o.AnsweredAt.IsZero() {
		out.AnsweredAt = timestamppb.New(o.AnsweredAt)
	}
	return out
}

// Decision is the public form of an entry of the decisions trail.
func Decision(d domain.Decision, w *explain.Writer) *missionv1.Decision {
	out := &missionv1.Decision{
		Sequence:          d.Sequence,
		At:                timestamppb.New(d.At),
		Kind:              missionv1.DecisionKind(d.Kind),
		ActorRole:         d.Actor.Role,
		ActorAccountId:    d.Actor.AccountID,
		OfferId:           d.OfferID,
		ProfileId:         d.ProfileID,
		Reason:            d.Reason,
		ShortlistRevision: d.Proposal.Revision,
		ScoringVersion:    d.Proposal.ScoringVersion,
		Candidates:        candidates(d.Proposal.Candidates, w),
		EligibleCount:     int32(d.Proposal.EligibleCount),
		ChangedFields:     d.ChangedFields,
		DailyRateEur:      int32(d.DailyRateEUR),
		ExtensionId:       d.ExtensionID,
		Rating:            int32(d.Rating),
	}
	if !d.EndDate.IsZero() {
		out.EndDate = dates.Format(d.EndDate)
	}
	return out
}

// candidates is the public form of a proposal's candidates, texts written by w.
func candidates(cs []domain.Candidate, w *explain.Writer) []*matchingv1.Candidate {
	if cs == nil {
		return nil
	}
	out := make([]*matchingv1.Candidate, len(cs))
	for i, c := range cs {
		out[i] = scoringpb.Candidate(c.ProfileID, c.Rank, c.Score, c.Explanation, w)
	}
	return out
}
