package db

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// ResultsView says which results to tally: Staff includes every question
// and free text; the public see only questions whose results were
// published, and never free text.
type ResultsView struct {
	Staff bool
}

// Results tallies a consultation's answers per question, live. Callers
// check the consultation's scope or public state first.
func (s *Store) Results(ctx context.Context, consultationID int64, v ResultsView) ([]portal.QuestionResult, error) {
	qs, err := s.Questions(ctx, consultationID)
	if err != nil {
		return nil, err
	}
	var counts []struct {
		QuestionID int64  `db:"question_id"`
		Value      string `db:"value"`
		Pos        int    `db:"pos"`
		N          int    `db:"n"`
	}
	err = s.db.SelectContext(ctx, &counts, `
		SELECT a.question_id, c.value, c.pos::integer AS pos, count(*) AS n
		  FROM consultation_answers a JOIN consultation_questions q ON q.id = a.question_id,
		       unnest(a.choices) WITH ORDINALITY AS c(value, pos)
		 WHERE q.consultation_id = $1
		 GROUP BY 1, 2, 3
		UNION ALL
		SELECT a.question_id, a.rating::text, 1, count(*)
		  FROM consultation_answers a JOIN consultation_questions q ON q.id = a.question_id
		 WHERE q.consultation_id = $1 AND a.rating IS NOT NULL
		 GROUP BY 1, 2`, consultationID)
	if err != nil {
		return nil, wrap("results", err)
	}
	var answered []struct {
		QuestionID int64 `db:"question_id"`
		N          int   `db:"n"`
	}
	err = s.db.SelectContext(ctx, &answered, `
		SELECT a.question_id, count(*) AS n
		  FROM consultation_answers a JOIN consultation_questions q ON q.id = a.question_id
		 WHERE q.consultation_id = $1 GROUP BY 1`, consultationID)
	if err != nil {
		return nil, wrap("results", err)
	}
	texts, err := s.freeText(ctx, consultationID, v.Staff)
	if err != nil {
		return nil, err
	}
	byQ := map[int64]map[string][]int{}
	for _, c := range counts {
		m := byQ[c.QuestionID]
		if m == nil {
			m = map[string][]int{}
			byQ[c.QuestionID] = m
		}
		for len(m[c.Value]) < c.Pos {
			m[c.Value] = append(m[c.Value], 0)
		}
		m[c.Value][c.Pos-1] += c.N
	}
	n := map[int64]int{}
	for _, a := range answered {
		n[a.QuestionID] = a.N
	}
	var out []portal.QuestionResult
	for _, q := range qs {
		if !v.Staff && !q.ResultsPublic {
			continue
		}
		out = append(out, portal.Tally(q, n[q.ID], byQ[q.ID], texts[q.ID]))
	}
	return out, nil
}

// freeText lists free-text answers per question (staff only): text answers
// and "other, please say", newest first, at most 500 per question.
func (s *Store) freeText(ctx context.Context, consultationID int64, staff bool) (map[int64][]string, error) {
	if !staff {
		return nil, nil
	}
	var rows []struct {
		QuestionID int64  `db:"question_id"`
		Text       string `db:"text_value"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT question_id, text_value FROM (
			SELECT a.question_id, a.text_value,
			       row_number() OVER (PARTITION BY a.question_id ORDER BY r.updated_at DESC, r.id DESC) AS rn
			  FROM consultation_answers a JOIN consultation_responses r ON r.id = a.response_id
			 WHERE r.consultation_id = $1 AND a.text_value <> '') t
		 WHERE rn <= 500`, consultationID)
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.QuestionID] = append(out[r.QuestionID], r.Text)
	}
	return out, wrap("free text", err)
}

// ResponseRow is one response as the CSV export lists it: its answers by
// question, as text. No account or session identifiers are exported.
type ResponseRow struct {
	ID          int64
	At          time.Time
	AgeBand     string
	ReportedASB string
	Answers     map[int64]string
}

