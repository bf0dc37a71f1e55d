#!/usr/bin/env python3
"""Storage footprint of peer time-series codecs on the NAB corpus.

Measures bytes per sample (timestamp + value, total compressed bytes divided by
total samples) over the whole Numenta Anomaly Benchmark corpus, so that
Foreshock's column store can be compared against the same figures:

  raw                     8-byte int64 ms timestamp + 8-byte float64 value
  zstd3                   zstd level 3 of each series' raw timestamp column
                          and, separately, of its raw value column
  gorilla                 Gorilla (Pelkonen et al., VLDB 2015) in pure Python:
                          delta-of-delta timestamps + XOR values, one
                          interleaved bitstream per series
  gorilla+zstd3           the Gorilla bitstream bytes, then zstd level 3
  parquet-zstd-delta-bss  pyarrow Parquet, zstd, no dictionary,
                          ts DELTA_BINARY_PACKED, value BYTE_STREAM_SPLIT
  parquet-zstd-default    pyarrow Parquet, zstd, default encodings
  parquet-zstd-best       the smaller of the two Parquet files, per series
  pcodec                  pcodec standalone, default ChunkConfig, per column

Every codec is compressed per series (one CSV file = one series, rows kept in
file order) and the sizes are summed. Every codec is round-tripped and checked
bit-exactly (values compared as uint64 bit patterns). Encode/decode throughput
is printed too; it is wall-clock, so it varies between runs, whereas the sizes
and the final JSON line are deterministic for given library versions.

Input: /.../nab/data/*/*.csv with header `timestamp,value`; timestamps are
`YYYY-MM-DD HH:MM:SS`, taken as UTC and converted to int64 milliseconds since
the epoch; values are parsed as float64.

Run from the repository root:

    python3 Benchmarks/peers/storage_peers.py [--nab DIR] [--json-out FILE]

DIR defaults to ../shared/datasets/nab/data relative to the repository root
(resolved from this script's location). The last line printed is a JSON object
{"peer": bytes_per_sample, ...}; --json-out FILE also writes it to FILE.

Requires: pip install zstandard pyarrow pcodec numpy
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pcodec
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from nab_corpus import Series, load_corpus

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NAB_DIR = REPO_ROOT / ".." / "shared" / "datasets" / "nab" / "data"

ZSTD_LEVEL = 3
# Best-of-N wall-clock repeats for the fast (native) codecs; the pure-Python
# Gorilla codec runs once.
TIMING_REPEATS = 3


@dataclass
class PeerResult:
    name: str
    total_bytes: int
    ts_bytes: float | None = None     # None when the format mixes the columns
    value_bytes: float | None = None
    encode_s: float | None = None     # None when not timed
    decode_s: float | None = None


def best_time(fn, repeats: int):
    """Runs fn() `repeats` times; returns (last result, fastest seconds)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return result, best


def assert_same(series: Series, ts: np.ndarray, values: np.ndarray, peer: str):
    if not (np.array_equal(ts, series.ts)
            and np.array_equal(np.asarray(values, dtype=np.float64).view(np.uint64),
                               series.values.view(np.uint64))):
        raise AssertionError(f"{peer}: round trip mismatch on {series.name}")


# --------------------------------------------------------------------------
# raw and zstd

def measure_raw(corpus: list[Series]) -> PeerResult:
    n = sum(len(s.ts) for s in corpus)
    return PeerResult("raw", 16 * n, 8 * n, 8 * n)


def measure_zstd(corpus: list[Series]) -> PeerResult:
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    decompressor = zstandard.ZstdDecompressor()

    def encode():
        return [(compressor.compress(s.ts.tobytes()),
                 compressor.compress(s.values.tobytes())) for s in corpus]

    frames, encode_s = best_time(encode, TIMING_REPEATS)

    def decode():
        return [(np.frombuffer(decompressor.decompress(t), dtype=np.int64),
                 np.frombuffer(decompressor.decompress(v), dtype=np.float64))
                for t, v in frames]

    decoded, decode_s = best_time(decode, TIMING_REPEATS)
    for s, (ts, values) in zip(corpus, decoded):
        assert_same(s, ts, values, "zstd3")
    ts_bytes = sum(len(t) for t, _ in frames)
    value_bytes = sum(len(v) for _, v in frames)
    return PeerResult("zstd3", ts_bytes + value_bytes, ts_bytes, value_bytes,
                      encode_s, decode_s)


