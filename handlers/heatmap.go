package handlers

import (
	"fmt"
	"math"

	"github.com/beacon-portal/beacon/portal"
)

// Server-rendered charts for analysis pages: a day × hour heatmap and a
// plot of places. They are SVG built by templates/partials/_heatmap.html
// from the plain numbers here (html/template escapes everything), with no
// script and no external map tiles; each comes with the same data in text
// or a table, for screen readers and for anyone who prefers numbers.

// heatmapView is what the "heatmap" template draws. Build one with
// newHeatmapView and put it on a page:
//
//	{{template "heatmap" .Heatmap}}
type heatmapView struct {
	ID      string // unique on the page: prefixes the chart's element IDs
	Caption string
	Summary string // one sentence: the total and the busiest time
	Total   int
	Width   int
	Height  int
	Rows    []heatmapRow
	Hours   []heatmapTick
	Legend  []heatmapSwatch
	Table   []heatmapTableRow
	Days    []string // column headings of the table, Monday first
}

type heatmapRow struct {
	Day   string
	Y     int
	TextY int
	Cells []heatmapCell
}

type heatmapCell struct {
	X, Y  int
	Fill  string
	Title string
}

type heatmapTick struct {
	X     int
	Label string
}

type heatmapSwatch struct {
	X    int
	Fill string
}

type heatmapTableRow struct {
	Hour   string
	Counts []int
}

// heatmapColours shade a slot by its level: none, then four steps of the
// brand blue. Colour is never the only way to read a value: each cell has
// a title and the table holds every number.
var heatmapColours = []string{"#f3f2f1", "#c8d7ec", "#8eb0da", "#4a78b8", "#1d3a6e"}

// Heatmap geometry, in SVG user units.
const (
	hmCell   = 22
	hmLeft   = 44
	hmTop    = 24
	hmLegend = 36
)

// newHeatmapView lays out h for drawing. what names the things counted
// ("reports"); id must be unique on the page.
func newHeatmapView(h portal.Heatmap, id, caption, what string) heatmapView {
	v := heatmapView{ID: id, Caption: caption, Total: h.Total(),
		Width: hmLeft + 24*hmCell + 2, Height: hmTop + 7*hmCell + hmLegend}
	v.Summary = heatmapSummary(h, what)
	for i, d := range portal.HeatmapDays {
		y := hmTop + i*hmCell
		row := heatmapRow{Day: d.String()[:3], Y: y, TextY: y + hmCell/2 + 5}
		for hr := range 24 {
			n := h.Count(d, hr)
			row.Cells = append(row.Cells, heatmapCell{X: hmLeft + hr*hmCell, Y: y,
				Fill:  heatmapColours[h.Level(n, len(heatmapColours)-1)],
				Title: fmt.Sprintf("%s %s: %s", d, hourRange(hr), countOf(n, what))})
		}
		v.Rows = append(v.Rows, row)
		v.Days = append(v.Days, d.String())
	}
	for hr := 0; hr < 24; hr += 3 {
		v.Hours = append(v.Hours, heatmapTick{X: hmLeft + hr*hmCell + hmCell/2, Label: fmt.Sprintf("%02d", hr)})
	}
	for i, c := range heatmapColours {
		v.Legend = append(v.Legend, heatmapSwatch{X: hmLeft + 44 + i*(hmCell+4), Fill: c})
	}
	for hr := range 24 {
		row := heatmapTableRow{Hour: hourRange(hr)}
		for _, d := range portal.HeatmapDays {
			row.Counts = append(row.Counts, h.Count(d, hr))
		}
		v.Table = append(v.Table, row)
	}
	return v
}

// LegendY is where the legend's swatches sit; LegendTextY its words.
func (v heatmapView) LegendY() int { return hmTop + 7*hmCell + 10 }

// LegendTextY is the baseline of the legend's words.
func (v heatmapView) LegendTextY() int { return v.LegendY() + hmCell/2 + 5 }

// LegendEndX is where the legend's last word ("More") starts.
func (v heatmapView) LegendEndX() int { return hmLeft + 44 + len(heatmapColours)*(hmCell+4) + 2 }

// Cell is a slot's size.
func (v heatmapView) Cell() int { return hmCell }

func heatmapSummary(h portal.Heatmap, what string) string {
	day, hour, n, ok := h.Peak()
	switch {
	case !ok:
		return "No " + what + " to show yet."
	case n == 1:
		return capitalise(countOf(h.Total(), what)) + " in all. No time stands out yet."
	}
	return fmt.Sprintf("%s in all. The busiest time is %ss, %s, with %s.",
		capitalise(countOf(h.Total(), what)), day, hourRange(hour), countOf(n, what))
}

func hourRange(hr int) string { return fmt.Sprintf("%02d:00 to %02d:00", hr, (hr+1)%24) }

func countOf(n int, what string) string {
	if n == 1 && len(what) > 1 && what[len(what)-1] == 's' {
		return "1 " + what[:len(what)-1]
	}
	return fmt.Sprintf("%d %s", n, what)
}

func capitalise(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// plotView is a plot of places relative to their bounding box, drawn by
// the "location_plot" template: enough to see clustering, no map tiles.
type plotView struct {
	ID      string
	Caption string
	Width   int
	Height  int
	Points  []plotPoint
}

type plotPoint struct {
	X, Y  int
	Title string
}

// plotPlace is one place to plot.
type plotPlace struct {
	Lat, Lon float64
	Label    string
}

// Plot geometry, in SVG user units.
const (
	plotWidth  = 320
	plotHeight = 220
	plotPad    = 16
)

// newPlotView scales places into the plot, keeping east–west and
// north–south distances in proportion. It has no points for fewer than two
// places (a single dot says nothing).
func newPlotView(places []plotPlace, id, caption string) plotView {
	v := plotView{ID: id, Caption: caption, Width: plotWidth, Height: plotHeight}
	if len(places) < 2 {
		return v
	}
	minLat, maxLat, minLon, maxLon := places[0].Lat, places[0].Lat, places[0].Lon, places[0].Lon
	for _, p := range places {
		minLat, maxLat = math.Min(minLat, p.Lat), math.Max(maxLat, p.Lat)
		minLon, maxLon = math.Min(minLon, p.Lon), math.Max(maxLon, p.Lon)
	}
	// A degree of longitude is shorter than a degree of latitude by cos(lat).
	kx := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	spanX, spanY := (maxLon-minLon)*kx, maxLat-minLat
	scale := math.Min(float64(plotWidth-2*plotPad)/math.Max(spanX, 1e-9), float64(plotHeight-2*plotPad)/math.Max(spanY, 1e-9))
	if spanX == 0 && spanY == 0 {
		scale = 0 // all in one place: one dot in the middle
	}
	offX := (float64(plotWidth) - spanX*scale) / 2
	offY := (float64(plotHeight) - spanY*scale) / 2
	for _, p := range places {
		v.Points = append(v.Points, plotPoint{
			X:     int(math.Round(offX + (p.Lon-minLon)*kx*scale)),
			Y:     int(math.Round(offY + (maxLat-p.Lat)*scale)),
			Title: p.Label,
		})
	}
	return v
}
