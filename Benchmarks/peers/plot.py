#!/usr/bin/env python3
"""Plots Foreshock's benchmark figures beside its peers' as SVG.

Reads result files in the schema below (by default
Benchmarks/peers/results/peers.json and, when present,
Benchmarks/results/foreshock.json) and writes into docs/figures/:

  sketch_insert.svg         insert cost, ns/value, per implementation
                            (metric insert_ns_per_value; log scale)
  detection_throughput.svg  streaming-detection throughput, points/s, per
                            implementation (metric points_per_second; log
                            scale)

Result file schema, "foreshock-bench-results/1" (one JSON object):

  {
    "schema": "foreshock-bench-results/1",
    "source": "peers" | "foreshock",      who measured: colours the bars
    "generated_utc": "2025-01-01T00:00:00+00:00",
    "command": "python3 Benchmarks/peers/peers.py all",
    "elapsed_s": 180.0,                   optional: the command's run time
    "clock": "cpu" | "wall",              optional: clock of the timings
    "host": {...},                        optional, free-form (cpus, BLAS...)
    "versions": {"numpy": "2.4.6", ...},  library -> version, or null
    "results": [ row, ... ]
  }

  row:
    "benchmark"  "sketches" | "detection"
    "name"       implementation label, unique within (benchmark, metric),
                 e.g. "ddsketch", "kll-k200/vector",
                 "foreshock DDSketch batch (cubic)"
    "metric"     one of
                   sketches:  insert_ns_per_value   [ns/value]
                              serialized_bytes      [bytes]
                              rel_error_p50, rel_error_p99, rel_error_p999
                                                    [fraction] |est-exact|/exact
                              merge_1000x10k_ms     [ms] merge 1,000 sketches
                                                    of 10,000 values into one
                   detection: points_per_second     [points/s]
                              corpus_seconds        [s] whole NAB corpus
    "value"      number
    "unit"       as above
    "library"    package or module measured ("foreshock" for our side)
    "version"    its version, or null
  optional:
    "repeats", "stat"       number of timed runs, and "median"
    "clock"                 "cpu" (process CPU time) or "wall"
    "wall_s", "cpu_s"       the runs' wall-clock and CPU seconds
    "series", "points", "stride", "note"   detection: what was processed
    "extrapolated"          corpus_seconds from a subsample's rate
    anything else: ignored by this script

Workload, shared by both sides: sketches take 10M log-normal latencies in
milliseconds (numpy default_rng(42), mu = ln(100 ms), sigma = 0.8); detection
runs over the 58 NAB series (*/*.csv) in one process on one core.

Run from the repository root:

    python3 Benchmarks/peers/plot.py [--results FILE ...] [--out-dir DIR]
"""

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
# Reproducible SVGs: fixed element ids, no date.
matplotlib.rcParams["svg.hashsalt"] = "foreshock"
import matplotlib.pyplot as plt  # noqa: E402

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parents[1]
DEFAULT_RESULTS = [SCRIPT_DIR / "results" / "peers.json",
                   REPO_ROOT / "Benchmarks" / "results" / "foreshock.json"]
DEFAULT_OUT = REPO_ROOT / "docs" / "figures"
SCHEMA = "foreshock-bench-results/1"
COLOURS = {"foreshock": "#d62728", "peers": "#1f77b4"}

FIGURES = [
    # file, benchmark, metric, lower is better, axis label, title
    ("sketch_insert.svg", "sketches", "insert_ns_per_value", True,
     "insert cost, ns per value (log scale, lower is better)",
     "Quantile sketch insert, 10M log-normal latencies"),
    ("detection_throughput.svg", "detection", "points_per_second", False,
     "points per second, one core (log scale, higher is better)",
     "Streaming detection throughput, NAB corpus"),
]


def load(paths: list[Path], explicit: bool) -> list[dict]:
    """Rows of every readable result file, each tagged with its source."""
    rows = []
    for path in paths:
        if not path.exists():
            if explicit:
                sys.exit(f"{path}: no such file")
            continue
        doc = json.loads(path.read_text())
        if doc.get("schema") != SCHEMA:
            sys.exit(f"{path}: schema {doc.get('schema')!r}, expected {SCHEMA!r}")
        source = doc.get("source", path.stem)
        for row in doc["results"]:
            rows.append({**row, "source": source})
        print(f"read {path} ({len(doc['results'])} rows, source {source})")
    return rows


def human(value: float) -> str:
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def bar_chart(rows: list[dict], path: Path, lower_is_better: bool, label: str,
              title: str):
    # barh draws the first row at the bottom: the best bar ends up on top.
    rows = sorted(rows, key=lambda r: r["value"], reverse=lower_is_better)
    names = [r["name"] + (" *" if r.get("stride", 1) > 1 else "") for r in rows]
    values = [r["value"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.6))
    bars = ax.barh(names, values,
                   color=[COLOURS.get(r["source"], "#7f7f7f") for r in rows])
    ax.set_xscale("log")
    ax.set_xlabel(label)
    ax.set_title(title)
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.set_axisbelow(True)
    for bar, value in zip(bars, values):
        ax.text(bar.get_width() * 1.05, bar.get_y() + bar.get_height() / 2,
                human(value), va="center", fontsize=8)
    ax.set_xlim(right=max(values) * 8)
    sources = sorted({r["source"] for r in rows})
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1,
                                     color=COLOURS.get(s, "#7f7f7f"))
                       for s in sources], labels=sources,
              # where the short bars are: the top when lower is better
              loc="upper right" if lower_is_better else "lower right")
    if any(r.get("stride", 1) > 1 for r in rows):
        fig.text(0.01, 0.01, "* measured on every k-th series (per-point rate)",
                 fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, nargs="+",
                        help="result files (default: peers.json and, when "
                             "present, Benchmarks/results/foreshock.json)")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT,
                        help="directory for the SVGs (default: %(default)s)")
    args = parser.parse_args()

    rows = load(args.results or DEFAULT_RESULTS, explicit=bool(args.results))
    if not rows:
        sys.exit("no results to plot")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for file, benchmark, metric, lower_is_better, label, title in FIGURES:
        selected = [r for r in rows
                    if r["benchmark"] == benchmark and r["metric"] == metric]
        if selected:
            bar_chart(selected, args.out_dir / file, lower_is_better, label,
                      title)
        else:
            print(f"no {benchmark}/{metric} rows: {file} not written")


if __name__ == "__main__":
    main()
