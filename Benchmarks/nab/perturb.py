#!/usr/bin/env python3
"""How tuned is the NAB figure? Re-scores the corpus with the main `alertScore` knobs all
moved at once by random factors in [1 - spread, 1 + spread], and prints the spread of the
standard-profile scores.

usage (from the repository root, after `swift build -c release --product foreshock`):
    python3 Benchmarks/nab/perturb.py [--draws 20] [--seed 1] [--spread 0.05] [--base JSON]

--base is a JSON object of `DetectorConfiguration` keys that replaces the centre of the
perturbation (e.g. '{"innovationWeight": 1, "unchangedRunMinimum": 0}' for the session-6
configuration). A knob's type is that of its default: integer knobs are rounded at random
(9.6 becomes 10 with probability 0.6, else 9), so that small ones move too, and stay at least
1; an integer knob that is 0 (off) stays 0.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

# The defaults of `DetectorConfiguration` (the `nab` profile) for the knobs perturbed.
CENTRE = {
    "innovationWeight": 0.92,
    "suppressionLength": 100,
    "suppressionGrowth": 0.05,
    "rangeExtensionSurprise": 1.2,
    "rangeExtensionTolerance": 0.02,
    "levelRangeTolerance": 0.05,
    "levelRangeLength": 20,
    "windowedMeanLength": 10,
    "longWindowedMeanLength": 60,
    "unchangedRunMinimum": 10,
}


def perturbed(centre, rng, spread):
    out = {}
    for key, value in centre.items():
        moved = value * (1 + rng.uniform(-spread, spread))
        if isinstance(CENTRE[key], int):
            whole = int(moved)
            whole += rng.random() < moved - whole
            out[key] = max(1, whole) if value else 0
        else:
            out[key] = moved
    return out


def median(sorted_values):
    n = len(sorted_values)
    return (sorted_values[(n - 1) // 2] + sorted_values[n // 2]) / 2


def standard_score(root, config_path, results):
    run = subprocess.run(["sh", os.path.join(root, "Benchmarks/nab/run_nab.sh"), results, config_path],
                         env=dict(os.environ, SKIP_BUILD="1"), capture_output=True, text=True, check=True)
    for line in run.stdout.splitlines():
        if line.startswith("standard "):
            return float(line.split()[1])
    raise SystemExit("no standard-profile line in the scorer's output:\n" + run.stdout + run.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--spread", type=float, default=0.05)
    parser.add_argument("--base", default="{}", help="JSON object replacing knobs of the centre")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    centre = dict(CENTRE)
    for key, value in json.loads(args.base).items():
        if key not in centre:
            raise SystemExit("--base: %s is not one of the perturbed knobs: %s" % (key, ", ".join(CENTRE)))
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise SystemExit("--base: %s must be a number" % key)
        centre[key] = type(CENTRE[key])(value)
    rng = random.Random(args.seed)
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        config_path = os.path.join(tmp, "config.json")
        for _ in range(args.draws):
            with open(config_path, "w") as fh:
                json.dump(perturbed(centre, rng, args.spread), fh)
            scores.append(standard_score(root, config_path, os.path.join(tmp, "results")))
            print("%.3f" % scores[-1], file=sys.stderr, flush=True)
    scores.sort()
    print("centre %s" % json.dumps(centre))
    print("%d draws, spread ±%g: min %.1f, median %.1f, max %.1f; %d of %d >= 75" %
          (len(scores), args.spread, scores[0], median(scores), scores[-1],
           sum(s >= 75 for s in scores), len(scores)))


if __name__ == "__main__":
    main()
