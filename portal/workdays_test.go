package portal

import (
	"testing"
	"time"
)

func londonTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		name, from string
		days       int
		want       string
	}{
		{"weekday", "2026-03-10 09:30", 1, "2026-03-11 09:30"},
		{"Friday plus one is Monday", "2026-03-13 16:00", 1, "2026-03-16 16:00"},
		{"Friday plus two is Tuesday", "2026-03-13 16:00", 2, "2026-03-17 16:00"},
		{"Saturday plus one is Monday", "2026-03-14 11:00", 1, "2026-03-16 11:00"},
		{"Sunday plus one is Monday", "2026-03-15 23:59", 1, "2026-03-16 23:59"},
		{"five days is a week", "2026-03-10 09:00", 5, "2026-03-17 09:00"},
		{"zero days", "2026-03-14 11:00", 0, "2026-03-14 11:00"},
		{"Christmas Eve 2025", "2025-12-24 10:00", 1, "2025-12-29 10:00"},
		{"Christmas 2026: Boxing Day moves to Monday 28th", "2026-12-24 10:00", 1, "2026-12-29 10:00"},
		{"Christmas 2027 at a weekend", "2027-12-24 10:00", 1, "2027-12-29 10:00"},
		{"New Year 2028 substitute day", "2027-12-31 10:00", 1, "2028-01-04 10:00"},
		{"Easter 2026", "2026-04-02 12:00", 1, "2026-04-07 12:00"},
		{"early May 2025", "2025-05-02 12:00", 1, "2025-05-06 12:00"},
		{"late summer 2026", "2026-08-28 12:00", 2, "2026-09-02 12:00"},
		{"across the spring clock change", "2026-03-27 01:30", 1, "2026-03-30 01:30"},
		{"across the autumn clock change", "2026-10-23 12:00", 1, "2026-10-26 12:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddWorkingDays(londonTime(t, tt.from), tt.days)
			if want := londonTime(t, tt.want); !got.Equal(want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.days, got, want)
			}
		})
	}
	// A time given in UTC is counted on the London calendar.
	utc := time.Date(2026, 6, 5, 23, 30, 0, 0, time.UTC) // Saturday 00:30 in London
	if got := AddWorkingDays(utc, 1); got.In(london).Format("2006-01-02 15:04") != "2026-06-08 00:30" {
		t.Fatalf("UTC input: %s", got.In(london))
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-03-13 16:00", "2026-03-16 09:00", 1},
		{"2026-03-13 16:00", "2026-03-13 18:00", 0},
		{"2026-03-09 09:00", "2026-03-16 09:00", 5},
		{"2025-12-24 09:00", "2025-12-29 09:00", 1},
		{"2026-03-16 09:00", "2026-03-13 16:00", -1},
	}
	for _, tt := range tests {
		if got := WorkingDaysBetween(londonTime(t, tt.from), londonTime(t, tt.to)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

// TestBankHolidaysFollowTheRules checks the table against the standing
// rules (New Year, Good Friday, Easter Monday, first and last Mondays of May,
// last Monday of August, Christmas and Boxing Day, weekend substitutes).
func TestBankHolidaysFollowTheRules(t *testing.T) {
	want := map[string]bool{}
	for y := 2024; y <= 2030; y++ {
		for _, d := range ruleHolidays(y) {
			want[d.Format(time.DateOnly)] = true
		}
	}
	for d := range want {
		if !bankHolidays[d] {
			t.Errorf("%s is missing", d)
		}
	}
	for d := range bankHolidays {
		if !want[d] {
			t.Errorf("%s is not a bank holiday by the rules", d)
		}
	}
	if len(bankHolidays) != 8*7 {
		t.Errorf("%d holidays, want 56", len(bankHolidays))
	}
	if !IsBankHoliday(londonTime(t, "2026-12-28 10:00")) || IsWorkingDay(londonTime(t, "2026-12-25 10:00")) ||
		!IsWorkingDay(londonTime(t, "2026-12-29 10:00")) || IsWorkingDay(londonTime(t, "2026-03-14 10:00")) {
		t.Fatal("IsBankHoliday / IsWorkingDay disagree with the calendar")
	}
}

func ruleHolidays(y int) []time.Time {
	day := func(m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	weekday := func(d time.Time, taken ...time.Time) time.Time {
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || (len(taken) > 0 && d.Equal(taken[0])) {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	monday := func(d time.Time, step int) time.Time {
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, step)
		}
		return d
	}
	// Anonymous Gregorian computus.
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	easter := day(time.Month((h+l-7*m+114)/31), (h+l-7*m+114)%31+1)
	christmas := weekday(day(time.December, 25))
	return []time.Time{
		weekday(day(time.January, 1)), easter.AddDate(0, 0, -2), easter.AddDate(0, 0, 1),
		monday(day(time.May, 1), 1), monday(day(time.May, 31), -1), monday(day(time.August, 31), -1),
		christmas, weekday(day(time.December, 26), christmas),
	}
}
