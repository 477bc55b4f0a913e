package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

type questionRow struct {
	ID            int64          `db:"id"`
	Position      int            `db:"position"`
	Kind          string         `db:"kind"`
	Prompt        string         `db:"prompt"`
	Hint          string         `db:"hint"`
	Required      bool           `db:"required"`
	Options       pq.StringArray `db:"options"`
	AllowOther    bool           `db:"allow_other"`
	MaxRank       int            `db:"max_rank"`
	ShowIfQID     sql.NullInt64  `db:"show_if_question_id"`
	ShowIfValue   string         `db:"show_if_value"`
	ResultsPublic bool           `db:"results_public"`
}

func (r questionRow) question() portal.Question {
	return portal.Question{ID: r.ID, Position: r.Position, Kind: portal.QuestionKind(r.Kind), Prompt: r.Prompt,
		Hint: r.Hint, Required: r.Required, Options: []string(r.Options), AllowOther: r.AllowOther,
		MaxRank: r.MaxRank, ShowIfQuestionID: r.ShowIfQID.Int64, ShowIfValue: r.ShowIfValue,
		ResultsPublic: r.ResultsPublic}
}

// Questions lists a consultation's questions in order. Callers check that
// the consultation is public or in the staff member's scope first.
func (s *Store) Questions(ctx context.Context, consultationID int64) ([]portal.Question, error) {
	return questions(ctx, s.db, consultationID)
}

func questions(ctx context.Context, x execer, consultationID int64) ([]portal.Question, error) {
	var rows []questionRow
	err := x.SelectContext(ctx, &rows, `
		SELECT id, position, kind, prompt, hint, required, options, allow_other, max_rank,
		       show_if_question_id, show_if_value, results_public
		  FROM consultation_questions WHERE consultation_id = $1 ORDER BY position`, consultationID)
	if err != nil {
		return nil, wrap("questions", err)
	}
	out := make([]portal.Question, len(rows))
	for i, r := range rows {
		out[i] = r.question()
	}
	return out, nil
}

// questionJSON is a question as json_agg writes its row.
type questionJSON struct {
	ID            int64    `json:"id"`
	Position      int      `json:"position"`
	Kind          string   `json:"kind"`
	Prompt        string   `json:"prompt"`
	Hint          string   `json:"hint"`
	Required      bool     `json:"required"`
	Options       []string `json:"options"`
	AllowOther    bool     `json:"allow_other"`
	MaxRank       int      `json:"max_rank"`
	ShowIfQID     *int64   `json:"show_if_question_id"`
	ShowIfValue   string   `json:"show_if_value"`
	ResultsPublic bool     `json:"results_public"`
}

// consultationWithQuestionsSQL reads a public consultation and its
// questions (as JSON) at once.
const consultationWithQuestionsSQL = `SELECT ` + publicColumns + `,
	       (SELECT coalesce(json_agg(q ORDER BY q.position), '[]')
	          FROM (SELECT id, position, kind, prompt, hint, required, options, allow_other, max_rank,
	                       show_if_question_id, show_if_value, results_public
	                  FROM consultation_questions WHERE consultation_id = c.id) q) AS questions
	  FROM consultations c WHERE c.id = $1 AND c.state <> 'draft'`

// PublicConsultationWithQuestions is PublicConsultation and Questions in
// one round trip (a prepared statement), for the pages a respondent goes
// through.
func (s *Store) PublicConsultationWithQuestions(ctx context.Context, id int64) (portal.Consultation, []portal.Question, error) {
	var r struct {
		consultationRow
		Questions []byte `db:"questions"`
	}
	st, err := s.stmt(ctx, consultationWithQuestionsSQL)
	if err == nil {
		err = st.GetContext(ctx, &r, id)
	}
	if err != nil {
		return portal.Consultation{}, nil, wrap("public consultation with questions", err)
	}
	var rows []questionJSON
	if err := json.Unmarshal(r.Questions, &rows); err != nil {
		return portal.Consultation{}, nil, fmt.Errorf("db: public consultation with questions: %w", err)
	}
	qs := make([]portal.Question, len(rows))
	for i, q := range rows {
		var showIf int64
		if q.ShowIfQID != nil {
			showIf = *q.ShowIfQID
		}
		qs[i] = portal.Question{ID: q.ID, Position: q.Position, Kind: portal.QuestionKind(q.Kind), Prompt: q.Prompt,
			Hint: q.Hint, Required: q.Required, Options: q.Options, AllowOther: q.AllowOther, MaxRank: q.MaxRank,
			ShowIfQuestionID: showIf, ShowIfValue: q.ShowIfValue, ResultsPublic: q.ResultsPublic}
	}
	return r.consultationRow.consultation(), qs, nil
}

