package portal

import (
	"fmt"
	"strconv"
)

// EvaluationAnswers is one booking as the evaluation sees it: no names, no
// contact details, only what the figures need. Zero scores are unanswered.
type EvaluationAnswers struct {
	Invited             bool
	Status              BookingStatus
	SessionEnded        bool
	Attendance          Attendance
	ConfidenceBefore    int
	WillingnessBefore   int
	ConfidenceAfter     int
	WillingnessAfter    int
	ConfidenceFollowUp  int
	WillingnessFollowUp int
	Used                string
	Resolved            string
}

// Mean is an average score with the number of people answering.
type Mean struct{ Sum, N int }

func (m *Mean) add(score int) {
	if score > 0 {
		m.Sum += score
		m.N++
	}
}

// Value is the mean, 0 when nobody answered.
func (m Mean) Value() float64 {
	if m.N == 0 {
		return 0
	}
	return float64(m.Sum) / float64(m.N)
}

// String shows the mean to one decimal place, or "No answers".
func (m Mean) String() string {
	if m.N == 0 {
		return "No answers"
	}
	return strconv.FormatFloat(m.Value(), 'f', 1, 64)
}

// Share is how many of N answered yes (or did something).
type Share struct{ Yes, N int }

// Percent is the share as a percentage, 0 when N is 0.
func (s Share) Percent() float64 {
	if s.N == 0 {
		return 0
	}
	return 100 * float64(s.Yes) / float64(s.N)
}

// String shows the share as a whole percentage, or "No data".
func (s Share) String() string {
	if s.N == 0 {
		return "No data"
	}
	return fmt.Sprintf("%.0f%%", s.Percent())
}

// EvaluationFigures are the outcome measures for one group of bookings.
//
// Bookings counts confirmed places (people on waiting lists and cancelled
// bookings are counted separately or not at all). The attendance rate is
// attended ÷ confirmed places on sessions that have ended. Confidence and
// willingness before are over confirmed places; after and at three months
// over those who answered. Resolved is the share answering "yes" among
// those who answered the follow-up question.
type EvaluationFigures struct {
	Bookings            int
	Waiting             int
	Cancelled           int
	Attendance          Share
	ConfidenceBefore    Mean
	ConfidenceAfter     Mean
	ConfidenceFollowUp  Mean
	WillingnessBefore   Mean
	WillingnessAfter    Mean
	WillingnessFollowUp Mean
	Used                Share
	Resolved            Share
}

func (f *EvaluationFigures) add(a EvaluationAnswers) {
	switch a.Status {
	case BookingWaiting, BookingOffered:
		f.Waiting++
		return
	case BookingCancelled, BookingLapsed:
		f.Cancelled++
		return
	}
	f.Bookings++
	if a.SessionEnded {
		f.Attendance.N++
		if a.Attendance == Attended {
			f.Attendance.Yes++
		}
	}
	f.ConfidenceBefore.add(a.ConfidenceBefore)
	f.WillingnessBefore.add(a.WillingnessBefore)
	f.ConfidenceAfter.add(a.ConfidenceAfter)
	f.WillingnessAfter.add(a.WillingnessAfter)
	f.ConfidenceFollowUp.add(a.ConfidenceFollowUp)
	f.WillingnessFollowUp.add(a.WillingnessFollowUp)
	if a.Used != "" {
		f.Used.N++
		if a.Used == "yes" {
			f.Used.Yes++
		}
	}
	if a.Resolved != "" {
		f.Resolved.N++
		if a.Resolved == "yes" {
			f.Resolved.Yes++
		}
	}
}

// Evaluation holds the figures for everyone and, separately, for people
// invited by staff from a report or case and for everyone else.
type Evaluation struct {
	All, Invited, Others EvaluationFigures
}

// Evaluate computes the figures from the answers: they are never typed in.
func Evaluate(answers []EvaluationAnswers) Evaluation {
	var e Evaluation
	for _, a := range answers {
		e.All.add(a)
		if a.Invited {
			e.Invited.add(a)
		} else {
			e.Others.add(a)
		}
	}
	return e
}

// Groups lists the figures in the order pages show them: everyone,
// invited, everyone else.
func (e Evaluation) Groups() []EvaluationFigures {
	return []EvaluationFigures{e.All, e.Invited, e.Others}
}
