package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/adapters/store"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

const offerTTL = 72 * time.Hour

// shortlisted stores a mission whose shortlist holds the given candidates.
func shortlisted(t *testing.T, repo *store.Repository, id, firmID string, created time.Time, candidates ...string) domain.Mission {
	t.Helper()
	ctx := context.Background()
	stored(t, repo, id, firmID, created)
	p := domain.Proposal{Revision: 1, ScoringVersion: "caio-test", EligibleCount: 7}
	for i, c := range candidates {
		p.Candidates = append(p.Candidates, domain.Candidate{ProfileID: c, Rank: i + 1, Score: 0.9 - float64(i)*0.125,
			Explanation: &domain.Explanation{
				Components:    []domain.ScoreComponent{{Name: "skills", Weight: 0.4, Value: 1.0 / 3, Detail: "1 of 3"}, {Name: "sector", Weight: 0.2, Value: 1}},
				MatchedSkills: []string{"ai-strategy"}, MissingSkills: []string{"data-quality"},
			}})
	}
	m, err := update(ctx, repo, id, func(m *domain.Mission) (domain.Outcome, error) {
		out, _ := m.ApplyShortlist(p, created.Add(time.Second))
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// offer stores an offer of the mission to profileID (owned by consultantID) made at made.
func offer(t *testing.T, repo *store.Repository, offerID, missionID, profileID, consultantID string, made time.Time) domain.Offer {
	t.Helper()
	var o domain.Offer
	err := repo.InTx(context.Background(), func(ctx context.Context, tx app.Tx) error {
		var m domain.Mission
		return changeIn(ctx, tx, missionID, &m, func(m *domain.Mission) (out domain.Outcome, err error) {
			if o, out, err = m.MakeOffer(offerID, profileID, consultantID, firm1, made, offerTTL); err != nil {
				return out, err
			}
			return out, tx.CreateOffer(ctx, o)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCandidatesRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		m := shortlisted(t, repo, "m1", "firm-1", t0, "p1", "p2", "p3")
		got, err := repo.Get(context.Background(), "m1")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Candidates, []string{"p1", "p2", "p3"}) || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", m) {
			t.Fatalf("read back %+v, want %+v", got, m)
		}
	})
}

func TestOfferRoundTripAndChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, db *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		shortlisted(t, repo, "m1", "firm-1", t0, "p1", "p2")
		made := t0.Add(time.Hour + 123*time.Nanosecond)
		o := offer(t, repo, "o1", "m1", "p1", "cons-1", made)

		got, err := repo.GetOffer(ctx, "o1")
		if err != nil || !reflect.DeepEqual(got, o) {
			t.Fatalf("read back %+v (%v), want %+v", got, err, o)
		}
		if got.AnsweredAt != (time.Time{}) || got.ExpiresAt != made.Add(offerTTL) {
			t.Fatalf("times %+v", got)
		}
		if m, _ := repo.Get(ctx, "m1"); m.Status != domain.StatusOffered {
			t.Fatalf("mission %s", m.Status)
		}
		_, err = repo.GetOffer(ctx, "absent")
		if fe, ok := fault.As(err); !ok || fe.Kind != fault.KindNotFound || fe.Reason != app.ReasonOfferNotFound {
			t.Fatalf("absent offer: %v", err)
		}

		// What may change of an offer is stored; the rest is not.
		answered := made.Add(time.Minute)
		err = repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			o, err := tx.Offer(ctx, "o1")
			if err != nil {
				return err
			}
			o.Status, o.AnsweredAt, o.DeclineReason, o.ProfileID = domain.OfferStatusDeclined, answered, "Busy.", "erased-0123456789abcdef"
			return tx.SaveOffer(ctx, o)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := o
		want.Status, want.AnsweredAt, want.DeclineReason, want.ProfileID = domain.OfferStatusDeclined, answered, "Busy.", "erased-0123456789abcdef"
		if got, _ := repo.GetOffer(ctx, "o1"); !reflect.DeepEqual(got, want) {
			t.Fatalf("after save %+v, want %+v", got, want)
		}
		err = repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			return tx.SaveOffer(ctx, domain.Offer{ID: "absent", Status: domain.OfferStatusPending})
		})
		if err == nil {
			t.Fatal("saved an offer that does not exist")
		}
	})
}

