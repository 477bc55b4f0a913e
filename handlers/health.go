package handlers

import (
	"context"
	"net/http"
	"time"
)

// healthz answers 200 while the process can serve HTTP at all.
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 only when this replica should get traffic: not shutting
// down, the database answers, and every migration it needs is applied.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	status, problem := http.StatusOK, ""
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if !h.ready.Load() {
		status, problem = http.StatusServiceUnavailable, "shutting down"
	} else if err := h.store.Ping(ctx); err != nil {
		status, problem = http.StatusServiceUnavailable, "database unreachable"
	} else if ok, err := h.store.MigrationsCurrent(ctx); err != nil || !ok {
		status, problem = http.StatusServiceUnavailable, "migrations pending"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if problem == "" {
		w.Write([]byte(`{"status":"ok"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"unavailable","problem":"` + problem + `"}` + "\n"))
}
