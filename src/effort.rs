//! Does a bigger audience take more of your time? Pure statistics, no I/O.
//!
//! The model, so anyone can recompute it:
//! - Weeks are ISO weeks (Monday 00:00 to Monday 00:00) in the local time zone.
//! - For account a and week w: F = followers of the latest sample at or before
//!   the end of w; M = minutes of time entries in w (entries crossing a week
//!   boundary are split).
//! - Points: weeks with M > 0 and F > 0. Accounts with fewer than 2 points are
//!   left out; k = accounts used, n = points used.
//! - Elasticity b: the OLS slope of ln M on ln F after subtracting each
//!   account's own mean of ln F and of ln M (account fixed effects).
//!   df = n − k − 1; se = sqrt(SSR / df / Sxx); 95% CI = b ± t(0.975, df) · se.
//! - Verdict with margin m: `insufficient_data` when df < 6; `holds` when the
//!   CI's upper bound ≤ m; `refuted` when its lower bound > m; else `inconclusive`.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::tz::TimeZone;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Smallest df for a verdict.
pub const MIN_DF: i64 = 6;

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

/// Minutes per week (keyed by week start) of entries `(start, seconds)`,
/// splitting entries that cross a week boundary.
pub fn weekly_minutes(entries: &[(i64, i64)], tz: &TimeZone) -> BTreeMap<i64, f64> {
    let mut weeks = BTreeMap::new();
    for &(start, secs) in entries {
        let end = start + secs.max(0);
        let mut cursor = start;
        while cursor < end {
            let ws = week_start(cursor, tz);
            let we = next_week(ws, tz).max(cursor + 1);
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
    pub ci95: Option<[f64; 2]>,
    pub n: usize,
    pub df: i64,
    pub margin: f64,
    pub sentence: String,
    pub accounts: Vec<AccountEffort>,
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

/// `0.21` → `21%`, with a sign when asked; a real minus sign for negatives.
fn pct(b: f64, signed: bool) -> String {
    let p = ((2f64.powf(b) - 1.0) * 100.0).round() as i64;
    match (p, signed) {
        (p, _) if p < 0 => format!("\u{2212}{}%", -p),
        (0, _) => "0%".into(),
        (p, true) => format!("+{p}%"),
        (p, false) => format!("{p}%"),
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
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    let mut k = 0usize;
    for (_, pts) in accounts.iter().filter(|(_, p)| p.len() >= 2) {
        k += 1;
        let lx: Vec<f64> = pts.iter().map(|p| (p.followers as f64).ln()).collect();
        let ly: Vec<f64> = pts.iter().map(|p| p.minutes.ln()).collect();
        let (mx, my) = (
            lx.iter().sum::<f64>() / lx.len() as f64,
            ly.iter().sum::<f64>() / ly.len() as f64,
        );
        xs.extend(lx.iter().map(|x| x - mx));
        ys.extend(ly.iter().map(|y| y - my));
    }
    let n = xs.len();
    let df = n as i64 - k as i64 - 1;
    let sxx: f64 = xs.iter().map(|x| x * x).sum();
    let elasticity =
        (sxx > 1e-12).then(|| xs.iter().zip(&ys).map(|(x, y)| x * y).sum::<f64>() / sxx);
    let ci95 = match elasticity {
        Some(b) if df >= 1 => {
            let ssr: f64 = xs.iter().zip(&ys).map(|(x, y)| (y - b * x).powi(2)).sum();
            let se = (ssr / df as f64 / sxx).sqrt();
            let t = StudentsT::new(0.0, 1.0, df as f64)
                .map(|d| d.inverse_cdf(0.975))
                .unwrap_or(f64::NAN);
            Some([b - t * se, b + t * se])
        }
        _ => None,
    };
    let verdict = match ci95 {
        _ if df < MIN_DF => Verdict::InsufficientData,
        None => Verdict::InsufficientData,
        Some([_, hi]) if hi <= margin => Verdict::Holds,
        Some([lo, _]) if lo > margin => Verdict::Refuted,
        Some(_) => Verdict::Inconclusive,
    };
    let sentence = match (elasticity, ci95) {
        (Some(b), Some([lo, hi])) => {
            let more = if (2f64.powf(b) - 1.0) * 100.0 < -0.5 {
                "less"
            } else {
                "more"
            };
            let size = pct(b, false).trim_start_matches('\u{2212}').to_string();
            format!(
                "Doubling your audience went with {size} {more} time (95% CI {} to {}): {}.",
                pct(lo, true),
                pct(hi, true),
                verdict.phrase()
            )
        }
        _ => format!(
            "Not enough data yet: {n} usable account-weeks from {k} accounts (an account counts once it has two weeks with both time spent and followers){}; a verdict needs df ≥ {MIN_DF}.",
            if n > 0 && sxx <= 1e-12 {
                ", and the audience never changed size"
            } else {
                ""
            }
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
        let [lo, hi] = e.ci95.unwrap();
        assert!((b - REF_B).abs() < 1e-9, "{b}");
        assert!((lo - REF_LO).abs() < 1e-9, "{lo}");
        assert!((hi - REF_HI).abs() < 1e-9, "{hi}");
        assert_eq!(e.verdict, Verdict::Refuted, "lower bound 0.27 > margin 0.2");
        assert_eq!(
            e.sentence,
            "Doubling your audience went with 33% more time (95% CI +21% to +48%): refuted."
        );
        // the same data, a wider margin: the CI's upper bound is under it
        assert_eq!(analyze(&two_accounts(), 0.6).verdict, Verdict::Holds);
        assert_eq!(analyze(&two_accounts(), 0.3).verdict, Verdict::Inconclusive);
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
        assert!(
            e.sentence.ends_with(": insufficient data."),
            "{}",
            e.sentence
        );
    }

    #[test]
    fn no_variance_in_followers_gives_no_elasticity() {
        let flat = pts(&[(500, 10.0), (500, 20.0), (500, 30.0), (500, 25.0)]);
        let e = analyze(&[("a".into(), flat.clone()), ("b".into(), flat)], 0.2);
        assert_eq!(e.elasticity, None);
        assert_eq!(e.ci95, None);
        assert_eq!(e.verdict, Verdict::InsufficientData);
        assert!(e.sentence.contains("never changed size"), "{}", e.sentence);
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
