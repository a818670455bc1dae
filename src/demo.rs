//! `socialtop --demo`: simulated accounts with a year of generated history in a
//! temporary data dir, so every view can be seen without network or config.
//!
//! The accounts are real platforms (Mastodon, Bluesky, GitHub, a JSON
//! newsletter, a Lemmy forum) whose `base_url` points at [`DemoApi`], a
//! server on loopback that answers as those platforms do, with counts that
//! keep moving from where the history ends: `r`/`R` poll for real, a
//! milestone alert fires on the first poll, and the forum answers 502.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::boot::Paths;
use crate::config::Config;
use crate::model::Sample;
use crate::store::Store;

const HOUR: i64 = 3_600;
const DAYS: i64 = 365;

/// (id, label, start, end, shape, platform and its keys) of each simulated
/// account.
const ACCOUNTS: &[(&str, &str, f64, f64, Shape, &str)] = &[
    (
        "demo-mastodon",
        "Mastodon @alice (demo)",
        1_200.0,
        4_850.0,
        Shape::Steady,
        "platform = \"mastodon\"\nhandle = \"alice@demo.example\"",
    ),
    (
        "demo-bluesky",
        "Bluesky alice.bsky (demo)",
        300.0,
        9_400.0,
        Shape::Late,
        "platform = \"bluesky\"\nhandle = \"alice.bsky.social\"",
    ),
    (
        "demo-github",
        "GitHub alice (demo)",
        150.0,
        420.0,
        Shape::Steady,
        "platform = \"github\"\nhandle = \"alice-demo\"",
    ),
    (
        "demo-stars",
        "alice/tool stars (demo)",
        2_000.0,
        12_500.0,
        Shape::Launch,
        "platform = \"github\"\nhandle = \"alice-demo/tool\"",
    ),
    (
        "demo-newsletter",
        "Newsletter (demo)",
        800.0,
        1_930.0,
        Shape::Steady,
        "platform = \"json\"\nhandle = \"newsletter\"\nurl = \"https://newsletter.demo.example/api/stats\"\npointer = \"/subscribers\"\nmetric = \"subscribers\"",
    ),
    (
        "demo-forum",
        "Old forum (demo)",
        3_000.0,
        2_410.0,
        Shape::Steady,
        "platform = \"lemmy\"\nhandle = \"alice@forum.demo.example\"",
    ),
];

/// The milestone the newsletter crosses at its first poll (an alert to see).
const NEWSLETTER_MILESTONE: i64 = 2_000;

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

/// The demo's config; its accounts are served by the demo API at `api`
/// (when none runs, as for `--demo status`, a port nothing listens on).
fn config_text(api: Option<SocketAddr>) -> String {
    let base = api.map_or_else(
        || "http://127.0.0.1:9".to_string(),
        |a| format!("http://{a}"),
    );
    let mut s = String::from(
        "# socialtop --demo: simulated accounts, generated history, a simulated API. Nothing here is real.\npoll_interval = \"15m\"\n",
    );
    for (id, label, _, _, _, keys) in ACCOUNTS {
        s.push_str(&format!(
            "\n[[accounts]]\n{keys}\nid = \"{id}\"\nlabel = \"{label}\"\nbase_url = \"{base}\"\nfollowers_list = false\n"
        ));
    }
    s.push_str("\n[[alerts]]\nkind = \"milestone\"\naccounts = [\"demo-newsletter\"]\n");
    s
}

