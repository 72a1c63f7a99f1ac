package pages

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

const (
	auditFirm    = "0190f5c2-0000-7000-8000-00000000f001"
	auditProfile = "0190f5c2-0000-7000-8000-00000000c001"
	auditTrace   = "0123456789abcdef0123456789abcdef"
)

// auditAPI answers GET /v1/ops/audit as the gateway would: to operators only, refusing a
// subjectId that is not an id; calls records the queries asked.
func auditAPI(calls *[]string) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*calls = append(*calls, r.URL.RawQuery)
		mu.Unlock()
		c, err := r.Cookie("session")
		switch {
		case err != nil:
			w.WriteHeader(http.StatusUnauthorized)
			return
		case c.Value != "operator":
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"code":7,"message":"only operators read the audit log"}`))
			return
		case r.URL.Path != "/v1/ops/audit":
			w.WriteHeader(http.StatusNotFound)
			return
		}
		q := r.URL.Query()
		if s := q.Get("subjectId"); s != "" && s != auditProfile {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":3,"details":[{"fieldViolations":[{"field":"subjectId","description":"must be an id"}]}]}`))
			return
		}
		if q.Get("pageToken") == "stale" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":3,"details":[{"fieldViolations":[{"field":"pageToken","description":"must be a nextPageToken this endpoint returned"}]}]}`))
			return
		}
		if q.Get("pageToken") != "" {
			_, _ = w.Write([]byte(`{"events":[{"id":"e0","at":"2027-01-10T08:00:00Z","actorRole":"ANONYMOUS","kind":"REFUSED","action":"unknown route","outcome":401,"reason":"MISSING_TOKEN"}],"nextPageToken":""}`))
			return
		}
		_, _ = w.Write([]byte(`{"events":[
			{"id":"e2","at":"2027-01-10T09:00:05Z","actorRole":"ANONYMOUS","kind":"SIGN_IN_FAILED","action":"POST /v1/signup/verify","outcome":401,"reason":"INVALID_CODE"},
			{"id":"e1","at":"2027-01-10T09:00:00Z","actorId":"` + auditFirm + `","actorRole":"FIRM","kind":"READ","action":"GET /v1/profiles/{id}",
			 "subjectId":"` + auditProfile + `","outcome":200,"traceId":"` + auditTrace + `"}],"nextPageToken":"tok-2"}`))
	})
}

func auditSite(t *testing.T, calls *[]string) http.Handler {
	t.Helper()
	site, err := New(Config{API: auditAPI(calls), SessionCookie: "session", Accounts: auditAccounts{}})
	if err != nil {
		t.Fatal(err)
	}
	return site.Handler(http.NotFoundHandler())
}

// auditAccounts knows an operator ("operator") and a firm ("firm").
type auditAccounts struct{}

func (auditAccounts) Authenticate(_ context.Context, secret string) (accounts.Account, accounts.Token, error) {
	roles := map[string]identity.Role{"operator": identity.RoleOperator, "firm": identity.RoleFirm}
	role, ok := roles[secret]
	if !ok {
		return accounts.Account{}, accounts.Token{}, errors.New("unknown")
	}
	return accounts.Account{ID: "a-" + secret, Role: role, Name: "Duty", Status: accounts.StatusActive}, accounts.Token{}, nil
}

func TestAuditPageListsTheLogWithFiltersAndPages(t *testing.T) {
	var calls []string
	h := auditSite(t, &calls)
	rec := get(t, h, "/ops/audit?subjectId="+auditProfile+"&outcome=allowed", "operator", "en")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, body)
	}
	wantIn(t, "the audit page", body,
		"<h1>Audit log</h1>", "Events, newest first: 2",
		`<time datetime="2027-01-10T09:00:00Z">2027-01-10 09:00:00 UTC</time>`,
		"Firm<br><a class=\"audit-id\" href=\"/ops/audit?actorId="+auditFirm+"\">"+auditFirm+"</a>",
		"<td>Read</td>", "<code>GET /<wbr>v1/<wbr>profiles/<wbr>{id}</code>",
		`<a class="audit-id" href="/ops/audit?subjectId=`+auditProfile+`">`,
		`<a href="/ops/traces/`+auditTrace+`">Open the trace</a>`,
		`<tr class="audit-refused">`, "Failed sign-in", "Anonymous", "401 <code>INVALID_CODE</code>",
		`<span class="sr-only">No subject</span>`,
		`value="`+auditProfile+`"`, `<option value="allowed" selected>Allowed: reads and changes</option>`,
		`<a href="/ops/audit?outcome=allowed&amp;pageToken=tok-2&amp;subjectId=`+auditProfile+`" rel="next">Older events</a>`)
	if strings.Contains(body, "Newest events") {
		t.Error("the first page links to the first page")
	}
	checkNoInlineCode(t, body)
	if want := "outcome=allowed&pageSize=50&subjectId=" + auditProfile; calls[len(calls)-1] != want {
		t.Errorf("the API was asked %q, want %q", calls[len(calls)-1], want)
	}

	// The next page keeps the filters and links back to the newest events.
	rec = get(t, h, "/ops/audit?outcome=allowed&pageToken=tok-2&subjectId="+auditProfile, "operator", "fr")
	if rec.Code != http.StatusOK {
		t.Fatalf("next page: %d", rec.Code)
	}
	wantIn(t, "the next page in French", rec.Body.String(), "Journal d&#39;audit", "Refus", "Anonyme", "Un point d&#39;accès inconnu",
		`<a href="/ops/audit?outcome=allowed&amp;subjectId=`+auditProfile+`">Événements les plus récents</a>`)
	if strings.Contains(rec.Body.String(), "Événements plus anciens") {
		t.Error("the last page links to older events")
	}
	if want := "outcome=allowed&pageSize=50&pageToken=tok-2&subjectId=" + auditProfile; calls[len(calls)-1] != want {
		t.Errorf("the API was asked %q, want %q", calls[len(calls)-1], want)
	}
}

func TestAuditPageShowsTheAPIsRefusalsBesideTheirFields(t *testing.T) {
	var calls []string
	h := auditSite(t, &calls)
	for lang, want := range map[string]string{
		"en": "Type a profile or account id",
		"fr": "Saisissez un identifiant de profil ou de compte",
	} {
		rec := get(t, h, "/ops/audit?subjectId="+url.QueryEscape("Claire Martin"), "operator", lang)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d", lang, rec.Code)
		}
		wantIn(t, "the refused filter", rec.Body.String(), `aria-invalid="true"`, `id="audit-subjectId-error">`+want,
			`aria-describedby="audit-subjectId-hint audit-subjectId-error"`, `value="Claire Martin"`)
	}
	rec := get(t, h, "/ops/audit?pageToken=stale", "operator", "en")
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("a stale page link: %d", rec.Code)
	}
	wantIn(t, "a stale page link", rec.Body.String(), `role="alert">This page&#39;s link is no longer valid. <a href="/ops/audit">Newest events</a>`)
}

func TestAuditPageIsTheOperatorsOnly(t *testing.T) {
	var calls []string
	h := auditSite(t, &calls)
	if rec := get(t, h, "/ops/audit", "firm", "en"); rec.Code != http.StatusForbidden {
		t.Errorf("a firm opens the audit page: %d", rec.Code)
	}
	if rec := get(t, h, "/ops/audit", "", "en"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/signin" {
		t.Errorf("a visitor not signed in: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}
