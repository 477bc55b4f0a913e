package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// The statutory statistics of the ASB Case Review: each area must publish,
// at least every 12 months, how many applications it received, how many
// times the threshold was not met, how many reviews it carried out and how
// many of them made recommendations. Public, as a page and as CSV, computed
// from the applications themselves.

// statisticsPeriods is how many 12-month periods the page offers.
const statisticsPeriods = 36

// caseReviewStatsPage shows an area's figures for one period.
type caseReviewStatsPage struct {
	Page
	Stats   portal.CaseReviewStatistics
	Period  string // the first month, as 2006-01
	Periods []portal.Option
}

// statisticsRequest reads the area and period of a statistics request.
func (h *Handler) statisticsRequest(r *http.Request) (portal.CaseReviewStatistics, string, error) {
	from, to := portal.DefaultStatisticsPeriod(h.now())
	if p := r.URL.Query().Get("period"); p != "" {
		var ok bool
		if from, to, ok = portal.StatisticsPeriod(p, h.now()); !ok {
			return portal.CaseReviewStatistics{}, "", errBadRequest
		}
	}
	st, err := h.store.CaseReviewStatistics(r.Context(), routeVar(r, "area"), from, to)
	return st, from.Format("2006-01"), err
}

func (h *Handler) showCaseReviewStatistics(w http.ResponseWriter, r *http.Request) error {
	st, period, err := h.statisticsRequest(r)
	if err != nil {
		return err
	}
	p := &caseReviewStatsPage{Page: Page{Title: "ASB case review statistics: " + st.AreaName}, Stats: st, Period: period}
	first, _ := portal.DefaultStatisticsPeriod(h.now())
	for i := range statisticsPeriods {
		from := first.AddDate(0, -i, 0)
		p.Periods = append(p.Periods, portal.Option{Value: from.Format("2006-01"), Label: periodLabel(from, from.AddDate(1, 0, -1))})
	}
	for m := first.AddDate(0, 1, 0); !m.After(portal.LondonDate(h.now())); m = m.AddDate(0, 1, 0) {
		// Periods that have started but not finished: the figures so far.
		p.Periods = append([]portal.Option{{Value: m.Format("2006-01"), Label: periodLabel(m, m.AddDate(1, 0, -1)) + " (so far)"}}, p.Periods...)
	}
	return h.render(w, r, http.StatusOK, "casereview_statistics", p)
}

// periodLabel names a period as "April 2025 to March 2026".
func periodLabel(from, to time.Time) string {
	return from.Format("January 2006") + " to " + to.Format("January 2006")
}

func (h *Handler) downloadCaseReviewStatistics(w http.ResponseWriter, r *http.Request) error {
	st, period, err := h.statisticsRequest(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"area", "area_name", "period_start", "period_end", "applications_received",
		"threshold_not_met", "reviews_carried_out", "reviews_with_recommendations"})
	cw.Write([]string{st.Area, st.AreaName, st.From.Format(time.DateOnly), st.To.Format(time.DateOnly),
		strconv.Itoa(st.Received), strconv.Itoa(st.NotMet), strconv.Itoa(st.Reviews), strconv.Itoa(st.WithRecommendations)})
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="case-review-statistics-`+st.Area+"-"+period+`.csv"`)
	_, err = buf.WriteTo(w)
	return err
}
