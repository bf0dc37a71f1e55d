#!/usr/bin/env bash
# Builds the fuzz harnesses, replays Fuzz/regressions, then fuzzes each target for its share of
# SECONDS_TOTAL (default 60). Exits non-zero on any crash, leak, timeout or out-of-memory
# finding, or on a failing regression input. Prints one line per target.
#
# Usage: Fuzz/run.sh [SECONDS_TOTAL]
# Environment:
#   FUZZ_TARGETS     space-separated subset (default: every Harnesses/*.swift)
#   FUZZ_BUILD       build and work directory (default Fuzz/.build; the work corpus and the
#                    artifacts of a run go to $FUZZ_BUILD/corpus and $FUZZ_BUILD/artifacts)
#   FUZZ_SKIP_BUILD  1: use the harnesses already built
#   FUZZ_FRESH       1: start from the committed seeds only (drop the work corpus of earlier runs)
set -uo pipefail
FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
OUT="${FUZZ_BUILD:-$FUZZ_DIR/.build}"
TOTAL="${1:-60}"
started=$(date +%s)

if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    FUZZ_BUILD="$OUT" "$FUZZ_DIR/build.sh" || { echo "run.sh: build failed" >&2; exit 2; }
fi
built=$(date +%s)

targets=(${FUZZ_TARGETS:-$(cd "$FUZZ_DIR/Harnesses" && ls *.swift | sed 's/\.swift$//')})
share=$(( TOTAL / ${#targets[@]} ))
[ "$share" -ge 1 ] || share=1

# Per-target input size limit: room for the largest seed, small enough to keep runs fast.
max_len() {
    case "$1" in
        csv) echo 4096 ;;
        otlp-protobuf) echo 8192 ;;
        *) echo 16384 ;;
    esac
}

# LibFuzzer's own options; ASan: report leaks (LSan) and fail on them.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:handle_abort=1}"

failed=0
rows=()
for t in "${targets[@]}"; do
    bin="$OUT/bin/fuzz-$t"
    [ -x "$bin" ] || { echo "run.sh: $bin missing" >&2; failed=1; continue; }
    artifacts="$OUT/artifacts/$t"
    work="$OUT/corpus/$t"
    log="$OUT/logs/$t.log"
    [ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work"
    mkdir -p "$artifacts" "$work" "$(dirname "$log")"
    rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*

    # Regression inputs: each must run clean.
    regressions=("$FUZZ_DIR/regressions/$t"/*)
    if [ -e "${regressions[0]}" ]; then
        if ! "$bin" -rss_limit_mb=2048 -timeout=10 "${regressions[@]}" >"$OUT/logs/$t.regressions.log" 2>&1; then
            echo "run.sh: $t: a regression input fails; see $OUT/logs/$t.regressions.log" >&2
            grep -E "ERROR|PROPERTY FAILED|Fatal error|^    #[0-9]+ " "$OUT/logs/$t.regressions.log" | head -30 >&2
            failed=1
        fi
    fi

    dict=()
    [ -f "$FUZZ_DIR/dicts/$t.dict" ] && dict=(-dict="$FUZZ_DIR/dicts/$t.dict")
    "$bin" "$work" "$FUZZ_DIR/corpus/$t" "${dict[@]}" \
        -max_total_time="$share" -rss_limit_mb=2048 -max_len="$(max_len "$t")" -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
    status=$?

    stat() { grep -o "^stat::$1: *[0-9]*" "$log" | tail -1 | grep -o '[0-9]*$'; }
    execs=$(stat number_of_executed_units); rate=$(stat average_exec_per_sec)
    corpus=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    findings=$(find "$artifacts" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    if [ "$status" -ne 0 ] && [ "$findings" -eq 0 ]; then findings=1; fi
    rows+=("$(printf '%-14s %12s %9s %8s %8s' "$t" "${execs:-?}" "${rate:-?}" "${corpus:-?}" "$findings")")
    if [ "$findings" -ne 0 ]; then
        failed=1
        echo "run.sh: $t: FINDING (libFuzzer exit $status), log $log" >&2
        grep -E "^==[0-9]+==ERROR|PROPERTY FAILED|Fatal error|^SUMMARY|^    #[0-9]+ |^artifact_prefix|Test unit written" "$log" | head -40 >&2
        for a in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
            [ -e "$a" ] || continue
            echo "run.sh: reproducer $a ($(wc -c <"$a") bytes), hex:" >&2
            od -An -tx1 -v "$a" | tr -d ' \n' | head -c 2048 >&2; echo >&2
        done
    fi
done

ended=$(date +%s)
echo
echo "Fuzz/run.sh: ${#targets[@]} targets x ${share} s (build $((built - started)) s, total $((ended - started)) s)"
printf '%-14s %12s %9s %8s %8s\n' target executions execs/s corpus crashes
printf '%s\n' "${rows[@]}"
[ "$failed" -eq 0 ] && echo "no findings" || echo "FINDINGS: see above"
exit "$failed"
