package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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

// requireChromium is the path of Chromium; without it the test is skipped, except in CI,
// which installs it (.ci/run).
func requireChromium(t *testing.T) string {
	t.Helper()
	path := chromiumPath()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI and %s is absent (.ci/run installs it): %v", path, err)
		}
		t.Skipf("browser tests need Chromium at %s (apt-get install chromium, or set CAIOMATCH_CHROMIUM)", path)
	}
	return path
}

// newBrowser starts a headless Chromium with a fresh profile. Call it after startPlatform:
// cleanups run last first, and the browser must be gone before the platform stops, or the
// connections it opens ahead of use hold the server's shutdown.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
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

// screenshot saves the page into CAIOMATCH_SCREENSHOTS, when set (the README's pictures).
func screenshot(t *testing.T, browser context.Context, name string) {
	t.Helper()
	dir := os.Getenv("CAIOMATCH_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := read(t, browser, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	signInLink = regexp.MustCompile(`/v1/sessions/callback\?token=[A-Za-z0-9_\-]+`)
	signUpCode = regexp.MustCompile(`\b\d{6}\b`)
)

// mailedLink waits for an email to address in the operators' mailbox whose text matches
// pattern, and returns the match.
func mailedLink(t *testing.T, p *platform, address string, pattern *regexp.Regexp) string {
	t.Helper()
	var found string
	eventually(t, 10*time.Second, "the email in the mailbox", func() bool {
		for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
			if msg := m.(map[string]any); msg["to"] == address && pattern.MatchString(msg["text"].(string)) {
				found = pattern.FindString(msg["text"].(string))
			}
		}
		return found != ""
	})
	return found
}

// mailedAfter waits for an email to address whose text matches pattern and returns the match.
// When the platform sends through the test's SMTP server, it is the first such email after the
// first seen ones that server received for address (mailCount before the request); otherwise
// it is read from the operators' mailbox (mailedLink).
func mailedAfter(t *testing.T, p *platform, address string, seen int, pattern *regexp.Regexp) string {
	t.Helper()
	if p.smtp == nil {
		return mailedLink(t, p, address, pattern)
	}
	for n := seen + 1; ; n++ {
		if found := pattern.FindString(p.smtp.WaitFor(t, address, n, 10*time.Second).Text); found != "" {
			return found
		}
	}
}

// mailCount is how many emails the test's SMTP server received for address so far; 0 when the
// platform keeps its emails in the mailbox.
func mailCount(p *platform, address string) int {
	if p.smtp == nil {
		return 0
	}
	n := 0
	for _, m := range p.smtp.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, address) {
				n++
			}
		}
	}
	return n
}

// signInByLink asks the sign-in page for a link to email, opens the emailed link, confirms,
// and waits for the signed-in page to show landmark.
func signInByLink(t *testing.T, p *platform, browser context.Context, email, landmark string) {
	t.Helper()
	seen := mailCount(p, email)
	do(t, browser, "sign-in page", chromedp.Navigate(p.url+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), email), chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.ID("link-sent")))
	openMailedLink(t, p, browser, mailedAfter(t, p, email, seen, signInLink), landmark)
}

// openMailedLink opens a sign-in link, confirms, and waits for the signed-in page to show
// landmark.
func openMailedLink(t *testing.T, p *platform, browser context.Context, link, landmark string) {
	t.Helper()
	do(t, browser, "the emailed link", chromedp.Navigate(p.url+link),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(landmark)))
}

