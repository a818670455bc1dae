//! Who followed, who left: follower-list scans against loopback servers
//! that serve each platform's documented pages.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use serde_json::{Value, json};
use socialtop::config::Config;
use socialtop::followers::{ScanOutcome, Scanner};
use socialtop::model::Account;
use socialtop::model::{MapSecrets, Sample};
use socialtop::store::Handle;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// One follower as the fake servers keep them: id, handle, name, followers.
#[derive(Clone)]
pub struct Fan {
    pub id: String,
    pub user: String,
    pub name: String,
    pub followers: i64,
}

pub fn fan(i: usize) -> Fan {
    Fan {
        id: format!("{}", 1000 + i),
        user: format!("fan{i}"),
        name: format!("Fan {i}"),
        followers: i as i64,
    }
}

pub fn fans(range: std::ops::Range<usize>) -> Vec<Fan> {
    range.map(fan).collect()
}

/// What goes wrong on a page (1-based).
#[derive(Clone, Debug)]
pub enum Fault {
    Status(u16),
    RateLimited,
    SameCursor,
    Slow(Duration),
}

/// A Mastodon server: the lookup, the followers pages (80 a page, `Link`
/// with `max_id`), and the account lookups that say why someone is gone.
#[derive(Clone, Default)]
pub struct Masto {
    pub fans: Arc<Mutex<Vec<Fan>>>,
    pub count: Arc<Mutex<Option<i64>>>,
    pub fault: Arc<Mutex<Option<(usize, Fault)>>>,
    /// id → `moved`, `suspended`, `deleted`
    pub gone: Arc<Mutex<Vec<(String, &'static str)>>>,
    pub base: Arc<Mutex<String>>,
}

impl Masto {
    pub fn set(&self, fans: Vec<Fan>) {
        *self.fans.lock().unwrap() = fans;
    }
    pub fn fault(&self, f: Option<(usize, Fault)>) {
        *self.fault.lock().unwrap() = f;
    }
}

fn masto_account(f: &Fan) -> Value {
    json!({
        "id": f.id, "username": f.user, "acct": f.user, "display_name": f.name,
        "locked": false, "bot": false, "created_at": "2023-01-01T00:00:00.000Z",
        "note": "", "url": format!("https://example.social/@{}", f.user),
        "followers_count": f.followers, "following_count": 1, "statuses_count": 2,
        "emojis": [], "fields": []
    })
}

impl Respond for Masto {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path().to_string();
        let fans = self.fans.lock().unwrap().clone();
        if path == "/api/v1/accounts/lookup" {
            let n = self.count.lock().unwrap().unwrap_or(fans.len() as i64);
            return ResponseTemplate::new(200).set_body_json(mastodon_account(n));
        }
        if path == "/api/v1/accounts/13179/followers" {
            let max_id = req
                .url
                .query_pairs()
                .find(|(k, _)| k == "max_id")
                .map(|(_, v)| v.to_string());
            let page: usize = max_id
                .as_deref()
                .and_then(|m| m.strip_prefix('m'))
                .and_then(|m| m.parse().ok())
                .unwrap_or(1);
            let fault = self.fault.lock().unwrap().clone();
            let mut slow = None;
            match fault {
                Some((p, Fault::Status(s))) if p == page => {
                    return ResponseTemplate::new(s)
                        .set_body_string("<html><title>Bad Gateway</title></html>");
                }
                Some((p, Fault::RateLimited)) if p == page => {
                    return ResponseTemplate::new(429)
                        .insert_header("retry-after", "1")
                        .set_body_json(json!({"error": "Too many requests"}));
                }
                Some((p, Fault::Slow(d))) if p == page => slow = Some(d),
                _ => {}
            }
            let chunk: Vec<Value> = fans
                .iter()
                .skip((page - 1) * 80)
                .take(80)
                .map(masto_account)
                .collect();
            let more = fans.len() > page * 80;
            let base = self.base.lock().unwrap().clone();
            let next = match fault {
                Some((p, Fault::SameCursor)) if p == page => page,
                _ => page + 1,
            };
            let mut t = ResponseTemplate::new(200)
                .set_body_json(Value::Array(chunk))
                .insert_header("x-ratelimit-limit", "300")
                .insert_header("x-ratelimit-remaining", "299")
                .insert_header(
                    "x-ratelimit-reset",
                    (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2))
                        .to_string()
                        .as_str(),
                );
            if more || next == page {
                t = t.insert_header(
                    "link",
                    format!(
                        "<{base}/api/v1/accounts/13179/followers?limit=80&max_id=m{next}>; rel=\"next\", <{base}/api/v1/accounts/13179/followers?limit=80&since_id=9>; rel=\"prev\""
                    )
                    .as_str(),
                );
            }
            if let Some(d) = slow {
                t = t.set_delay(d);
            }
            return t;
        }
        if let Some(id) = path.strip_prefix("/api/v1/accounts/") {
            let gone = self.gone.lock().unwrap().clone();
            return match gone.iter().find(|(g, _)| g == id).map(|(_, r)| *r) {
                Some("deleted") => {
                    ResponseTemplate::new(404).set_body_json(json!({"error": "Record not found"}))
                }
                Some("moved") => {
                    let mut a = masto_account(&fan(0));
                    a["id"] = id.into();
                    a["moved"] = masto_account(&fan(999));
                    ResponseTemplate::new(200).set_body_json(a)
                }
                Some("suspended") => {
                    let mut a = masto_account(&fan(0));
                    a["id"] = id.into();
                    a["suspended"] = true.into();
                    ResponseTemplate::new(200).set_body_json(a)
                }
                _ => {
                    let mut a = masto_account(&fan(0));
                    a["id"] = id.into();
                    ResponseTemplate::new(200).set_body_json(a)
                }
            };
        }
        ResponseTemplate::new(404).set_body_json(json!({"error": "Record not found"}))
    }
}

