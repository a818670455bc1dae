//! A follower-list scan at scale against a loopback Mastodon server: a
//! 20,000-follower baseline (250 pages of 80), then a scan that finds 100
//! new and 100 gone. Prints the time of each, the process's peak memory
//! growth over each scan (the loopback server lives in this process too),
//! a 5,000-follower scan for comparison (flat memory: the same growth),
//! and the history's bytes per follower kept and per change.
//!
//! `cargo bench --bench followers` (release build).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use socialtop::config::Config;
use socialtop::followers::{ScanOutcome, Scanner};
use socialtop::model::{MapSecrets, Sample, SystemClock};
use socialtop::store::Handle;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Clone)]
struct Fake {
    ids: Arc<Mutex<Vec<u64>>>,
    base: String,
}

fn account(id: u64) -> Value {
    json!({
        "id": id.to_string(), "username": format!("user{id}"), "acct": format!("user{id}@elsewhere.example"),
        "display_name": format!("User number {id}"), "locked": false, "bot": false,
        "created_at": "2023-01-01T00:00:00.000Z", "note": "<p>hello</p>",
        "url": format!("https://elsewhere.example/@user{id}"),
        "avatar": "https://elsewhere.example/avatars/original/missing.png",
        "followers_count": id % 5000, "following_count": 10, "statuses_count": 100,
        "emojis": [], "fields": []
    })
}

impl Respond for Fake {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path();
        if path == "/api/v1/accounts/lookup" {
            let n = self.ids.lock().map(|i| i.len()).unwrap_or(0);
            return ResponseTemplate::new(200)
                .set_body_json(json!({"id": "1", "acct": "me", "followers_count": n}));
        }
        if path == "/api/v1/accounts/1/followers" {
            let page: usize = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "max_id")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1);
            let ids = self.ids.lock().map(|i| i.clone()).unwrap_or_default();
            let chunk: Vec<Value> = ids
                .iter()
                .skip((page - 1) * 80)
                .take(80)
                .map(|i| account(*i))
                .collect();
            let mut t = ResponseTemplate::new(200).set_body_json(Value::Array(chunk));
            if ids.len() > page * 80 {
                t = t.insert_header(
                    "link",
                    format!(
                        "<{}/api/v1/accounts/1/followers?limit=80&max_id={}>; rel=\"next\"",
                        self.base,
                        page + 1
                    )
                    .as_str(),
                );
            }
            return t;
        }
        // why someone left: still there
        ResponseTemplate::new(200).set_body_json(account(7))
    }
}

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Bytes of the history in use (pages not on the free list), after the
/// write-ahead log is checkpointed into it.
fn db_bytes(dir: &std::path::Path) -> u64 {
    let c = rusqlite::Connection::open(dir.join("socialtop.db")).expect("db");
    let _ = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    let q = |p: &str| -> u64 {
        c.query_row(&format!("PRAGMA {p}"), [], |r| r.get::<_, i64>(0))
            .map_or(0, |v| v.max(0) as u64)
    };
    (q("page_count") - q("freelist_count")) * q("page_size")
}

async fn run(n: u64) {
    let server = MockServer::start().await;
    let fake = Fake {
        ids: Arc::new(Mutex::new((1..=n).collect())),
        base: server.uri(),
    };
    Mock::given(wiremock::matchers::any())
        .respond_with(fake.clone())
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "[[accounts]]\nplatform = \"mastodon\"\nhandle = \"me@example.social\"\nbase_url = \"{}\"\nfollowers_list_max = 100000\n",
        server.uri()
    );
    let config = Config::parse(&text, std::path::Path::new("bench.toml")).expect("config");
    let store = Handle::open_dir(dir.path()).expect("store");
    store
        .sync_accounts(config.accounts.clone())
        .await
        .expect("sync");
    let key = config.accounts[0].id.clone();
    let k = key.clone();
    store
        .write(move |s| {
            s.insert_sample(
                &k,
                Sample {
                    at_ms: jiff::Timestamp::now().as_millisecond() - 1000,
                    followers: n as i64,
                    following: None,
                    posts: None,
                },
            )
        })
        .await
        .expect("sample");
    let scanner = Scanner::with_seams(
        &config,
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(MapSecrets::default()),
    )
    .expect("scanner")
    .with_pace(Duration::ZERO);
    let before_db = db_bytes(dir.path());
    let before = peak_kib();
    let t = Instant::now();
    let r = scanner.scan(&config.accounts[0]).await;
    let took = t.elapsed();
    let grew = peak_kib().saturating_sub(before);
    assert!(matches!(r.outcome, ScanOutcome::Completed(_)), "{r:?}");
    let kept = db_bytes(dir.path()).saturating_sub(before_db);
    println!(
        "{n:>6} followers: baseline scan {:>6.2} s ({} pages), peak memory +{grew} KiB, {:.0} bytes per follower kept",
        took.as_secs_f64(),
        n.div_ceil(80),
        kept as f64 / n as f64
    );
    // 100 gone, 100 new
    if let Ok(mut ids) = fake.ids.lock() {
        ids.drain(0..100);
        ids.extend(n + 1..=n + 100);
    }
    let before_db = db_bytes(dir.path());
    let before = peak_kib();
    let t = Instant::now();
    let r = scanner.scan(&config.accounts[0]).await;
    let took = t.elapsed();
    let grew = peak_kib().saturating_sub(before);
    let ScanOutcome::Completed(d) = r.outcome else {
        panic!("{r:?}")
    };
    let added = db_bytes(dir.path()).saturating_sub(before_db);
    println!(
        "{n:>6} followers: next scan (+{} −{}) {:>6.2} s, peak memory +{grew} KiB, history +{added} bytes ({:.0} per change)",
        d.followed,
        d.left,
        took.as_secs_f64(),
        added as f64 / 200.0
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // the smaller list first: a flat scan grows the peak no more for the larger
    rt.block_on(run(5_000));
    rt.block_on(run(20_000));
}
