#!/bin/sh
# Reproduces Foreshock's NAB figures (README, docs/DETECTION.md): `foreshock score` streams
# every NAB v1.1 file through one detector configuration (one configuration for all 58
# files, no look-ahead: the score of row i uses rows <= i only), writing
# OUT/<category>/<file>.csv with anomaly_score at full precision; then the independent NAB
# scorer sweeps one threshold per profile over the corpus.
#
# usage: Benchmarks/nab/run_nab.sh [OUT] [DETECTOR_CONFIG.json]   (from the repository root)
# env:   SKIP_BUILD=1 (use the release binary already built)   NAB=../shared/datasets/nab   SCORER=../shared/tools/nab_score.py
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NAB=${NAB:-$ROOT/../shared/datasets/nab}
SCORER=${SCORER:-$ROOT/../shared/tools/nab_score.py}
OUT=${1:-/tmp/foreshock-nab-results}
CONFIG=${2:-}
rm -rf "$OUT"
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && swift build -c release --product foreshock >/dev/null 2>&1)
FORESHOCK="$ROOT/.build/release/foreshock"
if [ -n "$CONFIG" ]; then
    "$FORESHOCK" score --quiet --profile nab --detector-config "$CONFIG" "$NAB/data" --output "$OUT"
else
    "$FORESHOCK" score --quiet --profile nab "$NAB/data" --output "$OUT"
fi
python3 "$SCORER" --data "$NAB/data" --labels "$NAB/labels/combined_windows.json" --results "$OUT"
