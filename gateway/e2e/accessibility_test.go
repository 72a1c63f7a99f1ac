package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// axeViolation is one axe-core rule a page breaks, with the elements that break it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeRun opens every disclosure (axe-core skips what is hidden, such as the forms under a
// closed summary), runs axe-core over the page and keeps what a report needs of each violation.
const axeRun = `document.querySelectorAll('details').forEach(d => { d.open = true });
axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
	id: v.id, impact: v.impact || '', help: v.help,
	nodes: v.nodes.map(n => n.target.flat(Infinity).join(' '))})))`

// unoutlined focuses, after a Tab (so that :focus-visible applies, as for a keyboard user), each
// visible control of the page, the first 60, and names those that show no outline.
const unoutlined = `(() => {
	const bare = [];
	for (const e of [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')].slice(0, 60)) {
		if (!e.checkVisibility()) continue;
		e.focus();
		const s = getComputedStyle(e);
		if (document.activeElement === e && (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2)) {
			bare.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') + (e.getAttribute('href') ? '[href="' + e.getAttribute('href') + '"]' : ''));
		}
	}
	document.activeElement.blur();
	return bare;
})()`

// requireAxe is axe-core's source, fetched by make test-assets (or CAIOMATCH_AXE); without it
// the test is skipped, except in CI, which fetches it (.ci/run).
func requireAxe(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CAIOMATCH_AXE")
	if path == "" {
		path = filepath.Join("..", "..", ".cache", "npm", "axe-core", "axe.min.js")
	}
	source, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is required in CI and %s is absent: run make test-assets: %v", path, err)
		}
		t.Skipf("accessibility tests need axe-core at %s: run make test-assets (or set CAIOMATCH_AXE)", path)
	}
	return string(source)
}

// auditor checks pages of one platform with axe-core.
type auditor struct {
	t   *testing.T
	p   *platform
	axe string
	// audits counts the audits of all the test's auditors, for the log.
	audits *int
}

// on is an auditor for subtest t, counting with a.
func (a *auditor) on(t *testing.T) *auditor {
	return &auditor{t: t, p: a.p, axe: a.axe, audits: a.audits}
}

