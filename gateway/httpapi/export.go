package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/caiomatch/caiomatch/gateway/audit"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// The person's data export (API.md, "Oversight and data rights"): GET /v1/accounts/{id}/export
// for the account itself and GET /v1/profiles/{id}/export for the profile's owner. The export
// is a composition: the handler reads the gateway's own API in-process AS THE PERSON (the
// request's identity, through the transcoding mux, so every service applies its own ownership
// rules and nothing is shown that the person could not read one endpoint at a time), plus the
// audit log (the gateway's own store) for who read their profile. Everything is bounded: pages
// per list, missions looked into, audit pages, the bytes read in total and the time taken;
// whatever a bound cut is named in the document's "incomplete" field.

// exportLimits bound one export.
type exportLimits struct {
	// maxPages is the number of pages read per list (each at most 100 items).
	maxPages int
	// maxMissions is the number of missions whose extensions, feedback and decisions are read.
	maxMissions int
	// maxWebhooks is the number of webhooks whose recent deliveries are read.
	maxWebhooks int
	// maxAuditPages is the number of audit pages (200 events each) read per subject.
	maxAuditPages int
	// maxBytes bounds the bytes read from the API, hence the document's size.
	maxBytes int
	timeout  time.Duration
}

var defaultExportLimits = exportLimits{maxPages: 50, maxMissions: 200, maxWebhooks: 20, maxAuditPages: 10,
	maxBytes: 16 << 20, timeout: 30 * time.Second}

// exportHandlers serve the two exports.
type exportHandlers struct {
	mux   *runtime.ServeMux
	store *audit.Store // nil: the viewers are listed as incomplete
	// matching lists the proposals a profile was part of; nil: listed as incomplete.
	matching matchingv1.MatchingServiceClient
	limits   exportLimits
}

func newExportHandlers(mux *runtime.ServeMux, store *audit.Store, matching matchingv1.MatchingServiceClient) exportHandlers {
	return exportHandlers{mux: mux, store: store, matching: matching, limits: defaultExportLimits}
}

// ListProposalsForProfile has no HTTP rule: the export is its only caller in the gateway, as the
// consultant, once it checked the profile is theirs (matching knows no accounts).
func init() {
	allowedRoles[matchingv1.MatchingService_ListProposalsForProfile_FullMethodName] = consultant
}

// exportDocument is the answer. Each part is as the API shows it to the person.
type exportDocument struct {
	ExportedAt time.Time `json:"exportedAt"`
	Scope      string    `json:"scope"` // "account" or "profile"
	Account    any       `json:"account,omitempty"`
	// Tokens are names and dates, never secrets (the API never shows a secret again).
	Tokens        []json.RawMessage `json:"tokens"`
	Profiles      []json.RawMessage `json:"profiles"`
	Offers        []json.RawMessage `json:"offers"`
	Missions      []json.RawMessage `json:"missions"`
	Extensions    []missionPart     `json:"extensions"`
	Feedback      []missionPart     `json:"feedback"`
	Decisions     []missionPart     `json:"decisions"`
	Notifications []json.RawMessage `json:"notifications"`
	// Webhooks hold their URL, events and recent deliveries; never the signing secret.
	Webhooks []exportWebhook `json:"webhooks"`
	ViewedBy []profileView   `json:"viewedBy"`
	// Proposals are the shortlists the person's profiles were proposed in, newest first, each
	// with the profile's rank, score and explanation as proposed (a consultant's).
	Proposals []json.RawMessage `json:"proposals"`
	// Incomplete names, in words, what this document leaves out and why.
	Incomplete []string `json:"incomplete"`
}

type missionPart struct {
	MissionID string            `json:"missionId"`
	Items     []json.RawMessage `json:"items"`
}

type exportWebhook struct {
	Webhook          json.RawMessage   `json:"webhook"`
	RecentDeliveries []json.RawMessage `json:"recentDeliveries"`
}

// profileView is one read of the person's data by someone else, from the audit log.
type profileView struct {
	SubjectID string    `json:"subjectId"`
	At        time.Time `json:"at"`
	ActorID   string    `json:"actorId,omitempty"`
	ActorRole string    `json:"actorRole"`
	Action    string    `json:"action"`
}

