package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace/noop"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/httpapi"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/mail/mailtest"
	"github.com/caiomatch/caiomatch/pkg/ratelimit"
)

const operatorToken = "test-operator-token-0123456789"

// gateway is one gateway process part, run by Run, in front of no service: accounts, sign-up,
// tokens and sessions live in the gateway itself.
type gateway struct {
	t    *testing.T
	url  string
	smtp *mailtest.Server
	bus  *eventbustest.Bus
	logs *eventbustest.SyncBuffer
	// skew moves the accounts' clock ahead of the real one, to expire codes, links and tokens.
	skew atomic.Int64
}

type gatewayOptions struct {
	dataDir   string
	smtp      *mailtest.Server // nil: a mailbox
	bus       *eventbustest.Bus
	limits    httpapi.AbuseLimits
	publicURL string
}

func startGateway(t *testing.T, o gatewayOptions) *gateway {
	t.Helper()
	if o.dataDir == "" {
		o.dataDir = t.TempDir()
	}
	if o.bus == nil {
		o.bus = eventbustest.Start(t)
	}
	g := &gateway{t: t, smtp: o.smtp, bus: o.bus, logs: &eventbustest.SyncBuffer{}}
	cfg := Config{HTTPAddr: "127.0.0.1:0", OperatorToken: operatorToken, PublicURL: o.publicURL,
		Backends: httpapi.Backends{ProfileAddr: "127.0.0.1:1", MissionAddr: "127.0.0.1:1", MatchingAddr: "127.0.0.1:1"}}
	if o.smtp != nil {
		cfg.SMTPURL = o.smtp.URL()
	}
	_, js := o.bus.Connect(t, Name)
	ctx, cancel := context.WithCancel(context.Background())
	started, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Runtime{
			DataDir: o.dataDir, Logger: slog.New(slog.NewJSONHandler(g.logs, nil)), TracerProvider: noop.NewTracerProvider(),
			JetStream: js, AbuseLimits: o.limits, Now: g.clock,
		}, func(url string) { started <- url })
	}()
	select {
	case g.url = <-started:
	case err := <-done:
		t.Fatalf("gateway did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway stopped with %v", err)
		}
	})
	return g
}

func (g *gateway) clock() time.Time        { return time.Now().Add(time.Duration(g.skew.Load())) }
func (g *gateway) advance(d time.Duration) { g.skew.Add(int64(d)) }

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// reason is the error's reason (the first ErrorInfo detail).
func (r reply) reason() string {
	details, _ := r.body["details"].([]any)
	for _, d := range details {
		if m, ok := d.(map[string]any); ok && m["reason"] != nil {
			return m["reason"].(string)
		}
	}
	return ""
}

// do sends a request; header pairs follow the body ("Authorization", "Bearer …", …).
func (g *gateway) do(client *http.Client, method, path string, body any, header ...string) reply {
	g.t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			g.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, g.url+path, reader)
	if err != nil {
		g.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func (g *gateway) expect(r reply, status int, reason string) {
	g.t.Helper()
	if r.status != status || (reason != "" && r.reason() != reason) {
		g.t.Fatalf("status %d reason %q, want %d %q: %s", r.status, r.reason(), status, reason, r.raw)
	}
}

func field(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		obj, _ := cur.(map[string]any)
		cur = obj[k]
	}
	s, _ := cur.(string)
	return s
}

var codePattern = regexp.MustCompile(`\b(\d{6})\b`)

