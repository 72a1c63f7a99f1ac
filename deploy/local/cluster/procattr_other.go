//go:build unix && !linux

package cluster

import "syscall"

// setParentDeathSignal: only Linux ties a process's life to its parent's; elsewhere the test's
// cleanup alone stops the cluster.
func setParentDeathSignal(*syscall.SysProcAttr) {}
