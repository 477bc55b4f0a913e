package db_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
	_ "github.com/lib/pq"
)

// consultationFixture is the demo geography with an open consultation for
// LPA north and three questions: single choice (with "other"), a
// conditional long text, and a rank.
type consultationFixture struct {
	store      *db.Store
	sql        *sql.DB
	now        time.Time
	id         int64
	qs         []portal.Question
	north      portal.Scope
	southScope portal.Scope
}

var all = portal.Scope{All: true}

func newConsultationFixture(t *testing.T) consultationFixture {
	t.Helper()
	ctx := context.Background()
	store, url := dbtest.New(t)
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f := consultationFixture{store: store, sql: raw, now: time.Now().Truncate(time.Second)}
	for _, code := range []string{"north-riverside", "north-castle", "north-mill"} {
		n, err := store.NeighbourhoodByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		f.north.Neighbourhoods = append(f.north.Neighbourhoods, n.ID)
	}
	h, _ := store.NeighbourhoodByCode(ctx, "south-harbour")
	f.southScope = portal.Scope{Neighbourhoods: []int64{h.ID}}
	f.id = f.create(t, portal.ConsultationFields{Kind: portal.ConsultationGeneral, Title: "Parking", Summary: "Tell us",
		AreaLevel: portal.LevelLPA, AreaCode: "north", OpensAt: f.now.Add(-time.Hour), ClosesAt: f.now.Add(time.Hour)}, f.north)
	qs := []portal.QuestionInput{
		{Kind: "single", Prompt: "Is parking a problem?", Required: true, Options: "Yes\nNo", AllowOther: true},
		{Kind: "long_text", Prompt: "Where?", ShowIfQID: "first", ShowIfValue: "Yes"},
		{Kind: "rank", Prompt: "Rank", Options: "Speeding\nDrugs\nLitter", MaxRank: "2"},
	}
	for _, in := range qs {
		earlier, _ := store.Questions(ctx, f.id)
		if in.ShowIfQID == "first" {
			in.ShowIfQID = itoa(earlier[0].ID)
		}
		q, fe := in.Parse(earlier)
		if fe.Any() {
			t.Fatal(fe)
		}
		err := store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.AddQuestion(ctx, f.id, f.north, q); return err })
		if err != nil {
			t.Fatal(err)
		}
	}
	f.qs, _ = store.Questions(ctx, f.id)
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.PublishConsultation(ctx, f.id, f.north, f.now) }); err != nil {
		t.Fatal(err)
	}
	return f
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (f consultationFixture) create(t *testing.T, in portal.ConsultationFields, scope portal.Scope) int64 {
	t.Helper()
	var id int64
	err := f.store.InTx(context.Background(), func(tx *db.Tx) (err error) {
		id, err = tx.CreateConsultation(context.Background(), in, scope, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f consultationFixture) respond(in db.ResponseInput) (int64, bool, error) {
	in.ConsultationID = f.id
	got, err := f.store.SaveResponse(context.Background(), in, time.Now())
	return got.ID, got.Updated, err
}

func (f consultationFixture) answers(choice string, rank ...string) portal.Answers {
	a := portal.Answers{f.qs[0].ID: {QuestionID: f.qs[0].ID, Choices: []string{choice}}}
	if choice == "Yes" {
		a[f.qs[1].ID] = portal.Answer{QuestionID: f.qs[1].ID, Text: "Outside the school"}
	}
	if len(rank) > 0 {
		a[f.qs[2].ID] = portal.Answer{QuestionID: f.qs[2].ID, Choices: rank}
	}
	return a
}

func hash32(b byte) []byte {
	h := make([]byte, 32)
	h[0] = b
	return h
}

func TestConsultationScope(t *testing.T) {
	f := newConsultationFixture(t)
	ctx := context.Background()
	if _, err := f.store.ConsultationInScope(ctx, f.id, f.southScope); !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("other area: %v, want ErrNotFound", err)
	}
	c, err := f.store.ConsultationInScope(ctx, f.id, f.north)
	if err != nil || c.AreaName != "North Demoshire" || len(c.NeighbourhoodIDs) != 3 || c.State != portal.ConsultationPublished {
		t.Errorf("in scope: %+v %v", c, err)
	}
	err = f.store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.CreateConsultation(ctx, portal.ConsultationFields{Kind: portal.ConsultationGeneral, Title: "T",
			Summary: "S", AreaLevel: portal.LevelForce, AreaCode: "demo", OpensAt: f.now, ClosesAt: f.now.Add(time.Hour)}, f.north, 0)
		return err
	})
	if !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("sergeant creating force-wide: %v", err)
	}
	list, err := f.store.PublicConsultations(ctx, f.southScope.Neighbourhoods[0])
	if err != nil || len(list) != 0 {
		t.Errorf("south's list: %v %v", list, err)
	}
	list, _ = f.store.PublicConsultations(ctx, f.north.Neighbourhoods[1])
	if len(list) != 1 {
		t.Errorf("north's list: %v", list)
	}
}

