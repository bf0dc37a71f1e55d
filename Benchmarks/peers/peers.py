#!/usr/bin/env python3
"""Sketch and streaming-detection peers, measured beside Foreshock's own figures.

Subcommands:

  sketches   10,000,000 log-normal latencies in milliseconds, numpy
             default_rng(SEED), mu = ln(100 ms), sigma = 0.8 (median 100 ms).
             For each peer: insert cost in ns/value, serialized size in bytes,
             relative error |estimate - exact| / exact at p50/p99/p99.9 against
             the exact lower quantile of the sorted input (numpy
             method="inverted_cdf", the value at rank ceil(q*n)), and the time
             to merge 1,000 sketches of 10,000 values each (a second seeded
             stream) into one empty sketch.
               ddsketch            DataDog's Python DDSketch, relative
                                   accuracy 1 %, protobuf serialization
               kll-k200/per-value  datasketches kll_doubles_sketch(k=200),
                                   update(float) in a Python loop
               kll-k200/vector     the same, update(numpy array)
               hdr-3sf / hdr-2sf   hdrhistogram (pure Python), 3 and 2
                                   significant figures, on integer
                                   nanoseconds in [1 ns, 1 h]; size is the
                                   zlib-compressed V2 encoding without base64
             Per-value inputs are converted to Python lists first (untimed),
             the best case for a per-value loop.

  detection  Streaming-detection peers over the NAB corpus (*/*.csv with
             header `timestamp,value`). Each series gets a season length
             p = one day / median timestamp step (288, 144, 48 or 24).
               river-hst            river MinMaxScaler | HalfSpaceTrees
                                    (10 trees, height 8, window 250,
                                    seed 42), score_one then learn_one
               river-holtwinters    river PredictiveAnomalyDetection around
                                    time_series.HoltWinters(alpha=0.3,
                                    beta=0.01, gamma=0.1, seasonality=p), n_std
                                    3; the first p points only learn
               sm-hw-batch          statsmodels ExponentialSmoothing (additive
                                    trend and season, heuristic init) fit on
                                    the whole series, forecast p, residuals
                                    over 3 sigma flagged
               sm-stl-batch         statsmodels STL(period=p).fit(), residuals
                                    over 3 sigma; and sm-stl-robust-batch
                                    with robust=True
               sm-hw-refit          streaming refit: after 2p points, refit
                                    the model above every p points on the
                                    trailing 2p points and score the next p
                                    points against its forecast
               numpy-rolling-3sigma causal rolling mean/std over the previous
                                    p points (cumulative sums), |x - mean| >
                                    3 std
             Throughput is points processed / seconds, single process,
             BLAS and OpenMP limited to one thread. Slow peers run
             on every k-th series only (k is in the output); their
             `corpus_seconds` is then the corpus point count over that rate
             and is marked extrapolated.

  all        both, then writes results/peers.json beside this script.

Every timing is the median of --repeats runs, fewer (but at least MIN_RUNS)
when the runs of one measurement would pass TIME_BUDGET_S of wall clock (the JSON says how many).
The reported clock is process CPU time by default (--clock cpu): everything
runs on one thread, so on an idle machine it equals wall clock, and on a
shared one it is far steadier. Both clocks' seconds are kept in the JSON. The JSON schema is
described in plot.py.

Run from the repository root:

    python3 Benchmarks/peers/peers.py {sketches,detection,all}
        [--nab DIR] [--repeats N] [--json-out FILE]

DIR defaults to ../shared/datasets/nab/data relative to the repository root.

Requires: pip install -r Benchmarks/peers/requirements.txt
"""

import os

# One core: set before numpy/scipy load their BLAS and OpenMP runtimes.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import gc
import json
import platform
import shlex
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import nab_corpus

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parents[1]
DEFAULT_NAB_DIR = REPO_ROOT / ".." / "shared" / "datasets" / "nab" / "data"
DEFAULT_JSON = SCRIPT_DIR / "results" / "peers.json"
SCHEMA = "foreshock-bench-results/1"

SEED = 42
SKETCH_VALUES = 10_000_000
LOGNORMAL_MU = float(np.log(100.0))   # ln(100 ms)
LOGNORMAL_SIGMA = 0.8
QUANTILES = {"p50": 0.5, "p99": 0.99, "p999": 0.999}
MERGE_SKETCHES, MERGE_VALUES = 1000, 10_000
HDR_HIGHEST_NS = 3_600_000_000_000    # 1 h
# Wall-clock budget for the repeats of one measurement (see timed()).
TIME_BUDGET_S = 30.0
MIN_RUNS = 2
# Reported clock: "cpu" (process CPU time; the process runs one thread, so
# this is the single-core time and robust to other jobs on the machine) or
# "wall" (perf_counter). Both are kept in the JSON. Set by --clock.
CLOCK = "cpu"

