package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeDeadLetters answers the gateway's dead-letter API for token, two pages of one letter each.
func fakeDeadLetters(t *testing.T, token string) (*httptest.Server, *[]string) {
	t.Helper()
	var calls []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.Method+" "+r.URL.RequestURI())
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"code":16,"message":"invalid, expired or revoked token"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v1/ops/dead-letters" && r.URL.Query().Get("pageToken") == "":
			_, _ = w.Write([]byte(`{"deadLetters":[{"sequence":7,"consumer":"mission-shortlists","eventType":"ShortlistProposed","deadAt":"2026-12-07T10:00:00Z","deliveries":10,"reason":"gave up"}],"nextPageToken":"p2"}`))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/ops/dead-letters":
			_, _ = w.Write([]byte(`{"deadLetters":[{"sequence":9,"consumer":"notification-accounts","eventType":"AccountChanged","deadAt":"2026-12-07T11:00:00Z","deliveries":40,"reason":"waits"}],"nextPageToken":""}`))
		case r.Method == http.MethodGet && r.URL.Path == "/v1/ops/dead-letters/7":
			_, _ = w.Write([]byte(`{"sequence":7,"event":{"type":"ShortlistProposed"}}`))
		case r.Method == http.MethodPost && r.URL.Path == "/v1/ops/dead-letters/7/redrive":
			_, _ = w.Write([]byte(`{"deleted":true,"receivers":["mission-shortlists"]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"code":5,"message":"dead letter not found"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func runTool(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runDeadLetters(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestTheDeadLetterToolListsShowsAndRedrives: list walks every page into one table, show prints
// the letter, redrive posts; a refused token and a bad sequence say so with their own status.
func TestTheDeadLetterToolListsShowsAndRedrives(t *testing.T) {
	srv, calls := fakeDeadLetters(t, "op-token")
	tokenFile := filepath.Join(t.TempDir(), "operator.token")
	if err := os.WriteFile(tokenFile, []byte("op-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"-url", srv.URL, "-token-file", tokenFile}

	code, out, errOut := runTool(t, append(flags, "list", "-page-size", "1")...)
	if code != 0 || !strings.Contains(out, "mission-shortlists") || !strings.Contains(out, "notification-accounts") ||
		!strings.Contains(out, "SEQUENCE") {
		t.Fatalf("list: %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runTool(t, append(flags, "show", "7")...); code != 0 || !strings.Contains(out, `"ShortlistProposed"`) {
		t.Errorf("show: %d %s", code, out)
	}
	if code, out, _ := runTool(t, append(flags, "redrive", "7")...); code != 0 || !strings.Contains(out, `"deleted": true`) {
		t.Errorf("redrive: %d %s", code, out)
	}
	if !strings.Contains(strings.Join(*calls, "\n"), "POST /v1/ops/dead-letters/7/redrive") {
		t.Errorf("calls %v", *calls)
	}
	if code, _, errOut := runTool(t, append(flags, "show", "8")...); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("an unknown letter: %d %s", code, errOut)
	}
	if code, _, _ := runTool(t, append(flags, "show", "seven")...); code != 2 {
		t.Errorf("a bad sequence: %d, want 2", code)
	}
	badToken := filepath.Join(t.TempDir(), "bad.token")
	_ = os.WriteFile(badToken, []byte("nope"), 0o600)
	if code, _, errOut := runTool(t, "-url", srv.URL, "-token-file", badToken, "list"); code != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("a refused token: %d %s", code, errOut)
	}
}
