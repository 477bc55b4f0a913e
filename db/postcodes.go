package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/beacon-portal/beacon/portal"
)

// NeighbourhoodForPostcode returns the neighbourhood a postcode (compact
// form) lies in. A postcode not in the directory answers
// portal.ErrUnknownPostcode; one outside every neighbourhood answers
// portal.ErrOutsideArea.
func (s *Store) NeighbourhoodForPostcode(ctx context.Context, postcode string) (portal.Neighbourhood, error) {
	var row neighbourhoodRow
	err := s.db.GetContext(ctx, &row, `SELECT `+neighbourhoodColumns+` FROM postcodes p
		  JOIN neighbourhoods n ON ST_Intersects(n.boundary, p.location)
		  JOIN lpas l ON l.id = n.lpa_id
		  JOIN local_authorities a ON a.id = n.local_authority_id
		 WHERE p.postcode = $1
		 ORDER BY n.code
		 LIMIT 1`, postcode)
	if err == nil {
		return row.neighbourhood(), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return portal.Neighbourhood{}, wrap("neighbourhood for postcode", err)
	}
	if _, err := s.Postcode(ctx, postcode); err != nil {
		return portal.Neighbourhood{}, err
	}
	return portal.Neighbourhood{}, fmt.Errorf("db: neighbourhood for postcode: %w", portal.ErrOutsideArea)
}

// Postcode returns where a postcode (compact form) is, or
// portal.ErrUnknownPostcode.
func (s *Store) Postcode(ctx context.Context, postcode string) (portal.PostcodePoint, error) {
	p := portal.PostcodePoint{Postcode: postcode}
	err := s.db.QueryRowContext(ctx, `SELECT ST_Y(location), ST_X(location) FROM postcodes WHERE postcode = $1`,
		postcode).Scan(&p.Lat, &p.Lon)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("db: postcode: %w", portal.ErrUnknownPostcode)
	}
	return p, wrap("postcode", err)
}

// PostcodeSource yields postcodes in turn; Next returns io.EOF after the
// last. portal.ONSPDReader is one.
type PostcodeSource interface {
	Next() (portal.PostcodePoint, error)
}

// PostcodeImportOptions tune ImportPostcodes.
type PostcodeImportOptions struct {
	// Demo marks the postcodes as demo data.
	Demo bool
	// BatchSize is the number of rows per transaction (default 50,000).
	BatchSize int
	// Progress, if set, is told the running total after each batch.
	Progress func(loaded int)
}

// DefaultPostcodeBatch is the default number of rows per batch: large
// enough that per-transaction costs vanish, small enough that a failure
// late in a 2.7-million-row file loses little work.
const DefaultPostcodeBatch = 50_000

// ImportPostcodes streams postcodes into the directory in batches. Each
// batch is copied with COPY into a temporary table and merged into
// postcodes in one transaction, so an interrupted import leaves whole
// batches behind and running it again completes it (rows are matched by
// postcode; later rows win). It returns the number of rows loaded.
func (s *Store) ImportPostcodes(ctx context.Context, src PostcodeSource, opt PostcodeImportOptions) (int, error) {
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultPostcodeBatch
	}
	total := 0
	for {
		var n int
		var eof bool
		err := s.InTx(ctx, func(tx *Tx) error {
			var err error
			n, eof, err = tx.copyPostcodes(ctx, src, opt.BatchSize, opt.Demo)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n > 0 && opt.Progress != nil {
			opt.Progress(total)
		}
		if eof {
			return total, nil
		}
	}
}

// copyPostcodes copies up to limit rows from src and merges them.
func (t *Tx) copyPostcodes(ctx context.Context, src PostcodeSource, limit int, demo bool) (n int, eof bool, err error) {
	if _, err := t.tx.ExecContext(ctx, `CREATE TEMP TABLE postcode_import
		(postcode text NOT NULL, lat float8 NOT NULL, lon float8 NOT NULL) ON COMMIT DROP`); err != nil {
		return 0, false, wrap("create postcode import table", err)
	}
	// A prepared COPY … FROM STDIN is lib/pq's streaming COPY: each Exec
	// buffers a row, the final empty Exec sends the rest.
	stmt, err := t.tx.PrepareContext(ctx, `COPY postcode_import (postcode, lat, lon) FROM STDIN`)
	if err != nil {
		return 0, false, wrap("copy postcodes", err)
	}
	defer stmt.Close()
	for n < limit {
		p, err := src.Next()
		if err == io.EOF {
			eof = true
			break
		}
		if err != nil {
			return n, false, err
		}
		if _, err := stmt.ExecContext(ctx, p.Postcode, p.Lat, p.Lon); err != nil {
			return n, false, wrap("copy postcodes", err)
		}
		n++
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return n, false, wrap("copy postcodes", err)
	}
	if n == 0 {
		return 0, eof, nil
	}
	_, err = t.tx.ExecContext(ctx, `
		INSERT INTO postcodes (postcode, location, demo)
		SELECT DISTINCT ON (postcode) postcode, ST_SetSRID(ST_MakePoint(lon, lat), 4326), $1
		  FROM postcode_import
		 ORDER BY postcode
		ON CONFLICT (postcode) DO UPDATE SET location = EXCLUDED.location, demo = EXCLUDED.demo
		 WHERE postcodes.location IS DISTINCT FROM EXCLUDED.location OR postcodes.demo <> EXCLUDED.demo`, demo)
	return n, eof, wrap("merge postcodes", err)
}
