#!/usr/bin/env bash
# Throwaway PostgreSQL server for the cxlens test suite (no docker, no systemd).
#
#   scripts/pg.sh          start it (installing Debian's postgresql package if needed),
#                          make sure the database cxlens_test exists, and print
#                          CXLENS_TEST_POSTGRES_URL=... as the last line on stdout
#   scripts/pg.sh stop     stop it
#   scripts/pg.sh status   exit 0 if a server is accepting connections on the port
#
# Settings (environment):
#   CXLENS_PG_DIR   cluster folder (default /tmp/cxlens-pg): data/, run/ (unix socket), server.log
#   CXLENS_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#
# Progress messages go to stderr; stdout carries only the URL line, so callers can do
#   url_line=$(scripts/pg.sh | tail -n1)
# The cluster is for tests only: trust auth on loopback, fsync off. Do not keep data in it.
set -euo pipefail

PG_DIR=${CXLENS_PG_DIR:-/tmp/cxlens-pg}
PG_PORT=${CXLENS_PG_PORT:-55432}
PG_DB=cxlens_test
PG_SUPERUSER=postgres
DATA_DIR=$PG_DIR/data
SOCKET_DIR=$PG_DIR/run
LOG_FILE=$PG_DIR/server.log

# Connection settings from the caller's environment must not leak into our client calls.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE PGTZ || true

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

case "$PG_PORT" in
    '' | *[!0-9]*) die "CXLENS_PG_PORT must be a number (got '$PG_PORT')" ;;
esac
case "$PG_DIR" in
    /*) ;;
    *) PG_DIR=$(pwd)/$PG_DIR; DATA_DIR=$PG_DIR/data; SOCKET_DIR=$PG_DIR/run; LOG_FILE=$PG_DIR/server.log ;;
esac

# Newest installed server version's bin dir, e.g. /usr/lib/postgresql/15/bin (empty if none).
find_bindir() {
    local d best='' best_ver=0 ver
    for d in /usr/lib/postgresql/*/bin; do
        if [ ! -x "$d/pg_ctl" ] || [ ! -x "$d/initdb" ]; then continue; fi
        ver=${d#/usr/lib/postgresql/}
        ver=${ver%/bin}
        case "$ver" in *[!0-9]*) continue ;; esac
        if [ "$ver" -gt "$best_ver" ]; then best_ver=$ver; best=$d; fi
    done
    printf '%s' "$best"
}

# Run a command as the cluster owner. initdb/postgres refuse to run as root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u "$PG_SUPERUSER" -- "$@")
    else
        (cd / && "$@")
    fi
}

install_postgresql() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "PostgreSQL is not installed and we are not root (install the 'postgresql' package)"
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not available"
    log "PostgreSQL not found under /usr/lib/postgresql/*/bin; installing Debian's postgresql package"
    "${sudo[@]}" apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

is_ready() {
    "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 5 >/dev/null 2>&1
}

psql_() {
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"
}

ensure_database() {
    local exists
    exists=$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") \
        || die "cannot connect as $PG_SUPERUSER to the server on 127.0.0.1:$PG_PORT (is it ours? see $LOG_FILE)"
    if [ "$exists" != 1 ]; then
        log "creating database $PG_DB"
        "$BINDIR/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" "$PG_DB" \
            || [ "$(psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" = 1 ] \
            || die "could not create database $PG_DB"
    fi
}

# Settings that depend on the environment are rewritten on every start (included from postgresql.conf).
write_conf() {
    cat >"$DATA_DIR/cxlens.conf" <<EOF
# Written by scripts/pg.sh on every start; throwaway test cluster.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
timezone = 'UTC'
log_timezone = 'UTC'
fsync = off
synchronous_commit = off
full_page_writes = off
# /dev/shm is often tiny in containers; mmap files in the data dir avoid "could not resize shared memory"
dynamic_shared_memory_type = mmap
logging_collector = off
EOF
    chown "$(stat -c %u:%g "$DATA_DIR")" "$DATA_DIR/cxlens.conf"
    chmod 0600 "$DATA_DIR/cxlens.conf"
}

