#!/usr/bin/env bash
# Load tests on loopback (`make bench`). Figures are printed; nothing needs installing beyond
# Go and PostgreSQL (scripts/db.sh provides the server): the load generator is bench/load.
#
# In one run, against a scratch database (created here, dropped on exit):
#   1. Open311 POST /open311/v2/requests.json on Beacon (bin/beacon serve, built fresh), with an
#      API key created without a rate limit (--per-minute 0);
#   2. the bare reference (bench/bare): net/http + lib/pq doing one INSERT into the same reports
#      table, same columns, per POST;
#   3. the web journey's final submission, POST /report/check. A submission needs a session that
#      holds a complete draft, so the drafts are prepared first, untimed: every step of the
#      journey walked in its own session (BENCH_CLIENTS x (BENCH_DRAFTS + 5) sessions). Then all
#      clients fire only the final submissions; the first 5 per client are the warm-up. This
#      times exactly the submission, as a resident's "Send report" press. The reporter gives a
#      phone number; 4. repeats 3 with an email address, so the acknowledgement email is queued
#      in the same transaction (shown for information: the bare server sends no email).
#   Open311 submissions queue no email (the partner tells its user), so 1 and 3 are the goals.
#   5. bench/consult publishes a consultation of five questions and times "Send your answers",
#      POST /have-your-say/{id}/check, from sessions holding every answer (prepared untimed, as
#      in 3; BENCH_RESPONDENTS, default 100, per client), against the bare server storing the
#      same response and answers in one statement.
# Each of 1 and 2 runs BENCH_DURATION (10s) after BENCH_WARMUP (2s), at BENCH_CLIENTS (32)
# concurrent keep-alive clients. Printed: requests/s, p50 and p99 latency, Beacon/bare ratios, and
# the goals (Beacon >= 0.5x bare throughput, p99 < 100 ms). BENCH_STRICT=1 exits 1 on a missed goal.
# BENCH_PARTS picks the parts to run (default "reports consultations workspace": 1-4, 5, and
# scripts/bench-workspace.sh with its 1,000,000 reports); BENCH_WORKSPACE=0 leaves out the last.
#
# Beacon runs with DEV=1 because production mode requires SMTP_URL (with DEV=1 and no SMTP_URL,
# mail goes nowhere), LOG_FORMAT=json with its logs discarded, templates embedded (it runs in a
# temporary directory), and report rate limits off for the bench (RATE_LIMIT_*_PER_HOUR=0).
# Everything listens on 127.0.0.1 only; the processes started here are stopped on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLIENTS="${BENCH_CLIENTS:-32}"
DURATION="${BENCH_DURATION:-10s}"
WARMUP="${BENCH_WARMUP:-2s}"
DRAFTS="${BENCH_DRAFTS:-40}"
RESPONDENTS="${BENCH_RESPONDENTS:-100}"
PARTS="${BENCH_PARTS:-reports consultations workspace}"
[ "${BENCH_WORKSPACE:-1}" = 1 ] || PARTS="${PARTS//workspace/}"
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
WORK="$(mktemp -d)"
DB_NAME="beacon_bench_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
ADMIN_URL=""
PIDS=()

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench.sh: error: %s\n' "$*" >&2; exit 1; }

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$ADMIN_URL" ]; then
		psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v psql >/dev/null || die "psql is needed to create and drop the scratch database"

# A free loopback port.
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free port on 127.0.0.1"
}

wait_port() {
	local port="$1" name="$2"
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	die "$name did not start listening on 127.0.0.1:$port"
}

say "building bin/beacon, bench/bare and bench/load"
go build -o bin/beacon .
go build -o "$WORK/bare" ./bench/bare
go build -o "$WORK/load" ./bench/load
go build -o "$WORK/consult" ./bench/consult

say "scratch database $DB_NAME"
ADMIN_URL="$(scripts/db.sh ensure postgres)"
DATABASE_URL="$(scripts/db.sh ensure "$DB_NAME")"
case "$DATABASE_URL" in
*@127.0.0.1:* | *@localhost:* | *@127.0.0.1/* | *@localhost/*) ;;
*) die "the bench runs on loopback only, but the database is not on 127.0.0.1" ;;
esac
BEACON_PORT="$(free_port)"
BARE_PORT="$(free_port)"
[ "$BEACON_PORT" != "$BARE_PORT" ] || BARE_PORT="$(free_port)"
export DATABASE_URL DEV=1 LOG_FORMAT=json DATA_DIR="$WORK/data" \
	ADDR="127.0.0.1:$BEACON_PORT" BASE_URL="http://127.0.0.1:$BEACON_PORT" \
	SESSION_KEYS="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" \
	RATE_LIMIT_REPORTS_PER_HOUR=0 RATE_LIMIT_FORMS_PER_HOUR=0
unset SMTP_URL
bin/beacon migrate >/dev/null
bin/beacon demo >/dev/null
KEY="$(bin/beacon apikey create --name "make bench" --per-minute 0 | tail -n 1)"

say "starting Beacon on 127.0.0.1:$BEACON_PORT and the bare server on 127.0.0.1:$BARE_PORT"
(cd "$WORK" && exec "$ROOT/bin/beacon" serve >/dev/null 2>&1) &
PIDS+=("$!")
"$WORK/bare" -addr "127.0.0.1:$BARE_PORT" -db "$DATABASE_URL" >/dev/null 2>"$WORK/bare.log" &
PIDS+=("$!")
wait_port "$BEACON_PORT" "Beacon"
wait_port "$BARE_PORT" "the bare server"

printf '\nmake bench: %s CPU(s), %s, PostgreSQL %s, Go %s\n' "$(nproc)" "$(uname -sr)" \
	"$(psql "$DATABASE_URL" -Atc 'SHOW server_version' | cut -d' ' -f1)" "$(go env GOVERSION)"
strict=()
[ "${BENCH_STRICT:-}" = 1 ] && strict=(-strict)
status=0
if part reports; then
	"$WORK/load" -beacon "http://127.0.0.1:$BEACON_PORT" -bare "http://127.0.0.1:$BARE_PORT" -key "$KEY" \
		-c "$CLIENTS" -d "$DURATION" -warmup "$WARMUP" -drafts "$DRAFTS" "${strict[@]}" || status=$?
	printf '\nreports stored during the run: %s\n' "$(psql "$DATABASE_URL" -Atc 'SELECT count(*) FROM reports')"
fi
if part consultations; then
	"$WORK/consult" -beacon "http://127.0.0.1:$BEACON_PORT" -bare "http://127.0.0.1:$BARE_PORT" -db "$DATABASE_URL" \
		-c "$CLIENTS" -d "$DURATION" -warmup "$WARMUP" -drafts "$RESPONDENTS" "${strict[@]}" || status=$?
	printf '\nconsultation responses stored during the run: %s\n' \
		"$(psql "$DATABASE_URL" -Atc 'SELECT count(*) FROM consultation_responses')"
fi
if [ -s "$WORK/bare.log" ]; then
	echo "bare server errors (first lines):" >&2
	head -n 5 "$WORK/bare.log" >&2
fi
if part workspace; then
	scripts/bench-workspace.sh || status=$?
fi
exit "$status"
