//! Does a bigger audience take more of your time? Pure statistics, no I/O.
//!
//! The model, so anyone can recompute it (`tests/reference/effort.py` does):
//! - Weeks are ISO weeks (Monday 00:00 to Monday 00:00) in the local time zone.
//! - Time entries of an account from every source are merged first, so a
//!   minute logged by hand and imported again counts once.
//! - For account a and week w: F = followers of the latest sample at or before
//!   the end of w; M = minutes of (merged) time in w (time crossing a week
//!   boundary is split).
//! - Points: weeks with M > 0 and F > 0. Accounts with fewer than 2 points are
//!   left out; k = accounts used, n = points used.
//! - Elasticity b: the OLS slope of ln M on ln F after subtracting each
//!   account's own mean of ln F and of ln M (account fixed effects).
//!   df = n − k − 1.
//! - The interval survives autocorrelation (neighbouring weeks are not
//!   independent): the equal-weighted cosine (EWC) estimator of Lazarus,
//!   Lewis, Stock and Watson ("HAR Inference: Recommendations for Practice",
//!   2018), applied within each account. For account a with T_a points in week
//!   order, x̃ and ỹ its demeaned ln F and ln M, u = ỹ − b·x̃, z_t = x̃_t·u_t:
//!   B_a = max(1, min(T_a − 1, round(0.4·T_a^(2/3)))),
//!   Λ_{a,j} = sqrt(2/T_a) · Σ_t z_t · cos(π·j·(t − ½)/T_a) for j = 1..B_a,
//!   w_a = T_a · mean_j(Λ_{a,j}²); se = sqrt(Σ_a w_a) / Sxx;
//!   ν = (Σ_a w_a)² / Σ_a (w_a² / B_a); 95% CI = b ± t(0.975, ν) · se.
//!   The plain OLS interval (se = sqrt(SSR / df / Sxx), t with df) is kept as
//!   `ci95_ols` for comparison.
//! - Verdict with margin m: `insufficient_data` when df < 6 or Σ_a w_a = 0;
//!   `holds` when the CI's upper bound ≤ m; `refuted` when its lower bound > m;
//!   else `inconclusive`.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use jiff::ToSpan;
use jiff::tz::TimeZone;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Smallest df for a verdict.
pub const MIN_DF: i64 = 6;

/// What elasticity means, in two lines, for the Effort view and the table.
pub const EXPLANATION: [&str; 2] = [
    "Elasticity: how time scales with audience. 0 = a bigger audience took no more time; 1 = time grew in step; 0.2 = doubling went with 15% more time.",
    "This is an association, not cause and effect: time spent also wins followers, so the arrow may point both ways.",
];

/// The claim the verdict judges.
pub const CLAIM: &str = "a bigger audience takes no more of your time";

/// Start of the ISO week (Monday 00:00 local) containing `t`, as epoch seconds.
pub fn week_start(t: i64, tz: &TimeZone) -> i64 {
    let z = crate::util::ts(t).to_zoned_datetime(tz.clone());
    let back = i64::from(z.weekday().to_monday_zero_offset());
    let monday = z.date().checked_sub(back.days()).unwrap_or(z.date());
    start_of(monday, tz)
}

/// Start of the week after the one starting at `start`.
pub fn next_week(start: i64, tz: &TimeZone) -> i64 {
    let date = crate::util::ts(start).to_zoned_datetime(tz.clone()).date();
    let next = date.checked_add(7.days()).unwrap_or(date);
    start_of(next, tz)
}

fn start_of(date: jiff::civil::Date, tz: &TimeZone) -> i64 {
    date.to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp().as_second())
        .unwrap_or_default()
}

