package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// demoConsultationTitle marks the demo's priorities consultation, so the
// loader runs once.
const demoConsultationTitle = "What should Riverside's policing priorities be?"

// loadDemoConsultations adds an open priorities consultation for Riverside
// (a single choice, a question shown only after "Yes", and a ranking) that
// takes comments, with one comment waiting for moderation, the first time
// it runs; later runs change nothing.
func loadDemoConsultations(ctx context.Context, store *db.Store, stdout io.Writer) error {
	all := portal.Scope{All: true}
	list, err := store.StaffConsultations(ctx, all)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.Title == demoConsultationTitle {
			fmt.Fprintln(stdout, "Demo consultations: already loaded")
			return nil
		}
	}
	now := time.Now()
	err = store.InTx(ctx, func(tx *db.Tx) error {
		id, err := tx.CreateConsultation(ctx, portal.ConsultationFields{Kind: portal.ConsultationPriorities,
			Title: demoConsultationTitle, Summary: "Tell the Riverside team which problems to tackle first over the next six months.",
			Body:      "We will publish the results and say what we did.\n\nIt takes about 3 minutes.",
			AreaLevel: portal.LevelNeighbourhood, AreaCode: "north-riverside",
			OpensAt: now.Add(-24 * time.Hour), ClosesAt: now.AddDate(0, 0, 28), CommentsEnabled: true}, all, 0)
		if err != nil {
			return err
		}
		var earlier []portal.Question
		for _, in := range []portal.QuestionInput{
			{Kind: "single", Prompt: "Have you seen anti-social behaviour in Riverside in the last month?", Options: "Yes\nNo", Required: true},
			{Kind: "long_text", Prompt: "Where did it happen?", Hint: "A street or landmark is enough. Do not name anyone.", ShowIfValue: "Yes"},
			{Kind: "rank", Prompt: "Which problems should we tackle first?", Options: "Speeding\nDrug dealing\nOff-road bikes\nLitter and fly-tipping\nNoise at night", MaxRank: "3", Required: true},
			{Kind: "rating", Prompt: "How safe do you feel in Riverside after dark?", Hint: "1 is very unsafe, 5 is very safe"},
		} {
			if in.ShowIfValue != "" {
				in.ShowIfQID = strconv.FormatInt(earlier[0].ID, 10)
			}
			q, fe := in.Parse(earlier)
			if fe.Any() {
				return fmt.Errorf("demo question %q: %v", in.Prompt, fe)
			}
			if q.ID, err = tx.AddQuestion(ctx, id, all, q); err != nil {
				return err
			}
			q.Position = len(earlier) + 1
			earlier = append(earlier, q)
		}
		if err := tx.PublishConsultation(ctx, id, all, now); err != nil {
			return err
		}
		// A comment waiting in the Riverside team's moderation queue.
		_, err = tx.CreateComment(ctx, db.NewComment{ConsultationID: id, IdempotencyKey: "demo-comment-1",
			Body: "The off-road bikes on the river path are the worst thing about living here. Please do something."}, now)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Demo consultations: 1 open priorities consultation for Riverside, 1 comment to moderate")
	return nil
}
