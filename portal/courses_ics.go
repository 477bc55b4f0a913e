package portal

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// CalendarEvent is one session as an iCalendar event.
type CalendarEvent struct {
	Session CourseSession
	// URL is the session's page.
	URL string
}

// ICalendar renders sessions as an RFC 5545 calendar (METHOD:PUBLISH):
// the public feed, and the attachment of a booking email. host makes the
// UIDs globally unique; stamp is DTSTAMP. Cancelled sessions are kept with
// STATUS:CANCELLED so calendar apps remove them.
func ICalendar(name, host string, stamp time.Time, events []CalendarEvent) []byte {
	var b strings.Builder
	line := func(s string) { b.WriteString(foldICS(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Beacon//Defusing courses//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escapeICS(name))
	for _, e := range events {
		s := e.Session
		line("BEGIN:VEVENT")
		line("UID:course-session-" + strconv.FormatInt(s.ID, 10) + "@" + host)
		line("DTSTAMP:" + icsTime(stamp))
		line("DTSTART:" + icsTime(s.StartsAt))
		line("DTEND:" + icsTime(s.EndsAt))
		line("SUMMARY:" + escapeICS(s.CourseTitle))
		line("LOCATION:" + escapeICS(joinNonEmpty(", ", s.VenueName, s.VenueAddress, s.VenuePostcode)))
		desc := joinNonEmpty("\n", "Run by "+s.Provider, s.Accessibility, e.URL)
		line("DESCRIPTION:" + escapeICS(desc))
		if e.URL != "" {
			line("URL:" + e.URL)
		}
		if s.Cancelled() {
			line("STATUS:CANCELLED")
		} else {
			line("STATUS:CONFIRMED")
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" && p != "Run by " {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// escapeICS escapes a TEXT value (RFC 5545 3.3.11).
func escapeICS(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// foldICS ends a content line with CRLF, folding it at 75 octets without
// splitting a UTF-8 character (RFC 5545 3.1).
func foldICS(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := utf8.RuneLen(r)
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	b.WriteString("\r\n")
	return b.String()
}
