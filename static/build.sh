#!/usr/bin/env bash
# build.sh: builds Beacon's front-end assets into static/dist/ (committed, so
# that `go build` needs no Node) and refreshes e2e/testdata/axe.min.js.
#
# Usage: static/build.sh   (from any directory; `make assets` runs it)
#
# dist/SOURCES.sha256 records a hash of the sources; static_test.go recomputes
# it so that `go test` fails when the sources change without a rebuild.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if [[ ! -d node_modules ]]; then
	npm ci --no-audit --no-fund
fi

out=dist
rm -rf "$out"
mkdir -p "$out" ../e2e/testdata

# Stylesheet. --quiet-deps and --silence-deprecation=import hide Dart Sass
# deprecation notices about govuk-frontend 5.x's own use of @import.
node_modules/.bin/sass \
	--load-path=node_modules \
	--style=compressed \
	--no-source-map \
	--quiet-deps \
	--silence-deprecation=import \
	scss/beacon.scss "$out/beacon.css"

# Assets are served from a content-hashed URL, so the CSS must be
# self-contained: no fonts, no images.
if grep -q 'url(' "$out/beacon.css"; then
	echo "build.sh: $out/beacon.css refers to other files:" >&2
	grep -o 'url([^)]*)' "$out/beacon.css" | sort -u >&2
	exit 1
fi

# Scripts. The source-map comment is dropped because the map is not shipped.
cp src/beacon.js src/beacon.mjs src/favicon.svg "$out/"
govuk_version="$(node -p 'require("./node_modules/govuk-frontend/package.json").version')"
{
	echo "/*! govuk-frontend v$govuk_version | MIT licence | https://github.com/alphagov/govuk-frontend */"
	sed -e 's|//# sourceMappingURL=.*$||' node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js
} >"$out/govuk-frontend.min.js"

# Leaflet for the report's optional map, loaded by map.mjs only on pages
# with a map; its stylesheet refers to its images by relative URL.
cp src/map.mjs "$out/"
mkdir -p "$out/leaflet/images"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$out/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$out/leaflet/images/"

# axe-core for the browser tests' accessibility audits.
cp node_modules/axe-core/axe.min.js ../e2e/testdata/axe.min.js

find scss src package.json package-lock.json build.sh -type f |
	LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1 \
	>"$out/SOURCES.sha256"

echo "build.sh: built $(cd "$out" && ls | tr '\n' ' ')"