// proposalsGap is said when matching cannot be asked (a gateway built without it).
const proposalsGap = "proposals: the shortlists a profile was proposed in, with their explanations, are kept by the matching service, which this gateway cannot ask; the offers above show the missions a firm went on to offer"

// maxProposals bounds the proposals read per profile.
const maxProposals = 1000

// account answers GET /v1/accounts/{id}/export.
func (e exportHandlers) account(w http.ResponseWriter, r *http.Request, params map[string]string) {
	caller, ok := identity.FromContext(r.Context())
	if !ok {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.Unauthenticated, "MISSING_TOKEN", "missing bearer token").Err())
		return
	}
	if caller.IsOperator() {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, "ROLE_NOT_ALLOWED",
			"an operator has no data of their own to export; a person exports theirs").Err())
		return
	}
	id := params["id"]
	if id != caller.AccountID {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.NotFound, "ACCOUNT_NOT_FOUND", "account not found").Err())
		return
	}
	x, doc, account, done := e.begin(w, r, "account", "/v1/accounts/"+url.PathEscape(id))
	defer done()
	if x == nil {
		return
	}
	doc.Account = account
	x.list("tokens", "/v1/tokens", "tokens", 1, &doc.Tokens)
	if caller.Role == identity.RoleFirm {
		x.list("missions", "/v1/missions?pageSize=100", "missions", e.limits.maxPages, &doc.Missions)
		x.list("offers", "/v1/offers?pageSize=100", "offers", e.limits.maxPages, &doc.Offers)
		x.perMission(doc, idsOf(doc.Missions, "id", nil), true)
	} else {
		x.list("profiles", "/v1/profiles?pageSize=100", "profiles", e.limits.maxPages, &doc.Profiles)
		x.list("offers", "/v1/offers?pageSize=100", "offers", e.limits.maxPages, &doc.Offers)
		x.perMission(doc, staffedMissions(doc.Offers, ""), false)
		x.viewers(doc, idsOf(doc.Profiles, "id", nil), caller.AccountID)
		x.proposals(doc, idsOf(doc.Profiles, "id", nil))
	}
	x.list("notifications", "/v1/notifications?pageSize=100", "notifications", e.limits.maxPages, &doc.Notifications)
	x.webhooks(doc)
	e.answer(w, r, id, doc, x)
}

// profile answers GET /v1/profiles/{id}/export: the profile-centred subset, for its owner.
func (e exportHandlers) profile(w http.ResponseWriter, r *http.Request, params map[string]string) {
	caller, ok := identity.FromContext(r.Context())
	if !ok {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.Unauthenticated, "MISSING_TOKEN", "missing bearer token").Err())
		return
	}
	if caller.Role != identity.RoleConsultant {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.PermissionDenied, "ROLE_NOT_ALLOWED",
			"only the consultant who owns a profile exports it").Err())
		return
	}
	notFound := rpc.StatusWithReason(codes.NotFound, "PROFILE_NOT_FOUND", "profile not found").Err()
	id := params["id"]
	if !audit.ValidID(id) {
		writeStatus(e.mux, w, r, notFound)
		return
	}
	x, doc, profile, done := e.begin(w, r, "profile", "/v1/profiles/"+url.PathEscape(id))
	defer done()
	if x == nil {
		return
	}
	// The owner only: a consultant reads no other profile today, but the export says so itself.
	var owner struct {
		AccountID string `json:"accountId"`
	}
	if json.Unmarshal(profile, &owner) != nil || owner.AccountID != caller.AccountID {
		writeStatus(e.mux, w, r, notFound)
		return
	}
	doc.Profiles = []json.RawMessage{profile}
	var offers []json.RawMessage
	x.list("offers", "/v1/offers?pageSize=100", "offers", e.limits.maxPages, &offers)
	doc.Offers = filterBy(offers, "profileId", id)
	x.perMission(doc, staffedMissions(doc.Offers, id), false)
	x.viewers(doc, []string{id}, caller.AccountID)
	x.proposals(doc, []string{id})
	e.answer(w, r, id, doc, x)
}