// ResponseRows lists every response for the CSV export, oldest first.
func (s *Store) ResponseRows(ctx context.Context, consultationID int64) ([]ResponseRow, error) {
	var rows []struct {
		ID          int64          `db:"id"`
		At          time.Time      `db:"updated_at"`
		AgeBand     string         `db:"age_band"`
		ReportedASB string         `db:"reported_asb"`
		QuestionID  *int64         `db:"question_id"`
		Choices     pq.StringArray `db:"choices"`
		Text        string         `db:"text_value"`
		Rating      int            `db:"rating"`
	}
	err := s.db.SelectContext(ctx, &rows, `
		SELECT r.id, r.updated_at, r.age_band, r.reported_asb, a.question_id, coalesce(a.choices, '{}') AS choices,
		       coalesce(a.text_value, '') AS text_value, coalesce(a.rating, 0) AS rating
		  FROM consultation_responses r LEFT JOIN consultation_answers a ON a.response_id = r.id
		 WHERE r.consultation_id = $1 ORDER BY r.id`, consultationID)
	if err != nil {
		return nil, wrap("response rows", err)
	}
	var out []ResponseRow
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].ID != r.ID {
			out = append(out, ResponseRow{ID: r.ID, At: r.At, AgeBand: r.AgeBand, ReportedASB: r.ReportedASB,
				Answers: map[int64]string{}})
		}
		if r.QuestionID != nil {
			out[len(out)-1].Answers[*r.QuestionID] = answerText([]string(r.Choices), r.Text, r.Rating)
		}
	}
	return out, nil
}

func answerText(choices []string, text string, rating int) string {
	out := ""
	for i, c := range choices {
		if i > 0 {
			out += "; "
		}
		out += c
	}
	if text != "" {
		if out != "" {
			out += ": "
		}
		out += text
	}
	if rating > 0 {
		out = strconv.Itoa(rating)
	}
	return out
}

// PublishResults shows the chosen questions' results on the public page of
// a consultation that has closed; the others are hidden.
func (t *Tx) PublishResults(ctx context.Context, consultationID int64, scope portal.Scope, questionIDs []int64, now time.Time) error {
	c, err := t.ConsultationInScope(ctx, consultationID, scope)
	if err != nil {
		return err
	}
	if !c.CanPublishResults(now) {
		return fmt.Errorf("db: publish results: %w", portal.ErrConflict)
	}
	if questionIDs == nil {
		questionIDs = []int64{}
	}
	_, err = t.tx.ExecContext(ctx, `
		UPDATE consultation_questions SET results_public = (id = ANY($2)) WHERE consultation_id = $1`,
		consultationID, pq.Array(questionIDs))
	if err == nil {
		_, err = t.tx.ExecContext(ctx, `UPDATE consultations SET results_published_at = $2, updated_at = now()
			WHERE id = $1`, consultationID, now)
	}
	return wrap("publish results", err)
}

// SetPrioritiesFromConsultation makes titles (a priorities consultation's
// top-ranked options) its neighbourhood's current published priorities:
// the current ones are retired, never deleted. Only a closed priorities
// consultation in scope may do this (otherwise portal.ErrConflict).
func (t *Tx) SetPrioritiesFromConsultation(ctx context.Context, consultationID int64, scope portal.Scope, titles []string, by int64, now time.Time) error {
	c, err := t.ConsultationInScope(ctx, consultationID, scope)
	if err != nil {
		return err
	}
	if c.Kind != portal.ConsultationPriorities || len(c.NeighbourhoodIDs) != 1 || !c.CanPublishResults(now) || len(titles) == 0 {
		return fmt.Errorf("db: set priorities: %w", portal.ErrConflict)
	}
	n := c.NeighbourhoodIDs[0]
	_, err = t.tx.ExecContext(ctx, `UPDATE neighbourhood_priorities SET retired_at = $2
		WHERE neighbourhood_id = $1 AND retired_at IS NULL`, n, now)
	if err != nil {
		return wrap("set priorities", err)
	}
	desc := "Chosen by residents in the consultation “" + c.Title + "”."
	for _, title := range titles {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO neighbourhood_priorities (neighbourhood_id, title, description, created_by)
			VALUES ($1, $2, $3, NULLIF($4, 0))`, n, title, desc, by); err != nil {
			return wrap("set priorities", err)
		}
	}
	return nil
}
