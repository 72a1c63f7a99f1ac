//go:build unix

package natscluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// monitorClient gives up on a node that does not answer (a paused one) after 2 s.
var monitorClient = &http.Client{Timeout: 2 * time.Second}

// Jsz is the part of a node's /jsz report the tests read.
type Jsz struct {
	Meta *struct {
		Name   string `json:"name"`
		Leader string `json:"leader"`
		Size   int    `json:"cluster_size"`
	} `json:"meta_cluster"`
	AccountDetails []struct {
		Name    string `json:"name"`
		Streams []struct {
			Name  string      `json:"name"`
			State StreamState `json:"state"`
		} `json:"stream_detail"`
	} `json:"account_details"`
}

// StreamState is a stream's state as one node holds it.
type StreamState struct {
	Msgs     uint64 `json:"messages"`
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
}

// Jsz reads the node's JetStream report, with the streams it holds a replica of when streams.
func (n *Node) Jsz(ctx context.Context, streams bool) (Jsz, error) {
	var info Jsz
	path := "/jsz"
	if streams {
		path += "?streams=true"
	}
	status, err := n.get(ctx, path, &info)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("%s /jsz: status %d", n.Name, status)
	}
	return info, err
}

// StreamState is the state of the node's own replica of a stream, in the global account.
func (n *Node) StreamState(ctx context.Context, stream string) (StreamState, error) {
	info, err := n.Jsz(ctx, true)
	if err != nil {
		return StreamState{}, err
	}
	for _, acc := range info.AccountDetails {
		for _, s := range acc.Streams {
			if s.Name == stream {
				return s.State, nil
			}
		}
	}
	return StreamState{}, fmt.Errorf("%s holds no replica of stream %s", n.Name, stream)
}

// Healthz is nil when the node reports itself healthy: JetStream current, the meta group and
// every replica it holds caught up.
func (n *Node) Healthz(ctx context.Context) error {
	var health struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	status, err := n.get(ctx, "/healthz", &health)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s unhealthy (%d %s): %s", n.Name, status, health.Status, health.Error)
	}
	return nil
}

// get reads a monitoring endpoint and decodes its JSON into v (when not nil).
func (n *Node) get(ctx context.Context, path string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", n.HTTPPort, path), nil)
	if err != nil {
		return 0, err
	}
	resp, err := monitorClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", n.Name, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %w", n.Name, path, err)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", n.Name, path, err)
		}
	}
	return resp.StatusCode, nil
}