func TestOnlyOnePendingOfferPerMission(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		shortlisted(t, repo, "m1", "firm-1", t0, "p1", "p2")
		o := offer(t, repo, "o1", "m1", "p1", "cons-1", t0.Add(time.Hour))
		// Bypassing the domain, a second pending offer is still refused by the store.
		second := o
		second.ID, second.ProfileID = "o2", "p2"
		err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error { return tx.CreateOffer(ctx, second) })
		if err == nil {
			t.Fatal("a second pending offer was stored")
		}
		err = repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			pending, ok, err := tx.PendingOffer(ctx, "m1")
			if err != nil || !ok || !reflect.DeepEqual(pending, o) {
				return fmt.Errorf("pending offer %+v %v %v", pending, ok, err)
			}
			if _, ok, err := tx.PendingOffer(ctx, "absent"); ok || err != nil {
				return fmt.Errorf("pending offer of an absent mission: %v %v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestListOffersPaginates(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		var mine, all []string
		for i := range 13 {
			mission := fmt.Sprintf("m%02d", i)
			cons := "cons-1"
			if i%3 == 0 {
				cons = "cons-2"
			}
			shortlisted(t, repo, mission, "firm-1", t0, "p-"+cons)
			// Pairs share a timestamp so that the id breaks ties.
			offer(t, repo, fmt.Sprintf("o%02d", i), mission, "p-"+cons, cons, t0.Add(time.Duration(i/2)*time.Second))
			all = append(all, fmt.Sprintf("o%02d", i))
			if cons == "cons-1" {
				mine = append(mine, fmt.Sprintf("o%02d", i))
			}
		}
		slices.Reverse(mine)
		slices.Reverse(all)
		pages := func(consultant string, size int) []string {
			return pageThrough(t, size, func(after *missionrules.Cursor, limit int) ([]domain.Offer, error) {
				return repo.ListOffers(ctx, app.OfferFilter{ConsultantID: consultant}, after, limit)
			}, func(o domain.Offer) missionrules.Cursor { return missionrules.Cursor{CreatedAt: o.CreatedAt, ID: o.ID} })
		}
		for _, size := range []int{1, 2, 3, 8, 9, 20} {
			if got := pages("cons-1", size); !slices.Equal(got, mine) {
				t.Errorf("size %d: %v, want %v", size, got, mine)
			}
			if got := pages("", size); !slices.Equal(got, all) {
				t.Errorf("all, size %d: %v, want %v", size, got, all)
			}
		}
		if got := pages("cons-3", 5); len(got) != 0 {
			t.Fatalf("unknown consultant lists %v", got)
		}
	})
}

func TestDueOffers(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		for i := range 4 {
			mission := fmt.Sprintf("m%d", i)
			shortlisted(t, repo, mission, "firm-1", t0, "p1")
			offer(t, repo, fmt.Sprintf("o%d", i), mission, "p1", "cons-1", t0.Add(time.Duration(3-i)*time.Hour))
		}
		// o1 is answered: it is never due.
		if err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			o, err := tx.Offer(ctx, "o1")
			if err != nil {
				return err
			}
			o.Status = domain.OfferStatusAccepted
			return tx.SaveOffer(ctx, o)
		}); err != nil {
			t.Fatal(err)
		}
		ids := func(now time.Time, limit int) []string {
			due, err := repo.DueOffers(ctx, now, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range due {
				out = append(out, o.ID)
			}
			return out
		}
		expiry0 := t0.Add(3*time.Hour + offerTTL) // the latest of them
		if got := ids(t0.Add(offerTTL-time.Nanosecond), 10); len(got) != 0 {
			t.Fatalf("due before any expiry: %v", got)
		}
		if got := ids(t0.Add(offerTTL), 10); !slices.Equal(got, []string{"o3"}) {
			t.Fatalf("due at the first expiry: %v", got)
		}
		if got := ids(expiry0, 10); !slices.Equal(got, []string{"o3", "o2", "o0"}) {
			t.Fatalf("due, soonest first: %v", got)
		}
		if got := ids(expiry0, 2); !slices.Equal(got, []string{"o3", "o2"}) {
			t.Fatalf("limited: %v", got)
		}
	})
}