/// Writes the demo config and history into `dir`, ending at `now`, its
/// accounts served by the demo API at `api` (the dashboard starts one).
pub fn prepare(dir: &Path, now: Timestamp, api: Option<SocketAddr>) -> anyhow::Result<Paths> {
    let paths = Paths {
        config: dir.join("config.toml"),
        data_dir: dir.join("data"),
    };
    let text = config_text(api);
    std::fs::write(&paths.config, &text)?;
    let config = Config::parse(&text, &paths.config)?;
    let mut store = Store::open_dir(&paths.data_dir)?;
    store.sync_accounts(&config.accounts)?;
    let end = now.as_second();
    let start = end - DAYS * 86_400;
    let mut rng = fastrand::Rng::with_seed(7);
    for &(id, _, from, to, shape, _) in ACCOUNTS {
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
    for &(id, _, from, to, shape, _) in ACCOUNTS.iter().filter(|a| a.0 != "demo-forum") {
        let mut entries = Vec::new();
        for week in 0..52 {
            let x = week as f64 / 52.0;
            let audience = from + (to - from) * progress(shape, x);
            let minutes = 12.0 * audience.powf(0.25) * (0.7 + 0.6 * rng.f64());
            let sessions = 2 + rng.i64(0..3);
            for s in 0..sessions {
                let day = week * 7 + s * 2 + rng.i64(0..2);
                entries.push(crate::model::TimeEntry {
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

/// A simulated API on loopback answering as the demo's platforms do (the
/// documented shapes), each count moving on from where the history ends.
pub struct DemoApi {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DemoApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where each account's count is, and how fast it moves (per second).
struct Counts {
    now: Vec<(&'static str, f64, f64)>,
    rng: fastrand::Rng,
    newsletter_first: bool,
}

impl Counts {
    fn new() -> Counts {
        let now = ACCOUNTS
            .iter()
            .map(|&(id, _, from, to, shape, _)| {
                // the curve's slope at its end, per second
                let eps = 0.001;
                let slope = (progress(shape, 1.0) - progress(shape, 1.0 - eps)) / eps;
                // a little above where the history's wiggle ends, so the
                // first poll reads a rise, not a dip
                let start = to + (to - from).abs() * 0.003;
                (id, start, (to - from) * slope / (DAYS as f64 * 86_400.0))
            })
            .collect();
        Counts {
            now,
            rng: fastrand::Rng::with_seed(11),
            newsletter_first: true,
        }
    }

    /// The count of `id` now: on from the last answer by its drift over
    /// `secs` and a little noise, whole.
    fn next(&mut self, id: &str, secs: f64) -> i64 {
        if id == "demo-newsletter" && self.newsletter_first {
            self.newsletter_first = false;
            if let Some(e) = self.now.iter_mut().find(|e| e.0 == id) {
                e.1 = NEWSLETTER_MILESTONE as f64 + 4.0;
            }
        }
        let jitter = self.rng.f64() - 0.5;
        match self.now.iter_mut().find(|e| e.0 == id) {
            Some(e) => {
                // at least a step a poll, so `r` shows a change
                e.1 = (e.1 + e.2 * secs.max(60.0) + jitter * 3.0).max(0.0);
                e.1.round() as i64
            }
            None => 0,
        }
    }
}

impl DemoApi {
    /// Binds a loopback port and serves on the current runtime.
    pub async fn start() -> std::io::Result<DemoApi> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Mutex::new(Counts::new()));
        let started = std::time::Instant::now();
        let task = tokio::spawn(async move {
            let mut last = std::time::Instant::now();
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    continue;
                };
                let secs = last
                    .elapsed()
                    .as_secs_f64()
                    .max(started.elapsed().as_secs_f64().min(1.0));
                last = std::time::Instant::now();
                let counts = Arc::clone(&counts);
                tokio::spawn(async move {
                    let mut head = vec![0u8; 8192];
                    let mut n = 0;
                    while n < head.len() && !head[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                        match tokio::time::timeout(
                            std::time::Duration::from_secs(5),
                            stream.read(&mut head[n..]),
                        )
                        .await
                        {
                            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return,
                            Ok(Ok(k)) => n += k,
                        }
                    }
                    let text = String::from_utf8_lossy(&head[..n]);
                    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let (status, kind, body) = {
                        let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
                        answer(&path, &mut c, secs)
                    };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Ok(DemoApi { addr, task })
    }
}

/// The answer to a request for `path`, as each platform documents it.
fn answer(path: &str, c: &mut Counts, secs: f64) -> (&'static str, &'static str, String) {
    const JSON: &str = "application/json";
    let route = path.split('?').next().unwrap_or(path);
    let ok = |body: serde_json::Value| ("200 OK", JSON, body.to_string());
    match route {
        "/api/v1/accounts/lookup" => ok(serde_json::json!({
            "id": "109", "username": "alice", "acct": "alice",
            "display_name": "Alice (demo)", "locked": false, "bot": false,
            "followers_count": c.next("demo-mastodon", secs),
            "following_count": 210, "statuses_count": 1_840,
        })),
        "/xrpc/app.bsky.actor.getProfile" => ok(serde_json::json!({
            "did": "did:plc:demoalice", "handle": "alice.bsky.social",
            "displayName": "Alice (demo)",
            "followersCount": c.next("demo-bluesky", secs),
            "followsCount": 150, "postsCount": 920,
        })),
        "/users/alice-demo" => ok(serde_json::json!({
            "login": "alice-demo", "id": 1, "type": "User",
            "followers": c.next("demo-github", secs), "following": 12, "public_repos": 9,
        })),
        "/repos/alice-demo/tool" => ok(serde_json::json!({
            "id": 2, "full_name": "alice-demo/tool",
            "stargazers_count": c.next("demo-stars", secs),
            "forks_count": 40, "subscribers_count": 31,
        })),
        "/api/stats" => ok(serde_json::json!({
            "subscribers": c.next("demo-newsletter", secs),
        })),
        r if r.starts_with("/api/v3/") => (
            "502 Bad Gateway",
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body>simulated</body></html>".into(),
        ),
        _ => (
            "404 Not Found",
            JSON,
            serde_json::json!({"message": "Not Found"}).to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_history_covers_a_year_and_ends_where_it_says() {
        let dir = tempfile::tempdir().unwrap();
        let now = Timestamp::from_second(1_780_000_000).unwrap();
        let paths = prepare(dir.path(), now, None).unwrap();
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

    /// The demo polls for real: its platforms answer from loopback with
    /// counts that moved on, the newsletter crosses a milestone (an alert),
    /// and the forum answers 502.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_demo_polls_real_platforms_and_fires_an_alert() {
        use crate::model::{Clock, SystemClock};
        use crate::poller::Outcome;
        let api = DemoApi::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let now = SystemClock.now();
        let paths = prepare(dir.path(), now, Some(api.addr)).unwrap();
        let (config, _) = Config::load_or_init(&paths.config).unwrap();
        let kinds: Vec<&str> = config.accounts.iter().map(|a| a.platform.name()).collect();
        assert_eq!(
            kinds,
            ["mastodon", "bluesky", "github", "github", "json", "lemmy"]
        );
        let store = crate::store::Handle::open_dir(&paths.data_dir).unwrap();
        let before = store
            .read(|s| s.latest("demo-bluesky"))
            .await
            .unwrap()
            .unwrap();
        let report = crate::service::poll_once(
            &config,
            &store,
            std::sync::Arc::new(SystemClock),
            std::sync::Arc::new(crate::model::EnvSecrets),
        )
        .await
        .unwrap();
        for r in &report.results {
            match (r.account.as_str(), &r.outcome) {
                ("demo-forum", Outcome::Failed(e)) => assert!(e.contains("502"), "{e}"),
                ("demo-bluesky", Outcome::Ok(c)) => assert!(c.followers > before.followers),
                (_, Outcome::Ok(_)) => {}
                (id, other) => panic!("{id}: {other:?}"),
            }
        }
        assert!(
            report
                .fired
                .iter()
                .any(|a| a.account == "demo-newsletter" && a.value == Some(NEWSLETTER_MILESTONE)),
            "{:?}",
            report.fired
        );
    }
}