pub async fn masto_server() -> (MockServer, Masto) {
    let server = MockServer::start().await;
    let m = Masto::default();
    *m.base.lock().unwrap() = server.uri();
    Mock::given(wiremock::matchers::any())
        .respond_with(m.clone())
        .mount(&server)
        .await;
    (server, m)
}

fn masto_config(base: &str, extra: &str) -> String {
    format!(
        "followers_scan = \"1s\"\n[[accounts]]\nplatform = \"mastodon\"\nhandle = \"Mastodon@example.social\"\nbase_url = \"{base}\"\n{extra}"
    )
}

const ID: &str = "mastodon:Mastodon@example.social";

/// A scanner on a fresh history, the account's count recorded.
async fn setup(config: &str, count: i64) -> (tempfile::TempDir, Handle, Scanner, Account) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::parse(config, std::path::Path::new("t.toml")).unwrap();
    let store = Handle::open_dir(dir.path()).unwrap();
    store.sync_accounts(config.accounts.clone()).await.unwrap();
    let account = config.accounts[0].clone();
    let key = account.id.clone();
    store
        .write(move |s| {
            s.insert_sample(
                &key,
                Sample {
                    at_ms: jiff::Timestamp::now().as_millisecond() - 1000,
                    followers: count,
                    following: None,
                    posts: None,
                },
            )
        })
        .await
        .unwrap();
    let scanner = Scanner::with_seams(
        &config,
        store.clone(),
        Arc::new(socialtop::model::SystemClock),
        Arc::new(MapSecrets::default()),
    )
    .unwrap()
    .with_pace(Duration::ZERO);
    (dir, store, scanner, account)
}

async fn events(store: &Handle, key: &str) -> Vec<(String, String, Option<String>)> {
    let key = key.to_string();
    store
        .read(move |s| s.people_events(&key, 0))
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.who.handle, e.reason))
        .collect()
}

