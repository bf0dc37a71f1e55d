#!/usr/bin/env python3
"""Early-warning evaluation on the simulated scenarios (Datasets/scenarios, ground truth in
each folder's truth.json), Foreshock against three peers computed here on the same data:

- static threshold: alert when the value crosses the SLO line (what the breach *is*);
- predict_linear: Prometheus' `predict_linear(x[1h], 3600) > threshold` — least squares over
  the trailing 60 minutes, extrapolated 60 minutes ahead (Foreshock's default horizon);
- rolling 3σ: alert when the value leaves mean ± 3σ of the trailing 60 minutes.

Every method is one-sided like the SLO (up for latency, errors and utilisation, down for
traffic). An alert *event* is a rising edge of the method's alert condition (Foreshock: an
incident opening); events closer than 15 minutes to the previous one's end merge, as an
alertmanager group would.

Figures:
- breaches warned: share of incidents with a breach whose first alert lies in [start, breach);
  lead time = breach − that alert (median over warned breaches);
- caught within 15 min: share of spikes / drops / level shifts with an alert in
  [start, start + 15 min); detection delay = alert − start (median);
- false alarms per series-day: events on clean-week series after the first two days
  (warm-up for every method), per series-day.

Usage: python3 Benchmarks/early_warning/evaluate.py [--foreshock PATH] [--detector-config JSON]
       [--json OUT]
"""
import argparse
import csv
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = os.path.join(ROOT, "Datasets", "scenarios")
MINUTE = 60_000
MERGE_GAP = 15 * MINUTE
WARMUP_DAYS = 2
VERBOSE = False
USE_MINIMUM_DEVIATIONS = True
COUNT_AWARE = True
SUDDEN = {"latencySpike", "errorSpike", "trafficDrop"}
# The variance-stabilising transform per signal (DetectorConfiguration.transform), as the
# engine picks it for span-derived series: multiplicative noise → log, counts/ratios → sqrt.
TRANSFORMS = {"p99Milliseconds": "log", "errorRatio": "sqrt", "requests": "sqrt", "utilization": "none"}
# The smallest deviation worth an alert, in the signal's units (DetectorConfiguration.
# minimumDeviation), as an operator sets it: 1 percentage point of errors, 10 requests a minute,
# 20 ms of p99, 5 points of CPU. Override with --detector-config.
MINIMUM_DEVIATIONS = {"p99Milliseconds": 20, "errorRatio": 0.01, "requests": 10, "utilization": 0.05}


def read_series(path):
    times, values = [], []
    with open(path) as f:
        for row in csv.DictReader(f):
            t = datetime.datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
            times.append(int(t.timestamp() * 1000))
            values.append(float(row["value"]))
    return times, values


def edges(times, flags):
    """Rising edges of a boolean alert condition, merged when closer than MERGE_GAP."""
    events, active, last_end = [], False, None
    for t, f in zip(times, flags):
        if f and not active:
            if last_end is not None and t - last_end < MERGE_GAP and events:
                pass  # same alert group
            else:
                events.append(t)
        if active and not f:
            last_end = t
        active = f
    return events


def static_threshold(times, values, threshold, below):
    return edges(times, [(v < threshold) if below else (v > threshold) for v in values])


def predict_linear(times, values, threshold, below, window=60, horizon=60):
    flags = []
    for i in range(len(values)):
        lo = i - window + 1
        if lo < 0:
            flags.append(False)
            continue
        xs = [(times[j] - times[i]) / MINUTE for j in range(lo, i + 1)]
        ys = values[lo:i + 1]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0
        predicted = my + slope * (horizon - mx)
        flags.append(predicted < threshold if below else predicted > threshold)
    return edges(times, flags)


def rolling_3sigma(times, values, below, window=60):
    flags = []
    for i in range(len(values)):
        if i < window:
            flags.append(False)
            continue
        past = values[i - window:i]
        m, s = statistics.fmean(past), statistics.pstdev(past)
        flags.append(values[i] < m - 3 * s if below else values[i] > m + 3 * s)
    return edges(times, flags)