func TestSignUpVerifyApproveAndSuspend(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	g := startGateway(t, gatewayOptions{smtp: smtp})

	signUp := map[string]any{"role": "CONSULTANT", "name": "Claire Martin", "email": "claire@example.com"}
	g.expect(g.do(nil, "POST", "/v1/signup", signUp, "Accept-Language", "fr-FR"), http.StatusAccepted, "")
	email := smtp.WaitFor(t, "claire@example.com", 1, 5*time.Second)
	code := codePattern.FindString(email.Text)
	if code == "" || !strings.Contains(email.Subject, "Votre code") || !strings.Contains(email.HTML, code) {
		t.Fatalf("the code email, in French with both parts: %+v", email)
	}

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	g.expect(g.do(nil, "POST", "/v1/signup/verify", map[string]any{"email": "claire@example.com", "code": wrong}), http.StatusUnauthorized, "INVALID_CODE")
	verified := g.do(nil, "POST", "/v1/signup/verify", map[string]any{"email": "claire@example.com", "code": code})
	g.expect(verified, http.StatusOK, "")
	id, token := field(verified.body, "account", "id"), field(verified.body, "token")
	if field(verified.body, "account", "status") != "ACCOUNT_STATUS_PENDING_APPROVAL" || field(verified.body, "account", "language") != "fr" || token == "" {
		t.Fatalf("verified: %s", verified.raw)
	}
	g.expect(g.do(nil, "POST", "/v1/signup/verify", map[string]any{"email": "claire@example.com", "code": code}), http.StatusUnauthorized, "INVALID_CODE")

	// Pending: itself only.
	g.expect(g.do(nil, "GET", "/v1/accounts/"+id, nil, bearer(token)...), http.StatusOK, "")
	g.expect(g.do(nil, "PUT", "/v1/accounts/"+id+"/preferences", map[string]any{"emailNotifications": false}, bearer(token)...), http.StatusOK, "")
	g.expect(g.do(nil, "GET", "/v1/missions", nil, bearer(token)...), http.StatusForbidden, "ACCOUNT_PENDING_APPROVAL")
	g.expect(g.do(nil, "POST", "/v1/tokens", map[string]any{"name": "ats"}, bearer(token)...), http.StatusForbidden, "ACCOUNT_PENDING_APPROVAL")

	// Signing up again with a known address answers the same, and emails no code.
	g.expect(g.do(nil, "POST", "/v1/signup", signUp), http.StatusAccepted, "")
	if again := smtp.WaitFor(t, "claire@example.com", 2, 5*time.Second); codePattern.MatchString(again.Text) || again.Subject == email.Subject {
		t.Errorf("a second sign-up for a known address: %+v", again)
	}

	pending := g.do(nil, "GET", "/v1/accounts?status=ACCOUNT_STATUS_PENDING_APPROVAL&role=CONSULTANT", nil, bearer(operatorToken)...)
	g.expect(pending, http.StatusOK, "")
	if accs, _ := pending.body["accounts"].([]any); len(accs) != 1 || field(accs[0].(map[string]any), "id") != id {
		t.Fatalf("pending accounts: %s", pending.raw)
	}
	g.expect(g.do(nil, "POST", "/v1/accounts/"+id+"/approve", nil, bearer(token)...), http.StatusForbidden, "ACCOUNT_PENDING_APPROVAL")
	approved := g.do(nil, "POST", "/v1/accounts/"+id+"/approve", nil, bearer(operatorToken)...)
	if approved.status != http.StatusOK || field(approved.body, "account", "status") != "ACCOUNT_STATUS_ACTIVE" {
		t.Fatalf("approve: %s", approved.raw)
	}
	g.expect(g.do(nil, "POST", "/v1/tokens", map[string]any{"name": "ats"}, bearer(token)...), http.StatusOK, "")

	g.expect(g.do(nil, "POST", "/v1/accounts/"+id+"/suspend", nil, bearer(operatorToken)...), http.StatusOK, "")
	g.expect(g.do(nil, "GET", "/v1/accounts/"+id, nil, bearer(token)...), http.StatusForbidden, "ACCOUNT_SUSPENDED")

	// Every change reached the ACCOUNT stream, with the person's language and email preference.
	var changes []*accountv1.AccountChanged
	eventbustest.Eventually(t, 10*time.Second, "four AccountChanged on the stream", func() bool {
		changes = eventbustest.Payloads[*accountv1.AccountChanged](eventbustest.Read(t, g.bus.JS, "ACCOUNT", "caiomatch.account.v1.AccountChanged."+id))
		return len(changes) == 4
	})
	var statuses []accountv1.AccountStatus
	for i, c := range changes {
		statuses = append(statuses, c.GetStatus())
		if c.GetVersion() != int64(i+1) {
			t.Errorf("change %d has version %d", i+1, c.GetVersion())
		}
	}
	want := []accountv1.AccountStatus{accountv1.AccountStatus_ACCOUNT_STATUS_PENDING_APPROVAL, accountv1.AccountStatus_ACCOUNT_STATUS_PENDING_APPROVAL,
		accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE, accountv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
	if last := changes[3]; last.GetEmail() != "claire@example.com" || last.GetLanguage() != "fr" || last.GetEmailNotifications() {
		t.Errorf("last change: %v", last)
	}
	g.expectNoPersonalDataLogged("claire@example.com", "Claire Martin", code)
}

func (g *gateway) expectNoPersonalDataLogged(values ...string) {
	g.t.Helper()
	logs := g.logs.String()
	for _, v := range values {
		if strings.Contains(logs, v) {
			g.t.Errorf("the logs carry %q", v)
		}
	}
}

func TestExpiredAndMalformedCodesAndEmailsAreRefused(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	g := startGateway(t, gatewayOptions{smtp: smtp})
	for _, bad := range []map[string]any{
		{"role": "FIRM", "name": "Acme", "email": "not-an-email"},
		{"role": "FIRM", "name": "Acme", "email": "Acme <a@acme.example>"},
		{"role": "OPERATOR", "name": "Me", "email": "me@example.com"},
		{"role": "FIRM", "name": "Acme"},
	} {
		g.expect(g.do(nil, "POST", "/v1/signup", bad), http.StatusBadRequest, "")
	}
	g.expect(g.do(nil, "POST", "/v1/sessions", map[string]any{"email": "@example.com"}), http.StatusBadRequest, "")
	g.expect(g.do(nil, "POST", "/v1/signup/verify", map[string]any{"email": "a@acme.example", "code": "12ab56"}), http.StatusBadRequest, "")

	g.expect(g.do(nil, "POST", "/v1/signup", map[string]any{"role": "FIRM", "name": "Acme", "email": "late@acme.example"}), http.StatusAccepted, "")
	code := codePattern.FindString(smtp.WaitFor(t, "late@acme.example", 1, 5*time.Second).Text)
	g.advance(30 * time.Minute)
	g.expect(g.do(nil, "POST", "/v1/signup/verify", map[string]any{"email": "late@acme.example", "code": code}), http.StatusUnauthorized, "INVALID_CODE")
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d emails sent, want only the one valid sign-up's", n)
	}
}

