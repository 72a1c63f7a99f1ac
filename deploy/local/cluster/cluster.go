//go:build unix

package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// DefaultStateDir is where the cluster lives when Options.StateDir is empty, relative to the
// current directory (make runs at the repository root; data/ is ignored by git).
const DefaultStateDir = "data/cluster"

// DefaultDatabasePrefix names the databases caiomatch_local_profile, …_mission, …_matching,
// …_notification and …_gateway.
const DefaultDatabasePrefix = "caiomatch_local"

const (
	defaultReadyTimeout = 2 * time.Minute
	defaultStopTimeout  = 15 * time.Second
	// killTimeout bounds the wait for a SIGKILLed process to be gone.
	killTimeout = 10 * time.Second
)

// Options configure Up. PortOffset, Postgres, PostgresURL and DatabasePrefix are fixed at the
// first start and recorded in the state directory: later, their zero values mean "as
// recorded", and a different value is refused (wipe the cluster to change them).
type Options struct {
	// StateDir holds the cluster's record, secrets, data and logs; default DefaultStateDir.
	StateDir string
	// PortOffset shifts every port of the cluster (see the package documentation).
	PortOffset int
	// Postgres chooses the PostgreSQL server; by default PostgresExternal when PostgresURL is
	// given, otherwise PostgresAuto.
	Postgres PostgresMode
	// PostgresURL reaches the server's administrative database, from which the cluster
	// creates its own; default DefaultPostgresURL. The cluster command reads it from
	// EnvPostgresURL; the package never reads the environment.
	PostgresURL string
	// DatabasePrefix names the components' databases <prefix>_<component>; default
	// DefaultDatabasePrefix.
	DatabasePrefix string
	// Binaries are the programs to run. When nil, Up builds them from the workspace into
	// <StateDir>/bin, if some process has to start.
	Binaries *Binaries
	// ReadyTimeout bounds the wait for each group of processes (NATS nodes, services,
	// gateways) to be ready; default 2 minutes.
	ReadyTimeout time.Duration
	// StopTimeout is how long a process has, after SIGTERM, to exit before it is killed;
	// default 15 s.
	StopTimeout time.Duration
	// DieWithParent makes the kernel kill every process started when the calling program dies
	// (tests, on Linux); otherwise the processes outlive it.
	DieWithParent bool
	// NATSOnly runs the NATS nodes alone, without PostgreSQL, services or gateways (the fault
	// tests of NATS itself, through package clustertest); only Binaries.NATSServer is needed,
	// and without Binaries it is built once per version and cached (NATSServerBinary). Fixed
	// at the first start.
	NATSOnly bool
	// Logger receives what the cluster does; default: discarded.
	Logger *slog.Logger
}

// Cluster is a local cluster recorded in a state directory. Its methods may be called from
// several goroutines.
type Cluster struct {
	stateDir      string
	layout        layout
	secrets       secrets
	logger        *slog.Logger
	readyTimeout  time.Duration
	stopTimeout   time.Duration
	dieWithParent bool

	mu    sync.Mutex // guards state and children
	state state
	// children are the processes this program started (and so must reap), by name.
	children map[string]*child
}

// ProcessStatus is a process and whether it runs.
type ProcessStatus struct {
	ProcessInfo
	Alive bool `json:"alive"`
}

