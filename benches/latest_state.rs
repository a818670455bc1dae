//! Reading the latest state (`status`) of 100 accounts that each have five years
//! of 5-minute polls: 52.6 million samples. Target: under 50 ms.
//!
//! The database is generated once into `target/bench-data/` (about a minute and
//! a few GB) and reused. `SOCIALTOP_BENCH_YEARS` scales the history down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use socialtop::config::Config;
use socialtop::model::Sample;
use socialtop::store::Store;

const ACCOUNTS: usize = 100;
const STEP: i64 = 300;

fn config() -> Config {
    let mut toml = String::new();
    for i in 0..ACCOUNTS {
        toml.push_str(&format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"user{i}\"\n"
        ));
    }
    Config::parse(&toml, std::path::Path::new("bench.toml")).expect("bench config")
}

fn years() -> i64 {
    std::env::var("SOCIALTOP_BENCH_YEARS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

fn database(config: &Config, now: i64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("latest-{}y", years()));
    let done = dir.join("complete");
    if done.exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = Store::open_dir(&dir).expect("open bench db");
    store.sync_accounts(&config.accounts).expect("sync");
    let per_account = years() * 365 * 86_400 / STEP;
    let started = Instant::now();
    eprintln!("generating {} samples...", per_account * ACCOUNTS as i64);
    for (n, a) in config.accounts.iter().enumerate() {
        let start = now - per_account * STEP;
        let batch: Vec<Sample> = (0..per_account)
            .map(|i| Sample {
                at_ms: (start + i * STEP) * 1000,
                followers: 1_000 + n as i64 * 10 + i / 50,
                following: Some(100),
                posts: Some(i / 1_000),
            })
            .collect();
        store.insert_samples(&a.id, &batch).expect("insert");
    }
    eprintln!("generated in {:?}", started.elapsed());
    std::fs::write(done, b"").expect("marker");
    dir
}

fn bench(c: &mut Criterion) {
    let config = config();
    let now = jiff::Timestamp::now().as_second() / 86_400 * 86_400;
    let dir = database(&config, now);
    let size: u64 = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    eprintln!("database: {} MiB in {}", size / (1 << 20), dir.display());
    let store = Store::open_dir(&dir).expect("reopen");
    let t = socialtop::util::ts(now);
    let mut g = c.benchmark_group("latest_state");
    g.sample_size(30).measurement_time(Duration::from_secs(10));
    g.bench_function("status_100_accounts", |b| {
        b.iter(|| {
            let rows = socialtop::status::collect(&store, &config.accounts, t).expect("status");
            assert_eq!(rows.len(), ACCOUNTS);
            rows
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
