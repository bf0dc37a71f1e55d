#!/usr/bin/env python3
"""Deterministic sample series for the README's first command and the CLI tests.

Writes Datasets/samples/*.csv (NAB layout: `timestamp,value`, UTC `YYYY-MM-DD HH:MM:SS`):
one week at one-minute resolution of
- checkout_latency_p99_ms.csv: a daily-shaped p99 latency (ms, 1 decimal) with a slow creep on
  day 6 and a spike on day 4;
- checkout_requests_per_min.csv: daily/weekly-shaped request counts (integers) with a traffic
  drop on day 5.
Pure standard library, seeded: the files are identical on every run (`python3
Datasets/generate_samples.py` and `git diff --exit-code Datasets/samples` proves it).
"""
import math
import os
import random
from datetime import datetime, timedelta, timezone

START = datetime(2026, 3, 2, tzinfo=timezone.utc)  # a Monday
MINUTES = 7 * 24 * 60
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "samples")


def daily(minute: int) -> float:
    """0 at 04:00, 1 at 16:00: the shape of human-driven traffic."""
    hour = (minute / 60) % 24
    return 0.5 - 0.5 * math.cos((hour - 4) / 24 * 2 * math.pi)


def write(name: str, values):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w", newline="\n") as f:
        f.write("timestamp,value\n")
        for minute, value in enumerate(values):
            t = START + timedelta(minutes=minute)
            f.write(f"{t:%Y-%m-%d %H:%M:%S},{value}\n")


def main():
    rng = random.Random(20260302)
    latency = []
    for m in range(MINUTES):
        base = 180 + 120 * daily(m) + rng.gauss(0, 12)
        day = m // 1440
        if day == 3 and 14 * 60 <= m % 1440 < 14 * 60 + 20:
            base += 600  # spike
        if day == 5 and m % 1440 >= 9 * 60:
            base += (m % 1440 - 9 * 60) * 0.9  # latency creep towards an 800 ms SLO
        latency.append(f"{max(base, 1.0):.1f}")
    write("checkout_latency_p99_ms.csv", latency)

    requests = []
    for m in range(MINUTES):
        weekend = 0.6 if (m // 1440) >= 5 else 1.0
        rate = (200 + 1800 * daily(m)) * weekend
        if m // 1440 == 4 and 11 * 60 <= m % 1440 < 12 * 60:
            rate *= 0.2  # traffic drop
        requests.append(str(max(0, int(rng.gauss(rate, math.sqrt(rate))))))
    write("checkout_requests_per_min.csv", requests)


if __name__ == "__main__":
    main()
