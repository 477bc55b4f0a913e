package handlers

import (
	"errors"
	"net/url"
	"strings"
)

// MapConfig is the report's optional map pin: a slippy map (Leaflet,
// served from Beacon's own assets) whose tiles come from TilesURL, a
// template like https://tile.openstreetmap.org/{z}/{x}/{y}.png. It is off
// when TilesURL is empty (the default, so an offline deployment makes no
// outside requests); the journey always works without it, by postcode or
// a described place.
type MapConfig struct {
	TilesURL    string
	Attribution string // shown on the map, e.g. "© OpenStreetMap contributors"
}

// On reports whether the map is shown.
func (m MapConfig) On() bool { return m.TilesURL != "" }

// Validate checks that the tile URL is an absolute http(s) template with
// {z}, {x} and {y}.
func (m MapConfig) Validate() error {
	if !m.On() {
		return nil
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{s}", "a").Replace(m.TilesURL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("must be an http(s) URL template, like https://tile.openstreetmap.org/{z}/{x}/{y}.png")
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(m.TilesURL, p) {
			return errors.New("must contain {z}, {x} and {y}")
		}
	}
	return nil
}

// imgSource is the CSP img-src entry that lets the browser load tiles:
// the tile server's origin (with a wildcard for {s} subdomains).
func (m MapConfig) imgSource() string {
	if !m.On() {
		return ""
	}
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0", "{s}", "subdomain").Replace(m.TilesURL))
	if err != nil {
		return ""
	}
	return " " + u.Scheme + "://" + strings.Replace(u.Host, "subdomain", "*", 1)
}