// TestFirmSignsUpAndStaffsAMissionInTheBrowser is the platform's story in one chain, every
// email taken from a real SMTP server running in the test: a firm signs up with the code it was
// mailed, an operator approves it, the firm signs in by the emailed link, submits a mission
// through the form (one refused field fixed on the way), watches the shortlist appear without a
// reload, reads it in French and makes an offer; the consultant signs in by the emailed link,
// reads the offer and the mission, and accepts; the firm sees the consultant's email; the
// operator opens the waterfall of the firm's form post, across at least four services.
func TestFirmSignsUpAndStaffsAMissionInTheBrowser(t *testing.T) {
	chromium := requireChromium(t)
	p := startPlatform(t, t.TempDir(), throughSMTP())
	browser := newBrowser(t, chromium)
	opsBrowser := newBrowser(t, chromium)
	// The consultants' accounts exist; their profiles come once the firm watches its mission page.
	profiles := map[string]map[string]any{}
	for i := range 4 {
		name := fmt.Sprintf("Consultant %d", i)
		profile := profileBody(name, nil)
		// The account has the profile's address, so the consultant signs in by its link.
		account := p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "CONSULTANT", "name": name, "email": profile["email"]})
		profiles[str(account, "token")] = profile
	}
	p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "OPERATOR", "name": "Duty Operator", "email": "duty@caiomatch.example"})
	signInByLink(t, p, opsBrowser, "duty@caiomatch.example", `a[href="/ops/accounts"]`)

	// The firm signs up with the code of its first email; the page then mails it a sign-in link.
	const firmEmail = "buyer@acme.example"
	do(t, browser, "sign-up page", chromedp.Navigate(p.url+"/signup"),
		chromedp.Click(chromedp.CSS(`input[name=role][value=FIRM]`)),
		chromedp.SendKeys(chromedp.ID("name"), "Acme Pharma"),
		chromedp.SendKeys(chromedp.ID("email"), firmEmail),
		chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.ID("code")))
	code := mailedAfter(t, p, firmEmail, 0, signUpCode)
	do(t, browser, "the mailed code", chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")),
		chromedp.WaitVisible(chromedp.CSS(`main p[role=status]`)))
	link := mailedAfter(t, p, firmEmail, 1, signInLink)

	// The operator finds the new firm among the accounts waiting and approves it.
	do(t, opsBrowser, "account approvals", chromedp.Click(chromedp.CSS(`nav a[href="/ops/accounts"]`)),
		chromedp.WaitVisible(chromedp.CSS("#pending-accounts")))
	row := read(t, opsBrowser, "the firm's row", chromedp.Evaluate[string](`([...document.querySelectorAll("#pending-accounts tbody tr")]
		.find(tr => tr.cells[1].textContent === "`+firmEmail+`") || {id: ""}).id`))
	if row == "" {
		t.Fatalf("the accounts page does not list %s among the accounts waiting", firmEmail)
	}
	do(t, opsBrowser, "approve", chromedp.Click(chromedp.CSS("#"+row+" button.approve")),
		chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.WaitNotPresent(chromedp.CSS("#"+row)))
	if status := str(p.mustCall("GET", "/v1/accounts/"+strings.TrimPrefix(row, "account-"), operatorToken, nil), "account", "status"); status != "ACCOUNT_STATUS_ACTIVE" {
		t.Fatalf("after the approve button the firm's account is %s", status)
	}

	// The firm opens the link it was mailed and lands on its home page, approved.
	openMailedLink(t, p, browser, link, `a[href="/missions"]`)
	if home := read(t, browser, "location", chromedp.Location()); home != p.url+"/" {
		t.Errorf("after the link the browser is at %s, want the home page", home)
	}
	var missionID string
	summaries := func(lang string) []string {
		var got []string
		eventually(t, 10*time.Second, "a READY shortlist", func() bool {
			shortlist := p.mustCall("GET", "/v1/missions/"+missionID+"/shortlist?lang="+lang, operatorToken, nil)
			got = nil
			for _, c := range list(shortlist, "candidates") {
				got = append(got, c.(map[string]any)["summary"].(string))
			}
			return str(shortlist, "status") == "SHORTLIST_STATUS_READY" && len(got) == 4
		})
		return got
	}

	// The firm submits its mission through the form, with a start date in the past first: the
	// API's refusal shows beside the field, the firm fixes it, and the mission page opens.
	do(t, browser, "new-mission form", chromedp.Navigate(p.url+"/missions/new"),
		chromedp.SendKeys(chromedp.ID("title"), "Transition CAIO to launch our AI programme"),
		chromedp.SetValue(chromedp.ID("sector"), "C21"),
		chromedp.SetValue(chromedp.ID("missionType"), "MISSION_TYPE_TRANSFORMATION_LAUNCH"),
		chromedp.Click(chromedp.CSS(`#requiredSkills input[value="ai-strategy"]`)),
		chromedp.Click(chromedp.CSS(`#requiredSkills input[value="change-management"]`)),
		chromedp.Click(chromedp.CSS(`#niceToHaveSkills input[value="mlops"]`)),
		chromedp.SetValue(chromedp.ID("startDate"), time.Now().AddDate(0, 0, -2).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("durationMonths"), "12"),
		chromedp.SendKeys(chromedp.ID("maxDailyRateEur"), "1500"),
		chromedp.SendKeys(chromedp.ID("minYearsExperience"), "10"),
		chromedp.Click(chromedp.CSS(`#languages input[value="fr"]`)),
		chromedp.SetValue(chromedp.ID("workMode"), "WORK_MODE_HYBRID"),
		chromedp.SendKeys(chromedp.ID("location-country"), "FR"),
		chromedp.SendKeys(chromedp.ID("location-city"), "Lyon"),
		chromedp.Submit(chromedp.ID("title")),
		chromedp.WaitVisible(chromedp.ID("startDate-error")))
	if invalid := read(t, browser, "aria-invalid", chromedp.AttributeValue(chromedp.ID("startDate"), "aria-invalid")); invalid.Value != "true" {
		t.Errorf("the refused start date is not marked invalid: %+v", invalid)
	}
	do(t, browser, "the fixed form", chromedp.SetValue(chromedp.ID("startDate"), missionStart.Format(time.DateOnly)),
		chromedp.Submit(chromedp.ID("title")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	location := read(t, browser, "location", chromedp.Location())
	missionID = strings.TrimPrefix(location, p.url+"/missions/")
	if missionID == location || missionID == "" {
		t.Fatalf("after the form the browser is at %s, want the new mission's page", location)
	}
	// Nobody fits yet. The firm keeps the page open while the consultants register: the
	// shortlist appears in it without a reload (the mark set on the page survives).
	if n := read(t, browser, "candidates", chromedp.Evaluate[int](`window.caiomatchStayed = true; document.querySelectorAll(".summary").length`)); n != 0 {
		t.Fatalf("the new mission's page shows %d candidates before any consultant registered", n)
	}
	if count := read(t, browser, "unread count", chromedp.Evaluate[string](`document.querySelector("#unread [aria-hidden]").textContent`)); count != "0" {
		t.Fatalf("the firm has %s unread notifications before its shortlist", count)
	}
	for token, profile := range profiles {
		p.mustCall("POST", "/v1/profiles", token, profile)
	}
	english := summaries("en")
	eventually(t, 15*time.Second, "the shortlist appearing on the open mission page", func() bool {
		n := read(t, browser, "candidates", chromedp.Evaluate[int](`document.querySelectorAll(".summary").length`))
		return n == len(english)
	})
	// The shortlist's notification reaches the open page by the stream: the unread count in
	// the header goes up, still without a reload.
	eventually(t, 15*time.Second, "the unread count rising on the open page", func() bool {
		count := read(t, browser, "unread count", chromedp.Evaluate[string](`document.querySelector("#unread [aria-hidden]").textContent`))
		return count != "0"
	})
	if stayed := read(t, browser, "same page", chromedp.Evaluate[bool](`window.caiomatchStayed === true`)); !stayed {
		t.Error("the mission page was reloaded to show the shortlist")
	}

	shown := func(path string) (lang string, texts []string) {
		do(t, browser, path, chromedp.Navigate(p.url+path), chromedp.WaitVisible(chromedp.CSS(".summary")))
		lang = read(t, browser, "html lang", chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value
		return lang, read(t, browser, "summaries", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".summary")].map(e => e.textContent)`))
	}
	lang, got := shown("/missions/" + missionID)
	screenshot(t, browser, "mission-page.png")
	if lang != "en" || !slices.Equal(got, english) {
		t.Errorf("mission page in %s shows %q, want the API's %q", lang, got, english)
	}
	// The decisions timeline, newest first, holds matching's proposal.
	eventually(t, 10*time.Second, "the shortlist proposal in the decisions timeline", func() bool {
		do(t, browser, "reload", chromedp.Reload())
		trail := read(t, browser, "timeline", chromedp.Evaluate[string](`(document.querySelector(".timeline") || {}).textContent || ""`))
		return strings.Contains(trail, "Shortlist proposed")
	})
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

	// The firm offers the first candidate a rate and a message from the mission page.
	do(t, browser, "offer form", chromedp.Navigate(p.url+"/missions/"+missionID),
		chromedp.Click(chromedp.CSS(".candidate details summary")),
		chromedp.SendKeys(chromedp.CSS(`.candidate details input[name=dailyRateEur]`), "1400"),
		chromedp.SendKeys(chromedp.CSS(`.candidate details textarea`), "Bonjour, votre profil nous intéresse."),
		chromedp.Click(chromedp.CSS(".candidate details button[type=submit]")),
		chromedp.WaitNotPresent(chromedp.CSS("details[open]")))
	if status := str(p.mustCall("GET", "/v1/missions/"+missionID, operatorToken, nil), "mission", "status"); status != "MISSION_STATUS_OFFERED" {
		t.Errorf("after the offer form the mission is %s", status)
	}
	if status := read(t, browser, "status", chromedp.Text(chromedp.CSS("main .status"))); status != "offre faite" {
		t.Errorf("the mission page after the offer shows the status %q", status)
	}

	consultantReadsAndAccepts(t, p, chromium, browser, missionID)
	operatorOpensTheFormsTrace(t, p, opsBrowser)

	// Another firm reaching the mission's page by its URL gets the API's 404 (pages take
	// bearer tokens too).
	_, otherFirm := p.createAccount("FIRM", "Other Firm")
	for _, path := range []string{"/v1/missions/" + missionID, "/missions/" + missionID} {
		if r := p.call("GET", path, otherFirm, nil); r.status != http.StatusNotFound {
			t.Errorf("another firm's GET %s: %d, want 404", path, r.status)
		}
	}
}

// operatorOpensTheFormsTrace: an operator, signed in in browser, finds the trace of the firm's
// new-mission form (the only form post that reached matching) with the trace search, and its
// waterfall shows the spans of at least four services.
func operatorOpensTheFormsTrace(t *testing.T, p *platform, browser context.Context) {
	t.Helper()
	var waterfall string
	eventually(t, 10*time.Second, "the form's trace in the search", func() bool {
		do(t, browser, "trace search", chromedp.Navigate(p.url+"/ops/traces?service=matching&rootNameContains=POST+%2Fmissions"),
			chromedp.WaitVisible(chromedp.CSS("main h1")))
		waterfall = read(t, browser, "the form's trace", chromedp.Evaluate[string](`([...document.querySelectorAll("#traces a")]
			.find(a => a.textContent === "POST /missions") || {getAttribute: () => ""}).getAttribute("href")`))
		return waterfall != ""
	})
	var lanes []string
	eventually(t, 10*time.Second, "the form's waterfall across four services", func() bool {
		do(t, browser, "the form's waterfall", chromedp.Navigate(p.url+waterfall), chromedp.WaitVisible(chromedp.CSS(".lane .bar")))
		lanes = read(t, browser, "lanes", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".lane h2")].map(h => h.textContent)`))
		return len(lanes) >= 4
	})
	for _, service := range []string{"gateway", "mission", "matching", "notification"} {
		if !slices.Contains(lanes, service) {
			t.Errorf("the form's waterfall shows %q, without %s", lanes, service)
		}
	}
}