DAY_S = 86_400
# Series stride per detection peer: 1 = whole corpus, k = every k-th series
# (sorted by path). Picked to keep `all` near 5 minutes on 2 cores.
DETECTION_STRIDE = {
    "river-hst": 2,
    "river-holtwinters": 1,
    "numpy-rolling-3sigma": 1,
    "sm-hw-batch": 8,
    "sm-stl-batch": 12,
    "sm-stl-robust-batch": 48,
    "sm-hw-refit": 16,
}

VERSIONED = ["numpy", "ddsketch", "datasketches", "hdrhistogram", "protobuf",
             "river", "statsmodels", "scipy", "pandas"]


@dataclass
class Result:
    benchmark: str
    name: str
    metric: str
    value: float
    unit: str
    library: str
    repeats: int | None = None
    extra: dict = field(default_factory=dict)

    def row(self) -> dict:
        row = {"benchmark": self.benchmark, "name": self.name,
               "metric": self.metric, "value": self.value, "unit": self.unit,
               "library": self.library, "version": version(self.library)}
        if self.repeats is not None:
            row["repeats"] = self.repeats
            row["stat"] = "median"
        row.update(self.extra)
        return row


def version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def timed(fn, repeats: int):
    """Runs fn() up to `repeats` times; returns (last result, wall seconds,
    cpu seconds), one entry per run.

    Runs stop early, after at least MIN_RUNS, when another run of the median
    length would take the total past TIME_BUDGET_S.
    """
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        if (len(walls) >= MIN_RUNS
                and sum(walls) + statistics.median(walls) > TIME_BUDGET_S):
            break
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return result, walls, cpus


def timing_extra(walls, cpus) -> dict:
    return {"clock": CLOCK, "wall_s": [round(w, 6) for w in walls],
            "cpu_s": [round(c, 6) for c in cpus]}


def median_s(walls, cpus) -> float:
    """The reported time: median of the runs on the selected clock."""
    return statistics.median(cpus if CLOCK == "cpu" else walls)


# --------------------------------------------------------------------------
# Sketches

def relative_errors(estimate, exact: dict[str, float]) -> dict[str, float]:
    return {k: abs(estimate(q) - exact[k]) / exact[k]
            for k, q in QUANTILES.items()}


class DDSketchPeer:
    name, library = "ddsketch", "ddsketch"

    def __init__(self):
        from ddsketch import DDSketch
        from ddsketch.pb.proto import DDSketchProto
        self._new = lambda: DDSketch(relative_accuracy=0.01)
        self._proto = DDSketchProto

    def build(self, values: np.ndarray):
        sketch = self._new()
        add = sketch.add
        for v in values.tolist():
            add(v)
        return sketch

    def prepare(self, values):
        return values.tolist()

    def insert(self, prepared):
        sketch = self._new()
        add = sketch.add
        for v in prepared:
            add(v)
        return sketch

    def quantile(self, sketch, q):
        return sketch.get_quantile_value(q)

    def serialize(self, sketch) -> bytes:
        return self._proto.to_proto(sketch).SerializeToString()

    def merge(self, parts):
        total = self._new()
        for p in parts:
            total.merge(p)
        return total


class KLLPeer:
    library = "datasketches"

    def __init__(self, vector: bool):
        import datasketches
        self._new = lambda: datasketches.kll_doubles_sketch(200)
        self.vector = vector
        self.name = "kll-k200/" + ("vector" if vector else "per-value")

    def build(self, values):
        sketch = self._new()
        sketch.update(values)
        return sketch

    def prepare(self, values):
        return values if self.vector else values.tolist()

    def insert(self, prepared):
        sketch = self._new()
        if self.vector:
            sketch.update(prepared)
        else:
            update = sketch.update
            for v in prepared:
                update(v)
        return sketch

    def quantile(self, sketch, q):
        # inclusive=True: the smallest retained value whose rank reaches q.
        return sketch.get_quantile(q, inclusive=True)

    def serialize(self, sketch) -> bytes:
        return sketch.serialize()

    def merge(self, parts):
        total = self._new()
        for p in parts:
            total.merge(p)
        return total


