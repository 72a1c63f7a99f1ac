package accounts

import (
	"bytes"
	"html/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/caiomatch/caiomatch/pkg/locale"
)

// signInPage, styled by the pages' stylesheet, asks for a press of a button, which posts the link's secret back: only then is the
// link spent. A mail scanner that fetches links, or a page that embeds one, spends nothing.
var signInPage = template.Must(template.New("sign-in").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>{{.Title}}</title><link rel="stylesheet" href="/static/site.css"></head>
<body><main id="main" class="narrow">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="token" value="{{.Secret}}">
<button type="submit">{{.Button}}</button>
</form>
</main></body></html>`))

// SignInPage is the page a sign-in link opens, in lang: a form that posts secret to SignInPath.
func SignInPage(lang locale.Language, secret string) ([]byte, error) {
	loc := i18n.NewLocalizer(bundle(), string(lang))
	view := struct{ Lang, Title, Text, Button, Action, Secret string }{Lang: string(lang), Action: SignInPath, Secret: secret}
	for _, m := range []struct {
		id  string
		dst *string
	}{{"SignInPageTitle", &view.Title}, {"SignInPageText", &view.Text}, {"SignInAction", &view.Button}} {
		text, err := loc.Localize(&i18n.LocalizeConfig{MessageID: m.id})
		if err != nil {
			return nil, err
		}
		*m.dst = text
	}
	var page bytes.Buffer
	if err := signInPage.Execute(&page, view); err != nil {
		return nil, err
	}
	return page.Bytes(), nil
}
