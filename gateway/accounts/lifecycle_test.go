package accounts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// clock lets a test move the store's time forward.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func withClock(s *Store) *clock {
	c := &clock{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	s.now = c.Now
	return c
}

// published is the AccountChanged events in the outbox, oldest first.
func published(t *testing.T, s *Store) []*accountv1.AccountChanged {
	t.Helper()
	events := eventbustest.OutboxEvents(t, s.db)
	for _, e := range events {
		if e.Envelope.GetProducer() != eventbus.ProducerAccount ||
			e.Subject != eventbus.Subject(eventbus.ProducerAccount, "AccountChanged", e.Envelope.GetAggregateId()) {
			t.Fatalf("unexpected outbox event %s from %s", e.Subject, e.Envelope.GetProducer())
		}
	}
	return eventbustest.Payloads[*accountv1.AccountChanged](events)
}

func TestStatusAndPreferencesArePublishedWithTheChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		acc, _, err := s.Create(ctx, identity.RoleFirm, "Acme", "staffing@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		if acc.Status != StatusActive || acc.Language != locale.English || !acc.EmailNotifications {
			t.Fatalf("a new operator-made account: %+v", acc)
		}
		off := false
		if _, err := s.UpdatePreferences(ctx, acc.ID, &off, locale.French); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdatePreferences(ctx, acc.ID, nil, ""); err != nil { // nothing changes, nothing published
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, acc.ID, StatusSuspended); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, acc.ID)
		if err != nil || got.Status != StatusSuspended || got.Language != locale.French || got.EmailNotifications {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		events := published(t, s)
		if len(events) != 3 {
			t.Fatalf("%d events, want create, preferences, suspend", len(events))
		}
		for i, e := range events {
			if e.GetVersion() != int64(i+1) {
				t.Errorf("event %d has version %d, want %d", i+1, e.GetVersion(), i+1)
			}
		}
		last := events[2]
		if last.GetAccountId() != acc.ID || last.GetStatus() != accountv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED ||
			last.GetEmail() != "staffing@acme.example" || last.GetLanguage() != "fr" || last.GetEmailNotifications() || last.GetRole() != "FIRM" {
			t.Errorf("last event = %v", last)
		}
		if _, err := s.SetStatus(ctx, "absent", StatusActive); fault.KindOf(err) != fault.KindNotFound {
			t.Errorf("absent account: %v", err)
		}
		if err := s.EnsureOperator(ctx, "operator-token"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, BootstrapOperatorID, StatusSuspended); fault.KindOf(err) != fault.KindFailedPrecondition {
			t.Errorf("suspending the bootstrap operator: %v", err)
		}
	})
}

// TestVersionsFollowTheCommitsOfConcurrentChanges: changes made at once through two replicas
// get versions 1, 2, 3… in the order they committed, so the newest version is the state kept.
func TestVersionsFollowTheCommitsOfConcurrentChanges(t *testing.T) {
	eachBackendReplicas(t, 2, func(t *testing.T, replicas []*Store) {
		ctx := context.Background()
		acc, _, err := replicas[0].Create(ctx, identity.RoleConsultant, "Claire", "claire@example.com")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				lang := []locale.Language{locale.French, locale.English}[i%2]
				if _, err := replicas[i%2].UpdatePreferences(ctx, acc.ID, nil, lang); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		events := published(t, replicas[0])
		newest := events[0]
		seen := map[int64]bool{}
		for _, e := range events {
			if seen[e.GetVersion()] || e.GetVersion() < 1 || e.GetVersion() > int64(len(events)) {
				t.Fatalf("versions are not 1 to %d once each: %d again or out of range", len(events), e.GetVersion())
			}
			seen[e.GetVersion()] = true
			if e.GetVersion() > newest.GetVersion() {
				newest = e
			}
		}
		if got, err := replicas[1].Get(ctx, acc.ID); err != nil || string(got.Language) != newest.GetLanguage() {
			t.Errorf("the account is in %s, its newest event (version %d) says %s (%v)", got.Language, newest.GetVersion(), newest.GetLanguage(), err)
		}
	})
}

