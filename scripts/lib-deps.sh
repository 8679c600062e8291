# The C libraries rcom links against (through module maps), and the tools its tests use
# (sqlite3, promtool, nginx), installed with apt-get if missing.
# Sourced by scripts/main-job, scripts/test and .ci/run.
ensure_system_libraries() {
    local need=()
    [ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
    [ -f /usr/include/openssl/hmac.h ] || need+=(libssl-dev)
    [ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
    command -v sqlite3 >/dev/null || need+=(sqlite3)
    # promtool (Debian's prometheus package): the tests lint every /metrics page with it.
    command -v promtool >/dev/null || need+=(prometheus)
    # nginx: the scale-out tests run three proxies behind a real one (deploy/nginx/).
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
    if [ ${#need[@]} -gt 0 ]; then
        echo "installing ${need[*]}"
        # No recommends: prometheus would otherwise pull in its web console and exporters.
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
    fi
}

# Commands a script needs beyond the libraries, installed with apt-get if missing:
#   ensure_commands CMD:PACKAGE ...   e.g. ensure_commands /usr/bin/time:time python3:python3
# A fresh machine may lack any of them (bc was one: the benchmarks' figures came out empty).
ensure_commands() {
    local need=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    echo "installing ${need[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
}
