#!/bin/sh
# Server load figure: sustained spans/s over OTLP/HTTP on loopback with wrk (Debian package)
# posting a prebuilt protobuf body of 100 realistic spans, p99 request latency, and a check
# that every acknowledged span was counted (foreshock_ingested_spans_total) and none shed.
#
# usage: Benchmarks/load/run_load.sh [SECONDS] [CONNECTIONS]   (from the repository root)
# env:   SKIP_BUILD=1 (use the release binary already built)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_=${1:-10}
CONNECTIONS=${2:-8}
PORT=${PORT:-14399}
TOKEN=load-test-token-0123456789abcdef
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$ROOT" && swift build -c release --product foreshock-server >/dev/null 2>&1)
python3 "$ROOT/Benchmarks/load/make_body.py" "$WORK/body.pb" 100
FORESHOCK_TOKENS="$TOKEN:ingest,read" "$ROOT/.build/release/foreshock-server" --port "$PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
SERVER=$!
sleep 2
BODY="$WORK/body.pb" TOKEN="$TOKEN" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_}s" --latency -s "$ROOT/Benchmarks/load/post.lua" "http://127.0.0.1:$PORT/v1/traces" | tee "$WORK/wrk.txt"
REQUESTS=$(sed -n 's/^requests \([0-9]*\), non-2xx \([0-9]*\).*/\1/p' "$WORK/wrk.txt")
NON2XX=$(sed -n 's/^requests \([0-9]*\), non-2xx \([0-9]*\).*/\2/p' "$WORK/wrk.txt")
METRICS=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/metrics")
INGESTED=$(echo "$METRICS" | sed -n 's/^foreshock_ingested_spans_total \([0-9]*\).*/\1/p')
SHED=$(echo "$METRICS" | sed -n 's/^foreshock_shed_points_total \([0-9]*\).*/\1/p')
echo "acknowledged spans: $(( (REQUESTS - NON2XX) * 100 )), counted by the engine: ${INGESTED:-0}, shed: ${SHED:-0}"
echo "sustained: $(( (REQUESTS - NON2XX) * 100 / SECONDS_ )) spans/s over ${SECONDS_} s"
kill -TERM $SERVER
wait $SERVER && echo "server stopped cleanly (exit 0)"
