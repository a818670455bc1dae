//! When the count reaches its next round number, as a range drawn from the
//! growth's own day-to-day variability, or "no trend" when the growth is flat
//! or too noisy to tell from flat.
//!
//! The model, exactly (README "Forecasts"; `tests/reference/forecast.py`
//! recomputes it with numpy/scipy):
//!
//! - `c_0 … c_n`: the count at the end of each of the last `n` days (the
//!   latest count at or before each day boundary, the last one now), `n` from
//!   [`MIN_DAYS`] to [`MAX_DAYS`]; `d_i = c_i − c_{i−1}`.
//! - A random walk with drift: `m` = mean of `d`, `s` = its standard deviation
//!   (n − 1), `q` = Student's t quantile 0.90 with n − 1 degrees of freedom.
//! - **Trend** when `m > q·s/√n` (the drift's one-sided 90% lower bound is
//!   above zero); otherwise "no trend".
//! - The count `h` days on lies in `c_n + m·h ± q·s·√(h + h²/n)` (80%): the
//!   day-to-day noise over `h` days plus the uncertainty of `m` itself.
//! - **Earliest**: the first whole day `h ≥ 1` whose upper bound reaches the
//!   milestone; **latest**: the first whose lower bound does; none past
//!   [`HORIZON_DAYS`].

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Days of counts a forecast needs at least, and reads at most.
pub const MIN_DAYS: usize = 7;
pub const MAX_DAYS: usize = 30;
/// Days ahead a forecast looks at most (ten years).
pub const HORIZON_DAYS: i64 = 3650;
/// The quantile of the band: 80% two-sided, 90% one-sided for the trend.
const LEVEL: f64 = 0.90;

/// The next round number above `v`: the next step of its leading digit
/// (8,734 → 9,000; 9,734 → 10,000; 42 → 50).
pub fn next_milestone(v: i64) -> i64 {
    if v < 10 {
        return 10;
    }
    let step = 10i64.pow(v.ilog10());
    (v / step).saturating_add(1).saturating_mul(step)
}

/// What the forecast says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outlook {
    /// Fewer than [`MIN_DAYS`] days of counts.
    TooShort,
    /// Flat, falling, or too noisy to tell from flat.
    NoTrend,
    /// The milestone between `earliest` and `latest` days from the last count;
    /// `latest` is `None` past [`HORIZON_DAYS`].
    Within { earliest: i64, latest: Option<i64> },
    /// Not within [`HORIZON_DAYS`] even at the upper bound.
    Beyond,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    pub milestone: i64,
    /// Days of changes read (n).
    pub days: usize,
    /// Mean change per day (m) and its day-to-day standard deviation (s).
    pub per_day: f64,
    pub sd: f64,
    pub outlook: Outlook,
}

/// The forecast from daily counts, oldest first (`c_0 … c_n`; at most the
/// last [`MAX_DAYS`] changes are read).
pub fn forecast(counts: &[i64]) -> Option<Forecast> {
    let last = *counts.last()?;
    let milestone = next_milestone(last);
    let start = counts.len().saturating_sub(MAX_DAYS + 1);
    let d: Vec<f64> = counts[start..]
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64)
        .collect();
    let n = d.len();
    let mut f = Forecast {
        milestone,
        days: n,
        per_day: 0.0,
        sd: 0.0,
        outlook: Outlook::TooShort,
    };
    if n < MIN_DAYS {
        return Some(f);
    }
    let nf = n as f64;
    let m = d.iter().sum::<f64>() / nf;
    let s = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt();
    f.per_day = m;
    f.sd = s;
    let q = StudentsT::new(0.0, 1.0, nf - 1.0)
        .map(|t| t.inverse_cdf(LEVEL))
        .unwrap_or(f64::INFINITY);
    if m <= q * s / nf.sqrt() {
        f.outlook = Outlook::NoTrend;
        return Some(f);
    }
    let gap = (milestone - last) as f64;
    let band = |h: f64| q * s * (h + h * h / nf).sqrt();
    let first = |reached: &dyn Fn(f64) -> bool| (1..=HORIZON_DAYS).find(|&h| reached(h as f64));
    f.outlook = match first(&|h| m * h + band(h) >= gap) {
        None => Outlook::Beyond,
        Some(earliest) => Outlook::Within {
            earliest,
            latest: first(&|h| m * h - band(h) >= gap),
        },
    };
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_are_the_next_leading_digit_step() {
        assert_eq!(next_milestone(0), 10);
        assert_eq!(next_milestone(42), 50);
        assert_eq!(next_milestone(99), 100);
        assert_eq!(next_milestone(8_734), 9_000);
        assert_eq!(next_milestone(9_734), 10_000);
        assert_eq!(next_milestone(10_000), 20_000);
        assert_eq!(next_milestone(i64::MAX), i64::MAX);
    }

    #[test]
    fn steady_growth_has_a_narrow_range_and_noise_widens_it() {
        // +10 a day, exactly, 700 to 1,000: 2,000 in 100 days
        let steady: Vec<i64> = (0..=30).map(|i| 700 + 10 * i).collect();
        let f = forecast(&steady).unwrap();
        assert_eq!(f.milestone, 2000);
        assert_eq!(
            f.outlook,
            Outlook::Within {
                earliest: 100,
                latest: Some(100)
            }
        );
        // the same mean with noise: a range around it
        let mut noisy = vec![700i64];
        for i in 0..30 {
            let step = if i % 2 == 0 { 2 } else { 18 };
            noisy.push(noisy[i] + step);
        }
        let f = forecast(&noisy).unwrap();
        let Outlook::Within { earliest, latest } = f.outlook else {
            panic!("{f:?}")
        };
        let latest = latest.unwrap();
        assert!(earliest < 100 && latest > 100, "{earliest}..{latest}");
    }

    #[test]
    fn flat_falling_noisy_and_short_histories_have_no_trend() {
        let flat = vec![500i64; 31];
        assert_eq!(forecast(&flat).unwrap().outlook, Outlook::NoTrend);
        let falling: Vec<i64> = (0..=30).map(|i| 900 - i).collect();
        assert_eq!(forecast(&falling).unwrap().outlook, Outlook::NoTrend);
        // +1 on average, swinging ±40: cannot be told from flat
        let mut noisy = vec![500i64];
        for i in 0..30 {
            let step = if i % 2 == 0 { 41 } else { -39 };
            noisy.push(noisy[i] + step);
        }
        assert_eq!(forecast(&noisy).unwrap().outlook, Outlook::NoTrend);
        let short = vec![10i64, 20, 30, 40];
        assert_eq!(forecast(&short).unwrap().outlook, Outlook::TooShort);
        assert_eq!(forecast(&[]), None);
    }

    #[test]
    fn slow_growth_is_beyond_ten_years() {
        // +1 a day toward 2,000,000 from 1,000,001
        let slow: Vec<i64> = (0..=30).map(|i| 1_000_001 + i).collect();
        assert_eq!(forecast(&slow).unwrap().outlook, Outlook::Beyond);
    }
}
