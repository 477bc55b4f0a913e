package handlers_test

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/handlers"
)

// TestMapPin: with a tile server configured, "Where" offers a map whose
// pin can stand for the postcode; the report lands at the pin, in the
// neighbourhood that contains it. Without one, pins are ignored.
func TestMapPin(t *testing.T) {
	const tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
	s := demoServerWith(t, func(c *handlers.Config) {
		c.Map = handlers.MapConfig{TilesURL: tiles, Attribution: "© Example contributors"}
	})
	var lat, lng float64
	err := openDB(t, s).QueryRow(`SELECT ST_Y(location), ST_X(location) FROM postcodes WHERE postcode = $1`,
		strings.ReplaceAll(riversidePostcode(), " ", "")).Scan(&lat, &lng)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.Get("/report/safety")
	c.PostForm("/report/safety", url.Values{"safety": {"no"}})
	c.PostForm("/report/what", url.Values{"category": {"noise"}})
	page := c.Get("/report/where").Status(t, 200).Contains(t, "Or put a pin on the map", `data-tiles="`+tiles+`"`,
		"Put the pin in the middle of the map")
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://tiles.example.org;") {
		t.Fatalf("CSP %q", csp)
	}
	pin := url.Values{"lat": {fmt.Sprintf("%.6f", lat)}, "lng": {fmt.Sprintf("%.6f", lng)}, "place": {"By the bench"}}
	// A postcode given with the pin must still be real.
	bad := maps.Clone(pin)
	bad.Set("postcode", "DM9 9ZZ")
	c.PostForm("/report/where", bad).Status(t, 422).Contains(t, "your pin shows the place", `name="lat" value="`+pin.Get("lat")+`"`)
	c.PostForm("/report/where", maps.Clone(pin)).Status(t, 303)
	c.Get("/report/check").Status(t, 303) // the rest of the journey is still to do
	c.Get("/report/where").Contains(t, `name="lat" value="`+pin.Get("lat")+`"`)

	// A pin in the sea is outside the force area; nonsense is no pin at all.
	c.PostForm("/report/where", url.Values{"lat": {"50.5"}, "lng": {"-1.0"}}).Status(t, 303)
	c.PostForm("/report/where", url.Values{"lat": {"0"}, "lng": {"javascript:"}}).Status(t, 422).Contains(t, "Enter a postcode")

	// With no tile server, there is no map, and a pin is ignored.
	off := demoServer(t)
	o := off.Client(t)
	o.Get("/report/safety")
	o.PostForm("/report/safety", url.Values{"safety": {"no"}})
	o.PostForm("/report/what", url.Values{"category": {"noise"}})
	if strings.Contains(o.Get("/report/where").Body, "app-map") {
		t.Fatal("a map without a tile server")
	}
	o.PostForm("/report/where", maps.Clone(pin)).Status(t, 422).Contains(t, "Enter a postcode")
}
