package pages

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

const deadLetterJSON = `{"sequence":12,"consumer":"notification-accounts","subject":"caiomatch.account.v1.AccountChanged.a-1",
 "reason":"gave up after 10 deliveries: boom","deadAt":"2027-01-10T09:00:00Z","deliveries":10,"eventType":"AccountChanged",
 "eventId":"e-12","size":120`

// deadLettersAPI answers the dead-letter endpoints as the gateway's API would, to an operator
// (a firm gets 403), and records the paths it was asked.
func deadLettersAPI(calls *[]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*calls = append(*calls, r.Method+" "+r.URL.RequestURI())
		if c, err := r.Cookie("session"); err != nil || c.Value != "good" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Header.Get("X-Test-Role") == "firm" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"code":7,"message":"only operators read dead letters"}`))
			return
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /v1/ops/dead-letters":
			switch {
			case r.URL.Query().Get("consumer") == "Bad Name":
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":3,"details":[{"fieldViolations":[{"field":"consumer","description":"must be a consumer's name"}]}]}`))
			case r.URL.Query().Get("pageToken") == "x":
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"code":3,"details":[{"fieldViolations":[{"field":"pageToken","description":"must be the nextPageToken of a previous page"}]}]}`))
			case r.URL.Query().Get("pageToken") == "12":
				_, _ = w.Write([]byte(`{"deadLetters":[` + strings.Replace(deadLetterJSON, `"sequence":12`, `"sequence":3`, 1) + `}],"nextPageToken":""}`))
			default:
				_, _ = w.Write([]byte(`{"deadLetters":[` + deadLetterJSON + `}],"nextPageToken":"12"}`))
			}
		case "GET /v1/ops/dead-letters/12":
			_, _ = w.Write([]byte(deadLetterJSON + `,"headers":{"Caiomatch-Dead-Letter-Reason":"gave up after 10 deliveries: boom","Traceparent":"00-abc"},
 "event":{"eventId":"e-12","type":"AccountChanged","payload":{"@type":"type.googleapis.com/x","name":"Ada"}}}`))
		case "GET /v1/ops/dead-letters/13":
			_, _ = w.Write([]byte(strings.Replace(deadLetterJSON, `"sequence":12`, `"sequence":13`, 1) +
				`,"headers":{},"event":null,"eventError":"decode envelope: bad wire type"}`))
		case "POST /v1/ops/dead-letters/12/redrive":
			_, _ = w.Write([]byte(`{"redriven":` + deadLetterJSON + `},"republished":{"stream":"ACCOUNT","sequence":44,
 "subject":"caiomatch.account.v1.AccountChanged.a-1","duplicate":false},"receivers":["notification-accounts"],"deleted":true}`))
		case "POST /v1/ops/dead-letters/13/redrive":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":9,"message":"dead letter cannot be redriven"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":5,"message":"no dead letter at this sequence"}`))
		}
	})
}