func TestTokensExpireAndRevokedOnesAreRefusedByEveryReplica(t *testing.T) {
	eachBackendReplicas(t, 2, func(t *testing.T, replicas []*Store) {
		ctx := context.Background()
		one, other := replicas[0], replicas[1]
		clk := withClock(one)
		other.now = clk.Now

		acc, initial, err := one.Create(ctx, identity.RoleFirm, "Acme", "")
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
		tok, secret, err := one.CreateToken(ctx, acc.ID, KindAPI, "ats-sync", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got, cred, err := other.Authenticate(ctx, secret); err != nil || got.ID != acc.ID || cred.ID != tok.ID || cred.Kind != KindAPI {
			t.Fatalf("a new token on another replica: %+v %+v %v", got, cred, err)
		}
		list, err := other.ListTokens(ctx, acc.ID)
		if err != nil || len(list) != 2 || list[0].ID != tok.ID || list[0].Name != "ats-sync" || !list[0].ExpiresAt.Equal(tok.ExpiresAt) ||
			list[1].Name != "initial" || !list[1].ExpiresAt.IsZero() {
			t.Fatalf("ListTokens = %+v, %v", list, err)
		}

		if err := other.RevokeToken(ctx, tok.ID, "someone-else"); fault.KindOf(err) != fault.KindNotFound {
			t.Errorf("revoking another account's token: %v", err)
		}
		if err := other.RevokeToken(ctx, tok.ID, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := one.Authenticate(ctx, secret); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("the replica that did not revoke still accepts the token: %v", err)
		}
		if err := one.RevokeToken(ctx, tok.ID, ""); fault.KindOf(err) != fault.KindNotFound {
			t.Errorf("revoking twice: %v", err)
		}

		_, shortLived, err := one.CreateToken(ctx, acc.ID, KindAPI, "short", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
		if _, _, err := other.Authenticate(ctx, shortLived); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("an expired token is accepted: %v", err)
		}
		if _, _, err := other.Authenticate(ctx, initial); err != nil {
			t.Errorf("the account's first token, which never expires, is refused: %v", err)
		}
		if list, _ := one.ListTokens(ctx, acc.ID); len(list) != 1 || list[0].Name != "initial" {
			t.Errorf("after revoking and expiring: %+v", list)
		}
	})
}

func TestTokensMadeBeforeTheMigrationKeepWorking(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			old := fstest.MapFS{}
			for _, name := range []string{"0001_accounts.sql", "0002_account_email.sql"} {
				data, err := migrations.ReadFile("migrations/" + name)
				if err != nil {
					t.Fatal(err)
				}
				old[name] = &fstest.MapFile{Data: data}
			}
			if err := sqlstore.Migrate(ctx, db, sqlstore.MigrationSet{Name: "accounts", FS: old}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`INSERT INTO accounts (id, role, name, email, token_hash, created_at) VALUES ('old', 'FIRM', 'Old firm', 'old@firm.example', $1, $2)`,
				HashToken("cm_old"), sqlstore.FormatTime(time.Now())); err != nil {
				t.Fatal(err)
			}
			s := openStore(t, db)
			if _, _, err := s.Create(ctx, identity.RoleFirm, "New firm", ""); err != nil {
				t.Fatal(err)
			}
			if n, err := s.AnnounceExisting(ctx); err != nil || n != 1 {
				t.Fatalf("AnnounceExisting = %d, %v; want the old account only", n, err)
			}
			if n, err := s.AnnounceExisting(ctx); err != nil || n != 0 {
				t.Errorf("announced again: %d, %v", n, err)
			}
			if events := published(t, s); len(events) != 2 || events[1].GetAccountId() != "old" || events[1].GetEmail() != "old@firm.example" ||
				events[1].GetStatus() != accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE || events[1].GetVersion() != 1 {
				t.Errorf("events: %v", events)
			}
			acc, tok, err := s.Authenticate(ctx, "cm_old")
			if err != nil || acc.ID != "old" || acc.Status != StatusActive || acc.Language != locale.English || !acc.EmailNotifications {
				t.Fatalf("the old token: %+v %v", acc, err)
			}
			if err := s.RevokeToken(ctx, tok.ID, "old"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Authenticate(ctx, "cm_old"); fault.KindOf(err) != fault.KindUnauthenticated {
				t.Errorf("the old token, revoked, still works: %v", err)
			}
		})
	}
}

