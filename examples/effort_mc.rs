//! Monte Carlo of the effort verdict: simulated users, fed through the real
//! model (the same `socialtop::effort` functions `socialtop effort` calls:
//! weekly minutes from time entries, the tracked span, fresh counts, the
//! points and `analyze`), with the false-"holds" rate and the power per case.
//!
//! `cargo run --release --example effort_mc -- --users 400 --seed 1`
//! (`--case NAME` runs one case; `--margin M`, default 0.2).

use std::collections::BTreeMap;
use std::f64::consts::PI;

use socialtop::effort::{self, Effort, Verdict};

/// Monday 2024-01-01 00:00 UTC.
const T0: i64 = 1_704_067_200;
const WEEK: i64 = 604_800;

/// What a case simulates. Per account: log audience x_t = x_0 + g·t + a
/// random walk whose steps are AR(1) (sd 0.02, correlation `rho`); weekly
/// time M = A·exp(α + b·(x_t − x_0) + u_t), u = sqrt(shared)·c_t +
/// sqrt(1 − shared)·e_t, c (common to the user's accounts) and e AR(1) with
/// correlation `rho` and sd `sigma`; A = 1 with probability `active` (else
/// an idle week, 0 minutes). With `freq`, time per active week is flat and
/// P(A = 1) = 0.25·(F_t/F_0)^0.6: weekly time's elasticity is 0.6 through
/// more active weeks. Samples weekly (Monday 10:00), until week `stop`.
#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    what: &'static str,
    accounts: usize,
    weeks: usize,
    b: f64,
    rho: f64,
    shared: f64,
    sigma: f64,
    active: f64,
    freq: bool,
    stop: Option<usize>,
    /// The accounts declare `tracked_since` (the first week): the idle weeks
    /// before the first and after the last entry count too.
    tracked: bool,
    goal: Goal,
}

#[derive(Clone, Copy)]
enum Goal {
    /// "holds" at most this often.
    HoldsAtMost(f64),
    /// "holds" at least this often.
    HoldsAtLeast(f64),
    /// Neither "holds" nor "refuted", ever.
    NoVerdict,
    /// No week after the one with the last sample used, and no "holds".
    StaleOut(usize),
    /// No goal: reported for comparison.
    None,
}

const BASE: Case = Case {
    name: "",
    what: "",
    accounts: 10,
    weeks: 104,
    b: 0.2,
    rho: 0.0,
    shared: 0.0,
    sigma: 0.5,
    active: 0.9,
    freq: false,
    stop: None,
    tracked: false,
    goal: Goal::HoldsAtMost(0.05),
};

const CASES: [Case; 13] = [
    Case {
        name: "more-active-weeks",
        what: "10×104, time per active week flat, active weeks ∝ F^0.6 (weekly elasticity 0.6)",
        b: 0.6,
        freq: true,
        ..BASE
    },
    Case {
        name: "shared-half",
        what: "10×104 at the margin, half the noise shared by all accounts",
        shared: 0.5,
        ..BASE
    },
    Case {
        name: "one-52-ar0.8",
        what: "1×52 at the margin, week-to-week correlation 0.8",
        accounts: 1,
        weeks: 52,
        rho: 0.8,
        ..BASE
    },
    Case {
        name: "three-20-ar0.5",
        what: "3×20 at the margin, correlation 0.5",
        accounts: 3,
        weeks: 20,
        rho: 0.5,
        ..BASE
    },
    Case {
        name: "twenty-2-weeks",
        what: "20 accounts × 2 weeks",
        accounts: 20,
        weeks: 2,
        goal: Goal::NoVerdict,
        ..BASE
    },
    Case {
        name: "stale-after-16",
        what: "3×52, true elasticity 0.6, samples stop after week 16",
        accounts: 3,
        weeks: 52,
        b: 0.6,
        stop: Some(16),
        goal: Goal::StaleOut(17),
        ..BASE
    },
    Case {
        name: "true-0",
        what: "10×104, claim true (elasticity 0), no correlation, σ 0.3, no idle weeks",
        b: 0.0,
        sigma: 0.3,
        active: 1.0,
        goal: Goal::HoldsAtLeast(0.8),
        ..BASE
    },
    // other shapes
    Case {
        name: "margin-iid",
        what: "10×104 at the margin, no correlation",
        ..BASE
    },
    Case {
        name: "shared-half-ar0.8",
        what: "10×104 at the margin, half the noise shared, correlation 0.8",
        shared: 0.5,
        rho: 0.8,
        ..BASE
    },
    Case {
        name: "five-156-ar0.5",
        what: "5×156 at the margin, correlation 0.5, a quarter of the noise shared",
        accounts: 5,
        weeks: 156,
        rho: 0.5,
        shared: 0.25,
        ..BASE
    },
    Case {
        name: "three-52-shared-ar0.8",
        what: "3×52 at the margin, half the noise shared, correlation 0.8",
        accounts: 3,
        weeks: 52,
        rho: 0.8,
        shared: 0.5,
        ..BASE
    },
    Case {
        name: "more-active-weeks-tracked",
        what: "as more-active-weeks, with tracked_since: the idle weeks at both ends count",
        b: 0.6,
        freq: true,
        tracked: true,
        ..BASE
    },
    Case {
        name: "true-0-noisy",
        what: "10×104, claim true, σ 0.5, 10% idle weeks (power, no goal)",
        b: 0.0,
        goal: Goal::None,
        ..BASE
    },
];