func TestBookingsAreAcceptedOffersOfStaffedMissions(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		accept := func(offerID string) {
			t.Helper()
			err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
				o, err := tx.Offer(ctx, offerID)
				if err != nil {
					return err
				}
				var m domain.Mission
				return changeIn(ctx, tx, o.MissionID, &m, func(m *domain.Mission) (domain.Outcome, error) {
					out, err := domain.AcceptOffer(&o, m, nil, domain.Actor{Role: domain.ActorConsultant, AccountID: o.ConsultantID}, o.CreatedAt)
					if err != nil {
						return out, err
					}
					return out, tx.SaveOffer(ctx, o)
				})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, cons := range []string{"cons-1", "cons-1", "cons-1", "cons-2"} {
			mission := fmt.Sprintf("m%d", i)
			shortlisted(t, repo, mission, "firm-1", t0, "p-"+cons)
			offer(t, repo, fmt.Sprintf("o%d", i), mission, "p-"+cons, cons, t0.Add(time.Hour))
		}
		accept("o0")
		accept("o1")
		accept("o3")
		// m1 is cancelled once staffed: its acceptance books nobody any more.
		if _, err := update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) {
			return m.Cancel(firm1, nil, t0.Add(2*time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		var got []string
		err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			if err := tx.LockConsultant(ctx, "cons-1"); err != nil {
				return err
			}
			if err := tx.LockConsultant(ctx, "cons-1"); err != nil { // again: still fine
				return err
			}
			bookings, err := tx.Bookings(ctx, "cons-1")
			for _, b := range bookings {
				got = append(got, b.ID)
			}
			return err
		})
		if err != nil || !slices.Equal(got, []string{"o0"}) {
			t.Fatalf("bookings %v (%v), want [o0]", got, err)
		}
	})
}

