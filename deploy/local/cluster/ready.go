//go:build unix

package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// probeClient gives up on a process that does not answer within 2 s.
var probeClient = &http.Client{Timeout: 2 * time.Second}

// probe tells once whether a process is ready: nil when it is, otherwise why not.
type probe func(ctx context.Context) error

// readinessProbe is how to tell the process of s serves:
//   - a NATS node serves clients with JetStream enabled (it may still be catching up);
//   - a service replica answers SERVING to a gRPC health check, on its own address (the
//     service opens its port before its migrations and consumers, and only serves after);
//   - a gateway answers /readyz 200, i.e. reaches profile, mission and matching (it shows the
//     notification service's state without waiting for it; Up starts the services first);
//   - PostgreSQL accepts a connection.
func (c *Cluster) readinessProbe(s spec) probe {
	switch s.kind {
	case KindNATS:
		return func(ctx context.Context) error {
			return httpOK(ctx, s.monitor+"/healthz?js-enabled-only=true")
		}
	case KindGateway:
		return func(ctx context.Context) error { return httpOK(ctx, s.addr+"/readyz") }
	case KindPostgres:
		return func(ctx context.Context) error {
			db, err := sqlstore.OpenPostgres(ctx, c.state.Postgres.ServerURL)
			if err != nil {
				return err
			}
			return db.Close()
		}
	default:
		return func(ctx context.Context) error { return grpcServing(ctx, s.addr) }
	}
}

// httpOK is nil when url answers 200.
func httpOK(ctx context.Context, url string) error { return getJSON(ctx, url, nil) }

func grpcServing(ctx context.Context, addr string) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return fmt.Errorf("gRPC health check of %s: %w", addr, err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("gRPC health check of %s: %s", addr, resp.GetStatus())
	}
	return nil
}

// waitReady polls ready until it passes, the process exits or timeout passes; the error then
// carries the end of the process's log.
func (c *Cluster) waitReady(ctx context.Context, s spec, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ready := c.readinessProbe(s)
	logPath := c.layout.logPath(s.name)
	var last error
	for {
		if last = ready(ctx); last == nil {
			return nil
		}
		if !c.alive(s.name) {
			return fmt.Errorf("%s %w while starting; last lines of %s:\n%s", s.name, ErrExited, logPath, logTail(logPath, 30))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s (%w); last lines of %s:\n%s", s.name, timeout, last, logPath, logTail(logPath, 30))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// jsz is the part of a node's /jsz report that tells whether the cluster has settled (the
// JetStream meta leader, and the leader of every stream and consumer the node holds a replica
// of) and what the node's replica of each stream holds.
type jsz struct {
	Meta *struct {
		Leader string `json:"leader"`
	} `json:"meta_cluster"`
	AccountDetails []struct {
		Streams []struct {
			Name      string      `json:"name"`
			State     StreamState `json:"state"`
			Cluster   raftCluster `json:"cluster"`
			Consumers []struct {
				Name    string      `json:"name"`
				Cluster raftCluster `json:"cluster"`
			} `json:"consumer_detail"`
		} `json:"stream_detail"`
	} `json:"account_details"`
}

type raftCluster struct {
	Leader string `json:"leader"`
}

// StreamState is a stream's state as one NATS node holds it.
type StreamState struct {
	Msgs     uint64 `json:"messages"`
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
}

// StreamState is the state of the named NATS node's own replica of a stream.
func (c *Cluster) StreamState(ctx context.Context, node, stream string) (StreamState, error) {
	info, ok := c.info(node)
	if !ok || info.Kind != KindNATS {
		return StreamState{}, fmt.Errorf("no NATS node %q", node)
	}
	var report jsz
	if err := getJSON(ctx, info.MonitorURL+"/jsz?streams=true", &report); err != nil {
		return StreamState{}, fmt.Errorf("%s: %w", node, err)
	}
	for _, account := range report.AccountDetails {
		for _, s := range account.Streams {
			if s.Name == stream {
				return s.State, nil
			}
		}
	}
	return StreamState{}, fmt.Errorf("%s holds no replica of stream %s", node, stream)
}

// WaitNATSSettled waits, at most the ready timeout, until every running NATS node is healthy (/healthz: JetStream current,
// every replica it holds caught up), all of them name the same JetStream meta leader, and
// every stream and consumer has a leader; it returns the meta leader's name.
//
// After a restart of the whole cluster the streams and consumers elect their leaders seconds
// after the meta leader, and /healthz does not wait for them. A service declaring a stream
// that has no leader yet would wait for an answer that never comes (nats-server answers a
// stream update from the stream's leader), give up after 5 s and exit: hence the wait for
// every leader.
func (c *Cluster) WaitNATSSettled(ctx context.Context) (string, error) {
	timeout := c.readyTimeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		leader, err := c.natsSettled(ctx)
		if err == nil {
			return leader, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the NATS cluster has not settled after %s: %w", timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) natsSettled(ctx context.Context) (string, error) {
	leader := ""
	for i := range NATSNodes {
		name := c.layout.natsName(i)
		if !c.alive(name) {
			continue
		}
		monitor := c.layout.natsMonitorURL(i)
		if err := httpOK(ctx, monitor+"/healthz"); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		var info jsz
		if err := getJSON(ctx, monitor+"/jsz?streams=true&consumers=true", &info); err != nil {
			return "", fmt.Errorf("%s: %w", name, err)
		}
		switch {
		case info.Meta == nil || info.Meta.Leader == "":
			return "", fmt.Errorf("%s sees no meta leader", name)
		case leader != "" && info.Meta.Leader != leader:
			return "", fmt.Errorf("nodes disagree on the meta leader (%s, %s)", leader, info.Meta.Leader)
		}
		leader = info.Meta.Leader
		for _, account := range info.AccountDetails {
			for _, stream := range account.Streams {
				if stream.Cluster.Leader == "" {
					return "", fmt.Errorf("%s sees no leader of stream %s", name, stream.Name)
				}
				for _, consumer := range stream.Consumers {
					if consumer.Cluster.Leader == "" {
						return "", fmt.Errorf("%s sees no leader of consumer %s > %s", name, stream.Name, consumer.Name)
					}
				}
			}
		}
	}
	if leader == "" {
		return "", fmt.Errorf("no NATS node is running")
	}
	return leader, nil
}

// getJSON reads url, fails unless it answers 200 and decodes its JSON into v (when not nil).
func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if v == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
