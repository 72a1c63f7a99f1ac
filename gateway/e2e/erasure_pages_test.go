package e2e

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// sessionCookie is the platform's session cookie as the browser holds it for the platform's
// pages ("" when it holds none): it is HttpOnly, so the test asks the browser itself.
func sessionCookie(t *testing.T, p *platform, browser context.Context) string {
	t.Helper()
	cookies := read(t, browser, "the browser's cookies", func(ctx context.Context, target *chromedp.Target) ([]*network.Cookie, error) {
		got, err := cdp.Call(ctx, target, network.GetCookies, network.GetCookiesParams{URLs: []string{p.url + "/"}})
		return got.Cookies, err
	})
	for _, c := range cookies {
		if c.Name == "caiomatch_session" {
			return c.Value
		}
	}
	return ""
}

// statusWithSession is the status of a GET of path that brings only the session cookie, not
// following redirects.
func statusWithSession(t *testing.T, p *platform, path, session string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "caiomatch_session", Value: session})
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestAConsultantDeletesTheirAccountInTheBrowser: a consultant signed in in Chromium opens the
// settings in French, sends the erasure with another word than the one asked (nothing is
// erased; the field says why and has the focus), then types the word and presses the button
// from the keyboard. They land, signed out, on the public page saying in French that the
// account was deleted, with its pseudonym and nothing else of them; the browser no longer
// holds the session, the session it held opens nothing any more, and the API knows the
// account no more. With axe-core at hand, the refusal and the page after are audited.
func TestAConsultantDeletesTheirAccountInTheBrowser(t *testing.T) {
	chromium := requireChromium(t)
	p := startPlatform(t, t.TempDir())
	browser := newBrowser(t, chromium)
	const name, email = "Zoe Lambert", "zoe.lambert@example.org"
	created := p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "CONSULTANT", "name": name, "email": email})
	accountID, token := str(created, "account", "id"), str(created, "token")
	p.mustCall("POST", "/v1/profiles", token, profileBody(name, nil))

	signInByLink(t, p, browser, email, `a[href="/offers"]`)
	session := sessionCookie(t, p, browser)
	if session == "" {
		t.Fatal("the browser holds no session after signing in")
	}
	if status, _ := statusWithSession(t, p, "/v1/accounts/"+accountID, session); status != http.StatusOK {
		t.Fatalf("the session before the erasure: %d", status)
	}

	do(t, browser, "the settings in French", chromedp.Navigate(p.url+"/settings?lang=fr"),
		chromedp.WaitVisible(chromedp.ID("erase-confirmation")))
	zone := read(t, browser, "the danger zone", chromedp.Text(chromedp.CSS("section.danger-zone")))
	for _, want := range []string{"Supprimer mon compte", "Votre profil et son calendrier de réservations", "sous un pseudonyme",
		"téléchargez-la d'abord", "Pour confirmer, tapez SUPPRIMER"} {
		if !strings.Contains(zone, want) {
			t.Errorf("the danger zone lacks %q: %q", want, zone)
		}
	}

	// Another word: nothing is erased, and the refused field has the focus.
	do(t, browser, "the wrong word", chromedp.SendKeys(chromedp.ID("erase-confirmation"), "oui"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.ID("erase-confirmation-error")))
	if problem := read(t, browser, "the field's problem", chromedp.Text(chromedp.ID("erase-confirmation-error"))); !strings.Contains(problem, "Tapez SUPPRIMER") {
		t.Errorf("the refused word is said as %q", problem)
	}
	if focused := read(t, browser, "focus", chromedp.Evaluate[string](`document.activeElement.id`)); focused != "erase-confirmation" {
		t.Errorf("after the refusal the focus is on %q, want the confirmation field", focused)
	}
	if r := p.call("GET", "/v1/accounts/"+accountID, operatorToken, nil); r.status != http.StatusOK {
		t.Fatalf("the account after the wrong word: %d", r.status)
	}
	t.Run("the refusal is accessible", func(t *testing.T) {
		a := &auditor{t: t, p: p, axe: requireAxe(t), audits: new(int)}
		a.audit(browser, "the refused erasure")
	})

	// The word, then Tab to the button and Enter: the keyboard alone erases.
	do(t, browser, "the word", chromedp.Evaluate[chromedp.Void](`document.getElementById('erase-confirmation').value = ''`),
		chromedp.SendKeys(chromedp.ID("erase-confirmation"), "SUPPRIMER"), chromedp.KeyEvent(kb.Tab))
	if onButton := read(t, browser, "focus", chromedp.Evaluate[bool](`document.activeElement.matches('form.erase-form button.danger')`)); !onButton {
		t.Fatal("Tab from the confirmation field does not reach the erasure's button")
	}
	do(t, browser, "the erasure", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("pseudonym")))

	location := read(t, browser, "location", chromedp.Location())
	heading := read(t, browser, "h1", chromedp.Text(chromedp.CSS("main h1")))
	pseudonym := read(t, browser, "the pseudonym", chromedp.Text(chromedp.ID("pseudonym")))
	lang := read(t, browser, "html lang", chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value
	if location != p.url+"/account-deleted" || heading != "Votre compte a été supprimé" || lang != "fr" ||
		!regexp.MustCompile(`^erased-[0-9a-f]{16}$`).MatchString(pseudonym) {
		t.Errorf("after the erasure: at %s, headed %q in %q, pseudonym %q", location, heading, lang, pseudonym)
	}
	page := read(t, browser, "the page", chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	for _, personal := range []string{name, email, accountID} {
		if strings.Contains(page, personal) {
			t.Errorf("the page after the erasure holds %q", personal)
		}
	}
	if signedOut := read(t, browser, "signed out", chromedp.Evaluate[bool](`!!document.querySelector('nav a[href="/signin"]') && !document.querySelector('form[action="/signout"]')`)); !signedOut {
		t.Error("the page after the erasure shows a signed-in visitor")
	}
	t.Run("the page after the erasure is accessible", func(t *testing.T) {
		a := &auditor{t: t, p: p, axe: requireAxe(t), audits: new(int)}
		a.audit(browser, "/account-deleted")
		a.visit(browser, "/account-deleted?lang=en")
	})

	// The session is gone from the browser, and the one it held opens nothing.
	if kept := sessionCookie(t, p, browser); kept != "" {
		t.Error("the browser still holds a session cookie")
	}
	if status, _ := statusWithSession(t, p, "/v1/accounts/"+accountID, session); status != http.StatusUnauthorized {
		t.Errorf("the old session on the API: %d, want 401", status)
	}
	if status, location := statusWithSession(t, p, "/settings", session); status != http.StatusSeeOther || location != "/signin" {
		t.Errorf("the old session on the settings page: %d to %q, want the sign-in", status, location)
	}
	if r := p.call("GET", "/v1/accounts/"+accountID, operatorToken, nil); r.status != http.StatusNotFound {
		t.Errorf("the erased account for an operator: %d", r.status)
	}
}

// TestAnOperatorErasesAnAccountThroughThePages: an operator opens a firm's erasure page by its
// id from the accounts page, sends the form with the word, and reads the pseudonym on the
// accounts page; the firm's token stops. The configuration's operator is offered no erasure.
func TestAnOperatorErasesAnAccountThroughThePages(t *testing.T) {
	p := startPlatform(t, t.TempDir())
	firmID, firmToken := p.createAccount("FIRM", "Firmcanary Erasure SA")
	operator := newPageClient(t, p, operatorToken)

	path := operator.get("/ops/accounts/erase?id="+url.QueryEscape(firmID)).redirects(t, "the typed id", `(/ops/accounts/[^/]+/erase)`)
	operator.get(path).expect(t, "the firm's erasure page", http.StatusOK, "Firmcanary Erasure SA", `action="/ops/accounts/`+firmID+`/erase"`)
	operator.post(path, url.Values{"confirmation": {"yes"}}).expect(t, "the wrong word", http.StatusUnprocessableEntity,
		`id="erase-confirmation-error"`)
	if r := p.call("GET", "/v1/missions", firmToken, nil); r.status != http.StatusOK {
		t.Fatalf("the firm after the wrong word: %d", r.status)
	}
	operator.post(path, url.Values{"confirmation": {"DELETE"}}).redirects(t, "the erasure", `/ops/accounts`)
	done := operator.get("/ops/accounts")
	done.expect(t, "the accounts page after the erasure", http.StatusOK, `id="account-erased"`)
	if pseudonym := done.find(t, "the pseudonym", `id="account-erased">[^<]*<code>([^<]+)</code>`); !strings.HasPrefix(pseudonym, "erased-") {
		t.Errorf("the accounts page says the pseudonym %q", pseudonym)
	}
	if r := p.call("GET", "/v1/missions", firmToken, nil); r.status != http.StatusUnauthorized {
		t.Errorf("the erased firm's token: %d", r.status)
	}
	protected := operator.get("/ops/accounts/operator/erase")
	protected.expect(t, "the configuration's operator", http.StatusOK, `id="erase-protected"`)
	if strings.Contains(protected.body, `action="/ops/accounts/operator/erase"`) {
		t.Error("the configuration's operator is offered an erasure")
	}
}