fn diff(o: &ScanOutcome) -> (bool, i64, i64) {
    match o {
        ScanOutcome::Completed(d) => (d.baseline, d.followed, d.left),
        other => panic!("not completed: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mastodon_baseline_then_three_new_and_two_gone_end_to_end() {
    let (server, m) = masto_server().await;
    m.set(fans(0..170));
    let env = Env::new(&format!(
        "{}[[alerts]]\nkind = \"follower\"\nmin_followers = 1000\n",
        masto_config(&server.uri(), "")
    ));
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("170 followers read (the baseline"),
        "{}",
        stdout(&out)
    );
    let none = env.run(&["followers", ID, "--format", "json"]);
    assert_eq!(stdout(&none).trim(), "[]");
    // three new (one notable), two gone: one moved, one deleted
    let mut now = fans(0..170);
    now.retain(|f| f.user != "fan5" && f.user != "fan100");
    now.insert(
        0,
        Fan {
            followers: 5000,
            ..fan(300)
        },
    );
    now.insert(90, fan(301));
    now.push(fan(302));
    m.set(now);
    *m.gone.lock().unwrap() = vec![("1005".into(), "moved"), ("1100".into(), "deleted")];
    std::thread::sleep(Duration::from_millis(1100));
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("followers list: +3 −2 (171 followers)"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let out = env.run(&["followers", ID, "--format", "json"]);
    let got: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got.len(), 5, "{got:#?}");
    let left: Vec<(&str, &str)> = got
        .iter()
        .filter(|e| e["kind"] == "left")
        .map(|e| {
            (
                e["who"]["handle"].as_str().unwrap(),
                e["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        left,
        [
            ("fan100@example.social", "deleted"),
            ("fan5@example.social", "moved")
        ]
    );
    let followed: Vec<&Value> = got.iter().filter(|e| e["kind"] == "followed").collect();
    assert_eq!(followed.len(), 3);
    let notable = followed
        .iter()
        .find(|e| e["who"]["handle"] == "fan300@example.social")
        .unwrap();
    assert_eq!(notable["who"]["name"], "Fan 300");
    assert_eq!(notable["who"]["followers"], 5000);
    assert_eq!(notable["who"]["id"], "1300");
    assert_eq!(notable["account"], ID);
    assert!(notable["reason"].is_null());
    assert!(notable["at"].as_str().unwrap().ends_with('Z'));
    // the alert: only the follower with at least 1,000 followers
    let alerts: Vec<Value> =
        serde_json::from_slice(&env.run(&["alerts", "--format", "json"]).stdout).unwrap();
    let follower: Vec<&Value> = alerts.iter().filter(|a| a["kind"] == "follower").collect();
    assert_eq!(follower.len(), 1, "{alerts:#?}");
    assert_eq!(follower[0]["value"], 5000);
    assert!(follower[0]["message"].as_str().unwrap().contains("Fan 300"));
    // who follows now
    let cur: Vec<Value> = serde_json::from_slice(
        &env.run(&["followers", ID, "--current", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(cur.len(), 171);
    // --since after the changes: none
    let later = env.run(&["followers", ID, "--since", "2099-01-01", "--format", "csv"]);
    assert_eq!(stdout(&later).lines().count(), 1, "{}", stdout(&later));
    // the snapshot counts them; the people only with --people
    let snap: Value = serde_json::from_slice(
        &env.run(&["export", "--format", "json", "--out", "-"])
            .stdout,
    )
    .unwrap();
    let acct = &snap["accounts"][0];
    assert_eq!(
        (&acct["followers_gained_7d"], &acct["followers_lost_7d"]),
        (&json!(3), &json!(2))
    );
    assert_eq!(acct["followers_gained_30d"], 3);
    assert!(snap.get("people").is_none());
    let with: Value = serde_json::from_slice(
        &env.run(&["export", "--format", "json", "--people", "--out", "-"])
            .stdout,
    )
    .unwrap();
    assert_eq!(with["people"][0]["events"].as_array().unwrap().len(), 5);
    assert_eq!(
        with["people"][0]["followers"].as_array().unwrap().len(),
        171
    );
    let refused = env.run(&["export", "--format", "csv", "--people", "--out", "-"]);
    assert!(!refused.status.success());
    // the counters
    let prom = env.dir.path().join("s.prom");
    let out = env.run(&["poll", "--once", "--textfile", prom.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&prom).unwrap();
    for line in [
        "socialtop_followers_gained_total{account=\"mastodon:Mastodon@example.social\",platform=\"mastodon\"} 3",
        "socialtop_followers_lost_total{account=\"mastodon:Mastodon@example.social\",platform=\"mastodon\"} 2",
        "socialtop_alerts_total{kind=\"follower\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    // forget removes all of it
    let out = env.run(&["forget", "mastodon:Mast"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("171 followers and 5 changes deleted"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        stdout(&env.run(&["followers", ID, "--format", "json"])).trim(),
        "[]"
    );
    let cur = env.run(&["followers", ID, "--current", "--format", "json"]);
    assert_eq!(stdout(&cur).trim(), "[]");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_cut_by_a_500_a_429_or_a_cursor_that_does_not_advance_says_nobody_left() {
    for fault in [
        Fault::Status(500),
        Fault::Status(502),
        Fault::RateLimited,
        Fault::SameCursor,
    ] {
        let (server, m) = masto_server().await;
        m.set(fans(0..200));
        let (_d, store, scanner, account) = setup(&masto_config(&server.uri(), ""), 200).await;
        assert_eq!(diff(&scanner.scan(&account).await.outcome), (true, 0, 0));
        // 3 pages (80, 80, 40); now the list is smaller and page 3 fails
        let mut now = fans(0..200);
        now.truncate(190);
        m.set(now);
        let page = if matches!(fault, Fault::SameCursor) {
            2
        } else {
            3
        };
        m.fault(Some((page, fault.clone())));
        let r = scanner.scan(&account).await;
        match (&fault, &r.outcome) {
            (Fault::SameCursor, ScanOutcome::Abandoned(m)) => {
                assert!(m.contains("did not advance"))
            }
            (Fault::Status(_) | Fault::RateLimited, ScanOutcome::Paused(_)) => {}
            (f, o) => panic!("{f:?}: {o:?}"),
        }
        assert!(events(&store, ID).await.is_empty(), "{fault:?}");
        m.fault(None);
        if matches!(fault, Fault::RateLimited) {
            // the host is held for the polls too; the scan waits it out
            let again = scanner.scan(&account).await;
            assert!(
                matches!(again.outcome, ScanOutcome::Paused(ref n) if n.contains("on hold")),
                "{again:?}"
            );
            tokio::time::sleep(Duration::from_millis(2100)).await;
        }
        let r = scanner.scan(&account).await;
        assert_eq!(diff(&r.outcome), (false, 0, 10), "{fault:?}");
        assert_eq!(events(&store, ID).await.len(), 10);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_killed_mid_list_resumes_and_completes_without_a_false_left() {
    let (server, m) = masto_server().await;
    m.set(fans(0..200));
    let env = Env::new(&masto_config(&server.uri(), ""));
    assert!(env.run(&["poll", "--once"]).status.success());
    std::thread::sleep(Duration::from_millis(1100));
    let mut now = fans(0..200);
    now.remove(3);
    m.set(now);
    m.fault(Some((3, Fault::Slow(Duration::from_secs(30)))));
    // the first poll asked for page 3 too: wait for this one's own request
    let page3 = |reqs: &[wiremock::Request]| {
        reqs.iter()
            .filter(|r| r.url.query().is_some_and(|q| q.contains("max_id=m3")))
            .count()
    };
    let before = page3(&server.received_requests().await.unwrap());
    let mut child = command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &["poll", "--once"],
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    // pages 1 and 2 are staged, page 3 hangs: kill -9
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while page3(&server.received_requests().await.unwrap()) == before {
        assert!(
            std::time::Instant::now() < deadline,
            "page 3 never asked for"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let out = env.run(&["followers", ID, "--format", "json"]);
    assert_eq!(stdout(&out).trim(), "[]");
    m.fault(None);
    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(m.clone())
        .mount(&server)
        .await;
    let out = env.run(&["poll", "--once"]);
    assert!(
        stdout(&out).contains("+0 −1 (199 followers)"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // it went on from page 3: pages 1 and 2 were not read again
    let firsts = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| {
            r.url.path().ends_with("/followers")
                && r.url.query().is_some_and(|q| !q.contains("max_id"))
        })
        .count();
    assert_eq!(firsts, 0);
    let got: Vec<Value> =
        serde_json::from_slice(&env.run(&["followers", ID, "--format", "json"]).stdout).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["who"]["handle"], "fan3@example.social");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hidden_list_is_a_state_and_a_long_one_is_not_read() {
    let (server, m) = masto_server().await;
    m.set(fans(0..50));
    let (_d, store, scanner, account) = setup(&masto_config(&server.uri(), ""), 50).await;
    scanner.scan(&account).await;
    // the owner hides their network: an empty list, the count says 50
    m.set(Vec::new());
    let r = scanner.scan(&account).await;
    assert_eq!(
        r.outcome,
        ScanOutcome::Hidden("followers list hidden".into())
    );
    assert!(events(&store, ID).await.is_empty());
    // over followers_list_max: not read at all
    let (server2, m2) = masto_server().await;
    m2.set(fans(0..10));
    let (_d2, store2, scanner2, account2) = setup(
        &masto_config(&server2.uri(), "followers_list_max = 1000\n"),
        34_500_000,
    )
    .await;
    let r = scanner2.scan(&account2).await;
    assert_eq!(
        r.outcome,
        ScanOutcome::Skipped("list not read: 34.5M followers, over followers_list_max".into())
    );
    assert!(server2.received_requests().await.unwrap().is_empty());
    let key = account2.id.clone();
    let state = store2.read(move |s| s.scan_state(&key)).await.unwrap();
    assert_eq!(
        socialtop::followers::state_line(&state).as_deref(),
        Some("list not read: 34.5M followers, over followers_list_max")
    );
    // followers_list = false: never scanned
    let (_d3, _s3, scanner3, _) = setup(
        &masto_config(&server2.uri(), "followers_list = false\n"),
        10,
    )
    .await;
    assert!(scanner3.accounts().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn no_outside_text_reaches_the_terminal() {
    let (server, m) = masto_server().await;
    m.set(fans(0..3));
    let env = Env::new(&masto_config(&server.uri(), ""));
    let first = env.run(&["poll", "--once"]);
    assert!(first.status.success());
    std::thread::sleep(Duration::from_millis(1100));
    let mut evil = fans(0..3);
    evil.push(Fan {
        id: "6666".into(),
        user: "evil\u{1b}]0;pwned\u{7}".into(),
        name: "\u{1b}[31mRed\u{1b}[0m \u{202e}gnp.exe\r\nnext".into(),
        followers: 1,
    });
    m.set(evil);
    let out = env.run(&["poll", "--once"]);
    assert!(
        stdout(&out).contains("+1 −0"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    for format in ["table", "json", "csv"] {
        for extra in [&[][..], &["--current"][..]] {
            let mut args = vec!["followers", ID, "--format", format];
            args.extend_from_slice(extra);
            let out = env.run(&args);
            let all = [out.stdout.clone(), out.stderr.clone()].concat();
            let text = String::from_utf8_lossy(&all);
            assert!(!text.contains('\u{1b}'), "{format} {extra:?}: {text:?}");
            assert!(!text.contains('\u{202e}'), "{format}: {text:?}");
            assert!(!text.contains('\r'), "{format}: {text:?}");
        }
    }
}

// ---------- the other platforms, each with its documented pages ----------

use wiremock::matchers::{body_partial_json, method, path, query_param, query_param_is_missing};

fn bsky_view(f: &Fan) -> Value {
    json!({
        "did": format!("did:plc:{}", f.id), "handle": format!("{}.bsky.social", f.user),
        "displayName": f.name, "avatar": "https://cdn.bsky.app/img/avatar/plain/x@jpeg",
        "associated": {"chat": {"allowIncoming": "following"}},
        "viewer": {"muted": false, "blockedBy": false}, "labels": [],
        "createdAt": "2024-01-01T00:00:00.000Z", "indexedAt": "2024-01-01T00:00:00.000Z"
    })
}

async fn bsky_pages(server: &MockServer, pages: &[Vec<Fan>]) {
    server.reset().await;
    for (i, page) in pages.iter().enumerate() {
        let mut body = json!({
            "subject": bsky_view(&fan(0)),
            "followers": page.iter().map(bsky_view).collect::<Vec<_>>(),
        });
        if i + 1 < pages.len() {
            body["cursor"] = format!("3l{}", i + 2).into();
        }
        let m = Mock::given(method("GET"))
            .and(path("/xrpc/app.bsky.graph.getFollowers"))
            .and(query_param("actor", "me.bsky.social"))
            .and(query_param("limit", "100"));
        let m = if i == 0 {
            m.and(query_param_is_missing("cursor"))
        } else {
            m.and(query_param("cursor", format!("3l{}", i + 1).as_str()))
        };
        m.respond_with(
            ResponseTemplate::new(200)
                .insert_header("ratelimit-limit", "3000")
                .insert_header("ratelimit-remaining", "2999")
                .set_body_json(body),
        )
        .mount(server)
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bluesky_followers_by_cursor_with_deactivated_and_deleted() {
    let server = MockServer::start().await;
    let config = format!(
        "[[accounts]]\nplatform = \"bluesky\"\nhandle = \"me.bsky.social\"\nbase_url = \"{}\"\n",
        server.uri()
    );
    let (_d, store, scanner, account) = setup(&config, 150).await;
    bsky_pages(&server, &[fans(0..100), fans(100..150)]).await;
    assert_eq!(diff(&scanner.scan(&account).await.outcome), (true, 0, 0));
    let mut now = fans(2..150);
    now.extend(fans(200..203));
    bsky_pages(&server, &[now[..100].to_vec(), now[100..].to_vec()]).await;
    for (did, error, message) in [
        (
            "did:plc:1000",
            "AccountDeactivated",
            "Account is deactivated",
        ),
        ("did:plc:1001", "InvalidRequest", "Profile not found"),
    ] {
        Mock::given(path("/xrpc/app.bsky.actor.getProfile"))
            .and(query_param("actor", did))
            .respond_with(
                ResponseTemplate::new(400)
                    .set_body_json(json!({"error": error, "message": message})),
            )
            .mount(&server)
            .await;
    }
    assert_eq!(diff(&scanner.scan(&account).await.outcome), (false, 3, 2));
    let got = events(&store, &account.id).await;
    assert_eq!(
        got[..2],
        [
            (
                "left".into(),
                "fan0.bsky.social".into(),
                Some("deactivated".into())
            ),
            (
                "left".into(),
                "fan1.bsky.social".into(),
                Some("deleted".into())
            ),
        ]
    );
    let key = account.id.clone();
    let evs = store.read(move |s| s.people_events(&key, 0)).await.unwrap();
    assert_eq!(evs[2].who.id, "did:plc:1200");
    assert_eq!(evs[2].who.name.as_deref(), Some("Fan 200"));
    assert_eq!(evs[2].who.followers, None);
}

fn gh_user(f: &Fan) -> Value {
    json!({
        "login": f.user, "id": f.id.parse::<i64>().unwrap(), "node_id": "MDQ6VXNlcjE=",
        "avatar_url": "https://github.com/images/error/octocat_happy.gif", "gravatar_id": "",
        "url": format!("https://api.github.com/users/{}", f.user),
        "html_url": format!("https://github.com/{}", f.user), "type": "User", "site_admin": false
    })
}

async fn gh_pages(server: &MockServer, pages: &[Vec<Fan>]) {
    server.reset().await;
    for (i, page) in pages.iter().enumerate() {
        let n = i + 1;
        let mut t = ResponseTemplate::new(200)
            .insert_header("x-ratelimit-limit", "60")
            .insert_header("x-ratelimit-remaining", "55")
            .set_body_json(page.iter().map(gh_user).collect::<Vec<_>>());
        if n < pages.len() {
            t = t.insert_header(
                "link",
                format!(
                    "<{0}/user/583231/followers?per_page=100&page={1}>; rel=\"next\", <{0}/user/583231/followers?per_page=100&page={2}>; rel=\"last\"",
                    server.uri(),
                    n + 1,
                    pages.len()
                )
                .as_str(),
            );
        }
        Mock::given(method("GET"))
            .and(path("/users/octocat/followers"))
            .and(query_param("per_page", "100"))
            .and(query_param("page", n.to_string().as_str()))
            .respond_with(t)
            .mount(server)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn github_followers_by_link_with_a_deleted_user() {
    let server = MockServer::start().await;
    let config = format!(
        "[[accounts]]\nplatform = \"github\"\nhandle = \"octocat\"\nbase_url = \"{}\"\n",
        server.uri()
    );
    let (_d, store, scanner, account) = setup(&config, 120).await;
    gh_pages(&server, &[fans(0..100), fans(100..120)]).await;
    assert_eq!(diff(&scanner.scan(&account).await.outcome), (true, 0, 0));
    let mut now = fans(2..120);
    now.extend(fans(200..203));
    gh_pages(&server, &[now[..100].to_vec(), now[100..].to_vec()]).await;
    Mock::given(path("/users/fan0"))
        .respond_with(ResponseTemplate::new(404).set_body_json(github_not_found()))
        .mount(&server)
        .await;
    Mock::given(path("/users/fan1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(3)))
        .mount(&server)
        .await;
    assert_eq!(diff(&scanner.scan(&account).await.outcome), (false, 3, 2));
    let got = events(&store, &account.id).await;
    assert_eq!(
        got[..3],
        [
            ("left".into(), "fan0".into(), Some("deleted".into())),
            ("left".into(), "fan1".into(), None),
            ("followed".into(), "fan200".into(), None),
        ]
    );
    // a repository's stars are no follower list
    let repo = Config::parse(
        &format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"octocat/hello\"\nbase_url = \"{}\"\n",
            server.uri()
        ),
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    assert!(!socialtop::followers::scanned(&repo.accounts[0]));
}

fn mk_following(f: &Fan) -> Value {
    json!({
        "id": format!("9f{}", f.id), "createdAt": "2024-05-01T00:00:00.000Z",
        "followeeId": "9a0000", "followerId": f.id,
        "follower": {
            "id": f.id, "name": f.name, "username": f.user, "host": "remote.example",
            "avatarUrl": null, "isBot": false, "isCat": false, "emojis": {},
            "onlineStatus": "unknown", "followersCount": f.followers, "followingCount": 3,
            "notesCount": 9, "isSuspended": false
        }
    })
}

async fn mk_pages(server: &MockServer, pages: &[Vec<Fan>]) {
    server.reset().await;
    let mut pages = pages.to_vec();
    pages.push(Vec::new());
    for (i, page) in pages.iter().enumerate() {
        let body: Vec<Value> = page.iter().map(mk_following).collect();
        let m = Mock::given(method("POST")).and(path("/api/users/followers"));
        let m = if i == 0 {
            m.and(body_partial_json(json!({"username": "me", "limit": 100})))
                .and(|r: &Request| !String::from_utf8_lossy(&r.body).contains("untilId"))
        } else {
            let prev = pages[i - 1].last().unwrap();
            m.and(body_partial_json(
                json!({"untilId": format!("9f{}", prev.id)}),
            ))
        };
        m.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(server)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn misskey_followers_by_until_id_with_counts_and_a_suspended_user() {
    let server = MockServer::start().await;
    let config = format!(
        "[[accounts]]\nplatform = \"misskey\"\nhandle = \"me@misskey.example\"\nbase_url = \"{}\"\n",
        server.uri()
    );
    let (_d, store, scanner, account) = setup(&config, 130).await;
    mk_pages(&server, &[fans(0..100), fans(100..130)]).await;
    assert_eq!(diff(&scanner.scan(&account).await.outcome), (true, 0, 0));
    let mut now = fans(2..130);
    now.extend(fans(200..203));
    mk_pages(&server, &[now[..100].to_vec(), now[100..].to_vec()]).await;
    Mock::given(path("/api/users/show"))
        .and(body_partial_json(json!({"userId": "1000"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "1000", "username": "fan0", "host": "remote.example", "isSuspended": true
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/users/show"))
        .and(body_partial_json(json!({"userId": "1001"})))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "No such user.", "code": "NO_SUCH_USER",
            "id": "4362f8dc-731f-4ad8-a694-be5a88922a24"
        }})))
        .mount(&server)
        .await;
    assert_eq!(diff(&scanner.scan(&account).await.outcome), (false, 3, 2));
    let key = account.id.clone();
    let evs = store.read(move |s| s.people_events(&key, 0)).await.unwrap();
    let left: Vec<(&str, Option<&str>)> = evs
        .iter()
        .filter(|e| e.kind == "left")
        .map(|e| (e.who.handle.as_str(), e.reason.as_deref()))
        .collect();
    assert_eq!(
        left,
        [
            ("fan0@remote.example", Some("suspended")),
            ("fan1@remote.example", Some("deleted"))
        ]
    );
    let new = evs.iter().find(|e| e.kind == "followed").unwrap();
    assert_eq!(
        (new.who.name.as_deref(), new.who.followers),
        (Some("Fan 200"), Some(200))
    );
    // followersVisibility: the list is refused, a state
    server.reset().await;
    Mock::given(path("/api/users/followers"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Forbidden.", "code": "FORBIDDEN",
            "id": "3c6a84db-d619-26af-ca14-06232a21df8a"
        }})))
        .mount(&server)
        .await;
    let r = scanner.scan(&account).await;
    assert_eq!(
        r.outcome,
        ScanOutcome::Hidden("followers list hidden".into())
    );
    assert_eq!(events(&store, &account.id).await.len(), 5);
}

// ---------- the dashboard ----------

fn screen(app: &mut socialtop::tui::app::App, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| socialtop::tui::ui::draw(f, app)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_people_view_and_the_accounts_table_show_who_came_and_went() {
    use socialtop::tui::{app::App, data, view::View};
    let (server, m) = masto_server().await;
    m.set(fans(0..20));
    let config_text = masto_config(&server.uri(), "");
    let (dir, _store, scanner, account) = setup(&config_text, 20).await;
    scanner.scan(&account).await;
    let mut now = fans(2..20);
    now.push(Fan {
        followers: 12_345,
        name: "Big \u{1b}[31mName".into(),
        ..fan(300)
    });
    now.push(fan(301));
    now.push(fan(302));
    m.set(now);
    *m.gone.lock().unwrap() = vec![("1000".into(), "suspended")];
    assert_eq!(diff(&scanner.scan(&account).await.outcome), (false, 3, 2));
    let store = socialtop::store::Store::open_dir(dir.path()).unwrap();
    let config = Config::parse(&config_text, std::path::Path::new("t.toml")).unwrap();
    let t = jiff::Timestamp::now();
    let rows = data::load_rows(&store, &config.accounts, t, &jiff::tz::TimeZone::UTC).unwrap();
    assert_eq!(rows[0].people_7d, Some((3, 2)));
    let mut app = App::new(rows, t);
    app.tz = jiff::tz::TimeZone::UTC;
    app.detail = Some(data::load_detail(&store, &config.accounts[0], app.range, t).unwrap());
    let table = screen(&mut app, 120, 20);
    assert!(
        table.contains("WHO 7D") && table.contains("+3 −2"),
        "{table}"
    );
    app.view = View::People;
    let people = screen(&mut app, 120, 20);
    assert!(people.contains("7 days +3 −2   30 days +3 −2"), "{people}");
    // newest first; the one with the most followers marked
    let lines: Vec<&str> = people.lines().collect();
    let big = lines
        .iter()
        .find(|l| l.contains("fan300@example.social"))
        .unwrap();
    assert!(
        big.contains("+ ★ fan300@example.social") && big.contains("12.3K followers"),
        "{big}"
    );
    assert!(!people.contains('\u{1b}'));
    let gone = lines
        .iter()
        .find(|l| l.contains("fan0@example.social"))
        .unwrap();
    assert!(
        gone.contains("− ") && gone.contains("(suspended)"),
        "{gone}"
    );
    assert!(
        people.contains("+3 −2 (21 followers)") || people.contains("21 followers read"),
        "{people}"
    );
}
