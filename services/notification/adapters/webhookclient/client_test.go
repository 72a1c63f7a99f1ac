package webhookclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/caiomatch/caiomatch/services/notification/adapters/webhookclient"
)

// rebinding answers with a public address for the check and a chosen one afterwards, as a DNS
// server under an attacker's control would.
func rebinding(later string) (webhookclient.Lookup, *atomic.Int32) {
	var calls atomic.Int32
	return func(context.Context, string) ([]netip.Addr, error) {
		if calls.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		return []netip.Addr{netip.MustParseAddr(later)}, nil
	}, &calls
}

func target(t *testing.T) (port string, hits *atomic.Int32) {
	hits = &atomic.Int32{}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	t.Cleanup(server.Close)
	u, _ := url.Parse(server.URL)
	return u.Port(), hits
}

// TestConnectionsRecheckEveryAddress: a name that passed the check at creation and now
// resolves to loopback, or to the cloud metadata address, is refused at connection time.
func TestConnectionsRecheckEveryAddress(t *testing.T) {
	port, hits := target(t)
	for _, c := range []struct {
		name          string
		later         string
		allowInsecure bool
	}{
		{"loopback", "127.0.0.1", false},
		{"private", "10.1.2.3", true},
		{"link-local metadata", "169.254.169.254", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			lookup, calls := rebinding(c.later)
			client := webhookclient.New(c.allowInsecure, lookup, nil)
			if addrs, err := client.LookupHost(context.Background(), "hooks.example.com"); err != nil || addrs[0] != "93.184.216.34" {
				t.Fatalf("creation-time lookup = %v, %v", addrs, err)
			}
			status, err := client.Post(context.Background(), "http://hooks.example.com:"+port+"/", nil, []byte("{}"))
			if !errors.Is(err, webhookclient.ErrAddressNotAllowed) || status != 0 || calls.Load() < 2 {
				t.Errorf("Post = %d, %v after %d lookups; want the address refused", status, err, calls.Load())
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the internal server was reached %d times", hits.Load())
	}
	// Literal loopback addresses are refused too, unless the development setting allows them.
	if _, err := webhookclient.New(false, nil, nil).Post(context.Background(), "http://127.0.0.1:"+port+"/", nil, nil); !errors.Is(err, webhookclient.ErrAddressNotAllowed) {
		t.Errorf("literal loopback: %v", err)
	}
	status, err := webhookclient.New(true, nil, nil).Post(context.Background(), "http://127.0.0.1:"+port+"/", nil, nil)
	if err != nil || status != http.StatusOK || hits.Load() != 1 {
		t.Errorf("development setting on loopback: %d, %v (%d hits)", status, err, hits.Load())
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	port, hits := target(t)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+port+"/", http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	status, err := webhookclient.New(true, nil, nil).Post(context.Background(), redirect.URL, nil, nil)
	if err != nil || status != http.StatusFound || hits.Load() != 0 {
		t.Errorf("redirect: %d, %v, %d hits", status, err, hits.Load())
	}
}

// TestEachCallIsASpanWithIDsOnly: a call's span names its delivery and the answer's status,
// never the endpoint's address.
func TestEachCallIsASpanWithIDsOnly(t *testing.T) {
	port, _ := target(t)
	spans := tracetest.NewSpanRecorder()
	client := webhookclient.New(true, nil, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	if _, err := client.Post(context.Background(), "http://127.0.0.1:"+port+"/private-path", map[string]string{"webhook-id": "d-1"}, nil); err != nil {
		t.Fatal(err)
	}
	ended := spans.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans", len(ended))
	}
	got := map[string]string{}
	for _, kv := range ended[0].Attributes() {
		got[string(kv.Key)] = kv.Value.String()
	}
	if len(got) != 2 || got["caiomatch.delivery_id"] != "d-1" || got["http.response.status_code"] != "200" {
		t.Errorf("span %q attributes %v", ended[0].Name(), got)
	}
}
