package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// Demand insight for an LPA or a neighbourhood in the staff member's scope,
// in three views: when reports come in (a day × hour heatmap), what they
// are about (categories by month) and where (hotspots and repeat
// locations). Only counts are shown: no report, and no reporter. The views
// read aggregates, not anyone's record, so viewing them is not audited;
// the export of reports is.

// insightPage is the data of every insight view.
type insightPage struct {
	Page
	View     string // "when", "what" or "where"
	Areas    []portal.InsightArea
	Area     portal.InsightArea
	Since    time.Time
	Heatmap  heatmapView
	Trend    portal.CategoryTrend
	Chart    trendChart
	Hotspots []portal.Hotspot
	Plot     plotView // the hotspots' centres, relative to each other
	Repeats  []portal.RepeatLocation
	// Thresholds, for the explanations on the page.
	Days, Months, HotspotMetres, HotspotMin, RepeatDays, RepeatMin, RepeatMetres int
}

// insightViews names the views, for the page title.
var insightViews = map[string]string{
	"when":  "When reports come in",
	"what":  "What reports are about",
	"where": "Where reports come from",
}

// insightArea works out the area asked for (?area=CODE, an LPA or a
// neighbourhood) among those the staff member's scope covers: by default
// the first. An area outside the scope answers 404, like a missing one.
func (h *Handler) insightArea(r *http.Request, view string) (*insightPage, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil || !portal.CleanText(query.Get("area")) {
		return nil, errBadRequest
	}
	lpas, err := h.store.LPAs(r.Context())
	if err != nil {
		return nil, err
	}
	u := currentUser(r)
	page := &insightPage{View: view, Areas: portal.InsightAreas(lpas, u.Scope),
		Days: portal.InsightDays, Months: portal.TrendMonths, HotspotMetres: portal.HotspotMetres,
		HotspotMin: portal.HotspotMinReports, RepeatDays: portal.RepeatLocationDays,
		RepeatMin: portal.RepeatLocationReports, RepeatMetres: portal.PlaceRoundingMetres}
	page.Page = Page{Title: insightViews[view], Staff: true}
	code := query.Get("area")
	switch {
	case code != "":
		area, ok := portal.FindInsightArea(page.Areas, code)
		if !ok {
			return nil, errNotFound
		}
		page.Area = area
	case len(page.Areas) > 0:
		page.Area = page.Areas[0]
	}
	if page.Area.Code != "" {
		page.Title += ": " + page.Area.Name
	}
	return page, nil
}

// insightQuery asks about the page's area from since on.
func (p *insightPage) query(u *portal.User, since time.Time) db.InsightQuery {
	p.Since = since
	return db.InsightQuery{Scope: u.Scope, Neighbourhoods: p.Area.Neighbourhoods, Since: since}
}

// showInsight is the "when" view: the demand heatmap.
func (h *Handler) showInsight(w http.ResponseWriter, r *http.Request) error {
	page, err := h.insightArea(r, "when")
	if err != nil {
		return err
	}
	if page.Area.Code != "" {
		since := startOfDay(h.now()).AddDate(0, 0, 1-portal.InsightDays)
		hm, err := h.store.DemandHeatmap(r.Context(), page.query(currentUser(r), since))
		if err != nil {
			return err
		}
		page.Heatmap = newHeatmapView(hm, "demand", fmt.Sprintf("Reports in %s by day and hour, last %d days",
			page.Area.Name, portal.InsightDays), "reports")
	}
	return h.render(w, r, http.StatusOK, "staff_insight", page)
}

// showInsightTrend is the "what" view: categories by month.
func (h *Handler) showInsightTrend(w http.ResponseWriter, r *http.Request) error {
	page, err := h.insightArea(r, "what")
	if err != nil {
		return err
	}
	if page.Area.Code != "" {
		months := portal.TrendMonthsTo(h.now())
		counts, err := h.store.CategoryTrend(r.Context(), page.query(currentUser(r), months[0]))
		if err != nil {
			return err
		}
		page.Trend = portal.NewCategoryTrend(months, counts)
		page.Chart = newTrendChart(page.Trend)
	}
	return h.render(w, r, http.StatusOK, "staff_insight", page)
}

