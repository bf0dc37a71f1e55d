#!/bin/sh
# Reproduces Foreshock's NAB figures (docs/DETECTION.md): streams every NAB v1.1 file through
# one SeriesDetector with the default DetectorConfiguration (one configuration for all 58
# files, no look-ahead: the score of row i uses rows <= i only), writes
# OUT/<category>/<file>.csv with timestamp,value,anomaly_score (PointScore.alertScore at
# %.17g), then scores OUT with the independent NAB scorer (exhaustive corpus-wide threshold
# sweep, three profiles).
#
# usage: Benchmarks/nab/run_nab.sh [OUT]            (from the repository root)
# env:   NAB=/work/shared/datasets/nab   SCORER=/work/shared/tools/nab_score.py
#        FORESHOCK=<path of a built `foreshock` CLI>  (once `foreshock score` exists)
#
# Until the CLI has `foreshock score`, the evaluation executable in Benchmarks/nab/NABEval
# is built in a throwaway package that symlinks the repository's sources.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAB=${NAB:-/work/shared/datasets/nab}
SCORER=${SCORER:-/work/shared/tools/nab_score.py}
OUT=${1:-/tmp/foreshock-nab-results}
rm -rf "$OUT"
mkdir -p "$OUT"

if [ -n "${FORESHOCK:-}" ]; then
    # Future path: the CLI scores each file the same way.
    for f in "$NAB"/data/*/*.csv; do
        cat=$(basename "$(dirname "$f")")
        mkdir -p "$OUT/$cat"
        "$FORESHOCK" score --column alert --precision 17 "$f" > "$OUT/$cat/$(basename "$f")"
    done
else
    WORK=${WORK:-/tmp/foreshock-nab-eval}
    mkdir -p "$WORK/Sources/nab-eval"
    ln -sfn "$ROOT/Sources/ForeshockDetection" "$WORK/Sources/ForeshockDetection"
    ln -sfn "$ROOT/Sources/ForeshockTelemetry" "$WORK/Sources/ForeshockTelemetry"
    cp "$ROOT/Benchmarks/nab/NABEval.swift" "$WORK/Sources/nab-eval/NABEval.swift"
    cat > "$WORK/Package.swift" <<'PKG'
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "ForeshockNABEval",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "ForeshockDetection"),
        .target(name: "ForeshockTelemetry"),
        .executableTarget(name: "nab-eval", dependencies: ["ForeshockDetection", "ForeshockTelemetry"], path: "Sources/nab-eval"),
    ]
)
PKG
    (cd "$WORK" && swift build -c release --product nab-eval)
    "$WORK/.build/release/nab-eval" "$NAB/data" "$OUT" alert
fi

python3 "$SCORER" --data "$NAB/data" --labels "$NAB/labels/combined_windows.json" --results "$OUT"
