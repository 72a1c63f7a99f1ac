package app

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"

	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// emailOf writes a notification's email in its account's language: the body, a link to what
// it is about and one to the account's preferences (when the platform's public address is
// known), and the footer; as plain text and as HTML.
func (a *Application) emailOf(id string, acc domain.Account, n domain.Notification) Email {
	text := domain.TextOf(n, acc.Language)
	about, preferences := a.links(acc.ID, n)
	var plain strings.Builder
	plain.WriteString(text.Body + "\n")
	if about != "" {
		plain.WriteString("\n" + text.OpenLabel + ": " + about + "\n")
	}
	plain.WriteString("\n-- \n" + text.EmailFooter + "\n")
	if preferences != "" {
		plain.WriteString(text.PreferencesLabel + ": " + preferences + "\n")
	}
	var html bytes.Buffer
	if err := emailHTML.Execute(&html, map[string]string{"Title": text.Title, "Body": text.Body, "Footer": text.EmailFooter,
		"Open": text.OpenLabel, "About": about, "PreferencesLabel": text.PreferencesLabel, "Preferences": preferences}); err != nil {
		html.Reset() // the template is fixed and its data strings: only a write could fail, and a buffer does not
	}
	return Email{ID: id, To: acc.Email, Subject: text.Title, Text: plain.String(), HTML: html.String()}
}

// links are the addresses of what n is about (its offers for an offer, else its mission) and
// of the account's preferences, under the public URL; none without it.
func (a *Application) links(accountID string, n domain.Notification) (about, preferences string) {
	base := strings.TrimRight(a.cfg.PublicURL, "/")
	if base == "" {
		return "", ""
	}
	switch {
	case n.OfferID != "":
		about = base + "/offers"
	case n.MissionID != "":
		// The pages (gateway/pages): the offers, the firm's mission; preferences have none yet.
		about = base + "/missions/" + url.PathEscape(n.MissionID)
	}
	return about, base + "/v1/accounts/" + url.PathEscape(accountID)
}

// emailHTML escapes everything it is given (titles are typed by firms).
var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif;line-height:1.4">
<p>{{.Body}}</p>
{{if .About}}<p><a href="{{.About}}">{{.Open}}</a></p>{{end}}
<hr>
<p style="color:#666;font-size:small">{{.Footer}}{{if .Preferences}} <a href="{{.Preferences}}">{{.PreferencesLabel}}</a>{{end}}</p>
</body></html>
`))
