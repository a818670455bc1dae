#!/usr/bin/env python3
"""Recomputes socialtop's milestone forecast (README "Forecasts") with numpy
and scipy, independently of the Rust code.

Reads a JSON list of series (each a list of daily counts, oldest first) from
the file named by the first argument and prints, for each, a JSON object:
milestone, days, per_day, sd, outlook ("too_short", "no_trend", "within",
"beyond"), earliest and latest (days from the last count, null where none).
"""
import json
import math
import sys

import numpy as np
from scipy import stats

MIN_DAYS, MAX_DAYS, HORIZON = 7, 30, 3650


def milestone(v):
    if v < 10:
        return 10
    step = 10 ** (len(str(v)) - 1)
    return (v // step + 1) * step


def forecast(counts):
    last = counts[-1]
    out = {"milestone": milestone(last), "per_day": 0.0, "sd": 0.0,
           "earliest": None, "latest": None}
    d = np.diff(np.array(counts[-(MAX_DAYS + 1):], dtype=float))
    n = len(d)
    out["days"] = n
    if n < MIN_DAYS:
        out["outlook"] = "too_short"
        return out
    m, s = float(np.mean(d)), float(np.std(d, ddof=1))
    out["per_day"], out["sd"] = m, s
    q = stats.t.ppf(0.90, n - 1)
    if m <= q * s / math.sqrt(n):
        out["outlook"] = "no_trend"
        return out
    gap = out["milestone"] - last
    h = np.arange(1, HORIZON + 1, dtype=float)
    band = q * s * np.sqrt(h + h * h / n)
    up = np.nonzero(m * h + band >= gap)[0]
    lo = np.nonzero(m * h - band >= gap)[0]
    if len(up) == 0:
        out["outlook"] = "beyond"
        return out
    out["outlook"] = "within"
    out["earliest"] = int(up[0]) + 1
    out["latest"] = int(lo[0]) + 1 if len(lo) else None
    return out


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        series = json.load(f)
    print(json.dumps([forecast(c) for c in series]))