func TestDecisionsAreNumberedPerMissionInOrder(t *testing.T) {
	eachStore(t, func(t *testing.T, db *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		shortlisted(t, repo, "m1", "firm-1", t0, "p1", "p2")
		shortlisted(t, repo, "m2", "firm-2", t0, "p3")
		offer(t, repo, "o1", "m1", "p2", "cons-2", t0.Add(time.Hour))

		// A transaction that fails records nothing, and uses up no number.
		boom := errors.New("boom")
		err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			if err := tx.Record(ctx, domain.Decision{MissionID: "m1", At: t0, Kind: domain.DecisionMissionCancelled, Actor: firm1}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		err = repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			return tx.Record(ctx, domain.Decision{MissionID: "absent", At: t0, Kind: domain.DecisionMissionCancelled, Actor: firm1})
		})
		if err == nil {
			t.Fatal("recorded a decision of an absent mission")
		}

		ds, err := repo.Decisions(ctx, "m1")
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for i, d := range ds {
			if d.Sequence != int64(i+1) || d.MissionID != "m1" {
				t.Fatalf("decision %d numbered %d for %s", i, d.Sequence, d.MissionID)
			}
			kinds = append(kinds, d.Kind.String())
		}
		if want := []string{"MISSION_SUBMITTED", "SHORTLIST_PROPOSED", "OFFER_MADE"}; !slices.Equal(kinds, want) {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
		if d := ds[0]; d.Actor != firm1 || !d.At.Equal(t0) {
			t.Fatalf("submitted %+v", d)
		}
		// The proposal reads back as matching made it, scores and breakdowns included.
		p := ds[1].Proposal
		if ds[1].Actor != domain.SystemActor() || p.Revision != 1 || p.ScoringVersion != "caio-test" || p.EligibleCount != 7 || len(p.Candidates) != 2 {
			t.Fatalf("proposal %+v by %+v", p, ds[1].Actor)
		}
		wantCandidate := domain.Candidate{ProfileID: "p2", Rank: 2, Score: 0.775, Explanation: &domain.Explanation{
			Components:    []domain.ScoreComponent{{Name: "skills", Weight: 0.4, Value: 1.0 / 3, Detail: "1 of 3"}, {Name: "sector", Weight: 0.2, Value: 1}},
			MatchedSkills: []string{"ai-strategy"}, MissingSkills: []string{"data-quality"},
		}}
		if !reflect.DeepEqual(p.Candidates[1], wantCandidate) {
			t.Fatalf("candidate %+v, want %+v", p.Candidates[1], wantCandidate)
		}
		if d := ds[2]; d.OfferID != "o1" || d.ProfileID != "p2" || d.Actor != firm1 {
			t.Fatalf("offer made %+v", d)
		}
		other, err := repo.Decisions(ctx, "m2")
		if err != nil || len(other) != 2 || other[0].Sequence != 1 || other[1].Sequence != 2 {
			t.Fatalf("m2 decisions %+v (%v)", other, err)
		}
		if none, err := repo.Decisions(ctx, "absent"); err != nil || len(none) != 0 {
			t.Fatalf("absent mission's decisions %+v (%v)", none, err)
		}
	})
}

func TestErasureLookupsAndRewrites(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		// Ids with what LIKE would read as wildcards, and in another case.
		odd := "p_1%"
		shortlisted(t, repo, "m1", "firm-1", t0, odd, "p2")
		shortlisted(t, repo, "m2", "firm-1", t0, "pX1Y", "P_1%")
		shortlisted(t, repo, "m3", "firm-1", t0, "p2")
		shortlisted(t, repo, "m4", "firm-1", t0, "pX1Y")
		offer(t, repo, "o1", "m1", odd, "cons-1", t0.Add(time.Hour))

		err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			missions, err := tx.MissionsWithCandidate(ctx, odd)
			if err != nil {
				return err
			}
			var ids []string
			for _, m := range missions {
				if m.ID == "m3" || m.ID == "m4" {
					return fmt.Errorf("wildcards matched mission %s: %v", m.ID, m.Candidates)
				}
				if slices.Contains(m.Candidates, odd) {
					ids = append(ids, m.ID)
				}
			}
			if !slices.Equal(ids, []string{"m1"}) {
				return fmt.Errorf("missions with candidate %q: %v", odd, ids)
			}
			offers, err := tx.OffersOfProfile(ctx, odd)
			if err != nil || len(offers) != 1 || offers[0].ID != "o1" {
				return fmt.Errorf("offers of profile: %v %v", offers, err)
			}
			about, err := pseudonymiseDecisions(ctx, tx, odd, true)
			if err != nil {
				return err
			}
			if want := []string{"m1/2 SHORTLIST_PROPOSED", "m1/3 OFFER_MADE"}; !slices.Equal(about, want) {
				return fmt.Errorf("decisions about %q: %v, want %v", odd, about, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ds, _ := repo.Decisions(ctx, "m1")
		if c := ds[1].Proposal.Candidates; c[0].ProfileID != "erased-x" || c[0].Explanation != nil || c[0].Rank != 1 || c[0].Score != 0.9 ||
			c[1].ProfileID != "p2" || c[1].Explanation == nil {
			t.Fatalf("rewritten proposal %+v", c)
		}
		if ds[2].ProfileID != "erased-x" || ds[2].OfferID != "o1" {
			t.Fatalf("rewritten offer decision %+v", ds[2])
		}
		if ds2, _ := repo.Decisions(ctx, "m2"); ds2[1].Proposal.Candidates[1].ProfileID != "P_1%" || ds2[1].Proposal.Candidates[1].Explanation == nil {
			t.Fatalf("another profile was touched: %+v", ds2[1].Proposal.Candidates)
		}
		err = repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			return tx.RewriteDecision(ctx, domain.Decision{MissionID: "m1", Sequence: 99})
		})
		if err == nil {
			t.Fatal("rewrote a decision that does not exist")
		}
	})
}

