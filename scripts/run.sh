#!/usr/bin/env bash
# `make run`: a database (see scripts/db.sh), migrations, demo data, then the portal in the
# foreground. Ctrl-C stops the portal and, if this script started the project-local
# PostgreSQL cluster, that cluster too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '==> %s\n' "$*" >&2; }

command -v go >/dev/null || { echo "run.sh: error: Go is not installed (https://go.dev/doc/install)" >&2; exit 1; }

export DEV="${DEV-1}"
export ADDR="${ADDR:-127.0.0.1:8080}"

pid=""
db_started_here=0
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		say "stopping the portal"
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ "$db_started_here" = 1 ]; then
		scripts/db.sh stop || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "database"
scripts/db.sh running || db_started_here=1
url="$(scripts/db.sh ensure beacon)"
if [ "$db_started_here" = 1 ] && ! scripts/db.sh running; then
	db_started_here=0
fi
export DATABASE_URL="$url"

say "go build -o bin/beacon ."
go build -o bin/beacon .

say "bin/beacon migrate"
bin/beacon migrate

say "bin/beacon demo"
bin/beacon demo

# The address people can open: a wildcard host means this machine.
host="${ADDR%:*}"
port="${ADDR##*:}"
case "$host" in "" | 0.0.0.0 | "[::]" | "::") host=127.0.0.1 ;; esac

say "bin/beacon serve"
bin/beacon serve &
pid=$!

# Wait (up to 30 s) until the port accepts connections, then say where to go.
for _ in $(seq 1 300); do
	kill -0 "$pid" 2>/dev/null || break
	if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
		break
	fi
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	echo
	echo "Beacon is running at http://$host:$port"
	echo "Press Ctrl-C to stop."
	echo
fi

set +e
wait "$pid"
rc=$?
set -e
pid=""
exit "$rc"
