package matchingcrash

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

// recordKill reads what a kill interrupted, from the database and the streams, once the
// process is gone, and, when no other process writes (allStopped), checks that nothing
// acknowledged or published ran ahead of what was committed.
func recordKill(t *testing.T, ctx context.Context, js jetstream.JetStream, db database, number int, allStopped bool) killRecord {
	t.Helper()
	k := killRecord{survivors: !allStopped}
	var err error
	if k.proposed, err = streamMsgs(ctx, js, "MATCHING"); err != nil {
		t.Fatal(err)
	}
	if k.missions, err = consumerOf(ctx, js, "MISSION", missionsConsumer); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		t.Fatal(err)
	}
	// A kill at start-up may come before the database exists.
	k.store, k.storeErr = countStore(ctx, db)
	if k.storeErr == nil && allStopped {
		if k.committedNotPublished() < 0 || k.publishedNotMarked() < 0 {
			t.Errorf("kill %d: %d shortlists on the stream but %d outbox rows (%d marked sent)",
				number, k.proposed, k.store.outboxRows, k.store.outboxSent)
		}
		if k.appliedNotAcked() < 0 {
			t.Errorf("kill %d: %d MissionSubmitted acknowledged but only %d in the inbox: an event was acknowledged without its effect",
				number, k.acked(), k.store.inboxMissions)
		}
	}
	return k
}

// killFigures prints each kill and what it interrupted.
func killFigures(kills []killRecord, sc scale) {
	kinds := map[killKind]int{}
	republished, firstPublished, redelivered := 0, 0, 0
	for _, k := range kills {
		kinds[k.kind]++
		if k.storeErr == nil && !k.survivors {
			republished += k.publishedNotMarked()
			firstPublished += k.committedNotPublished()
			redelivered += k.appliedNotAcked()
		}
	}
	var byKind string
	for kind := range killKindCount {
		if n := kinds[kind]; n > 0 {
			byKind += fmt.Sprintf(" %s=%d", kind, n)
		}
	}
	figures("kills=%d (%s ); re-publishes dropped by dedup=%d; outbox rows first published after a restart=%d; "+
		"redeliveries skipped by the inbox=%d", len(kills), byKind, republished, firstPublished, redelivered)
	for i, k := range kills {
		who := k.who
		if who == "" {
			who = "matching"
		}
		if k.survivors {
			figures("kill %d (%s, %s): run %d, %s after its start, the other replica kept ranking: about %d/%d missions applied, "+
				"%d fetched and unacknowledged (the dead replica's wait for AckWait), %d shortlists on the stream",
				i+1, k.kind, who, k.run, k.afterStart.Round(time.Millisecond), k.store.inboxMissions, sc.missions,
				k.missions.ackPending, k.proposed)
			continue
		}
		if k.storeErr != nil {
			figures("kill %d (%s, %s): run %d, %s after its start, before its database could be read (%v); %d shortlists on the stream",
				i+1, k.kind, who, k.run, k.afterStart.Round(time.Millisecond), firstLine(k.storeErr), k.proposed)
			continue
		}
		figures("kill %d (%s, %s): run %d, %s after its start: %d/%d missions applied, %d fetched and unacknowledged "+
			"(they wait for AckWait), %d shortlists on the stream; "+
			"outbox committed-not-published=%d published-not-marked=%d (re-published, dropped by JetStream); "+
			"inbox applied-not-acked=%d (redelivered, skipped)",
			i+1, k.kind, who, k.run, k.afterStart.Round(time.Millisecond),
			k.store.inboxMissions, sc.missions, k.missions.ackPending, k.proposed, k.committedNotPublished(), k.publishedNotMarked(), k.appliedNotAcked())
	}
}

// outcome is what the streams and the database hold once every mission is ranked.
type outcome struct {
	proposals, distinctPairs, streamDuplicates, inboxDuplicates int
	deadLetters                                                 uint64
	wrong, withCandidates                                       int
	minShortlists, maxShortlists                                int
	minRevision, maxRevision                                    int64
}