/// Entries `(start, seconds)` as sorted, disjoint `(start, end)` intervals:
/// overlapping time (from any source) counts once.
pub fn merge_entries(entries: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = entries
        .iter()
        .filter(|e| e.1 > 0)
        .map(|&(s, secs)| (s, s.saturating_add(secs)))
        .collect();
    if !v.windows(2).all(|w| w[0].0 <= w[1].0) {
        v.sort_unstable();
    }
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Seconds of `entries` (merged: overlaps count once) between `from` and `to`.
pub fn seconds_between(entries: &[(i64, i64)], from: i64, to: i64) -> i64 {
    merge_entries(entries)
        .iter()
        .map(|&(s, e)| (e.min(to) - s.max(from)).max(0))
        .sum()
}

/// Minutes per week (keyed by week start) of entries `(start, seconds)`,
/// merged first (overlapping time counts once), splitting time that crosses a
/// week boundary.
pub fn weekly_minutes(entries: &[(i64, i64)], tz: &TimeZone) -> BTreeMap<i64, f64> {
    let mut weeks = BTreeMap::new();
    // the current week, so that the time zone is consulted once a week
    let mut week: Option<(i64, i64)> = None;
    for (start, end) in merge_entries(entries) {
        let mut cursor = start;
        while cursor < end {
            let (ws, we) = match week {
                Some((ws, we)) if ws <= cursor && cursor < we => (ws, we),
                _ => {
                    let ws = week_start(cursor, tz);
                    let we = next_week(ws, tz).max(cursor + 1);
                    week = Some((ws, we));
                    (ws, we)
                }
            };
            let upto = end.min(we);
            *weeks.entry(ws).or_insert(0.0) += (upto - cursor) as f64 / 60.0;
            cursor = upto;
        }
    }
    weeks
}

/// One account-week of the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Start of the ISO week (epoch seconds).
    pub week: i64,
    pub followers: i64,
    pub minutes: f64,
}

/// Builds an account's points from its weekly minutes and a lookup of
/// "followers at or before t" (which the caller answers from the history).
pub fn points(
    minutes: &BTreeMap<i64, f64>,
    tz: &TimeZone,
    mut followers_at_or_before: impl FnMut(i64) -> Option<i64>,
) -> Vec<Point> {
    minutes
        .iter()
        .filter(|(_, m)| **m > 0.0)
        .filter_map(|(&week, &m)| {
            let end = next_week(week, tz) - 1;
            let f = followers_at_or_before(end)?;
            (f > 0).then_some(Point {
                week,
                followers: f,
                minutes: m,
            })
        })
        .collect()
}

/// The last second of each week with time in `minutes`, oldest first: the
/// times at which [`points_from`] needs the follower count.
pub fn week_ends(minutes: &BTreeMap<i64, f64>, tz: &TimeZone) -> Vec<i64> {
    minutes
        .iter()
        .filter(|(_, m)| **m > 0.0)
        .map(|(&week, _)| next_week(week, tz) - 1)
        .collect()
}

