package domain

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/catalogue"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// The example of the Standard Webhooks specification's reference libraries.
func TestSignatureMatchesTheSpecificationsExample(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		t.Fatal(err)
	}
	got := Signature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
	if SecretOf(key) != secret {
		t.Errorf("SecretOf = %s, want %s", SecretOf(key), secret)
	}
}

func TestCataloguesHoldTheSameMessages(t *testing.T) {
	if err := catalogue.Check(catalogues, "messages"); err != nil {
		t.Fatal(err)
	}
}

func TestEveryTypeHasTextsInEveryLanguage(t *testing.T) {
	facts := Facts{MissionTitle: "Chief AI Officer", FirmName: "Acme", DailyRateEUR: 1200, CounterRateEUR: 1400,
		ExpiresAt: time.Date(2026, 12, 10, 9, 30, 0, 0, time.UTC), EndDate: "2027-06-30", Candidates: 5, Revision: 2}
	for _, typ := range Types {
		for _, accepted := range []bool{false, true} {
			f := facts
			f.Accepted = accepted
			n := Notification{Type: typ, Facts: f}
			seen := map[string]locale.Language{}
			for _, l := range locale.Supported {
				text := TextOf(n, l)
				if text.Title == "" || text.Body == "" || strings.Contains(text.Title+text.Body, "<no value>") {
					t.Errorf("%s in %s: %+v", typ, l, text)
				}
				if !strings.Contains(text.Title+text.Body, "Chief AI Officer") && typ != TypeShortlistReady {
					t.Errorf("%s in %s does not name the mission: %+v", typ, l, text)
				}
				if other, ok := seen[text.Body]; ok {
					t.Errorf("%s: the same body in %s and %s", typ, l, other)
				}
				seen[text.Body] = l
			}
		}
	}
	made := TextOf(Notification{Type: TypeOfferMade, Facts: facts}, locale.French)
	if !strings.Contains(made.Body, "Acme") || !strings.Contains(made.Body, "1200 €") || !strings.Contains(made.Body, "10/12/2026 à 09:30") {
		t.Errorf("offer.made in French: %q", made.Body)
	}
	if got := TextOf(Notification{Type: TypeOfferMade, Facts: facts}, "de"); got != TextOf(Notification{Type: TypeOfferMade, Facts: facts}, locale.Default) {
		t.Errorf("an unsupported language is not the default: %+v", got)
	}
	untitled := TextOf(Notification{Type: TypeOfferExpired}, locale.English)
	if !strings.Contains(untitled.Title, "your mission") {
		t.Errorf("untitled: %+v", untitled)
	}
}

func TestAudience(t *testing.T) {
	for _, typ := range Types {
		if len(Audience(typ)) == 0 {
			t.Errorf("%s reaches nobody", typ)
		}
	}
	if a := Audience(TypeOfferExpired); len(a) != 2 {
		t.Errorf("offer.expired reaches %v, want both sides", a)
	}
	if (Facts{FirmName: "Acme"}).ForParty(Firm).FirmName != "" {
		t.Error("a firm is told a firm name")
	}
}

func TestWebhookURLs(t *testing.T) {
	for _, c := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://hooks.example.com/caiomatch", false, true},
		{"https://93.184.216.34/x", false, true},
		{"http://hooks.example.com/x", false, false},
		{"http://hooks.example.com/x", true, true},
		{"https://127.0.0.1/x", false, false},
		{"http://127.0.0.1:8080/x", true, true},
		{"https://localhost/x", false, false},
		{"https://10.0.0.5/x", false, false},
		{"https://10.0.0.5/x", true, false},
		{"https://169.254.169.254/latest/meta-data", true, false},
		{"https://[::1]/x", false, false},
		{"https://[fd00::1]/x", false, false},
		{"https://[::ffff:192.168.1.1]/x", false, false},
		{"https://100.64.1.1/x", false, false},
		{"https://user:pass@hooks.example.com/x", false, false},
		{"ftp://hooks.example.com/x", false, false},
		{"hooks.example.com/x", false, false},
		{"https://" + strings.Repeat("a", 2100) + ".com/", false, false},
	} {
		err := CheckWebhookURL(c.url, c.insecure)
		if (err == nil) != c.ok {
			t.Errorf("CheckWebhookURL(%.60s, insecure=%v) = %v, want ok=%v", c.url, c.insecure, err, c.ok)
		}
	}
	if AddressAllowed(netip.MustParseAddr("0.0.0.0"), true) || !AddressAllowed(netip.MustParseAddr("2a00:1450:4007::1"), false) {
		t.Error("AddressAllowed on 0.0.0.0 or a public IPv6 address")
	}
}

func TestSubscriptionCheckNamesEveryBadField(t *testing.T) {
	_, err := Subscription{URL: "http://10.1.1.1/", Events: []string{"offer.made", "offer.made", "offer.exploded"}}.Check(false)
	fe, ok := fault.As(err)
	if !ok || len(fe.Violations) != 3 {
		t.Fatalf("Check = %v, want three violations", err)
	}
	types, err := Subscription{URL: "https://hooks.example.com", Events: []string{"offer.made", "shortlist.ready"}}.Check(false)
	if err != nil || len(types) != 2 {
		t.Fatalf("Check = %v, %v", types, err)
	}
	if _, err := (Subscription{URL: "https://hooks.example.com"}).Check(false); err == nil {
		t.Error("a subscription to nothing was accepted")
	}
}

func TestRetriesGrowAndStopAfterTheWindow(t *testing.T) {
	created := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	d := Delivery{CreatedAt: created, Status: DeliveryPending}
	at, last := created, time.Duration(0)
	for d.Status == DeliveryPending {
		d.Record(Attempt{AttemptedAt: at, StatusCode: 500})
		if d.Status != DeliveryPending {
			break
		}
		wait := d.NextAttemptAt.Sub(at)
		if wait <= 0 || (wait < last && d.NextAttemptAt != created.Add(DeliveryWindow)) {
			t.Fatalf("attempt %d: wait %v after %v", d.Attempts, wait, last)
		}
		last, at = wait, d.NextAttemptAt
		if d.Attempts > 20 {
			t.Fatal("never given up")
		}
	}
	if d.Status != DeliveryFailed || at != created.Add(DeliveryWindow) {
		t.Errorf("status %s after %d attempts, last at %v", d.Status, d.Attempts, at.Sub(created))
	}
	ok := Delivery{CreatedAt: created, Status: DeliveryPending}
	ok.Record(Attempt{AttemptedAt: created, StatusCode: 500})
	ok.Record(Attempt{AttemptedAt: ok.NextAttemptAt, StatusCode: 204})
	if ok.Status != DeliveryDelivered || ok.Attempts != 2 {
		t.Errorf("after 500 then 204: %+v", ok)
	}
	timeout := Delivery{CreatedAt: created, Status: DeliveryPending}
	timeout.Record(Attempt{AttemptedAt: created, Error: "timeout"})
	if timeout.Status != DeliveryPending {
		t.Errorf("a timeout delivered: %+v", timeout)
	}
}

func TestReminder(t *testing.T) {
	exp := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	r := Reminder{OfferID: "o1", ExpiresAt: exp}
	if r.DueAt() != exp.Add(-24*time.Hour) || !r.Worth(exp.Add(-time.Minute)) || r.Worth(exp) {
		t.Errorf("reminder due %v", r.DueAt())
	}
}
