package portal

import "time"

// Limit is a rate limit: at most Max events per Window for one key (a
// client address, an email address, an API key). Max 0 means unlimited.
type Limit struct {
	Name   string
	Max    int
	Window time.Duration
}

// Unlimited reports whether the limit never refuses.
func (l Limit) Unlimited() bool { return l.Max <= 0 }