/// Points from weekly minutes and the follower counts at [`week_ends`]
/// (one per week with time, in the same order).
pub fn points_from(minutes: &BTreeMap<i64, f64>, followers: &[Option<i64>]) -> Vec<Point> {
    minutes
        .iter()
        .filter(|(_, m)| **m > 0.0)
        .zip(followers)
        .filter_map(|((&week, &m), f)| {
            let f = (*f)?;
            (f > 0).then_some(Point {
                week,
                followers: f,
                minutes: m,
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    InsufficientData,
    Holds,
    Refuted,
    Inconclusive,
}

impl Verdict {
    pub fn phrase(self) -> &'static str {
        match self {
            Verdict::InsufficientData => "insufficient data",
            Verdict::Holds => "holds",
            Verdict::Refuted => "refuted",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountEffort {
    pub id: String,
    pub weeks: usize,
    pub minutes_per_week: f64,
    pub followers_first: i64,
    pub followers_last: i64,
    /// OLS slope of ln M on ln F for this account alone; null with < 3 points.
    pub elasticity: Option<f64>,
    /// Mean weekly minutes per 1,000 followers: mean M ÷ mean F × 1,000.
    pub minutes_per_1k_followers: f64,
    /// (last F − first F) ÷ hours spent over the account's points.
    pub followers_per_hour: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effort {
    pub verdict: Verdict,
    pub elasticity: Option<f64>,
    /// The EWC interval (see the module documentation).
    pub ci95: Option<[f64; 2]>,
    pub n: usize,
    /// n − k − 1.
    pub df: i64,
    pub margin: f64,
    pub sentence: String,
    pub accounts: Vec<AccountEffort>,
    /// How `ci95` was computed: "ewc".
    pub method: &'static str,
    /// ν, the Satterthwaite degrees of freedom of the EWC t.
    pub t_df: Option<f64>,
    /// The plain OLS interval, which ignores autocorrelation (for comparison).
    pub ci95_ols: Option<[f64; 2]>,
    /// The largest last ÷ first follower ratio among the accounts used.
    pub growth: Option<f64>,
    /// The margin as time per doubling of the audience: 2^m − 1.
    pub margin_pct: f64,
    /// For an inconclusive verdict: roughly how many more weeks of data would
    /// settle it if the estimate stayed where it is (an estimate).
    pub weeks_to_settle: Option<u32>,
    /// How many of the `n` account-weeks rest on counts read from the
    /// platforms' past (`backfilled` or `reconstructed` samples) rather than
    /// polled or entered ([`Effort::with_backfilled`]).
    pub backfilled_weeks: usize,
}

impl Effort {
    /// Notes how many of the account-weeks rest on backfilled or
    /// reconstructed counts, in the field and at the end of the sentence.
    pub fn with_backfilled(mut self, weeks: usize) -> Effort {
        self.backfilled_weeks = weeks;
        if weeks > 0 {
            self.sentence.push_str(&format!(
                " {weeks} of its {} account-weeks rest on backfilled or reconstructed counts (read from the platforms' past, not polled).",
                self.n
            ));
        }
        self
    }
}

/// Slope and centred sums of an OLS fit of y on x (with intercept).
fn ols(xs: &[f64], ys: &[f64]) -> Option<(f64, f64, f64)> {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 1e-12).then(|| (sxy / sxx, mx, my))
}

fn account_summary(id: &str, pts: &[Point]) -> AccountEffort {
    let n = pts.len() as f64;
    let total_min: f64 = pts.iter().map(|p| p.minutes).sum();
    let mean_f = pts.iter().map(|p| p.followers as f64).sum::<f64>() / n;
    let (first, last) = (pts[0].followers, pts[pts.len() - 1].followers);
    let elasticity = if pts.len() >= 3 {
        let xs: Vec<f64> = pts.iter().map(|p| (p.followers as f64).ln()).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p.minutes.ln()).collect();
        ols(&xs, &ys).map(|(b, ..)| b)
    } else {
        None
    };
    AccountEffort {
        id: id.to_string(),
        weeks: pts.len(),
        minutes_per_week: total_min / n,
        followers_first: first,
        followers_last: last,
        elasticity,
        minutes_per_1k_followers: total_min / n / mean_f * 1000.0,
        followers_per_hour: (last - first) as f64 / (total_min / 60.0),
    }
}

/// `0.21` → `21%` (what doubling goes with), with a sign when asked; a real
/// minus sign for negatives; very large figures are bounded, never saturated.
fn pct(b: f64, signed: bool) -> String {
    let p = (2f64.powf(b) - 1.0) * 100.0;
    if p.is_nan() || p >= 10_000.0 {
        // also NaN and infinity
        return if signed {
            "over +10,000%"
        } else {
            "over 10,000%"
        }
        .into();
    }
    let p = p.round() as i64;
    match (p, signed) {
        (p, _) if p < 0 => format!("\u{2212}{}%", crate::util::thousands(-p)),
        (0, _) => "0%".into(),
        (p, true) => format!("+{}%", crate::util::thousands(p)),
        (p, false) => format!("{}%", crate::util::thousands(p)),
    }
}

/// `t(0.975, df)`.
fn t975(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// One account's demeaned ln F and ln M, in week order.
struct Within {
    x: Vec<f64>,
    y: Vec<f64>,
}

/// The bandwidth of the EWC estimator for T points:
/// max(1, min(T − 1, nearest integer to 0.4·T^(2/3))).
pub fn ewc_bandwidth(t: usize) -> usize {
    let r = (0.4 * (t as f64).powf(2.0 / 3.0)).round() as usize;
    r.min(t.saturating_sub(1)).max(1)
}

/// w_a and B_a of one account (see the module documentation).
fn ewc_weight(a: &Within, b: f64) -> (f64, usize) {
    let t = a.x.len();
    let bw = ewc_bandwidth(t);
    let tf = t as f64;
    let z: Vec<f64> = a.x.iter().zip(&a.y).map(|(x, y)| x * (y - b * x)).collect();
    let scale = (2.0 / tf).sqrt();
    let sum_sq: f64 = (1..=bw)
        .map(|j| {
            let lam = scale
                * z.iter()
                    .enumerate()
                    .map(|(i, z)| z * (PI * j as f64 * (i as f64 + 0.5) / tf).cos())
                    .sum::<f64>();
            lam * lam
        })
        .sum();
    (tf * sum_sq / bw as f64, bw)
}

/// How a percentage of growth reads: `1.4×`.
fn times(g: f64) -> String {
    let one = format!("{g:.1}");
    if g < 2.0 && one == "2.0" {
        format!("{g:.2}×")
    } else {
        format!("{one}×")
    }
}

/// The fixed-effects model over every account's points.
pub fn analyze(accounts: &[(String, Vec<Point>)], margin: f64) -> Effort {
    let summaries: Vec<AccountEffort> = accounts
        .iter()
        .filter(|(_, p)| !p.is_empty())
        .map(|(id, p)| account_summary(id, p))
        .collect();
    // within transformation over accounts with at least two points
    let mut groups: Vec<Within> = Vec::new();
    let mut growth: Option<f64> = None;
    for (_, pts) in accounts.iter().filter(|(_, p)| p.len() >= 2) {
        let mut pts = pts.clone();
        pts.sort_by_key(|p| p.week);
        let lx: Vec<f64> = pts.iter().map(|p| (p.followers as f64).ln()).collect();
        let ly: Vec<f64> = pts.iter().map(|p| p.minutes.ln()).collect();
        let (mx, my) = (
            lx.iter().sum::<f64>() / lx.len() as f64,
            ly.iter().sum::<f64>() / ly.len() as f64,
        );
        let g = pts[pts.len() - 1].followers as f64 / pts[0].followers as f64;
        growth = Some(growth.map_or(g, |m: f64| m.max(g)));
        groups.push(Within {
            x: lx.iter().map(|x| x - mx).collect(),
            y: ly.iter().map(|y| y - my).collect(),
        });
    }
    let k = groups.len();
    let n: usize = groups.iter().map(|g| g.x.len()).sum();
    let df = n as i64 - k as i64 - 1;
    let all = || groups.iter().flat_map(|g| g.x.iter().zip(&g.y));
    let sxx: f64 = all().map(|(x, _)| x * x).sum();
    let elasticity = (sxx > 1e-12).then(|| all().map(|(x, y)| x * y).sum::<f64>() / sxx);
    let ci95_ols = match elasticity {
        Some(b) if df >= 1 => {
            let ssr: f64 = all().map(|(x, y)| (y - b * x).powi(2)).sum();
            let se = (ssr / df as f64 / sxx).sqrt();
            let t = t975(df as f64);
            Some([b - t * se, b + t * se])
        }
        _ => None,
    };
    // the EWC interval
    let (mut sum_w, mut sum_w2_b) = (0.0, 0.0);
    if let Some(b) = elasticity {
        for g in &groups {
            let (w, bw) = ewc_weight(g, b);
            sum_w += w;
            sum_w2_b += w * w / bw as f64;
        }
    }
    let ewc = match elasticity {
        Some(b) if sum_w > 0.0 && sum_w.is_finite() && sum_w2_b > 0.0 => {
            let se = sum_w.sqrt() / sxx;
            let nu = sum_w * sum_w / sum_w2_b;
            let t = t975(nu);
            Some(([b - t * se, b + t * se], nu, se))
        }
        _ => None,
    };
    let ci95 = ewc.map(|e| e.0);
    let t_df = ewc.map(|e| e.1);
    let verdict = match ci95 {
        _ if df < MIN_DF => Verdict::InsufficientData,
        None => Verdict::InsufficientData,
        Some([_, hi]) if hi <= margin => Verdict::Holds,
        Some([lo, _]) if lo > margin => Verdict::Refuted,
        Some(_) => Verdict::Inconclusive,
    };
    // more weeks to settle it, if the estimate stays where it is: the
    // standard error shrinks as 1/sqrt(weeks per account) and ν grows with
    // the accounts' bandwidths
    let weeks_to_settle = match (verdict, elasticity, ewc) {
        (Verdict::Inconclusive, Some(b), Some((_, nu, se))) => {
            let lens: Vec<usize> = groups.iter().map(|g| g.x.len()).collect();
            let per_account = n as f64 / k as f64;
            let bands =
                |more: usize| lens.iter().map(|&t| ewc_bandwidth(t + more)).sum::<usize>() as f64;
            let now = bands(0);
            let settles = |more: usize| {
                let se2 = se * (per_account / (per_account + more as f64)).sqrt();
                t975(nu * bands(more) / now) * se2 < (b - margin).abs()
            };
            // the smallest number of weeks that settles it, within ten years
            let (mut lo, mut hi) = (0usize, 520usize);
            if settles(hi) {
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2;
                    if settles(mid) { hi = mid } else { lo = mid }
                }
                Some(hi as u32)
            } else {
                None
            }
        }
        _ => None,
    };
    let margin_text = pct(margin, true);
    let audience_note = match growth {
        Some(g) if g < 1.0 => " (your audiences did not grow)".to_string(),
        Some(g) if g < 2.0 => format!(" (your audiences grew at most {})", times(g)),
        _ => String::new(),
    };
    let went_with = |b: f64| {
        let more = if (2f64.powf(b) - 1.0) * 100.0 < -0.5 {
            "less"
        } else {
            "more"
        };
        let size = pct(b, false).trim_start_matches('\u{2212}').to_string();
        format!("doubling your audience{audience_note} went with {size} {more} time")
    };
    let sentence = match (elasticity, ci95) {
        _ if n > 0 && k > 0 && sxx <= 1e-12 => format!(
            "No account's audience changed size in the {n} weeks with time spent ({k} account{}), so the claim that {CLAIM} cannot be judged yet: it needs weeks at different audience sizes.",
            if k == 1 { "" } else { "s" }
        ),
        (Some(b), Some([lo, hi])) if verdict != Verdict::InsufficientData => {
            let result = format!(
                "{} (95% CI {} to {})",
                went_with(b),
                pct(lo, true),
                pct(hi, true)
            );
            match verdict {
                Verdict::Holds => format!(
                    "The claim that {CLAIM} holds for you: {result}, under the {margin_text} margin."
                ),
                Verdict::Refuted => format!(
                    "The claim that {CLAIM} does not hold for you: {result}, above the {margin_text} margin."
                ),
                _ => format!(
                    "Not settled yet: {result}, and the interval straddles the {margin_text} margin of the claim that {CLAIM}.{}",
                    match weeks_to_settle {
                        Some(w) => format!(
                            " Roughly {w} more week{} of data would likely settle it, if the trend stays as it is (an estimate).",
                            if w == 1 { "" } else { "s" }
                        ),
                        None => String::new(),
                    }
                ),
            }
        }
        (Some(b), _) if df < MIN_DF => format!(
            "Not enough data yet to judge the claim that {CLAIM}: so far {} ({n} account-weeks from {k} account{}); a verdict needs n − k − 1 ≥ {MIN_DF}, now {df}.",
            went_with(b),
            if k == 1 { "" } else { "s" }
        ),
        (Some(b), _) => format!(
            "Not enough data yet to judge the claim that {CLAIM}: {} but the weeks leave no variation to measure its uncertainty by.",
            went_with(b)
        ),
        _ => format!(
            "Not enough data yet to judge the claim that {CLAIM}: {n} usable account-weeks from {k} accounts (an account counts once it has two weeks with both time spent and followers); a verdict needs n − k − 1 ≥ {MIN_DF}."
        ),
    };
    Effort {
        verdict,
        elasticity,
        ci95,
        n,
        df,
        margin,
        sentence,
        accounts: summaries,
        method: "ewc",
        t_df,
        ci95_ols,
        growth,
        margin_pct: 2f64.powf(margin) - 1.0,
        weeks_to_settle,
        backfilled_weeks: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> TimeZone {
        TimeZone::UTC
    }

    fn pts(data: &[(i64, f64)]) -> Vec<Point> {
        data.iter()
            .enumerate()
            .map(|(i, &(f, m))| Point {
                week: i as i64 * 604_800,
                followers: f,
                minutes: m,
            })
            .collect()
    }

    /// Reference values computed independently with numpy and scipy:
    ///
    /// ```python
    /// import numpy as np; from scipy import stats
    /// A = [(100,60),(150,75),(210,70),(300,95),(420,110)]
    /// B = [(1000,200),(1100,180),(1500,260),(2100,230),(2600,300),(3000,310)]
    /// xs, ys = [], []
    /// for acc in (A, B):
    ///     lx = np.log([f for f, _ in acc]); ly = np.log([m for _, m in acc])
    ///     xs += list(lx - lx.mean()); ys += list(ly - ly.mean())
    /// xs, ys = np.array(xs), np.array(ys)
    /// b = (xs*ys).sum() / (xs*xs).sum(); df = len(xs) - 2 - 1
    /// se = np.sqrt(((ys - b*xs)**2).sum() / df / (xs*xs).sum())
    /// t = stats.t.ppf(0.975, df); print(repr(b), repr(b - t*se), repr(b + t*se))
    /// ```
    const REF_B: f64 = 0.4165167863248243;
    const REF_LO: f64 = 0.2691973816135165;
    const REF_HI: f64 = 0.5638361910361321;
    /// The EWC interval and ν: `python3 tests/reference/effort.py` on the same
    /// points (the spec in the module documentation, recomputed with numpy).
    const REF_EWC: [f64; 2] = [0.08060695625540948, 0.7524266163942391];
    const REF_NU: f64 = 1.061021044105019;

    fn two_accounts() -> Vec<(String, Vec<Point>)> {
        vec![
            (
                "a".into(),
                pts(&[
                    (100, 60.0),
                    (150, 75.0),
                    (210, 70.0),
                    (300, 95.0),
                    (420, 110.0),
                ]),
            ),
            (
                "b".into(),
                pts(&[
                    (1000, 200.0),
                    (1100, 180.0),
                    (1500, 260.0),
                    (2100, 230.0),
                    (2600, 300.0),
                    (3000, 310.0),
                ]),
            ),
        ]
    }

    #[test]
    fn matches_an_independent_numpy_scipy_computation() {
        let e = analyze(&two_accounts(), 0.2);
        assert_eq!((e.n, e.df), (11, 8));
        let b = e.elasticity.unwrap();
        let [lo, hi] = e.ci95_ols.unwrap();
        assert!((b - REF_B).abs() < 1e-9, "{b}");
        assert!((lo - REF_LO).abs() < 1e-9, "{lo}");
        assert!((hi - REF_HI).abs() < 1e-9, "{hi}");
        let [lo, hi] = e.ci95.unwrap();
        assert!((lo - REF_EWC[0]).abs() < 1e-9, "{lo}");
        assert!((hi - REF_EWC[1]).abs() < 1e-9, "{hi}");
        assert!((e.t_df.unwrap() - REF_NU).abs() < 1e-9);
        assert_eq!(e.method, "ewc");
        assert!((e.growth.unwrap() - 4.2).abs() < 1e-12);
        assert!((e.margin_pct - (2f64.powf(0.2) - 1.0)).abs() < 1e-15);
        // the old interval said "refuted"; two accounts of five and six weeks
        // give the EWC t only ν ≈ 1 degree of freedom
        assert_eq!(e.verdict, Verdict::Inconclusive);
        assert!(
            e.sentence.starts_with(
                "Not settled yet: doubling your audience went with 33% more time (95% CI +6% to +68%), and the interval straddles the +15% margin of the claim that a bigger audience takes no more of your time."
            ),
            "{}",
            e.sentence
        );
        assert_eq!(analyze(&two_accounts(), 0.8).verdict, Verdict::Holds);
        assert_eq!(analyze(&two_accounts(), 0.05).verdict, Verdict::Refuted);
    }

    #[test]
    fn the_sentence_names_the_claim_the_result_and_the_margin() {
        let holds = analyze(&two_accounts(), 0.8);
        assert_eq!(
            holds.sentence,
            "The claim that a bigger audience takes no more of your time holds for you: doubling your audience went with 33% more time (95% CI +6% to +68%), under the +74% margin."
        );
        let refuted = analyze(&two_accounts(), 0.05);
        assert_eq!(
            refuted.sentence,
            "The claim that a bigger audience takes no more of your time does not hold for you: doubling your audience went with 33% more time (95% CI +6% to +68%), above the +4% margin."
        );
        let open = analyze(&two_accounts(), 0.2);
        let w = open.weeks_to_settle.unwrap();
        assert!(w > 0, "{w}");
        assert!(
            open.sentence.ends_with(&format!(
                " Roughly {w} more weeks of data would likely settle it, if the trend stays as it is (an estimate)."
            )),
            "{}",
            open.sentence
        );
    }

    /// One account, 52 weeks, true elasticity +0.35, week-to-week correlation
    /// 0.8 in both the audience's growth and the time (numpy, seed 12). The
    /// OLS interval says "holds"; the EWC one does not.
    const AUTO_F: [i64; 52] = [
        808, 825, 846, 872, 909, 931, 945, 945, 946, 959, 970, 987, 983, 984, 977, 991, 1014, 1044,
        1070, 1101, 1136, 1162, 1181, 1197, 1205, 1207, 1207, 1201, 1208, 1196, 1200, 1197, 1191,
        1172, 1158, 1147, 1142, 1135, 1132, 1153, 1177, 1192, 1219, 1241, 1269, 1303, 1328, 1325,
        1321, 1327, 1330, 1341,
    ];
    const AUTO_M: [i64; 52] = [
        62, 56, 68, 84, 92, 100, 106, 131, 114, 100, 98, 77, 58, 50, 55, 60, 47, 38, 40, 42, 45,
        54, 67, 68, 73, 60, 51, 55, 62, 69, 74, 80, 86, 61, 55, 60, 65, 51, 63, 59, 58, 61, 69, 55,
        66, 67, 59, 58, 42, 42, 47, 45,
    ];

    #[test]
    fn an_autocorrelated_account_is_not_called_settled() {
        let data: Vec<(i64, f64)> = AUTO_F
            .iter()
            .zip(AUTO_M)
            .map(|(f, m)| (*f, m as f64))
            .collect();
        let e = analyze(&[("a".into(), pts(&data))], 0.2);
        // numpy/scipy (tests/reference/effort.py)
        let [olo, ohi] = e.ci95_ols.unwrap();
        assert!(
            (olo - -1.365230181395974).abs() < 1e-9 && (ohi - -0.30307841097016963).abs() < 1e-9
        );
        assert!(ohi <= 0.2, "the old interval said holds");
        let [lo, hi] = e.ci95.unwrap();
        assert!((lo - -1.9634466209617352).abs() < 1e-9, "{lo}");
        assert!((hi - 0.2951380285955917).abs() < 1e-9, "{hi}");
        assert!((e.t_df.unwrap() - 6.0).abs() < 1e-9);
        assert_eq!(e.verdict, Verdict::Inconclusive);
        assert!(
            e.sentence.starts_with(
                "Not settled yet: doubling your audience (your audiences grew at most 1.7×) went with 44% less time (95% CI −74% to +23%)"
            ),
            "{}",
            e.sentence
        );
    }

    #[test]
    fn the_bandwidth_follows_the_rule() {
        // max(1, min(T − 1, round(0.4 · T^(2/3))))
        let b: Vec<usize> = [1, 2, 3, 8, 12, 27, 52, 260]
            .iter()
            .map(|&t| ewc_bandwidth(t))
            .collect();
        assert_eq!(b, vec![1, 1, 1, 2, 2, 4, 6, 16]);
    }

    #[test]
    fn percentages_never_saturate() {
        assert_eq!(pct(80.0, true), "over +10,000%");
        assert_eq!(pct(f64::INFINITY, false), "over 10,000%");
        assert_eq!(pct(f64::NAN, true), "over +10,000%");
        assert_eq!(pct(-80.0, true), "\u{2212}100%");
        assert_eq!(pct(6.0, true), "+6,300%");
        assert_eq!(pct(0.0, true), "0%");
    }

    #[test]
    fn overlapping_time_counts_once() {
        // an hour logged by hand, the same hour imported, and a half hour inside it
        let e = [(1_000, 3_600), (1_000, 3_600), (1_900, 1_800), (9_000, 60)];
        assert_eq!(merge_entries(&e), vec![(1_000, 4_600), (9_000, 9_060)]);
        assert_eq!(seconds_between(&e, 0, 100_000), 3_660);
        assert_eq!(seconds_between(&e, 4_000, 9_030), 600 + 30);
        let w = weekly_minutes(&e, &utc());
        assert_eq!(w.values().sum::<f64>(), 61.0);
    }

    #[test]
    fn per_account_figures() {
        let e = analyze(&two_accounts(), 0.2);
        let a = &e.accounts[0];
        assert_eq!(
            (a.weeks, a.followers_first, a.followers_last),
            (5, 100, 420)
        );
        assert!((a.minutes_per_week - 82.0).abs() < 1e-12);
        // numpy: np.polyfit(np.log(F), np.log(M), 1)[0]
        assert!((a.elasticity.unwrap() - 0.4068731109489931).abs() < 1e-9);
        assert!((a.minutes_per_1k_followers - 82.0 / 236.0 * 1000.0).abs() < 1e-9);
        assert!((a.followers_per_hour - 320.0 / (410.0 / 60.0)).abs() < 1e-9);
    }

    #[test]
    fn one_account_alone() {
        let data = vec![two_accounts().remove(1)];
        let e = analyze(&data, 0.2);
        assert_eq!((e.n, e.df), (6, 4));
        assert_eq!(e.verdict, Verdict::InsufficientData, "df 4 < 6");
        assert!((e.elasticity.unwrap() - 0.42839117246795694).abs() < 1e-9); // numpy
        assert_eq!(
            e.sentence,
            "Not enough data yet to judge the claim that a bigger audience takes no more of your time: so far doubling your audience went with 35% more time (6 account-weeks from 1 account); a verdict needs n − k − 1 ≥ 6, now 4."
        );
    }

    #[test]
    fn no_variance_in_followers_gives_no_elasticity() {
        let flat = pts(&[(500, 10.0), (500, 20.0), (500, 30.0), (500, 25.0)]);
        let e = analyze(&[("a".into(), flat.clone()), ("b".into(), flat)], 0.2);
        assert_eq!(e.elasticity, None);
        assert_eq!(e.ci95, None);
        assert_eq!(e.verdict, Verdict::InsufficientData);
        assert_eq!(
            e.sentence,
            "No account's audience changed size in the 8 weeks with time spent (2 accounts), so the claim that a bigger audience takes no more of your time cannot be judged yet: it needs weeks at different audience sizes."
        );
        assert!(
            !e.sentence.contains("df"),
            "df is 5 here, but it is not the reason"
        );
        assert_eq!(e.accounts[0].elasticity, None);
    }

    #[test]
    fn accounts_with_one_point_are_left_out_of_the_fit() {
        let mut data = two_accounts();
        data.push(("c".into(), pts(&[(50, 500.0)])));
        let e = analyze(&data, 0.2);
        assert_eq!(
            (e.n, e.df),
            (11, 8),
            "c adds neither a point nor an account"
        );
        assert!((e.elasticity.unwrap() - REF_B).abs() < 1e-9);
        assert_eq!(e.accounts.len(), 3);
        assert_eq!(e.accounts[2].elasticity, None);
    }

    #[test]
    fn weeks_without_time_or_followers_are_not_points() {
        let mut minutes = BTreeMap::new();
        let w0 = week_start(1_772_409_600, &utc()); // Mon 2026-03-02
        minutes.insert(w0, 30.0);
        minutes.insert(next_week(w0, &utc()), 0.0);
        let w2 = next_week(next_week(w0, &utc()), &utc());
        minutes.insert(w2, 45.0);
        // no sample before the first week ends
        let p = points(&minutes, &utc(), |t| (t > w2).then_some(120));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].week, w2);
        assert_eq!(p[0].followers, 120);
        // a follower count of zero is not a point
        assert!(points(&minutes, &utc(), |_| Some(0)).is_empty());
    }

    #[test]
    fn entries_crossing_a_week_boundary_are_split() {
        // Sunday 2026-03-08 23:30Z for one hour: 30 min in each week
        let start = 1_773_012_600;
        let w = weekly_minutes(&[(start, 3_600)], &utc());
        let v: Vec<f64> = w.values().copied().collect();
        assert_eq!(v, vec![30.0, 30.0]);
        let keys: Vec<i64> = w.keys().copied().collect();
        assert_eq!(keys[1] - keys[0], 604_800);
        assert_eq!(keys[1], 1_773_014_400, "Monday 2026-03-09 00:00Z");
    }

    #[test]
    fn weeks_are_local_and_a_dst_week_is_167_hours() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        // Europe/Berlin springs forward on Sunday 2026-03-29
        let monday = week_start(1_774_600_000, &tz); // Fri 2026-03-27
        let z = crate::util::ts(monday).to_zoned_datetime(tz.clone());
        assert_eq!(z.strftime("%a %H:%M").to_string(), "Mon 00:00");
        assert_eq!(next_week(monday, &tz) - monday, 167 * 3600);
        // an entry late on Sunday local time is in that week, not the next
        let sunday_late = next_week(monday, &tz) - 1800;
        let w = weekly_minutes(&[(sunday_late, 900)], &tz);
        assert_eq!(w.keys().copied().collect::<Vec<_>>(), vec![monday]);
    }
}