# --------------------------------------------------------------------------
# Gorilla (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series
# Database", VLDB 2015, section 4.1).
#
# Stream layout per series, most significant bit first:
#   header   64 bits first timestamp (ms, two's complement)
#             1 bit  unit: 1 = deltas in seconds (every timestamp is a whole
#                    second, as in NAB), 0 = deltas in milliseconds
#            32 bits sample count
#   then     64 bits first value, and for each later sample its timestamp
#            code followed by its value code (interleaved, as in the paper).
#
# Deviations from the paper, all needed because a NAB series is one long
# stream rather than a two-hour block: the first timestamp is stored in full
# 64 bits instead of as an offset from an aligned block start; the first delta
# is not a 14-bit field but is coded like any delta-of-delta against an
# implicit previous delta of 0 (NAB has gaps far beyond 14 bits of seconds);
# the sample count replaces the paper's end-of-stream marker. Scaling the
# deltas to seconds keeps the paper's bucket widths meaningful for
# millisecond timestamps.
#
# Timestamp delta-of-delta D buckets. An n-bit field holds D in
# [-(2^(n-1) - 1), 2^(n-1)] as in the paper ('10' covers [-63, 64]):
#   '0'             D = 0
#   '10'   + 7 bits
#   '110'  + 9 bits
#   '1110' + 12 bits
#   '1111' + 32 bits
# Values: XOR with the previous value's bits,
#   '0'                      XOR = 0
#   '10' + meaningful bits   meaningful bits fit the previous window
#   '11' + 5 bits leading zeros + 6 bits length (64 stored as 0) + bits

GORILLA_DOD_BUCKETS = [  # (prefix, prefix bit count, payload bit count)
    (0b10, 2, 7),
    (0b110, 3, 9),
    (0b1110, 4, 12),
    (0b1111, 4, 32),
]
MASK64 = (1 << 64) - 1


class BitWriter:
    """Appends fixed-width unsigned fields, most significant bit first."""

    def __init__(self):
        self._fields: list[str] = []
        self.bit_count = 0

    def write(self, value: int, width: int):
        self._fields.append(format(value, f"0{width}b"))
        self.bit_count += width

    def to_bytes(self) -> bytes:
        bits = "".join(self._fields)
        bits += "0" * (-len(bits) % 8)  # zero-pad the final byte
        return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


class BitReader:
    def __init__(self, data: bytes):
        self._bits = format(int.from_bytes(data, "big"), f"0{len(data) * 8}b")
        self._pos = 0

    def read(self, width: int) -> int:
        field = self._bits[self._pos:self._pos + width]
        self._pos += width
        return int(field, 2)


def _from_field(field: int, width: int) -> int:
    """Inverse of `value & ((1 << width) - 1)` for value in the bucket range."""
    return field - (1 << width) if field > 1 << (width - 1) else field


def gorilla_encode(ts: list[int], bits: list[int]) -> tuple[bytes, int, int]:
    """Encodes ms timestamps and float64 bit patterns.

    Returns (stream, timestamp bits, value bits); the header is counted with
    the timestamps.
    """
    w = BitWriter()
    unit = 1000 if all(t % 1000 == 0 for t in ts) else 1
    w.write(ts[0] & MASK64, 64)
    w.write(int(unit == 1000), 1)
    w.write(len(ts), 32)
    w.write(bits[0], 64)
    ts_bits, value_bits = w.bit_count - 64, 64

    prev_delta = 0
    prev_value = bits[0]
    # Sentinel window that no non-zero XOR fits, forcing '11' first.
    prev_lead = prev_trail = 64
    for i in range(1, len(ts)):
        start = w.bit_count
        delta = (ts[i] - ts[i - 1]) // unit
        dod = delta - prev_delta
        prev_delta = delta
        if dod == 0:
            w.write(0, 1)
        else:
            for prefix, prefix_width, width in GORILLA_DOD_BUCKETS:
                if -(1 << (width - 1)) < dod <= 1 << (width - 1):
                    w.write(prefix, prefix_width)
                    w.write(dod & ((1 << width) - 1), width)
                    break
            else:
                raise ValueError(f"delta-of-delta {dod} exceeds 32 bits")
        mid = w.bit_count

        xor = bits[i] ^ prev_value
        prev_value = bits[i]
        if xor == 0:
            w.write(0, 1)
        else:
            lead = min(64 - xor.bit_length(), 31)  # 5-bit field caps at 31
            trail = (xor & -xor).bit_length() - 1
            if lead >= prev_lead and trail >= prev_trail:
                w.write(0b10, 2)
                w.write(xor >> prev_trail, 64 - prev_lead - prev_trail)
            else:
                length = 64 - lead - trail
                w.write(0b11, 2)
                w.write(lead, 5)
                w.write(length & 63, 6)
                w.write(xor >> trail, length)
                prev_lead, prev_trail = lead, trail
        ts_bits += mid - start
        value_bits += w.bit_count - mid
    return w.to_bytes(), ts_bits, value_bits


