//! `effort` on 100 accounts × 5 years: an hourly sample and a daily time
//! entry (plus one overlapping import a week) per account. Target: under
//! 100 ms for the whole verdict, reads included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use socialtop::config::Config;
use socialtop::model::{Sample, TimeEntry};
use socialtop::store::Store;

const ACCOUNTS: usize = 100;
const DAYS: i64 = 5 * 365;
/// Monday 2021-01-04 00:00 UTC.
const T0: i64 = 1_609_718_400;

fn config() -> Config {
    let mut toml = String::new();
    for i in 0..ACCOUNTS {
        toml.push_str(&format!(
            "[[accounts]]\nplatform = \"manual\"\nhandle = \"user{i}\"\nid = \"user{i}\"\n"
        ));
    }
    Config::parse(&toml, std::path::Path::new("bench.toml")).expect("config")
}

fn database(config: &Config) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("effort-100x5y");
    if dir.join("complete").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open_dir(&dir).expect("store");
    store.sync_accounts(&config.accounts).expect("sync");
    for (n, a) in config.accounts.iter().enumerate() {
        let samples: Vec<Sample> = (0..DAYS * 24)
            .map(|h| Sample {
                at_ms: (T0 + h * 3600) * 1000,
                followers: 500 + (n as i64 + 1) * h / 24,
                following: None,
                posts: None,
            })
            .collect();
        store.insert_samples(&a.id, &samples).expect("samples");
        let mut entries: Vec<TimeEntry> = (0..DAYS)
            .map(|d| TimeEntry {
                start: T0 + d * 86_400 + 9 * 3600,
                // time that grows a little with the audience, and wobbles
                seconds: ((600 + (d * 37 + n as i64 * 11) % 3000) as f64
                    * (1.0 + (n as f64 + 1.0) * d as f64 / 500.0).powf(0.1))
                    as i64,
                source: "log".into(),
                note: None,
                external_id: None,
            })
            .collect();
        entries.extend((0..DAYS / 7).map(|w| TimeEntry {
            start: T0 + w * 7 * 86_400 + 9 * 3600 + 300,
            seconds: 900,
            source: "timewarrior".into(),
            note: None,
            external_id: Some(w.to_string()),
        }));
        store.add_time_entries(&a.id, &entries).expect("entries");
    }
    std::fs::write(dir.join("complete"), b"").expect("marker");
    dir
}

fn bench(c: &mut Criterion) {
    let config = config();
    let dir = database(&config);
    let store = Store::open_dir(&dir).expect("open");
    let tz = jiff::tz::TimeZone::get("Europe/Berlin").expect("tz");
    let t = Instant::now();
    let e = socialtop::tracking::effort(&store, &config, &tz, None).expect("effort");
    eprintln!(
        "effort, 100 accounts × 5 years ({} account-weeks, first run): {:?} — {}",
        e.n,
        t.elapsed(),
        e.sentence
    );
    // where the time goes, once
    let (mut read_t, mut week_t, mut foll_t) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut all = Vec::new();
    for a in &config.accounts {
        let t = Instant::now();
        let entries = store.time_entries(&a.id).expect("entries");
        read_t += t.elapsed();
        let t = Instant::now();
        let minutes = socialtop::effort::weekly_minutes(&entries, &tz);
        let weeks = socialtop::effort::span_weeks(&minutes, &tz, a.tracked_since, 0);
        let ends: Vec<i64> = socialtop::effort::week_ends(&weeks, &tz)
            .iter()
            .map(|t| t * 1000)
            .collect();
        week_t += t.elapsed();
        let t = Instant::now();
        let f = store
            .fresh_followers_at_each(&a.id, &ends, socialtop::effort::FRESH_SECS * 1000)
            .expect("followers");
        foll_t += t.elapsed();
        all.push((
            a.id.clone(),
            socialtop::effort::points_from(&weeks, &minutes, &f),
        ));
    }
    // the statistics alone: the least of 10 runs, so a busy machine's
    // interruptions do not count
    let stats = (0..10)
        .map(|_| {
            let t = Instant::now();
            socialtop::effort::analyze(&all, 0.2);
            t.elapsed()
        })
        .min()
        .unwrap_or_default();
    eprintln!(
        "read entries {read_t:?}, merge and weeks {week_t:?}, followers {foll_t:?}, statistics {stats:?} (least of 10)"
    );
    let mut g = c.benchmark_group("effort");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.bench_function("100 accounts × 5 years", |b| {
        b.iter(|| socialtop::tracking::effort(&store, &config, &tz, None).expect("effort"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