// checkOutcome requires that every mission ends with exactly one shortlist, revision 1,
// proposed once on the stream and equal to an uninterrupted ranking, and that every event was
// applied exactly once.
func checkOutcome(t *testing.T, ctx context.Context, js jetstream.JetStream, db database, sc scale,
	profiles, missions []eventbus.Event) outcome {
	t.Helper()
	// The stream: one ShortlistProposed per mission, revision 1, each event once.
	missionIDs := map[string]bool{}
	for _, ev := range missions {
		missionIDs[ev.Envelope.GetAggregateId()] = true
	}
	props, others, err := proposals(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	if others != 0 {
		t.Errorf("MATCHING holds %d messages that are not ShortlistProposed events", others)
	}
	streamEvents := map[string]bool{}
	pairs := map[string]int{}
	var streamDuplicates, revisionsAbove1, unknownMissions, withCandidates int
	for _, p := range props {
		if streamEvents[p.eventID] {
			streamDuplicates++
		}
		streamEvents[p.eventID] = true
		pairs[fmt.Sprintf("%s/%d", p.missionID, p.revision)]++
		if p.revision != 1 {
			revisionsAbove1++
		}
		if !missionIDs[p.missionID] {
			unknownMissions++
		}
		if p.candidates > 0 {
			withCandidates++
		}
	}
	if len(props) != sc.missions || len(pairs) != sc.missions || streamDuplicates != 0 || revisionsAbove1 != 0 || unknownMissions != 0 {
		t.Errorf("MATCHING holds %d ShortlistProposed for %d missions: %d distinct (mission, revision), %d repeated event ids, "+
			"%d revisions above 1, %d of unknown missions", len(props), sc.missions, len(pairs), streamDuplicates, revisionsAbove1, unknownMissions)
	}
	// Each shortlist is the one an uninterrupted service would have proposed: no crash made it
	// rank against a partial index or a stale mission.
	ref := newReference(t, profiles, missions)
	wrong := 0
	for _, p := range props {
		if diff := ref.check(p.event); diff != "" {
			if wrong++; wrong <= 5 {
				t.Errorf("shortlist of mission %s revision %d differs from the reference: %s", p.missionID, p.revision, diff)
			}
		}
	}
	deadLetters, err := streamMsgs(ctx, js, eventbus.DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	if deadLetters != 0 {
		t.Errorf("%d dead letters", deadLetters)
	}

	// The database: each mission once, one shortlist, current revision 1; one inbox row per
	// MissionSubmitted; the outbox rows are the stream's events, all marked sent.
	f, err := readFinalStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	minShortlists, maxShortlists, minRevision, maxRevision := sc.missions, 0, int64(1<<62), int64(0)
	for id, rev := range f.missions {
		n := f.shortlistsOf[id]
		minShortlists, maxShortlists = min(minShortlists, n), max(maxShortlists, n)
		minRevision, maxRevision = min(minRevision, rev), max(maxRevision, rev)
		if !missionIDs[id] {
			t.Errorf("matching holds mission %s, which was never submitted", id)
		}
	}
	if len(f.missions) != sc.missions || minShortlists != 1 || maxShortlists != 1 || minRevision != 1 || maxRevision != 1 ||
		f.closedMissions != 0 || f.orphanShortlist != 0 {
		t.Errorf("matching holds %d missions (want %d), %d closed; shortlists per mission %d..%d, current revision %d..%d "+
			"(want exactly 1); %d shortlists of unknown missions",
			len(f.missions), sc.missions, f.closedMissions, minShortlists, maxShortlists, minRevision, maxRevision, f.orphanShortlist)
	}
	inboxDuplicates, inboxMissing := 0, 0
	for _, ev := range missions {
		switch n := f.inbox[ev.Envelope.GetEventId()]; {
		case n == 0:
			inboxMissing++
		case n > 1:
			inboxDuplicates += n - 1
		}
	}
	if len(f.inbox) != sc.missions || inboxMissing != 0 || inboxDuplicates != 0 {
		t.Errorf("inbox of %s: %d events (want %d), %d MissionSubmitted missing, %d claimed twice",
			missionsConsumer, len(f.inbox), sc.missions, inboxMissing, inboxDuplicates)
	}
	if f.profileInbox != sc.profiles {
		t.Errorf("inbox of %s: %d events, want the %d ProfileRegistered", profilesConsumer, f.profileInbox, sc.profiles)
	}
	if len(f.outboxEvents) != len(streamEvents) || f.outboxUnsent != 0 {
		t.Errorf("outbox: %d rows, %d unsent; the stream holds %d events", len(f.outboxEvents), f.outboxUnsent, len(streamEvents))
	}
	for id := range streamEvents {
		if !f.outboxEvents[id] {
			t.Errorf("ShortlistProposed %s is on the stream but not in the outbox", id)
			break
		}
	}

	return outcome{proposals: len(props), distinctPairs: len(pairs), streamDuplicates: streamDuplicates,
		inboxDuplicates: inboxDuplicates, deadLetters: deadLetters, wrong: wrong, withCandidates: withCandidates,
		minShortlists: minShortlists, maxShortlists: maxShortlists, minRevision: minRevision, maxRevision: maxRevision}
}

func (o outcome) figures(sc scale) {
	figures("shortlists per mission min=%d max=%d; current revision min=%d max=%d; missions with candidates=%d/%d; "+
		"shortlists differing from an uninterrupted ranking=%d", o.minShortlists, o.maxShortlists, o.minRevision, o.maxRevision,
		o.withCandidates, sc.missions, o.wrong)
	figures("duplicates=%d (stream event ids %d, (mission, revision) %d, inbox %d); dead letters=%d",
		o.streamDuplicates+(o.proposals-o.distinctPairs)+o.inboxDuplicates, o.streamDuplicates, o.proposals-o.distinctPairs,
		o.inboxDuplicates, o.deadLetters)
}
