//go:build unix

package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a process this program started and still waits for, so that it never lingers as a
// zombie (which kill(pid, 0) would report alive).
type child struct {
	pid    int
	exited chan struct{} // closed once the process has been reaped
}

// startProcess starts s in a session of its own, with its output appended to its log, and
// returns at once. The process keeps running when this program exits; with dieWithParent (for
// tests, Linux only) the kernel kills it when this program dies.
func startProcess(s spec, logPath string, dieWithParent bool, credential *syscall.Credential) (*child, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	fmt.Fprintf(logFile, "==== cluster: starting %s at %s\n", s.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.binary, s.args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile // a file: the child writes to it directly, no copying goroutine
	cmd.SysProcAttr = sysProcAttr(dieWithParent)
	cmd.SysProcAttr.Credential = credential
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.name, err)
	}
	c := &child{pid: cmd.Process.Pid, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // the log tells why a process exited
		close(c.exited)
	}()
	return c, nil
}

// processAlive reports whether pid is a live (not zombie) process running binary. Checking
// the program guards against a pid reused by an unrelated process after ours died.
func processAlive(pid int, binary string) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		if _, statErr := os.Stat("/proc/self"); errors.Is(statErr, fs.ErrNotExist) {
			return true // no procfs (macOS): kill(pid, 0) is all we can tell
		}
		return false
	}
	// A zombie has an empty command line.
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	if len(argv0) == 0 {
		return false
	}
	return string(argv0) == binary // startProcess runs every program by its absolute path
}

// waitGone waits until pid no longer runs binary, or timeout passes.
func waitGone(pid int, binary string, own *child, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if own != nil && own.pid == pid {
			select {
			case <-own.exited:
				return true
			case <-time.After(50 * time.Millisecond):
			}
		} else {
			if !processAlive(pid, binary) {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// signalProcess sends sig to pid; a process already gone is not an error.
func signalProcess(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// ErrExited: a process died while Up or Start waited for it to be ready.
var ErrExited = errors.New("exited")

// ErrPortTaken: a port of the cluster is taken by another program.
var ErrPortTaken = errors.New("port taken")

// portsFree fails, naming the port, when something already listens on one of ports.
func portsFree(ports []int) error {
	for _, port := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return fmt.Errorf("port %d is taken by another program (pick other ports with a port offset): %w (%w)", port, ErrPortTaken, err)
		}
		l.Close()
	}
	return nil
}

// logTail is the end of a log file, for error messages.
func logTail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// sysProcAttr puts the process in a session of its own: a Ctrl-C or a hang-up in the terminal
// that ran cluster up does not reach it.
func sysProcAttr(dieWithParent bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setsid: true}
	if dieWithParent && runtime.GOOS == "linux" {
		setParentDeathSignal(attr)
	}
	return attr
}