// begin starts an export of scope (account or profile) within the time bound: the exporter,
// its document, and the export's subject read as the person at path (its one field). When the
// subject cannot be read, it answers as the API did and returns a nil exporter. done ends it.
func (e exportHandlers) begin(w http.ResponseWriter, r *http.Request, scope, path string) (*exporter, *exportDocument, json.RawMessage, func()) {
	ctx, cancel := context.WithTimeout(r.Context(), e.limits.timeout)
	x := e.exporter(ctx)
	doc := x.doc(scope)
	var subject map[string]json.RawMessage
	if err := x.get(path, &subject); err != nil {
		e.fail(w, r, err)
		return nil, nil, nil, cancel
	}
	return x, doc, subject[scope], cancel
}

// fail answers the error of a read the export cannot go without.
func (e exportHandlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	var failed *apiFailure
	if errors.As(err, &failed) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(failed.status)
		_, _ = w.Write(failed.body)
		return
	}
	writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.Unavailable, "EXPORT_UNAVAILABLE", "the export could not be made; try again").Err())
}

func (e exportHandlers) answer(w http.ResponseWriter, _ *http.Request, id string, doc *exportDocument, x *exporter) {
	if x.overflow {
		doc.Incomplete = append(doc.Incomplete, fmt.Sprintf("size: the export stops at %d bytes read; the parts named above were cut", e.limits.maxBytes))
	}
	w.Header().Set("Content-Disposition", `attachment; filename="caiomatch-export-`+id+`.json"`)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, doc)
}

// exporter reads the API as the person, within the limits.
type exporter struct {
	ctx      context.Context
	mux      *runtime.ServeMux
	store    *audit.Store
	matching matchingv1.MatchingServiceClient
	limits   exportLimits
	left     int
	overflow bool
	out      *exportDocument
}

func (e exportHandlers) exporter(ctx context.Context) *exporter {
	// The inner reads are not audited one by one (the export itself is): they carry no note.
	ctx = context.WithValue(ctx, accessNoteKey{}, (*accessNote)(nil))
	return &exporter{ctx: ctx, mux: e.mux, store: e.store, matching: e.matching, limits: e.limits, left: e.limits.maxBytes}
}

func (x *exporter) doc(scope string) *exportDocument {
	x.out = &exportDocument{ExportedAt: time.Now().UTC(), Scope: scope, Tokens: []json.RawMessage{},
		Profiles: []json.RawMessage{}, Offers: []json.RawMessage{}, Missions: []json.RawMessage{},
		Extensions: []missionPart{}, Feedback: []missionPart{}, Decisions: []missionPart{},
		Notifications: []json.RawMessage{}, Webhooks: []exportWebhook{}, ViewedBy: []profileView{}, Proposals: []json.RawMessage{},
		Incomplete: []string{}}
	return x.out
}

// apiFailure is an answer of the API other than 200, kept to be passed on.
type apiFailure struct {
	status int
	body   []byte
}

func (f *apiFailure) Error() string { return fmt.Sprintf("answered %d", f.status) }

var errExportBudget = errors.New("export size bound reached")

