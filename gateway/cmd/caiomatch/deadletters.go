package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// The operators' dead-letter tool: `caiomatch deadletters list|show|redrive`, a client of the
// gateway's API (GET /v1/ops/dead-letters, GET …/{sequence}, POST …/{sequence}/redrive), the one
// the operators' page uses too, so it works the same against make run and a cluster.

const deadLettersUsage = `usage: caiomatch deadletters [flags] list [-consumer NAME] [-page-size N]
       caiomatch deadletters [flags] show SEQUENCE
       caiomatch deadletters [flags] redrive SEQUENCE

flags:
  -url URL          the gateway (default $CAIOMATCH_URL, else http://127.0.0.1:8080)
  -token-file FILE  an operator token (default $CAIOMATCH_OPERATOR_TOKEN, else
                    $CAIOMATCH_DATA_DIR/operator.token, else ./data/operator.token)
`

// runDeadLetters runs the command on args (what follows "deadletters") and tells the exit
// status: 0 done, 1 refused or failed, 2 misused.
func runDeadLetters(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("deadletters", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, deadLettersUsage) }
	base := fs.String("url", cmp.Or(os.Getenv("CAIOMATCH_URL"), "http://127.0.0.1:8080"), "")
	tokenFile := fs.String("token-file", "", "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return 2
	}
	token, err := operatorToken(*tokenFile)
	if err != nil {
		fmt.Fprintln(stderr, "deadletters:", err)
		return 1
	}
	c := apiClient{base: strings.TrimRight(*base, "/"), token: token, http: &http.Client{Timeout: 30 * time.Second}}
	switch rest[0] {
	case "list":
		sub := flag.NewFlagSet("list", flag.ContinueOnError)
		sub.SetOutput(stderr)
		consumer := sub.String("consumer", "", "")
		pageSize := sub.Int("page-size", 50, "")
		if err := sub.Parse(rest[1:]); err != nil || sub.NArg() != 0 {
			fmt.Fprint(stderr, deadLettersUsage)
			return 2
		}
		return c.list(ctx, *consumer, *pageSize, stdout, stderr)
	case "show", "redrive":
		if len(rest) != 2 {
			fmt.Fprint(stderr, deadLettersUsage)
			return 2
		}
		if _, err := strconv.ParseUint(rest[1], 10, 64); err != nil {
			fmt.Fprintf(stderr, "deadletters: %q is not a sequence number\n", rest[1])
			return 2
		}
		if rest[0] == "show" {
			return c.print(ctx, http.MethodGet, "/v1/ops/dead-letters/"+rest[1], stdout, stderr)
		}
		return c.print(ctx, http.MethodPost, "/v1/ops/dead-letters/"+rest[1]+"/redrive", stdout, stderr)
	}
	fmt.Fprint(stderr, deadLettersUsage)
	return 2
}

// operatorToken reads the token from file, else the environment, else the data directory.
func operatorToken(file string) (string, error) {
	if file == "" {
		if t := strings.TrimSpace(os.Getenv("CAIOMATCH_OPERATOR_TOKEN")); t != "" {
			return t, nil
		}
		file = filepath.Join(cmp.Or(os.Getenv("CAIOMATCH_DATA_DIR"), "data"), "operator.token")
	}
	b, err := os.ReadFile(file) //nolint:gosec // G703: the operator names the file (-token-file, CAIOMATCH_DATA_DIR) on their own machine
	if err != nil {
		return "", fmt.Errorf("no operator token: %w (give -token-file, or set CAIOMATCH_OPERATOR_TOKEN)", err)
	}
	return strings.TrimSpace(string(b)), nil
}

type apiClient struct {
	base, token string
	http        *http.Client
}

// call sends a request and returns the answer's body, or the API's error as an error.
func (c apiClient) call(ctx context.Context, method, path string) ([]byte, error) {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("{}")
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, cmp.Or(e.Message, strings.TrimSpace(string(raw))))
	}
	return raw, nil
}

func (c apiClient) print(ctx context.Context, method, path string, stdout, stderr io.Writer) int {
	raw, err := c.call(ctx, method, path)
	if err != nil {
		fmt.Fprintln(stderr, "deadletters:", err)
		return 1
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		out.Reset()
		out.Write(raw)
	}
	fmt.Fprintln(stdout, out.String())
	return 0
}

// list prints every dead letter (all pages) as a table.
func (c apiClient) list(ctx context.Context, consumer string, pageSize int, stdout, stderr io.Writer) int {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SEQUENCE\tCONSUMER\tEVENT\tDEAD AT\tDELIVERIES\tREASON")
	token := ""
	for {
		q := url.Values{"pageSize": {strconv.Itoa(pageSize)}}
		if consumer != "" {
			q.Set("consumer", consumer)
		}
		if token != "" {
			q.Set("pageToken", token)
		}
		raw, err := c.call(ctx, http.MethodGet, "/v1/ops/dead-letters?"+q.Encode())
		if err != nil {
			fmt.Fprintln(stderr, "deadletters:", err)
			return 1
		}
		var page struct {
			DeadLetters []struct {
				Sequence   uint64    `json:"sequence"`
				Consumer   string    `json:"consumer"`
				EventType  string    `json:"eventType"`
				DeadAt     time.Time `json:"deadAt"`
				Deliveries int       `json:"deliveries"`
				Reason     string    `json:"reason"`
			} `json:"deadLetters"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			fmt.Fprintln(stderr, "deadletters: the answer is not a list of dead letters:", err)
			return 1
		}
		for _, d := range page.DeadLetters {
			reason := d.Reason
			if len(reason) > 80 {
				reason = reason[:77] + "..."
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%d\t%s\n", d.Sequence, d.Consumer, cmp.Or(d.EventType, "-"),
				d.DeadAt.UTC().Format(time.RFC3339), d.Deliveries, reason)
		}
		if page.NextPageToken == "" {
			break
		}
		token = page.NextPageToken
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(stderr, "deadletters:", errors.Unwrap(err))
		return 1
	}
	return 0
}
