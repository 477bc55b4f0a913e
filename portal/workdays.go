package portal

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // working days are counted on the calendar of England and Wales on any host
	"unicode/utf8"
)

// london is the time zone in which working days are counted.
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("portal: time zone Europe/London: " + err.Error())
	}
	return loc
}()

// bankHolidays are the bank holidays of England and Wales as published on
// GOV.UK (2024 to 2026) and as the standing rules give them for 2027 to 2030
// (a holiday falling at a weekend moves to the next weekday). A special one
// announced later must be added here; years outside the list count
// weekends only.
var bankHolidays = map[string]bool{
	"2024-01-01": true, "2024-03-29": true, "2024-04-01": true, "2024-05-06": true,
	"2024-05-27": true, "2024-08-26": true, "2024-12-25": true, "2024-12-26": true,
	"2025-01-01": true, "2025-04-18": true, "2025-04-21": true, "2025-05-05": true,
	"2025-05-26": true, "2025-08-25": true, "2025-12-25": true, "2025-12-26": true,
	"2026-01-01": true, "2026-04-03": true, "2026-04-06": true, "2026-05-04": true,
	"2026-05-25": true, "2026-08-31": true, "2026-12-25": true, "2026-12-28": true,
	"2027-01-01": true, "2027-03-26": true, "2027-03-29": true, "2027-05-03": true,
	"2027-05-31": true, "2027-08-30": true, "2027-12-27": true, "2027-12-28": true,
	"2028-01-03": true, "2028-04-14": true, "2028-04-17": true, "2028-05-01": true,
	"2028-05-29": true, "2028-08-28": true, "2028-12-25": true, "2028-12-26": true,
	"2029-01-01": true, "2029-03-30": true, "2029-04-02": true, "2029-05-07": true,
	"2029-05-28": true, "2029-08-27": true, "2029-12-25": true, "2029-12-26": true,
	"2030-01-01": true, "2030-04-19": true, "2030-04-22": true, "2030-05-06": true,
	"2030-05-27": true, "2030-08-26": true, "2030-12-25": true, "2030-12-26": true,
}

// Holidays are bank holidays added by force administrators (a special one
// announced after this list was written), on top of the built-in list. The
// zero value adds none. Keys are dates as "2006-01-02".
type Holidays map[string]bool

// NewHolidays makes the set of added holidays from their dates.
func NewHolidays(days ...time.Time) Holidays {
	h := make(Holidays, len(days))
	for _, d := range days {
		h[d.Format(time.DateOnly)] = true
	}
	return h
}

// IsBankHoliday reports whether t's date in England and Wales is a bank
// holiday, built in or added.
func (h Holidays) IsBankHoliday(t time.Time) bool {
	day := t.In(london).Format(time.DateOnly)
	return bankHolidays[day] || h[day]
}

// IsWorkingDay reports whether t's date in England and Wales is a weekday
// that is not a bank holiday, built in or added.
func (h Holidays) IsWorkingDay(t time.Time) bool {
	t = t.In(london)
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !h.IsBankHoliday(t)
}

// AddWorkingDays is AddWorkingDays counting the added holidays too.
func (h Holidays) AddWorkingDays(t time.Time, n int) time.Time {
	t = t.In(london)
	if n <= 0 {
		return t
	}
	d := dateOnly(t) // step whole days at midday, so a clock change on the way costs nothing
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if h.IsWorkingDay(d) {
			n--
		}
	}
	y, m, day := d.Date()
	return time.Date(y, m, day, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), london)
}

// WorkingDaysBetween is WorkingDaysBetween counting the added holidays too.
func (h Holidays) WorkingDaysBetween(from, to time.Time) int {
	a, b := dateOnly(from), dateOnly(to)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if h.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n
}

// IsBankHoliday reports whether t's date in England and Wales is a bank holiday.
func IsBankHoliday(t time.Time) bool { return Holidays(nil).IsBankHoliday(t) }

// IsWorkingDay reports whether t's date in England and Wales is a weekday
// that is not a bank holiday.
func IsWorkingDay(t time.Time) bool { return Holidays(nil).IsWorkingDay(t) }

// AddWorkingDays returns the time n working days after t, at the same time
// of day in London: Friday 10:00 plus 1 working day is Monday 10:00, and a
// report arriving on a Saturday with 1 day is due on Monday at the same
// clock time. n <= 0 returns t unchanged.
func AddWorkingDays(t time.Time, n int) time.Time { return Holidays(nil).AddWorkingDays(t, n) }

// WorkingDaysBetween counts the working days after from's date up to and
// including to's date (so Friday to Monday is 1). It is 0 when to is not
// after from, and counts backwards as a negative number.
func WorkingDaysBetween(from, to time.Time) int { return Holidays(nil).WorkingDaysBetween(from, to) }

// dateOnly is t's calendar date in London, at midday (clear of any clock
// change).
func dateOnly(t time.Time) time.Time {
	y, m, d := t.In(london).Date()
	return time.Date(y, m, d, 12, 0, 0, 0, london)
}

// BankHoliday is a named bank holiday.
type BankHoliday struct {
	Day  time.Time // the date, at midnight UTC
	Name string
	// Added is true for a holiday a force administrator added.
	Added bool
}

// builtInNames name each year's eight holidays, in date order.
var builtInNames = [8]string{"New Year’s Day", "Good Friday", "Easter Monday", "Early May bank holiday",
	"Spring bank holiday", "Summer bank holiday", "Christmas Day", "Boxing Day"}

// BuiltInBankHolidays lists the built-in bank holidays in date order, named
// (a weekend holiday's weekday replacement is a "substitute day").
func BuiltInBankHolidays() []BankHoliday {
	days := make([]string, 0, len(bankHolidays))
	for d := range bankHolidays {
		days = append(days, d)
	}
	slices.Sort(days)
	out := make([]BankHoliday, 0, len(days))
	for i, d := range days {
		t, _ := time.Parse(time.DateOnly, d)
		name := builtInNames[i%len(builtInNames)]
		if dd := t.Day(); (i%8 == 0 && dd != 1) || (i%8 == 6 && dd != 25) || (i%8 == 7 && dd != 26) {
			name += " (substitute day)"
		}
		out = append(out, BankHoliday{Day: t, Name: name})
	}
	return out
}

// MaxBankHolidayName is the longest name of an added bank holiday.
const MaxBankHolidayName = 100

// BankHolidayInput is a bank holiday a force administrator adds.
type BankHolidayInput struct {
	Date DateParts
	Name string
}

// Validate returns every problem with the input; added lists the holidays
// already added.
func (in BankHolidayInput) Validate(added Holidays) FieldErrors {
	fe := FieldErrors{}
	d, msg := in.Date.Date("date of the bank holiday")
	switch {
	case msg != "":
		fe.Add("holiday-day", msg)
	case d.Year() < 2024:
		fe.Add("holiday-day", "The date must be in 2024 or later")
	case d.Weekday() == time.Saturday || d.Weekday() == time.Sunday:
		fe.Add("holiday-day", "The date is at a weekend, which is not a working day anyway: enter the weekday it moves to")
	case bankHolidays[d.Format(time.DateOnly)]:
		fe.Add("holiday-day", "That date is already a bank holiday in Beacon’s list for England and Wales")
	case added[d.Format(time.DateOnly)]:
		fe.Add("holiday-day", "That bank holiday has already been added")
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case strings.TrimSpace(in.Name) == "":
		fe.Add("name", "Enter the name of the bank holiday")
	case n > MaxBankHolidayName:
		fe.Add("name", fmt.Sprintf("The name must be %d characters or fewer", MaxBankHolidayName))
	}
	return fe
}
