// Command consult is the consultation part of `make bench`
// (scripts/bench-consultations.sh): response submissions per second on
// Beacon against the bare reference server (bench/bare) storing the same
// response.
//
// It publishes a consultation of five questions (single choice, multiple
// choice, rank 3 of 4, rating, short text) in the scratch database, then:
//
//	bare    POST /consultations/{id}/responses on bench/bare: the response
//	        and its five answers in one statement, nothing else.
//	beacon  POST /have-your-say/{id}/check on Beacon: "Send your answers".
//	        Each needs a session holding every answer, so the sessions are
//	        prepared first (every question page answered, untimed), and only
//	        the final submissions are timed, all clients firing at once.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/beacon-portal/beacon/bench/internal/loadgen"
	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

func main() {
	beacon := flag.String("beacon", "http://127.0.0.1:18080", "Beacon's base URL")
	bare := flag.String("bare", "http://127.0.0.1:18099", "the bare reference server's base URL")
	dbURL := flag.String("db", os.Getenv("DATABASE_URL"), "the scratch database, to publish the consultation in")
	clients := flag.Int("c", 32, "concurrent clients")
	d := flag.Duration("d", 10*time.Second, "measured time of the bare scenario")
	warmup := flag.Duration("warmup", 2*time.Second, "untimed warm-up of the bare scenario")
	drafts := flag.Int("drafts", 40, "Beacon submissions timed per client")
	warm := flag.Int("warm-drafts", 5, "Beacon submissions per client fired first as warm-up")
	strict := flag.Bool("strict", false, "exit 1 when a goal is missed")
	flag.Parse()
	if err := loadgen.Loopback(*beacon, *bare); err != nil {
		fail(err)
	}
	ctx := context.Background()
	c, err := publish(ctx, *dbURL)
	if err != nil {
		fail(err)
	}
	hc := loadgen.NewClient(*clients)
	fmt.Printf("\nConsultation responses: %d concurrent clients; bare: %s after %s warm-up; Beacon: %d prepared submissions per client after %d warm-up.\n\n",
		*clients, *d, *warmup, *drafts, *warm)
	var seq atomic.Int64
	bareRes := loadgen.Timed("bare response INSERT (net/http + lib/pq)", *clients, *warmup, *d, func() error {
		return postBare(hc, *bare, c, seq.Add(1))
	})
	loadgen.Print(bareRes)
	total := *clients * (*drafts + *warm)
	fmt.Fprintf(os.Stderr, "preparing %d respondents' sessions (every question answered, untimed)...\n", total)
	sessions, err := loadgen.Prepare(*clients, total, func(i int) (*respondent, error) { return prepare(hc.Transport, *beacon, c, i) })
	if err != nil {
		fail(err)
	}
	web := loadgen.Fire("Have your say POST /have-your-say/{id}/check", *clients, *clients**warm, total,
		func(i int) error { return sessions[i].submit() })
	loadgen.Print(web)
	os.Exit(loadgen.Verdict(*strict, bareRes, []loadgen.Result{web}, nil))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "consult:", err)
	os.Exit(2)
}

// consultation is the published consultation and its question IDs, in
// order.
type consultation struct {
	id  int64
	qid []int64
}

var options = "Speeding\nDrugs\nLitter\nNoise"

// publish creates and publishes the bench's consultation for LPA north.
func publish(ctx context.Context, dbURL string) (consultation, error) {
	store, err := db.Open(ctx, dbURL, db.Options{MaxConns: 2})
	if err != nil {
		return consultation{}, err
	}
	defer store.Close()
	all := portal.Scope{All: true}
	now := time.Now()
	var c consultation
	err = store.InTx(ctx, func(tx *db.Tx) (err error) {
		c.id, err = tx.CreateConsultation(ctx, portal.ConsultationFields{Kind: portal.ConsultationGeneral,
			Title: "How safe is your neighbourhood?", Summary: "Tell us what to tackle first.", AreaLevel: portal.LevelLPA,
			AreaCode: "north", OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(24 * time.Hour)}, all, 0)
		if err != nil {
			return err
		}
		for _, in := range []portal.QuestionInput{
			{Kind: "single", Prompt: "How safe do you feel after dark?", Options: "Very safe\nFairly safe\nNot very safe\nNot safe at all", Required: true},
			{Kind: "multiple", Prompt: "Which problems have you seen?", Options: options, AllowOther: true},
			{Kind: "rank", Prompt: "Rank what we should tackle first", Options: options, MaxRank: "3", Required: true},
			{Kind: "rating", Prompt: "How would you rate your neighbourhood team?"},
			{Kind: "short_text", Prompt: "Where is the problem worst?"},
		} {
			q, fe := in.Parse(nil) // no display conditions to check

			if fe.Any() {
				return fe
			}
			id, err := tx.AddQuestion(ctx, c.id, all, q)
			if err != nil {
				return err
			}
			c.qid = append(c.qid, id)
		}
		return tx.PublishConsultation(ctx, c.id, all, now)
	})
	return c, err
}

