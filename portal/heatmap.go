package portal

import "time"

// HeatmapDays are the heatmap's rows, Monday first as people in the UK read
// a week.
var HeatmapDays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday,
	time.Friday, time.Saturday, time.Sunday}

// Heatmap counts events by day of the week and hour of the day, to show
// peak times (the "analysis" of OSARA, and demand insight). The zero value
// is empty and ready to use.
type Heatmap struct {
	// Counts is indexed by time.Weekday (Sunday = 0), then hour 0–23.
	Counts [7][24]int
}

// Add counts n events on day at hour; hours outside 0–23 are ignored.
func (h *Heatmap) Add(day time.Weekday, hour, n int) {
	if day < time.Sunday || day > time.Saturday || hour < 0 || hour > 23 {
		return
	}
	h.Counts[day][hour] += n
}

// Count is the number of events on day at hour.
func (h Heatmap) Count(day time.Weekday, hour int) int {
	if day < time.Sunday || day > time.Saturday || hour < 0 || hour > 23 {
		return 0
	}
	return h.Counts[day][hour]
}

// Total is the number of events counted.
func (h Heatmap) Total() int {
	n := 0
	for _, day := range h.Counts {
		for _, c := range day {
			n += c
		}
	}
	return n
}

// Max is the largest count in one slot.
func (h Heatmap) Max() int {
	m := 0
	for _, day := range h.Counts {
		for _, c := range day {
			m = max(m, c)
		}
	}
	return m
}

// Peak is the busiest slot, the earliest in the week (from Monday) on a tie;
// ok is false when nothing was counted.
func (h Heatmap) Peak() (day time.Weekday, hour, count int, ok bool) {
	for _, d := range HeatmapDays {
		for hr := range 24 {
			if c := h.Counts[d][hr]; c > count {
				day, hour, count, ok = d, hr, c, true
			}
		}
	}
	return day, hour, count, ok
}

// Level places a count on a scale of 0 (none) to levels, relative to the
// busiest slot, for shading. Any count above zero is at least level 1, so a
// single report never disappears.
func (h Heatmap) Level(count, levels int) int {
	m := h.Max()
	if count <= 0 || m == 0 || levels <= 0 {
		return 0
	}
	l := (count*levels + m - 1) / m // ceiling
	return min(max(l, 1), levels)
}
