package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// ResponseInput is a complete response to store: from an account (UserID)
// or an anonymous browser session (SessionHash, a SHA-256).
type ResponseInput struct {
	ConsultationID int64
	UserID         int64
	SessionHash    []byte
	IdempotencyKey string
	Answers        portal.Answers
	AboutYou       portal.AboutYouInput
}

// ErrAlreadyResponded means this browser session has already sent an
// anonymous response to the consultation.
var ErrAlreadyResponded = errors.New("db: already responded")

// SaveResponse stores a response while the consultation is open (otherwise
// portal.ErrConflict; a draft is portal.ErrNotFound). An account's second
// response replaces its first (updated is true); an anonymous session's
// second response is refused with ErrAlreadyResponded, except a replay of
// the same form, which returns the original.
func (t *Tx) SaveResponse(ctx context.Context, in ResponseInput, now time.Time) (id int64, updated bool, err error) {
	var c consultationRow
	err = t.tx.GetContext(ctx, &c, `SELECT `+consultationColumns+` FROM consultations c
		WHERE c.id = $1 AND c.state <> 'draft' FOR SHARE`, in.ConsultationID)
	if err != nil {
		return 0, false, wrap("save response", err)
	}
	if !c.consultation().Open(now) {
		return 0, false, fmt.Errorf("db: save response: %w", portal.ErrConflict)
	}
	if in.UserID != 0 {
		id, updated, err = t.upsertAccountResponse(ctx, in)
	} else {
		id, err = t.insertAnonymousResponse(ctx, in)
	}
	if err != nil {
		return 0, false, err
	}
	return id, updated, t.replaceAnswers(ctx, id, in.Answers)
}

func (t *Tx) upsertAccountResponse(ctx context.Context, in ResponseInput) (int64, bool, error) {
	var r struct {
		ID      int64 `db:"id"`
		Updated bool  `db:"updated"`
	}
	err := t.tx.GetContext(ctx, &r, `
		INSERT INTO consultation_responses (consultation_id, user_id, idempotency_key, age_band, reported_asb)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (consultation_id, user_id) DO UPDATE
		   SET age_band = EXCLUDED.age_band, reported_asb = EXCLUDED.reported_asb, updated_at = now()
		RETURNING id, xmax <> 0 AS updated`,
		in.ConsultationID, in.UserID, in.IdempotencyKey, in.AboutYou.AgeBand, in.AboutYou.ReportedASB)
	return r.ID, r.Updated, wrap("save account response", err)
}

func (t *Tx) insertAnonymousResponse(ctx context.Context, in ResponseInput) (int64, error) {
	var id int64
	err := t.tx.GetContext(ctx, &id, `
		INSERT INTO consultation_responses (consultation_id, session_hash, idempotency_key, age_band, reported_asb)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING RETURNING id`,
		in.ConsultationID, in.SessionHash, in.IdempotencyKey, in.AboutYou.AgeBand, in.AboutYou.ReportedASB)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, wrap("save anonymous response", err)
	}
	// Nothing inserted: a replay of this very form, or a second response.
	err = t.tx.GetContext(ctx, &id, `
		SELECT id FROM consultation_responses
		 WHERE consultation_id = $1 AND session_hash = $2 AND idempotency_key = $3`,
		in.ConsultationID, in.SessionHash, in.IdempotencyKey)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrAlreadyResponded
	}
	return id, wrap("save anonymous response", err)
}

func (t *Tx) replaceAnswers(ctx context.Context, responseID int64, answers portal.Answers) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM consultation_answers WHERE response_id = $1`, responseID); err != nil {
		return wrap("replace answers", err)
	}
	for _, a := range answers {
		choices := a.Choices
		if choices == nil {
			choices = []string{}
		}
		_, err := t.tx.ExecContext(ctx, `
			INSERT INTO consultation_answers (response_id, question_id, choices, text_value, rating)
			SELECT $1, q.id, $3, $4, NULLIF($5, 0)
			  FROM consultation_questions q JOIN consultation_responses r ON r.consultation_id = q.consultation_id
			 WHERE q.id = $2 AND r.id = $1`,
			responseID, a.QuestionID, pq.Array(choices), a.Text, a.Rating)
		if err != nil {
			return wrap("replace answers", err)
		}
	}
	return nil
}

// AccountResponse returns an account's answers to a consultation, or
// portal.ErrNotFound when it has not responded.
func (s *Store) AccountResponse(ctx context.Context, consultationID, userID int64) (portal.Answers, portal.AboutYouInput, error) {
	var about struct {
		ID          int64  `db:"id"`
		AgeBand     string `db:"age_band"`
		ReportedASB string `db:"reported_asb"`
	}
	err := s.db.GetContext(ctx, &about, `SELECT id, age_band, reported_asb FROM consultation_responses
		WHERE consultation_id = $1 AND user_id = $2`, consultationID, userID)
	if err != nil {
		return nil, portal.AboutYouInput{}, wrap("account response", err)
	}
	var rows []answerRow
	err = s.db.SelectContext(ctx, &rows, `SELECT question_id, choices, text_value, coalesce(rating, 0) AS rating
		FROM consultation_answers WHERE response_id = $1`, about.ID)
	return answersOf(rows), portal.AboutYouInput{AgeBand: about.AgeBand, ReportedASB: about.ReportedASB},
		wrap("account response", err)
}

// SessionResponded reports whether an anonymous session has responded.
func (s *Store) SessionResponded(ctx context.Context, consultationID int64, sessionHash []byte) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM consultation_responses
		WHERE consultation_id = $1 AND session_hash = $2)`, consultationID, sessionHash)
	return ok, wrap("session responded", err)
}

type answerRow struct {
	QuestionID int64          `db:"question_id"`
	Choices    pq.StringArray `db:"choices"`
	Text       string         `db:"text_value"`
	Rating     int            `db:"rating"`
}

func answersOf(rows []answerRow) portal.Answers {
	out := portal.Answers{}
	for _, r := range rows {
		out[r.QuestionID] = portal.Answer{QuestionID: r.QuestionID, Choices: []string(r.Choices), Text: r.Text, Rating: r.Rating}
	}
	return out
}
