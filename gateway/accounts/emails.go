package accounts

import (
	"bytes"
	"embed"
	"html/template"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/caiomatch/caiomatch/pkg/catalogue"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/mail"
)

//go:embed messages/*.toml
var catalogues embed.FS

var bundle = catalogue.Lazy("accounts", catalogues, "messages")

// emailData is what the email templates may use.
type emailData struct {
	Code    string
	Link    string
	Minutes int
}

// htmlBody is the HTML alternative: the text's paragraphs, the link as a button-like anchor.
var htmlBody = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><body style="font-family:sans-serif;line-height:1.5">
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{if .Link}}<p><a href="{{.Link}}" style="display:inline-block;padding:8px 16px;background:#1f4fd1;color:#fff;text-decoration:none;border-radius:4px">{{.Action}}</a></p>
{{end}}</body></html>`))

// compose writes the email named id (its Subject and Text messages) in lang to to.
func compose(lang locale.Language, id, to string, d emailData) (mail.Message, error) {
	loc := i18n.NewLocalizer(bundle(), string(lang))
	text := func(msgID string) (string, error) {
		return loc.Localize(&i18n.LocalizeConfig{MessageID: msgID, TemplateData: d})
	}
	subject, err := text(id + "Subject")
	if err != nil {
		return mail.Message{}, err
	}
	body, err := text(id + "Text")
	if err != nil {
		return mail.Message{}, err
	}
	view := struct {
		Lang         string
		Paragraphs   []string
		Link, Action string
	}{Lang: string(lang), Link: d.Link}
	for _, p := range strings.Split(body, "\n\n") {
		if d.Link != "" && strings.Contains(p, d.Link) {
			p = strings.TrimSpace(strings.ReplaceAll(p, d.Link, ""))
		}
		view.Paragraphs = append(view.Paragraphs, p)
	}
	if d.Link != "" {
		if view.Action, err = text("SignInAction"); err != nil {
			return mail.Message{}, err
		}
	}
	var html bytes.Buffer
	if err := htmlBody.Execute(&html, view); err != nil {
		return mail.Message{}, err
	}
	return mail.Message{ID: mail.NewMessageID(""), To: to, Subject: subject, Text: body, HTML: html.String()}, nil
}
