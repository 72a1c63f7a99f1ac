package httpapi

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/audit"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

// The account erasure (API.md, "Oversight and data rights"): DELETE /v1/accounts/{id}, by the
// account itself or an operator. It is a composition like the export, in an order that a
// retry after any failure completes:
//  1. a consultant's profiles are erased through the profile service (each ProfileErased then
//     reaches matching, mission and notification, which pseudonymise or drop the person, and
//     the profile's earlier events leave the outbox and the stream);
//  2. the account goes in one transaction of the gateway's database: its credentials (every
//     token and session stops at once), links, sign-up, name and email, with AccountErased
//     published (the notification service drops its address, notifications and webhooks) and
//     the audit log's records of the account and its profiles pseudonymised;
//  3. the kept development emails to the person are dropped.
// A failure in 1 leaves the account as it was, so the request can be made again; 2 is atomic.

// eraseHandlers serve the erasure.
type eraseHandlers struct {
	mux      *runtime.ServeMux
	accounts *accounts.Store
	profiles profilev1.ProfileServiceClient
	recorder *audit.Recorder
	// log is the audit log's store, whose records a profile's erasure pseudonymises; nil: none.
	log     *audit.Store
	key     pseudonym.Key
	mailbox *mail.Mailbox
}

// profile serves DELETE /v1/profiles/{id} in place of the transcoded route, to add what the
// profile service cannot do: the audit log's records of the profile take its pseudonym. The
// profile service decides who may erase it (the owner or an operator) and erases it everywhere
// through ProfileErased; the answer is the service's.
func (e eraseHandlers) profile(w http.ResponseWriter, r *http.Request, params map[string]string) {
	ctx := r.Context()
	id := params["id"]
	resp, err := e.profiles.DeleteProfile(ctx, &profilev1.DeleteProfileRequest{Id: id})
	if err != nil {
		writeStatus(e.mux, w, r, err)
		return
	}
	if e.key != nil {
		// At once, for the answer's own record and the events queued; should it fail, the
		// gateway's consumer of ProfileErased does it (audit.ProfileErasures).
		pseudonyms := map[string]string{id: e.key.Of(id)}
		_ = e.recorder.Erase(pseudonyms, func() error {
			if e.log == nil {
				return nil
			}
			_, err := e.log.Pseudonymise(ctx, id, pseudonyms[id])
			return err
		})
	}
	_, outbound := runtime.MarshalerForRequest(e.mux, r)
	w.Header().Set("Content-Type", outbound.ContentType(resp))
	body, err := outbound.Marshal(resp)
	if err != nil {
		writeStatus(e.mux, w, r, err)
		return
	}
	_, _ = w.Write(body)
}

// maxErasedProfiles bounds the profiles one erasure goes through (a consultant has one).
const maxErasedProfiles = 100

// erasedAccount is the answer: what the records keep instead of the ids.
type erasedAccount struct {
	AccountPseudonym  string   `json:"accountPseudonym"`
	ProfilePseudonyms []string `json:"profilePseudonyms"`
}

func (e eraseHandlers) account(w http.ResponseWriter, r *http.Request, params map[string]string) {
	ctx := r.Context()
	caller, ok := identity.FromContext(ctx)
	if !ok {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.Unauthenticated, "MISSING_TOKEN", "missing bearer token").Err())
		return
	}
	id := params["id"]
	if id != caller.AccountID && !caller.IsOperator() {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.NotFound, accounts.ReasonAccountNotFound, "account not found").Err())
		return
	}
	if e.key == nil {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.Unavailable, "ERASURE_UNAVAILABLE",
			"this gateway has no pseudonym key; erasure is off").Err())
		return
	}
	acc, err := e.accounts.Get(ctx, id)
	if err != nil {
		writeStatus(e.mux, w, r, rpc.Status(err).Err())
		return
	}
	if acc.ID == accounts.BootstrapOperatorID {
		writeStatus(e.mux, w, r, rpc.StatusWithReason(codes.FailedPrecondition, accounts.ReasonBootstrapOperator,
			"the bootstrap operator cannot be erased").Err())
		return
	}
	pseudonyms := map[string]string{id: e.key.Of(id)}
	answer := erasedAccount{AccountPseudonym: pseudonyms[id], ProfilePseudonyms: []string{}}
	if acc.Role == identity.RoleConsultant {
		profiles, err := e.eraseProfiles(ctx, id)
		if err != nil {
			writeStatus(e.mux, w, r, err)
			return
		}
		for _, p := range profiles {
			pseudonyms[p] = e.key.Of(p)
			answer.ProfilePseudonyms = append(answer.ProfilePseudonyms, pseudonyms[p])
		}
	}
	err = e.recorder.Erase(pseudonyms, func() error {
		_, err := e.accounts.Erase(ctx, id, func(ctx context.Context, tx *sql.Tx) error {
			_, err := audit.PseudonymiseIn(ctx, tx, pseudonyms)
			return err
		})
		return err
	})
	if err != nil {
		writeStatus(e.mux, w, r, rpc.Status(err).Err())
		return
	}
	e.mailbox.Forget(acc.Email)
	// The erasure's own audit record, written after this answer, names the pseudonyms: the
	// recorder replaces the erased ids from now on.
	writeJSON(w, http.StatusOK, answer)
}

// eraseProfiles erases every profile of the consultant account id, as the caller (the
// consultant or an operator: the profile service applies its own rules), and returns their ids.
// A profile already gone is not an error: a retried erasure finds some erased.
func (e eraseHandlers) eraseProfiles(ctx context.Context, accountID string) ([]string, error) {
	list, err := e.profiles.ListProfiles(ctx, &profilev1.ListProfilesRequest{AccountId: accountID, PageSize: maxErasedProfiles})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range list.GetProfiles() {
		if _, err := e.profiles.DeleteProfile(ctx, &profilev1.DeleteProfileRequest{Id: p.GetId()}); err != nil &&
			status.Code(err) != codes.NotFound {
			return nil, err
		}
		ids = append(ids, p.GetId())
	}
	return ids, nil
}
