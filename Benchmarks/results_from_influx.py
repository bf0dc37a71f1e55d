#!/usr/bin/env python3
"""Converts package-benchmark's influx exports (`swift package benchmark --format influx`) into

  Benchmarks/results/swift-benchmarks.json   every benchmark and metric of the run: p0, p25,
                                             p50, p75, p90, p99, p100 and the iteration count
                                             (schema "foreshock-swift-benchmarks/1", below)
  Benchmarks/results/foreshock.json          the rows plot.py draws, Foreshock's side
                                             (schema "foreshock-bench-results/1", see
                                             Benchmarks/peers/plot.py)
  Benchmarks/results/swift-peers.json        the same schema, source "peers": the peers
                                             measured inside the Swift run (hdrhistogram-swift)

Influx rather than JMH: the JMH exporter drops every benchmark without a throughput metric
(the accuracy, latency and memory benchmarks). Raw values: time metrics are nanoseconds
whatever the benchmark's display unit; custom metrics are the integers the benchmark
recorded. For metrics that prefer larger values (throughput, "points", ...) package-benchmark
mirrors the percentiles (its p0 is the largest value).

Usage (run_all.sh calls it):
    python3 Benchmarks/results_from_influx.py EXPORT_DIR [--out-dir DIR]
EXPORT_DIR holds one sub-folder per target with its *.influx.csv, and run_all.sh's *.meta logs.
"""
import argparse
import csv
import json
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SKETCH_VALUES = 10_000_000
NAB_POINTS = 365_558  # rows of the 58 NAB CSV files (the benchmark reports its own count too)


def read_exports(export_dir: Path) -> dict:
    """{(target, benchmark): {"iterations": n, "metrics": {metric: {"unit": u, "p50": v, ...}}}}"""
    results = {}
    for path in sorted(export_dir.glob("*/*.influx.csv")):
        with path.open(newline="") as f:
            for row in csv.reader(f):
                if not row or row[0].startswith("#") or row[0] == "measurement":
                    continue
                (target, _host, _cpu, _cpus, _memory, _kernel, metric, unit, test, percentile, value,
                 _average, iterations, _warmup, _time) = row
                entry = results.setdefault((target, test), {"iterations": int(iterations), "metrics": {}})
                m = entry["metrics"].setdefault(metric, {"unit": unit})
                m["p" + format(float(percentile), "g")] = int(value)
    return results


def git(*args) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()


