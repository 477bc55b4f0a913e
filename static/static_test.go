package static

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sourceHash computes, in Go, what build.sh records in dist/SOURCES.sha256:
//
//	find scss src package.json package-lock.json build.sh -type f |
//	    LC_ALL=C sort | xargs sha256sum | sha256sum
func sourceHash(t *testing.T) string {
	t.Helper()
	var paths []string
	for _, root := range []string{"scss", "src", "package.json", "package-lock.json", "build.sh"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				paths = append(paths, filepath.ToSlash(path))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", root, err)
		}
	}
	sort.Strings(paths) // byte order, like LC_ALL=C sort
	var lines strings.Builder
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		lines.WriteString(hex.EncodeToString(sum[:]) + "  " + p + "\n")
	}
	sum := sha256.Sum256([]byte(lines.String()))
	return hex.EncodeToString(sum[:])
}

func TestAssetsFresh(t *testing.T) {
	recorded, err := fs.ReadFile(Dist(), "SOURCES.sha256")
	if err != nil {
		t.Fatalf("read dist/SOURCES.sha256: %v", err)
	}
	if got, want := sourceHash(t), strings.TrimSpace(string(recorded)); got != want {
		t.Fatalf("static assets are stale: run `make assets` and commit static/dist\n(sources hash %s, dist/SOURCES.sha256 %s)", got, want)
	}
}

func TestCSSSelfContained(t *testing.T) {
	css, err := fs.ReadFile(Dist(), "beacon.css")
	if err != nil {
		t.Fatalf("read dist/beacon.css: %v", err)
	}
	if len(css) == 0 {
		t.Fatal("dist/beacon.css is empty")
	}
	if strings.Contains(string(css), "url(") {
		t.Error("dist/beacon.css contains url(: assets are served under a hashed URL and must not refer to other files")
	}
	if strings.Contains(string(css), "GDS Transport") {
		t.Error("dist/beacon.css uses GDS Transport, which is reserved for GOV.UK")
	}
}

func TestDistFiles(t *testing.T) {
	for _, name := range []string{"beacon.css", "beacon.js", "beacon.mjs", "govuk-frontend.min.js", "favicon.svg"} {
		if _, err := fs.Stat(Dist(), name); err != nil {
			t.Errorf("dist/%s: %v", name, err)
		}
	}
}
