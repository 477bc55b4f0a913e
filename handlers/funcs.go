package handlers

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/portal"
)

// summaryRow is one row of a "check your answers" summary list.
type summaryRow struct {
	Key, Value, Href, Hidden string
}

// dateBoxes are the three boxes of a GOV.UK date input; an error marks
// all three.
type dateBoxes struct {
	Name, Day, Month, Year, Error string
}

// commonFuncs are small formatting helpers available to every template.
func commonFuncs() template.FuncMap {
	return template.FuncMap{
		"has": func(list []string, v string) bool { return slices.Contains(list, v) },
		"inc": func(i int) int { return i + 1 },
		"dateBoxes": func(name, day, month, year, errText string) dateBoxes {
			return dateBoxes{Name: name, Day: day, Month: month, Year: year, Error: errText}
		},
		"row": func(key, value, href, hidden string) summaryRow {
			return summaryRow{Key: key, Value: value, Href: href, Hidden: hidden}
		},
		"orNone": func(s string) string {
			if strings.TrimSpace(s) == "" {
				return "None given"
			}
			return s
		},
		"labels": func(opts []portal.Option, values []string) string {
			var out []string
			for _, o := range opts {
				if slices.Contains(values, o.Value) {
					out = append(out, o.Label)
				}
			}
			return strings.Join(out, "\n")
		},
		"date":     func(t time.Time) string { return t.In(london).Format("2 January 2006") },
		"datetime": longDateTime,
		"photoCount": func(n int) string {
			switch n {
			case 0:
				return "None added"
			case 1:
				return "1 photo"
			}
			return fmt.Sprintf("%d photos", n)
		},
		"place": func(d *portal.ReportDraft) string {
			var parts []string
			if d.Postcode != "" {
				parts = append(parts, portal.DisplayPostcode(d.Postcode))
			}
			if d.Place != "" {
				parts = append(parts, d.Place)
			}
			if d.Pinned() {
				parts = append(parts, "A pin on the map")
			}
			if d.NeighbourhoodName != "" {
				parts = append(parts, "("+d.NeighbourhoodName+")")
			}
			return strings.Join(parts, "\n")
		},
		"when": func(d *portal.ReportDraft) string {
			s := d.Day + "/" + d.Month + "/" + d.Year
			if t := d.OccurredOn(time.Now().In(london)); !t.IsZero() {
				s = t.Format("2 January 2006")
			}
			if d.Time != "" {
				s += " at " + d.OccurredTime()
			}
			return s
		},
		"before": func(d *portal.ReportDraft) string {
			if d.HappenedBefore != "yes" {
				return "No"
			}
			s := "Yes"
			if d.HowOften != "" {
				s += "\nHow often: " + d.HowOften
			}
			if d.SinceWhen != "" {
				s += "\nSince: " + d.SinceWhen
			}
			return s
		},
		"hate": func(d *portal.ReportDraft, reasons []portal.Option) string {
			switch d.Hate {
			case "yes":
				var out []string
				for _, o := range reasons {
					if slices.Contains(d.HateReasons, o.Value) {
						out = append(out, o.Label)
					}
				}
				return "Yes: " + strings.Join(out, ", ")
			case "not-sure":
				return "Not sure"
			}
			return "No"
		},
	}
}

// longDateTime is a moment as pages and emails write it: "2 January 2006
// at 3:04pm", in UK time.
func longDateTime(t time.Time) string { return t.In(london).Format("2 January 2006 at 3:04pm") }
