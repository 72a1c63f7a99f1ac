package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// snapshotter stores the index every so often and once more at shutdown, so that a restart
// replays only the profile events after the last snapshot.
type snapshotter struct {
	js jetstream.JetStream
	ix *index.Index
	// follower tells how far the index has followed the profile stream.
	follower *eventbus.Follower
	every    time.Duration
	logger   *slog.Logger
	covered  uint64
	// soon asks for a snapshot shortly (after an erasure), so that no snapshot keeps an erased
	// person's facts until the next interval.
	soon chan struct{}
}

// afterErasure is how long a snapshot asked for by an erasure waits: time for this replica's
// follower to apply the erasure event, which the snapshot must cover to be stored.
const afterErasure = 2 * time.Second

// Soon asks for a snapshot shortly; it never blocks.
func (s *snapshotter) Soon() {
	select {
	case s.soon <- struct{}{}:
	default:
	}
}

func (s *snapshotter) Run(ctx context.Context) error {
	var tick <-chan time.Time
	if s.every > 0 {
		t := time.NewTicker(s.every)
		defer t.Stop()
		tick = t.C
	}
	var erased <-chan time.Time
	for {
		select {
		case <-s.soon:
			if erased == nil {
				erased = time.After(afterErasure)
			}
		case <-erased:
			erased = nil
			s.snapshot(ctx)
		case <-tick:
			s.snapshot(ctx)
		case <-ctx.Done():
			// The service is stopping; a bounded last snapshot shortens the next start.
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			s.snapshot(final)
			cancel()
			return nil
		}
	}
}

func (s *snapshotter) snapshot(ctx context.Context) {
	started := time.Now()
	covered, err := eventapi.SnapshotIndex(ctx, s.js, s.ix, s.follower.Applied(), s.covered)
	if err != nil {
		// Not fatal: the next start replays more of the stream.
		s.logger.WarnContext(ctx, "index snapshot failed", "error", err)
		return
	}
	if covered == 0 {
		return
	}
	s.covered = covered
	s.logger.InfoContext(ctx, "index snapshot stored", "covered_seq", covered, "profiles", s.ix.Len(),
		"ms", time.Since(started).Milliseconds())
}
