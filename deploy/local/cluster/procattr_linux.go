//go:build linux

package cluster

import "syscall"

// setParentDeathSignal makes the kernel kill the process when the program that started it dies
// (a test that times out or panics), so no process outlives its test.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
