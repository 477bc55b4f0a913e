package portal

import (
	"testing"
	"time"
)

func TestHeatmap(t *testing.T) {
	var h Heatmap
	if _, _, _, ok := h.Peak(); ok || h.Total() != 0 || h.Max() != 0 || h.Level(0, 4) != 0 {
		t.Fatal("empty heatmap is not empty")
	}
	h.Add(time.Friday, 22, 8)
	h.Add(time.Saturday, 23, 8)
	h.Add(time.Monday, 9, 1)
	h.Add(time.Monday, 24, 5) // ignored
	h.Add(time.Weekday(9), 1, 5)
	if h.Total() != 17 || h.Max() != 8 || h.Count(time.Friday, 22) != 8 || h.Count(time.Monday, -1) != 0 {
		t.Fatalf("counts %v", h.Counts)
	}
	// On a tie, the earlier slot in a Monday-first week wins.
	if d, hr, n, ok := h.Peak(); !ok || d != time.Friday || hr != 22 || n != 8 {
		t.Fatalf("peak %v %d %d %v", d, hr, n, ok)
	}
	for _, tt := range []struct{ count, want int }{{0, 0}, {1, 1}, {2, 1}, {3, 2}, {4, 2}, {6, 3}, {7, 4}, {8, 4}, {80, 4}} {
		if got := h.Level(tt.count, 4); got != tt.want {
			t.Errorf("Level(%d) = %d, want %d", tt.count, got, tt.want)
		}
	}
	if len(HeatmapDays) != 7 || HeatmapDays[0] != time.Monday || HeatmapDays[6] != time.Sunday {
		t.Fatal("days are not Monday first")
	}
}