// Up starts the cluster recorded in opts.StateDir, or a new one, and returns once every
// process is ready: the NATS nodes are healthy and agree on a JetStream meta leader, every
// stream and consumer has a leader, each service replica answers its gRPC health check, each
// gateway answers /readyz. Processes already running are kept and dead ones started again, so
// calling Up twice starts nothing twice. On error, what was started keeps running: Down stops
// it.
func Up(ctx context.Context, opts Options) (*Cluster, error) {
	stateDir, err := filepath.Abs(cmp.Or(opts.StateDir, DefaultStateDir))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockStateDir(stateDir)
	if err != nil {
		return nil, err
	}
	defer lock.Close()

	c := newCluster(stateDir, opts)
	recorded, err := readState(stateDir)
	switch {
	case err == nil:
		if err := sameSettings(recorded, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", stateDir, err)
		}
		c.state = recorded
	case errors.Is(err, fs.ErrNotExist):
		prefix := cmp.Or(opts.DatabasePrefix, DefaultDatabasePrefix)
		if !validPrefix.MatchString(prefix) {
			return nil, fmt.Errorf("database prefix %q: want lower-case letters, digits and _, at most 50", prefix)
		}
		if err := checkPortOffset(opts.PortOffset); err != nil {
			return nil, err
		}
		c.state = state{PortOffset: opts.PortOffset, DatabasePrefix: prefix, NATSOnly: opts.NATSOnly}
	default:
		return nil, err
	}
	c.layout = layout{stateDir: stateDir, portOffset: c.state.PortOffset}
	if c.secrets, err = loadSecrets(stateDir, true); err != nil {
		return nil, err
	}
	if c.state.Postgres.ServerURL == "" && !c.state.NATSOnly {
		mode, serverURL := postgresChoice(opts)
		if err := c.choosePostgres(ctx, mode, serverURL); err != nil {
			return nil, err
		}
	}
	if err := c.recordProcesses(); err != nil {
		return nil, err
	}
	if err := c.save(); err != nil {
		return nil, err
	}
	if err := c.prepareBinaries(ctx, opts.Binaries); err != nil {
		return nil, err
	}

	if c.state.Postgres.Private {
		if err := c.initPrivatePostgres(ctx); err != nil {
			return c, err
		}
		if err := c.startGroup(ctx, []string{string(KindPostgres)}); err != nil {
			return c, err
		}
	}
	if !c.state.NATSOnly {
		if err := c.ensureDatabases(ctx); err != nil {
			return c, err
		}
	}
	if err := c.startGroup(ctx, c.names(KindNATS)); err != nil {
		return c, err
	}
	leader, err := c.WaitNATSSettled(ctx)
	if err != nil {
		return c, err
	}
	c.logger.Info("NATS cluster ready", "cluster", NATSClusterName, "meta_leader", leader)
	if c.state.NATSOnly {
		return c, nil
	}
	for _, stage := range serviceStages() {
		if err := c.startGroup(ctx, stage); err != nil {
			return c, err
		}
	}
	if err := c.startGroup(ctx, c.names(KindGateway)); err != nil {
		return c, err
	}
	return c, nil
}

// serviceStages are the service replicas in the order Up starts them: the first profile
// replica alone, then the first replica of each other service together, then every second
// replica.
//
// Every service declares every stream at start with create-or-update, which tries an update
// first, and nats-server 2.15.2 leaves unanswered the update of a stream that has no leader
// yet (see WaitNATSSettled): two processes declaring the same new stream at once, one creates
// it, the other waits in vain and exits. So the first replica creates the streams alone; the
// first replicas of the other services then declare existing streams and create consumers of
// their own (and matching its object store); the second replicas find everything in place.
func serviceStages() [][]string {
	var l layout
	first := []string{l.replicaName(Services[0], 0)}
	var others, seconds []string
	for _, k := range Services[1:] {
		others = append(others, l.replicaName(k, 0))
	}
	for _, k := range Services {
		for r := 1; r < Replicas; r++ {
			seconds = append(seconds, l.replicaName(k, r))
		}
	}
	return [][]string{first, others, seconds}
}

// Load finds the cluster recorded in stateDir, running or not; fs.ErrNotExist when there is
// none. The logger may be nil.
func Load(stateDir string, logger *slog.Logger) (*Cluster, error) {
	stateDir, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, err
	}
	recorded, err := readState(stateDir)
	if err != nil {
		return nil, err
	}
	c := newCluster(stateDir, Options{Logger: logger})
	c.state = recorded
	c.layout = layout{stateDir: stateDir, portOffset: recorded.PortOffset}
	if c.secrets, err = loadSecrets(stateDir, false); err != nil {
		return nil, err
	}
	return c, nil
}

