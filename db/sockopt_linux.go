package db

import (
	"syscall"
	"time"
)

// setUserTimeout sets TCP_USER_TIMEOUT: unacknowledged data for longer than
// d closes the connection instead of waiting for the kernel's minutes.
func setUserTimeout(fd uintptr, d time.Duration) error {
	const tcpUserTimeout = 0x12 // TCP_USER_TIMEOUT from linux/tcp.h
	return syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, int(d.Milliseconds()))
}