func TestASignUpCodeWorksOnceWithinItsLifeAndFewWrongGuesses(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clk := withClock(s)
		pending := PendingSignUp{Email: "Claire@Example.com", Role: identity.RoleConsultant, Name: "Claire Martin", Language: locale.French}
		if err := s.SaveSignUp(ctx, pending, hashCode(pending.Email, "123456"), clk.Now().Add(SignUpCodeTTL)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.VerifySignUp(ctx, "claire@example.com", hashCode("claire@example.com", "654321")); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Fatalf("a wrong code: %v", err)
		}
		acc, token, err := s.VerifySignUp(ctx, "claire@example.com", hashCode("claire@example.com", "123456"))
		if err != nil {
			t.Fatal(err)
		}
		if acc.Status != StatusPending || acc.Role != identity.RoleConsultant || acc.Name != "Claire Martin" ||
			acc.Email != "claire@example.com" || acc.Language != locale.French {
			t.Errorf("the new account: %+v", acc)
		}
		if got, cred, err := s.Authenticate(ctx, token); err != nil || got.ID != acc.ID || got.Status != StatusPending ||
			cred.Name != SignUpTokenName || !cred.ExpiresAt.Equal(clk.Now().Add(DefaultTokenTTL)) {
			t.Errorf("its token: %+v %+v %v", got, cred, err)
		}
		clk.Add(DefaultTokenTTL - time.Second)
		if _, _, err := s.Authenticate(ctx, token); err != nil {
			t.Errorf("the sign-up's token before its expiry: %v", err)
		}
		clk.Add(time.Second)
		if _, _, err := s.Authenticate(ctx, token); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("the sign-up's token after %s: %v", DefaultTokenTTL, err)
		}
		if _, _, err := s.VerifySignUp(ctx, "claire@example.com", hashCode("claire@example.com", "123456")); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("a code used twice: %v", err)
		}
		if events := published(t, s); len(events) != 1 || events[0].GetStatus() != accountv1.AccountStatus_ACCOUNT_STATUS_PENDING_APPROVAL {
			t.Errorf("events: %v", events)
		}

		// Expired.
		if err := s.SaveSignUp(ctx, PendingSignUp{Email: "late@example.com", Role: identity.RoleFirm, Name: "Late", Language: locale.English},
			hashCode("late@example.com", "111111"), clk.Now().Add(SignUpCodeTTL)); err != nil {
			t.Fatal(err)
		}
		clk.Add(SignUpCodeTTL)
		if _, _, err := s.VerifySignUp(ctx, "late@example.com", hashCode("late@example.com", "111111")); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("an expired code: %v", err)
		}

		// Guessed: the right code fails once MaxCodeAttempts wrong ones were tried.
		if err := s.SaveSignUp(ctx, PendingSignUp{Email: "guess@example.com", Role: identity.RoleFirm, Name: "G", Language: locale.English},
			hashCode("guess@example.com", "222222"), clk.Now().Add(SignUpCodeTTL)); err != nil {
			t.Fatal(err)
		}
		for i := range MaxCodeAttempts {
			if _, _, err := s.VerifySignUp(ctx, "guess@example.com", hashCode("guess@example.com", fmt.Sprintf("%06d", i))); err == nil {
				t.Fatal("a wrong code worked")
			}
		}
		if _, _, err := s.VerifySignUp(ctx, "guess@example.com", hashCode("guess@example.com", "222222")); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("the right code after %d wrong ones: %v", MaxCodeAttempts, err)
		}
	})
}

// TestSigningUpAgainGivesNoFreshGuesses: a new sign-up replaces the code, not the count of wrong
// ones, so a script cannot sign up again after every few guesses.
func TestSigningUpAgainGivesNoFreshGuesses(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clk := withClock(s)
		email := "guess@example.com"
		signUp := func(code string) error {
			return s.SaveSignUp(ctx, PendingSignUp{Email: email, Role: identity.RoleFirm, Name: "G", Language: locale.English},
				hashCode(email, code), clk.Now().Add(SignUpCodeTTL))
		}
		guess := func(code string) error {
			_, _, err := s.VerifySignUp(ctx, email, hashCode(email, code))
			return err
		}
		for round := range MaxCodeAttempts {
			if err := signUp(fmt.Sprintf("9%05d", round)); err != nil {
				t.Fatalf("sign-up %d: %v", round+1, err)
			}
			if err := guess("000000"); fault.KindOf(err) != fault.KindUnauthenticated {
				t.Fatalf("wrong code %d: %v", round+1, err)
			}
			clk.Add(time.Minute)
		}
		if err := signUp("123456"); !errors.Is(err, ErrSignUpLocked) {
			t.Fatalf("a sign-up after %d wrong codes across sign-ups: %v", MaxCodeAttempts, err)
		}
		if err := guess("123456"); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Fatalf("the code of the refused sign-up: %v", err)
		}
		// Once the last sign-up has expired, the address starts afresh.
		clk.Add(SignUpCodeTTL)
		if err := signUp("123456"); err != nil {
			t.Fatal(err)
		}
		if err := guess("123456"); err != nil {
			t.Errorf("the right code of a fresh sign-up: %v", err)
		}
	})
}

