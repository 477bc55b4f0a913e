// Package templates embeds Beacon's html/template files: layouts/ (the page
// shell), partials/ (shared pieces named _*.html) and pages/ (one file per
// page, named <area>_<page>.html) and email/ (emails: NAME.txt and NAME.html).
package templates

import "embed"

// FS holds every template file.
//
//go:embed layouts all:partials pages all:email
var FS embed.FS