def gorilla_decode(stream: bytes) -> tuple[list[int], list[int]]:
    """Inverse of gorilla_encode: returns (ms timestamps, float64 bit patterns)."""
    r = BitReader(stream)
    first = r.read(64)
    ts = [first - (1 << 64) if first >> 63 else first]
    unit = 1000 if r.read(1) else 1
    count = r.read(32)
    bits = [r.read(64)]

    delta = 0
    lead = trail = 64
    for _ in range(1, count):
        # Bucket k's prefix is k ones then a zero, except the last: 4 ones.
        ones = 0
        while ones < len(GORILLA_DOD_BUCKETS) and r.read(1):
            ones += 1
        if ones:
            width = GORILLA_DOD_BUCKETS[ones - 1][2]
            delta += _from_field(r.read(width), width)
        ts.append(ts[-1] + delta * unit)

        if not r.read(1):
            bits.append(bits[-1])
            continue
        if r.read(1):
            lead = r.read(5)
            trail = 64 - lead - (r.read(6) or 64)
        bits.append(bits[-1] ^ (r.read(64 - lead - trail) << trail))
    return ts, bits


def measure_gorilla(corpus: list[Series]) -> tuple[PeerResult, PeerResult]:
    inputs = [(s.ts.tolist(), s.values.view(np.uint64).tolist()) for s in corpus]
    encoded, encode_s = best_time(
        lambda: [gorilla_encode(ts, bits) for ts, bits in inputs], 1)
    decoded, decode_s = best_time(
        lambda: [gorilla_decode(stream) for stream, _, _ in encoded], 1)
    for s, (ts, bits) in zip(corpus, decoded):
        assert_same(s, np.array(ts, dtype=np.int64),
                    np.array(bits, dtype=np.uint64).view(np.float64), "gorilla")

    plain = PeerResult("gorilla",
                       sum(len(stream) for stream, _, _ in encoded),
                       sum(t for _, t, _ in encoded) / 8,
                       sum(v for _, _, v in encoded) / 8,
                       encode_s, decode_s)

    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    decompressor = zstandard.ZstdDecompressor()
    frames = [compressor.compress(stream) for stream, _, _ in encoded]
    for frame, (stream, _, _) in zip(frames, encoded):
        assert decompressor.decompress(frame) == stream
    # The zstd pass runs over the interleaved stream, so there is no per-column
    # split; it is untimed because the Gorilla stage dominates.
    squeezed = PeerResult("gorilla+zstd3", sum(len(f) for f in frames))
    return plain, squeezed


# --------------------------------------------------------------------------
# Parquet

# compression_level is pinned to ZSTD_LEVEL so every zstd peer uses level 3
# (Arrow's own zstd default level is 1).
PARQUET_VARIANTS = {
    "parquet-zstd-delta-bss": dict(
        compression="zstd", compression_level=ZSTD_LEVEL, use_dictionary=False,
        column_encoding={"ts": "DELTA_BINARY_PACKED",
                         "value": "BYTE_STREAM_SPLIT"}),
    "parquet-zstd-default": dict(
        compression="zstd", compression_level=ZSTD_LEVEL),
}


def _parquet_file(s: Series, options: dict) -> bytes:
    sink = pa.BufferOutputStream()
    table = pa.table({"ts": pa.array(s.ts, pa.int64()),
                      "value": pa.array(s.values, pa.float64())})
    pq.write_table(table, sink, **options)
    return sink.getvalue().to_pybytes()


def _parquet_columns(data: bytes) -> tuple[int, int]:
    """Compressed bytes (pages incl. headers) of the ts and value columns."""
    meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    sizes = [0, 0]
    for g in range(meta.num_row_groups):
        for c in range(2):
            sizes[c] += meta.row_group(g).column(c).total_compressed_size
    return sizes[0], sizes[1]