// audit injects axe-core into the browser's current page (through the DevTools protocol,
// which the pages' Content-Security-Policy does not govern), runs it, and fails the test on
// every serious or critical violation (lesser ones are logged) and on a control that shows no
// outline when focused from the keyboard.
func (a *auditor) audit(browser context.Context, page string) {
	a.t.Helper()
	if !read(a.t, browser, "axe-core present", chromedp.Evaluate[bool](`typeof axe !== "undefined"`)) {
		do(a.t, browser, "inject axe-core", chromedp.Evaluate[chromedp.Void](a.axe+"\n;true"))
	}
	violations := read(a.t, browser, "axe-core on "+page, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	*a.audits++
	do(a.t, browser, "Tab", chromedp.KeyEvent(kb.Tab))
	if bare := read(a.t, browser, "focus outlines on "+page, chromedp.Evaluate[[]string](unoutlined)); len(bare) > 0 {
		a.t.Errorf("%s: focused, these show no outline: %s", page, strings.Join(bare, " "))
	}
	for _, v := range violations {
		report := fmt.Sprintf("%s: %s (%s) %s: %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, " | "))
		if v.Impact == "serious" || v.Impact == "critical" {
			a.t.Error(report)
		} else {
			a.t.Log(report)
		}
	}
}

// visit opens path and audits it when it answers 200. Any other final status fails the test:
// every path visited is a link a page showed its visitor, or a page the test opens on purpose.
// It returns where the browser ended and whether it audited.
func (a *auditor) visit(browser context.Context, path string) (string, bool) {
	a.t.Helper()
	response := read(a.t, browser, path, chromedp.NavigateResponse(a.p.url+path))
	status := 0
	if response != nil {
		status = int(response.Status)
	}
	if status != http.StatusOK {
		a.t.Errorf("%s answered %d: a page links to it, or the test opens it, and it does not work", path, status)
		return "", false
	}
	location, err := url.Parse(read(a.t, browser, "location", chromedp.Location()))
	if err != nil {
		a.t.Fatal(err)
	}
	a.audit(browser, path)
	return location.RequestURI(), true
}

// pageLinks are the same-origin links of the navigation and the main content, without the
// language switch (audited as ?lang=fr), static files and the API.
const pageLinks = `[...document.querySelectorAll('nav a[href], main a[href]')]
	.filter(a => a.id !== 'language-switch' && a.origin === location.origin)
	.map(a => a.pathname + a.search)`

// idSegment and queryValue are what a path's shape leaves out: ids, and query values.
var (
	idSegment  = regexp.MustCompile(`/[^/]*[0-9][^/?]{7,}`)
	queryValue = regexp.MustCompile(`=[^&]*`)
)

const (
	maxPagesPerRole = 80
	// maxPagesPerShape bounds the pages of one path pattern (one per id): a firm's four
	// missions, four traces.
	maxPagesPerShape = 4
)

// crawl audits the seeds and every page their links lead to, in English, then one page of each
// shape again in French.
func (a *auditor) crawl(browser context.Context, seeds ...string) {
	a.t.Helper()
	queue := slices.Clone(seeds)
	seen, shapes := map[string]bool{}, map[string]int{}
	var audited, french []string
	for len(queue) > 0 && len(audited) < maxPagesPerRole {
		path := queue[0]
		queue = queue[1:]
		shape := queryValue.ReplaceAllString(idSegment.ReplaceAllString(path, "/*"), "=*")
		if seen[path] || shapes[shape] >= maxPagesPerShape || strings.HasPrefix(path, "/static/") ||
			strings.HasPrefix(path, "/v1/") || path == "/signout" {
			continue
		}
		seen[path] = true
		landed, ok := a.visit(browser, path)
		if !ok || (landed != path && seen[landed]) {
			continue
		}
		seen[landed] = true
		if shapes[shape]++; shapes[shape] == 1 {
			french = append(french, path)
		}
		audited = append(audited, path)
		queue = append(queue, read(a.t, browser, "links of "+path, chromedp.Evaluate[[]string](pageLinks))...)
	}
	// The bound must not hide a page: what is left unvisited is a page never audited.
	var left []string
	for _, path := range queue {
		shape := queryValue.ReplaceAllString(idSegment.ReplaceAllString(path, "/*"), "=*")
		if !seen[path] && shapes[shape] < maxPagesPerShape && !strings.HasPrefix(path, "/static/") &&
			!strings.HasPrefix(path, "/v1/") && path != "/signout" && !slices.Contains(left, path) {
			left = append(left, path)
		}
	}
	if len(left) > 0 {
		a.t.Errorf("the crawl stopped at %d pages with %q left unaudited: raise maxPagesPerRole", len(audited), left)
	}
	for _, path := range french {
		separator := "?"
		if strings.Contains(path, "?") {
			separator = "&"
		}
		a.visit(browser, path+separator+"lang=fr")
	}
	a.visit(browser, "/?lang=en")
	a.t.Logf("audited in English: %s; in French: %s", strings.Join(audited, " "), strings.Join(french, " "))
}

// auditForm audits the page a form submission led to, once selector shows.
func (a *auditor) auditForm(browser context.Context, page, selector string, steps ...chromedp.Action[chromedp.Void]) {
	a.t.Helper()
	do(a.t, browser, page, append(steps, chromedp.WaitVisible(chromedp.CSS(selector)))...)
	a.audit(browser, page)
}

// auditRefusal sends the form (a CSS selector) of the page at path empty, and audits the page
// that shows the refusal; a form that refuses nothing is logged, and its answer audited too.
func (a *auditor) auditRefusal(browser context.Context, path, form string) {
	a.t.Helper()
	do(a.t, browser, path, chromedp.Navigate(a.p.url+path), chromedp.Click(chromedp.CSS(form+" button[type=submit]")))
	wait, cancel := context.WithTimeout(browser, 5*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS(".field-error, .error"))); err != nil {
		a.t.Logf("%s: the empty %s shows no refusal: %v", path, form, err)
	}
	a.audit(browser, path+" "+form+" refused")
}

// TestEveryPageIsAccessible signs in as each role (anonymous, a firm with a staffed mission,
// an offered one, an open shortlist and a mission nobody fits, the consultant staffed and
// offered, an operator), follows every link of the navigation and the pages' content, and
// audits each page with axe-core in English and French, with the forms' refusals shown too: no
// serious or critical violation, and every control outlined when focused.
func TestEveryPageIsAccessible(t *testing.T) {
	axe := requireAxe(t)
	chromium := requireChromium(t)
	p := startPlatform(t, t.TempDir())
	a := &auditor{t: t, p: p, axe: axe, audits: new(int)}
	started := time.Now()

	p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "OPERATOR", "name": "Duty Operator", "email": "duty@caiomatch.example"})
	firmToken := str(p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "FIRM", "name": "Acme Pharma", "email": "buyer@acme.example"}), "token")
	var consultantEmail, consultantToken string
	for i := range 3 {
		name := fmt.Sprintf("Consultant %d", i)
		profile := profileBody(name, nil)
		account := p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "CONSULTANT", "name": name, "email": profile["email"]})
		p.mustCall("POST", "/v1/profiles", str(account, "token"), profile)
		if i == 0 {
			consultantEmail, consultantToken = profile["email"].(string), str(account, "token")
		}
	}
	time.Sleep(300 * time.Millisecond) // matching sees the profiles before the missions
	// The firm's missions: one staffed by the consultant, one offered to them a year later, one
	// open to offers at that time, and one nobody fits (its diagnostics suggest widening).
	mission := func(title string, mutate func(map[string]any)) string {
		return str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(func(b map[string]any) {
			b["title"], b["startDate"] = title, missionStart.AddDate(0, 13, 0).Format(time.DateOnly)
			if mutate != nil {
				mutate(b)
			}
		})), "mission", "id")
	}
	staffed := mission("Transition CAIO to launch our AI programme", func(b map[string]any) { b["startDate"] = missionStart.Format(time.DateOnly) })
	offered, open := mission("A CAIO for the year after", nil), mission("Another CAIO for the year after", nil)
	nobodyFits := mission("A mission over everyone's budget", func(b map[string]any) { b["maxDailyRateEur"] = 900 })
	offerTo := func(missionID string) string {
		for _, id := range waitShortlist(t, p, missionID, firmToken, 1) {
			if str(p.mustCall("GET", "/v1/profiles/"+id, operatorToken, nil), "profile", "email") == consultantEmail {
				return str(makeOffer(t, p, missionID, id, firmToken), "offer", "id")
			}
		}
		t.Fatalf("%s is not on the shortlist of %s", consultantEmail, missionID)
		return ""
	}
	accepted := offerTo(staffed)
	offerTo(offered)
	p.mustCall("POST", "/v1/offers/"+accepted+"/accept", consultantToken, map[string]any{})
	waitShortlist(t, p, open, firmToken, 1)
	trace := submissionTrace(t, p)

	t.Run("anonymous", func(t *testing.T) {
		a := a.on(t)
		browser := newBrowser(t, chromium)
		a.crawl(browser, "/", "/signin", "/signup")
		a.auditForm(browser, "sign-in refused", ".field-error, .error", chromedp.Navigate(p.url+"/signin"),
			chromedp.SendKeys(chromedp.ID("email"), "not an address"), chromedp.Submit(chromedp.ID("email")))
		a.auditForm(browser, "sign-up refused", ".field-error, .error", chromedp.Navigate(p.url+"/signup?lang=fr"),
			chromedp.Submit(chromedp.ID("email")))
		a.auditForm(browser, "sign-up code", "#code", chromedp.Click(chromedp.CSS(`input[name=role][value=FIRM]`)),
			chromedp.SendKeys(chromedp.ID("name"), "Nova Retail"), chromedp.SendKeys(chromedp.ID("email"), "cto@nova.example"),
			chromedp.Submit(chromedp.ID("email")))
		a.auditForm(browser, "sign-up code refused", ".field-error, .error",
			chromedp.SendKeys(chromedp.ID("code"), "000000"), chromedp.Submit(chromedp.ID("code")))
		code := mailedLink(t, p, "cto@nova.example", signUpCode)
		a.auditForm(browser, "sign-up done", "main p[role=status]",
			chromedp.SetValue(chromedp.ID("code"), code), chromedp.Submit(chromedp.ID("code")))
		a.auditForm(browser, "sign-in link", "form button[type=submit]",
			chromedp.Navigate(p.url+mailedLink(t, p, "cto@nova.example", signInLink)))
		a.auditForm(browser, "home awaiting approval", ".notice", chromedp.Click(chromedp.CSS("form button[type=submit]")))
		a.auditForm(browser, "sign-in link sent", "#link-sent", chromedp.Navigate(p.url+"/signin?lang=en"),
			chromedp.SendKeys(chromedp.ID("email"), "someone@example.org"), chromedp.Submit(chromedp.ID("email")))
	})

	t.Run("firm", func(t *testing.T) {
		a := a.on(t)
		browser := newBrowser(t, chromium)
		signInByLink(t, p, browser, "buyer@acme.example", `a[href="/missions"]`)
		a.crawl(browser, "/", "/missions/"+staffed, "/missions/"+offered, "/missions/"+open, "/missions/"+nobodyFits, "/missions/new", "/notifications")
		// The refusal is said beside the field and, with a link to it, at the top.
		a.auditForm(browser, "new-mission form refused", `[role=alert] a[href="#startDate"]`, chromedp.Navigate(p.url+"/missions/new"),
			chromedp.SendKeys(chromedp.ID("title"), "A mission that starts in the past"),
			chromedp.SetValue(chromedp.ID("startDate"), time.Now().AddDate(0, 0, -2).Format(time.DateOnly)),
			chromedp.Submit(chromedp.ID("title")))
		if !read(t, browser, "the start date's problem", chromedp.Evaluate[bool](`!!document.querySelector('#startDate[aria-describedby="startDate-error"] + #startDate-error')`)) {
			t.Error("the refused start date's problem is not beside the field")
		}
		a.auditForm(browser, "offer form refused", ".candidate details[open] .field-error, .candidate details[open] .error",
			chromedp.Navigate(p.url+"/missions/"+open), chromedp.Click(chromedp.CSS(".candidate details summary")),
			chromedp.SendKeys(chromedp.CSS(`.candidate details input[name=dailyRateEur]`), "-5"),
			chromedp.Click(chromedp.CSS(".candidate details button[type=submit]")))
		a.auditRefusal(browser, "/settings", `form[action="/settings/tokens"]`)
		a.auditRefusal(browser, "/settings", `form[action="/settings/webhooks"]`)
		if status := int(read(t, browser, "an unknown mission", chromedp.NavigateResponse(p.url+"/missions/0000-not-a-mission")).Status); status != http.StatusNotFound {
			t.Errorf("an unknown mission's page answered %d, want 404", status)
		}
		a.audit(browser, "error page")

		// A newer shortlist reaches the open page of the mission nobody fitted: the status region,
		// which stays on the page while its content changes, says so (a region swapped whole would
		// be new to a screen reader, and not announced).
		do(t, browser, "the mission nobody fits", chromedp.Navigate(p.url+"/missions/"+nobodyFits),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('shortlist-news').dataset.kept = 'yes'`))
		_, token := p.createAccount("CONSULTANT", "Consultant 3")
		p.mustCall("POST", "/v1/profiles", token, profileBody("Consultant 3", func(b map[string]any) { b["dailyRateEur"] = 850 }))
		eventually(t, 15*time.Second, "the newer shortlist said on the open page", func() bool {
			return read(t, browser, "news", chromedp.Evaluate[bool](`(e => e.dataset.kept === 'yes' && e.getAttribute('role') === 'status' &&
				e.textContent.trim() !== '')(document.getElementById('shortlist-news'))`))
		})
		a.audit(browser, "mission page after a newer shortlist")
	})

	t.Run("consultant", func(t *testing.T) {
		a := a.on(t)
		browser := newBrowser(t, chromium)
		signInByLink(t, p, browser, consultantEmail, `a[href="/offers"]`)
		a.crawl(browser, "/", "/offers", "/notifications")
		a.auditForm(browser, "decline refused", "details.decline .field-error", chromedp.Navigate(p.url+"/offers"),
			chromedp.Click(chromedp.CSS("details.decline summary")), chromedp.Click(chromedp.CSS("details.decline button[type=submit]")))
		a.auditRefusal(browser, "/profile", "form.booking-form")
	})

	t.Run("operator", func(t *testing.T) {
		a := a.on(t)
		browser := newBrowser(t, chromium)
		signInByLink(t, p, browser, "duty@caiomatch.example", `a[href="/ops/accounts"]`)
		a.crawl(browser, "/", "/ops/traces/"+trace, "/ops/accounts", "/ops/traces", "/ops/exposure", "/ops/mailbox")
		a.auditRefusal(browser, "/ops/plans", "form.plan-chosen")
		a.auditForm(browser, "a staffing plan", "main h1", chromedp.Navigate(p.url+"/ops/plans"), chromedp.Click(chromedp.ID("plan-all")),
			chromedp.WaitNotPresent(chromedp.ID("plan-all")))
	})
	t.Logf("audited %d pages in %s", *a.audits, time.Since(started).Round(time.Millisecond))
}

// submissionTrace is the id of a mission submission's trace that reached matching.
func submissionTrace(t *testing.T, p *platform) string {
	t.Helper()
	var id string
	eventually(t, 5*time.Second, "a submission's trace", func() bool {
		for _, tr := range list(p.mustCall("GET", "/v1/ops/traces?limit=200", operatorToken, nil), "traces") {
			summary := tr.(map[string]any)
			if summary["rootName"] == "POST /v1/missions" && slices.Contains(list(summary, "services"), any("matching")) {
				id = str(summary, "traceId")
			}
		}
		return id != ""
	})
	return id
}

// TestFirmSubmitsAMissionWithTheKeyboard: with the keyboard only, a firm skips to the content,
// goes from the navigation to the new-mission form, fills it and submits it; the skip link is
// the first stop and every focused control shows an outline.
func TestFirmSubmitsAMissionWithTheKeyboard(t *testing.T) {
	chromium := requireChromium(t)
	p := startPlatform(t, t.TempDir())
	browser := newBrowser(t, chromium)
	p.mustCall("POST", "/v1/accounts", operatorToken, map[string]any{"role": "FIRM", "name": "Acme Pharma", "email": "buyer@acme.example"})
	signInByLink(t, p, browser, "buyer@acme.example", `a[href="/missions"]`)
	do(t, browser, "home", chromedp.Navigate(p.url+"/"), chromedp.KeyEvent(kb.Tab))
	focused := func() string {
		return read(t, browser, "focus", chromedp.Evaluate[string](`(e => e.id || e.getAttribute('href') || e.name || e.tagName)(document.activeElement)`))
	}
	if first := read(t, browser, "first stop", chromedp.Evaluate[bool](`document.activeElement.matches('a.skip[href="#main"]')`)); !first {
		t.Errorf("the first Tab stops on %q, want the skip link", focused())
	}
	// The focused element shows an outline, and the skip link comes into view.
	visible := `(e => { const s = getComputedStyle(e), r = e.getBoundingClientRect();
		return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && r.left >= 0 && r.top >= 0 })(document.activeElement)`
	outlined := func(what string) {
		t.Helper()
		if !read(t, browser, "focus outline", chromedp.Evaluate[bool](visible)) {
			t.Errorf("%s has the focus but no visible outline", what)
		}
	}
	outlined("the skip link")
	// The skip link leads the next Tab into the content.
	do(t, browser, "skip", chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Tab))
	if !read(t, browser, "focus in main", chromedp.Evaluate[bool](`document.querySelector('main').contains(document.activeElement)`)) {
		t.Errorf("after the skip link, Tab goes to %q, outside the content", focused())
	}
	do(t, browser, "home again", chromedp.Navigate(p.url+"/"))
	// tabTo presses Tab until selector has the focus.
	tabTo := func(selector string) {
		t.Helper()
		for range 60 {
			if read(t, browser, "focus", chromedp.Evaluate[bool](`document.activeElement.matches('`+selector+`')`)) {
				outlined(selector)
				return
			}
			do(t, browser, "Tab", chromedp.KeyEvent(kb.Tab))
		}
		t.Fatalf("Tab never reaches %s (focus on %q)", selector, focused())
	}
	// choose presses the down arrow on the focused list until it holds value.
	choose := func(value string) {
		t.Helper()
		for range 300 {
			if read(t, browser, "choice", chromedp.Evaluate[string](`document.activeElement.value`)) == value {
				return
			}
			do(t, browser, "ArrowDown", chromedp.KeyEvent(kb.ArrowDown))
		}
		t.Fatalf("the arrow keys never choose %s in %q", value, focused())
	}
	tabTo(`nav a[href="/missions"]`)
	do(t, browser, "Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`main a[href="/missions/new"]`)))
	tabTo(`main a[href="/missions/new"]`)
	do(t, browser, "Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("title")))

	type key struct{ selector, keys string }
	start := missionStart.Format("01022006") // a date field takes the month, day and year in English
	for _, k := range []key{
		{"#title", "Keyboard CAIO"}, {"#sector", ""}, {"#missionType", ""},
		{`#requiredSkills input[value="ai-strategy"]`, " "}, {"#startDate", start}, {"#durationMonths", "12"},
		{"#maxDailyRateEur", "1500"}, {"#minYearsExperience", "10"}, {`#languages input[value="fr"]`, " "}, {"#workMode", ""}, {"#location-country", "FR"}, {"#location-city", "Lyon"},
	} {
		tabTo(k.selector)
		switch k.selector {
		case "#sector":
			choose("C21")
		case "#missionType":
			choose("MISSION_TYPE_TRANSFORMATION_LAUNCH")
		case "#workMode":
			choose("WORK_MODE_HYBRID")
		default:
			do(t, browser, "type into "+k.selector, chromedp.KeyEvent(k.keys))
		}
	}
	if got := read(t, browser, "start date", chromedp.Evaluate[string](`document.getElementById('startDate').value`)); got != missionStart.Format(time.DateOnly) {
		t.Errorf("the start date typed reads %q, want %s", got, missionStart.Format(time.DateOnly))
	}
	tabTo(`form.mission-form button[type=submit]`)
	do(t, browser, "submit", chromedp.KeyEvent(kb.Enter))
	var location string
	eventually(t, 10*time.Second, "the page after the submission", func() bool {
		location = read(t, browser, "location", chromedp.Location())
		return location != p.url+"/missions/new"
	})
	do(t, browser, "the page after the submission", chromedp.WaitVisible(chromedp.CSS("main h1")))
	if id, ok := strings.CutPrefix(location, p.url+"/missions/"); !ok || id == "" {
		problems := read(t, browser, "problems", chromedp.Evaluate[[]string](`[...document.querySelectorAll('.error, .field-error')].map(e => e.textContent)`))
		t.Fatalf("after the keyboard's submission the browser is at %s, want the new mission's page; problems: %q", location, problems)
	}
	if title := read(t, browser, "h1", chromedp.Text(chromedp.CSS("main h1"))); title != "Keyboard CAIO" {
		t.Errorf("the new mission's page is headed %q", title)
	}
}
