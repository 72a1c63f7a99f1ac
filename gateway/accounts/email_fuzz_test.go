package accounts

import (
	"context"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/mail/mailtest"
	"github.com/caiomatch/caiomatch/pkg/profilerules"
)

// FuzzSignUpEmail: the address a sign-up (or an operator's new account) gives is either refused
// with one violation of field email, always the same words, or accepted as the trimmed input,
// a bare address net/mail reads back to itself, at most 254 bytes of UTF-8 text. An accepted
// address is one a profile may give too, and the sign-up's email reaches exactly that address
// through a real SMTP server.
func FuzzSignUpEmail(f *testing.F) {
	for _, seed := range []string{"anne@example.com", " anne@example.com ", "ANNE@Example.COM", "anne.o'neil+cv@sub.example.org",
		"", " ", "anne", "@example.com", "anne@", "Anne <anne@example.com>", "<anne@example.com>", "\"a b\"@example.com",
		"\"anne\"@example.com", "anne@[127.0.0.1]", "anne@example.com (work)", "anne@example.com, bob@example.com",
		"é@exämple.com", "anne\x00@example.com", "anne@example.com\r\nBcc: all@example.com", "a@b", "\xffanne@example.com",
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 189), strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190)} {
		f.Add(seed)
	}
	server := mailtest.Start(f, mailtest.Options{})
	sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: server.URL(), From: mail.DefaultFrom, Timeout: 5 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var v fault.Violations
		email := validateEmail(&v, raw, true)
		if len(v) > 0 {
			want := "must be an email address such as name@example.com (at most 254 characters)"
			if strings.TrimSpace(raw) == "" {
				want = "is required"
			}
			if len(v) != 1 || v[0].Field != "email" || v[0].Description != want {
				t.Fatalf("%q: refused with %+v, want email %q", raw, v, want)
			}
			return
		}
		addr, err := netmail.ParseAddress(email)
		switch {
		case email != strings.TrimSpace(raw):
			t.Fatalf("%q: accepted as %q", raw, email)
		case len(email) > MaxEmailLength || !utf8.ValidString(email) || hasControl(email):
			t.Fatalf("%q: accepted", raw)
		case err != nil || addr.Name != "" || addr.Address != email:
			t.Fatalf("%q: accepted, but net/mail reads %v (%v)", raw, addr, err)
		}

		_, err = profilerules.NewDetails(profilerules.DetailsInput{Details: profilerules.Details{Email: email}}, time.Now())
		if fe, ok := fault.As(err); ok && slices.ContainsFunc(fe.Violations, func(v fault.Violation) bool { return v.Field == "email" }) {
			t.Fatalf("%q: a sign-up's address that a profile may not give", email)
		}

		msg, err := compose(locale.Default, "SignUpKnown", email, emailData{})
		if err != nil {
			t.Fatal(err)
		}
		before := len(server.Messages())
		if err := sender.Send(context.Background(), msg); err != nil {
			t.Fatalf("%q: accepted, but its email cannot be sent: %v", email, err)
		}
		if got := server.Messages()[before:]; len(got) != 1 || !slices.Equal(got[0].To, []string{email}) {
			t.Fatalf("%q: its email was received by %v", email, got)
		}
	})
}
