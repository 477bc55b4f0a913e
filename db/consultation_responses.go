package db

import (
	"context"
	"database/sql"
	"encoding/json"
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
	// Session, when set, is the respondent's session as it must be once
	// the response is stored (their answers gone from it). It is saved in
	// the same statement, so "Send your answers" commits once, and only
	// when a response was stored.
	Session *SessionRecord
}

// SavedResponse is what storing a response did.
type SavedResponse struct {
	ID           int64
	Updated      bool // an account's earlier response was replaced
	SessionSaved bool // ResponseInput.Session was saved
}

// ErrAlreadyResponded means this browser session has already sent an
// anonymous response to the consultation.
var ErrAlreadyResponded = errors.New("db: already responded")

// saveResponseSQL stores a response and its answers (a JSON array),
// deletes any copies saved to come back to and saves the respondent's
// session, in one statement, while the consultation is open. %s is how
// the response row is inserted: an account's replaces its earlier one, an
// anonymous session's never does. The consultation's row is share-locked
// so that closing it waits. Answers the response no longer has are deleted
// and the rest upserted, so the two never touch the same row. open is NULL
// for a missing or draft consultation; id is NULL when nothing was stored.
const saveResponseSQL = `
	WITH c AS (SELECT c.id, (c.state = 'published' AND c.opens_at <= $7 AND c.closes_at > $7) AS open
	             FROM consultations c WHERE c.id = $1 AND c.state <> 'draft' FOR SHARE),
	     x AS (SELECT * FROM jsonb_to_recordset($6::jsonb)
	                      AS x(question_id bigint, choices text[], text_value text, rating integer)),
	     r AS (INSERT INTO consultation_responses (consultation_id, user_id, session_hash, idempotency_key, age_band, reported_asb)
	           SELECT c.id, NULLIF($2, 0), $3, $4, $5, $8 FROM c WHERE c.open
	           %s),
	     gone AS (DELETE FROM consultation_answers o USING r
	               WHERE o.response_id = r.id AND o.question_id NOT IN (SELECT question_id FROM x)),
	     a AS (INSERT INTO consultation_answers (response_id, question_id, choices, text_value, rating)
	           SELECT r.id, q.id, x.choices, x.text_value, x.rating
	             FROM r, x JOIN consultation_questions q ON q.id = x.question_id AND q.consultation_id = $1
	           ON CONFLICT (response_id, question_id) DO UPDATE
	              SET choices = EXCLUDED.choices, text_value = EXCLUDED.text_value, rating = EXCLUDED.rating),
	     saved AS (DELETE FROM consultation_saved_answers WHERE draft_key = $4 AND consultation_id = $1),
	     sess AS (INSERT INTO sessions (id_hash, data, user_id, expires_at)
	              SELECT $9, $10, NULLIF($11, 0), $12 FROM r WHERE CAST($9 AS bytea) IS NOT NULL
	              ON CONFLICT (id_hash) DO UPDATE
	                 SET data = EXCLUDED.data, user_id = EXCLUDED.user_id, expires_at = EXCLUDED.expires_at
	              RETURNING 1)
	SELECT (SELECT open FROM c) AS open, (SELECT id FROM r) AS id, coalesce((SELECT updated FROM r), false) AS updated,
	       EXISTS (SELECT 1 FROM sess) AS session_saved`

var (
	saveAccountResponseSQL = fmt.Sprintf(saveResponseSQL, `ON CONFLICT (consultation_id, user_id) DO UPDATE
	              SET age_band = EXCLUDED.age_band, reported_asb = EXCLUDED.reported_asb, updated_at = now()
	           RETURNING id, xmax <> 0 AS updated`)
	saveAnonymousResponseSQL = fmt.Sprintf(saveResponseSQL, `ON CONFLICT DO NOTHING RETURNING id, false AS updated`)
)

// answerJSON is one answer as saveResponseSQL reads it.
type answerJSON struct {
	QuestionID int64    `json:"question_id"`
	Choices    []string `json:"choices"`
	Text       string   `json:"text_value"`
	Rating     *int     `json:"rating"`
}

// SaveResponse stores a response while the consultation is open (otherwise
// portal.ErrConflict; a draft is portal.ErrNotFound), in one statement. An
// account's second response replaces its first (updated is true); an
// anonymous session's second response is refused with ErrAlreadyResponded,
// except a replay of the same form, which returns the original. Copies of
// the answers saved to come back to are deleted.
// The statement is prepared (prepared.go): it is what "Send your answers"
// waits for.
func (s *Store) SaveResponse(ctx context.Context, in ResponseInput, now time.Time) (SavedResponse, error) {
	answers := make([]answerJSON, 0, len(in.Answers))
	for _, a := range in.Answers {
		aj := answerJSON{QuestionID: a.QuestionID, Choices: a.Choices, Text: a.Text}
		if aj.Choices == nil {
			aj.Choices = []string{}
		}
		if a.Rating != 0 {
			aj.Rating = &a.Rating
		}
		answers = append(answers, aj)
	}
	js, err := json.Marshal(answers)
	if err != nil {
		return SavedResponse{}, fmt.Errorf("db: save response: %w", err)
	}
	var sess SessionRecord
	if in.Session != nil {
		sess = *in.Session
	}
	q := saveAnonymousResponseSQL
	if in.UserID != 0 {
		q = saveAccountResponseSQL
	}
	var r struct {
		Open         sql.NullBool  `db:"open"`
		ID           sql.NullInt64 `db:"id"`
		Updated      bool          `db:"updated"`
		SessionSaved bool          `db:"session_saved"`
	}
	st, err := s.stmt(ctx, q)
	if err == nil {
		err = st.GetContext(ctx, &r, in.ConsultationID, in.UserID, in.SessionHash, in.IdempotencyKey,
			in.AboutYou.AgeBand, js, now, in.AboutYou.ReportedASB, sess.IDHash, sess.Data, sess.UserID, sess.Expires)
	}
	switch {
	case err != nil:
		return SavedResponse{}, wrap("save response", err)
	case !r.Open.Valid:
		return SavedResponse{}, wrap("save response", sql.ErrNoRows)
	case !r.Open.Bool:
		return SavedResponse{}, fmt.Errorf("db: save response: %w", portal.ErrConflict)
	case r.ID.Valid:
		return SavedResponse{ID: r.ID.Int64, Updated: r.Updated, SessionSaved: r.SessionSaved}, nil
	}
	// Nothing inserted: a replay of this very form, or a second response.
	var id int64
	err = s.db.GetContext(ctx, &id, `
		SELECT id FROM consultation_responses
		 WHERE consultation_id = $1 AND session_hash = $2 AND idempotency_key = $3`,
		in.ConsultationID, in.SessionHash, in.IdempotencyKey)
	if errors.Is(err, sql.ErrNoRows) {
		return SavedResponse{}, ErrAlreadyResponded
	}
	return SavedResponse{ID: id}, wrap("save anonymous response", err)
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
