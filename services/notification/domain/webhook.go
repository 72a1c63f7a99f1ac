package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

// Webhook is an endpoint an account subscribed to some notification types.
type Webhook struct {
	ID        string
	AccountID string
	URL       string
	Events    []Type
	// Key signs deliveries (Standard Webhooks); it is shown once, as SecretOf(Key).
	Key       []byte
	CreatedAt time.Time
}

// Wants tells whether the endpoint subscribed to t.
func (w Webhook) Wants(t Type) bool { return slices.Contains(w.Events, t) }

// KeySize is the length of a signing key: the size of an HMAC-SHA256 block's output.
const KeySize = 32

// SecretPrefix starts every secret, as the Standard Webhooks specification writes them.
const SecretPrefix = "whsec_"

// SecretOf is the key as its owner is shown it once: "whsec_" and its base64.
func SecretOf(key []byte) string { return SecretPrefix + base64.StdEncoding.EncodeToString(key) }

// Signature is the webhook-signature header of a delivery: "v1," and the base64 of the
// HMAC-SHA256 of "id.timestamp.body" under key (Standard Webhooks).
func Signature(key []byte, id string, timestamp time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Subscription is what an account asks for when it creates a webhook.
type Subscription struct {
	URL    string
	Events []string
}

// MaxWebhookURL bounds the length of a webhook URL.
const MaxWebhookURL = 2048

// Check validates the subscription: a URL the platform may call (see CheckWebhookURL) and at
// least one known event type, each once. It returns the types.
func (s Subscription) Check(allowInsecure bool) ([]Type, error) {
	var violations fault.Violations
	if err := CheckWebhookURL(s.URL, allowInsecure); err != nil {
		violations.Add("url", "%s", err.Error())
	}
	var types []Type
	for _, e := range s.Events {
		t, ok := ParseType(e)
		switch {
		case !ok:
			violations.Add("events", "unknown event type %q", e)
		case slices.Contains(types, t):
			violations.Add("events", "event type %s listed twice", e)
		default:
			types = append(types, t)
		}
	}
	if len(s.Events) == 0 {
		violations.Add("events", "must list at least one event type")
	}
	if err := violations.Err(); err != nil {
		return nil, err
	}
	return types, nil
}

// CheckWebhookURL refuses a URL the platform must not call: anything but https (http too when
// allowInsecure), credentials in the URL, and a literal address that is not public (unless
// allowInsecure). A host name is checked again on every connection (AddressAllowed), since
// what it resolves to can change.
func CheckWebhookURL(raw string, allowInsecure bool) error {
	if len(raw) > MaxWebhookURL {
		return errors.New("must be at most 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.Opaque != "" { // "https://:443" has a host, but no name in it
		return errors.New("must be an absolute https URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowInsecure:
	default:
		return errors.New("must be an https URL")
	}
	if u.User != nil {
		return errors.New("must not hold credentials")
	}
	if u.Fragment != "" {
		return errors.New("must not hold a fragment")
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil && !AddressAllowed(addr, allowInsecure) {
		return errors.New("must reach a public address")
	}
	if !allowInsecure && (strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")) {
		return errors.New("must reach a public address")
	}
	return nil
}

// AddressAllowed tells whether a webhook may connect to addr: a public unicast address, or,
// when allowInsecure, also loopback (development only). Private, link-local, multicast,
// unspecified, shared (100.64/10), documentation and other special ranges are refused always,
// so that a subscriber cannot make the platform reach inside its own network.
func AddressAllowed(addr netip.Addr, allowInsecure bool) bool {
	addr = addr.Unmap()
	if addr.IsLoopback() {
		return allowInsecure
	}
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return false
	}
	for _, p := range specialPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// AddressTextAllowed is AddressAllowed for an address written as text; unreadable text is
// refused.
func AddressTextAllowed(s string, allowInsecure bool) bool {
	addr, err := netip.ParseAddr(s)
	return err == nil && AddressAllowed(addr, allowInsecure)
}

// HostOf is the host of a checked webhook URL, and whether it is a literal address.
func HostOf(raw string) (host string, literal bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	host = u.Hostname()
	_, err = netip.ParseAddr(host)
	return host, err == nil
}

// specialPrefixes are ranges IsGlobalUnicast accepts that are not the public internet.
var specialPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
		"2002::/16", "fc00::/7",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// DeliveryWindow is how long a delivery is retried before it is given up.
const DeliveryWindow = 24 * time.Hour

// retryDelays are the waits after each failed attempt (the schedule the Standard Webhooks
// specification suggests, cut to DeliveryWindow).
var retryDelays = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour}

// NextAttempt is when to try a delivery created at created again, after its attempts-th failed
// attempt at failedAt; false when the window is over and the delivery is given up. The last
// attempt is made at the end of the window.
func NextAttempt(created, failedAt time.Time, attempts int) (time.Time, bool) {
	end := created.Add(DeliveryWindow)
	if !failedAt.Before(end) {
		return time.Time{}, false
	}
	delay := retryDelays[len(retryDelays)-1]
	if attempts-1 < len(retryDelays) {
		delay = retryDelays[max(attempts-1, 0)]
	}
	next := failedAt.Add(delay)
	if next.After(end) {
		next = end
	}
	return next, true
}
