package accounts

import (
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/catalogue"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

func TestBothCataloguesHoldTheSameMessages(t *testing.T) {
	if err := catalogue.Check(catalogues, "messages"); err != nil {
		t.Fatal(err)
	}
}

func TestEveryEmailIsWrittenInBothLanguagesWithATextAndAnHTMLPart(t *testing.T) {
	link := "https://caiomatch.example/v1/sessions/callback?token=abc&x=<y>"
	for _, l := range locale.Supported {
		for _, id := range []string{"SignUpCode", "SignUpKnown", "SignUpLocked", "SignIn"} {
			msg, err := compose(l, id, "claire@example.com", emailData{Code: "042042", Link: link, Minutes: 30})
			if err != nil {
				t.Fatalf("%s in %s: %v", id, l, err)
			}
			if msg.Subject == "" || msg.Text == "" || msg.HTML == "" || msg.ID == "" || msg.To != "claire@example.com" {
				t.Errorf("%s in %s: %+v", id, l, msg)
			}
			if id == "SignUpCode" && (!strings.Contains(msg.Text, "042042") || !strings.Contains(msg.HTML, "042042")) {
				t.Errorf("%s in %s lacks the code", id, l)
			}
			if id == "SignIn" && (!strings.Contains(msg.Text, link) || !strings.Contains(msg.HTML, `href="https://caiomatch.example/v1/sessions/callback?token=abc&amp;x=%3cy%3e"`)) {
				t.Errorf("%s in %s: the link is missing or unescaped:\n%s", id, l, msg.HTML)
			}
		}
	}
	fr, _ := compose(locale.French, "SignUpCode", "c@example.com", emailData{Code: "1", Minutes: 30})
	en, _ := compose(locale.English, "SignUpCode", "c@example.com", emailData{Code: "1", Minutes: 30})
	if fr.Subject == en.Subject || !strings.Contains(fr.Text, "Bonjour") {
		t.Errorf("French %q, English %q", fr.Subject, en.Subject)
	}
}

func TestTheSignInPageIsAFormThatPostsTheLinkBackInBothLanguages(t *testing.T) {
	for _, l := range locale.Supported {
		page, err := SignInPage(l, `cm_abc"><script>`)
		if err != nil {
			t.Fatal(err)
		}
		html := string(page)
		if !strings.Contains(html, `<form method="post" action="`+SignInPath+`">`) ||
			!strings.Contains(html, `name="token" value="cm_abc&#34;&gt;&lt;script&gt;"`) || !strings.Contains(html, `lang="`+string(l)+`"`) ||
			strings.Contains(html, "style=") || !strings.Contains(html, `<link rel="stylesheet" href="/static/site.css">`) {
			t.Errorf("the page in %s:\n%s", l, html)
		}
	}
}
