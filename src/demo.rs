//! `socialtop --demo`: simulated accounts with a year of generated history in a
//! temporary data dir, so every view can be seen without network or config.
//! The accounts are `manual` (never polled) and labelled as demo data.

use std::path::Path;

use jiff::Timestamp;

use crate::boot::Paths;
use crate::config::Config;
use crate::store::{Sample, Store};

const HOUR: i64 = 3_600;
const DAYS: i64 = 365;

/// (id, label, start, end, shape) of each simulated account.
const ACCOUNTS: &[(&str, &str, f64, f64, Shape)] = &[
    (
        "demo-mastodon",
        "Mastodon @alice (demo)",
        1_200.0,
        4_850.0,
        Shape::Steady,
    ),
    (
        "demo-bluesky",
        "Bluesky alice.bsky (demo)",
        300.0,
        9_400.0,
        Shape::Late,
    ),
    (
        "demo-github",
        "GitHub alice (demo)",
        150.0,
        420.0,
        Shape::Steady,
    ),
    (
        "demo-stars",
        "alice/tool stars (demo)",
        2_000.0,
        12_500.0,
        Shape::Launch,
    ),
    (
        "demo-newsletter",
        "Newsletter (demo)",
        800.0,
        1_930.0,
        Shape::Steady,
    ),
    (
        "demo-forum",
        "Old forum (demo)",
        3_000.0,
        2_410.0,
        Shape::Steady,
    ),
];

#[derive(Debug, Clone, Copy)]
enum Shape {
    /// About the same growth every day.
    Steady,
    /// Slow, then fast.
    Late,
    /// A jump one day (a launch), then steady.
    Launch,
}

/// Where the curve is at `x` in 0..=1, as a share of the way from start to end.
fn progress(shape: Shape, x: f64) -> f64 {
    match shape {
        Shape::Steady => x,
        Shape::Late => x * x * x,
        // a quarter of the way by the launch, a jump of 40%, then the rest
        Shape::Launch => {
            const AT: f64 = 0.62;
            if x < AT {
                0.25 * x / AT
            } else {
                0.65 + 0.35 * (x - AT) / (1.0 - AT)
            }
        }
    }
}

fn config_text() -> String {
    let mut s = String::from(
        "# socialtop --demo: simulated accounts, generated history. Nothing here is real.\npoll_interval = \"15m\"\n",
    );
    for (id, label, ..) in ACCOUNTS {
        s.push_str(&format!(
            "\n[[accounts]]\nplatform = \"manual\"\nhandle = \"{id}\"\nid = \"{id}\"\nlabel = \"{label}\"\n"
        ));
    }
    s
}

/// Writes the demo config and history into `dir`, ending at `now`.
pub fn prepare(dir: &Path, now: Timestamp) -> anyhow::Result<Paths> {
    let paths = Paths {
        config: dir.join("config.toml"),
        data_dir: dir.join("data"),
    };
    std::fs::write(&paths.config, config_text())?;
    let config = Config::parse(&config_text(), &paths.config)?;
    let mut store = Store::open_dir(&paths.data_dir)?;
    store.sync_accounts(&config.accounts)?;
    let end = now.as_second();
    let start = end - DAYS * 86_400;
    let mut rng = fastrand::Rng::with_seed(7);
    for &(id, _, from, to, shape) in ACCOUNTS {
        let hours = DAYS * 24;
        let samples: Vec<Sample> = (0..=hours)
            .map(|h| {
                let x = h as f64 / hours as f64;
                let base = from + (to - from) * progress(shape, x);
                // evenings and weekends move more; a little noise on top
                let wiggle = (x * DAYS as f64 * std::f64::consts::TAU / 7.0).sin()
                    * (to - from).abs()
                    * 0.002;
                let noise = (rng.f64() - 0.5) * (to - from).abs() * 0.001;
                Sample {
                    at_ms: (start + h * HOUR) * 1000,
                    followers: (base + wiggle + noise).round().max(0.0) as i64,
                    following: None,
                    posts: Some((x * 900.0) as i64),
                }
            })
            .collect();
        store.insert_samples(id, &samples)?;
    }
    // time spent: a few sessions a week, growing slowly with the audience
    for &(id, _, from, to, shape) in ACCOUNTS.iter().filter(|a| a.0 != "demo-forum") {
        let mut entries = Vec::new();
        for week in 0..52 {
            let x = week as f64 / 52.0;
            let audience = from + (to - from) * progress(shape, x);
            let minutes = 12.0 * audience.powf(0.25) * (0.7 + 0.6 * rng.f64());
            let sessions = 2 + rng.i64(0..3);
            for s in 0..sessions {
                let day = week * 7 + s * 2 + rng.i64(0..2);
                entries.push(crate::store::TimeEntry {
                    start: start + day * 86_400 + (18 + rng.i64(0..4)) * HOUR,
                    seconds: (minutes / sessions as f64 * 60.0) as i64,
                    source: "demo".into(),
                    note: None,
                    external_id: None,
                });
            }
        }
        entries.retain(|e| e.start + e.seconds < end);
        store.add_time_entries(id, &entries)?;
    }
    // one account shows what an error looks like
    store.record_failure(
        "demo-forum",
        now,
        "server error 502 Bad Gateway (simulated)",
    )?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_history_covers_a_year_and_ends_where_it_says() {
        let dir = tempfile::tempdir().unwrap();
        let now = Timestamp::from_second(1_780_000_000).unwrap();
        let paths = prepare(dir.path(), now).unwrap();
        let (config, _) = Config::load_or_init(&paths.config).unwrap();
        assert_eq!(config.accounts.len(), ACCOUNTS.len());
        assert!(
            config
                .accounts
                .iter()
                .all(|a| a.label.as_deref().unwrap_or("").contains("demo"))
        );
        let store = Store::open_dir(&paths.data_dir).unwrap();
        let first = store.earliest("demo-bluesky").unwrap().unwrap();
        let last = store.latest("demo-bluesky").unwrap().unwrap();
        assert_eq!((last.at_secs() - first.at_secs()) / 86_400, 365);
        assert!((last.followers - 9_400).abs() < 50, "{}", last.followers);
        assert!(store.latest("demo-forum").unwrap().unwrap().followers < 3_000);
    }
}
