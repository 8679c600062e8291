# Shared by scripts/fuzz-*: how a libFuzzer target is built, run on its kept corpus, and
# accounted for. Sourced, not run.
#
# Kept corpus: Fuzz/kept/TARGET/ (committed). Every run starts from it and the target's
# hand-written seeds, then merges what it found back (libFuzzer -merge=1 against the seeds,
# edges only), so the corpus only grows by inputs that reach new code and runs build on each
# other.
# Bound: FUZZ_KEPT_MAX_KB (default 256 KiB of inputs) per target; a merge that would exceed it
# leaves the kept corpus as it was and says so. FUZZ_KEEP=0 runs without touching it.
# Ledger: Fuzz/ledger.tsv, one line per run (date, commit, target, seconds, executions,
# crashes, exit status); scripts/fuzz-all sums it per target.

# Why these sanitizer options (measured 2026-12-08, scripts/fuzz-send-csv and fuzz-http on the
# same corpus, side by side): recording a stack for every malloc and free, filling every new
# block and cycling 256 MiB of quarantine cost a third to half of each execution. Reports then
# lack the allocation stacks; replay a crash with ASAN_OPTIONS= set empty to get them.
export ASAN_OPTIONS="${ASAN_OPTIONS-malloc_context_size=0:max_malloc_fill_size=0:quarantine_size_mb=16}"
# Swift's backtracer would outlive a crashing run holding its output open; libFuzzer reports.
export SWIFT_BACKTRACE=enable=no

# fuzz_build OUTPUT MODULE FILE...: one module, optimised across files (-wmo) as SwiftPM's
# release build is; without it generic code in the codec ran unspecialised (2.4x slower).
fuzz_build() {
    local output="$1" module="$2"
    shift 2
    "${SWIFTC:-swiftc}" -sanitize=fuzzer,address -parse-as-library -O -wmo -swift-version 6 \
        -module-name "$module" "$@" -o "$output" 2>&1 | { grep -v "Cannot export local symbol '__asan" || true; }
}

# fuzz_run TARGET OUT BINARY SEEDS SECONDS [FLAG...]: runs BINARY (in OUT) for SECONDS on the
# kept corpus and SEEDS, writes crashes to OUT/crash-*, merges, appends to the ledger, and prints
# the log's tail and "executions: N in Ss (exit status X)". Returns the fuzzer's exit status.
fuzz_run() {
    local target="$1" out="$2" binary="$3" seeds="$4" seconds="$5"
    shift 5
    local root kept new log status=0 execs crashes commit
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    kept="$root/Fuzz/kept/$target"
    new="$out/new"
    log="$out/fuzz.log"
    mkdir -p "$kept"
    rm -rf "$new"
    mkdir -p "$new"
    rm -f "$out"/crash-*   # this run's findings only
    # libFuzzer writes the inputs it finds into the first folder; the others are read only.
    (cd "$out" && "./$binary" -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 \
        -artifact_prefix="$out/" "$@" "$new" "$kept" "$seeds") >"$log" 2>&1 || status=$?
    tail -n 25 "$log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    # In fork mode there are no final stats; the parent's last "#N" status line has the count.
    [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\):.*/\1/p' "$log" | tail -n 1)
    crashes=$(find "$out" -maxdepth 1 -name 'crash-*' | wc -l)
    [ "${FUZZ_KEEP:-1}" = 0 ] || fuzz_keep "$target" "$out" "$binary" "$seeds" "$kept" "$new"
    commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$root" status --porcelain -- Sources Fuzz/*Fuzz 2>/dev/null)" ] || commit="$commit+dirty"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u '+%Y-%m-%dT%H:%MZ')" "$commit" "$target" "$seconds" \
        "${execs:-0}" "$crashes" "$status" >>"$root/Fuzz/ledger.tsv"
    echo "executions: ${execs:-unknown} in ${seconds}s (exit status $status)"
    return "$status"
}

# The kept corpus becomes the inputs of (kept + new) that add coverage beyond the seeds.
fuzz_keep() {
    local target="$1" out="$2" binary="$3" seeds="$4" kept="$5" new="$6"
    local merged="$out/merged" max_kb="${FUZZ_KEPT_MAX_KB:-256}" before after kb
    rm -rf "$merged"
    cp -R "$seeds" "$merged"
    # Edges only (-use_counters=0): merging on every hit-count bucket kept 1,614 inputs (212 KiB)
    # after one 660 s http-diff run, edges 288 (42 KiB); the fuzzer finds the counts again.
    if ! (cd "$out" && "./$binary" -merge=1 -use_counters=0 -max_len=4096 "$merged" "$kept" "$new") >"$out/merge.log" 2>&1; then
        echo "kept corpus: merge failed (see $out/merge.log); $kept left as it was"
        return 0
    fi
    # What the merge added to the seeds is the new kept corpus.
    for f in "$seeds"/*; do rm -f "$merged/${f##*/}"; done
    kb=$(find "$merged" -type f -printf '%s\n' | awk '{ s += $1 } END { print int((s + 1023) / 1024) }')
    before=$(find "$kept" -type f | wc -l)
    after=$(find "$merged" -type f | wc -l)
    if [ "$kb" -gt "$max_kb" ]; then
        echo "kept corpus: $after inputs, $kb KiB, over FUZZ_KEPT_MAX_KB=$max_kb; $kept left as it was"
        return 0
    fi
    rm -rf "$kept"
    mv "$merged" "$kept"
    echo "kept corpus: $before -> $after inputs ($kb KiB) in Fuzz/kept/$target"
}
