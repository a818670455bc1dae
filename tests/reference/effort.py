"""Independent recomputation of socialtop's effort model with numpy and scipy.

Usage: python3 effort.py POINTS.json EFFORT.json
POINTS.json: {"margin": m, "accounts": {"id": [[followers, minutes], ...]}} (one pair per week)
EFFORT.json: what `socialtop effort --format json` printed.
Exits non-zero, saying why, when a number differs by more than 1e-6.
"""
import json
import sys

import numpy as np
from scipy import stats

points = json.load(open(sys.argv[1]))
effort = json.load(open(sys.argv[2]))
xs, ys, k = [], [], 0
for pts in points["accounts"].values():
    pts = [(f, m) for f, m in pts if f > 0 and m > 0]
    if len(pts) < 2:
        continue
    k += 1
    lx = np.log([f for f, _ in pts]); ly = np.log([m for _, m in pts])
    xs += list(lx - lx.mean()); ys += list(ly - ly.mean())
xs, ys = np.array(xs), np.array(ys)
n = len(xs); df = n - k - 1
b = (xs * ys).sum() / (xs * xs).sum()
se = np.sqrt(((ys - b * xs) ** 2).sum() / df / (xs * xs).sum())
t = stats.t.ppf(0.975, df)
lo, hi = b - t * se, b + t * se
m = points["margin"]
verdict = "insufficient_data" if df < 6 else "holds" if hi <= m else "refuted" if lo > m else "inconclusive"
failures = []
def check(name, want, got):
    if abs(want - got) > 1e-6:
        failures.append(f"{name}: numpy {want!r}, socialtop {got!r}")
check("elasticity", b, effort["elasticity"])
check("ci95 low", lo, effort["ci95"][0])
check("ci95 high", hi, effort["ci95"][1])
if (n, df) != (effort["n"], effort["df"]):
    failures.append(f"n/df: numpy {(n, df)}, socialtop {(effort['n'], effort['df'])}")
if verdict != effort["verdict"]:
    failures.append(f"verdict: numpy {verdict}, socialtop {effort['verdict']}")
for acc in effort["accounts"]:
    pts = points["accounts"][acc["id"]]
    if len(pts) >= 3:
        own = np.polyfit(np.log([f for f, _ in pts]), np.log([m for _, m in pts]), 1)[0]
        check(acc["id"] + " elasticity", own, acc["elasticity"])
    check(acc["id"] + " minutes_per_week", np.mean([m for _, m in pts]), acc["minutes_per_week"])
if failures:
    print("\n".join(failures)); sys.exit(1)
print(f"numpy/scipy agree: b={b:.9f} ci=[{lo:.9f}, {hi:.9f}] n={n} df={df} verdict={verdict}")
