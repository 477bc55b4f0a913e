package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

const importUsage = "usage: beacon import neighbourhoods FILE.geojson | beacon import postcodes FILE.csv"

// importCmd loads the force's geography and postcodes.
func importCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) != 2 {
		return errors.New("import: " + importUsage)
	}
	switch args[0] {
	case "neighbourhoods":
		return importNeighbourhoods(ctx, cfg, args[1], stdout)
	case "postcodes":
		return importPostcodes(ctx, cfg, args[1], stdout)
	}
	return fmt.Errorf("import: unknown kind %q: %s", args[0], importUsage)
}

// importNeighbourhoods loads a GeoJSON FeatureCollection of neighbourhood
// boundaries. Every feature is checked first (by portal's rules, then by
// PostGIS) and every bad one is listed; if any is bad nothing is loaded.
func importNeighbourhoods(ctx context.Context, cfg Config, path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import neighbourhoods: %w", err)
	}
	feats, problems, err := portal.ParseBoundaries(data)
	if err != nil {
		return fmt.Errorf("import neighbourhoods: %s: %w", path, err)
	}
	total := len(feats) + len(problems)
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	invalid, err := store.CheckBoundaries(ctx, feats)
	if err != nil {
		return err
	}
	problems = append(problems, invalid...)
	if len(problems) > 0 {
		problems.Sort()
		for _, p := range problems {
			fmt.Fprintln(stdout, p.String())
		}
		return fmt.Errorf("import neighbourhoods: %d of %d features are invalid; nothing was imported", len(problems), total)
	}
	res, err := store.ImportBoundaries(ctx, feats)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "neighbourhoods: %d features: %d added, %d updated, %d unchanged\n",
		total, res.Added, res.Updated, res.Unchanged)
	return nil
}

// importPostcodes loads a postcode file in the ONS Postcode Directory
// layout, showing progress when stdout is a terminal.
func importPostcodes(ctx context.Context, cfg Config, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import postcodes: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("import postcodes: %w", err)
	}
	counter := &countingReader{r: f}
	src, err := portal.NewONSPDReader(counter)
	if err != nil {
		return fmt.Errorf("import postcodes: %s: %w", path, err)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	opt := db.PostcodeImportOptions{}
	tty := isTerminal(stdout)
	if tty {
		opt.Progress = func(n int) {
			fmt.Fprint(stdout, "\r"+progressLine(n, counter.n, info.Size(), time.Since(start))+"\x1b[K")
		}
	}
	n, err := store.ImportPostcodes(ctx, src, opt)
	if tty && n > 0 {
		fmt.Fprintln(stdout)
	}
	if err != nil {
		return fmt.Errorf("import postcodes: stopped after %s rows (whole batches are kept; run it again to finish): %w", thousands(n), err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "postcodes: loaded %s in %s (%s a second); skipped %s rows without a usable postcode or coordinates\n",
		thousands(n), elapsed.Round(100*time.Millisecond), thousands(rate(n, elapsed)), thousands(src.Skipped))
	return nil
}

// progressLine says how far an import has got and how long it has left,
// judged by the share of the file read so far.
func progressLine(rows int, done, size int64, elapsed time.Duration) string {
	line := fmt.Sprintf("postcodes: %s rows, %s a second", thousands(rows), thousands(rate(rows, elapsed)))
	if done > 0 && size > done {
		left := time.Duration(float64(elapsed) * float64(size-done) / float64(done))
		line += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	return line
}

func rate(n int, d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(float64(n) / d.Seconds())
}

// thousands formats n with commas: 1,234,567.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// isTerminal reports whether w is a terminal, where progress can be
// redrawn in place; logs and pipes get one summary line instead.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
