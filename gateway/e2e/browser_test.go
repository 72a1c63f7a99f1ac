package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, or CAIOMATCH_CHROMIUM.
func chromiumPath() string {
	if path := os.Getenv("CAIOMATCH_CHROMIUM"); path != "" {
		return path
	}
	return "/usr/bin/chromium"
}

// newBrowser starts a headless Chromium with a fresh profile for one test; without Chromium
// the test is skipped, except in CI, which installs it (.ci/run).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI and %s is absent (.ci/run installs it): %v", path, err)
		}
		t.Skipf("browser tests need Chromium at %s (apt-get install chromium, or set CAIOMATCH_CHROMIUM)", path)
	}
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()))
	browser, cancelBrowser := chromedp.NewContext(allocator)
	ctx, cancelTimeout := context.WithTimeout(browser, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelBrowser(); cancelAllocator() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("Chromium did not start: %v", err)
	}
	return ctx
}

// do runs the steps, failing the test at the first that fails.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// read runs one action and returns its value, failing the test when it fails.
func read[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	value, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return value
}

// TestFirmReadsItsShortlistInTheBrowser: a firm signs in through the emailed link, opens its
// mission page and reads the shortlist's summaries, which are the API's; then in French.
func TestFirmReadsItsShortlistInTheBrowser(t *testing.T) {
	browser := newBrowser(t)
	p := startPlatform(t, t.TempDir())
	firm := p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "FIRM", "name": "Acme Pharma", "email": "buyer@acme.example"})
	firmToken := str(firm, "token")
	for i := range 4 {
		_, token := p.createAccount("CONSULTANT", fmt.Sprintf("Consultant %d", i))
		p.mustCall("POST", "/v1/profiles", token, profileBody(fmt.Sprintf("Consultant %d", i), nil))
	}
	time.Sleep(300 * time.Millisecond) // matching sees the profiles before the mission
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil)), "mission", "id")
	summaries := func(lang string) []string {
		var got []string
		eventually(t, 10*time.Second, "a READY shortlist", func() bool {
			shortlist := p.mustCall("GET", "/v1/missions/"+missionID+"/shortlist?lang="+lang, firmToken, nil)
			got = nil
			for _, c := range list(shortlist, "candidates") {
				got = append(got, c.(map[string]any)["summary"].(string))
			}
			return str(shortlist, "status") == "SHORTLIST_STATUS_READY" && len(got) == 4
		})
		return got
	}
	english := summaries("en")

	do(t, browser, "sign-in page", chromedp.Navigate(p.url+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), "buyer@acme.example"),
		chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.ID("link-sent")))
	var link string
	signInLink := regexp.MustCompile(`/v1/sessions/callback\?token=[A-Za-z0-9_\-]+`)
	eventually(t, 10*time.Second, "the sign-in link in the mailbox", func() bool {
		for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
			if msg := m.(map[string]any); msg["to"] == "buyer@acme.example" && signInLink.MatchString(msg["text"].(string)) {
				link = signInLink.FindString(msg["text"].(string))
			}
		}
		return link != ""
	})
	do(t, browser, "the emailed link", chromedp.Navigate(p.url+link),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/missions"]`)))
	if home := read(t, browser, "location", chromedp.Location()); home != p.url+"/" {
		t.Errorf("after the link the browser is at %s, want the home page", home)
	}

	shown := func(path string) (lang string, texts []string) {
		do(t, browser, path, chromedp.Navigate(p.url+path), chromedp.WaitVisible(chromedp.CSS(".summary")))
		lang = read(t, browser, "html lang", chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value
		return lang, read(t, browser, "summaries", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".summary")].map(e => e.textContent)`))
	}
	lang, got := shown("/missions/" + missionID)
	if lang != "en" || !slices.Equal(got, english) {
		t.Errorf("mission page in %s shows %q, want the API's %q", lang, got, english)
	}
	french := summaries("fr")
	if slices.Equal(french, english) {
		t.Fatal("the API's French summaries are the English ones; the test could not tell them apart")
	}
	lang, got = shown("/missions/" + missionID + "?lang=fr")
	if lang != "fr" || !slices.Equal(got, french) {
		t.Errorf("mission page in %s shows %q, want the API's French %q", lang, got, french)
	}
	// The choice is kept: the next page, without ?lang, is French too.
	do(t, browser, "missions page", chromedp.Navigate(p.url+"/missions"), chromedp.WaitVisible(chromedp.CSS("table")))
	if status := read(t, browser, "status", chromedp.Text(chromedp.CSS("td .status"))); !strings.Contains(status, "présélection") {
		t.Errorf("the missions page after choosing French shows the status %q", status)
	}
}
