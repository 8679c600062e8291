# Shared by scripts that run rcom servers: start one in the background, learn its port from
# its "listening on" line (servers are started on port 0 so runs never collide), stop it.
# Usage: PORT=$(start_server NAME CMD...) ; stop_server NAME
RCOM_TMP=${RCOM_TMP:-$(mktemp -d)}

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