// deadLettersSite is the pages in front of deadLettersAPI for a signed-in operator, or a firm.
func deadLettersSite(t *testing.T, role identity.Role, calls *[]string) http.Handler {
	t.Helper()
	api := deadLettersAPI(calls)
	if role != identity.RoleOperator {
		inner := api
		api = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set("X-Test-Role", "firm")
			inner.ServeHTTP(w, r)
		})
	}
	site, err := New(Config{API: api, SessionCookie: "session",
		Accounts: fakeAccounts{accounts.Account{ID: "o1", Role: role, Name: "Duty", Status: accounts.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler())
}

func TestDeadLettersListPagesAndFilters(t *testing.T) {
	var calls []string
	h := deadLettersSite(t, identity.RoleOperator, &calls)
	body := okPage(t, h, "/ops/dead-letters").Body.String()
	wantIn(t, "the list", body, `<a href="/ops/dead-letters/12">12</a>`, "notification-accounts", "AccountChanged",
		"gave up after 10 deliveries: boom", "2027-01-10 09:00:00 UTC", "120 bytes", `href="/ops/dead-letters?pageToken=12"`,
		`<label for="filter-consumer">`, `method="get"`)
	checkNoInlineCode(t, body)
	if !slices.Contains(calls, "GET /v1/ops/dead-letters?") {
		t.Errorf("calls = %q", calls)
	}

	body = okPage(t, h, "/ops/dead-letters?consumer=notification-accounts&pageToken=12").Body.String()
	wantIn(t, "the second page", body, `<a href="/ops/dead-letters/3">3</a>`, `value="notification-accounts"`)
	if strings.Contains(body, "older-dead-letters") {
		t.Error("the last page links to older dead letters")
	}
	if last := calls[len(calls)-1]; last != "GET /v1/ops/dead-letters?consumer=notification-accounts&pageToken=12" {
		t.Errorf("second page asked %q", last)
	}

	rec := get(t, h, "/ops/dead-letters?consumer="+url.QueryEscape("Bad Name")+"&lang=fr", "good", "en")
	body = rec.Body.String()
	if rec.Code != http.StatusBadRequest {
		t.Errorf("refused filter: status %d", rec.Code)
	}
	wantIn(t, "the refused filter", body, `aria-invalid="true"`, `id="filter-consumer-error"`,
		"Doit être le nom d&#39;un consommateur", `value="Bad Name"`)
}

func TestDeadLetterInspectShowsHeadersAndTheDecodedEvent(t *testing.T) {
	var calls []string
	h := deadLettersSite(t, identity.RoleOperator, &calls)
	rec := okPage(t, h, "/ops/dead-letters/12")
	body := rec.Body.String()
	wantIn(t, "the dead letter", body, "Dead letter 12", "caiomatch.account.v1.AccountChanged.a-1", "Traceparent", "00-abc",
		`<pre class="dead-letter-event" id="event">{`, `&#34;name&#34;: &#34;Ada&#34;`, `method="post" action="/ops/dead-letters/12/redrive"`,
		"only notification-accounts, named in the message, handles it")
	checkNoInlineCode(t, body)
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
	}
	body = okPage(t, h, "/ops/dead-letters/13?lang=fr").Body.String()
	wantIn(t, "an undecodable dead letter", body, "Ce message ne se décode pas : decode envelope: bad wire type")
	if rec := get(t, h, "/ops/dead-letters/99", "good", "en"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown dead letter: status %d", rec.Code)
	}
}

func TestRedriveShowsWhatWasDone(t *testing.T) {
	var calls []string
	h := deadLettersSite(t, identity.RoleOperator, &calls)
	rec := postForm(h, "/ops/dead-letters/12/redrive", url.Values{})
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("redrive: status %d: %s", rec.Code, body)
	}
	wantIn(t, "the redrive's confirmation", body, `id="redriven"`, "Dead letter 12 was redriven",
		"as message 44 of stream ACCOUNT", "Consumers receiving it again: notification-accounts")
	if strings.Contains(body, `action="/ops/dead-letters/12/redrive"`) {
		t.Error("the confirmation offers to redrive again")
	}
	if !slices.Contains(calls, "POST /v1/ops/dead-letters/12/redrive") {
		t.Errorf("calls = %q", calls)
	}
	rec = postForm(h, "/ops/dead-letters/13/redrive", url.Values{})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `id="redrive-refused"`) {
		t.Errorf("refused redrive: status %d: %s", rec.Code, rec.Body)
	}
	if rec := postForm(h, "/ops/dead-letters/99/redrive", url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("redrive of an unknown dead letter: status %d", rec.Code)
	}
}

func TestDeadLettersAreRefusedToAFirm(t *testing.T) {
	var calls []string
	h := deadLettersSite(t, identity.RoleFirm, &calls)
	for _, path := range []string{"/ops/dead-letters", "/ops/dead-letters/12"} {
		if rec := get(t, h, path, "good", "en"); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "Ada") {
			t.Errorf("%s as a firm: status %d", path, rec.Code)
		}
	}
	if rec := postForm(h, "/ops/dead-letters/12/redrive", url.Values{}); rec.Code != http.StatusForbidden {
		t.Errorf("redrive as a firm: status %d", rec.Code)
	}
}

func TestABadPageLinkSaysSo(t *testing.T) {
	var calls []string
	h := deadLettersSite(t, identity.RoleOperator, &calls)
	rec := get(t, h, "/ops/dead-letters?pageToken=x", "good", "en")
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status %d", rec.Code)
	}
	wantIn(t, "a bad page link", rec.Body.String(), `id="page-token-error"`, "This page link is not valid")
}
