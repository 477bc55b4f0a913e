package db

import (
	"context"

	"github.com/beacon-portal/beacon/portal"
)

// CreateFeedback stores feedback once per idempotency key: a replay of the
// same form (a double click, a retried request) returns the original's ID.
func (s *Store) CreateFeedback(ctx context.Context, in portal.FeedbackInput) (int64, error) {
	var id int64
	q, args, err := s.db.BindNamed(`
		INSERT INTO feedback (idempotency_key, rating, comments)
		VALUES (:key, :rating, :comments)
		ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
		RETURNING id`, map[string]any{"key": in.IdempotencyKey, "rating": in.Rating, "comments": in.Comments})
	if err == nil {
		err = s.db.GetContext(ctx, &id, q, args...)
	}
	return id, wrap("create feedback", err)
}

// FeedbackCount counts stored feedback (for tests and the staff dashboard).
func (s *Store) FeedbackCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM feedback`)
	return n, wrap("count feedback", err)
}
