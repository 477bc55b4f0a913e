package db

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"

	"github.com/beacon-portal/beacon/portal"
)

// The demo geography is fictional: "Demoshire Police", two LPAs and six
// neighbourhoods drawn over open country in the English Midlands, with
// postcodes in the DM area, which does not exist in the UK.
var (
	//go:embed demodata/demoshire.geojson
	demoBoundaries []byte
	//go:embed demodata/postcodes.csv
	demoPostcodes []byte
)

// DemoOutsidePostcode is a demo postcode just outside Demoshire, for
// trying the "outside this force's area" answer.
const DemoOutsidePostcode = "DM9 1AA"

// DemoGeography counts what LoadDemoGeography loaded.
type DemoGeography struct {
	Force          string
	LPAs           int
	Neighbourhoods int
	Postcodes      int
}

// LoadDemoGeography loads the demo force, its areas and postcodes. Running
// it again changes nothing (rows are matched by code and postcode).
func (s *Store) LoadDemoGeography(ctx context.Context) (DemoGeography, error) {
	feats, problems, err := portal.ParseBoundaries(demoBoundaries)
	if err == nil && len(problems) > 0 {
		err = problems
	}
	if err != nil {
		return DemoGeography{}, fmt.Errorf("db: demo boundaries: %w", err)
	}
	if _, err := s.ImportBoundaries(ctx, feats); err != nil {
		return DemoGeography{}, err
	}
	src, err := portal.NewONSPDReader(bytes.NewReader(demoPostcodes))
	if err != nil {
		return DemoGeography{}, fmt.Errorf("db: demo postcodes: %w", err)
	}
	n, err := s.ImportPostcodes(ctx, src, PostcodeImportOptions{Demo: true})
	if err != nil {
		return DemoGeography{}, err
	}
	lpas := map[string]bool{}
	for _, f := range feats {
		lpas[f.LPACode] = true
	}
	return DemoGeography{Force: feats[0].ForceName, LPAs: len(lpas), Neighbourhoods: len(feats), Postcodes: n}, nil
}

// DemoPostcodes lists the demo postcodes inside Demoshire by neighbourhood
// code, as people write them ("DM1 1AB"), in file order.
func DemoPostcodes() map[string][]string {
	r := csv.NewReader(bytes.NewReader(demoPostcodes))
	rows, err := r.ReadAll()
	if err != nil {
		panic("db: embedded demo postcodes: " + err.Error())
	}
	out := map[string][]string{}
	for _, row := range rows[1:] { // pcds, lat, long, neighbourhood
		if row[3] != "" {
			out[row[3]] = append(out[row[3]], row[0])
		}
	}
	return out
}
