// Package audit keeps the platform's log of personal-data access: who read or changed which
// person's data, when, through which endpoint and with what outcome, and every refused request
// and failed sign-in. The gateway, the only public door, records it (gateway/httpapi) and
// operators query it (GET /v1/ops/audit, the /ops/audit page).
//
// A row holds ids, a route template and a status code: never a name, an email, free text, a
// secret or a path as a caller typed it. Fields that could carry a caller's text are checked
// here, at the door of the store, whatever the recorder was given: an id that is not an id, an
// action that is not a route template, a reason that is not a reason code are left out.
//
// The log lives in the gateway's database beside the accounts, apart from the application logs:
// nothing in it is ever printed. Rows older than the retention are deleted periodically.
package audit

import (
	"regexp"
	"time"
)

// Kind says what an event was.
type Kind string

const (
	// KindRead is a successful read of a person's data.
	KindRead Kind = "READ"
	// KindChange is a change of a person's data or account (any outcome).
	KindChange Kind = "CHANGE"
	// KindRefused is a request answered 401, 403 or 429.
	KindRefused Kind = "REFUSED"
	// KindSignInFailed is a refused credential: an invalid or revoked token or session, a wrong
	// sign-up code, an unknown or expired sign-in link.
	KindSignInFailed Kind = "SIGN_IN_FAILED"
)

// Outcome filters: refused events are REFUSED and SIGN_IN_FAILED, allowed ones READ and CHANGE.
const (
	OutcomeRefused = "refused"
	OutcomeAllowed = "allowed"
)

// Anonymous is the role of an actor the gateway could not identify.
const Anonymous = "ANONYMOUS"

// UnknownRoute is the action of a request the gateway routes nowhere.
const UnknownRoute = "unknown route"

// Event is one row of the log.
type Event struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// ActorID is the caller's account id, "" when anonymous.
	ActorID string `json:"actorId,omitempty"`
	// ActorRole is FIRM, CONSULTANT, OPERATOR or ANONYMOUS.
	ActorRole string `json:"actorRole"`
	Kind      Kind   `json:"kind"`
	// Action is the route template the request matched, "GET /v1/profiles/{id}", or UnknownRoute.
	Action string `json:"action"`
	// SubjectID is the id of whose data was reached, "" when none applies.
	SubjectID string `json:"subjectId,omitempty"`
	// Outcome is the HTTP status answered.
	Outcome int `json:"outcome"`
	// Reason is the stable reason code of a refusal (INVALID_TOKEN, ROLE_NOT_ALLOWED, ...).
	Reason  string `json:"reason,omitempty"`
	TraceID string `json:"traceId,omitempty"`
}

var (
	// idPattern is what an id looks like on this platform: a UUID (every store makes v7 ones), 32
	// hex digits (trace ids), the bootstrap operator's account, or the keyed pseudonym of an
	// erased person ("erased-" and hex digits).
	idPattern     = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{32}|operator|erased-[0-9a-f]{16,64})$`)
	rolePattern   = regexp.MustCompile(`^[A-Z]{1,16}$`)
	reasonPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
	// actionPattern is a method and a route template: literal segments and {variables}.
	actionPattern = regexp.MustCompile(`^(?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (?:/(?:[a-z0-9._-]{1,64}|\{[A-Za-z][A-Za-z0-9]{0,31}\}))+$`)
	tracePattern  = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// ValidID tells whether s is an id: ids are the only values of a caller's that the log keeps.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// ValidAction tells whether s is an action the log may hold: a route template or UnknownRoute.
func ValidAction(s string) bool {
	return s == UnknownRoute || len(s) <= 300 && actionPattern.MatchString(s)
}

// sanitised is e with every field that is not of its expected shape replaced: an id that is not
// an id is dropped, an action that is not a template becomes UnknownRoute. It is the last line of
// defence against a caller's text reaching the store.
func (e Event) sanitised() Event {
	if !ValidID(e.ActorID) {
		e.ActorID = ""
	}
	if !rolePattern.MatchString(e.ActorRole) || e.ActorID == "" {
		e.ActorRole = Anonymous
	}
	if !ValidID(e.SubjectID) {
		e.SubjectID = ""
	}
	if !ValidAction(e.Action) {
		e.Action = UnknownRoute
	}
	if !reasonPattern.MatchString(e.Reason) {
		e.Reason = ""
	}
	if !tracePattern.MatchString(e.TraceID) {
		e.TraceID = ""
	}
	switch e.Kind {
	case KindRead, KindChange, KindRefused, KindSignInFailed:
	default:
		e.Kind = KindRefused
	}
	if e.Outcome < 100 || e.Outcome > 599 {
		e.Outcome = 0
	}
	return e
}

// Query selects events, newest first.
type Query struct {
	SubjectID string
	ActorID   string
	Action    string
	// Outcome is OutcomeRefused, OutcomeAllowed or "" for both.
	Outcome string
	// PageSize is 1 to MaxPageSize; 0 means DefaultPageSize.
	PageSize  int
	PageToken string
}

// Page bounds.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Page is one page of events and the token of the next one, "" at the end.
type Page struct {
	Events        []Event `json:"events"`
	NextPageToken string  `json:"nextPageToken"`
}