// editable locks a consultation in scope and checks that its questions may
// still change (no response yet, not closed), returning its questions.
func (t *Tx) editable(ctx context.Context, consultationID int64, scope portal.Scope) ([]portal.Question, error) {
	if _, err := t.tx.ExecContext(ctx, `SELECT 1 FROM consultations WHERE id = $1 FOR UPDATE`, consultationID); err != nil {
		return nil, wrap("lock consultation", err)
	}
	c, err := t.ConsultationInScope(ctx, consultationID, scope)
	if err != nil {
		return nil, err
	}
	if !c.CanEditQuestions() {
		return nil, fmt.Errorf("db: edit questions: %w", portal.ErrConflict)
	}
	return questions(ctx, t.tx, consultationID)
}

// EarlierQuestions lists the questions a new or edited question may depend
// on: those before it (before position; 0 means a new question, after all).
func EarlierQuestions(qs []portal.Question, position int) []portal.Question {
	var out []portal.Question
	for _, q := range qs {
		if position == 0 || q.Position < position {
			out = append(out, q)
		}
	}
	return out
}

func questionArgs(q portal.Question) map[string]any {
	opts := q.Options
	if opts == nil {
		opts = []string{}
	}
	return map[string]any{"kind": string(q.Kind), "prompt": q.Prompt, "hint": q.Hint, "required": q.Required,
		"options": pq.Array(opts), "other": q.AllowOther, "max_rank": q.MaxRank,
		"show_if":    sql.NullInt64{Int64: q.ShowIfQuestionID, Valid: q.ShowIfQuestionID != 0},
		"show_value": q.ShowIfValue}
}

// AddQuestion appends a question to a consultation whose questions may
// still change (otherwise portal.ErrConflict) and returns its id. The
// question must have been parsed against Questions' result.
func (t *Tx) AddQuestion(ctx context.Context, consultationID int64, scope portal.Scope, q portal.Question) (int64, error) {
	qs, err := t.editable(ctx, consultationID, scope)
	if err != nil {
		return 0, err
	}
	args := questionArgs(q)
	args["c"], args["pos"] = consultationID, len(qs)+1
	var id int64
	err = getNamed(ctx, t.tx, &id, `
		INSERT INTO consultation_questions (consultation_id, position, kind, prompt, hint, required, options,
		       allow_other, max_rank, show_if_question_id, show_if_value)
		VALUES (:c, :pos, :kind, :prompt, :hint, :required, :options, :other, :max_rank, :show_if, :show_value)
		RETURNING id`, args)
	return id, wrap("add question", err)
}

// UpdateQuestion changes a question while questions may still change.
func (t *Tx) UpdateQuestion(ctx context.Context, consultationID int64, scope portal.Scope, q portal.Question) error {
	if _, err := t.editable(ctx, consultationID, scope); err != nil {
		return err
	}
	args := questionArgs(q)
	args["c"], args["id"] = consultationID, q.ID
	n, err := execNamed(ctx, t.tx, `
		UPDATE consultation_questions
		   SET kind = :kind, prompt = :prompt, hint = :hint, required = :required, options = :options,
		       allow_other = :other, max_rank = :max_rank, show_if_question_id = :show_if,
		       show_if_value = :show_value
		 WHERE id = :id AND consultation_id = :c`, args)
	if err == nil && n == 0 {
		err = sql.ErrNoRows
	}
	return wrap("update question", err)
}

// DeleteQuestion removes a question (and conditions on it) while questions
// may still change, closing the gap in positions.
func (t *Tx) DeleteQuestion(ctx context.Context, consultationID int64, scope portal.Scope, questionID int64) error {
	if _, err := t.editable(ctx, consultationID, scope); err != nil {
		return err
	}
	var pos int
	err := t.tx.GetContext(ctx, &pos, `
		DELETE FROM consultation_questions WHERE id = $1 AND consultation_id = $2 RETURNING position`,
		questionID, consultationID)
	if err == nil {
		_, err = t.tx.ExecContext(ctx, `
			UPDATE consultation_questions SET position = position - 1
			 WHERE consultation_id = $1 AND position > $2`, consultationID, pos)
	}
	return wrap("delete question", err)
}

// QuestionInScope returns one question of a consultation in scope.
func (s *Store) QuestionInScope(ctx context.Context, consultationID, questionID int64, scope portal.Scope) (portal.Question, error) {
	if _, err := s.ConsultationInScope(ctx, consultationID, scope); err != nil {
		return portal.Question{}, err
	}
	qs, err := s.Questions(ctx, consultationID)
	if err != nil {
		return portal.Question{}, err
	}
	for _, q := range qs {
		if q.ID == questionID {
			return q, nil
		}
	}
	return portal.Question{}, fmt.Errorf("db: question: %w", portal.ErrNotFound)
}
