//go:build unix

package natscluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// ClusterName is the NATS cluster the nodes form; clients read it from
// nats.Conn.ConnectedClusterName, which is what the services pass to eventbus.StreamSettings.
const ClusterName = "caiomatch-faults"

// Size is the number of nodes: the smallest cluster that keeps a majority when one node is lost.
const Size = 3

// readyTimeout bounds a node's start until it serves clients with JetStream enabled.
const readyTimeout = 30 * time.Second

// Cluster is a running three-node cluster owned by one test.
type Cluster struct {
	Name  string
	Nodes []*Node
	t     testing.TB
}

// Node is one nats-server process; its ports, configuration and store survive restarts.
type Node struct {
	Name       string
	ClientURL  string
	ClientPort int
	RoutePort  int
	HTTPPort   int
	bin        string
	configPath string
	logPath    string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd has exited
	paused bool
	starts int
}

// errPortTaken: another process took one of the ports picked for the nodes before they bound it.
var errPortTaken = errors.New("port taken")

// Start builds (or reuses) the nats-server binary, starts three nodes on loopback with their
// stores in t.TempDir() and waits until the cluster has a JetStream meta leader. The nodes are
// killed when the test ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bin := Binary(t)
	began := time.Now()
	dir := t.TempDir() // registered before the cleanup below, so removed after the nodes died
	c := &Cluster{Name: ClusterName, t: t}
	t.Cleanup(c.cleanup)
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		if err = c.launch(bin, filepath.Join(dir, fmt.Sprintf("attempt-%d", attempt))); err == nil {
			break
		}
		c.killAll()
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	if err != nil {
		t.Fatalf("natscluster: start: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	leader, err := c.WaitMetaLeader(ctx)
	if err != nil {
		t.Fatalf("natscluster: %v", err)
	}
	t.Logf("natscluster: cluster %s of %d nodes up in %s, meta leader %s", c.Name, Size, time.Since(began).Round(time.Millisecond), leader)
	return c
}

// launch writes the nodes' configurations under dir and starts them.
func (c *Cluster) launch(bin, dir string) error {
	ports, err := freePorts(3 * Size)
	if err != nil {
		return err
	}
	c.Nodes = nil
	for i := range Size {
		name := fmt.Sprintf("n%d", i+1)
		nodeDir := filepath.Join(dir, name)
		if err := os.MkdirAll(nodeDir, 0o755); err != nil {
			return err
		}
		n := &Node{
			Name:       name,
			ClientPort: ports[3*i],
			RoutePort:  ports[3*i+1],
			HTTPPort:   ports[3*i+2],
			bin:        bin,
			configPath: filepath.Join(nodeDir, "nats.conf"),
			logPath:    filepath.Join(nodeDir, "nats.log"),
		}
		n.ClientURL = fmt.Sprintf("nats://127.0.0.1:%d", n.ClientPort)
		c.Nodes = append(c.Nodes, n)
	}
	for i, n := range c.Nodes {
		var routes []string
		for j, peer := range c.Nodes {
			if j != i {
				routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", peer.RoutePort))
			}
		}
		if err := os.WriteFile(n.configPath, []byte(nodeConfig(n, c.Name, filepath.Join(filepath.Dir(n.configPath), "jetstream"), routes)), 0o644); err != nil {
			return err
		}
	}
	for _, n := range c.Nodes {
		if err := n.startProcess(); err != nil {
			return err
		}
	}
	for _, n := range c.Nodes {
		if err := n.waitReady(readyTimeout); err != nil {
			return err
		}
	}
	return nil
}

// nodeConfig is a node's configuration file: loopback only, JetStream flushing every write.
func nodeConfig(n *Node, cluster, storeDir string, routes []string) string {
	return fmt.Sprintf(`server_name: %q
listen: "127.0.0.1:%d"
http: "127.0.0.1:%d"
jetstream {
  store_dir: %q
  sync_interval: always
}
cluster {
  name: %q
  listen: "127.0.0.1:%d"
  routes: [
    %s
  ]
}
`, n.Name, n.ClientPort, n.HTTPPort, storeDir, cluster, n.RoutePort, strings.Join(routes, "\n    "))
}

// freePorts returns count distinct loopback ports picked by the operating system, none of
// them a NATS default (4222, 6222, 8222) that a local server may want.
func freePorts(count int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var ports []int
	for len(ports) < count {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		listeners = append(listeners, l) // kept open until all are picked, so none repeats
		port := l.Addr().(*net.TCPAddr).Port
		if port == 4222 || port == 6222 || port == 8222 {
			continue
		}
		ports = append(ports, port)
	}
	return ports, nil
}

// URLs is the client URL of every node, comma-separated, as NATS_URL would list them.
func (c *Cluster) URLs() string {
	var urls []string
	for _, n := range c.Nodes {
		urls = append(urls, n.ClientURL)
	}
	return strings.Join(urls, ",")
}

// Node returns the node of that server name, or nil.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Connect opens a client connection to every node, closed when the test ends. It reconnects
// forever and notices a node that stopped answering (paused) within about 1.5 s, rather than
// the default two minutes.
func (c *Cluster) Connect(t testing.TB, name string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(c.URLs(), nats.Name(name),
		nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond),
		nats.Timeout(time.Second), nats.PingInterval(500*time.Millisecond), nats.MaxPingsOutstanding(2))
	if err != nil {
		t.Fatalf("natscluster: connect %s: %v", c.URLs(), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// WaitMetaLeader waits until every running node names the same JetStream meta leader and
// returns its name.
func (c *Cluster) WaitMetaLeader(ctx context.Context) (string, error) {
	var last error
	for {
		leader, err := c.metaLeader(ctx)
		if err == nil {
			return leader, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no JetStream meta leader: %w (%v)", last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *Cluster) metaLeader(ctx context.Context) (string, error) {
	leader := ""
	for _, n := range c.Nodes {
		if !n.Running() || n.Paused() {
			continue
		}
		info, err := n.Jsz(ctx, false)
		if err != nil {
			return "", err
		}
		switch {
		case info.Meta == nil || info.Meta.Leader == "":
			return "", fmt.Errorf("%s sees no meta leader", n.Name)
		case leader != "" && info.Meta.Leader != leader:
			return "", fmt.Errorf("nodes disagree on the meta leader (%s, %s)", leader, info.Meta.Leader)
		}
		leader = info.Meta.Leader
	}
	if leader == "" {
		return "", errors.New("no node running")
	}
	return leader, nil
}

// WaitHealthy waits until every node runs and reports itself healthy (/healthz: JetStream
// current, the meta group and every stream and consumer replica it holds caught up).
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	var last error
	for {
		last = c.healthy(ctx)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster not healthy: %w (%v)", last, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *Cluster) healthy(ctx context.Context) error {
	for _, n := range c.Nodes {
		if !n.Running() {
			return fmt.Errorf("%s is not running", n.Name)
		}
		if n.Paused() {
			return fmt.Errorf("%s is paused", n.Name)
		}
		if err := n.Healthz(ctx); err != nil {
			return err
		}
	}
	return nil
}

// cleanup kills every node, paused or not, and shows the end of each log when the test failed.
func (c *Cluster) cleanup() {
	c.killAll()
	if !c.t.Failed() {
		return
	}
	for _, n := range c.Nodes {
		c.t.Logf("natscluster: last lines of %s's log (%d start(s)):\n%s", n.Name, n.Starts(), n.logTail(40))
	}
}

func (c *Cluster) killAll() {
	for _, n := range c.Nodes {
		if n.Running() {
			if err := n.Kill(); err != nil {
				c.t.Errorf("natscluster: %v", err)
			}
		}
	}
}

// Start starts the node's process again (same ports, configuration and store) and waits until
// it serves clients with JetStream enabled; it may still be catching up with the cluster.
func (n *Node) Start() error {
	if err := n.startProcess(); err != nil {
		return err
	}
	return n.waitReady(readyTimeout)
}

func (n *Node) startProcess() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		select {
		case <-n.exited: // it died on its own: start it again
		default:
			return fmt.Errorf("%s is already running", n.Name)
		}
	}
	logFile, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own descriptor
	n.starts++
	fmt.Fprintf(logFile, "==== natscluster: start %d of %s at %s\n", n.starts, n.Name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(n.bin, "-c", n.configPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", n.Name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // a killed node exits with an error; its log tells why it exited on its own
		close(exited)
	}()
	n.cmd, n.exited, n.paused = cmd, exited, false
	return nil
}

// waitReady waits until the node serves clients with JetStream enabled.
func (n *Node) waitReady(timeout time.Duration) error {
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		status, err := n.get(ctx, "/healthz?js-enabled-only=true", nil)
		if err == nil && status == 200 {
			return nil
		}
		last = err
		if err == nil {
			last = fmt.Errorf("healthz status %d", status)
		}
		select {
		case <-exited:
			n.reap()
			if strings.Contains(n.logTail(20), "address already in use") {
				return fmt.Errorf("%s exited at start: %w", n.Name, errPortTaken)
			}
			return fmt.Errorf("%s exited at start:\n%s", n.Name, n.logTail(20))
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %v", n.Name, timeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Kill sends SIGKILL, as a machine crash or the OOM killer would, and waits for the process to
// be gone. Only what the node had flushed survives.
func (n *Node) Kill() error {
	return n.signalAndWait(syscall.SIGKILL, 10*time.Second)
}

// Stop asks the node to shut down (SIGTERM) and waits for it, killing it after 30 s.
func (n *Node) Stop() error {
	if n.Paused() {
		if err := n.Resume(); err != nil {
			return err
		}
	}
	if err := n.signalAndWait(syscall.SIGTERM, 30*time.Second); err != nil {
		return errors.Join(err, n.Kill())
	}
	return nil
}

func (n *Node) signalAndWait(sig syscall.Signal, timeout time.Duration) error {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("%s is not running", n.Name)
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: %s: %w", sig, n.Name, err)
	}
	select {
	case <-exited:
		n.reap()
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%s still running %s after %s", n.Name, timeout, sig)
	}
}

// reap forgets an exited process.
func (n *Node) reap() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cmd, n.paused = nil, false
}

// Pause freezes the node with SIGSTOP: its sockets stay open but it answers nothing, as a
// machine stalled by a long GC, swapping or a hung disk would.
func (n *Node) Pause() error {
	if err := n.signal(syscall.SIGSTOP); err != nil {
		return err
	}
	n.mu.Lock()
	n.paused = true
	n.mu.Unlock()
	return nil
}

// Resume lets a paused node go on (SIGCONT).
func (n *Node) Resume() error {
	if err := n.signal(syscall.SIGCONT); err != nil {
		return err
	}
	n.mu.Lock()
	n.paused = false
	n.mu.Unlock()
	return nil
}

func (n *Node) signal(sig syscall.Signal) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return fmt.Errorf("%s is not running", n.Name)
	}
	if err := n.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("%s: %s: %w", sig, n.Name, err)
	}
	return nil
}

// Running reports whether the node's process is alive (paused or not).
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// Paused reports whether the node is stopped by SIGSTOP.
func (n *Node) Paused() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.paused
}

// Starts counts the node's process starts.
func (n *Node) Starts() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.starts
}

// logTail is the end of the node's log, all its runs together.
func (n *Node) logTail(lines int) string {
	data, err := os.ReadFile(n.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// Names are the nodes' server names, sorted.
func (c *Cluster) Names() []string {
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	return names
}
