// Package locale is the language a person reads the platform in: the languages it speaks, how
// a request chooses one, and how the choice travels with a request's context from the gateway
// to the services.
package locale

import (
	"context"

	"golang.org/x/text/language"
)

// Language is a language the platform writes texts in, as its ISO 639-1 code.
type Language string

const (
	English Language = "en"
	French  Language = "fr"
)

// Default is the language of a request that asks for none the platform speaks.
const Default = English

// Supported are the languages the platform writes in, the default first.
var Supported = []Language{English, French}

var matcher = language.NewMatcher([]language.Tag{language.English, language.French})

// Parse reads a language code such as "fr" or "fr-CA"; ok is false for anything the platform
// does not speak.
func Parse(code string) (Language, bool) {
	tag, err := language.Parse(code)
	if err != nil {
		return "", false
	}
	base, confidence := tag.Base()
	if confidence == language.No {
		return "", false
	}
	for _, l := range Supported {
		if base.String() == string(l) {
			return l, true
		}
	}
	return "", false
}

// Negotiate chooses the language of a request: an explicit choice (the lang query parameter)
// when the platform speaks it, else the best match of an Accept-Language header, else Default.
func Negotiate(explicit, acceptLanguage string) Language {
	if l, ok := Parse(explicit); ok {
		return l
	}
	if acceptLanguage == "" {
		return Default
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Default
	}
	_, index, confidence := matcher.Match(tags...)
	if confidence == language.No {
		return Default
	}
	return Supported[index]
}

type contextKey struct{}

// WithLanguage records the language the request is read in.
func WithLanguage(ctx context.Context, l Language) context.Context {
	return context.WithValue(ctx, contextKey{}, l)
}

// FromContext is the language of the request, Default when none was chosen.
func FromContext(ctx context.Context) Language {
	if l, ok := ctx.Value(contextKey{}).(Language); ok {
		return l
	}
	return Default
}