// showInsightPlaces is the "where" view: hotspots and repeat locations,
// worked out at the same time on two connections.
func (h *Handler) showInsightPlaces(w http.ResponseWriter, r *http.Request) error {
	page, err := h.insightArea(r, "where")
	if err != nil {
		return err
	}
	if page.Area.Code != "" {
		u, today := currentUser(r), startOfDay(h.now())
		hotspots := page.query(u, today.AddDate(0, 0, 1-portal.InsightDays))
		repeats := db.InsightQuery{Scope: u.Scope, Neighbourhoods: page.Area.Neighbourhoods,
			Since: today.AddDate(0, 0, 1-portal.RepeatLocationDays)}
		var hsErr error
		var wg sync.WaitGroup
		wg.Go(func() { page.Hotspots, hsErr = h.store.Hotspots(r.Context(), hotspots) })
		page.Repeats, err = h.store.RepeatLocations(r.Context(), repeats)
		wg.Wait()
		if err := errors.Join(hsErr, err); err != nil {
			return err
		}
		var places []plotPlace
		for _, hs := range page.Hotspots {
			places = append(places, plotPlace{Lat: hs.Place.Latitude, Lon: hs.Place.Longitude,
				Label: fmt.Sprintf("%s: %s", hs.Place.Description(), countOf(hs.Reports, "reports"))})
		}
		page.Plot = newPlotView(places, "hotspot-plot", "Where the hotspots are, relative to each other (north is up)")
	}
	return h.render(w, r, http.StatusOK, "staff_insight", page)
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// trendChart is a bar chart of reports a month, drawn by the
// staff_insight template as SVG; the table beside it holds every number.
type trendChart struct {
	Width, Height, Left, Base int
	Bars                      []trendBar
	Ticks                     []trendTick
}

type trendBar struct {
	X, Y, W, H  int
	LabelX      int
	Month, Year string // Year only under January and the first bar
	Title       string
}

type trendTick struct {
	Y     int
	Label string
}

// Trend chart geometry, in SVG user units.
const (
	tcBar    = 36
	tcGap    = 12
	tcLeft   = 48
	tcTop    = 12
	tcPlot   = 180
	tcBottom = 40
)

func newTrendChart(t portal.CategoryTrend) trendChart {
	c := trendChart{Left: tcLeft, Base: tcTop + tcPlot,
		Width: tcLeft + len(t.Months)*(tcBar+tcGap), Height: tcTop + tcPlot + tcBottom}
	top := niceCeiling(t.Max())
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		c.Ticks = append(c.Ticks, trendTick{Y: c.Base - tcPlot*i/4, Label: fmt.Sprint(v)})
	}
	for i, m := range t.Months {
		n := t.Totals[i]
		hgt := 0
		if top > 0 {
			hgt = tcPlot * n / top
		}
		x := tcLeft + i*(tcBar+tcGap) + tcGap/2
		bar := trendBar{X: x, Y: c.Base - hgt, W: tcBar, H: hgt, LabelX: x + tcBar/2,
			Month: m.Format("Jan"), Title: fmt.Sprintf("%s: %s", m.Format("January 2006"), countOf(n, "reports"))}
		if i == 0 || m.Month() == time.January {
			bar.Year = m.Format("2006")
		}
		c.Bars = append(c.Bars, bar)
	}
	return c
}

// niceCeiling is the chart's top: four gridline steps of 1, 2, 2.5 or 5
// times a power of ten, the smallest reaching n.
func niceCeiling(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{10, 20, 25, 50} {
			if step := m * p / 10; step > 0 && 4*step >= n {
				return 4 * step
			}
		}
	}
}
