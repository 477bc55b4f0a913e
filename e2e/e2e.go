// Package e2e holds Beacon's browser tests: real journeys in headless
// Chromium (driven with chromedp) against a real server and database, with
// an axe-core accessibility audit of every page visited.
package e2e
