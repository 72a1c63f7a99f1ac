package domain

import (
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// webhookRefusals are every reason CheckWebhookURL gives: a subscriber is told one of these.
var webhookRefusals = []string{
	"must be at most 2048 characters", "must be an absolute https URL", "must be an https URL",
	"must not hold credentials", "must not hold a fragment", "must reach a public address",
}

// FuzzCheckWebhookURL: a URL accepted for webhooks is one the platform can call and may call:
// an absolute https (or, in development, http) URL within the length bound, without credentials
// or a fragment, whose literal address (in any spelling net/netip reads, IPv4-mapped or zoned
// IPv6 included) is public, and that an HTTP request is made to at the very host checked. Being
// accepted in production implies being accepted in development. A refusal is one of the known
// reasons.
func FuzzCheckWebhookURL(f *testing.F) {
	for _, seed := range []string{
		"https://hooks.example.com/caiomatch", "http://hooks.example.com/x", "https://93.184.216.34:8443/h",
		"https://127.0.0.1/", "https://localhost/", "https://a.localhost/", "https://LOCALHOST./", "https://10.0.0.1/",
		"https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[fe80::1%25eth0]/",
		"https://[2001:db8::1]/", "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/", "https://0.0.0.0/",
		"https://2130706433/", "https://0x7f.1/", "https://user:pass@example.com/", "https://@example.com/",
		"https://example.com/#frag", "https://example.com/#", "https:example.com", "https:///path", "//example.com/",
		"HTTPS://EXAMPLE.COM/", "https://example.com:0/", "https://example.com:99999/", "https://exa mple.com/",
		"https://example.com%2F@127.0.0.1/", "https://127.0.0.1%2F@example.com/", "https://[::1]:443@example.com/",
		"https://example.com\\@127.0.0.1/", "https://example.com/" + strings.Repeat("a", 2030), "ftp://example.com/",
		"https://xn--nxasmq6b.example/", "https://例え.jp/", "https://example.com/\x00", "https://[64:ff9b::7f00:1]/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		secure := CheckWebhookURL(raw, false)
		insecure := CheckWebhookURL(raw, true)
		for _, err := range []error{secure, insecure} {
			if err != nil && !slices.Contains(webhookRefusals, err.Error()) {
				t.Fatalf("%q: refused with an unknown reason %q", raw, err)
			}
		}
		if secure == nil && insecure != nil {
			t.Fatalf("%q: accepted in production but refused in development: %v", raw, insecure)
		}
		for _, allowInsecure := range []bool{false, true} {
			if err := CheckWebhookURL(raw, allowInsecure); err == nil {
				checkCallable(t, raw, allowInsecure)
			}
		}
	})
}

// checkCallable: what an accepted URL says, and where a request to it goes.
func checkCallable(t *testing.T, raw string, allowInsecure bool) {
	t.Helper()
	u, err := url.Parse(raw)
	switch {
	case len(raw) > MaxWebhookURL:
		t.Fatalf("%q: accepted at %d bytes", raw, len(raw))
	case err != nil:
		t.Fatalf("%q: accepted, but does not parse: %v", raw, err)
	case u.Scheme != "https" && !(allowInsecure && u.Scheme == "http"):
		t.Fatalf("%q: accepted with scheme %q (insecure allowed: %v)", raw, u.Scheme, allowInsecure)
	case u.User != nil || u.Fragment != "" || u.Hostname() == "":
		t.Fatalf("%q: accepted with credentials, a fragment or no host", raw)
	}
	host, literal := HostOf(raw)
	if host != u.Hostname() {
		t.Fatalf("%q: HostOf says %q, the URL %q", raw, host, u.Hostname())
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if !literal || !AddressAllowed(addr, allowInsecure) {
			t.Fatalf("%q: accepted with the address %s (literal %v)", raw, addr, literal)
		}
	}
	if !allowInsecure && (strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")) {
		t.Fatalf("%q: accepted for %s", raw, host)
	}
	req, err := http.NewRequest(http.MethodPost, raw, nil)
	if err != nil {
		return // never delivered: every attempt fails, and the delivery log says why
	}
	if req.URL.Hostname() != host {
		t.Fatalf("%q: checked host %q, but a request goes to %q", raw, host, req.URL.Hostname())
	}
}
