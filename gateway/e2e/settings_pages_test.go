package e2e

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/notification/service/webhooktest"
)

// pageClient is a program using the web pages as a browser would, without a browser: it
// keeps cookies, signs in by its bearer token, and does not follow redirects (it reads them).
type pageClient struct {
	t      *testing.T
	p      *platform
	token  string
	client *http.Client
}

func newPageClient(t *testing.T, p *platform, token string) *pageClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &pageClient{t: t, p: p, token: token, client: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a page's answer: status, body and where a redirect goes.
type page struct {
	status   int
	body     string
	location string
}

func (c *pageClient) do(method, path string, form url.Values) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.p.url+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location")}
}

func (c *pageClient) get(path string) page { c.t.Helper(); return c.do(http.MethodGet, path, nil) }

func (c *pageClient) post(path string, form url.Values) page {
	c.t.Helper()
	return c.do(http.MethodPost, path, form)
}

// expect fails the test unless the page has the status and holds every text of want.
func (pg page) expect(t *testing.T, what string, status int, want ...string) {
	t.Helper()
	if pg.status != status {
		t.Fatalf("%s: status %d, want %d: %.600s", what, pg.status, status, pg.body)
	}
	for _, text := range want {
		if !strings.Contains(pg.body, text) {
			t.Errorf("%s lacks %q", what, text)
		}
	}
}

// redirects fails the test unless the page is a redirect to a location matching pattern, and
// returns the pattern's first group.
func (pg page) redirects(t *testing.T, what, pattern string) string {
	t.Helper()
	m := regexp.MustCompile("^" + pattern + "$").FindStringSubmatch(pg.location)
	if pg.status != http.StatusSeeOther || m == nil {
		t.Fatalf("%s: %d to %q, want a redirect to %s: %.600s", what, pg.status, pg.location, pattern, pg.body)
	}
	if len(m) > 1 {
		return m[1]
	}
	return ""
}

// find is pattern's first group in the page's body.
func (pg page) find(t *testing.T, what, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(pg.body)
	if m == nil {
		t.Fatalf("%s: nothing matches %s", what, pattern)
	}
	return m[1]
}

func bookedDay(date string, day int) string {
	return fmt.Sprintf(`<td class="day booked"><time datetime="%s">%d</time>`, date, day)
}

