package domain

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/pseudonym"
)

// ErasedPrefix starts every pseudonym of an erased profile.
const ErasedPrefix = pseudonym.Prefix

// Pseudonym is what replaces an erased profile's id wherever the mission service keeps it:
// "erased-" and the first 16 hex digits of HMAC-SHA256(key, profileID). The trail keeps telling
// that two entries concern the same person, but without the key nobody can check whether a
// given profile id is behind a pseudonym.
func Pseudonym(key []byte, profileID string) string {
	return pseudonym.Key(key).Of(profileID)
}

// WithdrawOffer takes back a pending offer whose consultant erased their profile: the offer
// is WITHDRAWN and the mission SHORTLISTED again without them. It reports false, changing
// nothing, when the offer is not pending.
func WithdrawOffer(o *Offer, m *Mission, now time.Time) (Outcome, bool) {
	if !o.Open() {
		return Outcome{}, false
	}
	now = now.UTC()
	o.withdraw()
	return Outcome{
		Events: m.releaseOffer(o.ProfileID, now),
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionOfferWithdrawn, Actor: SystemActor(),
			OfferID: o.ID, ProfileID: o.ProfileID}},
	}, true
}

// Pseudonymised is the proposal with the candidates erased says are gone under their
// pseudonyms, without their explanations (a shortlist matching made before an erasure that
// arrives after it); erased returns a candidate's pseudonym and whether they were erased.
func (p Proposal) Pseudonymised(erased func(profileID string) (string, bool)) Proposal {
	out := p.clone()
	for i := range out.Candidates {
		if pseudonym, gone := erased(out.Candidates[i].ProfileID); gone {
			out.Candidates[i].ProfileID = pseudonym
			out.Candidates[i].Explanation = nil
		}
	}
	return out
}

// Pseudonymise replaces profileID among the mission's candidates; it reports whether it did.
func (m *Mission) Pseudonymise(profileID, pseudonym string) bool {
	changed := false
	if m.StaffedProfileID == profileID {
		m.StaffedProfileID = pseudonym
		changed = true
	}
	for i, id := range m.Candidates {
		if id == profileID {
			m.Candidates[i] = pseudonym
			changed = true
		}
	}
	return changed
}

// Pseudonymise replaces the offer's profile id; it reports whether it did. The consultant's
// account id stays: it is not the profile, and it still books their time.
func (o *Offer) Pseudonymise(profileID, pseudonym string) bool {
	if o.ProfileID != profileID {
		return false
	}
	o.ProfileID = pseudonym
	return true
}

// Pseudonymise replaces profileID in a trail entry and, in a proposal, strips that candidate's
// explanation, keeping their rank and score; it reports whether anything changed.
func (d *Decision) Pseudonymise(profileID, pseudonym string) bool {
	changed := false
	if d.ProfileID == profileID {
		d.ProfileID = pseudonym
		changed = true
	}
	for i := range d.Proposal.Candidates {
		if c := &d.Proposal.Candidates[i]; c.ProfileID == profileID {
			c.ProfileID = pseudonym
			c.Explanation = nil
			changed = true
		}
	}
	return changed
}

// The ForgetConsultant methods remove what an erased consultant wrote (decline reasons, counter
// messages, feedback comments) and replace their account id, accountID, by its pseudonym; each
// reports whether anything changed. The firm's own words to them (an offer's message) stay:
// they are the firm's record. A feedback comment goes whoever wrote it: it is about the person.

func (o *Offer) ForgetConsultant(accountID, pseudonym string) bool {
	changed := o.DeclineReason != "" || o.CounterMessage != ""
	o.DeclineReason, o.CounterMessage = "", ""
	if accountID != "" && o.ConsultantID == accountID {
		o.ConsultantID, changed = pseudonym, true
	}
	return changed
}

func (e *Extension) ForgetConsultant(accountID, pseudonym string) bool {
	changed := e.DeclineReason != ""
	e.DeclineReason = ""
	if accountID != "" && e.ConsultantID == accountID {
		e.ConsultantID, changed = pseudonym, true
	}
	return changed
}

func (f *Feedback) ForgetConsultant(accountID, pseudonym string) bool {
	changed := f.Comment != ""
	f.Comment = ""
	if accountID != "" && f.AuthorAccountID == accountID {
		f.AuthorAccountID, changed = pseudonym, true
	}
	return changed
}

func (d *Decision) ForgetConsultant(accountID, pseudonym string) bool {
	// The account's erasure may have been applied first (ForgetFirm, for any account): its id is
	// then already the pseudonym, and the reason is still to go.
	if accountID == "" || (d.Actor.AccountID != accountID && d.Actor.AccountID != pseudonym) {
		return false
	}
	changed := d.Actor.AccountID != pseudonym || (d.Actor.Role == ActorConsultant && d.Reason != "")
	d.Actor.AccountID = pseudonym
	if d.Actor.Role == ActorConsultant {
		d.Reason = ""
	}
	return changed
}

func (m *Mission) ForgetConsultant(accountID, pseudonym string) bool {
	if accountID == "" || m.StaffedConsultantID != accountID {
		return false
	}
	m.StaffedConsultantID = pseudonym
	return true
}
