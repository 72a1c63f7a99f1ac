package audit

import (
	"context"
	"database/sql"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
)

// ProfileErasures pseudonymises the log's records of every erased profile, exactly once per
// ProfileErased (the claim commits with the rewrite). The gateway's own erasure routes already
// do it as they answer; this catches the profiles erased without them (an account's last profile
// erased by the profile service after the account, a retry that no longer finds the profile),
// and survives a crash between an erasure and its pseudonymisation.
type ProfileErasures struct {
	runner   *sqltx.Runner[*sqltx.Tx]
	recorder *Recorder
	key      pseudonym.Key
}

// NewProfileErasures works on db, the log's database (with the inbox table: sqltx.Migrations).
func NewProfileErasures(db *sql.DB, recorder *Recorder, key pseudonym.Key) *ProfileErasures {
	return &ProfileErasures{runner: sqltx.New(db, nil, func(t *sqltx.Tx) *sqltx.Tx { return t }), recorder: recorder, key: key}
}

// Handle is the eventbus.Handler of the gateway-profiles consumer.
func (p *ProfileErasures) Handle(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
	e, ok := payload.(*profilev1.ProfileErased)
	if !ok || e.GetProfileId() == "" || !ValidID(e.GetProfileId()) {
		return nil // not an erasure this log could hold records of
	}
	id := e.GetProfileId()
	pseudonyms := map[string]string{id: p.key.Of(id)}
	d := txn.Delivery{Consumer: eventbus.ConsumerGatewayProfiles, EventID: env.GetEventId()}
	err := p.recorder.Erase(pseudonyms, func() error {
		_, err := p.runner.Once(ctx, d, func(ctx context.Context, tx *sqltx.Tx) error {
			_, err := PseudonymiseIn(ctx, tx.SQL, pseudonyms)
			return err
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("pseudonymise the audit records of erased profile (event %s): %w", env.GetEventId(), err)
	}
	return nil
}