// TestProfileAndSettingsPages drives the consultant's profile editor and the settings page of
// the running platform over HTTP, as a consultant and as another one.
func TestProfileAndSettingsPages(t *testing.T) {
	p := startPlatformWithLocalWebhooks(t)
	accountID, token := p.createAccount("CONSULTANT", "Claire Martin")
	_, otherToken := p.createAccount("CONSULTANT", "Other Consultant")
	claire, other := newPageClient(t, p, token), newPageClient(t, p, otherToken)

	// No profile yet: the editor creates one; a skill without level is refused beside its row.
	claire.get("/profile").expect(t, "the creation form", http.StatusOK, `action="/profile"`, `value="Claire Martin"`)
	available := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	form := url.Values{"displayName": {"Claire Martin"}, "email": {"claire.martin@example.org"}, "headline": {"Interim CAIO"},
		"yearsExperience": {"15"}, "location.country": {"FR"}, "location.city": {"Lyon"}, "workMode": {"WORK_MODE_HYBRID"},
		"dailyRateEur": {"1200"}, "availableFrom": {available}, "sectors": {"C21", "R86"}, "languages": {"fr", "en"},
		"skillRows": {"5"}, "skill-0": {"ai-strategy"}, "level-0": {"5"}, "skill-1": {"mlops"}, "level-1": {""}}
	claire.post("/profile", form).expect(t, "a skill without level", http.StatusUnprocessableEntity,
		`<span class="field-error" id="level-1-error">`, `aria-describedby="level-1-error"`)
	form.Set("level-1", "3")
	id := claire.post("/profile", form).redirects(t, "the creation", `/profile/([^/?]+)\?saved=1`)
	if got := p.mustCall("GET", "/v1/profiles/"+id, token, nil); str(got, "profile", "displayName") != "Claire Martin" {
		t.Fatalf("the API's profile %v", got)
	}

	// The navigation's link opens it again; an edit adds a skill with its level.
	claire.get("/profile").expect(t, "the editor", http.StatusOK, `action="/profile/`+id+`"`, `<option value="mlops" selected>`)
	if p.call("GET", "/v1/profiles", token, nil).status == http.StatusOK {
		// Where the API lists a consultant's profiles, another browser finds it too.
		newPageClient(t, p, token).get("/profile").expect(t, "the editor in another browser", http.StatusOK, `action="/profile/`+id+`"`)
	}
	form.Set("dailyRateEur", "1350")
	form.Set("skill-2", "nlp")
	form.Set("level-2", "4")
	claire.post("/profile/"+id, form).redirects(t, "the edit", `/profile/`+id+`\?saved=1`)
	got := p.mustCall("GET", "/v1/profiles/"+id, token, nil)
	skills := list(got["profile"].(map[string]any), "skills")
	if str(got, "profile", "dailyRateEur") != "1350" || len(skills) != 3 || str(skills[2].(map[string]any), "level") != "4" {
		t.Errorf("the edited profile %v", got)
	}

	// A booking across the end of a month shows on both months' calendars.
	next := time.Now().UTC().AddDate(0, 2, 0)
	monthEnd := time.Date(next.Year(), next.Month()+1, 0, 0, 0, 0, 0, time.UTC)
	start, end := monthEnd.AddDate(0, 0, -1), monthEnd.AddDate(0, 0, 2)
	claire.post("/profile/"+id+"/bookings", url.Values{"startDate": {end.Format(time.DateOnly)}, "endDate": {start.Format(time.DateOnly)}}).
		expect(t, "a booking that ends before it starts", http.StatusUnprocessableEntity, `<span class="field-error" id="booking-endDate-error">`)
	to := claire.post("/profile/"+id+"/bookings", url.Values{"startDate": {start.Format(time.DateOnly)}, "endDate": {end.Format(time.DateOnly)}}).
		redirects(t, "the booking", `(/profile/`+id+`\?saved=1&month=`+start.Format("2006-01")+`)`)
	first := claire.get(to)
	first.expect(t, "the booking's first month", http.StatusOK, bookedDay(start.Format(time.DateOnly), start.Day()),
		bookedDay(monthEnd.Format(time.DateOnly), monthEnd.Day()), `href="?month=`+end.Format("2006-01")+`" rel="next"`)
	claire.get("/profile/"+id+"?month="+end.Format("2006-01")).expect(t, "the booking's second month", http.StatusOK,
		bookedDay(end.AddDate(0, 0, -1).Format(time.DateOnly), end.Day()-1), bookedDay(end.Format(time.DateOnly), end.Day()),
		`<td class="day"><time datetime="`+end.AddDate(0, 0, 1).Format(time.DateOnly)+`">`)
	if bookings := list(p.mustCall("GET", "/v1/profiles/"+id, token, nil)["profile"].(map[string]any), "bookings"); len(bookings) != 1 {
		t.Errorf("the API's bookings %v", bookings)
	}

	// Another consultant gets the API's 404, reading or changing.
	for _, try := range []page{other.get("/profile/" + id), other.post("/profile/"+id, form),
		other.post("/profile/"+id+"/bookings", url.Values{"startDate": {"2027-01-01"}, "endDate": {"2027-01-02"}})} {
		try.expect(t, "another consultant", http.StatusNotFound)
	}
	other.get("/profile").expect(t, "the other consultant's own editor", http.StatusOK, `action="/profile"`, `value="Other Consultant"`)

	// The booking is removed with its button.
	claire.post("/profile/"+id+"/bookings/remove", url.Values{"startDate": {start.Format(time.DateOnly)}, "endDate": {end.Format(time.DateOnly)},
		"month": {start.Format("2006-01")}}).redirects(t, "the removal", `/profile/`+id+`\?saved=1&month=`+start.Format("2006-01"))
	if strings.Contains(claire.get(to).body, "day booked") {
		t.Error("the removed booking still shows")
	}

	// A token: its secret shows once, works, and stops working once revoked.
	created := claire.post("/settings/tokens", url.Values{"name": {"ats-sync"}, "expiresInDays": {"30"}})
	created.expect(t, "the new token", http.StatusOK, "ats-sync")
	secret := created.find(t, "the new token", `<code id="new-token-secret">([^<]+)</code>`)
	if r := p.call("GET", "/v1/notifications", secret, nil); r.status != http.StatusOK {
		t.Fatalf("the new token: %d", r.status)
	}
	settings := claire.get("/settings")
	settings.expect(t, "the settings", http.StatusOK, "<td>ats-sync</td>")
	if strings.Contains(settings.body, secret) {
		t.Error("the token's secret shows again")
	}
	claire.post("/settings/tokens", url.Values{"name": {""}, "expiresInDays": {"30"}}).
		expect(t, "a token without name", http.StatusUnprocessableEntity, `<span class="field-error" id="token-name-error">`)
	tokenID := settings.find(t, "the token's revoke button", `(?s)<td>ats-sync</td>.*?action="/settings/tokens/([^/"]+)/revoke"`)
	claire.post("/settings/tokens/"+tokenID+"/revoke", url.Values{}).redirects(t, "the revocation", `/settings\?done=revoked`)
	if r := p.call("GET", "/v1/notifications", secret, nil); r.status != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d, want 401", r.status)
	}
	other.post("/settings/tokens/"+tokenID+"/revoke", url.Values{}).expect(t, "another's token", http.StatusNotFound)

	// A webhook: refused beside its URL, subscribed with its secret shown once, deleted.
	hook := webhooktest.Start(t, false)
	claire.post("/settings/webhooks", url.Values{"url": {"ftp://hooks.example.com"}, "events": {"offer.made"}}).
		expect(t, "a webhook to ftp", http.StatusUnprocessableEntity, `<span class="field-error" id="webhook-url-error">`, `value="offer.made" checked`)
	subscribed := claire.post("/settings/webhooks", url.Values{"url": {hook.URL + "/hooks"}, "events": {"offer.made", "offer.withdrawn"}})
	subscribed.expect(t, "the new webhook", http.StatusOK, `<code id="new-webhook-secret">whsec_`)
	// The receiver checks each delivery's signature with the secret the page showed.
	hook.SetSecret(html.UnescapeString(subscribed.find(t, "the webhook's secret", `<code id="new-webhook-secret">([^<]+)</code>`)))
	claire.get("/settings").expect(t, "the webhook listed", http.StatusOK, hook.URL+"/hooks", "<li>Offer made</li>", "Nothing was delivered yet.")

	// A firm's offer to Claire is delivered to the webhook; its settings show the delivery.
	_, firmToken := p.createAccount("FIRM", "Acme Pharma")
	missionID := str(p.mustCall("POST", "/v1/missions", firmToken, missionBody(func(b map[string]any) {
		b["requiredSkills"], b["niceToHaveSkills"] = []string{"ai-strategy"}, []string{"mlops"}
	})), "mission", "id")
	if !slices.Contains(waitShortlist(t, p, missionID, firmToken, 1), id) {
		t.Fatalf("Claire's profile is not on the shortlist of %s", missionID)
	}
	makeOffer(t, p, missionID, id, firmToken)
	eventually(t, 15*time.Second, "the delivery on the settings page", func() bool {
		settings = claire.get("/settings")
		return strings.Contains(settings.body, `<span class="status">delivered</span>`)
	})
	settings.expect(t, "the delivery", http.StatusOK, "<td>Offer made</td>", "HTTP 204")
	hookID := settings.find(t, "the webhook's delete button", `action="/settings/webhooks/([^/"]+)/delete"`)
	other.post("/settings/webhooks/"+hookID+"/delete", url.Values{}).expect(t, "another's webhook", http.StatusNotFound)
	claire.post("/settings/webhooks/"+hookID+"/delete", url.Values{}).redirects(t, "the deletion", `/settings\?done=deleted`)
	if hooks := list(p.mustCall("GET", "/v1/webhooks", token, nil), "webhooks"); len(hooks) != 0 {
		t.Errorf("webhooks after the deletion %v", hooks)
	}

	// Preferences: French and no emails; the pages then speak French, and English again after.
	claire.post("/settings/preferences", url.Values{"language": {"fr"}}).redirects(t, "the preferences", `/settings\?done=preferences`)
	account := p.mustCall("GET", "/v1/accounts/"+accountID, token, nil)
	if str(account, "account", "language") != "fr" || account["account"].(map[string]any)["emailNotifications"] == true {
		t.Errorf("the account after the preferences %v", account)
	}
	claire.get("/settings?done=preferences").expect(t, "the settings in French", http.StatusOK, `lang="fr"`,
		"Vos préférences sont enregistrées.", "Préférences de notification", `<option value="fr" lang="fr" selected>`)
	claire.get(to).expect(t, "the profile in French", http.StatusOK, "Compétences et niveaux", "Indisponibilités")
	claire.post("/settings/preferences", url.Values{"language": {"en"}, "emailNotifications": {"on"}}).redirects(t, "back to English", `/settings\?done=preferences`)
	claire.get("/settings").expect(t, "the settings in English", http.StatusOK, `lang="en"`, "Notification preferences",
		`name="emailNotifications" type="checkbox" value="on" checked>`)
	claire.get(to).expect(t, "the profile in English", http.StatusOK, "Skills and levels", "<caption>")
}
