package app_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

func (h *harness) pause(t *testing.T, reason string) app.MatchingState {
	t.Helper()
	st, err := h.app.PauseMatching(t.Context(), operator, reason)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (h *harness) resume(t *testing.T, a *app.Application) app.MatchingState {
	t.Helper()
	st, err := a.ResumeMatching(t.Context(), operator)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// outboxCount counts the events of one type the store holds for relaying.
func (h *harness) outboxCount(t *testing.T, eventType string) int {
	t.Helper()
	var n int
	if err := h.db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM outbox WHERE subject LIKE $1`,
		"caiomatch.matching.v1."+eventType+".%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// While paused, a new mission waits with a PAUSED shortlist and no candidates; a profile
// change, a new scoring version and an edit leave existing shortlists as they are. The resume
// ranks each held mission once, whichever replica resumes, and a second resume changes nothing.
func TestPauseHoldsProposalsUntilResume(t *testing.T) {
	onEachBackend(t, config(2, 0), func(t *testing.T, h *harness) {
		p1 := profile(pid(1), 2)
		h.putProfile(t, p1)
		h.submit(t, mission("m-before", "firm-1"))
		h.submit(t, mission("m-quiet", "firm-3"))
		assertShortlist(t, h.shortlist(t, "m-before"), domain.ShortlistReady, 1, pid(1))

		st := h.pause(t, "  checking the new weights  ")
		if !st.Paused || st.Reason != "checking the new weights" || st.By != operator.AccountID || !st.Since.Equal(t0) || st.Held != 0 {
			t.Fatalf("state after pausing = %+v", st)
		}
		if again := h.pause(t, "another reason"); again.Reason != st.Reason || !again.Since.Equal(st.Since) {
			t.Fatalf("pausing again changed the pause: %+v", again)
		}

		h.submit(t, mission("m-new", "firm-2"))
		v := h.shortlist(t, "m-new")
		if v.Status != domain.ShortlistPaused || len(v.Shortlist.Candidates) != 0 || v.Shortlist.Revision != 0 {
			t.Fatalf("shortlist of a mission submitted while paused = %+v, want PAUSED without candidates", v)
		}
		// A better consultant arrives and the first one changes: nothing is re-ranked.
		p2 := profile(pid(2), 5)
		h.putProfile(t, p2)
		h.putProfile(t, profile(pid(1), 4))
		assertShortlist(t, h.shortlist(t, "m-before"), domain.ShortlistReady, 1, pid(1))
		if err := h.app.RescoreOutdatedShortlists(t.Context()); err != nil {
			t.Fatal(err)
		}
		assertShortlist(t, h.shortlist(t, "m-before"), domain.ShortlistReady, 1, pid(1))
		if n := h.outboxCount(t, "ShortlistProposed"); n != 2 {
			t.Fatalf("%d shortlists proposed in all, want the 2 made before the pause", n)
		}
		// m-before and m-new are held, once each; m-quiet too, since p2 would enter it.
		if n := h.outboxCount(t, "MatchingPaused"); n != 3 {
			t.Fatalf("%d MatchingPaused events, want one per held mission (3)", n)
		}
		if st, err := h.app.GetMatchingState(t.Context(), operator); err != nil || st.Held != 3 {
			t.Fatalf("state = %+v, %v; want 3 held missions", st, err)
		}
		h.cancel(t, "m-quiet", "firm-3")

		// Another replica over the same store resumes: it ranks the held open missions once.
		replica := index.New(0)
		for _, p := range []domain.Profile{profile(pid(1), 4), p2} {
			if _, err := replica.Put(p, h.asOf()); err != nil {
				t.Fatal(err)
			}
		}
		other := app.New(h.store, h.missions, replica, h.cfg, h.clock.now, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := other.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		if st := h.resume(t, other); st.Paused || st.Held != 0 || st.Reason != "" {
			t.Fatalf("state after resuming = %+v", st)
		}
		assertShortlist(t, h.shortlist(t, "m-new"), domain.ShortlistReady, 1, pid(2), pid(1))
		assertShortlist(t, h.shortlist(t, "m-before"), domain.ShortlistReady, 2, pid(2), pid(1))
		if n := h.outboxCount(t, "MatchingResumed"); n != 2 {
			t.Fatalf("%d MatchingResumed events, want one per held open mission (2)", n)
		}

		// The first replica catches up and applies the next event on what the resume did; a
		// second resume, on either replica, ranks nothing again.
		h.resume(t, h.app)
		h.resume(t, other)
		h.putProfile(t, profile(pid(3), 0))
		assertShortlist(t, h.shortlist(t, "m-new"), domain.ShortlistReady, 1, pid(2), pid(1))
		assertShortlist(t, h.shortlist(t, "m-before"), domain.ShortlistReady, 2, pid(2), pid(1))
		if n := h.outboxCount(t, "MatchingResumed"); n != 2 {
			t.Fatalf("%d MatchingResumed events after resuming again, want 2", n)
		}
		h.assertExposure(t, map[string]int{pid(1): 2, pid(2): 2})
	})
}

// Only operators pause, resume and read the switch; the reason is required, one line and
// bounded, refused on its field.
func TestPauseIsForOperatorsWithAReason(t *testing.T) {
	h := newHarness(t, config(2, 0))
	_, err := h.app.PauseMatching(t.Context(), firm("firm-1"), "no")
	assertFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	_, err = h.app.ResumeMatching(t.Context(), firm("firm-1"))
	assertFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	_, err = h.app.GetMatchingState(t.Context(), firm("firm-1"))
	assertFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
	for _, reason := range []string{"", "   ", "line one\nline two", strings.Repeat("é", domain.MaxPauseReasonLength+1)} {
		_, err := h.app.PauseMatching(t.Context(), operator, reason)
		assertFault(t, err, fault.KindInvalid, fault.ReasonInvalidArgument)
		fe, _ := fault.As(err)
		if len(fe.Violations) != 1 || fe.Violations[0].Field != "reason" {
			t.Fatalf("violations for %q = %+v, want one on reason", reason, fe.Violations)
		}
	}
	if st, err := h.app.GetMatchingState(t.Context(), operator); err != nil || st.Paused {
		t.Fatalf("state after refused pauses = %+v, %v", st, err)
	}
	h.pause(t, strings.Repeat("é", domain.MaxPauseReasonLength))
}

// The switch and the held missions are in the store: a restarted process keeps holding, and
// its resume ranks what the previous process held.
func TestPauseOutlivesARestart(t *testing.T) {
	h := newHarness(t, config(2, 0))
	p := profile(pid(1), 3)
	h.putProfile(t, p)
	h.pause(t, "restart drill")
	h.submit(t, mission("m1", "firm-1"))
	h.restart(t, p)
	h.submit(t, mission("m2", "firm-2"))
	for _, id := range []string{"m1", "m2"} {
		if v := h.shortlist(t, id); v.Status != domain.ShortlistPaused {
			t.Fatalf("%s after the restart = %v, want PAUSED", id, v.Status)
		}
	}
	h.resume(t, h.app)
	assertShortlist(t, h.shortlist(t, "m1"), domain.ShortlistReady, 1, pid(1))
	assertShortlist(t, h.shortlist(t, "m2"), domain.ShortlistReady, 1, pid(1))
}
