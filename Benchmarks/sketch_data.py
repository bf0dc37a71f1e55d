#!/usr/bin/env python3
"""Writes the sketch workload of Benchmarks/peers/peers.py as raw little-endian float64 files,
so that SketchBenchmarks' "ms workload" benchmarks insert exactly the values the peers insert.

  lognormal_ms_seed42_10M.f64        numpy default_rng(42).lognormal(ln(100), 0.8, 10_000_000)
  lognormal_ms_seed43_1000x10k.f64   numpy default_rng(43).lognormal(ln(100), 0.8, (1000, 10000)),
                                     row-major: 1,000 parts of 10,000 values (the merge input)

Both in milliseconds (median 100 ms), as peers.py draws them (SEED = 42, parts SEED + 1).

Usage (from the repository root): python3 Benchmarks/sketch_data.py [OUT_DIR]
OUT_DIR defaults to Benchmarks/.build/peer-data, where SketchBenchmarks looks for them; when
the files are missing, the benchmarks draw the same distribution from SplitMix64 instead and
report `numpy inputs = 0`.
"""
import sys
from pathlib import Path

import numpy as np

SEED = 42
COUNT = 10_000_000
MU, SIGMA = float(np.log(100.0)), 0.8
PARTS, PART_SIZE = 1000, 10_000


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / ".build" / "peer-data"
    out.mkdir(parents=True, exist_ok=True)
    values = np.random.default_rng(SEED).lognormal(MU, SIGMA, COUNT)
    parts = np.random.default_rng(SEED + 1).lognormal(MU, SIGMA, (PARTS, PART_SIZE))
    values.astype("<f8").tofile(out / "lognormal_ms_seed42_10M.f64")
    parts.astype("<f8").tofile(out / "lognormal_ms_seed43_1000x10k.f64")
    exact = np.quantile(values, [0.5, 0.99, 0.999], method="inverted_cdf")
    print(f"wrote {out}: {COUNT} + {PARTS}x{PART_SIZE} values; exact p50/p99/p99.9 = "
          + ", ".join(f"{v:.6f}" for v in exact) + " ms")


if __name__ == "__main__":
    main()
