package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// consultationCacheTTL is how long a respondent's pages trust what they
// read of a consultation and its questions. Every page a respondent
// answers reads them, and "Send your answers" waits for it; a second's
// trust spares that read under load. It is safe because the statement that
// stores a response checks in SQL that the consultation is still open,
// and questions cannot change once anyone has responded. A change made by
// staff on this replica clears the cache at once; on other replicas it
// shows within the TTL.
const consultationCacheTTL = time.Second

// consultationCache keeps recently read public consultations with their
// questions. Entries are read-only once stored.
type consultationCache struct {
	mu sync.Mutex
	m  map[int64]cachedConsultation
}

type cachedConsultation struct {
	c  portal.Consultation
	qs []portal.Question
	at time.Time
}

// answerableConsultation is the public consultation id and its questions.
// The TTL runs on the wall clock, not h.now(): it is about freshness, not
// about the consultation's dates.
func (h *Handler) answerableConsultation(ctx context.Context, id int64) (portal.Consultation, []portal.Question, error) {
	cc := &h.consultations
	cc.mu.Lock()
	e, ok := cc.m[id]
	cc.mu.Unlock()
	if ok && time.Since(e.at) < consultationCacheTTL {
		return e.c, e.qs, nil
	}
	c, qs, err := h.store.PublicConsultationWithQuestions(ctx, id)
	if err != nil {
		return c, qs, err
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil || len(cc.m) > 1000 {
		cc.m = map[int64]cachedConsultation{}
	}
	cc.m[id] = cachedConsultation{c, qs, time.Now()}
	return c, qs, nil
}

// forgetConsultations clears the cache after any unsafe request by staff
// to the consultation pages, so this replica shows their change at once.
func (h *Handler) forgetConsultations(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.consultations.mu.Lock()
			h.consultations.m = nil
			h.consultations.mu.Unlock()
		}
	})
}
