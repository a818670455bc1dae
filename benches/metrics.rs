//! One Prometheus scrape of 1,000 accounts: everything a `GET /metrics` does
//! but the socket (read the store, write the text; the effort model's last
//! fit, as scrapes show it), and, apart, a refit of the effort model (which
//! scrapes leave to a background thread).
//! Each account has 30 days of hourly samples, a few failed polls and half a
//! year of weekly time entries, so the effort model has 26,000 points to fit.
//! The bound: under 20 ms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use socialtop::config::Config;
use socialtop::metrics::{Exporter, Format};
use socialtop::model::{Sample, TimeEntry};
use socialtop::store::{self, Store};

const ACCOUNTS: usize = 1_000;
const HOURS: i64 = 30 * 24;
const WEEKS: i64 = 26;

fn config() -> Config {
    let mut toml = String::new();
    for i in 0..ACCOUNTS {
        toml.push_str(&format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"user{i}\"\n"
        ));
    }
    Config::parse(&toml, std::path::Path::new("bench.toml")).expect("bench config")
}

fn database(config: &Config, now: i64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("metrics-1000");
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open_dir(&dir).expect("open bench db");
    store.sync_accounts(&config.accounts).expect("sync");
    for (n, a) in config.accounts.iter().enumerate() {
        let n = n as i64;
        let samples: Vec<Sample> = (0..HOURS)
            .map(|h| Sample {
                at_ms: (now - (HOURS - h) * 3_600) * 1_000,
                followers: 1_000 + n * 10 + h,
                following: Some(100),
                posts: Some(n + h / 24),
            })
            .collect();
        store.insert_samples(&a.id, &samples).expect("samples");
        for f in 0..(n % 4) {
            store
                .record_failure(&a.id, socialtop::util::ts(now - 600 - f * 60), "timed out")
                .expect("failure");
        }
        let entries: Vec<TimeEntry> = (0..WEEKS)
            .map(|w| TimeEntry {
                start: now - (WEEKS - w) * 7 * 86_400,
                seconds: 600 + (n % 7) * 120 + w * 30,
                source: "log".into(),
                note: None,
                external_id: None,
            })
            .collect();
        store.add_time_entries(&a.id, &entries).expect("entries");
        // the history goes back as far as the time entries
        store
            .insert_sample(
                &a.id,
                Sample {
                    at_ms: (now - (WEEKS + 1) * 7 * 86_400) * 1_000,
                    followers: 500 + n * 5,
                    following: None,
                    posts: None,
                },
            )
            .expect("old sample");
    }
    dir
}

fn bench(c: &mut Criterion) {
    let config = Arc::new(config());
    let now = jiff::Timestamp::now().as_second();
    let dir = database(&config, now);
    let exporter = Exporter::new(
        store::shared(Store::open_dir(&dir).expect("reopen")),
        Arc::clone(&config),
    );
    let text = exporter.scrape(Format::Text).expect("scrape");
    eprintln!(
        "exposition: {} lines, {} KiB; effort estimate present: {}",
        text.lines().count(),
        text.len() / 1024,
        text.contains("\nsocialtop_effort_elasticity ")
    );
    let mut g = c.benchmark_group("metrics");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.bench_function("scrape_1000_accounts_text", |b| {
        b.iter(|| exporter.scrape(Format::Text).expect("scrape"))
    });
    g.bench_function("scrape_1000_accounts_openmetrics", |b| {
        b.iter(|| exporter.scrape(Format::OpenMetrics).expect("scrape"))
    });
    g.finish();
    let store = Store::open_dir(&dir).expect("reopen");
    let tz = socialtop::util::local_tz();
    let mut g = c.benchmark_group("metrics_refit");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("effort_refit_1000_accounts", |b| {
        b.iter(|| socialtop::metrics::Estimate::of(&store, &config, &tz).expect("fit"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
