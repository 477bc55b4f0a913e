package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// NewComment is a comment to store and send for moderation.
type NewComment struct {
	ConsultationID int64
	UserID         int64 // 0: not signed in
	Body           string
	IdempotencyKey string
}

// CreateComment stores a comment on a consultation that is open and takes
// comments (otherwise portal.ErrConflict; a draft is portal.ErrNotFound)
// and puts it in the moderation queue, in the same transaction. A replay
// of the same form returns the first comment's id and queues nothing.
func (t *Tx) CreateComment(ctx context.Context, in NewComment, now time.Time) (int64, error) {
	var c consultationRow
	err := t.tx.GetContext(ctx, &c, `SELECT `+publicColumns+` FROM consultations c
		WHERE c.id = $1 AND c.state <> 'draft' FOR SHARE`, in.ConsultationID)
	if err != nil {
		return 0, wrap("create comment", err)
	}
	if cons := c.consultation(); !cons.Open(now) || !cons.CommentsEnabled {
		return 0, wrap("create comment", portal.ErrConflict)
	}
	var id int64
	err = t.tx.GetContext(ctx, &id, `
		INSERT INTO consultation_comments (consultation_id, user_id, body, idempotency_key)
		VALUES ($1, NULLIF($2, 0), $3, $4)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		in.ConsultationID, in.UserID, in.Body, in.IdempotencyKey)
	if errors.Is(err, sql.ErrNoRows) {
		err = t.tx.GetContext(ctx, &id, `SELECT id FROM consultation_comments
			WHERE idempotency_key = $1 AND consultation_id = $2`, in.IdempotencyKey, in.ConsultationID)
		return id, wrap("create comment: replay", err)
	}
	if err != nil {
		return 0, wrap("create comment", err)
	}
	// A comment on one neighbourhood's consultation is that team's to
	// moderate; wider ones go to sergeants and administrators.
	var place int64
	if len(c.NeighbourhoodIDs) == 1 {
		place = c.NeighbourhoodIDs[0]
	}
	_, err = t.EnqueueModeration(ctx, NewModerationItem{Kind: portal.CommentModerationKey, RefID: id,
		NeighbourhoodID: place, Body: in.Body})
	return id, err
}

// PublishedComments lists a consultation's public comments, oldest first.
func (s *Store) PublishedComments(ctx context.Context, consultationID int64) ([]portal.Comment, error) {
	var rows []struct {
		ID          int64     `db:"id"`
		Body        string    `db:"published_body"`
		PublishedAt time.Time `db:"published_at"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT id, published_body, published_at FROM consultation_comments
		 WHERE consultation_id = $1 AND state = 'published'
		 ORDER BY published_at, id`, consultationID)
	if err != nil {
		return nil, wrap("published comments", err)
	}
	out := make([]portal.Comment, len(rows))
	for i, r := range rows {
		out[i] = portal.Comment{ID: r.ID, Body: r.Body, PublishedAt: r.PublishedAt}
	}
	return out, nil
}

// DecideComment applies a moderator's decision to the comment (the
// moderation hook calls it in the decision's transaction). A review clears
// the flags counted so far.
func (t *Tx) DecideComment(ctx context.Context, commentID int64, state portal.CommentState, body string) error {
	_, err := t.tx.ExecContext(ctx, `
		UPDATE consultation_comments
		   SET state = $2, published_body = $3, reviewed_at = now(),
		       published_at = CASE WHEN $2 = 'published' THEN coalesce(published_at, now()) END
		 WHERE id = $1`, commentID, string(state), body)
	return wrap("decide comment", err)
}

// FlagComment records flagger's flag on a published comment of the
// consultation; portal.ErrNotFound if there is none (or it is already
// hidden). The portal.CommentFlagsToHide-th flag since the last review
// hides the comment and sends it back to the moderation queue. Flagging
// twice counts once.
func (s *Store) FlagComment(ctx context.Context, consultationID, commentID int64, flagger []byte) (hidden bool, err error) {
	err = s.InTx(ctx, func(t *Tx) error {
		var reviewed sql.NullTime
		err := t.tx.GetContext(ctx, &reviewed, `SELECT reviewed_at FROM consultation_comments
			WHERE id = $1 AND consultation_id = $2 AND state = 'published' FOR UPDATE`, commentID, consultationID)
		if err != nil {
			return wrap("flag comment", err)
		}
		var flags int
		err = t.tx.GetContext(ctx, &flags, `
			WITH f AS (INSERT INTO consultation_comment_flags (comment_id, flagger) VALUES ($1, $2)
			           ON CONFLICT DO NOTHING RETURNING created_at)
			SELECT (SELECT count(*) FROM f) + (SELECT count(*) FROM consultation_comment_flags
			         WHERE comment_id = $1 AND created_at > coalesce(CAST($3 AS timestamptz), '-infinity'))`,
			commentID, flagger, reviewed)
		if err != nil {
			return wrap("flag comment", err)
		}
		hidden = flags >= portal.CommentFlagsToHide
		if hidden {
			if _, err := t.tx.ExecContext(ctx, `UPDATE consultation_comments SET state = 'hidden' WHERE id = $1`, commentID); err != nil {
				return wrap("hide comment", err)
			}
		}
		return t.reopenModeration(ctx, portal.CommentModerationKey, commentID, flags, hidden)
	})
	return hidden, err
}

// reopenModeration records an item's public flags and, when reopen is
// set, puts it back in the queue as pending. Its earlier decision's edit
// is kept, so approving it again republishes what was public.
func (t *Tx) reopenModeration(ctx context.Context, kind string, refID int64, flags int, reopen bool) error {
	_, err := t.tx.ExecContext(ctx, `
		UPDATE moderation_items
		   SET flags = $3,
		       status = CASE WHEN $4 THEN 'pending' ELSE status END,
		       decided_by = CASE WHEN $4 THEN NULL ELSE decided_by END,
		       decided_at = CASE WHEN $4 THEN NULL ELSE decided_at END,
		       reason = CASE WHEN $4 THEN '' ELSE reason END,
		       created_at = CASE WHEN $4 THEN now() ELSE created_at END
		 WHERE kind = $1 AND ref_id = $2`, kind, refID, flags, reopen)
	return wrap("reopen moderation", err)
}

// SaveAnswersForLater stores a respondent's answers so far (draft, as the
// handlers encode it) under the hash of an emailed link's token, until
// the consultation closes; portal.ErrConflict if it is not open now.
func (t *Tx) SaveAnswersForLater(ctx context.Context, consultationID int64, tokenHash []byte, draftKey string, draft []byte, now time.Time) (expires time.Time, err error) {
	err = t.tx.GetContext(ctx, &expires, `
		INSERT INTO consultation_saved_answers (consultation_id, token_hash, draft_key, draft, expires_at)
		SELECT c.id, $2, $3, $4, c.closes_at FROM consultations c
		 WHERE c.id = $1 AND c.state = 'published' AND c.opens_at <= $5 AND c.closes_at > $5
		RETURNING expires_at`, consultationID, tokenHash, draftKey, draft, now)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, wrap("save answers for later", portal.ErrConflict)
	}
	return expires, wrap("save answers for later", err)
}

// SavedAnswers returns the answers saved under a token's hash for the
// consultation, or portal.ErrNotFound once they have expired, been sent
// or never existed.
func (s *Store) SavedAnswers(ctx context.Context, consultationID int64, tokenHash []byte, now time.Time) ([]byte, error) {
	var draft []byte
	err := s.db.GetContext(ctx, &draft, `SELECT draft FROM consultation_saved_answers
		WHERE consultation_id = $1 AND token_hash = $2 AND expires_at > $3`, consultationID, tokenHash, now)
	return draft, wrap("saved answers", err)
}

// PruneSavedAnswers deletes saved answers whose consultation has closed.
func (s *Store) PruneSavedAnswers(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM consultation_saved_answers WHERE expires_at < now()`)
	return wrap("prune saved answers", err)
}