// get reads path as the person into into.
func (x *exporter) get(path string, into any) error {
	if x.overflow {
		return errExportBudget
	}
	if err := x.ctx.Err(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(x.ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	out := &boundedAnswer{header: http.Header{}, status: http.StatusOK, left: x.left}
	x.mux.ServeHTTP(out, req)
	x.left -= out.body.Len()
	if out.cut {
		x.overflow = true
		return errExportBudget
	}
	if out.status != http.StatusOK {
		return &apiFailure{status: out.status, body: out.body.Bytes()}
	}
	return json.Unmarshal(out.body.Bytes(), into)
}

// list reads every page of path (at most pages), appending the answer's field to dst; what it
// could not read is named in the document.
func (x *exporter) list(part, path, field string, pages int, dst *[]json.RawMessage) {
	token := ""
	for page := 0; ; page++ {
		if page == pages {
			x.note("%s: more than %d pages; the first %d are here", part, pages, pages)
			return
		}
		p := path
		if token != "" {
			sep := "?"
			if bytes.ContainsRune([]byte(path), '?') {
				sep = "&"
			}
			p += sep + "pageToken=" + url.QueryEscape(token)
		}
		var answer map[string]json.RawMessage
		if err := x.get(p, &answer); err != nil {
			x.noteErr(part, err)
			return
		}
		var items []json.RawMessage
		_ = json.Unmarshal(answer[field], &items)
		*dst = append(*dst, items...)
		token = ""
		_ = json.Unmarshal(answer["nextPageToken"], &token)
		if token == "" {
			return
		}
	}
}

func (x *exporter) note(format string, args ...any) {
	x.out.Incomplete = append(x.out.Incomplete, fmt.Sprintf(format, args...))
}

func (x *exporter) noteErr(part string, err error) {
	switch {
	case errors.Is(err, errExportBudget):
		x.note("%s: left out, the export's size bound was reached", part)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		x.note("%s: left out, the export's time bound was reached", part)
	default:
		x.note("%s: could not be read (%v)", part, err)
	}
}

// perMission reads the extensions and feedback (and, for the firm that owns them, the
// decisions trail: its shortlists as proposed, with their explanations) of each mission.
func (x *exporter) perMission(doc *exportDocument, missions []string, decisions bool) {
	if len(missions) > x.limits.maxMissions {
		x.note("missions: %d missions, the extensions, feedback and decisions of the first %d are here", len(missions), x.limits.maxMissions)
		missions = missions[:x.limits.maxMissions]
	}
	parts := []struct {
		name, field string
		dst         *[]missionPart
	}{{"extensions", "extensions", &doc.Extensions}, {"feedback", "feedback", &doc.Feedback}}
	if decisions {
		parts = append(parts, struct {
			name, field string
			dst         *[]missionPart
		}{"decisions", "decisions", &doc.Decisions})
	}
	for _, id := range missions {
		for _, p := range parts {
			var items []json.RawMessage
			var answer map[string]json.RawMessage
			if err := x.get("/v1/missions/"+url.PathEscape(id)+"/"+p.name, &answer); err != nil {
				x.noteErr(p.name+" of mission "+id, err)
				continue
			}
			_ = json.Unmarshal(answer[p.field], &items)
			if items == nil {
				items = []json.RawMessage{}
			}
			*p.dst = append(*p.dst, missionPart{MissionID: id, Items: items})
		}
	}
}

// webhooks reads the webhooks and each one's latest page of deliveries.
func (x *exporter) webhooks(doc *exportDocument) {
	var hooks []json.RawMessage
	x.list("webhooks", "/v1/webhooks", "webhooks", 1, &hooks)
	for i, hook := range hooks {
		w := exportWebhook{Webhook: hook, RecentDeliveries: []json.RawMessage{}}
		if i >= x.limits.maxWebhooks {
			if i == x.limits.maxWebhooks {
				x.note("webhooks: the recent deliveries of the first %d webhooks only are here", x.limits.maxWebhooks)
			}
		} else if ids := idsOf([]json.RawMessage{hook}, "id", nil); len(ids) == 1 {
			var answer map[string]json.RawMessage
			if err := x.get("/v1/webhooks/"+url.PathEscape(ids[0])+"/deliveries?pageSize=100", &answer); err != nil {
				x.noteErr("deliveries of webhook "+ids[0], err)
			} else {
				_ = json.Unmarshal(answer["deliveries"], &w.RecentDeliveries)
			}
		}
		doc.Webhooks = append(doc.Webhooks, w)
	}
}

// viewers lists, from the audit log, the successful reads by anyone else of the subjects.
func (x *exporter) viewers(doc *exportDocument, subjects []string, self string) {
	if x.store == nil {
		x.note("viewedBy: this gateway keeps no audit log")
		return
	}
	for _, subject := range subjects {
		if !audit.ValidID(subject) {
			continue
		}
		q := audit.Query{SubjectID: subject, Outcome: audit.OutcomeAllowed, PageSize: audit.MaxPageSize}
		for page := 0; ; page++ {
			if page == x.limits.maxAuditPages {
				x.note("viewedBy: more than %d reads of %s; the latest %d are here", page*audit.MaxPageSize, subject, page*audit.MaxPageSize)
				break
			}
			if x.ctx.Err() != nil {
				x.noteErr("viewedBy", x.ctx.Err())
				return
			}
			found, err := x.store.Search(x.ctx, q)
			if err != nil {
				x.noteErr("viewedBy", err)
				return
			}
			for _, ev := range found.Events {
				if ev.Kind != audit.KindRead || ev.ActorID == self {
					continue
				}
				doc.ViewedBy = append(doc.ViewedBy, profileView{SubjectID: ev.SubjectID, At: ev.At, ActorID: ev.ActorID,
					ActorRole: ev.ActorRole, Action: ev.Action})
			}
			if q.PageToken = found.NextPageToken; q.PageToken == "" {
				break
			}
		}
	}
}

// proposals asks matching, as the person, for the shortlists each of their profiles (checked
// theirs by the caller of this method) was proposed in.
func (x *exporter) proposals(doc *exportDocument, profiles []string) {
	if x.matching == nil {
		x.note(proposalsGap)
		return
	}
	marshal := protojson.MarshalOptions{EmitUnpopulated: true}
	for _, id := range profiles {
		if x.overflow {
			x.noteErr("proposals of profile "+id, errExportBudget)
			return
		}
		resp, err := x.matching.ListProposalsForProfile(x.ctx, &matchingv1.ListProposalsForProfileRequest{ProfileId: id, Limit: maxProposals})
		if err != nil {
			x.note("proposals of profile %s: could not be read (%s)", id, rpc.Reason(err))
			continue
		}
		if resp.GetTruncated() {
			x.note("proposals of profile %s: more than %d; the latest %d are here", id, maxProposals, maxProposals)
		}
		for _, p := range resp.GetProposals() {
			raw, err := marshal.Marshal(p)
			if err != nil {
				continue
			}
			if x.left -= len(raw); x.left < 0 {
				x.overflow = true
				x.noteErr("proposals of profile "+id, errExportBudget)
				return
			}
			doc.Proposals = append(doc.Proposals, raw)
		}
	}
}

// idsOf reads field of each item, keeping those keep accepts (nil: all), each once.
func idsOf(items []json.RawMessage, field string, keep func(map[string]json.RawMessage) bool) []string {
	seen := map[string]bool{}
	var ids []string
	for _, raw := range items {
		var item map[string]json.RawMessage
		if json.Unmarshal(raw, &item) != nil || (keep != nil && !keep(item)) {
			continue
		}
		var id string
		if json.Unmarshal(item[field], &id) != nil || id == "" || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

// staffedMissions are the missions of the accepted offers (of profile, when given).
func staffedMissions(offers []json.RawMessage, profile string) []string {
	return idsOf(offers, "missionId", func(item map[string]json.RawMessage) bool {
		var status, pid string
		_ = json.Unmarshal(item["status"], &status)
		_ = json.Unmarshal(item["profileId"], &pid)
		return status == "OFFER_STATUS_ACCEPTED" && (profile == "" || pid == profile)
	})
}

// filterBy keeps the items whose field is value.
func filterBy(items []json.RawMessage, field, value string) []json.RawMessage {
	out := []json.RawMessage{}
	for _, raw := range items {
		var item map[string]json.RawMessage
		var v string
		if json.Unmarshal(raw, &item) == nil && json.Unmarshal(item[field], &v) == nil && v == value {
			out = append(out, raw)
		}
	}
	return out
}

// boundedAnswer records an in-process answer, refusing to hold more than left bytes.
type boundedAnswer struct {
	header http.Header
	status int
	body   bytes.Buffer
	left   int
	cut    bool
}

func (a *boundedAnswer) Header() http.Header    { return a.header }
func (a *boundedAnswer) WriteHeader(status int) { a.status = status }
func (a *boundedAnswer) Write(p []byte) (int, error) {
	if a.cut || a.body.Len()+len(p) > a.left {
		a.cut = true
		return 0, errExportBudget
	}
	return a.body.Write(p)
}
