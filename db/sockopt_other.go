//go:build !linux

package db

import "time"

// setUserTimeout is Linux-only; elsewhere keepalives alone bound dead peers.
func setUserTimeout(uintptr, time.Duration) error { return nil }