func TestOfferEventsInTheOutbox(t *testing.T) {
	eachStore(t, func(t *testing.T, db *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		shortlisted(t, repo, "m1", "firm-1", t0, "p1", "p2")
		o := offer(t, repo, "o1", "m1", "p1", "cons-1", t0.Add(time.Hour))
		err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			m, err := tx.Mission(ctx, "m1")
			if err != nil {
				return err
			}
			out, err := domain.DeclineOffer(&o, &m, "Not my field.", domain.Actor{Role: domain.ActorConsultant, AccountID: "cons-1"}, t0.Add(2*time.Hour))
			if err != nil {
				return err
			}
			// Even a domain event carrying the reason is published without it.
			out.Events = append(out.Events, domain.OfferDeclined{Offer: o})
			return record(ctx, tx, out)
		})
		if err != nil {
			t.Fatal(err)
		}
		evs := outboxEvents(t, db) // also checks every subject
		var got []string
		for _, ev := range evs {
			switch e := ev.(type) {
			case *missionv1.OfferMade:
				got = append(got, "OfferMade "+e.GetOffer().GetStatus().String())
				if e.GetOffer().GetStartDate() != "2027-03-01" || e.GetOffer().GetEndDate() != "2027-11-30" || e.GetOffer().GetFirmId() != "firm-1" ||
					e.GetOffer().GetExpiresAt().AsTime() != t0.Add(time.Hour+offerTTL) {
					t.Errorf("OfferMade %v", e)
				}
			case *missionv1.OfferDeclined:
				got = append(got, "OfferDeclined "+e.GetOffer().GetStatus().String())
				if e.GetOffer().GetDeclineReason() != "" || e.GetOffer().GetProfileId() != "p1" || e.GetOffer().GetMissionId() != "m1" {
					t.Errorf("OfferDeclined %v", e)
				}
			case *missionv1.MissionUpdated:
				got = append(got, "MissionUpdated "+e.GetStatus().String())
			case *missionv1.MissionSubmitted:
				got = append(got, "MissionSubmitted")
			}
		}
		want := []string{
			"MissionSubmitted",
			"MissionUpdated MISSION_STATUS_SHORTLISTED",
			"OfferMade OFFER_STATUS_PENDING",
			"MissionUpdated MISSION_STATUS_OFFERED",
			"OfferDeclined OFFER_STATUS_DECLINED",
			"MissionUpdated MISSION_STATUS_SHORTLISTED",
			"OfferDeclined OFFER_STATUS_DECLINED",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("outbox %v, want %v", got, want)
		}
	})
}

