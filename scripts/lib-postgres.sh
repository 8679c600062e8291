# A throwaway PostgreSQL cluster for the tests and benchmarks: initdb into a temporary directory,
# listening on a free port of 127.0.0.1 and on a socket in that directory, stopped and removed
# by postgres_stop (nothing left behind). Sourced by scripts/test and scripts/bench-blacklist.
#
#   source scripts/lib-postgres.sh
#   postgres_start [fast]     # sets RCOM_TEST_POSTGRES_URL (and RCOM_PG_ADMIN_URL), exports both
#   ...
#   postgres_stop
#
# "fast" turns fsync off (tests: nothing to lose); without it the server runs with PostgreSQL's
# defaults (benchmarks). As root (CI), initdb refuses to run, so the cluster belongs to the
# `postgres` user of Debian's package (or `nobody`), through runuser.
PG_DIR=""
PG_BIN=""

postgres_bin() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
    [ -n "$initdb" ] || { echo "postgres: no initdb under /usr/lib/postgresql (apt-get install postgresql)" >&2; return 1; }
    dirname "$initdb"
}

# Runs a PostgreSQL server command as the cluster's owner.
postgres_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        local owner=postgres
        id postgres >/dev/null 2>&1 || owner=nobody
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

postgres_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

postgres_start() {
    local mode="${1:-}"
    PG_BIN=$(postgres_bin) || return 1
    PG_DIR=$(mktemp -d "${PG_TMPDIR:-/tmp}/rcom-postgres.XXXXXX")
    chmod 755 "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        local owner=postgres
        id postgres >/dev/null 2>&1 || owner=nobody
        chown "$owner" "$PG_DIR"
    fi
    # A password, so the tests can check authentication (wrong password, never printed).
    local password
    password="rcom-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    postgres_as_owner sh -c "printf '%s\n' '$password' > '$PG_DIR/pw'"
    postgres_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U rcom --pwfile="$PG_DIR/pw" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; postgres_stop; return 1; }
    postgres_as_owner rm -f "$PG_DIR/pw"
    local port options="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR -c max_connections=200"
    [ "$mode" = fast ] && options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    options="$options ${PG_EXTRA_OPTIONS:-}"
    local tries
    for tries in 1 2 3; do
        port=$(postgres_free_port)
        # -w: wait until it accepts connections (pg_ctl's own deadline, 60 s).
        if postgres_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
                -o "-p $port $options" start >/dev/null; then
            RCOM_PG_ADMIN_URL="postgres://rcom:$password@127.0.0.1:$port/postgres"
            RCOM_TEST_POSTGRES_URL="$RCOM_PG_ADMIN_URL"
            export RCOM_TEST_POSTGRES_URL RCOM_PG_ADMIN_URL
            return 0
        fi
    done
    cat "$PG_DIR/server.log" >&2
    postgres_stop
    return 1
}

postgres_stop() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        postgres_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=""
    unset RCOM_TEST_POSTGRES_URL RCOM_PG_ADMIN_URL
}

# psql against the throwaway cluster (its admin database unless a URL is given first).
postgres_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "${RCOM_PG_ADMIN_URL}" "$@"
}
