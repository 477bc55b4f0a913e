package handlers

import (
	"context"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// CourseJobCounts says what one round of the course jobs did.
type CourseJobCounts struct {
	Lapsed, Offered, Reminders, After, FollowUps int
}

// courseJobBatch bounds each step's transaction.
const courseJobBatch = 100

// RunCourseJobs runs CourseJobs every interval until ctx ends. Every
// replica may run it: each step claims its rows FOR UPDATE SKIP LOCKED and
// marks them in the transaction that writes their emails, so no email is
// written twice and no offer passed on twice.
func (h *Handler) RunCourseJobs(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := h.CourseJobs(ctx); err != nil && ctx.Err() == nil {
				h.log.Warn("course jobs", "err", err)
			}
		}
	}
}

// CourseJobs passes on offers that ran out and sends the reminders, the
// end-of-course questionnaires and the three-month follow-ups that are due
// by h.now().
func (h *Handler) CourseJobs(ctx context.Context) (CourseJobCounts, error) {
	var c CourseJobCounts
	if err := h.lapseOffers(ctx, &c); err != nil {
		return c, err
	}
	for _, step := range []struct {
		kind, email string
		count       *int
	}{
		{db.NoticeReminder, "course_reminder", &c.Reminders},
		{db.NoticeAfter, "course_after", &c.After},
		{db.NoticeFollowUp, "course_followup", &c.FollowUps},
	} {
		if err := h.sendNotices(ctx, step.kind, step.email, step.count); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (h *Handler) lapseOffers(ctx context.Context, c *CourseJobCounts) error {
	now := h.now()
	return h.store.InTx(ctx, func(tx *db.Tx) error {
		lapsed, err := tx.LapseOffers(ctx, now, courseJobBatch)
		if err != nil {
			return err
		}
		for _, l := range lapsed {
			c.Lapsed++
			offer, err := tx.ReleasePlace(ctx, l.SessionID, now, now.Add(h.offerHold()))
			if err != nil {
				return err
			}
			if offer == nil {
				continue
			}
			s, err := tx.SessionInScope(ctx, l.SessionID, portal.Scope{All: true})
			if err != nil {
				return err
			}
			if err := h.enqueueOffer(ctx, tx, *offer, s); err != nil {
				return err
			}
			c.Offered++
		}
		return nil
	})
}

// noticeRoutes is where each notice's link leads.
var noticeRoutes = map[string]string{
	db.NoticeReminder: "courses.manage", db.NoticeAfter: "courses.after", db.NoticeFollowUp: "courses.followup",
}

func (h *Handler) sendNotices(ctx context.Context, kind, email string, count *int) error {
	return h.store.InTx(ctx, func(tx *db.Tx) error {
		due, err := tx.ClaimNotices(ctx, kind, h.now(), courseJobBatch)
		if err != nil {
			return err
		}
		for _, n := range due {
			data, err := h.newCourseEmail(ctx, tx, n.BookingID, n.Reference, n.Name, n.Session, noticeRoutes[kind])
			if err != nil {
				return err
			}
			m, err := h.mail.Render(email, n.Email, data)
			if err != nil {
				return err
			}
			if kind == db.NoticeReminder {
				err = tx.EnqueueWithAttachments(ctx, m, h.sessionICS(n.Session))
			} else {
				err = tx.Enqueue(ctx, m)
			}
			if err != nil {
				return err
			}
			*count++
		}
		return nil
	})
}