func newCluster(stateDir string, opts Options) *Cluster {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Cluster{
		stateDir:      stateDir,
		logger:        logger,
		readyTimeout:  cmp.Or(opts.ReadyTimeout, defaultReadyTimeout),
		stopTimeout:   cmp.Or(opts.StopTimeout, defaultStopTimeout),
		dieWithParent: opts.DieWithParent,
		children:      map[string]*child{},
	}
}

// sameSettings refuses options that contradict the recorded cluster's.
func sameSettings(recorded state, opts Options) error {
	const hint = "stop and wipe the cluster to change it (cluster down -wipe), or use another state directory"
	switch {
	case opts.PortOffset != 0 && opts.PortOffset != recorded.PortOffset:
		return fmt.Errorf("the cluster was set up with port offset %d, not %d; %s", recorded.PortOffset, opts.PortOffset, hint)
	case opts.DatabasePrefix != "" && opts.DatabasePrefix != recorded.DatabasePrefix:
		return fmt.Errorf("the cluster was set up with database prefix %q, not %q; %s", recorded.DatabasePrefix, opts.DatabasePrefix, hint)
	case opts.Postgres != "" && opts.Postgres != recorded.Postgres.Mode:
		return fmt.Errorf("the cluster was set up with PostgreSQL mode %s, not %s; %s", recorded.Postgres.Mode, opts.Postgres, hint)
	case opts.NATSOnly != recorded.NATSOnly:
		return fmt.Errorf("the cluster was set up with NATS only %t, not %t; %s", recorded.NATSOnly, opts.NATSOnly, hint)
	case opts.PostgresURL != "" && !recorded.Postgres.Private && opts.PostgresURL != recorded.Postgres.ServerURL:
		return fmt.Errorf("the cluster was set up with PostgreSQL at %s, not %s; %s",
			sqlstore.RedactURL(recorded.Postgres.ServerURL), sqlstore.RedactURL(opts.PostgresURL), hint)
	}
	return nil
}

// postgresChoice applies the defaults of Options.Postgres and Options.PostgresURL.
func postgresChoice(opts Options) (PostgresMode, string) {
	serverURL := opts.PostgresURL
	mode := opts.Postgres
	if mode == "" {
		mode = PostgresAuto
		if serverURL != "" {
			mode = PostgresExternal // a server named on purpose is not silently replaced
		}
	}
	return mode, cmp.Or(serverURL, DefaultPostgresURL)
}

// checkPortOffset keeps every port between 1024 and 65535.
func checkPortOffset(offset int) error {
	ports := Ports(offset, true)
	lowest, highest := slices.Min(ports), slices.Max(ports)
	if lowest < 1024 || highest > 65535 {
		return fmt.Errorf("port offset %d puts ports out of 1024-65535 (%d-%d)", offset, lowest, highest)
	}
	return nil
}

// recordProcesses lists every process in state, keeping the pid and binary of those already
// recorded.
func (c *Cluster) recordProcesses() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var processes []ProcessInfo
	for _, name := range c.layout.processNames(c.state.Postgres.Private, c.state.NATSOnly) {
		s, err := c.specFor(name)
		if err != nil {
			return err
		}
		info := ProcessInfo{Name: name, Kind: s.kind, Addr: s.addr, MonitorURL: s.monitor,
			DataDir: s.dir, LogPath: c.layout.logPath(name)}
		if i := slices.IndexFunc(c.state.Processes, func(p ProcessInfo) bool { return p.Name == name }); i >= 0 {
			info.PID, info.Binary = c.state.Processes[i].PID, c.state.Processes[i].Binary
		}
		processes = append(processes, info)
	}
	c.state.Processes = processes
	return nil
}

