package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// client calls the public HTTP API with protojson bodies, exactly what docs/API.md describes.
type client struct {
	base     string
	http     *http.Client
	requests atomic.Int64 // requests answered 2xx
}

func newClient(base string, concurrency int) *client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	// Keep one idle connection per worker, or every request beyond two opens a new one.
	transport.MaxIdleConnsPerHost = concurrency + 2
	return &client{base: base, http: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// apiError is an error answer of the platform: {"code":…,"message":…,"details":[…]}.
type apiError struct {
	Method, Path string
	Status       int
	Message      string
	Reason       string
	Violations   []string // "field: description"
	Body         string   // when the answer is not the documented shape
	// RetryAfter is the delay a 429 or 503 asked for (Retry-After), zero when none.
	RetryAfter time.Duration
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if len(e.Violations) > 0 {
		b.WriteString(" [" + strings.Join(e.Violations, "; ") + "]")
	}
	if e.Body != "" {
		b.WriteString(": " + e.Body)
	}
	return b.String()
}

// retryable answers mean the platform could not take the request right now (a backend not
// ready yet, overload); anything else, a 4xx above all, is final.
func (e *apiError) retryable() bool {
	return e.Status == http.StatusServiceUnavailable || e.Status == http.StatusTooManyRequests
}

func parseAPIError(method, path string, status int, raw []byte) *apiError {
	e := &apiError{Method: method, Path: path, Status: status}
	var body struct {
		Message string `json:"message"`
		Details []struct {
			Reason          string `json:"reason"`
			FieldViolations []struct {
				Field       string `json:"field"`
				Description string `json:"description"`
			} `json:"fieldViolations"`
		} `json:"details"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		e.Body = strings.TrimSpace(string(raw))
		if len(e.Body) > 300 {
			e.Body = e.Body[:300] + "…"
		}
		return e
	}
	e.Message = body.Message
	for _, d := range body.Details {
		if d.Reason != "" {
			e.Reason = d.Reason
		}
		for _, v := range d.FieldViolations {
			e.Violations = append(e.Violations, v.Field+": "+v.Description)
		}
	}
	return e
}

const maxAttempts = 5

// maxRetryAfter bounds the wait a Retry-After may ask for.
const maxRetryAfter = time.Minute

// call sends body (nil for none) and decodes the answer into out (nil to drop it). It retries
// a 503 or 429 a few times with a growing pause, never shorter than the Retry-After the
// platform asked for (its rate limits); any other error is returned at once.
func (c *client) call(ctx context.Context, method, path, token string, body, out proto.Message) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = protojson.Marshal(body); err != nil {
			return fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
	}
	pause := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := c.once(ctx, method, path, token, payload, out)
		var apiErr *apiError
		if err == nil || !errors.As(err, &apiErr) || !apiErr.retryable() || attempt == maxAttempts {
			return err
		}
		wait := max(pause, min(apiErr.RetryAfter, maxRetryAfter))
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(wait):
			pause *= 2
		}
	}
}

func (c *client) once(ctx context.Context, method, path, token string, payload []byte, out proto.Message) error {
	var reader io.Reader
	if payload != nil {
		reader = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return cause
		}
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := parseAPIError(method, path, resp.StatusCode, raw)
		if seconds, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && seconds > 0 {
			e.RetryAfter = time.Duration(seconds) * time.Second
		}
		return e
	}
	c.requests.Add(1)
	if out != nil {
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}
