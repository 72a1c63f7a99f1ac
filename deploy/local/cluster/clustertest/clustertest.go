//go:build unix

// Package clustertest is the test scaffolding of the local cluster (package cluster): its
// three NATS nodes run alone on free loopback ports, for the fault tests that kill, pause and
// restart them while the platform's streams are in use (StartNATS); a free port offset for a
// whole cluster (PortOffset); and the end of every process's log when a test failed
// (LogTails).
package clustertest

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/caiomatch/caiomatch/deploy/local/cluster"
)

// Size is the number of NATS nodes: the smallest cluster that keeps a majority when one node
// is lost.
const Size = cluster.NATSNodes

// NATS is a running NATS-only cluster owned by one test: the nodes are killed when it ends.
type NATS struct {
	// Name is the NATS cluster the nodes form; clients read it from
	// nats.Conn.ConnectedClusterName, which is what the services pass to eventbus.StreamSettings.
	Name    string
	Nodes   []*Node
	Cluster *cluster.Cluster
}

// Node is one nats-server process; its ports, configuration and store survive restarts.
type Node struct {
	Name string
	c    *cluster.Cluster
}

// StartNATS starts three nats-server nodes (built once per version, cached under os.TempDir)
// on loopback, each with its store in a temporary directory and flushing every write
// (sync_interval: always), and waits until the cluster has settled. The nodes are killed when
// the test ends, failed or not, and, on Linux, when the test binary itself dies. The test is
// skipped, saying why, when nats-server cannot be built (no module cache and no network),
// except under CI=true, where it fails as the repository's other optional backends do.
func StartNATS(t testing.TB) *NATS {
	t.Helper()
	bin, err := cluster.NATSServerBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("clustertest: cannot build nats-server: %v", err)
		}
		t.Skipf("clustertest: skipped, cannot build nats-server from the Go module (module cache or network needed): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	var c *cluster.Cluster
	for attempt := 1; ; attempt++ {
		stateDir := t.TempDir() // registered before the cleanup below, so removed after the nodes died
		c, err = cluster.Up(ctx, cluster.Options{
			StateDir:      stateDir,
			PortOffset:    PortOffset(t),
			NATSOnly:      true,
			Binaries:      &cluster.Binaries{NATSServer: bin},
			ReadyTimeout:  time.Minute,
			StopTimeout:   10 * time.Second,
			DieWithParent: true,
		})
		if c != nil {
			t.Cleanup(func() { killAll(t, c) })
		}
		// Another program may take a port between the check and a node's start.
		if err == nil || attempt == 3 || !(errors.Is(err, cluster.ErrPortTaken) || errors.Is(err, cluster.ErrExited)) {
			break
		}
		t.Logf("clustertest: start attempt %d: %v", attempt, err)
		if c != nil {
			killAll(t, c)
		}
	}
	if err != nil {
		t.Fatalf("clustertest: start the NATS nodes: %v", err)
	}
	leader, err := c.WaitNATSSettled(ctx)
	if err != nil {
		t.Fatalf("clustertest: %v", err)
	}
	n := &NATS{Name: cluster.NATSClusterName, Cluster: c}
	for _, p := range c.Status() {
		n.Nodes = append(n.Nodes, &Node{Name: p.Name, c: c})
	}
	t.Logf("clustertest: NATS cluster %s of %d nodes up in %s, meta leader %s", n.Name, Size, time.Since(began).Round(time.Millisecond), leader)
	return n
}

// killAll kills every process of c, paused or not, and shows the end of each log when the
// test failed.
func killAll(t testing.TB, c *cluster.Cluster) {
	for _, p := range c.Status() {
		if p.Alive {
			if err := c.Kill(p.Name); err != nil {
				t.Errorf("clustertest: %v", err)
			}
		}
	}
	LogTails(t, c, 40)
}

// LogTails logs the last lines of every process's log, when the test failed.
func LogTails(t testing.TB, c *cluster.Cluster, lines int) {
	if !t.Failed() {
		return
	}
	for _, p := range c.Status() {
		data, err := os.ReadFile(p.LogPath)
		if err != nil {
			t.Logf("no log of %s: %v", p.Name, err)
			continue
		}
		all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		t.Logf("last lines of %s (alive %v):\n%s", p.Name, p.Alive, strings.Join(all[max(0, len(all)-lines):], "\n"))
	}
}

// PortOffset picks a port offset whose ports (of a whole cluster) are all free, below the
// range the kernel hands out for outgoing connections (32768 and up on Linux), so none is
// taken meanwhile.
func PortOffset(t testing.TB) int {
	t.Helper()
	for range 50 {
		n, err := rand.Int(rand.Reader, big.NewInt(120))
		if err != nil {
			t.Fatal(err)
		}
		offset := 100 * int(1+n.Int64()) // 100 to 12,000: ports up to 31,113
		if allFree(cluster.Ports(offset, false)) {
			return offset
		}
	}
	t.Fatal("no port offset with every port free")
	return 0
}

func allFree(ports []int) bool {
	for _, port := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// URLs is the client URL of every node, comma-separated, as NATS_URL would list them.
func (n *NATS) URLs() string { return strings.Join(n.Cluster.NATSURLs(), ",") }

// Node returns the node of that server name, or nil.
func (n *NATS) Node(name string) *Node {
	if i := slices.IndexFunc(n.Nodes, func(node *Node) bool { return node.Name == name }); i >= 0 {
		return n.Nodes[i]
	}
	return nil
}

// Names are the nodes' server names, sorted.
func (n *NATS) Names() []string {
	var names []string
	for _, node := range n.Nodes {
		names = append(names, node.Name)
	}
	slices.Sort(names)
	return names
}

// Connect opens a client connection to every node, closed when the test ends. It reconnects
// forever and notices a node that stopped answering (paused) within about 1.5 s, rather than
// the default two minutes.
func (n *NATS) Connect(t testing.TB, name string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(n.URLs(), nats.Name(name),
		nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
		nats.Timeout(time.Second), nats.PingInterval(500*time.Millisecond), nats.MaxPingsOutstanding(2))
	if err != nil {
		t.Fatalf("clustertest: connect %s: %v", n.URLs(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// WaitHealthy waits until every node runs, reports itself healthy (/healthz: JetStream
// current, the meta group and every replica it holds caught up), all agree on the meta leader
// and every stream and consumer has a leader.
func (n *NATS) WaitHealthy(ctx context.Context) error {
	for _, p := range n.Cluster.Status() {
		if !p.Alive {
			return errors.New(p.Name + " is not running")
		}
	}
	_, err := n.Cluster.WaitNATSSettled(ctx)
	return err
}

// Kill sends SIGKILL, as a machine crash or the OOM killer would, and waits for the process to
// be gone. Only what the node had flushed survives.
func (node *Node) Kill() error { return node.c.Kill(node.Name) }

// Start starts the node's process again (same ports, configuration and store) and waits until
// it serves clients with JetStream enabled; it may still be catching up with the cluster.
func (node *Node) Start() error { return node.c.Launch(context.Background(), node.Name) }

// Pause freezes the node with SIGSTOP: its sockets stay open but it answers nothing.
func (node *Node) Pause() error { return node.c.Pause(node.Name) }

// Resume lets a paused node go on (SIGCONT).
func (node *Node) Resume() error { return node.c.Resume(node.Name) }

// StreamState is the state of the node's own replica of a stream.
func (node *Node) StreamState(ctx context.Context, stream string) (cluster.StreamState, error) {
	return node.c.StreamState(ctx, node.Name, stream)
}
