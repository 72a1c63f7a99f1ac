//go:build unix && !linux

package natscluster

import "syscall"

// sysProcAttr: only Linux can tie a child's life to its parent's; elsewhere the test's cleanup
// alone kills the nodes.
func sysProcAttr() *syscall.SysProcAttr { return nil }
