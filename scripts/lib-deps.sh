# The C libraries rcom links against (through module maps), and the tools its tests use
# (sqlite3, promtool, nginx, python3-aiosmtpd, openssl), installed with apt-get if missing.
# Sourced by scripts/main-job, scripts/test and .ci/run.
ensure_system_libraries() {
    local need=()
    [ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
    [ -f /usr/include/openssl/hmac.h ] || need+=(libssl-dev)
    [ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
    # libcurl's and libxml2's link-time files: a release build links Foundation statically
    # (RELEASE_FLAGS below), and its networking and XML parts link these system libraries.
    [ -f /usr/include/x86_64-linux-gnu/curl/curl.h ] || [ -f /usr/include/curl/curl.h ] || need+=(libcurl4-openssl-dev)
    [ -f /usr/include/libxml2/libxml/parser.h ] || need+=(libxml2-dev)
    [ -f /usr/include/postgresql/libpq-fe.h ] || need+=(libpq-dev)
    # The PostgreSQL server: the store's tests run against a throwaway cluster (scripts/lib-postgres.sh).
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
    command -v sqlite3 >/dev/null || need+=(sqlite3)
    # promtool (Debian's prometheus package): the tests lint every /metrics page with it.
    command -v promtool >/dev/null || need+=(prometheus)
    # nginx: the scale-out tests run three proxies behind a real one (deploy/nginx/).
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
    # The email tests run a real SMTP server (aiosmtpd, with STARTTLS and AUTH) and make its
    # throwaway CA and certificates with the openssl command.
    /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
    command -v openssl >/dev/null || need+=(openssl)
    if [ ${#need[@]} -gt 0 ]; then
        echo "installing ${need[*]}"
        # No recommends: prometheus would otherwise pull in its web console and exporters.
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
    fi
    ensure_otlp_proto
}

# PyPI's opentelemetry-proto (with protobuf), in a venv of its own: the tracing tests'
# receiver (scripts/otlp-receiver.py) decodes what rcom exports with the official OTLP
# definitions. Debian packages neither. Pinned so a new release cannot change what "decodes"
# means between two runs. If PyPI cannot be reached the tests that need it skip and say so.
OTLP_VENV="${RCOM_OTLP_VENV:-$HOME/.cache/rcom/otlp-venv}"
ensure_otlp_proto() {
    "$OTLP_VENV/bin/python" -c 'import opentelemetry.proto.collector.trace.v1.trace_service_pb2' 2>/dev/null && return 0
    /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
    }
    echo "installing opentelemetry-proto into $OTLP_VENV" >&2
    /usr/bin/python3 -m venv "$OTLP_VENV" \
        && "$OTLP_VENV/bin/pip" install -q --disable-pip-version-check opentelemetry-proto==1.45.2 protobuf==7.36.2 >&2 \
        || echo "warning: could not install opentelemetry-proto; the OTLP receiver tests will skip" >&2
}

# Flags of every release build the scripts make: the Swift runtime and Foundation linked into
# the binary, so that it runs where Swift is not installed (deploy/) and each process starts
# without resolving the runtime's symbols (ld.so was 11 % of a 100-job client's CPU; the
# clients of 1,000 × 10 spent 10–20 % less CPU, scripts/bench-proxy 2026-11-25).
RELEASE_FLAGS="--static-swift-stdlib"

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