class HDRPeer:
    library = "hdrhistogram"

    def __init__(self, digits: int):
        from hdrh.histogram import HdrHistogram
        self._new = lambda: HdrHistogram(1, HDR_HIGHEST_NS, digits,
                                         b64_wrap=False)
        self.name = f"hdr-{digits}sf"

    @staticmethod
    def _ns(values):
        return np.rint(values * 1e6).astype(np.int64)

    def build(self, values):
        sketch = self._new()
        record = sketch.record_value
        for v in self._ns(values).tolist():
            record(v)
        return sketch

    def prepare(self, values):
        return self._ns(values).tolist()

    def insert(self, prepared):
        sketch = self._new()
        record = sketch.record_value
        for v in prepared:
            record(v)
        return sketch

    def quantile(self, sketch, q):
        return sketch.get_value_at_percentile(q * 100) / 1e6

    def serialize(self, sketch) -> bytes:
        return sketch.encode()

    def merge(self, parts):
        total = self._new()
        for p in parts:
            total.add(p)
        return total


def run_sketches(repeats: int) -> list[Result]:
    rng = np.random.default_rng(SEED)
    values = rng.lognormal(LOGNORMAL_MU, LOGNORMAL_SIGMA, SKETCH_VALUES)
    exact = dict(zip(QUANTILES, np.quantile(values, list(QUANTILES.values()),
                                            method="inverted_cdf")))
    parts_values = np.random.default_rng(SEED + 1).lognormal(
        LOGNORMAL_MU, LOGNORMAL_SIGMA, (MERGE_SKETCHES, MERGE_VALUES))
    print(f"sketches: {SKETCH_VALUES} log-normal values (ms, seed {SEED}, "
          f"mu=ln(100), sigma={LOGNORMAL_SIGMA}); exact "
          + ", ".join(f"{k}={v:.3f} ms" for k, v in exact.items()), flush=True)

    peers = [DDSketchPeer(), KLLPeer(vector=False), KLLPeer(vector=True),
             HDRPeer(3), HDRPeer(2)]
    results = []
    for peer in peers:
        started = time.perf_counter()
        prepared = peer.prepare(values)
        # KLL is randomised (not seedable from Python): its errors are the
        # median over the repeats' sketches.
        sketches = []

        def insert():
            sketch = peer.insert(prepared)
            sketches.append(sketch)
            return sketch

        sketch, walls, cpus = timed(insert, repeats)
        del prepared
        errors = [relative_errors(lambda q: peer.quantile(s, q), exact)
                  for s in sketches]
        size = len(peer.serialize(sketch))
        common = dict(library=peer.library)
        results.append(Result("sketches", peer.name, "insert_ns_per_value",
                              median_s(walls, cpus) / SKETCH_VALUES * 1e9,
                              "ns/value", repeats=len(walls),
                              extra=timing_extra(walls, cpus), **common))
        results.append(Result("sketches", peer.name, "serialized_bytes", size,
                              "bytes", **common))
        for k in QUANTILES:
            results.append(Result(
                "sketches", peer.name, f"rel_error_{k}",
                statistics.median(e[k] for e in errors), "fraction",
                extra=({"runs": len(errors),
                        "note": "randomised sketch: median over the runs"}
                       if isinstance(peer, KLLPeer) else {}), **common))
        del sketches, sketch

        # The KLL merge is the same for both insert paths: measured once.
        if not (isinstance(peer, KLLPeer) and not peer.vector):
            parts = [peer.build(row) for row in parts_values]
            merged, walls, cpus = timed(lambda: peer.merge(parts), repeats)
            name = "kll-k200" if isinstance(peer, KLLPeer) else peer.name
            results.append(Result("sketches", name, "merge_1000x10k_ms",
                                  median_s(walls, cpus) * 1e3, "ms",
                                  repeats=len(walls),
                                  extra=timing_extra(walls, cpus), **common))
            del parts, merged
        print(f"  {peer.name}: {time.perf_counter() - started:.1f} s",
              flush=True)
    return results


# --------------------------------------------------------------------------
# Detection

@dataclass
class Series:
    name: str
    ts: np.ndarray      # int64 milliseconds since the Unix epoch (UTC)
    values: np.ndarray  # float64
    period: int         # points per day


def load_corpus(nab_dir: Path) -> list[Series]:
    """The NAB corpus with each series' points per day (the season of the seasonal peers)."""
    corpus = []
    for s in nab_corpus.load_corpus(nab_dir):
        step_s = float(np.median(np.diff(s.ts))) / 1000
        corpus.append(Series(s.name, s.ts, s.values, max(2, round(DAY_S / step_s))))
    return corpus


