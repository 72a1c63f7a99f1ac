package matchingcrash

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// child runs the matching binary, one process at a time, each run logging to its own file.
type child struct {
	t    *testing.T
	name string // in failures and logs: "matching", "replica a"…
	bin  string
	env  []string
	logs string // directory of the runs' stderr

	cmd     *exec.Cmd
	done    chan struct{} // closed when the current process has exited
	waitErr error         // the current process's exit, once done is closed
	killed  bool          // the test ended the current process
	runs    []string      // stderr file of each run
}

func newChild(t *testing.T, name, bin string, env []string) *child {
	c := &child{t: t, name: name, bin: bin, env: env, logs: t.TempDir()}
	t.Cleanup(func() {
		// Whatever happened, no process outlives the test.
		if c.running() {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			c.dumpLogs()
		}
	})
	return c
}

func (c *child) start() {
	c.t.Helper()
	if c.running() {
		c.t.Fatalf("%s is already running", c.name)
	}
	path := filepath.Join(c.logs, fmt.Sprintf("run-%d.log", len(c.runs)+1))
	f, err := os.Create(path)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command(c.bin)
	cmd.Env = append(os.Environ(), c.env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		c.t.Fatalf("start %s: %v", c.name, err)
	}
	c.runs = append(c.runs, path)
	c.cmd, c.killed, c.done = cmd, false, make(chan struct{})
	done := c.done
	go func() {
		err := cmd.Wait()
		f.Close()
		c.waitErr = err
		close(done)
	}()
}

func (c *child) running() bool {
	if c.cmd == nil {
		return false
	}
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// exitedByItself reports an exit the test did not cause, with its error.
func (c *child) exitedByItself() (bool, error) {
	if c.cmd == nil || c.killed || c.running() {
		return false, nil
	}
	return true, c.waitErr
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill() {
	c.t.Helper()
	if !c.running() {
		ok, err := c.exitedByItself()
		c.t.Fatalf("%s was not running when it was to be killed (exited by itself: %v, %v)", c.name, ok, err)
	}
	c.killed = true
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatalf("SIGKILL: %v", err)
	}
	<-c.done
}

// stop sends SIGTERM and requires a clean exit within the timeout.
func (c *child) stop(timeout time.Duration) {
	c.t.Helper()
	c.killed = true
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-c.done:
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.done
		c.t.Fatalf("%s did not stop within %s of SIGTERM", c.name, timeout)
	}
	if c.waitErr != nil {
		c.t.Fatalf("%s stopped with %v after SIGTERM", c.name, c.waitErr)
	}
}

// dumpLogs writes each run's log into the test log, without the line of every shortlist
// proposed (one per mission): what remains is the start, warnings, errors and snapshots, then
// the run's last lines.
func (c *child) dumpLogs() {
	for i, path := range c.runs {
		data, err := os.ReadFile(path)
		if err != nil {
			c.t.Logf("run %d: %v", i+1, err)
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		var notable []string
		for _, l := range lines {
			if !strings.Contains(l, `"msg":"shortlist proposed"`) {
				notable = append(notable, l)
			}
		}
		const most = 60
		if len(notable) > most {
			notable = append(notable[:most], fmt.Sprintf("… %d more", len(notable)-most))
		}
		tail := lines[max(0, len(lines)-5):]
		c.t.Logf("%s run %d stderr, %d lines; all but \"shortlist proposed\":\n%s\nlast lines:\n%s", c.name, i+1, len(lines),
			strings.Join(notable, "\n"), strings.Join(tail, "\n"))
	}
}

// runLog is what a run's log says about its start: how it loaded its index, and when it
// proposed its first shortlist.
type runLog struct {
	Run          int
	Loaded       bool
	FromSnapshot bool  `json:"from_snapshot"`
	Replayed     int   `json:"replayed_events"`
	Profiles     int   `json:"profiles"`
	Ms           int64 `json:"ms"`
	// IndexAt and FirstShortlistAt are measured from the run's first log line; zero when the
	// line is missing.
	IndexAt, FirstShortlistAt time.Duration
}

// runLogs reads every run's log.
func (c *child) runLogs() []runLog {
	var out []runLog
	for i, path := range c.runs {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		l := runLog{Run: i + 1}
		var first time.Time
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			var rec struct {
				Time time.Time `json:"time"`
				Msg  string    `json:"msg"`
			}
			if json.Unmarshal(line, &rec) != nil {
				continue
			}
			if first.IsZero() {
				first = rec.Time
			}
			switch {
			case rec.Msg == "index loaded" && !l.Loaded:
				if json.Unmarshal(line, &l) == nil {
					l.Loaded, l.IndexAt = true, rec.Time.Sub(first)
				}
			case rec.Msg == "shortlist proposed":
				l.FirstShortlistAt = rec.Time.Sub(first)
			}
			if l.FirstShortlistAt != 0 {
				break
			}
		}
		out = append(out, l)
	}
	return out
}