// consultantReadsAndAccepts: the offered consultant signs in through the emailed link in a
// browser of their own, reads the offer and the mission behind it, is refused a decline
// without a reason, and accepts; the firm's mission page (firmBrowser) then shows their email.
// The offers page renders in French too.
func consultantReadsAndAccepts(t *testing.T, p *platform, chromium string, firmBrowser context.Context, missionID string) {
	t.Helper()
	var offer map[string]any
	for _, o := range list(p.mustCall("GET", "/v1/offers?status=OFFER_STATUS_PENDING", operatorToken, nil), "offers") {
		if o := o.(map[string]any); o["missionId"] == missionID {
			offer = o
		}
	}
	if offer == nil {
		t.Fatal("no pending offer on the mission after the offer form")
	}
	offerID := str(offer, "id")
	email := str(p.mustCall("GET", "/v1/profiles/"+str(offer, "profileId"), operatorToken, nil), "profile", "email")
	browser := newBrowser(t, chromium)
	signInByLink(t, p, browser, email, `a[href="/offers"]`)
	do(t, browser, "the consultant's offers", chromedp.Click(chromedp.CSS(`nav a[href="/offers"]`)),
		chromedp.WaitVisible(chromedp.CSS("article.offer")))

	card := "#offer-" + offerID
	text := func(selector string) string {
		return strings.TrimSpace(read(t, browser, selector, chromedp.Text(chromedp.CSS(card+" "+selector))))
	}
	mission := p.mustCall("GET", "/v1/missions/"+missionID, operatorToken, nil)
	skillNames := map[string]string{}
	for _, s := range list(p.mustCall("GET", "/v1/taxonomy/skills?lang=en", operatorToken, nil), "skills") {
		skillNames[str(s.(map[string]any), "id")] = str(s.(map[string]any), "name")
	}
	var wantSkills []string
	for _, id := range list(mission["mission"].(map[string]any), "requiredSkills") {
		wantSkills = append(wantSkills, skillNames[id.(string)])
	}
	gotSkills := read(t, browser, "skills", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("`+card+` ul.skills")[0].querySelectorAll("li")].map(e => e.textContent)`))
	if title := text("h2"); title != str(mission, "mission", "title") {
		t.Errorf("the offers page shows the mission %q, want %q", title, str(mission, "mission", "title"))
	}
	if len(wantSkills) == 0 || !slices.Equal(gotSkills, wantSkills) {
		t.Errorf("the offers page shows the required skills %q, want the taxonomy's names %q", gotSkills, wantSkills)
	}
	if dates, want := text(".dates"), str(offer, "startDate")+" → "+str(offer, "endDate"); dates != want {
		t.Errorf("the offers page shows the dates %q, want %q", dates, want)
	}
	if rate := text(".rate"); !strings.Contains(rate, "1400") {
		t.Errorf("the offers page shows the rate %q, want the 1400 offered", rate)
	}
	if message := text(".message"); message != "Bonjour, votre profil nous intéresse." {
		t.Errorf("the offers page shows the firm's message %q", message)
	}

	// A decline without a reason is the API's refusal, beside the reason's field.
	do(t, browser, "decline without a reason", chromedp.Click(chromedp.CSS(card+" details.decline summary")),
		chromedp.Click(chromedp.CSS(card+" details.decline button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("reason-"+offerID+"-error")))
	if invalid := read(t, browser, "aria-invalid", chromedp.AttributeValue(chromedp.ID("reason-"+offerID), "aria-invalid")); invalid.Value != "true" {
		t.Errorf("the missing reason is not marked invalid: %+v", invalid)
	}
	do(t, browser, "accept", chromedp.Click(chromedp.CSS(card+" button.accept")),
		chromedp.WaitVisible(chromedp.CSS(card+" a.contact")))
	if status := text(".status"); status != "accepted" {
		t.Errorf("the accepted offer shows the status %q", status)
	}
	if contact := text("a.contact"); contact != "buyer@acme.example" {
		t.Errorf("the accepted offer shows the firm's contact %q, want buyer@acme.example", contact)
	}
	do(t, browser, "offers in French", chromedp.Navigate(p.url+"/offers?lang=fr"), chromedp.WaitVisible(chromedp.CSS(card)))
	if lang := read(t, browser, "html lang", chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value; lang != "fr" {
		t.Errorf("the offers page asked in French is in %q", lang)
	}
	if heading, status := read(t, browser, "h1", chromedp.Text(chromedp.CSS("h1"))), text(".status"); heading != "Offres" || status != "acceptée" {
		t.Errorf("the offers page in French shows %q and the status %q", heading, status)
	}

	do(t, firmBrowser, "the staffed mission's page", chromedp.Navigate(p.url+"/missions/"+missionID),
		chromedp.WaitVisible(chromedp.ID("consultant-email")))
	if shown := read(t, firmBrowser, "consultant's email", chromedp.Text(chromedp.ID("consultant-email"))); shown != email {
		t.Errorf("the firm's mission page shows the consultant's contact %q, want %q", shown, email)
	}
}

// TestSignUpInTheBrowser: a firm signs up in French, a wrong code is refused, the code from
// its email is taken, it signs in by the link that follows, sees it waits for approval, and
// signs out.
func TestSignUpInTheBrowser(t *testing.T) {
	chromium := requireChromium(t)
	p := startPlatform(t, t.TempDir())
	browser := newBrowser(t, chromium)
	do(t, browser, "sign-up page", chromedp.Navigate(p.url+"/signup?lang=fr"),
		chromedp.Click(chromedp.CSS(`input[name=role][value=FIRM]`)),
		chromedp.SendKeys(chromedp.ID("name"), "Nova Retail"),
		chromedp.SendKeys(chromedp.ID("email"), "cto@nova.example"),
		chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.ID("code")))
	do(t, browser, "code form", chromedp.SendKeys(chromedp.ID("code"), "000000"), chromedp.Submit(chromedp.ID("code")),
		chromedp.WaitVisible(chromedp.CSS(".error, .field-error")))
	code := mailedLink(t, p, "cto@nova.example", signUpCode)
	do(t, browser, "the right code", chromedp.SetValue(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")),
		chromedp.WaitVisible(chromedp.CSS(`main p[role=status]`)))
	link := mailedLink(t, p, "cto@nova.example", signInLink)
	do(t, browser, "the emailed link", chromedp.Navigate(p.url+link),
		chromedp.Click(chromedp.CSS("form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if notice := read(t, browser, "notice", chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(notice, "validation") {
		t.Errorf("a pending account's home page says %q, want the French approval notice", notice)
	}
	do(t, browser, "sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
	if n := read(t, browser, "sign-out buttons", chromedp.Evaluate[int](`document.querySelectorAll('form[action="/signout"]').length`)); n != 0 {
		t.Error("the page after signing out still offers to sign out")
	}
}

// TestOperatorInTheBrowser: an operator signs in by the emailed link, approves an account
// that signed up and waits, finds the trace of a mission's submission in the trace list and
// reads its waterfall: spans of at least four services, grouped by service; then in French.
func TestOperatorInTheBrowser(t *testing.T) {
	chromium := requireChromium(t)
	p := startPlatform(t, t.TempDir())
	browser := newBrowser(t, chromium)
	p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "OPERATOR", "name": "Duty Operator", "email": "duty@caiomatch.example"})
	if r := p.call("POST", "/v1/signup", "", map[string]any{"role": "FIRM", "name": "Nova Retail", "email": "cto@nova.example"}); r.status != http.StatusAccepted {
		t.Fatalf("sign-up: %d", r.status)
	}
	code := mailedLink(t, p, "cto@nova.example", signUpCode)
	pendingID := str(p.mustCall("POST", "/v1/signup/verify", "", map[string]any{"email": "cto@nova.example", "code": code}), "account", "id")

	signInByLink(t, p, browser, "duty@caiomatch.example", `a[href="/ops/accounts"]`)
	row := "#account-" + pendingID
	do(t, browser, "account approvals", chromedp.Click(chromedp.CSS(`nav a[href="/ops/accounts"]`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.Click(chromedp.CSS(row+" button.approve")),
		chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.WaitNotPresent(chromedp.CSS(row)))
	if status := str(p.mustCall("GET", "/v1/accounts/"+pendingID, operatorToken, nil), "account", "status"); status != "ACCOUNT_STATUS_ACTIVE" {
		t.Errorf("after the approve button the account is %s", status)
	}

	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	for i := range 2 {
		_, consultant := p.createAccount("CONSULTANT", fmt.Sprintf("Consultant %d", i))
		p.mustCall("POST", "/v1/profiles", consultant, profileBody(fmt.Sprintf("Consultant %d", i), nil))
	}
	time.Sleep(300 * time.Millisecond) // matching sees the profiles before the mission
	p.mustCall("POST", "/v1/missions", firmToken, missionBody(nil))
	// The trace grows while the submission's events travel: the operator reloads the list until
	// the submission's row names four services.
	var services []string
	eventually(t, 10*time.Second, "the submission's trace across four services", func() bool {
		do(t, browser, "trace list", chromedp.Navigate(p.url+"/ops/traces"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		services = read(t, browser, "trace rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#traces tbody tr")]
			.filter(tr => tr.cells[0].textContent === "POST /v1/missions").map(tr => tr.cells[4].textContent)`))
		return len(services) == 1 && len(strings.Split(services[0], ", ")) >= 4
	})
	waterfall := read(t, browser, "the submission's link", chromedp.Evaluate[string](`[...document.querySelectorAll("#traces a")]
		.find(a => a.textContent === "POST /v1/missions").getAttribute("href")`))
	lanes := func() []string {
		return read(t, browser, "lanes", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".lane h2")].map(h => h.textContent)`))
	}
	do(t, browser, "the submission's waterfall", chromedp.Navigate(p.url+waterfall), chromedp.WaitVisible(chromedp.CSS(".lane .bar")))
	shown := lanes()
	for _, service := range []string{"gateway", "mission", "matching"} {
		if !slices.Contains(shown, service) {
			t.Errorf("the waterfall shows the services %q, without %s", shown, service)
		}
	}
	listed := strings.Split(services[0], ", ")
	if len(shown) < 4 || !slices.Equal(slices.Sorted(slices.Values(shown)), slices.Sorted(slices.Values(listed))) {
		t.Errorf("the waterfall shows the services %q, the trace list %q", shown, listed)
	}
	bars := read(t, browser, "bars", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".lane .bar")].map(b => b.className)`))
	spans := list(p.mustCall("GET", "/v1/ops/traces/"+strings.TrimPrefix(waterfall, "/ops/traces/"), operatorToken, nil), "spans")
	if len(bars) != len(spans) {
		t.Errorf("the waterfall draws %d bars for the trace's %d spans", len(bars), len(spans))
	}
	// The bars are placed: the root starts the axis, and the events' spans start later (after
	// the submission's answer, so the root need not fill the axis).
	if placedAt := regexp.MustCompile(`\bat(\d+) sw(\d+)\b`); len(bars) > 0 && !strings.Contains(bars[0], "at0 ") {
		t.Errorf("the first bar (the root) is %q, want it at the axis' start", bars[0])
	} else if late := slices.IndexFunc(bars, func(c string) bool { m := placedAt.FindStringSubmatch(c); return m != nil && m[1] != "0" }); late < 0 {
		t.Errorf("no bar starts after the root: %q", bars)
	}
	screenshot(t, browser, "waterfall.png")

	do(t, browser, "the waterfall in French", chromedp.Navigate(p.url+waterfall+"?lang=fr"), chromedp.WaitVisible(chromedp.CSS(".lane .bar")))
	lang := read(t, browser, "html lang", chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value
	heading := read(t, browser, "h1", chromedp.Text(chromedp.CSS("h1")))
	kinds := read(t, browser, "kinds", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".lane .kind")].map(k => k.textContent)`))
	if lang != "fr" || heading != "Cascade de la trace" || !slices.Contains(kinds, "serveur") || !slices.Equal(lanes(), shown) {
		t.Errorf("the waterfall in French is in %q, headed %q, with the kinds %q and services %q", lang, heading, kinds, lanes())
	}

	// The exposure report's tables and the mailbox are the API's.
	overall := fmt.Sprint(p.mustCall("GET", "/v1/ops/exposure", operatorToken, nil)["overall"].(map[string]any)["consultants"])
	do(t, browser, "exposure report", chromedp.Click(chromedp.CSS(`nav a[href="/ops/exposure"]`)), chromedp.WaitVisible(chromedp.CSS("table.exposure")))
	if shown := read(t, browser, "everyone's consultants", chromedp.Text(chromedp.CSS("table.exposure tbody td"))); shown != overall || overall == "0" {
		t.Errorf("the exposure report shows %q consultants in all, the API %s", shown, overall)
	}
	var subject string
	for _, m := range list(p.mustCall("GET", "/v1/ops/mailbox", operatorToken, nil), "messages") {
		if m := m.(map[string]any); m["to"] == "cto@nova.example" {
			subject = str(m, "subject")
		}
	}
	do(t, browser, "mailbox", chromedp.Click(chromedp.CSS(`nav a[href="/ops/mailbox"]`)), chromedp.WaitVisible(chromedp.CSS("article.mail")))
	if subjects := read(t, browser, "subjects", chromedp.Evaluate[[]string](`[...document.querySelectorAll(".mail h2")].map(h => h.textContent)`)); subject == "" || !slices.Contains(subjects, subject) {
		t.Errorf("the mailbox shows %q, without the sign-up email %q", subjects, subject)
	}
}