def three_sigma(residuals: np.ndarray) -> int:
    r = residuals[np.isfinite(residuals)]
    return int(np.count_nonzero(np.abs(r - r.mean()) > 3 * r.std()))


def detect_river_hst(s: Series) -> int:
    from river import anomaly, preprocessing
    model = preprocessing.MinMaxScaler() | anomaly.HalfSpaceTrees(
        n_trees=10, height=8, window_size=250, seed=42)
    flagged = 0
    for v in s.values.tolist():
        x = {"value": v}
        flagged += model.score_one(x) > 0.9
        model.learn_one(x)
    return flagged


def detect_river_holtwinters(s: Series) -> int:
    from river import anomaly, time_series
    detector = anomaly.PredictiveAnomalyDetection(
        time_series.HoltWinters(alpha=0.3, beta=0.01, gamma=0.1,
                                seasonality=s.period),
        horizon=1, n_std=3.0)
    values = s.values.tolist()
    if not any(values[:s.period]):
        # HoltWinters initialises even an additive season as y / level and
        # raises ZeroDivisionError when the first season is all zeros
        # (ec2_disk_write_bytes_1ef3de): shift such a series by +1.
        values = [v + 1.0 for v in values]
    # HoltWinters cannot forecast before it has seen `seasonality` values, and
    # PredictiveAnomalyDetection.score_one forecasts before it checks warm-up.
    for v in values[:s.period]:
        detector.learn_one(None, v)
    flagged = 0
    for v in values[s.period:]:
        flagged += detector.score_one(None, v) >= 1.0
        detector.learn_one(None, v)
    return flagged


def _holt_winters(y: np.ndarray, period: int):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing
    return ExponentialSmoothing(y, trend="add", seasonal="add",
                                seasonal_periods=period,
                                initialization_method="heuristic").fit()


def detect_sm_hw_batch(s: Series) -> int:
    fit = _holt_winters(s.values, s.period)
    fit.forecast(s.period)
    return three_sigma(s.values - fit.fittedvalues)


def detect_sm_stl(s: Series, robust: bool) -> int:
    from statsmodels.tsa.seasonal import STL
    return three_sigma(STL(s.values, period=s.period, robust=robust).fit().resid)


def detect_sm_hw_refit(s: Series) -> tuple[int, int]:
    """Returns (flagged, scored points); the first 2p points only warm up."""
    p, y = s.period, s.values
    flagged = scored = 0
    for start in range(2 * p, len(y), p):
        fit = _holt_winters(y[start - 2 * p:start], p)
        residual_sd = float(np.std(fit.resid))
        chunk = y[start:start + p]
        forecast = fit.forecast(len(chunk))
        flagged += int(np.count_nonzero(np.abs(chunk - forecast)
                                        > 3 * residual_sd))
        scored += len(chunk)
    return flagged, scored


def detect_numpy_rolling(s: Series) -> int:
    w, y = s.period, s.values
    if len(y) <= w:
        return 0
    x = y - y[0]  # shift by the first value: smaller cumulative sums
    c1 = np.concatenate(([0.0], np.cumsum(x)))
    c2 = np.concatenate(([0.0], np.cumsum(x * x)))
    # Window of the w points before point t, for t = w .. n-1.
    mean = (c1[w:-1] - c1[:-w - 1]) / w
    var = np.maximum((c2[w:-1] - c2[:-w - 1]) / w - mean * mean, 0.0)
    return int(np.count_nonzero(np.abs(x[w:] - mean) > 3 * np.sqrt(var)))


DETECTORS = {
    "river-hst": ("river", detect_river_hst),
    "river-holtwinters": ("river", detect_river_holtwinters),
    "sm-hw-batch": ("statsmodels", detect_sm_hw_batch),
    "sm-stl-batch": ("statsmodels", lambda s: detect_sm_stl(s, False)),
    "sm-stl-robust-batch": ("statsmodels", lambda s: detect_sm_stl(s, True)),
    "sm-hw-refit": ("statsmodels", detect_sm_hw_refit),
    "numpy-rolling-3sigma": ("numpy", detect_numpy_rolling),
}


