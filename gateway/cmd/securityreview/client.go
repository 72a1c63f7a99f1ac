package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// client calls the gateway as any outside caller does.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, concurrency int) *client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Keep one idle connection per worker, or every request beyond two opens a new one.
	transport.MaxIdleConnsPerHost = concurrency + 2
	return &client{base: base, http: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// answer is one response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// request is what the floods vary: everything but the method and path is optional.
type request struct {
	method, path, token string
	body                any    // a string is sent as is, anything else as JSON
	host                string // the Host header, when not the URL's
}

// do sends one request once and reads the whole answer.
func (c *client) do(ctx context.Context, q request) (answer, error) {
	var reader io.Reader
	switch b := q.body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return answer{}, err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, q.method, c.base+q.path, reader)
	if err != nil {
		return answer{}, err
	}
	if q.token != "" {
		req.Header.Set("Authorization", "Bearer "+q.token)
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if q.host != "" {
		req.Host = q.host
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %.80s: %w", q.method, q.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %.80s: reading the answer: %w", q.method, q.path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}, nil
}

// patient sends a request until it is not refused by the rate limits, waiting as long as each
// 429 asks (Retry-After), as a patient attacker would; a 429 is never its answer but after 30
// tries.
func (c *client) patient(ctx context.Context, q request) (answer, error) {
	for try := 0; ; try++ {
		a, err := c.do(ctx, q)
		if err != nil || a.status != http.StatusTooManyRequests || try == 30 {
			return a, err
		}
		seconds, _ := strconv.Atoi(a.header.Get("Retry-After"))
		select {
		case <-ctx.Done():
			return a, ctx.Err()
		case <-time.After(time.Duration(max(seconds, 1)) * time.Second):
		}
	}
}

// call sends a request patiently, wants 200 and decodes the JSON answer into out (when not nil).
func (c *client) call(ctx context.Context, q request, out any) error {
	a, err := c.patient(ctx, q)
	if err != nil {
		return err
	}
	if a.status != http.StatusOK {
		return fmt.Errorf("%s %.80s: %d %.300s", q.method, q.path, a.status, a.body)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(a.body, out); err != nil {
		return fmt.Errorf("%s %.80s: %w", q.method, q.path, err)
	}
	return nil
}

// check fails early, with a message that says what to do, when the platform is not there or
// the token is not an operator's.
func (c *client) check(ctx context.Context, operatorToken string) error {
	a, err := c.do(ctx, request{method: http.MethodGet, path: "/v1/ops/traces?limit=1", token: operatorToken})
	if err != nil {
		return fmt.Errorf("no platform at %s (start it with `make run`, or pass -url): %w", c.base, err)
	}
	if a.status != http.StatusOK {
		return fmt.Errorf("GET /v1/ops/traces with the given token: %d: it must be an operator's (-token, or operator.token)", a.status)
	}
	return nil
}

// reason is the ErrorInfo reason of an error answer, empty when it has none.
func reason(body []byte) string {
	var e struct {
		Details []struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
		} `json:"details"`
	}
	_ = json.Unmarshal(body, &e)
	for _, d := range e.Details {
		if d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}
