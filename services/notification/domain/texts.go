package domain

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/caiomatch/caiomatch/pkg/catalogue"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

//go:embed messages/*.toml
var catalogues embed.FS

var bundle = catalogue.Lazy("notification texts", catalogues, "messages")

// Text is what a notification says: its title, its body, and the footer of its email with the
// labels of its links (to what the notification is about, and to the email preferences).
type Text struct {
	Title, Body, EmailFooter    string
	OpenLabel, PreferencesLabel string
}

// TextOf writes n in lang (the platform's default language when it speaks no other).
func TextOf(n Notification, lang locale.Language) Text {
	if !slices.Contains(locale.Supported, lang) {
		lang = locale.Default
	}
	l := i18n.NewLocalizer(bundle(), string(lang))
	say := func(id string, data map[string]any) string {
		s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
		if err != nil {
			panic(fmt.Sprintf("notification texts: %s: %v", id, err)) // every id is tested in both languages
		}
		return s
	}
	f := n.Facts
	mission := f.MissionTitle
	if strings.TrimSpace(mission) == "" {
		mission = say("UntitledMission", nil)
	}
	data := map[string]any{
		"Mission": mission, "Firm": f.FirmName, "Rate": f.DailyRateEUR, "Counter": f.CounterRateEUR,
		"Expires": instant(f.ExpiresAt, lang), "EndDate": f.EndDate, "Candidates": f.Candidates, "Revision": f.Revision,
	}
	key := messageKey(n.Type, f)
	return Text{Title: say(key+"Title", data), Body: say(key+"Body", data), EmailFooter: say("EmailFooter", nil),
		OpenLabel: say("EmailOpen", nil), PreferencesLabel: say("EmailPreferences", nil)}
}

// messageKey is the catalogue prefix of a type's texts: "offer.made" is OfferMade.
func messageKey(t Type, f Facts) string {
	if t == TypeExtensionAnswered {
		if f.Accepted {
			return "ExtensionAccepted"
		}
		return "ExtensionDeclined"
	}
	var b strings.Builder
	for part := range strings.FieldsFuncSeq(string(t), func(r rune) bool { return r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// instant is a time as a reader of lang writes it, in UTC (the platform does not know the
// reader's time zone).
func instant(t time.Time, lang locale.Language) string {
	if t.IsZero() {
		return ""
	}
	if lang == locale.French {
		return t.UTC().Format("02/01/2006 à 15:04 UTC")
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}
