#!/usr/bin/env bash
# Measures `beacon import postcodes` on a file in the ONS Postcode Directory layout.
#
#   scripts/bench-postcodes.sh [ROWS]     (default 1,000,000 rows)
#
# It generates ROWS rows of ONSPD-style CSV (a header row naming ~25 columns, of which the
# importer uses pcds, lat and long; about 1% of rows have ONSPD's "no grid reference"
# coordinates and must be skipped), creates a scratch database (scripts/db.sh), migrates it,
# times the import, times a second import of the same file (every row already present), then
# drops the database. The goal: under 2 minutes for 1,000,000 rows.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROWS="${1:-1000000}"
WORK="$(mktemp -d)"
DB_NAME="beacon_bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
ADMIN_URL=""

say() { printf '==> %s\n' "$*" >&2; }
cleanup() {
	if [ -n "$ADMIN_URL" ]; then
		psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

command -v psql >/dev/null || { echo "bench-postcodes.sh: psql is needed to drop the scratch database" >&2; exit 1; }

say "generating $ROWS ONSPD-style rows"
# Unique, format-valid postcodes: two-letter areas x districts 1-99 x sectors 0-9 x 400 units.
awk -v rows="$ROWS" 'BEGIN {
	srand(20240601)
	split("AB AL BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY EH EN EX FK FY GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY LA LD LE LL LN LS LU ME MK ML NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB WA WD WF WN WR WS WV YO ZE", areas, " ")
	split("A B D E F G H J L N P Q R S T U W X Y Z", L, " ")
	print "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,pcon,ttwa,oa21,lsoa21,msoa21,lat,long"
	n = 0
	for (a = 1; a in areas && n < rows; a++)
	for (d = 1; d <= 99 && n < rows; d++)
	for (s = 0; s <= 9 && n < rows; s++)
	for (u1 = 1; u1 <= 20 && n < rows; u1++)
	for (u2 = 1; u2 <= 20 && n < rows; u2++) {
		out = areas[a] d; inw = s L[u1] L[u2]
		pcds = out " " inw
		pcd = sprintf("%-4s%s", out, inw); pcd2 = sprintf("%-5s%s", out, inw)
		if (rand() < 0.01) { lat = "99.999999"; lon = "0.000000"; e = ""; nn = ""; grd = 9 }
		else { lat = sprintf("%.6f", 50 + rand() * 5); lon = sprintf("%.6f", -5 + rand() * 6); e = int(200000 + rand() * 400000); nn = int(50000 + rand() * 600000); grd = 1 }
		printf "%s,%s,%s,199801,,E99999999,E99999999,E07000179,E05009738,E04008054,0,%s,%s,%d,E18000008,E40000006,E92000001,E12000008,E14000844,E30000266,E00145042,E01028522,E02005946,%s,%s\n", pcd, pcd2, pcds, e, nn, grd, lat, lon
		n++
	}
}' >"$WORK/onspd.csv"
printf '    %s, %s rows\n' "$(du -h "$WORK/onspd.csv" | cut -f1)" "$(($(wc -l <"$WORK/onspd.csv") - 1))" >&2

say "building beacon"
go build -o "$WORK/beacon" .

say "scratch database $DB_NAME"
ADMIN_URL="$(scripts/db.sh ensure postgres)"
DATABASE_URL="$(scripts/db.sh ensure "$DB_NAME")"
export DATABASE_URL DEV=1 LOG_FORMAT=text
"$WORK/beacon" migrate >/dev/null

say "beacon import postcodes (empty table)"
start=$(date +%s.%N)
"$WORK/beacon" import postcodes "$WORK/onspd.csv" </dev/null | cat
first=$(echo "$(date +%s.%N) - $start" | bc)

say "beacon import postcodes again (every row present)"
start=$(date +%s.%N)
"$WORK/beacon" import postcodes "$WORK/onspd.csv" </dev/null | cat
second=$(echo "$(date +%s.%N) - $start" | bc)

loaded=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM postcodes")
printf '\nbench-postcodes: %s rows in the file, %s postcodes in the table\n' "$ROWS" "$loaded"
printf 'bench-postcodes: first import %.1f s, second import %.1f s (goal: under 120 s)\n' "$first" "$second"
if (($(echo "$first >= 120" | bc))); then
	echo "bench-postcodes: SLOWER than the 2-minute goal" >&2
	exit 1
fi