init_cluster() {
    local locale_opts=(--no-locale)
    # C.UTF-8 gives proper Unicode ctype (upper/lower, ILIKE) with byte-order collation.
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
        locale_opts=(--locale=C.UTF-8)
    fi
    if [ -d "$DATA_DIR" ]; then
        log "removing incomplete cluster folder $DATA_DIR"
        rm -rf "$DATA_DIR"
    fi
    log "initialising a throwaway cluster in $DATA_DIR"
    as_owner "$BINDIR/initdb" -D "$DATA_DIR" -U "$PG_SUPERUSER" -E UTF8 "${locale_opts[@]}" \
        --auth-local=trust --auth-host=reject --no-sync >&2
    # Trust on loopback only; everything else is rejected.
    cat >"$DATA_DIR/pg_hba.conf" <<'EOF'
# Written by scripts/pg.sh: throwaway test cluster, trust on loopback only.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
host    all       all   ::1/128        trust
EOF
    printf "\n# scripts/pg.sh settings\ninclude_if_exists = 'cxlens.conf'\n" >>"$DATA_DIR/postgresql.conf"
    chown "$PG_SUPERUSER": "$DATA_DIR/pg_hba.conf" "$DATA_DIR/postgresql.conf" 2>/dev/null || true
}

prepare_dir() {
    mkdir -p "$PG_DIR" "$SOCKET_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        getent passwd "$PG_SUPERUSER" >/dev/null || die "no '$PG_SUPERUSER' system user (is the postgresql package installed?)"
        chown "$PG_SUPERUSER": "$PG_DIR" "$SOCKET_DIR"
        [ -e "$LOG_FILE" ] && chown "$PG_SUPERUSER": "$LOG_FILE"
        as_owner test -w "$PG_DIR" -a -x "$PG_DIR" \
            || die "user $PG_SUPERUSER cannot use $PG_DIR (a parent folder is not searchable?); set CXLENS_PG_DIR elsewhere"
    fi
    chmod 0755 "$PG_DIR" "$SOCKET_DIR"
}

start() {
    BINDIR=$(find_bindir)
    if [ -z "$BINDIR" ]; then
        install_postgresql
        BINDIR=$(find_bindir)
        [ -n "$BINDIR" ] || die "postgresql installed but no pg_ctl under /usr/lib/postgresql/*/bin"
    fi

    if is_ready; then
        log "a server is already up on 127.0.0.1:$PG_PORT"
    else
        prepare_dir
        [ -f "$DATA_DIR/PG_VERSION" ] || init_cluster
        local cluster_ver server_ver
        cluster_ver=$(cat "$DATA_DIR/PG_VERSION")
        server_ver=$(basename "$(dirname "$BINDIR")")
        if [ "$cluster_ver" != "$server_ver" ]; then
            if [ -x "/usr/lib/postgresql/$cluster_ver/bin/pg_ctl" ]; then
                BINDIR=/usr/lib/postgresql/$cluster_ver/bin
            else
                die "$DATA_DIR is a PostgreSQL $cluster_ver cluster but only $server_ver is installed; remove $PG_DIR"
            fi
        fi
        write_conf
        if as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
            # Our cluster runs, but not on this port: restart with the new settings.
            log "cluster in $DATA_DIR is running with other settings; restarting it"
            as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t 60 stop >&2 \
                || log "could not stop it; trying to start anyway"
        fi
        log "starting PostgreSQL $(cat "$DATA_DIR/PG_VERSION") on 127.0.0.1:$PG_PORT (log: $LOG_FILE)"
        if ! as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 start >&2; then
            log "server failed to start; last lines of $LOG_FILE:"
            tail -n 20 "$LOG_FILE" >&2 || true
            exit 1
        fi
        is_ready || die "server started but 127.0.0.1:$PG_PORT does not accept connections (see $LOG_FILE)"
    fi

    ensure_database
    printf 'CXLENS_TEST_POSTGRES_URL=postgresql+psycopg://%s@127.0.0.1:%s/%s\n' "$PG_SUPERUSER" "$PG_PORT" "$PG_DB"
}

stop() {
    BINDIR=$(find_bindir)
    if [ -z "$BINDIR" ] || [ ! -f "$DATA_DIR/PG_VERSION" ]; then
        log "no cluster in $DATA_DIR; nothing to stop"
        return 0
    fi
    local cluster_ver
    cluster_ver=$(cat "$DATA_DIR/PG_VERSION")
    [ -x "/usr/lib/postgresql/$cluster_ver/bin/pg_ctl" ] && BINDIR=/usr/lib/postgresql/$cluster_ver/bin
    if as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
        log "stopping PostgreSQL in $DATA_DIR"
        as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t 60 stop >&2
    else
        log "PostgreSQL in $DATA_DIR is not running"
    fi
}

status() {
    BINDIR=$(find_bindir)
    [ -n "$BINDIR" ] || return 3
    if is_ready; then
        log "a server is accepting connections on 127.0.0.1:$PG_PORT"
        return 0
    fi
    log "no server on 127.0.0.1:$PG_PORT"
    return 3
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    -h | --help | help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "usage: $0 [start|stop|status]" ;;
esac
