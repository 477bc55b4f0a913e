package handlers

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// evaluationPage shows the outcome figures for a course and LPA, computed
// from the bookings and answers, never typed in.
type evaluationPage struct {
	Page
	CourseID   int64
	LPA        string
	Courses    []portal.Course
	LPAs       []portal.LPA
	Evaluation portal.Evaluation
	Questions  courseQuestions
	CSVURL     string
}

// evaluationFilter reads the filter from the query.
func (h *Handler) evaluationFilter(r *http.Request) (db.EvaluationFilter, error) {
	q := r.URL.Query()
	f := db.EvaluationFilter{LPACode: q.Get("lpa"), Scope: currentUser(r).Scope, Now: h.now()}
	if !portal.CleanText(f.LPACode) || len(f.LPACode) > 64 {
		return f, errBadRequest
	}
	if v := q.Get("course"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, errBadRequest
		}
		f.CourseID = id
	}
	return f, nil
}

func (h *Handler) showEvaluation(w http.ResponseWriter, r *http.Request) error {
	f, err := h.evaluationFilter(r)
	if err != nil {
		return err
	}
	answers, err := h.store.EvaluationAnswers(r.Context(), f)
	if err != nil {
		return err
	}
	courses, err := h.store.Courses(r.Context(), f.Now)
	if err != nil {
		return err
	}
	lpas, err := h.store.LPAsInScope(r.Context(), f.Scope)
	if err != nil {
		return err
	}
	csvURL := h.routeURL("staff.courses.evaluation.csv")
	if r.URL.RawQuery != "" {
		csvURL += "?" + r.URL.Query().Encode()
	}
	return h.render(w, r, http.StatusOK, "staff_courses_evaluation", &evaluationPage{
		Page: Page{Title: "Course evaluation", Staff: true}, CourseID: f.CourseID, LPA: f.LPACode,
		Courses: courses, LPAs: lpas, Evaluation: portal.Evaluate(answers), Questions: questions, CSVURL: csvURL})
}

// exportEvaluation downloads the figures as CSV: one row per measure, a
// column per group. It holds no personal data; the download is audited.
func (h *Handler) exportEvaluation(w http.ResponseWriter, r *http.Request) error {
	f, err := h.evaluationFilter(r)
	if err != nil {
		return err
	}
	answers, err := h.store.EvaluationAnswers(r.Context(), f)
	if err != nil {
		return err
	}
	if err := h.audit(r, "course.evaluation.export", "course", strconv.FormatInt(f.CourseID, 10),
		map[string]string{"lpa": f.LPACode}); err != nil {
		return err
	}
	e := portal.Evaluate(answers)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="course-evaluation.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"measure", "all", "invited from a report or case", "everyone else"})
	for _, row := range evaluationRows(e) {
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// evaluationRows are the CSV's rows: counts, then each mean with its n.
func evaluationRows(e portal.Evaluation) [][]string {
	groups := []portal.EvaluationFigures{e.All, e.Invited, e.Others}
	row := func(name string, v func(portal.EvaluationFigures) string) []string {
		out := []string{name}
		for _, g := range groups {
			out = append(out, v(g))
		}
		return out
	}
	itoa := strconv.Itoa
	mean := func(m portal.Mean) string {
		if m.N == 0 {
			return ""
		}
		return strconv.FormatFloat(m.Value(), 'f', 2, 64)
	}
	pct := func(s portal.Share) string {
		if s.N == 0 {
			return ""
		}
		return strconv.FormatFloat(s.Percent(), 'f', 1, 64)
	}
	return [][]string{
		row("places booked", func(g portal.EvaluationFigures) string { return itoa(g.Bookings) }),
		row("waiting", func(g portal.EvaluationFigures) string { return itoa(g.Waiting) }),
		row("cancelled", func(g portal.EvaluationFigures) string { return itoa(g.Cancelled) }),
		row("attended", func(g portal.EvaluationFigures) string { return itoa(g.Attendance.Yes) }),
		row("attendance rate %", func(g portal.EvaluationFigures) string { return pct(g.Attendance) }),
		row("attendance n", func(g portal.EvaluationFigures) string { return itoa(g.Attendance.N) }),
		row("confidence before", func(g portal.EvaluationFigures) string { return mean(g.ConfidenceBefore) }),
		row("confidence before n", func(g portal.EvaluationFigures) string { return itoa(g.ConfidenceBefore.N) }),
		row("confidence after", func(g portal.EvaluationFigures) string { return mean(g.ConfidenceAfter) }),
		row("confidence after n", func(g portal.EvaluationFigures) string { return itoa(g.ConfidenceAfter.N) }),
		row("confidence at 3 months", func(g portal.EvaluationFigures) string { return mean(g.ConfidenceFollowUp) }),
		row("confidence at 3 months n", func(g portal.EvaluationFigures) string { return itoa(g.ConfidenceFollowUp.N) }),
		row("willingness before", func(g portal.EvaluationFigures) string { return mean(g.WillingnessBefore) }),
		row("willingness after", func(g portal.EvaluationFigures) string { return mean(g.WillingnessAfter) }),
		row("willingness at 3 months", func(g portal.EvaluationFigures) string { return mean(g.WillingnessFollowUp) }),
		row("used what they learnt %", func(g portal.EvaluationFigures) string { return pct(g.Used) }),
		row("used what they learnt n", func(g portal.EvaluationFigures) string { return itoa(g.Used.N) }),
		row("resolved a problem without police %", func(g portal.EvaluationFigures) string { return pct(g.Resolved) }),
		row("resolved a problem without police n", func(g portal.EvaluationFigures) string { return itoa(g.Resolved.N) }),
	}
}