def resolved_version(package: str) -> str | None:
    try:
        pins = json.loads((BENCH / "Package.resolved").read_text())["pins"]
    except (OSError, KeyError, ValueError):
        return None
    for pin in pins:
        if pin["identity"] == package:
            return pin["state"].get("version")
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export_dir", type=Path)
    parser.add_argument("--out-dir", type=Path, default=BENCH / "results")
    parser.add_argument("--command", default="Benchmarks/run_all.sh")
    parser.add_argument("--elapsed", type=float)
    args = parser.parse_args()

    results = read_exports(args.export_dir)
    if not results:
        sys.exit(f"no *.influx.csv under {args.export_dir}")

    def metric(target, test, name, stat="p50"):
        entry = results.get((target, test))
        if entry is None or name not in entry["metrics"]:
            return None
        return entry["metrics"][name].get(stat)

    def iterations(target, test):
        return results.get((target, test), {}).get("iterations")

    dirty = git("status", "--porcelain", "--", "Sources", "Package.swift", "Package.resolved")
    diff_id = None
    if dirty:
        diff = subprocess.run(["git", "-C", str(ROOT), "diff", "HEAD", "--", "Sources", "Package.swift"],
                              capture_output=True).stdout
        import hashlib
        diff_id = hashlib.sha256(diff).hexdigest()[:12]
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().splitlines()
    # run_all.sh's logs: one EXPORT_DIR/<step>.meta per step (revision, times, load average).
    meta = [line for path in sorted(args.export_dir.glob("*.meta")) for line in path.read_text().splitlines()]
    host = {"machine": platform.machine(), "cpus": len(__import__("os").sched_getaffinity(0)),
            "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), None),
            "build": "swift package benchmark (release, default x86-64 target: no -target-cpu)",
            "swift": swift[0] if swift else None,
            "suites": meta}
    foreshock_revision = git("rev-parse", "--short", "HEAD") + (f"+dirty:{diff_id}" if dirty else "")
    versions = {"foreshock": foreshock_revision, "package-benchmark": resolved_version("benchmark"),
                "hdrhistogram-swift": resolved_version("hdrhistogram-swift")}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")

    # 1. Everything.
    rows = []
    for (target, test), entry in sorted(results.items()):
        for name, values in sorted(entry["metrics"].items()):
            rows.append({"target": target, "benchmark": test, "metric": name, "unit": values["unit"],
                         "iterations": entry["iterations"],
                         **{k: v for k, v in values.items() if k != "unit"}})
    args.out_dir.mkdir(parents=True, exist_ok=True)
    everything = {"schema": "foreshock-swift-benchmarks/1", "generated_utc": now, "command": args.command,
                  "elapsed_s": args.elapsed, "clock": "wall", "host": host, "versions": versions,
                  "note": "p-values are package-benchmark's percentiles over the iterations; time metrics in ns",
                  "results": rows}
    (args.out_dir / "swift-benchmarks.json").write_text(json.dumps(everything, indent=1) + "\n")
    print(f"wrote {args.out_dir / 'swift-benchmarks.json'} ({len(rows)} rows)")

    # 2. plot.py rows.
    ours, peers = [], []
    S = "SketchBenchmarks"

    def row(out, benchmark, name, metric_name, value, unit, library, test=None, **extra):
        if value is None:
            return
        r = {"benchmark": benchmark, "name": name, "metric": metric_name, "value": value, "unit": unit,
             "library": library, "version": versions["foreshock"] if library == "foreshock" else versions.get(library)}
        if test is not None:
            r.update({"repeats": iterations(*test), "stat": "median", "clock": "wall", "swift_benchmark": test[1]})
        r.update(extra)
        out.append(r)

    numpy = metric(S, "ms workload: DDSketch batch insert 10M log-normal ms (cubic)", "numpyinputs")
    inputs_note = ("inputs: the peer script's numpy values (Benchmarks/sketch_data.py)" if numpy == 1
                   else "inputs: SplitMix64 draws of the same distribution (numpy files missing)")
    for mapping in ("cubic", "log"):
        for mode in ("batch", "scalar"):
            test = f"ms workload: DDSketch {mode} insert 10M log-normal ms ({mapping})"
            name = f"foreshock DDSketch {mode} ({mapping})"
            wall = metric(S, test, "Time(wallclock)")
            row(ours, "sketches", name, "insert_ns_per_value", wall and wall / SKETCH_VALUES, "ns/value", "foreshock",
                (S, test), memory_bytes=metric(S, test, "bytes"), note=inputs_note)
            row(ours, "sketches", name, "serialized_bytes", metric(S, test, "serializedbytes"), "bytes", "foreshock")
        accuracy = f"ms workload: accuracy DDSketch ({mapping})"
        for key, label in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
            ppm = metric(S, accuracy, f"relerror{label}ppm")
            row(ours, "sketches", f"foreshock DDSketch batch ({mapping})", f"rel_error_{key}",
                None if ppm is None else ppm / 1e6, "fraction", "foreshock", note="rounded to 1 ppm")
        merge = f"ms workload: DDSketch merge 1,000 sketches of 10k ms values ({mapping})"
        wall = metric(S, merge, "Time(wallclock)")
        row(ours, "sketches", f"foreshock DDSketch ({mapping})", "merge_1000x10k_ms", wall and wall / 1e6, "ms",
            "foreshock", (S, merge))
    for digits, short in (("3 digits", "3sf"), ("2 digits", "2sf")):
        test = f"ms workload: Peer: HdrHistogram record 10M log-normal ms as ns ({digits}, 1 ns..1 h)"
        name = f"hdrhistogram-swift {short} (Swift run)"
        wall = metric(S, test, "Time(wallclock)")
        row(peers, "sketches", name, "insert_ns_per_value", wall and wall / SKETCH_VALUES, "ns/value",
            "hdrhistogram-swift", (S, test), memory_bytes=metric(S, test, "bytes"), note=inputs_note)
        accuracy = f"ms workload: accuracy Peer: HdrHistogram ({digits})"
        for key, label in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
            ppm = metric(S, accuracy, f"relerror{label}ppm")
            row(peers, "sketches", name, f"rel_error_{key}", None if ppm is None else ppm / 1e6, "fraction",
                "hdrhistogram-swift", note="rounded to 1 ppm")
        merge = f"ms workload: Peer: HdrHistogram add 1,000 histograms of 10k ms values as ns ({digits})"
        wall = metric(S, merge, "Time(wallclock)")
        row(peers, "sketches", name, "merge_1000x10k_ms", wall and wall / 1e6, "ms", "hdrhistogram-swift", (S, merge))

    D = "DetectionBenchmarks"
    for profile in ("nab", "operations"):
        test = f"NAB corpus through SeriesDetector ({profile} profile, 58 series)"
        wall = metric(D, test, "Time(wallclock)")
        points = metric(D, test, "points") or NAB_POINTS
        if wall:
            row(ours, "detection", f"foreshock SeriesDetector ({profile})", "points_per_second", points / (wall / 1e9),
                "points/s", "foreshock", (D, test), series=58, points=points, stride=1,
                flagged=metric(D, test, "anomalyevents"))
            row(ours, "detection", f"foreshock SeriesDetector ({profile})", "corpus_seconds", wall / 1e9, "s",
                "foreshock", (D, test), extrapolated=False, corpus_points=points)

    for path, source, out in ((args.out_dir / "foreshock.json", "foreshock", ours),
                              (args.out_dir / "swift-peers.json", "peers", peers)):
        doc = {"schema": "foreshock-bench-results/1", "source": source, "generated_utc": now,
               "command": args.command, "elapsed_s": args.elapsed, "clock": "wall", "host": host,
               "versions": versions, "results": out}
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"wrote {path} ({len(out)} rows)")


if __name__ == "__main__":
    main()