// prepareBinaries settles the programs to run: the given ones, or a fresh build when some
// process has to start (a running cluster is left alone, and is quick to check again).
func (c *Cluster) prepareBinaries(ctx context.Context, given *Binaries) error {
	postgresBinDir := c.state.Binaries.PostgresBinDir
	if given != nil {
		if err := given.check(c.state.NATSOnly); err != nil {
			return err
		}
		c.state.Binaries = *given
		c.state.Binaries.PostgresBinDir = postgresBinDir
		return c.save()
	}
	if c.state.Binaries.check(c.state.NATSOnly) == nil && !slices.ContainsFunc(c.Status(), func(p ProcessStatus) bool { return !p.Alive }) {
		return nil
	}
	if c.state.NATSOnly {
		bin, err := NATSServerBinary()
		if err != nil {
			return err
		}
		c.state.Binaries = Binaries{NATSServer: bin}
		return c.save()
	}
	began := time.Now()
	c.logger.Info("building nats-server, the services and the gateway", "dir", filepath.Join(c.stateDir, "bin"))
	built, err := Build(ctx, filepath.Join(c.stateDir, "bin"))
	if err != nil {
		return err
	}
	c.logger.Info("built", "took", time.Since(began).Round(time.Millisecond).String())
	c.state.Binaries = built
	c.state.Binaries.PostgresBinDir = postgresBinDir
	return c.save()
}

// names are the processes of those kinds, in start order.
func (c *Cluster) names(kinds ...Kind) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var names []string
	for _, p := range c.state.Processes {
		if slices.Contains(kinds, p.Kind) {
			names = append(names, p.Name)
		}
	}
	return names
}

