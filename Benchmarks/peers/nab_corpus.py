"""The NAB corpus as numpy columns, shared by the peer scripts."""
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Series:
    name: str
    ts: np.ndarray      # int64 milliseconds since the Unix epoch (UTC)
    values: np.ndarray  # float64


def load_corpus(nab_dir: Path) -> list[Series]:
    """Every `*/*.csv` under `nab_dir` (`timestamp,value`), sorted by path; exits on a bad file."""
    paths = sorted(nab_dir.glob("*/*.csv"))
    if not paths:
        sys.exit(f"no NAB CSV files under {nab_dir}")
    corpus = []
    for path in paths:
        with path.open(newline="") as f:
            rows = csv.reader(f)
            if next(rows) != ["timestamp", "value"]:
                sys.exit(f"{path}: unexpected header")
            stamps, values = zip(*rows)
        # numpy datetime64 is timezone-naive, i.e. the strings are read as UTC.
        ts = np.array(stamps, dtype="datetime64[ms]").astype(np.int64)
        corpus.append(Series(f"{path.parent.name}/{path.name}", ts, np.array(values, dtype=np.float64)))
    return corpus
