package audit

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// eachBackend runs fn against a store over a fresh database on every backend: SQLite, and
// PostgreSQL when it is reachable (required under CI=true).
func eachBackend(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	sqltest.Run(t, func(t *testing.T, db *sql.DB) { fn(t, NewStore(db)) }, Migrations()...)
}

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

// uuidN is a well-formed id that sorts by n.
func uuidN(prefix byte, n int) string {
	return fmt.Sprintf("%c%07x-0000-7000-8000-%012x", prefix, 0, n)
}

func ids(events []Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func TestStoreSearchesNewestFirstByEveryFilter(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		firm, consultant, profile, mission := uuidN('a', 1), uuidN('a', 2), uuidN('b', 1), uuidN('b', 2)
		events := []Event{
			{ID: uuidN('e', 1), At: t0, ActorID: firm, ActorRole: "FIRM", Kind: KindRead, Action: "GET /v1/profiles/{id}", SubjectID: profile, Outcome: 200,
				TraceID: "0123456789abcdef0123456789abcdef"},
			{ID: uuidN('e', 2), At: t0.Add(time.Second), ActorID: consultant, ActorRole: "CONSULTANT", Kind: KindChange, Action: "PUT /v1/profiles/{id}", SubjectID: profile, Outcome: 200},
			{ID: uuidN('e', 3), At: t0.Add(2 * time.Second), ActorRole: Anonymous, Kind: KindSignInFailed, Action: "GET /v1/offers", Outcome: 401, Reason: "INVALID_TOKEN"},
			{ID: uuidN('e', 4), At: t0.Add(3 * time.Second), ActorID: firm, ActorRole: "FIRM", Kind: KindRefused, Action: "GET /v1/ops/audit", Outcome: 403, Reason: "ROLE_NOT_ALLOWED"},
			{ID: uuidN('e', 5), At: t0.Add(4 * time.Second), ActorID: firm, ActorRole: "FIRM", Kind: KindRead, Action: "GET /v1/missions/{missionId}/shortlist", SubjectID: mission, Outcome: 200},
		}
		if err := s.Append(ctx, events); err != nil {
			t.Fatal(err)
		}
		// Appending again (a retried batch) adds nothing.
		if err := s.Append(ctx, events[:1]); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			q    Query
			want []int
		}{
			{"everything", Query{}, []int{5, 4, 3, 2, 1}},
			{"by subject", Query{SubjectID: profile}, []int{2, 1}},
			{"by actor", Query{ActorID: firm}, []int{5, 4, 1}},
			{"by actor and subject", Query{ActorID: firm, SubjectID: profile}, []int{1}},
			{"by action", Query{Action: "GET /v1/profiles/{id}"}, []int{1}},
			{"refused", Query{Outcome: OutcomeRefused}, []int{4, 3}},
			{"allowed", Query{Outcome: OutcomeAllowed}, []int{5, 2, 1}},
			{"refused by actor", Query{Outcome: OutcomeRefused, ActorID: firm}, []int{4}},
			{"nobody", Query{ActorID: uuidN('f', 9)}, nil},
		} {
			page, err := s.Search(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var want []string
			for _, n := range tc.want {
				want = append(want, uuidN('e', n))
			}
			if got := ids(page.Events); !slices.Equal(got, want) || page.NextPageToken != "" {
				t.Errorf("%s: %v (next %q), want %v", tc.name, got, page.NextPageToken, want)
			}
		}
		page, err := s.Search(ctx, Query{SubjectID: profile, ActorID: firm})
		if err != nil || len(page.Events) != 1 {
			t.Fatal(page, err)
		}
		if got := page.Events[0]; got != events[0] {
			t.Errorf("read back %+v, want %+v", got, events[0])
		}
	})
}

