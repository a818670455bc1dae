"""Independent recomputation of socialtop's effort model with numpy and scipy,
from the specification in the README ("The model, exactly") and in the module
documentation of src/effort.rs.

Usage: python3 effort.py WEEKS.json [EFFORT.json]
WEEKS.json: {"margin": m, "accounts": {"id": [[week_start, week_end, minutes,
  sample], ...]}} with one entry per week of the account's tracked span, in
  week order: week_start and week_end (its last second) in epoch seconds,
  minutes of (merged) time in that week (0 for a week without time), and
  sample = [at_seconds, followers], the latest sample at or before week_end,
  or null when there is none. An account without a span has [].
EFFORT.json: what `socialtop effort --format json` printed. Without it, the
recomputed figures are printed as JSON.
Exits non-zero, saying why, when a number differs by more than 1e-6.
"""
import json
import math
import sys

import numpy as np
from scipy import optimize, stats

FRESH = 7 * 86_400  # a count at most this much older than the week's end
MIN_POINTS = 4  # an account needs this many weeks with fresh counts
MIN_DF = 6  # n - k - 1
MIN_T_DF = 4  # degrees of freedom of the EWC variance, B
ZERO = 1e-10  # relative zero test of the EWC variance
SCAN_MAX = 50.0


def bandwidth(T):
    return max(1, min(T - 1, int(math.floor(0.4 * T ** (2 / 3) + 0.5))))


class Panel:
    """The accounts used: per account its calendar weeks, x = ln F, y = M."""

    def __init__(self, groups):
        self.groups = groups
        weeks = sorted({w for g in groups for w in g[0]})
        self.T = len(weeks)
        pos = {w: i for i, w in enumerate(weeks)}
        self.idx = [np.array([pos[w] for w in g[0]], dtype=int) for g in groups]
        self.B = bandwidth(self.T)
        t = np.arange(1, self.T + 1)
        self.cos = np.array([np.sqrt(2 / self.T) * np.cos(np.pi * j * (t - 0.5) / self.T)
                             for j in range(1, self.B + 1)])

    def at(self, b):
        """S(b), H(b), V(b), Σ_j Λ_j², Σ (x − x̄)²·μ², ℓ(b) with the account
        effects profiled out at b."""
        S = H = scale = ll = 0.0
        Z = np.zeros(self.T)
        for (_, x, y), ix in zip(self.groups, self.idx):
            bx = b * x
            mx = bx.max()
            e = np.exp(bx - mx)
            Y = y.sum()
            mu = Y * e / e.sum()
            xbar = (mu * x).sum() / Y
            s = (x - xbar) * (y - mu)
            S += s.sum()
            H += (mu * (x - xbar) ** 2).sum()
            scale += ((x - xbar) ** 2 * mu**2).sum()
            ll += b * (y * x).sum() - Y * (mx + np.log(e.sum()))
            np.add.at(Z, ix, s)
        lam2 = ((self.cos @ Z) ** 2).sum()
        return S, H, self.T / self.B * lam2, lam2, scale, ll

    def tau(self, b):
        """τ(b) = S(b)/sqrt(V(b)), None when the variance is (relatively) zero."""
        S, _, V, lam2, scale, _ = self.at(b)
        if not lam2 > ZERO * scale:
            return None
        return S / math.sqrt(V)

    def fit(self):
        """The maximiser of the profile Poisson log-likelihood (concave)."""
        res = optimize.minimize_scalar(lambda b: -self.at(b)[5], bracket=(-1.0, 1.0),
                                       method="brent", tol=1e-12)
        b = res.x
        # polish with Newton steps on the score
        for _ in range(5):
            S, H, *_ = self.at(b)
            if H <= 0:
                return None
            b += S / H
        return b if abs(b) <= SCAN_MAX else None


def end_of_interval(p, b, c, sign):
    """The end of {b0: |τ(b0)| ≤ c} on side `sign` (+1 upper, -1 lower): the
    first grid offset d_k = 0.1·(1.2^k − 1) from b where τ crosses ∓c, then
    the root inside that step; infinite when none within 50."""

    def g(o):
        t = p.tau(b + sign * o)
        return -sign * (0.0 if t is None else t) - c

    prev, k = 0.0, 1
    while True:
        off = 0.1 * (1.2**k - 1)
        if off > SCAN_MAX:
            return sign * math.inf
        if g(off) >= 0:
            return b + sign * optimize.brentq(g, prev, off, xtol=1e-13, rtol=1e-15)
        prev, k = off, k + 1


