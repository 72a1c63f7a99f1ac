//go:build linux

package natscluster

import "syscall"

// sysProcAttr makes the kernel kill a node when the test process dies (a timeout panic, a
// Ctrl-C), so no nats-server outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
