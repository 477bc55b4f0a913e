#!/usr/bin/env bash
# Provides a PostgreSQL + PostGIS database for Beacon (used by `make run` and `make test`).
#
#   scripts/db.sh ensure DBNAME   print a connection URL for DBNAME (creating it if needed)
#   scripts/db.sh stop            stop the project-local cluster under .data/ if it is running
#   scripts/db.sh running         exit 0 if the project-local cluster is running
#
# `ensure` picks, in order:
#   a) DATABASE_URL (when DBNAME is the app database, "beacon") or TEST_DATABASE_URL (when DBNAME
#      is "postgres", the admin database the tests start from), printed unchanged;
#   b) a server answering on 127.0.0.1:5432 as user postgres without a password
#      (BEACON_PG_PROBE_HOST / BEACON_PG_PROBE_PORT override the probe);
#   c) a project-local cluster in .data/postgres on 127.0.0.1:54329, installing Debian
#      `postgresql` and `postgresql-<major>-postgis-3` first if needed (as root).
# Only the URL goes to stdout; everything else goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
PGDATA_DIR="$DATA/postgres"
SOCK_DIR="$DATA/run"
LOG_FILE="$DATA/postgres.log"
MARKER="$DATA/postgres.started-by-beacon"
LOCK_FILE="$DATA/db.lock"
LOCAL_PORT=54329
APP_DB="beacon"
TEST_ADMIN_DB="postgres"
PROBE_HOST="${BEACON_PG_PROBE_HOST:-127.0.0.1}"
PROBE_PORT="${BEACON_PG_PROBE_PORT:-5432}"
PG_OS_USER="postgres"

log() { printf 'db.sh: %s\n' "$*" >&2; }
die() { printf 'db.sh: error: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

usage() {
	cat >&2 <<'EOF'
usage: scripts/db.sh ensure DBNAME   print a connection URL for DBNAME, creating it if needed
       scripts/db.sh stop            stop the project-local cluster (.data/postgres) if running
       scripts/db.sh running         exit 0 if the project-local cluster is running
EOF
	exit 2
}

# psql against host/port/db as user postgres, never prompting for a password. Fd 3 (the real
# stdout, see ensure) is closed for every child so that nothing long-lived can hold it open.
q() {
	local host="$1" port="$2" db="$3" sql="$4"
	PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}" psql -X -w -q -A -t -v ON_ERROR_STOP=1 \
		-h "$host" -p "$port" -U postgres -d "$db" -c "$sql" </dev/null 3>&-
}

# Runs a command with every file descriptor above 2 closed, so that a daemon it leaves behind
# (the postmaster, or a service apt starts) holds no pipe of ours or of whoever runs us
# (a `$(...)` capture, make's jobserver, a CI log pipe).
without_fds() {
	(
		shopt -s nullglob
		for p in /proc/"$BASHPID"/fd/*; do
			fd="${p##*/}"
			if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
		done
		"$@"
	)
}

apt_install() {
	is_root || die "need root to install $* (or install them yourself, or set DATABASE_URL)"
	command -v apt-get >/dev/null || die "apt-get not found: install $* yourself, or set DATABASE_URL"
	if [ -z "${_APT_UPDATED:-}" ]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive without_fds apt-get update -q </dev/null >&2
		_APT_UPDATED=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive without_fds apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" </dev/null >&2
}

