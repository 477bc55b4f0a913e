// Package static embeds Beacon's built front-end assets.
//
// The sources (scss/, src/, package.json) are built by build.sh into dist/,
// which is committed so that `go build` needs no Node. Handlers serve Dist()
// under a content-hashed URL.
package static

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Dist returns the built assets, rooted at dist/ (beacon.css, beacon.js, ...).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// Unreachable: "dist" is a valid path and is embedded above.
		panic("static: " + err.Error())
	}
	return sub
}