// startGroup starts the processes that are not running, then waits until all are ready.
func (c *Cluster) startGroup(ctx context.Context, names []string) error {
	var specs []spec
	for _, name := range names {
		s, err := c.specFor(name)
		if err != nil {
			return err
		}
		specs = append(specs, s)
		if c.alive(name) {
			c.logger.Info("already running", "process", name, "pid", c.pid(name))
			continue
		}
		if err := c.startProcess(s); err != nil {
			return err
		}
	}
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Go(func() { errs[i] = c.waitReady(ctx, s, c.readyTimeout) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startProcess starts one process, which must not be running, and records its pid.
func (c *Cluster) startProcess(s spec) error {
	if err := portsFree(s.ports); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	var credential *syscall.Credential
	switch s.kind {
	case KindNATS:
		if err := c.layout.writeNATSConfig(s.replica); err != nil {
			return err
		}
	case KindPostgres:
		var err error
		if credential, err = c.postgresRunAs(); err != nil {
			return err
		}
	}
	started, err := startProcess(s, c.layout.logPath(s.name), c.dieWithParent, credential)
	if err != nil {
		return err
	}
	c.mu.Lock()
	for i := range c.state.Processes {
		if c.state.Processes[i].Name == s.name {
			c.state.Processes[i].PID, c.state.Processes[i].Binary = started.pid, s.binary
		}
	}
	c.children[s.name] = started
	c.mu.Unlock()
	c.logger.Info("started", "process", s.name, "pid", started.pid, "addr", s.addr)
	return c.save()
}

// save writes state.json.
func (c *Cluster) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return writeState(c.stateDir, c.state)
}

// info is the recorded process of that name.
func (c *Cluster) info(name string) (ProcessInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.IndexFunc(c.state.Processes, func(p ProcessInfo) bool { return p.Name == name })
	if i < 0 {
		return ProcessInfo{}, false
	}
	return c.state.Processes[i], true
}

func (c *Cluster) pid(name string) int {
	info, _ := c.info(name)
	return info.PID
}

// alive reports whether the named process runs.
func (c *Cluster) alive(name string) bool {
	info, ok := c.info(name)
	if !ok || info.PID == 0 {
		return false
	}
	c.mu.Lock()
	own := c.children[name]
	c.mu.Unlock()
	if own != nil && own.pid == info.PID {
		select {
		case <-own.exited:
			return false
		default:
			return true
		}
	}
	return processAlive(info.PID, info.Binary)
}

// Status lists every process in start order, alive or not.
func (c *Cluster) Status() []ProcessStatus {
	c.mu.Lock()
	processes := slices.Clone(c.state.Processes)
	c.mu.Unlock()
	statuses := make([]ProcessStatus, len(processes))
	for i, p := range processes {
		statuses[i] = ProcessStatus{ProcessInfo: p, Alive: c.alive(p.Name)}
	}
	return statuses
}

// Process is the status of the named process.
func (c *Cluster) Process(name string) (ProcessStatus, bool) {
	info, ok := c.info(name)
	if !ok {
		return ProcessStatus{}, false
	}
	return ProcessStatus{ProcessInfo: info, Alive: c.alive(name)}, true
}

// Kill sends SIGKILL to the named process, as a machine crash or the OOM killer would, and
// waits until it is gone.
func (c *Cluster) Kill(name string) error {
	return c.signalAndWait(name, syscall.SIGKILL, killTimeout)
}

// Pause freezes the named process with SIGSTOP: its sockets stay open but it answers nothing,
// as a machine stalled by a long GC, swapping or a hung disk would. Resume, Stop or Kill end
// the pause.
func (c *Cluster) Pause(name string) error { return c.signal(name, syscall.SIGSTOP) }

// Resume lets a paused process go on (SIGCONT).
func (c *Cluster) Resume(name string) error { return c.signal(name, syscall.SIGCONT) }

func (c *Cluster) signal(name string, sig syscall.Signal) error {
	info, ok := c.info(name)
	if !ok {
		return fmt.Errorf("no process %q", name)
	}
	if !c.alive(name) {
		return fmt.Errorf("%s is not running", name)
	}
	if err := signalProcess(info.PID, sig); err != nil {
		return fmt.Errorf("%s %s (pid %d): %w", sig, name, info.PID, err)
	}
	return nil
}

// Stop asks the named process to shut down (SIGTERM; a fast shutdown, SIGINT, for
// PostgreSQL), waits up to the stop timeout, then kills it.
func (c *Cluster) Stop(name string) error {
	info, ok := c.info(name)
	if !ok {
		return fmt.Errorf("no process %q", name)
	}
	if !c.alive(name) {
		return nil
	}
	sig := syscall.SIGTERM
	if info.Kind == KindPostgres {
		sig = syscall.SIGINT
	}
	began := time.Now()
	// A process paused with SIGSTOP only acts on the signal once continued.
	err := c.signalAndWait(name, sig, c.stopTimeout, syscall.SIGCONT)
	if err == nil {
		c.logger.Info("stopped", "process", name, "pid", info.PID, "took", time.Since(began).Round(time.Millisecond).String())
		return nil
	}
	c.logger.Warn("did not stop in time: killing it", "process", name, "pid", info.PID, "timeout", c.stopTimeout.String())
	return c.Kill(name)
}

// signalAndWait sends sig, then each of then, to the named process if it runs, and waits
// until it is gone.
func (c *Cluster) signalAndWait(name string, sig syscall.Signal, timeout time.Duration, then ...syscall.Signal) error {
	info, ok := c.info(name)
	if !ok {
		return fmt.Errorf("no process %q", name)
	}
	if !c.alive(name) {
		return nil
	}
	for _, s := range append([]syscall.Signal{sig}, then...) {
		if err := signalProcess(info.PID, s); err != nil {
			return fmt.Errorf("%s %s (pid %d): %w", s, name, info.PID, err)
		}
	}
	c.mu.Lock()
	own := c.children[name]
	c.mu.Unlock()
	if !waitGone(info.PID, info.Binary, own, timeout) {
		return fmt.Errorf("%s (pid %d) still runs %s after %s", name, info.PID, timeout, sig)
	}
	return nil
}

// Start starts the named process again if it is not running, with the same ports, data and
// configuration, and waits until it is ready (for a NATS node, until the whole NATS cluster
// has settled, the restarted node caught up).
func (c *Cluster) Start(ctx context.Context, name string) error {
	if err := c.Launch(ctx, name); err != nil {
		return err
	}
	if info, _ := c.info(name); info.Kind == KindNATS {
		_, err := c.WaitNATSSettled(ctx)
		return err
	}
	return nil
}

// Launch is Start without the wait for the NATS cluster to settle: it returns once the
// process is ready on its own (a NATS node serves clients with JetStream enabled, and may still
// be catching up with the cluster).
func (c *Cluster) Launch(ctx context.Context, name string) error {
	if _, ok := c.info(name); !ok {
		return fmt.Errorf("no process %q", name)
	}
	return c.startGroup(ctx, []string{name})
}

// Restart stops the named process (SIGTERM) and starts it again.
func (c *Cluster) Restart(ctx context.Context, name string) error {
	if err := c.Stop(name); err != nil {
		return err
	}
	return c.Start(ctx, name)
}

// Down stops every process: the gateways first, so no request reaches a stopped service, then
// the services, the NATS nodes and the private PostgreSQL server, each process given the stop
// timeout after SIGTERM before it is killed. With wipe it then drops the databases the cluster
// created and deletes the state directory.
func (c *Cluster) Down(ctx context.Context, wipe bool) error {
	lock, err := lockStateDir(c.stateDir)
	if err != nil {
		return err
	}
	defer lock.Close()
	var errs []error
	for _, group := range c.stopGroups() {
		groupErrs := make([]error, len(group))
		var wg sync.WaitGroup
		for i, name := range group {
			wg.Go(func() { groupErrs[i] = c.Stop(name) })
		}
		wg.Wait()
		errs = append(errs, groupErrs...)
	}
	if err := errors.Join(errs...); err != nil || !wipe {
		return err
	}
	if err := c.dropDatabases(ctx); err != nil {
		// The state directory is the only record of those databases: keep it, so that another
		// wipe can drop them once the server answers.
		return fmt.Errorf("%w; %s kept, run the wipe again", err, c.stateDir)
	}
	return removeStateDir(c.stateDir, c.logger)
}

// stopGroups are the processes in the order Down stops them, a group at a time: the
// gateways, the first replica of every service, the second ones, the NATS nodes, PostgreSQL.
//
// The replicas of a service stop one after the other because at its first stop a matching
// replica creates the object store of its index snapshots, and two replicas creating it at
// once may both wait for an answer that never comes (see serviceStages), until their 30 s
// snapshot timeout: past the stop timeout, they would be killed.
func (c *Cluster) stopGroups() [][]string {
	groups := [][]string{c.names(KindGateway)}
	for r := range Replicas {
		var replicas []string
		for _, k := range Services {
			if name := c.layout.replicaName(k, r); slices.Contains(c.names(k), name) {
				replicas = append(replicas, name)
			}
		}
		groups = append(groups, replicas)
	}
	return append(groups, c.names(KindNATS), c.names(KindPostgres))
}

// StateDir is the cluster's state directory.
func (c *Cluster) StateDir() string { return c.stateDir }

// GatewayURLs are the gateways' base URLs (http://127.0.0.1:18080, …).
func (c *Cluster) GatewayURLs() []string {
	urls := make([]string, Replicas)
	for r := range urls {
		urls[r] = "http://" + c.layout.gatewayAddr(r)
	}
	return urls
}

// NATSURLs are the NATS nodes' client URLs; joined with commas, they are a NATS_URL.
func (c *Cluster) NATSURLs() []string { return c.layout.natsURLs() }

// GRPCAddrs are the addresses of a service's replicas.
func (c *Cluster) GRPCAddrs(service Kind) []string { return c.layout.grpcAddrs(service) }

// DatabaseURL is the PostgreSQL URL of a component's database (profile, mission, matching,
// notification or gateway).
func (c *Cluster) DatabaseURL(component Kind) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.databaseURL(component)
}

// PostgresServer is where the cluster's databases are, without password, and whether the
// cluster runs that server itself.
func (c *Cluster) PostgresServer() (where string, private bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sqlstore.RedactURL(c.state.Postgres.ServerURL), c.state.Postgres.Private
}

// OperatorToken is the bearer token of the gateways' first operator.
func (c *Cluster) OperatorToken() string { return c.secrets.OperatorToken }

// OperatorTokenPath is the file holding OperatorToken (mode 0600).
func (c *Cluster) OperatorTokenPath() string {
	return filepath.Join(secretsDir(c.stateDir), operatorTokenFile)
}