// answerJSON is one answer as bench/bare takes it.
type answerJSON struct {
	QuestionID int64    `json:"question_id"`
	Choices    []string `json:"choices"`
	Text       string   `json:"text_value"`
	Rating     *int     `json:"rating"`
}

func postBare(hc *http.Client, base string, c consultation, n int64) error {
	rating := int(n%5) + 1
	answers, _ := json.Marshal([]answerJSON{
		{QuestionID: c.qid[0], Choices: []string{"Fairly safe"}},
		{QuestionID: c.qid[1], Choices: []string{"Speeding", "Noise"}},
		{QuestionID: c.qid[2], Choices: []string{"Drugs", "Speeding", "Noise"}},
		{QuestionID: c.qid[3], Choices: []string{}, Rating: &rating},
		{QuestionID: c.qid[4], Choices: []string{}, Text: "Outside the school " + strconv.FormatInt(n, 10)},
	})
	resp, err := hc.PostForm(fmt.Sprintf("%s/consultations/%d/responses", base, c.id),
		url.Values{"answers": {string(answers)}, "age_band": {"25-34"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("bare: status %d: %.200s", resp.StatusCode, b)
	}
	return nil
}

// respondent is a browser session holding a complete set of answers.
type respondent struct {
	*loadgen.Browser
	path string
}

// prepare answers every question page in a new session, as a resident.
func prepare(tr http.RoundTripper, base string, c consultation, n int) (*respondent, error) {
	r := &respondent{Browser: loadgen.NewBrowser(tr, base), path: fmt.Sprintf("/have-your-say/%d", c.id)}
	safe := []string{"Very safe", "Fairly safe", "Not very safe", "Not safe at all"}
	rank := rand.Perm(4)
	steps := []url.Values{
		{"answer": {safe[n%4]}},
		{"answer": {"Speeding", "other"}, "other": {"Parking on the pavement"}},
		{"rank-1": {rankOf(rank[0])}, "rank-2": {rankOf(rank[1])}, "rank-3": {rankOf(rank[2])}, "rank-4": {rankOf(rank[3])}},
		{"answer": {strconv.Itoa(n%5 + 1)}},
		{"answer": {"Outside the primary school " + strconv.Itoa(n)}},
	}
	if _, err := r.Get(r.path + "/questions/1"); err != nil {
		return nil, err
	}
	for i, v := range steps {
		if _, err := r.Post(fmt.Sprintf("%s/questions/%d", r.path, i+1), v); err != nil {
			return nil, err
		}
	}
	if _, err := r.Post(r.path+"/about-you", url.Values{"age-band": {"25-34"}, "reported-asb": {"no"}}); err != nil {
		return nil, err
	}
	_, err := r.Get(r.path + "/check")
	return r, err
}

// rankOf writes a permutation's place as a rank box's value: ranks 1 to 3,
// the fourth left blank.
func rankOf(p int) string {
	if p == 3 {
		return ""
	}
	return strconv.Itoa(p + 1)
}

// submit is the timed request: "Send your answers".
func (r *respondent) submit() error {
	loc, err := r.Post(r.path+"/check", url.Values{})
	if err != nil {
		return err
	}
	if loc != r.path+"/thank-you" {
		return fmt.Errorf("submit redirected to %q", loc)
	}
	return nil
}
