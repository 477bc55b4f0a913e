#!/usr/bin/env bash
# The staff workspace at scale (`make bench` runs it after the Open311 part; it also runs alone).
#
# Against a scratch database (created here, dropped on exit):
#   1. `beacon migrate` and `beacon demo` (the demo force, its neighbourhoods and staff);
#   2. bench/seed adds BENCH_REPORTS (1,000,000) fictional reports over the last 2 years across
#      the demo neighbourhoods (INSERT ... SELECT generate_series inside PostgreSQL; indexes
#      rebuilt after, then VACUUM ANALYZE);
#   3. bench/workspace runs Beacon in-process (handlers.New, configured as `beacon serve`) on
#      127.0.0.1 and, as the demo sergeant of LPA North (a real session), times BENCH_ITERATIONS
#      (50) requests of each page after 10 warm-up ones, one client, end to end: the triage
#      queue's first page, a report page, the heatmap and the hotspot list of the LPA. It prints
#      the median and p95 against the goals (queue and report p95 < 50 ms, heatmap and hotspots
#      p95 < 200 ms), then the EXPLAIN (ANALYZE, BUFFERS) of the slowest page's slowest statement.
# BENCH_STRICT=1 exits 1 on a missed goal. Everything listens on 127.0.0.1 only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPORTS="${BENCH_REPORTS:-1000000}"
ITERATIONS="${BENCH_ITERATIONS:-50}"
WORK="$(mktemp -d)"
DB_NAME="beacon_bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
ADMIN_URL=""

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench-workspace.sh: error: %s\n' "$*" >&2; exit 1; }

cleanup() {
	if [ -n "$ADMIN_URL" ]; then
		psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v psql >/dev/null || die "psql is needed to create and drop the scratch database"

say "building bin/beacon, bench/seed and bench/workspace"
go build -o bin/beacon .
go build -o "$WORK/seed" ./bench/seed
go build -o "$WORK/workspace" ./bench/workspace

say "scratch database $DB_NAME"
ADMIN_URL="$(scripts/db.sh ensure postgres)"
DATABASE_URL="$(scripts/db.sh ensure "$DB_NAME")"
case "$DATABASE_URL" in
*@127.0.0.1:* | *@localhost:* | *@127.0.0.1/* | *@localhost/*) ;;
*) die "the bench runs on loopback only, but the database is not on 127.0.0.1" ;;
esac
export DATABASE_URL DEV=1 LOG_FORMAT=json DATA_DIR="$WORK/data"
unset SMTP_URL
bin/beacon migrate >/dev/null
bin/beacon demo >/dev/null

say "seeding $REPORTS reports over 2 years"
"$WORK/seed" -n "$REPORTS" >&2

printf '\nmake bench (workspace): %s CPU(s), load average %s, PostgreSQL %s, Go %s\n' "$(nproc)" \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" \
	"$(psql "$DATABASE_URL" -Atc 'SHOW server_version' | cut -d' ' -f1)" "$(go env GOVERSION)"
strict=()
[ "${BENCH_STRICT:-}" = 1 ] && strict=(-strict)
"$WORK/workspace" -n "$ITERATIONS" "${strict[@]}"
