package eventapi

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/app"
)

// AccountsSpec is the durable consumer of account erasures.
func AccountsSpec() eventbus.ConsumerSpec {
	return eventbus.ConsumerSpecOf(eventbus.ConsumerProfileAccounts)
}

// AccountsHandler erases what profiles an erased account still has, exactly once.
func AccountsHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		e, ok := payload.(*accountv1.AccountErased)
		if !ok {
			logger.WarnContext(ctx, "unexpected event ignored", "event_id", env.GetEventId(), "type", env.GetType())
			return nil
		}
		d := txn.Delivery{Consumer: eventbus.ConsumerProfileAccounts, EventID: env.GetEventId()}
		n, err := a.EraseAccountProfiles(ctx, d, e.GetAccountId())
		if err != nil {
			// The account id is not logged with the error: it is the erased person's.
			return fmt.Errorf("apply account erasure %s: %w", env.GetEventId(), err)
		}
		if n > 0 {
			logger.InfoContext(ctx, "profiles erased with their account", "event_id", env.GetEventId(), "profiles", n)
		}
		return nil
	}
}
