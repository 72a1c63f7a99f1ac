package catalogue

import (
	"os"
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

func TestCheckFindsAMessageOneLanguageLacks(t *testing.T) {
	fsys := os.DirFS("testdata")
	if err := Check(fsys, "good"); err != nil {
		t.Fatal(err)
	}
	if err := Check(fsys, "bad"); err == nil || !strings.Contains(err.Error(), "fr has no message Bye") {
		t.Errorf("Check(bad) = %v", err)
	}
	if err := Check(fsys, "absent"); err == nil {
		t.Error("Check of missing catalogues passed")
	}
}

func TestLazyLoadsEveryLanguage(t *testing.T) {
	bundle := Lazy("test", os.DirFS("testdata"), "good")
	for lang, want := range map[string]string{"fr": "Bonjour Anne", "en": "Hello Anne"} {
		got, err := i18n.NewLocalizer(bundle(), lang).Localize(&i18n.LocalizeConfig{MessageID: "Hello", TemplateData: map[string]string{"Name": "Anne"}})
		if err != nil || got != want {
			t.Errorf("%s: %q, %v", lang, got, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("broken catalogues did not panic")
		}
	}()
	Lazy("test", os.DirFS("testdata"), "absent")()
}

func TestPartsJoinTheirLanguage(t *testing.T) {
	fsys := os.DirFS("testdata")
	if err := Check(fsys, "parts"); err != nil {
		t.Fatal(err)
	}
	got, err := i18n.NewLocalizer(Lazy("test", fsys, "parts")(), "fr").Localize(&i18n.LocalizeConfig{MessageID: "Bye"})
	if err != nil || got != "Au revoir" {
		t.Errorf("Bye in French from a part: %q, %v", got, err)
	}
	if err := Check(fsys, "twice"); err == nil || !strings.Contains(err.Error(), "Hello twice") {
		t.Errorf("a message said in two files: %v", err)
	}
}