// Profile ids are lower-case UUIDs. The lookups find every row naming one, on PostgreSQL too,
// where LIKE compares case; a profile whose id differs only in case is never taken for it
// (SQLite's LIKE may return it, the caller's exact comparison leaves it).
func TestErasureLookupsFindEveryRowOfAUUID(t *testing.T) {
	eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
		ctx := context.Background()
		const id = "0192f3a4-5b6c-7d8e-9fab-0c1d2e3f4a5b"
		upper := strings.ToUpper(id)
		shortlisted(t, repo, "m1", "firm-1", t0, "p2", id)
		shortlisted(t, repo, "m2", "firm-1", t0, upper)
		shortlisted(t, repo, "m3", "firm-2", t0, id)
		offer(t, repo, "o1", "m3", id, "cons-1", t0.Add(time.Hour))
		offer(t, repo, "o2", "m2", upper, "cons-9", t0.Add(time.Hour))

		err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
			missions, err := tx.MissionsWithCandidate(ctx, id)
			if err != nil {
				return err
			}
			var named []string
			for _, m := range missions {
				if m.Pseudonymise(id, "erased-x") {
					named = append(named, m.ID)
				}
			}
			if !slices.Equal(named, []string{"m1", "m3"}) {
				return fmt.Errorf("missions naming the profile: %v", named)
			}
			offers, err := tx.OffersOfProfile(ctx, id)
			if err != nil || len(offers) != 1 || offers[0].ID != "o1" {
				return fmt.Errorf("offers of profile: %+v %v", offers, err)
			}
			about, err := pseudonymiseDecisions(ctx, tx, id, false)
			if err != nil {
				return err
			}
			if want := []string{"m1/2 SHORTLIST_PROPOSED", "m3/2 SHORTLIST_PROPOSED", "m3/3 OFFER_MADE"}; !slices.Equal(about, want) {
				return fmt.Errorf("decisions about the profile: %v, want %v", about, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// pseudonymiseDecisions pseudonymises the entries about profileID as erasure does, stores them
// when rewrite, and names them "mission/sequence kind".
func pseudonymiseDecisions(ctx context.Context, tx app.Tx, profileID string, rewrite bool) ([]string, error) {
	ds, err := tx.DecisionsAbout(ctx, profileID)
	if err != nil {
		return nil, err
	}
	var about []string
	for _, d := range ds {
		if d.Pseudonymise(profileID, "erased-x") {
			about = append(about, fmt.Sprintf("%s/%d %s", d.MissionID, d.Sequence, d.Kind))
			if rewrite {
				if err := tx.RewriteDecision(ctx, d); err != nil {
					return nil, err
				}
			}
		}
	}
	return about, nil
}

// Each erasure lookup holds the missions naming the profile until its transaction ends: a
// change to one of them waits, so what the erasure read is still true when it saves it.
func TestErasureLookupsHoldTheirMissions(t *testing.T) {
	lookups := map[string]func(ctx context.Context, tx app.Tx, profileID string) error{
		"MissionsWithCandidate": func(ctx context.Context, tx app.Tx, p string) error {
			_, err := tx.MissionsWithCandidate(ctx, p)
			return err
		},
		"OffersOfProfile": func(ctx context.Context, tx app.Tx, p string) error { _, err := tx.OffersOfProfile(ctx, p); return err },
		"DecisionsAbout":  func(ctx context.Context, tx app.Tx, p string) error { _, err := tx.DecisionsAbout(ctx, p); return err },
	}
	for name, lookup := range lookups {
		t.Run(name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, _ *sql.DB, repo *store.Repository) {
				ctx := context.Background()
				shortlisted(t, repo, "m1", "firm-1", t0, "p1", "p2")
				offer(t, repo, "o1", "m1", "p1", "cons-1", t0.Add(time.Hour))

				changed := make(chan error, 1)
				err := repo.InTx(ctx, func(ctx context.Context, tx app.Tx) error {
					if err := lookup(ctx, tx, "p1"); err != nil {
						return err
					}
					go func() {
						_, err := update(ctx, repo, "m1", func(m *domain.Mission) (domain.Outcome, error) {
							return m.Cancel(firm1, nil, t0.Add(2*time.Hour))
						})
						changed <- err
					}()
					select {
					case err := <-changed:
						return fmt.Errorf("the mission changed while the lookup held it (%v)", err)
					case <-time.After(200 * time.Millisecond):
						return nil
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := <-changed; err != nil {
					t.Fatalf("the change after the lookup's commit: %v", err)
				}
			})
		})
	}
}
