# Shared by scripts that run rcom servers: start one in the background, learn its port from
# its "listening on" line (servers are started on port 0 so runs never collide), stop it.
# Usage: PORT=$(start_server NAME CMD...) ; stop_server NAME ; finish_servers (stops all, cleans up)
# Logs and pid files go to $RCOM_TMP: a temporary directory of our own, removed by
# finish_servers, unless the caller gave one (then it is the caller's, and kept).
if [ -z "${RCOM_TMP:-}" ]; then
    RCOM_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rcom-servers.XXXXXX")
    RCOM_TMP_OURS=1
fi

start_server() {
    local name=$1; shift
    "$@" > "$RCOM_TMP/$name.log" 2>&1 &
    echo $! > "$RCOM_TMP/$name.pid"
    for _ in $(seq 1 400); do
        if grep -q "listening on" "$RCOM_TMP/$name.log" 2>/dev/null; then
            sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$RCOM_TMP/$name.log" | head -1
            return 0
        fi
        kill -0 "$(cat "$RCOM_TMP/$name.pid")" 2>/dev/null || break
        sleep 0.025
    done
    echo "$name did not start:" >&2; cat "$RCOM_TMP/$name.log" >&2; return 1
}

stop_server() {
    local pid; pid=$(cat "$RCOM_TMP/$1.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# The line in which NAME announced its address ("... listening on http://HOST:PORT ...").
listening_line() {
    grep -m1 "listening on" "$RCOM_TMP/$1.log"
}

# Stops every server started here, then removes $RCOM_TMP if this file created it: for an
# EXIT trap, so that no run leaves a directory behind.
finish_servers() {
    local pidfile
    for pidfile in "$RCOM_TMP"/*.pid; do
        [ -e "$pidfile" ] && stop_server "$(basename "$pidfile" .pid)"
    done
    if [ "${RCOM_TMP_OURS:-0}" = 1 ]; then rm -rf "$RCOM_TMP"; fi
}
