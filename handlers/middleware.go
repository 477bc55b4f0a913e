package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/klauspost/compress/gzhttp"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxRequestInfo
	ctxClientIP
)

// maxBodyBytes caps request bodies; routes that accept uploads raise it.
const maxBodyBytes = 1 << 20

// Handler returns the whole application: the router wrapped in middleware.
// Middleware wraps the router itself, not its routes (gorilla/mux runs Use
// middleware only on matched routes), so 404s get headers and logs too.
func (h *Handler) Handler() http.Handler {
	var next http.Handler = h.router
	next = h.csrf(next)
	next = h.limitBody(next)
	next = http.TimeoutHandler(next, h.cfg.RequestTimeout, h.timeoutPage())
	next = gzhttp.GzipHandler(next)
	next = h.securityHeaders(next)
	next = h.clientIP(next)
	next = h.accessLog(next)
	next = h.recoverer(next)
	return next
}

// recoverer turns a panic into the 500 page, logged with the request ID.
// It also assigns that ID, so every later log line can carry it.
func (h *Handler) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-ID", id)
		r = r.WithContext(context.WithValue(r.Context(), ctxRequestID, id))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("panic", "request_id", id, "panic", v)
				h.renderError(w, r, errInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// requestInfo is filled in by the router (the matched route's name) and read
// back by the access log once the response is written.
type requestInfo struct{ route string }

// accessLog writes one line per request: method, route name, status,
// duration. Never the path's query or the body, which may carry personal data.
func (h *Handler) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		r = r.WithContext(context.WithValue(r.Context(), ctxRequestInfo, info))
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := info.route
		if route == "" {
			route = "(unmatched)"
		}
		h.log.Info("request", "request_id", requestID(r.Context()), "method", r.Method,
			"route", route, "status", rec.status, "bytes", rec.bytes,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

// nameRoute records the matched route's name for the access log; it runs as
// router middleware, where the match is known.
func nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(ctxRequestInfo).(*requestInfo); ok {
			if route := mux.CurrentRoute(r); route != nil {
				info.route = route.GetName()
			}
		}
		next.ServeHTTP(w, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// securityHeaders sets the headers every response carries. Pages are not
// cached by default (they may show forms or personal data); static assets
// override this with immutable caching.
func (h *Handler) securityHeaders(next http.Handler) http.Handler {
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:" + h.cfg.Map.imgSource() + "; " +
		"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
		"base-uri 'none'; object-src 'none'"
	if h.https() {
		csp += "; upgrade-insecure-requests"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), payment=(), usb=(), geolocation=(self), interest-cohort=()")
		hd.Set("Cache-Control", "no-store")
		if h.https() {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps every request body; reading past the cap fails with
// *http.MaxBytesError, which form parsing answers with 413.
func (h *Handler) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxBodyBytes)
		if r.Method == http.MethodPost && r.URL.Path == "/report/photos" {
			limit = maxPhotoUpload
		}
		if r.ContentLength > limit {
			// Answer before CSRF checks read the body, so the sender learns
			// the real problem rather than a token failure.
			w.Header().Set("Connection", "close")
			h.renderError(w, r, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// clientIP works out the client's address for rate limits: the peer, unless
// the peer is a trusted proxy, in which case the right-most address in
// X-Forwarded-For that is not itself a trusted proxy.
func (h *Handler) clientIP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := peerAddr(r.RemoteAddr)
		if h.trusted(ip) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
				if err != nil {
					break
				}
				ip = a.Unmap()
				if !h.trusted(ip) {
					break
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxClientIP, ip)))
	})
}

func (h *Handler) trusted(ip netip.Addr) bool {
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// clientAddr is the client's address as worked out by the clientIP middleware.
func clientAddr(r *http.Request) string {
	if ip, ok := r.Context().Value(ctxClientIP).(netip.Addr); ok && ip.IsValid() {
		return ip.String()
	}
	return "unknown"
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxRequestID).(string)
	return id
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// isMaxBytes reports whether err came from reading past the body limit.
func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
