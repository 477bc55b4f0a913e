package e2e

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/portal"
	"github.com/chromedp/chromedp"
)

// tileServer serves one plain 256-pixel tile for every map tile, on
// loopback, standing in for the force's tile server.
func tileServer(t *testing.T) *httptest.Server {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for x := range 256 {
		for y := range 256 {
			img.Set(x, y, color.RGBA{0xdd, 0xe8, 0xd0, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestReportMapPinByKeyboard: with a tile server configured, the "Where"
// page shows a map; by keyboard alone a resident puts the pin in the
// middle of the map and goes on without a postcode. The page passes axe
// with the map on it.
func TestReportMapPinByKeyboard(t *testing.T) {
	tiles := tileServer(t)
	b := newBrowser(t, func(c *handlers.Config) {
		c.Map = handlers.MapConfig{TilesURL: tiles.URL + "/{z}/{x}/{y}.png", Attribution: "Test tiles"}
	})
	ctx := context.Background()
	if _, err := b.Srv.Store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	lat, lon, err := b.Srv.Store.MapCentre(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := "/report/when"
	if _, err := b.Srv.Store.NeighbourhoodAt(ctx, lat, lon); errors.Is(err, portal.ErrOutsideArea) {
		next = "/report/outside"
	}
	b.Visit("/report/safety")
	b.pick("safety-no")
	b.continueTo("Continue", "/report/what")
	b.pick("category-noise")
	b.continueTo("Continue", "/report/where")
	b.Run(chromedp.WaitVisible(".leaflet-container", chromedp.ByQuery),
		chromedp.WaitVisible(".leaflet-tile-loaded", chromedp.ByQuery))
	auditA11y(t, b)
	b.TabTo("Put the pin in the middle of the map")
	b.Press(" ")
	b.Run(chromedp.WaitVisible(".leaflet-marker-icon", chromedp.ByQuery))
	if got := b.Text(".app-map__status"); !strings.Contains(got, "Pin placed") {
		t.Fatalf("status %q", got)
	}
	var pinned string
	b.Run(chromedp.Value(`input[name="lat"]`, &pinned, chromedp.ByQuery))
	if pinned == "" {
		t.Fatal("the pin did not fill the form")
	}
	auditA11y(t, b)
	b.continueTo("Continue", next)
}