func TestASignInLinkOpensOneSession(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clk := withClock(s)
		n := 0
		s.newID = func() string { n++; return fmt.Sprintf("id-%d", n) }
		acc, _, err := s.Create(ctx, identity.RoleFirm, "Acme", "a@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSignInLink(ctx, acc.ID, HashToken("link"), clk.Now().Add(SignInLinkTTL)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		secrets := make([]string, 4)
		for i := range secrets {
			wg.Go(func() { _, secrets[i], _ = s.UseSignInLink(ctx, HashToken("link"), SessionTTL) })
		}
		wg.Wait()
		opened := 0
		for _, secret := range secrets {
			if secret == "" {
				continue
			}
			opened++
			got, cred, err := s.Authenticate(ctx, secret)
			if err != nil || got.ID != acc.ID || cred.Kind != KindSession {
				t.Errorf("the session: %+v %+v %v", got, cred, err)
			}
		}
		if opened != 1 {
			t.Errorf("%d sessions opened by one link", opened)
		}
		if toks, _ := s.ListTokens(ctx, acc.ID); len(toks) != 1 {
			t.Errorf("sessions are listed among API tokens: %+v", toks)
		}

		if err := s.SaveSignInLink(ctx, acc.ID, HashToken("late"), clk.Now().Add(SignInLinkTTL)); err != nil {
			t.Fatal(err)
		}
		clk.Add(SignInLinkTTL)
		if _, _, err := s.UseSignInLink(ctx, HashToken("late"), SessionTTL); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("an expired link: %v", err)
		}

		if err := s.SaveSignInLink(ctx, acc.ID, HashToken("suspended"), clk.Now().Add(SignInLinkTTL)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, acc.ID, StatusSuspended); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.UseSignInLink(ctx, HashToken("suspended"), SessionTTL); fault.KindOf(err) != fault.KindPermissionDenied {
			t.Errorf("a suspended account's link: %v", err)
		}
		if found, err := s.FindByEmail(ctx, "A@ACME.example"); err != nil || found.ID != acc.ID {
			t.Errorf("FindByEmail ignores case: %+v %v", found, err)
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for i := range 5 {
			acc, _, err := s.Create(ctx, identity.RoleFirm, fmt.Sprintf("Firm %d", i), "")
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				if _, err := s.SetStatus(ctx, acc.ID, StatusSuspended); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, _, err := s.Create(ctx, identity.RoleConsultant, "Claire", ""); err != nil {
			t.Fatal(err)
		}
		page, err := s.List(ctx, Filter{Role: identity.RoleFirm, Status: StatusSuspended}, "", 2)
		if err != nil || len(page) != 2 || page[0].Name != "Firm 0" || page[1].Name != "Firm 2" {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		rest, err := s.List(ctx, Filter{Role: identity.RoleFirm, Status: StatusSuspended}, page[1].ID, 2)
		if err != nil || len(rest) != 1 || rest[0].Name != "Firm 4" {
			t.Fatalf("second page = %+v, %v", rest, err)
		}
		all, err := s.List(ctx, Filter{}, "", 100)
		if err != nil || len(all) != 6 {
			t.Fatalf("all = %d, %v", len(all), err)
		}
	})
}

// TestExpiredSignUpsArePurgedWithoutANewOne: an abandoned sign-up (its email and name) goes once
// expired, with no other sign-up needed; a live one stays.
func TestExpiredSignUpsArePurgedWithoutANewOne(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clk := withClock(s)
		for _, email := range []string{"abandoned@example.com", "live@example.com"} {
			if err := s.SaveSignUp(ctx, PendingSignUp{Email: email, Role: identity.RoleFirm, Name: "N", Language: locale.English},
				hashCode(email, "123456"), clk.Now().Add(SignUpCodeTTL)); err != nil {
				t.Fatal(err)
			}
			clk.Add(SignUpCodeTTL / 2)
		}
		clk.Add(time.Second)
		if n, err := s.PurgeExpired(ctx); err != nil || n != 1 {
			t.Fatalf("purged %d (%v), want the abandoned sign-up", n, err)
		}
		var left []string
		rows, err := s.db.QueryContext(ctx, `SELECT email FROM signups`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				t.Fatal(err)
			}
			left = append(left, e)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0] != "live@example.com" {
			t.Errorf("sign-ups left %v", left)
		}
	})
}
