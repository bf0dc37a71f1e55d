#!/bin/sh
# Runs Foreshock's Swift benchmark suites and turns them into the result files and figures:
#
#   1. (--peers) the peer scripts: Benchmarks/peers/peers.py all -> Benchmarks/peers/results/peers.json,
#      Benchmarks/peers/storage_peers.py -> Benchmarks/results/storage-peers.json (+ .log);
#   2. Benchmarks/sketch_data.py: the peer script's sketch workload as raw float64 files, read
#      by SketchBenchmarks' "ms workload" benchmarks (same values as the peers);
#   3. swift package benchmark --target T --format influx for every suite (release build,
#      default x86-64 target: no -target-cpu flags), niced; a build that fails because the
#      root package's sources changed under it is retried;
#   4. Benchmarks/results_from_influx.py -> Benchmarks/results/{swift-benchmarks,foreshock,swift-peers}.json;
#   5. Benchmarks/peers/plot.py over peers.json, foreshock.json and swift-peers.json -> docs/figures/*.svg.
#
# usage: Benchmarks/run_all.sh [--peers] [SUITE ...]     (from anywhere)
#   SUITE: StorageBenchmarks SketchBenchmarks DetectionBenchmarks TelemetryBenchmarks EngineBenchmarks
#          (default: all five). The Swift benchmarks build the root package from its working tree.
# env:   EXPORT=dir for the raw influx exports (default Benchmarks/.build/bench-export)
set -eu
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
EXPORT=${EXPORT:-$BENCH/.build/bench-export}
PEERS=0
SUITES=""
for arg in "$@"; do
    case "$arg" in
        --peers) PEERS=1 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) SUITES="$SUITES $arg" ;;
    esac
done
[ -n "$SUITES" ] || SUITES="StorageBenchmarks SketchBenchmarks DetectionBenchmarks TelemetryBenchmarks EngineBenchmarks"
STARTED=$(date +%s)
mkdir -p "$EXPORT" "$BENCH/results"
# One log per step (EXPORT/<step>.meta: times, load average, revision), kept across runs so
# that a run of some suites leaves the other suites' exports and logs in place.
META="$EXPORT/peers.meta"
load() { cut -d' ' -f1-3 /proc/loadavg; }
note() { echo "$*" | tee -a "$META"; }
# The root package's revision, checked again before each suite (SwiftPM rebuilds it from the
# working tree, which may change while the suites run).
revision() {
    if git -C "$ROOT" status --porcelain -- Sources Package.swift | grep -q .; then
        echo "$(git -C "$ROOT" rev-parse --short HEAD) + uncommitted changes in Sources/"
    else
        git -C "$ROOT" rev-parse --short HEAD
    fi
}

if [ "$PEERS" = 1 ]; then
    : >"$META"
    note "peers: revision $(revision)"
    note "peers.py all: start $(date -u +%H:%M:%S) load $(load)"
    (cd "$ROOT" && nice -n 10 python3 Benchmarks/peers/peers.py all)
    note "peers.py all: end $(date -u +%H:%M:%S) load $(load)"
    note "storage_peers.py: start $(date -u +%H:%M:%S) load $(load)"
    (cd "$ROOT" && nice -n 10 python3 Benchmarks/peers/storage_peers.py --json-out Benchmarks/results/storage-peers.json) \
        | tee "$BENCH/results/storage-peers.log"
    note "storage_peers.py: end $(date -u +%H:%M:%S) load $(load)"
fi

nice -n 10 python3 "$BENCH/sketch_data.py"

for suite in $SUITES; do
    rm -rf "${EXPORT:?}/$suite"
    META="$EXPORT/$suite.meta"
    : >"$META"
    note "$suite: revision $(revision)"
    attempt=1
    while :; do
        note "$suite: start $(date -u +%H:%M:%S) load $(load) (attempt $attempt)"
        if (cd "$BENCH" && nice -n 10 swift package benchmark --target "$suite" --format influx --path "$EXPORT/$suite") \
            >"$EXPORT/$suite.log" 2>&1; then
            note "$suite: end $(date -u +%H:%M:%S) load $(load)"
            break
        fi
        grep -E "error|Error" "$EXPORT/$suite.log" | tail -5
        if [ $attempt -ge 3 ]; then echo "$suite failed 3 times; see $EXPORT/$suite.log"; exit 1; fi
        # The other engineer edits Sources/ ("modified during the build"), or SwiftPM kept a stale plan.
        if [ $attempt -ge 2 ]; then rm -f "$BENCH/.build/release.yaml" "$BENCH/.build/build.db"; fi
        attempt=$((attempt + 1))
        sleep 5
    done
    grep -E "^detection latency:|^ms workload:" "$EXPORT/$suite.log" | tee -a "$META" || true
done

ELAPSED=$(( $(date +%s) - STARTED ))
python3 "$BENCH/results_from_influx.py" "$EXPORT" --elapsed "$ELAPSED" \
    --command "Benchmarks/run_all.sh $*"
(cd "$ROOT" && python3 Benchmarks/peers/plot.py --results Benchmarks/peers/results/peers.json \
    Benchmarks/results/foreshock.json Benchmarks/results/swift-peers.json)
echo "done in ${ELAPSED} s"
