#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/Harnesses/*.swift) into $FUZZ_BUILD/bin/fuzz-<target>.
#
# Plain swiftc, no SwiftPM: the three library modules the harnesses need (ForeshockSketches,
# ForeshockTelemetry, ForeshockStorage) and the C target CForeshockCRC32C are compiled straight
# from ../Sources with coverage instrumentation and AddressSanitizer, then each harness is linked
# against them with libFuzzer. This needs no package resolution (the root package's remote
# dependencies are never fetched), never touches the root .build, and takes 1-2 minutes.
#
# Usage: Fuzz/build.sh
#   FUZZ_BUILD  output directory (default Fuzz/.build)
#   FUZZ_JOBS   parallel compiler processes (default 1; 2 builds Storage alongside the others)
set -euo pipefail
FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$FUZZ_DIR/.." && pwd)"
OUT="${FUZZ_BUILD:-$FUZZ_DIR/.build}"
SWIFTC="${SWIFTC:-swiftc}"
CLANG="${CLANG:-$(dirname "$(command -v "$SWIFTC")")/clang}"
[ -x "$CLANG" ] || CLANG=clang
JOBS="${FUZZ_JOBS:-1}"
mkdir -p "$OUT/modules" "$OUT/obj" "$OUT/bin" "$OUT/cmodules/CForeshockCRC32C"

# -sanitize=fuzzer on a compile step only instruments (edge coverage, compare tracing); libFuzzer
# and its main are linked into the harness executables. -O as in a release build, plus ASan.
SWIFTFLAGS=(-O -swift-version 6 -parse-as-library -g -sanitize=fuzzer,address)

# Sources of a target, as SwiftPM picks them. ForeshockTelemetry/Invariants is skipped while the
# root Package.swift excludes it.
sources() {
    local dir="$ROOT/Sources/$1"
    if grep -q 'exclude: \["Invariants"\]' "$ROOT/Package.swift" 2>/dev/null; then
        find "$dir" -name '*.swift' -not -path '*/Invariants/*' | sort
    else
        find "$dir" -name '*.swift' | sort
    fi
}

# CForeshockCRC32C: a module map over its public header, and the object file.
cat >"$OUT/cmodules/CForeshockCRC32C/module.modulemap" <<MAP
module CForeshockCRC32C {
    header "$ROOT/Sources/CForeshockCRC32C/include/foreshock_crc32c.h"
    export *
}
MAP
"$CLANG" -O2 -g -fsanitize=fuzzer-no-link,address -I "$ROOT/Sources/CForeshockCRC32C/include" \
    -c "$ROOT/Sources/CForeshockCRC32C/crc32c.c" -o "$OUT/obj/CForeshockCRC32C.o"

# module NAME [extra flags...]: whole-module build into one object file and a .swiftmodule.
module() {
    local name="$1"; shift
    local files; mapfile -t files < <(sources "$name")
    echo "build.sh: $name (${#files[@]} files)" >&2
    "$SWIFTC" "${SWIFTFLAGS[@]}" -wmo -module-name "$name" -emit-module \
        -emit-module-path "$OUT/modules/$name.swiftmodule" -I "$OUT/modules" "$@" \
        -c "${files[@]}" -o "$OUT/obj/$name.o"
}
STORAGE_FLAGS=(-I "$ROOT/Sources/CZstd" -I "$OUT/cmodules/CForeshockCRC32C")
if [ -z "${FUZZ_SKIP_MODULES:-}" ]; then
    if [ "$JOBS" -gt 1 ]; then   # ForeshockStorage does not depend on the other two
        module ForeshockStorage "${STORAGE_FLAGS[@]}" &
        storage=$!
        module ForeshockSketches
        module ForeshockTelemetry
        wait "$storage"
    else
        module ForeshockSketches
        module ForeshockTelemetry
        module ForeshockStorage "${STORAGE_FLAGS[@]}"
    fi
fi

# One executable per harness (plus Support/*.swift); libFuzzer supplies main.
ZSTD_LIBS="$(pkg-config --libs libzstd 2>/dev/null || echo -lzstd)"
link() {
    local harness="$1" target
    target="$(basename "$harness" .swift)"
    echo "build.sh: fuzz-$target" >&2
    # shellcheck disable=SC2086
    "$SWIFTC" "${SWIFTFLAGS[@]}" -module-name "Fuzz_${target//-/_}" -I "$OUT/modules" "${STORAGE_FLAGS[@]}" \
        -use-ld=lld "$harness" "$FUZZ_DIR"/Support/*.swift "$OUT"/obj/*.o $ZSTD_LIBS -o "$OUT/bin/fuzz-$target"
}
pids=()
for harness in "$FUZZ_DIR"/Harnesses/*.swift; do
    if [ "$JOBS" -gt 1 ]; then
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
        link "$harness" &
        pids+=($!)
    else
        link "$harness"
    fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
