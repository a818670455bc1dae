//! `export --history` of 10 million samples (100 accounts × 100,000), as CSV and
//! as NDJSON, to a sink. Target: under 5 s with flat memory; the peak resident
//! size before and after is printed (Linux).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use socialtop::config::Config;
use socialtop::export::write_history;
use socialtop::model::ExportFormat as Format;
use socialtop::model::Sample;
use socialtop::store::Store;

const ACCOUNTS: usize = 100;
const PER_ACCOUNT: i64 = 100_000;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn database() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("history-10m");
    if dir.join("complete").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut toml = String::new();
    for i in 0..ACCOUNTS {
        toml.push_str(&format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"user{i}\"\n"
        ));
    }
    let config = Config::parse(&toml, std::path::Path::new("bench.toml")).expect("config");
    let mut store = Store::open_dir(&dir).expect("store");
    store.sync_accounts(&config.accounts).expect("sync");
    for a in &config.accounts {
        let samples: Vec<Sample> = (0..PER_ACCOUNT)
            .map(|i| Sample {
                at_ms: (1_700_000_000 + i * 300) * 1000,
                followers: 1_000 + i / 7,
                following: Some(42),
                posts: Some(i / 100),
            })
            .collect();
        store.insert_samples(&a.id, &samples).expect("insert");
    }
    std::fs::write(dir.join("complete"), b"").expect("marker");
    dir
}

/// Counts bytes and throws them away.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let store = Store::open_dir(&database()).expect("open");
    let before = peak_rss_kib();
    let mut g = c.benchmark_group("history_export");
    g.sample_size(10).measurement_time(Duration::from_secs(40));
    for (name, format) in [("csv_10m", Format::Csv), ("ndjson_10m", Format::Json)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, Counter(0));
                let n =
                    write_history(&store, jiff::Timestamp::MIN, format, &mut out).expect("export");
                assert_eq!(n, ACCOUNTS as u64 * PER_ACCOUNT as u64);
                out.into_inner().map(|c| c.0).unwrap_or(0)
            })
        });
    }
    g.finish();
    eprintln!(
        "peak resident size: {} MiB before the exports, {} MiB after",
        before / 1024,
        peak_rss_kib() / 1024
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
