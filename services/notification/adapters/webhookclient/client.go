// Package webhookclient makes the platform's webhook calls without letting them reach inside
// its network: every address a host name resolves to is checked when the connection is made
// (not only when the webhook was created), so a name re-pointed at a private address after
// the check (DNS rebinding) is refused.
package webhookclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// tracerName names the tracer of the webhook calls' spans.
const tracerName = "caiomatch/notification/webhookclient"

// ErrAddressNotAllowed is a connection refused because the address is not public.
var ErrAddressNotAllowed = errors.New("address not allowed")

// Lookup resolves a host name to its addresses.
type Lookup func(ctx context.Context, host string) ([]netip.Addr, error)

// SystemLookup is the system resolver's.
func SystemLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// Client is app.Poster and app.Resolver over HTTP.
type Client struct {
	http          *http.Client
	lookup        Lookup
	allowInsecure bool
	tracer        trace.Tracer
}

var (
	_ app.Poster   = (*Client)(nil)
	_ app.Resolver = (*Client)(nil)
)

// New builds a client; allowInsecure lets it reach loopback addresses (development), lookup nil
// is SystemLookup; each call is a span of tracing (nil: none).
func New(allowInsecure bool, lookup Lookup, tracing trace.TracerProvider) *Client {
	if lookup == nil {
		lookup = SystemLookup
	}
	if tracing == nil {
		tracing = noop.NewTracerProvider()
	}
	c := &Client{lookup: lookup, allowInsecure: allowInsecure, tracer: tracing.Tracer(tracerName)}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: c.control}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would connect on our behalf, past the check
		DialContext:           c.dialContext(dialer),
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: app.WebhookTimeout,
	}
	c.http = &http.Client{Transport: transport,
		// A redirect is an answer like any other: not a 2xx, so retried later; never followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// dialContext resolves the host itself, keeps the allowed addresses and dials them in turn, so
// what it connects to is what it checked.
func (c *Client) dialContext(dialer *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		addrs, err := c.resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		var lastErr error
		for _, a := range addrs {
			if !domain.AddressAllowed(a, c.allowInsecure) {
				return nil, ErrAddressNotAllowed // one bad address is enough to distrust the name
			}
		}
		for _, a := range addrs {
			conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return conn, nil
			}
			lastErr = err
		}
		return nil, lastErr
	}
}

func (c *Client) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	addrs, err := c.lookup(ctx, host)
	if err != nil || len(addrs) == 0 {
		return nil, errors.New("host name does not resolve")
	}
	return addrs, nil
}

// control is the last check, on the socket about to connect.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !domain.AddressAllowed(ap.Addr(), c.allowInsecure) {
		return ErrAddressNotAllowed
	}
	return nil
}

// LookupHost implements app.Resolver.
func (c *Client) LookupHost(ctx context.Context, host string) ([]string, error) {
	addrs, err := c.resolve(ctx, host)
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out, err
}

// maxAnswer bounds what is read of an answer (its body is not used).
const maxAnswer = 64 << 10

// Post implements app.Poster. Its errors never hold the URL or the address.
func (c *Client) Post(ctx context.Context, url string, headers map[string]string, body []byte) (status int, err error) {
	// The endpoint's address stays out of the span, as out of errors: ids only.
	ctx, span := c.tracer.Start(ctx, "webhook call", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("caiomatch.delivery_id", headers["webhook-id"])))
	defer func() {
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return 0, errors.New("invalid URL")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "caiomatch-webhooks/1")
	resp, err := c.http.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, ErrAddressNotAllowed):
			return 0, ErrAddressNotAllowed
		case errors.Is(err, context.DeadlineExceeded):
			return 0, context.DeadlineExceeded
		case ctx.Err() != nil:
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("connection failed")
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	return resp.StatusCode, nil
}