var formToken = regexp.MustCompile(`<form method="post" action="/v1/sessions/callback">\s*<input type="hidden" name="token" value="([^"]+)">`)

func TestWrongCodesOutliveANewSignUp(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	g := startGateway(t, gatewayOptions{smtp: smtp})
	signUp := map[string]any{"role": "FIRM", "name": "Acme", "email": "a@acme.example"}
	g.expect(g.do(nil, "POST", "/v1/signup", signUp), http.StatusAccepted, "")
	code := codePattern.FindString(smtp.WaitFor(t, "a@acme.example", 1, 5*time.Second).Text)
	for i := range accounts.MaxCodeAttempts {
		wrong := fmt.Sprintf("%06d", i)
		if wrong == code {
			wrong = "999999"
		}
		g.expect(g.do(nil, "POST", "/v1/signup/verify", map[string]any{"email": "a@acme.example", "code": wrong}), http.StatusUnauthorized, "INVALID_CODE")
	}
	g.expect(g.do(nil, "POST", "/v1/signup", signUp), http.StatusAccepted, "")
	if locked := smtp.WaitFor(t, "a@acme.example", 2, 5*time.Second); codePattern.MatchString(locked.Text) || !strings.Contains(locked.Subject, "wrong") {
		t.Errorf("signing up again after %d wrong codes: %q\n%s", accounts.MaxCodeAttempts, locked.Subject, locked.Text)
	}
}

