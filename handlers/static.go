package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"sort"

	"github.com/beacon-portal/beacon/static"
)

// assets serves the built front end under /static/{hash}/, where hash is
// taken over every file: relative imports between assets keep working and
// any change gives every asset a new URL, so browsers may cache them forever.
type assets struct {
	fsys fs.FS
	hash string
}

func newAssets() (*assets, error) {
	fsys := static.Dist()
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("handlers: list assets: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("handlers: read asset: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return &assets{fsys: fsys, hash: hex.EncodeToString(h.Sum(nil))[:12]}, nil
}

// url is the template function "asset".
func (a *assets) url(name string) string { return "/static/" + a.hash + "/" + name }

// serveAsset serves one file. A stale hash (a page from before a deploy)
// still gets the file, but without the promise of immutability.
func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) error {
	name := path.Clean(routeVar(r, "path"))
	if name == "." || name == "SOURCES.sha256" {
		return errNotFound
	}
	f, err := fs.Stat(h.assets.fsys, name)
	if err != nil || f.IsDir() {
		return errNotFound
	}
	if routeVar(r, "hash") == h.assets.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeFileFS(w, r, h.assets.fsys, name)
	return nil
}