def recompute(data):
    m = data["margin"]
    excluded = {"weeks": {"stale_counts": 0, "too_few_points": 0, "no_time_tracked": 0},
                "accounts": {"too_few_points": 0, "no_time_tracked": 0}}
    groups, growth, accounts = [], None, {}
    for aid, weeks in data["accounts"].items():
        if not weeks:
            excluded["accounts"]["no_time_tracked"] += 1
            continue
        pts = []
        for ws, we, mins, sample in weeks:
            if sample is not None and 0 <= we - sample[0] <= FRESH and sample[1] > 0:
                pts.append((ws, sample[1], mins))
            else:
                excluded["weeks"]["stale_counts"] += 1
        if pts:
            accounts[aid] = pts
        reason = None
        if len(pts) < MIN_POINTS:
            reason = "too_few_points"
        elif sum(mm for _, _, mm in pts) <= 0:
            reason = "no_time_tracked"
        if reason:
            excluded["accounts"][reason] += 1
            excluded["weeks"][reason] += len(pts)
            continue
        w = [ws for ws, _, _ in pts]
        x = np.log([f for _, f, _ in pts])
        y = np.array([mm for _, _, mm in pts], dtype=float)
        groups.append((w, x, y))
        g = pts[-1][1] / pts[0][1]
        growth = g if growth is None else max(growth, g)
    k = len(groups)
    n = sum(len(g[1]) for g in groups)
    out = {"n": n, "df": n - k - 1, "growth": growth, "margin_pct": 2**m - 1,
           "elasticity": None, "ci95": None, "ci95_ols": None, "elasticity_ols": None,
           "t_df": None, "t_margin": None, "excluded": excluded,
           "zero_weeks": int(sum((g[2] == 0).sum() for g in groups)),
           "calendar_weeks": None, "accounts": {}}
    for aid, pts in accounts.items():
        x = np.log([f for _, f, _ in pts])
        y = np.array([mm for _, _, mm in pts], dtype=float)
        own = None
        a = y > 0
        if a.sum() >= 3 and ((x[a] - x[a].mean()) ** 2).sum() > 1e-12:
            own = np.polyfit(x[a], np.log(y[a]), 1)[0]
        out["accounts"][aid] = {"weeks": len(pts), "minutes_per_week": y.mean(),
                                "elasticity": own}
    # the second figure: log-log OLS over active weeks, account means removed
    xs, ys = [], []
    for _, x, y in groups:
        a = y > 0
        if a.sum() >= 2:
            lx, ly = x[a], np.log(y[a])
            xs.append(lx - lx.mean())
            ys.append(ly - ly.mean())
    if xs:
        dfo = sum(len(v) for v in xs) - len(xs) - 1
        xs, ys = np.concatenate(xs), np.concatenate(ys)
        sxx = (xs * xs).sum()
        if sxx > 1e-12:
            bo = (xs * ys).sum() / sxx
            out["elasticity_ols"] = bo
            if dfo >= 1:
                se = np.sqrt(((ys - bo * xs) ** 2).sum() / dfo / sxx)
                t = stats.t.ppf(0.975, dfo)
                out["ci95_ols"] = [bo - t * se, bo + t * se]
    sxx = sum(((x - x.mean()) ** 2).sum() for _, x, _ in groups)
    if k == 0 or sxx <= 1e-12:
        out["verdict"] = "insufficient_data"
        return out
    p = Panel(groups)
    out["calendar_weeks"] = p.T
    out["t_df"] = float(p.B)
    c = stats.t.ppf(0.975, p.B)
    b = p.fit()
    out["elasticity"] = b
    tm = p.tau(m)
    out["t_margin"] = tm
    if b is not None:
        out["ci95"] = [end_of_interval(p, b, c, -1), end_of_interval(p, b, c, +1)]
    ci = out["ci95"]
    if b is None or out["df"] < MIN_DF or p.B < MIN_T_DF or tm is None:
        out["verdict"] = "insufficient_data"
    elif tm < -c:
        out["verdict"] = "holds"
    elif tm > c:
        out["verdict"] = "refuted"
    elif math.isinf(ci[0]) or math.isinf(ci[1]):
        out["verdict"] = "insufficient_data"
    else:
        out["verdict"] = "inconclusive"
    return out


def main():
    data = json.load(open(sys.argv[1]))
    want = recompute(data)
    if len(sys.argv) < 3:
        print(json.dumps(want, default=float))
        return
    effort = json.load(open(sys.argv[2]))
    failures = []

    def check(name, w, g):
        # an infinite end of the interval is null in JSON
        if w is not None and math.isinf(w):
            w = None
        if w is None or g is None:
            if not (w is None and g is None):
                failures.append(f"{name}: numpy {w!r}, socialtop {g!r}")
        elif abs(w - g) > 1e-6:
            failures.append(f"{name}: numpy {w!r}, socialtop {g!r}")

    for f in ("elasticity", "elasticity_ols", "t_df", "growth", "margin_pct", "t_margin"):
        check(f, want[f], effort.get(f))
    for f in ("ci95", "ci95_ols"):
        w, g = want[f], effort.get(f)
        if (w is None) != (g is None):
            failures.append(f"{f}: numpy {w!r}, socialtop {g!r}")
        elif w is not None:
            check(f + " low", w[0], g[0])
            check(f + " high", w[1], g[1])
    for f in ("n", "df", "zero_weeks", "calendar_weeks", "excluded", "verdict"):
        if want[f] != effort.get(f):
            failures.append(f"{f}: numpy {want[f]!r}, socialtop {effort.get(f)!r}")
    if effort.get("method") != "ppml_dk_ewc":
        failures.append(f"method: {effort.get('method')!r}, want 'ppml_dk_ewc'")
    got = {a["id"]: a for a in effort["accounts"]}
    if set(got) != set(want["accounts"]):
        failures.append(f"accounts: numpy {sorted(want['accounts'])}, socialtop {sorted(got)}")
    for aid, w in want["accounts"].items():
        if aid not in got:
            continue
        if w["weeks"] != got[aid]["weeks"]:
            failures.append(f"{aid} weeks: numpy {w['weeks']}, socialtop {got[aid]['weeks']}")
        check(aid + " minutes_per_week", w["minutes_per_week"], got[aid]["minutes_per_week"])
        check(aid + " elasticity", w["elasticity"], got[aid]["elasticity"])
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"numpy/scipy agree: b={want['elasticity']} ci={want['ci95']} B={want['t_df']} "
          f"n={want['n']} T={want['calendar_weeks']} verdict={want['verdict']}")


if __name__ == "__main__":
    main()