// useLink opens a sign-in link's page and posts its form with the header pairs given.
func (g *gateway) useLink(client *http.Client, link string, header ...string) *http.Response {
	g.t.Helper()
	page, err := client.Get(link)
	if err != nil {
		g.t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	m := formToken.FindSubmatch(body)
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || m == nil {
		g.t.Fatalf("the link's page: %d %q\n%s", page.StatusCode, page.Header.Get("Content-Type"), body)
	}
	form := url.Values{"token": {html.UnescapeString(string(m[1]))}}
	req, err := http.NewRequest(http.MethodPost, g.url+"/v1/sessions/callback", strings.NewReader(form.Encode()))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestSignInLinkSetsASessionCookieThatSignsOut(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	g := startGateway(t, gatewayOptions{smtp: smtp})
	created := g.do(nil, "POST", "/v1/accounts", map[string]any{"role": "FIRM", "name": "Acme", "email": "staffing@acme.example"}, bearer(operatorToken)...)
	id := field(created.body, "account", "id")

	g.expect(g.do(nil, "POST", "/v1/sessions", map[string]any{"email": "nobody@acme.example"}), http.StatusAccepted, "")

	jar, _ := cookiejar.New(nil)
	browser := noRedirects(jar)
	// Following the link only shows its page, as often as it is fetched (a mail scanner's
	// prefetch spends nothing); another site posting it is refused and spends nothing either.
	g.expect(g.do(nil, "POST", "/v1/sessions", map[string]any{"email": "staffing@acme.example"}), http.StatusAccepted, "")
	link := regexp.MustCompile(`https?://\S+`).FindString(smtp.WaitFor(t, "staffing@acme.example", 1, 5*time.Second).Text)
	for _, header := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		if forged := g.useLink(browser, link, header...); forged.StatusCode != http.StatusForbidden || len(forged.Cookies()) != 0 {
			t.Fatalf("a sign-in posted with %v: %d %v", header, forged.StatusCode, forged.Cookies())
		}
	}
	prefetched, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	prefetched.Body.Close()
	if prefetched.StatusCode != http.StatusOK || len(prefetched.Cookies()) != 0 || prefetched.Header.Get("Referrer-Policy") != "no-referrer" ||
		!strings.Contains(prefetched.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		strings.Contains(prefetched.Header.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Fatalf("the link's page: %d %v %v", prefetched.StatusCode, prefetched.Cookies(), prefetched.Header)
	}
	resp := g.useLink(browser, link, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("posting the link's form: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == httpapi.SessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/" || cookie.MaxAge <= 0 {
		t.Fatalf("session cookie %+v", cookie)
	}
	if len(smtp.Messages()) != 1 {
		t.Errorf("an unknown address got an email")
	}
	if again := g.useLink(browser, link); again.StatusCode != http.StatusUnauthorized {
		t.Errorf("a link used twice: %d", again.StatusCode)
	}
	for _, method := range []string{"PUT", "DELETE"} {
		g.expect(g.do(nil, method, "/v1/sessions/callback", nil), http.StatusUnauthorized, "")
	}

	g.expect(g.do(browser, "GET", "/v1/accounts/"+id, nil), http.StatusOK, "")
	g.expect(g.do(browser, "POST", "/v1/tokens", map[string]any{"name": "csrf"}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"),
		http.StatusForbidden, httpapi.ReasonCrossOrigin)
	g.expect(g.do(browser, "POST", "/v1/tokens", map[string]any{"name": "csrf"}, "Origin", "https://evil.example"), http.StatusForbidden, httpapi.ReasonCrossOrigin)
	g.expect(g.do(browser, "POST", "/v1/tokens", map[string]any{"name": "page"}, "Sec-Fetch-Site", "same-origin"), http.StatusOK, "")

	signedOut := g.do(browser, "DELETE", "/v1/sessions/current", nil, "Sec-Fetch-Site", "same-origin")
	g.expect(signedOut, http.StatusNoContent, "")
	if !strings.Contains(signedOut.header.Get("Set-Cookie"), httpapi.SessionCookie+"=;") {
		t.Errorf("sign-out does not clear the cookie: %q", signedOut.header.Get("Set-Cookie"))
	}
	stolen := &http.Client{}
	req, _ := http.NewRequest("GET", g.url+"/v1/accounts/"+id, nil)
	req.AddCookie(cookie)
	if resp, err := stolen.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the signed-out session's cookie: %v %v", resp.StatusCode, err)
	}
	g.expect(g.do(nil, "DELETE", "/v1/sessions/current", nil, bearer(operatorToken)...), http.StatusBadRequest, httpapi.ReasonNotASession)

	// An expired link.
	_, _ = g.do(nil, "POST", "/v1/sessions", map[string]any{"email": "staffing@acme.example"}), 0
	late := regexp.MustCompile(`https?://\S+`).FindString(smtp.WaitFor(t, "staffing@acme.example", 2, 5*time.Second).Text)
	g.advance(15 * time.Minute)
	if resp := g.useLink(browser, late); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an expired link: %v", resp.StatusCode)
	}
	g.expectNoPersonalDataLogged("staffing@acme.example", "nobody@acme.example")
}

func TestSessionCookieIsSecureBehindTLS(t *testing.T) {
	smtp := mailtest.Start(t, mailtest.Options{})
	g := startGateway(t, gatewayOptions{smtp: smtp, publicURL: "https://caiomatch.example"})
	g.do(nil, "POST", "/v1/accounts", map[string]any{"role": "FIRM", "name": "Acme", "email": "a@acme.example"}, bearer(operatorToken)...)
	g.expect(g.do(nil, "POST", "/v1/sessions", map[string]any{"email": "a@acme.example"}), http.StatusAccepted, "")
	link := regexp.MustCompile(`https://caiomatch\.example\S+`).FindString(smtp.WaitFor(t, "a@acme.example", 1, 5*time.Second).Text)
	if link == "" {
		t.Fatal("the link is not under the public URL")
	}
	resp := g.useLink(noRedirects(nil), g.url+strings.TrimPrefix(link, "https://caiomatch.example"))
	if c := resp.Cookies(); len(c) != 1 || !c[0].Secure || !c[0].HttpOnly {
		t.Errorf("cookies behind TLS: %+v", c)
	}
	// The pages' own cookies too: the language chosen with ?lang=.
	page, err := http.Get(g.url + "/?lang=fr")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if c := page.Cookies(); len(c) != 1 || c[0].Value != "fr" || !c[0].Secure || !c[0].HttpOnly {
		t.Errorf("the pages' cookies behind TLS: %+v", c)
	}
}

func TestTokensAreRevokedAtOnceOnEveryReplica(t *testing.T) {
	dataDir, bus := t.TempDir(), eventbustest.Start(t)
	a := startGateway(t, gatewayOptions{dataDir: dataDir, bus: bus})
	b := startGateway(t, gatewayOptions{dataDir: dataDir, bus: bus})
	created := a.do(nil, "POST", "/v1/accounts", map[string]any{"role": "FIRM", "name": "Acme"}, bearer(operatorToken)...)
	owner := field(created.body, "token")

	made := a.do(nil, "POST", "/v1/tokens", map[string]any{"name": "ats-sync", "expiresInDays": 90}, bearer(owner)...)
	a.expect(made, http.StatusOK, "")
	secret, tokenID := field(made.body, "secret"), field(made.body, "token", "id")
	expires, _ := time.Parse(time.RFC3339, field(made.body, "token", "expiresAt"))
	if d := time.Until(expires); d < 89*24*time.Hour || d > 91*24*time.Hour {
		t.Errorf("expiresAt %s", expires)
	}
	listed := b.do(nil, "GET", "/v1/tokens", nil, bearer(secret)...)
	if toks, _ := listed.body["tokens"].([]any); listed.status != http.StatusOK || len(toks) != 2 || strings.Contains(listed.raw, secret) {
		t.Fatalf("tokens listed on the other replica: %s", listed.raw)
	}
	other := field(a.do(nil, "POST", "/v1/accounts", map[string]any{"role": "FIRM", "name": "Other"}, bearer(operatorToken)...).body, "token")
	b.expect(b.do(nil, "DELETE", "/v1/tokens/"+tokenID, nil, bearer(other)...), http.StatusNotFound, "TOKEN_NOT_FOUND")
	a.expect(a.do(nil, "DELETE", "/v1/tokens/"+tokenID, nil, bearer(owner)...), http.StatusOK, "")
	b.expect(b.do(nil, "GET", "/v1/tokens", nil, bearer(secret)...), http.StatusUnauthorized, "INVALID_TOKEN")
	a.expect(a.do(nil, "GET", "/v1/tokens", nil, bearer(secret)...), http.StatusUnauthorized, "INVALID_TOKEN")
	b.expect(b.do(nil, "GET", "/v1/tokens", nil, bearer(owner)...), http.StatusOK, "")

	// An operator revokes anyone's; the account's first token too.
	ownerTokens := b.do(nil, "GET", "/v1/tokens", nil, bearer(owner)...)
	initial := field(ownerTokens.body["tokens"].([]any)[0].(map[string]any), "id")
	b.expect(b.do(nil, "DELETE", "/v1/tokens/"+initial, nil, bearer(operatorToken)...), http.StatusOK, "")
	a.expect(a.do(nil, "GET", "/v1/tokens", nil, bearer(owner)...), http.StatusUnauthorized, "INVALID_TOKEN")

	a.expect(a.do(nil, "POST", "/v1/tokens", map[string]any{"name": "x", "expiresInDays": 1000}, bearer(other)...), http.StatusBadRequest, "")
	short := field(a.do(nil, "POST", "/v1/tokens", map[string]any{"name": "short", "expiresInDays": 1}, bearer(other)...).body, "secret")
	a.advance(24 * time.Hour)
	a.expect(a.do(nil, "GET", "/v1/tokens", nil, bearer(short)...), http.StatusUnauthorized, "INVALID_TOKEN")
}

func TestPreferencesAreTheAccountsOwn(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	created := g.do(nil, "POST", "/v1/accounts", map[string]any{"role": "CONSULTANT", "name": "Claire"}, bearer(operatorToken)...)
	id, token := field(created.body, "account", "id"), field(created.body, "token")
	set := g.do(nil, "PUT", "/v1/accounts/"+id+"/preferences", map[string]any{"emailNotifications": false, "language": "fr"}, bearer(token)...)
	if set.status != http.StatusOK || field(set.body, "account", "language") != "fr" || set.body["account"].(map[string]any)["emailNotifications"] != false {
		t.Fatalf("preferences: %s", set.raw)
	}
	keep := g.do(nil, "PUT", "/v1/accounts/"+id+"/preferences", map[string]any{"language": "en"}, bearer(token)...)
	if keep.body["account"].(map[string]any)["emailNotifications"] != false {
		t.Errorf("an absent emailNotifications changed it: %s", keep.raw)
	}
	g.expect(g.do(nil, "PUT", "/v1/accounts/"+id+"/preferences", map[string]any{"language": "de"}, bearer(token)...), http.StatusBadRequest, "")
	g.expect(g.do(nil, "PUT", "/v1/accounts/"+id+"/preferences", map[string]any{"language": "fr"}, bearer(operatorToken)...), http.StatusNotFound, "")
}

func TestTooManyAttemptsAre429WithRetryAfter(t *testing.T) {
	g := startGateway(t, gatewayOptions{limits: httpapi.AbuseLimits{
		PerEmail: ratelimit.Limit{Burst: 2, Every: time.Minute}, PerAddress: ratelimit.Limit{Burst: 4, Every: time.Minute}, MaxKeys: 100,
	}})
	signUp := func(email string) reply {
		return g.do(nil, "POST", "/v1/signup", map[string]any{"role": "FIRM", "name": "Acme", "email": email})
	}
	g.expect(signUp("a@acme.example"), http.StatusAccepted, "")
	g.expect(signUp("A@acme.example "), http.StatusAccepted, "")
	limited := signUp("a@acme.example")
	g.expect(limited, http.StatusTooManyRequests, httpapi.ReasonTooManyAttempts)
	if retry := limited.header.Get("Retry-After"); retry == "" || retry == "0" {
		t.Errorf("Retry-After %q", retry)
	}
	g.expect(signUp("b@acme.example"), http.StatusAccepted, "")
	g.expect(signUp("c@acme.example"), http.StatusTooManyRequests, httpapi.ReasonTooManyAttempts) // fifth from this address

	// Sign-in has its own buckets.
	for range 2 {
		g.expect(g.do(nil, "POST", "/v1/sessions", map[string]any{"email": "a@acme.example"}), http.StatusAccepted, "")
	}
	g.expect(g.do(nil, "POST", "/v1/sessions", map[string]any{"email": "a@acme.example"}), http.StatusTooManyRequests, httpapi.ReasonTooManyAttempts)
}

func TestOperatorsReadTheMailboxWithoutSMTP(t *testing.T) {
	g := startGateway(t, gatewayOptions{})
	g.expect(g.do(nil, "POST", "/v1/signup", map[string]any{"role": "FIRM", "name": "Acme", "email": "a@acme.example"}), http.StatusAccepted, "")
	var box reply
	eventbustest.Eventually(t, 5*time.Second, "the email in the mailbox", func() bool {
		box = g.do(nil, "GET", "/v1/ops/mailbox", nil, bearer(operatorToken)...)
		msgs, _ := box.body["messages"].([]any)
		return len(msgs) == 1
	})
	msg := box.body["messages"].([]any)[0].(map[string]any)
	if msg["to"] != "a@acme.example" || !codePattern.MatchString(msg["text"].(string)) || msg["html"] == "" {
		t.Errorf("mailbox message: %v", msg)
	}
	firm := field(g.do(nil, "POST", "/v1/accounts", map[string]any{"role": "FIRM", "name": "Acme"}, bearer(operatorToken)...).body, "token")
	g.expect(g.do(nil, "GET", "/v1/ops/mailbox", nil, bearer(firm)...), http.StatusForbidden, "")
}
