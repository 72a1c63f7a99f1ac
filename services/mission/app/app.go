// Package app holds the mission use cases, one per file.
package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Repository stores missions, offers and the decisions trail. Reads outside a transaction
// see committed data; every change goes through the runner (InTx, or Once for an event
// handler), so that a use case's checks, its writes, the decisions it appends and the events it
// publishes commit together or not at all. Transactions that change the same mission, or book
// the same consultant (see Tx.LockConsultant), run one after the other.
type Repository interface {
	txn.Runner[Tx]

	Get(ctx context.Context, id string) (domain.Mission, error)
	// List returns up to limit missions, newest first (created at, then id, both descending),
	// strictly after the cursor when there is one; an empty firmID lists every firm's missions.
	// A status other than unspecified keeps only the missions in that status.
	List(ctx context.Context, firmID string, status domain.Status, after *missionrules.Cursor, limit int) ([]domain.Mission, error)
	// GetOffer returns an offer, or ErrOfferNotFound.
	GetOffer(ctx context.Context, id string) (domain.Offer, error)
	// ListOffers is List for offers, kept by filter.
	ListOffers(ctx context.Context, filter OfferFilter, after *missionrules.Cursor, limit int) ([]domain.Offer, error)
	// HasOffered tells whether the mission was ever offered to the consultant (an account).
	HasOffered(ctx context.Context, missionID, consultantID string) (bool, error)
	// GetExtension returns an extension, or ErrExtensionNotFound; Extensions a mission's, oldest
	// first.
	GetExtension(ctx context.Context, id string) (domain.Extension, error)
	Extensions(ctx context.Context, missionID string) ([]domain.Extension, error)
	// Feedback returns a mission's feedback, oldest first.
	Feedback(ctx context.Context, missionID string) ([]domain.Feedback, error)
	// DueCompletions returns up to limit ids of staffed missions whose end date may be before
	// today at now.
	DueCompletions(ctx context.Context, now time.Time, limit int) ([]string, error)
	// DueOffers returns up to limit pending offers whose expiry is at or before now, soonest
	// first.
	DueOffers(ctx context.Context, now time.Time, limit int) ([]domain.Offer, error)
	// Decisions returns a mission's decisions trail in sequence order.
	Decisions(ctx context.Context, missionID string) ([]domain.Decision, error)
}

// Tx is what a use case may read and change inside one transaction.
//
// Transactions may run side by side (PostgreSQL, at READ COMMITTED): a row read is still as
// read at commit only while the transaction holds it. Holding a mission holds its offers and
// its decisions trail too, because every change to them is made while holding their mission;
// so a use case holds a mission (Mission, or the erasure lookups below) before reading what it
// will change, and reads an offer again once its mission is held.
type Tx interface {
	// RecordErasedProfile remembers an erased profile's pseudonym; ErasedProfiles tells which
	// of pseudonyms are recorded.
	RecordErasedProfile(ctx context.Context, pseudonym string) error
	ErasedProfiles(ctx context.Context, pseudonyms []string) (map[string]bool, error)
	// LockFirm makes every other transaction locking the same firm wait until this one ends;
	// MissionsSubmittedSince counts the firm's missions created at or after since.
	LockFirm(ctx context.Context, firmID string) error
	MissionsSubmittedSince(ctx context.Context, firmID string, since time.Time) (int, error)
	// ForgetFirm removes what an erased firm account wrote and who it was: the firm's name and
	// contact email kept with its missions, its offer and extension messages and feedback
	// comments, the reasons of its decisions; its account id, firmID, becomes pseudonym where it
	// acted (the decisions trail, feedback). Its missions stay, with their own texts, as the
	// platform's record.
	ForgetFirm(ctx context.Context, firmID, pseudonym string) error
	// Erasing tells the store that the transaction removes a person's data: once it commits,
	// the store makes sure what it removed is gone from its files too.
	Erasing()
	// Mission holds a mission for the rest of the transaction, then reads it; ErrNotFound when
	// there is none.
	Mission(ctx context.Context, id string) (domain.Mission, error)
	CreateMission(ctx context.Context, m domain.Mission) error
	SaveMission(ctx context.Context, m domain.Mission) error
	// MissionsWithCandidate returns the missions whose current candidates include profileID.
	// Like OffersOfProfile and DecisionsAbout, it first holds every mission that names the
	// profile, so what it returns may be changed and saved.
	MissionsWithCandidate(ctx context.Context, profileID string) ([]domain.Mission, error)

	// Extension reads an extension; ErrExtensionNotFound when there is none. PendingExtension
	// returns the mission's pending one, if any.
	Extension(ctx context.Context, id string) (domain.Extension, error)
	PendingExtension(ctx context.Context, missionID string) (domain.Extension, bool, error)
	CreateExtension(ctx context.Context, e domain.Extension) error
	SaveExtension(ctx context.Context, e domain.Extension) error
	// ExtensionsOfProfile and FeedbackOfProfile return the records naming profileID, holding
	// their missions (erasure).
	ExtensionsOfProfile(ctx context.Context, profileID string) ([]domain.Extension, error)
	FeedbackOfProfile(ctx context.Context, profileID string) ([]domain.Feedback, error)
	// FeedbackGiven tells whether the author side (FIRM, CONSULTANT) gave the mission's feedback.
	FeedbackGiven(ctx context.Context, missionID, authorRole string) (bool, error)
	CreateFeedback(ctx context.Context, f domain.Feedback) error
	RewriteFeedback(ctx context.Context, f domain.Feedback) error

	// Offer reads an offer; ErrOfferNotFound when there is none.
	Offer(ctx context.Context, id string) (domain.Offer, error)
	// PendingOffer returns the mission's open (pending or countered) offer, if any.
	PendingOffer(ctx context.Context, missionID string) (domain.Offer, bool, error)
	// OffersOfProfile returns every offer made to profileID, holding their missions.
	OffersOfProfile(ctx context.Context, profileID string) ([]domain.Offer, error)
	CreateOffer(ctx context.Context, o domain.Offer) error
	SaveOffer(ctx context.Context, o domain.Offer) error

	// LockConsultant makes every other transaction that locks the same consultant wait until
	// this one ends, so that checking their bookings and booking them is decided once.
	LockConsultant(ctx context.Context, consultantID string) error
	// Bookings returns the offers the consultant accepted for missions that are still staffed.
	Bookings(ctx context.Context, consultantID string) ([]domain.Offer, error)

	// Record appends entries to their missions' decisions trails, numbering them.
	Record(ctx context.Context, decisions ...domain.Decision) error
	// DecisionsAbout returns every entry naming profileID, as the entry's profile or as a
	// candidate of a proposal, holding their missions.
	DecisionsAbout(ctx context.Context, profileID string) ([]domain.Decision, error)
	// RewriteDecision replaces a stored entry (mission id and sequence); only erasure does.
	RewriteDecision(ctx context.Context, d domain.Decision) error

	// Publish stores events in the outbox, to be relayed once committed.
	Publish(ctx context.Context, events ...domain.Event) error
}