func TestConsultationResponses(t *testing.T) {
	f := newConsultationFixture(t)
	ctx := context.Background()
	user, _ := f.store.CreateUser(ctx, db.NewUser{Email: "r@example.org", Role: portal.RoleResident})

	first, updated, err := f.respond(db.ResponseInput{UserID: user, IdempotencyKey: hex32(1), Answers: f.answers("Yes")})
	if err != nil || updated {
		t.Fatalf("first account response: %v updated=%v", err, updated)
	}
	second, updated, err := f.respond(db.ResponseInput{UserID: user, IdempotencyKey: hex32(2), Answers: f.answers("No")})
	if err != nil || !updated || second != first {
		t.Fatalf("second account response: id %d (first %d) updated=%v %v", second, first, updated, err)
	}
	got, _, err := f.store.AccountResponse(ctx, f.id, user)
	if err != nil || got[f.qs[0].ID].Choices[0] != "No" || len(got) != 1 {
		t.Errorf("account answers after update: %+v %v", got, err)
	}

	anon := db.ResponseInput{SessionHash: hash32(9), IdempotencyKey: hex32(3), Answers: f.answers("Yes")}
	id, _, err := f.respond(anon)
	if err != nil {
		t.Fatal(err)
	}
	if again, _, err := f.respond(anon); err != nil || again != id {
		t.Errorf("replay of the same form: %d %v", again, err)
	}
	anon.IdempotencyKey = hex32(4)
	if _, _, err := f.respond(anon); !errors.Is(err, db.ErrAlreadyResponded) {
		t.Errorf("second anonymous response: %v", err)
	}
	if ok, _ := f.store.SessionResponded(ctx, f.id, hash32(9)); !ok {
		t.Error("SessionResponded false")
	}
	c, _ := f.store.ConsultationInScope(ctx, f.id, f.north)
	if c.Responses != 2 || c.CanEditQuestions() {
		t.Errorf("responses %d", c.Responses)
	}
	err = f.store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.AddQuestion(ctx, f.id, f.north, f.qs[1]); return err })
	if !errors.Is(err, portal.ErrConflict) {
		t.Errorf("adding a question after a response: %v", err)
	}
}

func TestConsultationRefusesWhenNotOpen(t *testing.T) {
	f := newConsultationFixture(t)
	ctx := context.Background()
	upcoming := f.create(t, portal.ConsultationFields{Kind: portal.ConsultationGeneral, Title: "Later", Summary: "S",
		AreaLevel: portal.LevelNeighbourhood, AreaCode: "north-mill", OpensAt: f.now.Add(time.Hour), ClosesAt: f.now.Add(2 * time.Hour)}, all)
	_, err := f.store.SaveResponse(ctx, db.ResponseInput{ConsultationID: upcoming, SessionHash: hash32(1),
		IdempotencyKey: hex32(1)}, f.now)
	if !errors.Is(err, portal.ErrNotFound) {
		t.Errorf("responding to a draft: %v", err)
	}
	if err := f.store.InTx(ctx, func(tx *db.Tx) error { return tx.CloseConsultation(ctx, f.id, f.north, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.respond(db.ResponseInput{SessionHash: hash32(2), IdempotencyKey: hex32(2), Answers: f.answers("No")}); !errors.Is(err, portal.ErrConflict) {
		t.Errorf("responding after closing: %v", err)
	}
}

func TestConsultationResultsMatchDatabase(t *testing.T) {
	f := newConsultationFixture(t)
	ctx := context.Background()
	ranks := [][]string{{"Drugs", "Speeding"}, {"Drugs"}, {"Litter", "Drugs"}, {"Speeding", "Litter"}}
	for i, r := range ranks {
		choice := []string{"Yes", "No", "Yes", "No"}[i]
		if _, _, err := f.respond(db.ResponseInput{SessionHash: hash32(byte(i + 1)), IdempotencyKey: hex32(i + 10),
			Answers: f.answers(choice, r...)}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := f.store.Results(ctx, f.id, db.ResultsView{Staff: true})
	if err != nil || len(res) != 3 {
		t.Fatalf("results: %v %v", res, err)
	}
	var yes, answered int
	err = f.sql.QueryRow(`SELECT count(*) FILTER (WHERE 'Yes' = ANY(choices)), count(*) FROM consultation_answers
		WHERE question_id = $1`, f.qs[0].ID).Scan(&yes, &answered)
	if err != nil || res[0].Counts[0].Value != "Yes" || res[0].Counts[0].Count != yes || res[0].Answered != answered {
		t.Errorf("single choice: %+v, database yes=%d answered=%d", res[0], yes, answered)
	}
	if len(res[1].Texts) != 2 {
		t.Errorf("staff free text: %v", res[1].Texts)
	}
	// Drugs: 2+2+1 = 5, Speeding: 1+2 = 3, Litter: 2+1 = 3 (ties keep option order).
	if top := res[2].Top(3); len(top) != 3 || top[0] != "Drugs" || res[2].Counts[0].Points != 5 || top[1] != "Speeding" {
		t.Errorf("rank: %+v", res[2].Counts)
	}

	if err := f.store.InTx(ctx, func(tx *db.Tx) error {
		return tx.PublishResults(ctx, f.id, f.north, []int64{f.qs[0].ID}, time.Now())
	}); !errors.Is(err, portal.ErrConflict) {
		t.Errorf("publishing results while open: %v", err)
	}
	if err := f.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.CloseConsultation(ctx, f.id, f.north, time.Now()); err != nil {
			return err
		}
		return tx.PublishResults(ctx, f.id, f.north, []int64{f.qs[0].ID, f.qs[2].ID}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	public, err := f.store.Results(ctx, f.id, db.ResultsView{})
	if err != nil || len(public) != 2 || public[0].Question.ID != f.qs[0].ID || public[1].Question.ID != f.qs[2].ID {
		t.Fatalf("public results: %+v %v", public, err)
	}
	for _, r := range public {
		if len(r.Texts) != 0 {
			t.Errorf("free text in public results: %v", r.Texts)
		}
	}
	rows, err := f.store.ResponseRows(ctx, f.id)
	if err != nil || len(rows) != 4 || rows[0].Answers[f.qs[2].ID] != "Drugs; Speeding" {
		t.Errorf("CSV rows: %+v %v", rows, err)
	}
}