# Newest installed server's bin dir, or empty.
find_pgbin() {
	local d best=""
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
		[ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best="$d"
	done
	printf '%s' "$best"
}

# Runs a command as the owner of the local cluster: the postgres OS user when we are root.
as_owner() {
	if is_root; then
		runuser -u "$PG_OS_USER" -- "$@"
	else
		"$@"
	fi
}

# The bin dir matching the local cluster's on-disk version (empty if no cluster).
cluster_pgbin() {
	[ -f "$PGDATA_DIR/PG_VERSION" ] || return 0
	local v
	v="$(cat "$PGDATA_DIR/PG_VERSION")"
	[ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] || die "cluster in $PGDATA_DIR is PostgreSQL $v, but /usr/lib/postgresql/$v/bin is missing"
	printf '%s' "/usr/lib/postgresql/$v/bin"
}

local_running() {
	[ -f "$PGDATA_DIR/PG_VERSION" ] || return 1
	local bin
	bin="$(cluster_pgbin)"
	as_owner "$bin/pg_ctl" status -D "$PGDATA_DIR" >/dev/null 2>&1 </dev/null 3>&- || return 1
}

# Makes sure the postgis extension can be created on a server on this machine.
ensure_postgis() {
	local host="$1" port="$2" major="$3"
	if [ -n "$(q "$host" "$port" postgres "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ]; then
		return 0
	fi
	local pkg="postgresql-$major-postgis-3"
	if ! is_root; then
		die "PostGIS is not available to the PostgreSQL $major server on $host:$port. Install the Debian package $pkg (sudo apt-get install $pkg), or set DATABASE_URL."
	fi
	apt_install "$pkg"
	if [ -z "$(q "$host" "$port" postgres "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")" ]; then
		die "installed $pkg but PostGIS is still not available to the server on $host:$port (is that server on this machine?)"
	fi
}

create_db() {
	local host="$1" port="$2" db="$3"
	if [ -z "$(q "$host" "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
		log "creating database $db on $host:$port"
		# Another process may create it at the same moment: re-check before failing.
		if ! q "$host" "$port" postgres "CREATE DATABASE \"$db\"" 2>/dev/null; then
			[ -n "$(q "$host" "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" ] ||
				die "could not create database $db on $host:$port"
		fi
	fi
}

# Postgres (as the postgres OS user) must be able to reach $DATA. When the checkout lives under a
# private directory such as /root, grant that user traverse (x) permission on the blocking dirs.
grant_traverse() {
	is_root || return 0
	runuser -u "$PG_OS_USER" -- test -x "$DATA" 2>/dev/null && return 0
	local d="$DATA"
	local dirs=()
	while [ "$d" != "/" ]; do
		dirs=("$d" "${dirs[@]}")
		d="$(dirname "$d")"
	done
	for d in "${dirs[@]}"; do
		if ! runuser -u "$PG_OS_USER" -- test -x "$d" 2>/dev/null; then
			if command -v setfacl >/dev/null && setfacl -m "u:$PG_OS_USER:x" "$d" 2>/dev/null; then
				log "granted user $PG_OS_USER traverse permission on $d (ACL)"
			else
				chmod o+x "$d"
				log "granted traverse permission (o+x) on $d so that user $PG_OS_USER can reach $DATA"
			fi
		fi
	done
}

start_local_cluster() {
	local pgbin
	pgbin="$(find_pgbin)"
	if [ -z "$pgbin" ]; then
		log "no PostgreSQL server installed: installing Debian postgresql"
		apt_install postgresql
		pgbin="$(find_pgbin)"
		[ -n "$pgbin" ] || die "installed postgresql but found no server under /usr/lib/postgresql/*/bin"
	fi
	if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
		pgbin="$(cluster_pgbin)"
	fi
	local major
	major="$(basename "$(dirname "$pgbin")")"
	# Install PostGIS before the first start when it is plainly missing (saves a round trip).
	local sharedir
	sharedir="$("$pgbin/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$major")"
	if [ ! -f "$sharedir/extension/postgis.control" ] && is_root; then
		apt_install "postgresql-$major-postgis-3"
	fi

	if is_root; then
		id -u "$PG_OS_USER" >/dev/null 2>&1 || die "user $PG_OS_USER does not exist (it comes with the postgresql package)"
	fi
	mkdir -p "$PGDATA_DIR" "$SOCK_DIR"
	touch "$LOG_FILE"
	if is_root; then
		chown "$PG_OS_USER:" "$PGDATA_DIR" "$SOCK_DIR" "$LOG_FILE"
		grant_traverse
	fi

	if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
		log "initialising a PostgreSQL $major cluster in $PGDATA_DIR"
		as_owner "$pgbin/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --no-locale \
			</dev/null >&2 3>&- 4>&-
		# Settings that depend on the checkout's location live in beacon.conf, rewritten at each start.
		printf "\n# Added by scripts/db.sh\ninclude_if_exists = 'beacon.conf'\n" >>"$PGDATA_DIR/postgresql.conf"
	fi

	if local_running; then
		return 0
	fi

	# Unix socket paths are limited to 107 bytes; fall back to TCP only if the checkout path is long.
	local sock="$SOCK_DIR"
	if [ "$((${#SOCK_DIR} + 20))" -gt 100 ]; then
		log "path $SOCK_DIR is too long for a Unix socket; the local cluster will listen on TCP only"
		sock=""
	fi
	{
		echo "# Written by scripts/db.sh at each start; edits are lost."
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $LOCAL_PORT"
		echo "unix_socket_directories = '${sock//\'/\'\'}'"
		echo "max_connections = 200"
	} >"$PGDATA_DIR/beacon.conf"
	is_root && chown "$PG_OS_USER:" "$PGDATA_DIR/beacon.conf"

	if (exec 3<>"/dev/tcp/127.0.0.1/$LOCAL_PORT") 2>/dev/null; then
		die "something else is listening on 127.0.0.1:$LOCAL_PORT; stop it or set DATABASE_URL"
	fi

	log "starting the local cluster on 127.0.0.1:$LOCAL_PORT (log: $LOG_FILE)"
	if ! without_fds as_owner "$pgbin/pg_ctl" start -D "$PGDATA_DIR" -l "$LOG_FILE" -w -t 60 </dev/null >&2; then
		tail -n 20 "$LOG_FILE" >&2 || true
		die "the local cluster did not start; see $LOG_FILE"
	fi
	date -u '+started %Y-%m-%dT%H:%M:%SZ by scripts/db.sh' >"$MARKER"
}

ensure() {
	local db="$1"
	[[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || die "bad database name: $db"

	# Keep the real stdout on fd 3 for the URL; everything else goes to stderr.
	exec 3>&1 1>&2

	# a) An explicitly configured server.
	if [ "$db" = "$APP_DB" ] && [ -n "${DATABASE_URL:-}" ]; then
		echo "$DATABASE_URL" >&3
		return 0
	fi
	if [ "$db" = "$TEST_ADMIN_DB" ] && [ -n "${TEST_DATABASE_URL:-}" ]; then
		echo "$TEST_DATABASE_URL" >&3
		return 0
	fi

	# b) A server already answering on the usual port, as user postgres without a password.
	if command -v psql >/dev/null && command -v pg_isready >/dev/null &&
		pg_isready -q -h "$PROBE_HOST" -p "$PROBE_PORT" -U postgres -t 3 </dev/null 3>&- &&
		q "$PROBE_HOST" "$PROBE_PORT" postgres "SELECT 1" >/dev/null 2>&1; then
		log "using the PostgreSQL server on $PROBE_HOST:$PROBE_PORT"
		local num major
		num="$(q "$PROBE_HOST" "$PROBE_PORT" postgres "SHOW server_version_num")"
		major="$((num / 10000))"
		ensure_postgis "$PROBE_HOST" "$PROBE_PORT" "$major"
		create_db "$PROBE_HOST" "$PROBE_PORT" "$db"
		echo "postgres://postgres@$PROBE_HOST:$PROBE_PORT/$db?sslmode=disable" >&3
		return 0
	fi
	if [ "$PROBE_PORT" = 5432 ] && [ "$PROBE_HOST" = 127.0.0.1 ]; then
		log "no PostgreSQL server accepts user postgres on 127.0.0.1:5432; using a project-local cluster"
	else
		log "no PostgreSQL server accepts user postgres on $PROBE_HOST:$PROBE_PORT; using a project-local cluster"
	fi

	# c) A project-local cluster under .data/ (serialised: make run and make test may race).
	mkdir -p "$DATA"
	exec 4>>"$LOCK_FILE"
	if command -v flock >/dev/null; then
		flock -w 300 4 || die "timed out waiting for $LOCK_FILE"
	fi
	start_local_cluster
	exec 4>&-
	command -v psql >/dev/null || die "psql not found"
	local major
	major="$(cat "$PGDATA_DIR/PG_VERSION")"
	ensure_postgis 127.0.0.1 "$LOCAL_PORT" "$major"
	create_db 127.0.0.1 "$LOCAL_PORT" "$db"
	echo "postgres://postgres@127.0.0.1:$LOCAL_PORT/$db?sslmode=disable" >&3
}

stop() {
	if local_running; then
		local bin
		bin="$(cluster_pgbin)"
		log "stopping the local cluster in $PGDATA_DIR"
		as_owner "$bin/pg_ctl" stop -D "$PGDATA_DIR" -m fast -w -t 60 </dev/null >&2 3>&-
	fi
	rm -f "$MARKER"
}

case "${1:-}" in
ensure)
	[ $# -eq 2 ] || usage
	ensure "$2"
	;;
stop)
	[ $# -eq 1 ] || usage
	stop
	;;
running)
	[ $# -eq 1 ] || usage
	local_running
	;;
*) usage ;;
esac