func TestStorePagesWithoutRepeatingOrSkipping(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var events []Event
		for i := range 25 {
			// Pairs share their time: the cursor must order by id within one instant.
			events = append(events, Event{ID: uuidN('e', i), At: t0.Add(time.Duration(i/2) * time.Millisecond), ActorID: uuidN('a', 1),
				ActorRole: "OPERATOR", Kind: KindRead, Action: "GET /v1/accounts/{id}", SubjectID: uuidN('b', i), Outcome: 200})
		}
		if err := s.Append(ctx, events); err != nil {
			t.Fatal(err)
		}
		var seen []string
		token := ""
		for pages := 0; ; pages++ {
			page, err := s.Search(ctx, Query{PageSize: 10, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) > 10 || pages > 3 {
				t.Fatalf("page %d has %d events", pages, len(page.Events))
			}
			seen = append(seen, ids(page.Events)...)
			// An event written between pages is newer than the cursor: it never shows on a later page.
			if pages == 0 {
				if err := s.Append(ctx, []Event{{ID: uuidN('e', 99), At: t0.Add(time.Hour), ActorRole: Anonymous, Kind: KindRefused,
					Action: UnknownRoute, Outcome: 401}}); err != nil {
					t.Fatal(err)
				}
			}
			if token = page.NextPageToken; token == "" {
				break
			}
		}
		var want []string
		for i := 24; i >= 0; i-- {
			want = append(want, uuidN('e', i))
		}
		if !slices.Equal(seen, want) {
			t.Errorf("pages gave %v,\nwant %v", seen, want)
		}
		for _, bad := range []string{"x", "bm90IGEgdG9rZW4", encodeToken(t0, "not-an-id")} {
			if _, err := s.Search(ctx, Query{PageToken: bad}); fault.KindOf(err) != fault.KindInvalid {
				t.Errorf("page token %q: %v, want invalid", bad, err)
			}
		}
	})
}

func TestStorePurgesWhatIsOlderThanTheRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var events []Event
		for i := range 1203 { // more than one purge batch
			events = append(events, Event{ID: uuidN('e', i), At: t0.Add(time.Duration(i) * time.Second), ActorRole: Anonymous,
				Kind: KindRefused, Action: UnknownRoute, Outcome: 401})
		}
		if err := s.Append(ctx, events); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeBefore(ctx, t0.Add(1201*time.Second))
		if err != nil || n != 1201 {
			t.Fatalf("purged %d, %v; want 1201", n, err)
		}
		page, err := s.Search(ctx, Query{})
		if err != nil || !slices.Equal(ids(page.Events), []string{uuidN('e', 1202), uuidN('e', 1201)}) {
			t.Fatalf("left %v, %v", ids(page.Events), err)
		}
	})
}

// TestStoreKeepsOnlyIDsAndTemplates: whatever a caller managed to put in an event, the store
// writes ids, templates and codes only.
func TestStoreKeepsOnlyIDsAndTemplates(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		err := s.Append(ctx, []Event{{ID: uuidN('e', 1), At: t0, ActorID: "claire.martin@example.org", ActorRole: "FIRM",
			Kind: "WHATEVER", Action: "GET /v1/profiles/claire.martin@example.org", SubjectID: "Claire Martin", Outcome: 200,
			Reason: "the token cm_secret is wrong", TraceID: "not a trace"}})
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.Search(ctx, Query{})
		if err != nil || len(page.Events) != 1 {
			t.Fatal(page, err)
		}
		want := Event{ID: uuidN('e', 1), At: t0, ActorRole: Anonymous, Kind: KindRefused, Action: UnknownRoute, Outcome: 200}
		if got := page.Events[0]; got != want {
			t.Errorf("stored %+v, want %+v", got, want)
		}
	})
}

func TestStorePseudonymisesAnErasedPerson(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		person, other, pseudonym := uuidN('a', 1), uuidN('a', 2), "erased-0123456789abcdef"
		if err := s.Append(ctx, []Event{
			{ID: uuidN('e', 1), At: t0, ActorID: person, ActorRole: "CONSULTANT", Kind: KindChange, Action: "PUT /v1/profiles/{id}", SubjectID: person, Outcome: 200},
			{ID: uuidN('e', 2), At: t0.Add(time.Second), ActorID: other, ActorRole: "FIRM", Kind: KindRead, Action: "GET /v1/profiles/{id}", SubjectID: person, Outcome: 200},
		}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Pseudonymise(ctx, person, pseudonym); err != nil || n != 3 {
			t.Fatalf("pseudonymised %d, %v; want 3", n, err)
		}
		if page, _ := s.Search(ctx, Query{SubjectID: person}); len(page.Events) != 0 {
			t.Errorf("the person's id is still there: %+v", page.Events)
		}
		page, err := s.Search(ctx, Query{SubjectID: pseudonym})
		if err != nil || !slices.Equal(ids(page.Events), []string{uuidN('e', 2), uuidN('e', 1)}) || page.Events[1].ActorID != pseudonym ||
			page.Events[0].ActorID != other {
			t.Fatalf("under the pseudonym: %+v, %v", page.Events, err)
		}
		if _, err := s.Pseudonymise(ctx, person, "Claire Martin"); fault.KindOf(err) != fault.KindInvalid {
			t.Errorf("a pseudonym that is not one: %v", err)
		}
	})
}