def foreshock(binary, path, signal, threshold, below, detector_config, counts=None):
    if counts is not None and COUNT_AWARE:
        # An error ratio with its minute counts: scored count-aware, as the engine scores the
        # error ratios it derives from spans (ErrorRatioDetector), with the same floor.
        ratio_config = {"minimumIncrease": MINIMUM_DEVIATIONS[signal]} if USE_MINIMUM_DEVIATIONS else {}
        cmd = [binary, "score", counts, "--json", "--ratio", "errors/requests", "--error-ratio-config", json.dumps(ratio_config)]
        return incident_events(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    config = dict(detector_config)
    config.setdefault("direction", "down" if below else "up")
    config.setdefault("transform", TRANSFORMS[signal])
    if USE_MINIMUM_DEVIATIONS:
        config.setdefault("minimumDeviation", MINIMUM_DEVIATIONS[signal])
    cmd = [binary, "score", path, "--json", "--detector-config", json.dumps(config)]
    if threshold is not None:
        cmd += ["--threshold-below" if below else "--threshold-above", repr(threshold)]
    return incident_events(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def incident_events(out):
    """Alert events from `foreshock score --json` output: incident onsets, merged as above."""
    incidents = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    events, last_end = [], None
    for a in sorted(incidents, key=lambda a: a["onset"]):
        if last_end is None or a["onset"] - last_end >= MERGE_GAP:
            events.append(a["onset"])
        last_end = max(last_end or 0, a["time"])
    return events


def evaluate(binary, detector_config, scenarios=SCENARIOS):
    methods = ["foreshock", "static", "predict_linear", "rolling_3sigma"]
    stats = {m: {"breaches": 0, "warned": 0, "leads": [], "sudden": 0, "caught": 0, "delays": [],
                 "false_alarms": 0, "series_days": 0.0} for m in methods}
    for truth_path in sorted(glob.glob(os.path.join(scenarios, "*", "truth.json"))):
        truth = json.load(open(truth_path))
        clean = not truth["scenario"]["incidents"]
        for entry in truth["series"]:
            path = os.path.join(os.path.dirname(truth_path), entry["file"])
            watch = entry["watch"]
            below = watch["signal"] == "requests"
            threshold = watch.get("threshold")
            times, values = read_series(path)
            alerts = {
                "foreshock": foreshock(binary, path, watch["signal"], threshold, below, detector_config,
                                       counts=os.path.join(os.path.dirname(truth_path), entry["counts"]) if entry.get("counts") else None),
                "static": static_threshold(times, values, threshold, below) if threshold is not None else [],
                "predict_linear": predict_linear(times, values, threshold, below) if threshold is not None else [],
                "rolling_3sigma": rolling_3sigma(times, values, below),
            }
            after_warmup = times[0] + WARMUP_DAYS * 86_400_000
            for m in methods:
                s = stats[m]
                if clean:
                    s["false_alarms"] += sum(1 for t in alerts[m] if t >= after_warmup)
                    if VERBOSE and m == "foreshock":
                        print(f"  clean {entry['file']}: {sum(1 for t in alerts[m] if t >= after_warmup)} alerts", file=sys.stderr)
                    s["series_days"] += (times[-1] - after_warmup) / 86_400_000
                    continue
                for incident in entry["incidents"]:
                    start, breach = incident["start"], incident.get("breach")
                    if breach is not None and incident["kind"] not in SUDDEN:
                        s["breaches"] += 1
                        warned = [t for t in alerts[m] if start <= t < breach]
                        if warned:
                            s["warned"] += 1
                            s["leads"].append((breach - warned[0]) / MINUTE)
                    if incident["kind"] in SUDDEN:
                        s["sudden"] += 1
                        hit = [t for t in alerts[m] if start <= t < start + 15 * MINUTE]
                        if hit:
                            s["caught"] += 1
                            s["delays"].append((hit[0] - start) / MINUTE)
                    if VERBOSE and m == "foreshock":
                        near = [(t - start) // MINUTE for t in alerts[m] if start - 60 * MINUTE <= t < incident["end"]]
                        print(f"  {entry['file']} {incident['kind']}: alerts at minutes {near} from start; "
                              f"breach at {None if breach is None else (breach - start) // MINUTE}", file=sys.stderr)
    rows = []
    for m in methods:
        s = stats[m]
        rows.append({
            "method": m,
            "breaches_warned": f"{s['warned']}/{s['breaches']}",
            "warned_share": s["warned"] / s["breaches"] if s["breaches"] else None,
            "median_lead_minutes": statistics.median(s["leads"]) if s["leads"] else None,
            "sudden_caught_15min": f"{s['caught']}/{s['sudden']}",
            "caught_share": s["caught"] / s["sudden"] if s["sudden"] else None,
            "median_delay_minutes": statistics.median(s["delays"]) if s["delays"] else None,
            "false_alarms_per_series_day": s["false_alarms"] / s["series_days"] if s["series_days"] else None,
        })
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--foreshock", default=os.path.join(ROOT, ".build", "release", "foreshock"))
    parser.add_argument("--detector-config", default="{}", help="JSON overrides for Foreshock's detector")
    parser.add_argument("--json", help="write the rows as JSON here")
    parser.add_argument("--scenarios", default=SCENARIOS, help="scenario folders (default: Datasets/scenarios)")
    parser.add_argument("--verbose", action="store_true", help="print Foreshock's alerts per incident")
    parser.add_argument("--no-minimum-deviations", action="store_true", help="no per-signal minimumDeviation floor")
    parser.add_argument("--ratio-values", action="store_true",
                        help="score error ratios from their values alone, not count-aware from their minute counts")
    args = parser.parse_args()
    global VERBOSE, USE_MINIMUM_DEVIATIONS, COUNT_AWARE
    VERBOSE = args.verbose
    COUNT_AWARE = not args.ratio_values
    USE_MINIMUM_DEVIATIONS = not args.no_minimum_deviations
    rows = evaluate(args.foreshock, json.loads(args.detector_config), args.scenarios)
    fmt = lambda v: "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
    header = ["method", "breaches_warned", "median_lead_minutes", "sudden_caught_15min", "median_delay_minutes",
              "false_alarms_per_series_day"]
    print(" | ".join(header))
    for r in rows:
        print(" | ".join(fmt(r[h]) for h in header))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