// OfferFilter keeps the offers of a consultant (an account), of a firm and in a status; an
// empty field keeps every offer.
type OfferFilter struct {
	ConsultantID string
	FirmID       string
	// MissionID and Status, when set, keep the offers on that mission and in that status.
	MissionID string
	Status    domain.OfferStatus
}

// Profiles asks the profile service about a profile.
type Profiles interface {
	// Consultant returns the account that owns the profile and its daily rate, asked on behalf
	// of the caller in ctx. An unknown or hidden profile is ErrProfileNotFound.
	Consultant(ctx context.Context, profileID string) (Consultant, error)
}

// Consultant is what the profile service tells of a profile's owner.
type Consultant struct {
	AccountID string
	// DailyRateEUR is the consultant's own rate; 0 when the profile service did not tell.
	DailyRateEUR int
}

// Config is how the use cases behave.
type Config struct {
	// OfferTTL is how long a consultant has to answer an offer.
	OfferTTL time.Duration
	// PseudonymKey keys the pseudonyms that replace an erased consultant's profile and account
	// ids.
	PseudonymKey []byte
	// FirmMissionsPerDay bounds the missions one firm submits in any 24 hours; 0: no bound. A
	// firm reads the profiles of its missions' candidates, so throwaway missions would let it
	// harvest consultants' profiles; a real firm staffs a handful of CAIO missions at a time.
	FirmMissionsPerDay int
}

// Application is the mission service's use cases.
type Application struct {
	repo     Repository
	profiles Profiles
	cfg      Config
	now      func() time.Time
	newID    func() string
}

// New builds the use cases. A zero OfferTTL means DefaultOfferTTL.
func New(repo Repository, profiles Profiles, cfg Config, now func() time.Time, newID func() string) *Application {
	if cfg.OfferTTL <= 0 {
		cfg.OfferTTL = DefaultOfferTTL
	}
	return &Application{repo: repo, profiles: profiles, cfg: cfg, now: now, newID: newID}
}

// DefaultOfferTTL is how long a consultant has to answer when nothing else is configured.
const DefaultOfferTTL = 72 * time.Hour

// apply stores what a change caused: its decisions and its events.
func apply(ctx context.Context, tx Tx, out domain.Outcome) error {
	if err := tx.Record(ctx, out.Decisions...); err != nil {
		return err
	}
	return tx.Publish(ctx, out.Events...)
}

// inTx runs fn in one transaction and returns what it made once committed; when the transaction
// fails, T's zero value and the error.
func inTx[T any](ctx context.Context, repo Repository, fn func(ctx context.Context, tx Tx) (T, error)) (T, error) {
	var made T
	err := repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		made, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return made, nil
}

// holdMission holds the mission in tx for a caller that may change it; anyone else is told it
// does not exist.
func holdMission(ctx context.Context, tx Tx, caller identity.Caller, id string, may func(identity.Caller, domain.Mission) bool) (domain.Mission, error) {
	m, err := tx.Mission(ctx, id)
	if err != nil {
		return domain.Mission{}, err
	}
	if !may(caller, m) {
		return domain.Mission{}, ErrNotFound(id)
	}
	return m, nil
}

// create stores a new record and what making it caused.
func create[T any](ctx context.Context, tx Tx, store func(context.Context, T) error, record T, out domain.Outcome) error {
	if err := store(ctx, record); err != nil {
		return err
	}
	return apply(ctx, tx, out)
}

// saveMission stores a changed mission and what the change caused.
func saveMission(ctx context.Context, tx Tx, m domain.Mission, out domain.Outcome) error {
	if err := tx.SaveMission(ctx, m); err != nil {
		return err
	}
	return apply(ctx, tx, out)
}