def run_detection(nab_dir: Path, repeats: int) -> list[Result]:
    corpus = load_corpus(nab_dir)
    corpus_points = sum(len(s.values) for s in corpus)
    print(f"detection: NAB corpus {nab_dir}: {len(corpus)} series, "
          f"{corpus_points} points", flush=True)
    # Import outside the timed region.
    import river.anomaly, river.preprocessing, river.time_series  # noqa: F401,E401
    import statsmodels.tsa.holtwinters, statsmodels.tsa.seasonal  # noqa: F401,E401

    results = []
    for name, (library, detect) in DETECTORS.items():
        stride = DETECTION_STRIDE[name]
        subset = corpus[::stride]

        def run():
            outputs = [detect(s) for s in subset]
            if name == "sm-hw-refit":
                return sum(o[0] for o in outputs), sum(o[1] for o in outputs)
            return sum(outputs), sum(len(s.values) for s in subset)

        with warnings.catch_warnings():
            # statsmodels' optimiser warns on some series (flat lines).
            warnings.simplefilter("ignore")
            (flagged, points), walls, cpus = timed(run, repeats)
        seconds = median_s(walls, cpus)
        rate = points / seconds
        extra = {"series": len(subset), "points": points, "stride": stride,
                 "flagged": flagged, **timing_extra(walls, cpus)}
        if stride > 1:
            extra["note"] = (f"subsample: 1 in {stride} series "
                             f"({len(subset)} of {len(corpus)})")
        results.append(Result("detection", name, "points_per_second", rate,
                              "points/s", library, len(walls), extra))
        whole = seconds if stride == 1 else corpus_points / rate
        results.append(Result("detection", name, "corpus_seconds", whole, "s",
                              library, len(walls),
                              {"extrapolated": stride > 1,
                               "corpus_points": corpus_points}))
        print(f"  {name}: {points} points x {len(walls)}, "
              f"{sum(walls):.1f} s", flush=True)
    return results


# --------------------------------------------------------------------------

def fmt(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value * 100:.3f} %"
    if unit in ("bytes",):
        return f"{int(value)} B"
    if abs(value) >= 1e5:
        return f"{value:,.0f} {unit}"
    return f"{value:.4g} {unit}"


def print_table(results: list[Result]):
    print()
    print(f"{'benchmark':<11}{'name':<22}{'metric':<22}{'value':>20}"
          f"{'runs':>6}  note")
    for r in results:
        note = r.extra.get("note", "")
        if r.extra.get("extrapolated"):
            note = "extrapolated: corpus points / subsample rate"
        runs = "" if r.repeats is None else str(r.repeats)
        print(f"{r.benchmark:<11}{r.name:<22}{r.metric:<22}"
              f"{fmt(r.value, r.unit):>20}{runs:>6}  {note}")
    clock = "process CPU time" if CLOCK == "cpu" else "wall clock"
    print(f"(timings: median {clock} of the runs, one thread, on a shared "
          "2-core machine; rel_error: |estimate - exact| / exact)")


def write_json(path: Path, results: list[Result], started: float):
    doc = {
        "schema": SCHEMA,
        "source": "peers",
        "generated_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "elapsed_s": round(time.perf_counter() - started, 1),
        "clock": CLOCK,
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(),
                 "python": platform.python_version(),
                 "blas": [{k: i.get(k) for k in ("internal_api", "version",
                                                 "architecture", "num_threads")}
                          for i in threadpool_info()]},
        "versions": {p: version(p) for p in VERSIONED},
        "results": [r.row() for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {path}")


def main():
    global CLOCK
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sketches", "detection", "all"])
    parser.add_argument("--nab", type=Path, default=DEFAULT_NAB_DIR,
                        help="NAB data directory holding */*.csv "
                             "(default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed runs per measurement, median reported; "
                             f"fewer past {TIME_BUDGET_S:.0f} s of runs "
                             "(default: %(default)s)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default=CLOCK,
                        help="clock of the reported timings: process CPU "
                             "time or wall clock (default: %(default)s)")
    parser.add_argument("--json-out", type=Path,
                        help="write the JSON results here (default for all: "
                             f"{DEFAULT_JSON.relative_to(REPO_ROOT)})")
    args = parser.parse_args()
    CLOCK = args.clock
    if args.json_out is None and args.command == "all":
        args.json_out = DEFAULT_JSON

    started = time.perf_counter()
    results = []
    with threadpool_limits(limits=1):
        if args.command in ("sketches", "all"):
            results += run_sketches(args.repeats)
        if args.command in ("detection", "all"):
            results += run_detection(args.nab.resolve(), args.repeats)
    print_table(results)
    print(f"total {time.perf_counter() - started:.1f} s")
    if args.json_out:
        write_json(args.json_out, results, started)


if __name__ == "__main__":
    main()
