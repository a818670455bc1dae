"""Independent recomputation of socialtop's effort model with numpy and scipy,
from the specification in the README ("Time spent and the effort verdict").

Usage: python3 effort.py POINTS.json [EFFORT.json]
POINTS.json: {"margin": m, "accounts": {"id": [[followers, minutes], ...]}}
  (one pair per week, in week order; weeks without time or followers may be
  given with 0 and are left out, as socialtop leaves them out)
EFFORT.json: what `socialtop effort --format json` printed. Without it, the
recomputed figures are printed as JSON.
Exits non-zero, saying why, when a number differs by more than 1e-6.
"""
import json
import math
import sys

import numpy as np
from scipy import stats


def recompute(points):
    m = points["margin"]
    groups = []
    growth = None
    for pts in points["accounts"].values():
        pts = [(f, mm) for f, mm in pts if f > 0 and mm > 0]
        if len(pts) < 2:
            continue
        lx = np.log([f for f, _ in pts])
        ly = np.log([mm for _, mm in pts])
        groups.append((lx - lx.mean(), ly - ly.mean()))
        g = pts[-1][0] / pts[0][0]
        growth = g if growth is None else max(growth, g)
    k = len(groups)
    n = sum(len(x) for x, _ in groups)
    df = n - k - 1
    out = {"n": n, "df": df, "growth": growth, "margin_pct": 2**m - 1,
           "elasticity": None, "ci95": None, "ci95_ols": None, "t_df": None}
    if n == 0:
        out["verdict"] = "insufficient_data"
        return out
    xs = np.concatenate([x for x, _ in groups])
    ys = np.concatenate([y for _, y in groups])
    sxx = (xs * xs).sum()
    if sxx <= 1e-12:
        out["verdict"] = "insufficient_data"
        return out
    b = (xs * ys).sum() / sxx
    out["elasticity"] = b
    if df >= 1:
        se = np.sqrt(((ys - b * xs) ** 2).sum() / df / sxx)
        t = stats.t.ppf(0.975, df)
        out["ci95_ols"] = [b - t * se, b + t * se]
    # EWC within each account (Lazarus, Lewis, Stock and Watson 2018)
    ws, bs = [], []
    for x, y in groups:
        T = len(x)
        B = max(1, min(T - 1, int(math.floor(0.4 * T ** (2 / 3) + 0.5))))
        z = x * (y - b * x)
        t_idx = np.arange(1, T + 1)
        lam = [np.sqrt(2 / T) * (z * np.cos(np.pi * j * (t_idx - 0.5) / T)).sum()
               for j in range(1, B + 1)]
        ws.append(T * np.mean(np.square(lam)))
        bs.append(B)
    ws, bs = np.array(ws), np.array(bs)
    sw = ws.sum()
    if sw > 0:
        se = np.sqrt(sw) / sxx
        nu = sw**2 / (ws**2 / bs).sum()
        t = stats.t.ppf(0.975, nu)
        out["ci95"] = [b - t * se, b + t * se]
        out["t_df"] = nu
    ci = out["ci95"]
    if df < 6 or ci is None:
        out["verdict"] = "insufficient_data"
    elif ci[1] <= m:
        out["verdict"] = "holds"
    elif ci[0] > m:
        out["verdict"] = "refuted"
    else:
        out["verdict"] = "inconclusive"
    return out


def main():
    points = json.load(open(sys.argv[1]))
    want = recompute(points)
    if len(sys.argv) < 3:
        print(json.dumps(want, default=float))
        return
    effort = json.load(open(sys.argv[2]))
    failures = []

    def check(name, w, g):
        if w is None or g is None:
            if w is not g:
                failures.append(f"{name}: numpy {w!r}, socialtop {g!r}")
        elif abs(w - g) > 1e-6:
            failures.append(f"{name}: numpy {w!r}, socialtop {g!r}")

    for f in ("elasticity", "t_df", "growth", "margin_pct"):
        check(f, want[f], effort.get(f))
    for f in ("ci95", "ci95_ols"):
        w, g = want[f], effort.get(f)
        if (w is None) != (g is None):
            failures.append(f"{f}: numpy {w!r}, socialtop {g!r}")
        elif w is not None:
            check(f + " low", w[0], g[0])
            check(f + " high", w[1], g[1])
    if (want["n"], want["df"]) != (effort["n"], effort["df"]):
        failures.append(f"n/df: numpy {(want['n'], want['df'])}, socialtop {(effort['n'], effort['df'])}")
    if want["verdict"] != effort["verdict"]:
        failures.append(f"verdict: numpy {want['verdict']}, socialtop {effort['verdict']}")
    if effort.get("method") != "ewc":
        failures.append(f"method: {effort.get('method')!r}, want 'ewc'")
    for acc in effort["accounts"]:
        pts = [(f, mm) for f, mm in points["accounts"][acc["id"]] if f > 0 and mm > 0]
        if len(pts) >= 3:
            own = np.polyfit(np.log([f for f, _ in pts]), np.log([mm for _, mm in pts]), 1)[0]
            check(acc["id"] + " elasticity", own, acc["elasticity"])
        check(acc["id"] + " minutes_per_week", np.mean([mm for _, mm in pts]), acc["minutes_per_week"])
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    ci = want["ci95"]
    print(f"numpy/scipy agree: b={want['elasticity']:.9f} ewc ci={ci} nu={want['t_df']} "
          f"n={want['n']} df={want['df']} verdict={want['verdict']}")


if __name__ == "__main__":
    main()