struct Rng(fastrand::Rng);

impl Rng {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.0.f64()
    }

    fn normal(&mut self) -> f64 {
        let u = self.0.f64().max(f64::MIN_POSITIVE);
        (-2.0 * u.ln()).sqrt() * (2.0 * PI * self.0.f64()).cos()
    }

    /// A stationary AR(1) series with correlation `rho` and sd `sd`.
    fn ar1(&mut self, n: usize, rho: f64, sd: f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(n);
        let mut v = sd * self.normal();
        for _ in 0..n {
            out.push(v);
            v = rho * v + sd * (1.0 - rho * rho).sqrt() * self.normal();
        }
        out
    }
}

/// One simulated user's accounts, through the real model's data path.
fn user(case: &Case, rng: &mut Rng, margin: f64) -> Effort {
    let tz = jiff::tz::TimeZone::UTC;
    let n = case.weeks;
    let common = rng.ar1(n, case.rho, case.sigma);
    let mut accounts = Vec::new();
    for a in 0..case.accounts {
        let x0 = rng.uniform(100f64.ln(), 5000f64.ln());
        let growth = rng.uniform(1.5f64.ln(), 4f64.ln());
        let g = growth / (n.max(2) - 1) as f64;
        let steps = rng.ar1(n, case.rho, 0.02);
        let own = rng.ar1(n, case.rho, case.sigma);
        let alpha = rng.uniform(20f64.ln(), 300f64.ln());
        let mut walk = 0.0;
        let mut samples: Vec<(i64, i64)> = Vec::new();
        let mut entries: Vec<(i64, i64)> = Vec::new();
        let mut lf0 = None;
        for t in 0..n {
            if t > 0 {
                walk += steps[t];
            }
            let f = (x0 + g * t as f64 + walk).exp().round().max(1.0);
            let lf = f.ln();
            let lf0 = *lf0.get_or_insert(lf);
            let u = case.shared.sqrt() * common[t] + (1.0 - case.shared).sqrt() * own[t];
            let minutes = if case.freq {
                let p = (0.25 * (0.6 * (lf - lf0)).exp()).min(1.0);
                if rng.0.f64() < p {
                    (alpha + u).exp()
                } else {
                    0.0
                }
            } else if rng.0.f64() < case.active {
                (alpha + case.b * (lf - lf0) + u).exp()
            } else {
                0.0
            };
            let ws = T0 + t as i64 * WEEK;
            if case.stop.is_none_or(|s| t <= s) {
                samples.push(((ws + 10 * 3600) * 1000, f as i64));
            }
            let secs = (minutes * 60.0).round() as i64;
            if secs > 0 {
                entries.push((ws + 86_400 + 9 * 3600, secs));
            }
        }
        // the same steps as socialtop::tracking::points_of, the history
        // answered from memory instead of the database
        let minutes: BTreeMap<i64, f64> = effort::weekly_minutes(&entries, &tz);
        let now = T0 + n as i64 * WEEK + 3_600;
        let since = case.tracked.then_some(T0);
        let weeks = effort::span_weeks(&minutes, &tz, since, now);
        let followers: Vec<Option<i64>> = effort::week_ends(&weeks, &tz)
            .into_iter()
            .map(|end| {
                let i = samples.partition_point(|s| s.0 <= end * 1000);
                effort::fresh(i.checked_sub(1).map(|i| samples[i]), end)
            })
            .collect();
        accounts.push((
            format!("a{a}"),
            effort::points_from(&weeks, &minutes, &followers),
        ));
    }
    effort::analyze(&accounts, margin)
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let users: usize = arg(&args, "--users")
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let seed: u64 = arg(&args, "--seed")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let margin: f64 = arg(&args, "--margin")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.2);
    let only = arg(&args, "--case");
    println!("effort Monte Carlo: {users} users per case, seed {seed}, margin {margin}\n");
    println!(
        "| case | users | holds | refuted | no verdict (of which unbounded interval) | median b | stale weeks left out per user | goal | met |"
    );
    println!("| --- | --: | --: | --: | --: | --: | --: | --- | --- |");
    let mut all_met = true;
    for (i, case) in CASES.iter().enumerate() {
        if only.as_deref().is_some_and(|o| o != case.name) {
            continue;
        }
        let mut rng = Rng(fastrand::Rng::with_seed(
            seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
        ));
        let (mut holds, mut refuted, mut none, mut unbounded, mut stale) = (0, 0, 0, 0, 0);
        let mut most_weeks = 0;
        let mut bs = Vec::new();
        for _ in 0..users {
            let e = user(case, &mut rng, margin);
            match e.verdict {
                Verdict::Holds => holds += 1,
                Verdict::Refuted => refuted += 1,
                Verdict::InsufficientData => {
                    none += 1;
                    if e.ci95
                        .is_some_and(|[lo, hi]| !lo.is_finite() || !hi.is_finite())
                    {
                        unbounded += 1;
                    }
                }
                Verdict::Inconclusive => {}
            }
            stale += e.excluded.weeks.stale_counts;
            most_weeks = most_weeks.max(e.calendar_weeks.unwrap_or(0));
            bs.extend(e.elasticity);
        }
        bs.sort_by(f64::total_cmp);
        let median = bs.get(bs.len() / 2).copied();
        let rate = |k: usize| k as f64 / users as f64;
        let stale_per_user = stale as f64 / users as f64;
        let (goal, met) = match case.goal {
            Goal::HoldsAtMost(p) => (format!("holds ≤ {:.0}%", p * 100.0), rate(holds) <= p),
            Goal::HoldsAtLeast(p) => (format!("holds ≥ {:.0}%", p * 100.0), rate(holds) >= p),
            Goal::NoVerdict => ("no holds/refuted".into(), holds + refuted == 0),
            Goal::StaleOut(w) => (
                format!("only the {w} weeks with fresh counts used, no holds"),
                most_weeks <= w && holds == 0,
            ),
            Goal::None => ("—".into(), true),
        };
        all_met &= met;
        println!(
            "| {} ({}) | {users} | {:.1}% | {:.1}% | {:.1}% ({:.1}%) | {} | {:.1} | {goal} | {} |",
            case.name,
            case.what,
            100.0 * rate(holds),
            100.0 * rate(refuted),
            100.0 * rate(none),
            100.0 * rate(unbounded),
            median.map_or("—".into(), |b| format!("{b:.2}")),
            stale_per_user,
            if met { "yes" } else { "NO" },
        );
    }
    println!(
        "\n{}",
        if all_met {
            "every goal met"
        } else {
            "some goal NOT met"
        }
    );
}
