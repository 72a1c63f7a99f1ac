package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// ErasedPrefix starts every pseudonym of an erased profile.
const ErasedPrefix = "erased-"

// Pseudonym is what replaces an erased profile's id wherever the mission service keeps it:
// "erased-" and the first 16 hex digits of HMAC-SHA256(key, profileID). The trail keeps telling
// that two entries concern the same person, but without the key nobody can check whether a
// given profile id is behind a pseudonym.
func Pseudonym(key []byte, profileID string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(profileID))
	return ErasedPrefix + hex.EncodeToString(mac.Sum(nil))[:16]
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
