package locale_test

import (
	"context"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/locale"
)

func TestNegotiate(t *testing.T) {
	cases := []struct {
		explicit, header string
		want             locale.Language
	}{
		{"", "", locale.English},
		{"fr", "", locale.French},
		{"FR", "en", locale.French},
		{"fr-CA", "", locale.French},
		{"de", "fr-FR,fr;q=0.9", locale.French},
		{"", "fr-FR,fr;q=0.9,en;q=0.8", locale.French},
		{"", "en-GB,en;q=0.9,fr;q=0.5", locale.English},
		{"", "de-DE,de;q=0.9", locale.English},
		{"", "de-DE,fr;q=0.3", locale.French},
		{"", "*", locale.English},
		{"", "fr-BE", locale.French},
		{"", "garbage;;q=x", locale.English},
		{"en", "fr", locale.English},
	}
	for _, tc := range cases {
		if got := locale.Negotiate(tc.explicit, tc.header); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.explicit, tc.header, got, tc.want)
		}
	}
}

func TestParse(t *testing.T) {
	for code, want := range map[string]bool{"en": true, "fr": true, "fr-FR": true, "de": false, "": false, "xx-!!": false} {
		if _, ok := locale.Parse(code); ok != want {
			t.Errorf("Parse(%q) ok = %v, want %v", code, ok, want)
		}
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if got := locale.FromContext(ctx); got != locale.Default {
		t.Errorf("FromContext(empty) = %q", got)
	}
	if got := locale.FromContext(locale.WithLanguage(ctx, locale.French)); got != locale.French {
		t.Errorf("FromContext = %q, want fr", got)
	}
}
