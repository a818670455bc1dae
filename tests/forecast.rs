//! The milestone forecast against an independent numpy/scipy recomputation
//! (tests/reference/forecast.py), on series shaped like real accounts: steady,
//! noisy, flat, falling, short, slow, stopped and huge.

use std::process::{Command, Stdio};

use serde_json::Value;
use socialtop::forecast::{Outlook, forecast};

use crate::common::require_in_ci;

/// A small deterministic generator (no test depends on a random seed's luck).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn walk(start: i64, days: usize, drift: f64, noise: f64, seed: u64) -> Vec<i64> {
    let mut r = Lcg(seed);
    let mut c = vec![start];
    for _ in 0..days {
        let step = drift + noise * (r.next() - 0.5) * 2.0;
        let last = *c.last().unwrap();
        c.push((last + step.round() as i64).max(0));
    }
    c
}

fn series() -> Vec<Vec<i64>> {
    let mut all = vec![
        (0..=30).map(|i| 700 + 10 * i).collect(),
        vec![500; 31],
        (0..=30).map(|i| 900 - i).collect(),
        vec![10, 20, 30, 40],
        (0..=30).map(|i| 1_000_001 + i).collect(),
        // stopped: counts that carried over the last 20 days
        [walk(4_000, 10, 50.0, 10.0, 1), vec![4_480; 20]].concat(),
        walk(123_456_789_012, 30, 40_000.0, 90_000.0, 2),
        walk(18_400, 45, 25.0, 40.0, 3),
    ];
    for seed in 10..40 {
        let drift = (seed % 7) as f64 * 3.0 - 3.0;
        let noise = (seed % 5) as f64 * 8.0;
        let days = 5 + (seed as usize * 3) % 30;
        all.push(walk(900 + seed as i64 * 37, days, drift, noise, seed));
    }
    all
}

#[test]
fn forecasts_match_an_independent_computation() {
    let have = Command::new("python3")
        .args(["-c", "import numpy, scipy"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    require_in_ci(have, "numpy and scipy (pip install numpy scipy)");
    if !have {
        eprintln!("numpy/scipy not installed: forecast not recomputed");
        return;
    }
    let all = series();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("series.json");
    std::fs::write(&file, serde_json::to_string(&all).unwrap()).unwrap();
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/reference/forecast.py"
        ))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reference: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (counts, want) in all.iter().zip(&reference) {
        let got = forecast(counts).unwrap();
        let (outlook, earliest, latest) = match got.outlook {
            Outlook::TooShort => ("too_short", None, None),
            Outlook::NoTrend => ("no_trend", None, None),
            Outlook::Beyond => ("beyond", None, None),
            Outlook::Within { earliest, latest } => ("within", Some(earliest), latest),
        };
        seen.insert(outlook);
        let ctx = format!("{counts:?}: {got:?} vs {want}");
        assert_eq!(want["outlook"], outlook, "{ctx}");
        assert_eq!(want["milestone"].as_i64(), Some(got.milestone), "{ctx}");
        assert_eq!(want["days"].as_u64(), Some(got.days as u64), "{ctx}");
        let close = |a: f64, b: &Value| (a - b.as_f64().unwrap()).abs() <= 1e-6 * a.abs().max(1.0);
        assert!(close(got.per_day, &want["per_day"]), "{ctx}");
        assert!(close(got.sd, &want["sd"]), "{ctx}");
        assert_eq!(want["earliest"].as_i64(), earliest, "{ctx}");
        assert_eq!(want["latest"].as_i64(), latest, "{ctx}");
    }
    // every outcome was compared, not only the easy one
    assert_eq!(seen.len(), 4, "{seen:?}");
}