def _parquet_result(name, files, encode_s=None, decode_s=None) -> PeerResult:
    columns = [_parquet_columns(f) for f in files]
    return PeerResult(name, sum(len(f) for f in files),
                      sum(t for t, _ in columns), sum(v for _, v in columns),
                      encode_s, decode_s)


def measure_parquet(corpus: list[Series]) -> list[PeerResult]:
    results, files_by_variant = [], []
    for name, options in PARQUET_VARIANTS.items():
        files, encode_s = best_time(
            lambda: [_parquet_file(s, options) for s in corpus], TIMING_REPEATS)

        def decode():
            tables = [pq.read_table(pa.BufferReader(f)) for f in files]
            return [(t["ts"].to_numpy(), t["value"].to_numpy()) for t in tables]

        decoded, decode_s = best_time(decode, TIMING_REPEATS)
        for s, (ts, values) in zip(corpus, decoded):
            assert_same(s, ts, values, name)
        results.append(_parquet_result(name, files, encode_s, decode_s))
        files_by_variant.append(files)

    best = [min(pair, key=len) for pair in zip(*files_by_variant)]
    results.append(_parquet_result("parquet-zstd-best", best))
    return results


# --------------------------------------------------------------------------
# pcodec

def measure_pcodec(corpus: list[Series]) -> PeerResult:
    config = pcodec.ChunkConfig()
    compress = pcodec.standalone.simple_compress
    decompress = pcodec.standalone.simple_decompress

    encoded, encode_s = best_time(
        lambda: [(compress(s.ts, config), compress(s.values, config))
                 for s in corpus], TIMING_REPEATS)
    decoded, decode_s = best_time(
        lambda: [(decompress(t), decompress(v)) for t, v in encoded],
        TIMING_REPEATS)
    for s, (ts, values) in zip(corpus, decoded):
        assert_same(s, ts, values, "pcodec")
    ts_bytes = sum(len(t) for t, _ in encoded)
    value_bytes = sum(len(v) for _, v in encoded)
    return PeerResult("pcodec", ts_bytes + value_bytes, ts_bytes, value_bytes,
                      encode_s, decode_s)


# --------------------------------------------------------------------------

def report(results: list[PeerResult], samples: int) -> dict[str, float]:
    def per_sample(x):
        return "-" if x is None else f"{x / samples:.3f}"

    def rate(seconds):
        return "-" if seconds is None else f"{samples / seconds / 1e6:.2f}"

    print(f"{'peer':<24}{'B/sample':>10}{'ts':>8}{'value':>8}{'other':>8}")
    for r in results:
        split = r.ts_bytes is not None
        other = r.total_bytes - r.ts_bytes - r.value_bytes if split else None
        print(f"{r.name:<24}{per_sample(r.total_bytes):>10}"
              f"{per_sample(r.ts_bytes):>8}{per_sample(r.value_bytes):>8}"
              f"{per_sample(other):>8}")
    print("(ts/value: bytes attributable to each column; other: Parquet "
          "footer and magic, Gorilla final-byte padding)")

    print()
    print(f"{'throughput, M samples/s':<24}{'encode':>10}{'decode':>10}")
    for r in results:
        if r.encode_s is not None:
            print(f"{r.name:<24}{rate(r.encode_s):>10}{rate(r.decode_s):>10}")
    print("(wall clock, best of "
          f"{TIMING_REPEATS}; Gorilla is pure Python, timed once)")

    return {r.name: round(r.total_bytes / samples, 4) for r in results}


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nab", type=Path, default=DEFAULT_NAB_DIR,
                        help="NAB data directory holding */*.csv "
                             "(default: %(default)s)")
    parser.add_argument("--json-out", type=Path,
                        help="also write the JSON summary to this file")
    args = parser.parse_args()

    nab_dir = args.nab.resolve()
    corpus = load_corpus(nab_dir)
    samples = sum(len(s.ts) for s in corpus)
    print(f"NAB corpus {nab_dir}: {len(corpus)} series, {samples} samples")
    print()

    results = [measure_raw(corpus), measure_zstd(corpus),
               *measure_gorilla(corpus), *measure_parquet(corpus),
               measure_pcodec(corpus)]
    summary = json.dumps(report(results, samples))
    print()
    print(summary)
    if args.json_out:
        args.json_out.write_text(summary + "\n")


if __name__ == "__main__":
    main()
