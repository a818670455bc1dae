//! Alerts tried as a new user would: `poll --once` and `poll` against loopback
//! APIs, a command that appends to a file and loopback webhook receivers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The API answers `followers` for github:alice (or 500 when `None`).
async fn serve(api: &MockServer, followers: Option<i64>) {
    api.reset().await;
    let answer = match followers {
        Some(n) => ResponseTemplate::new(200).set_body_json(github_user(n)),
        None => ResponseTemplate::new(500).set_body_string("boom"),
    };
    Mock::given(path("/users/alice"))
        .respond_with(answer)
        .mount(api)
        .await;
}

fn config(api: &str, rules: &str, notify: &str) -> String {
    format!(
        r#"poll_interval = "1h"
request_timeout = "3s"

[[accounts]]
platform = "github"
handle = "alice"
base_url = "{api}"
{rules}
{notify}"#
    )
}

const RULES: &str = r#"
[[alerts]]
kind = "milestone"
accounts = ["github:*"]

[[alerts]]
kind = "drop"
percent = 5.0
within = "24h"

[[alerts]]
kind = "stale"
after = "1s"
"#;

/// `poll --once` off the async test's threads.
async fn poll_once(env: &Env, vars: &[(&str, &str)]) -> std::process::Output {
    let (dir, config, data) = (env.dir.path().to_path_buf(), env.config(), env.data());
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_in(&dir, &config, &data, &["poll", "--once"], &vars)
    })
    .await
    .unwrap()
}

fn alerts_json(env: &Env) -> Vec<Value> {
    let out = env.run(&["alerts", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_milestone_a_drop_and_a_silence_fire_once_each_everywhere() {
    for format in ["text", "json", "slack", "discord"] {
        let api = MockServer::start().await;
        let hook = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex("^/hook/"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&hook)
            .await;
        let env = Env::new("");
        let fired = env.dir.path().join("fired.txt");
        let notify = format!(
            r#"[notify]
command = "printf '%s|%s|%s\n' \"$SOCIALTOP_ACCOUNT\" \"$SOCIALTOP_KIND\" \"$SOCIALTOP_VALUE\" >> '{}'"
webhook = "{}/hook/${{HOOK_TOKEN}}"
webhook_format = "{format}"
timeout = "2s"
"#,
            fired.display(),
            hook.uri()
        );
        env.write_config(&config(&api.uri(), RULES, &notify));
        let vars = [("HOOK_TOKEN", "s3cret-token")];

        serve(&api, Some(990)).await;
        let out = poll_once(&env, &vars).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            alerts_json(&env).is_empty(),
            "a first sample crosses nothing"
        );

        serve(&api, Some(1_010)).await;
        let out = poll_once(&env, &vars).await;
        assert_stderr(
            &out,
            "alert: milestone (github:alice): alice reached 1,000 followers",
        );

        serve(&api, Some(959)).await;
        let out = poll_once(&env, &vars).await;
        assert_stderr(&out, "alert: drop (github:alice)");

        // the API stops answering; after `after` the silence fires
        serve(&api, None).await;
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        let out = poll_once(&env, &vars).await;
        assert!(!out.status.success());
        assert_stderr(&out, "alert: stale (github:alice)");

        // restarting and polling again, failing or not, fires nothing new
        let out = poll_once(&env, &vars).await;
        assert!(!stderr(&out).contains("alert:"), "{}", stderr(&out));
        serve(&api, Some(959)).await;
        let out = poll_once(&env, &vars).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stderr(&out).contains("alert:"), "{}", stderr(&out));

        let listed = alerts_json(&env);
        let kinds: Vec<&str> = listed.iter().map(|a| a["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["milestone", "drop", "stale"], "{format}");
        assert_eq!(listed[0]["value"], 1_000);
        assert_eq!(listed[1]["value"], 959);
        assert_eq!(listed[2]["value"], 959);
        assert!(listed.iter().all(|a| a["account"] == "github:alice"));
        assert!(
            listed
                .iter()
                .all(|a| a["delivery_error"].is_null() && a["delivery"] == "delivered"),
            "{listed:?}"
        );
        // one try each for the command and the webhook
        assert!(listed.iter().all(|a| a["tries"] == 2), "{listed:?}");

        // the command ran once per alert, with the alert in its environment
        assert_eq!(
            std::fs::read_to_string(&fired).unwrap(),
            "github:alice|milestone|1000\ngithub:alice|drop|959\ngithub:alice|stale|959\n",
            "{format}"
        );
        // the webhook got each once, at the URL with the secret filled in
        let got = hook.received_requests().await.unwrap();
        assert_eq!(got.len(), 3, "{format}");
        for (req, alert) in got.iter().zip(&listed) {
            assert_eq!(req.url.path(), "/hook/s3cret-token");
            let message = alert["message"].as_str().unwrap();
            let body = String::from_utf8_lossy(&req.body).into_owned();
            match format {
                "text" => assert_eq!(body, message),
                "json" => {
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(v["message"], message);
                    assert_eq!(v["kind"], alert["kind"]);
                    assert_eq!(v["account"], "github:alice");
                    assert_eq!(v["value"], alert["value"]);
                    assert_eq!(v["at"], alert["at"]);
                }
                "slack" => {
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(v, serde_json::json!({ "text": message }));
                }
                _ => {
                    let v: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(v, serde_json::json!({ "content": message }));
                }
            }
        }
        let table = stdout(&env.run(&["alerts", "--since", "1h"]));
        assert_eq!(table.lines().count(), 4, "{table}");
        assert!(table.contains("alice reached 1,000 followers"), "{table}");
        // the webhook URL holds a token: never in the log
        let log = std::fs::read_to_string(env.data().join("socialtop.log")).unwrap();
        assert!(!log.contains("s3cret"), "{log}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_deliveries_are_kept_with_the_alert_and_never_show_the_url() {
    let api = MockServer::start().await;
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&hook)
        .await;
    let env = Env::new("");
    env.write_config(&config(
        &api.uri(),
        RULES,
        &format!(
            "[notify]\ncommand = \"echo cannot notify >&2; exit 4\"\nwebhook = \"{}/tok3n\"\ntimeout = \"1s\"\n",
            hook.uri()
        ),
    ));
    serve(&api, Some(990)).await;
    poll_once(&env, &[]).await;
    serve(&api, Some(1_010)).await;
    let out = poll_once(&env, &[]).await;
    // item 11: a failed delivery is said on stderr and in the exit status
    assert!(!out.status.success(), "{}", stderr(&out));
    assert_stderr(
        &out,
        "alert delivery failed: milestone (github:alice): webhook: HTTP 503 (3 tries; pending",
    );
    assert_stderr(
        &out,
        "alert delivery failed: milestone (github:alice): command exited with status 4: cannot notify (3 tries; pending",
    );
    let listed = alerts_json(&env);
    assert_eq!(listed.len(), 1);
    // still tried later: pending, not failed
    assert_eq!(listed[0]["delivery"], "pending", "{listed:?}");
    assert!(listed[0]["delivery_error"].is_null(), "{listed:?}");
    assert_eq!(listed[0]["tries"], 6, "{listed:?}");
    assert!(listed[0]["next_try"].is_string(), "{listed:?}");
    let error = listed[0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("command exited with status 4: cannot notify"),
        "{error}"
    );
    assert!(error.contains("webhook: HTTP 503"), "{error}");
    assert_eq!(
        hook.received_requests().await.unwrap().len(),
        3,
        "tried three times within the bound"
    );
    let table = stdout(&env.run(&["alerts"]));
    assert!(
        table.contains("pending") && table.contains("6 tries: "),
        "{table}"
    );
    let log = std::fs::read_to_string(env.data().join("socialtop.log")).unwrap();
    assert!(log.contains("alert delivery failed"), "{log}");
    for text in [&log, &table, &stderr(&out)] {
        assert!(!text.contains("tok3n"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backfilled_year_fires_nothing() {
    let api = MockServer::start().await;
    let env = Env::new("");
    env.write_config(&config(&api.uri(), RULES, ""));
    // a year, weekly, from 10 to 5,000 with a fall in the middle
    let mut count = 10;
    for week in (0..52).rev() {
        count = if week == 26 { count / 2 } else { count + 100 };
        let at = format!("{}d", week * 7 + 1);
        let out = env.run(&["record", "github:alice", &count.to_string(), "--at", &at]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert!(alerts_json(&env).is_empty());
    // polling from there compares with the latest backfilled count only
    serve(&api, Some(count + 10)).await;
    let out = poll_once(&env, &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(alerts_json(&env).is_empty(), "{}", stderr(&out));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_that_hangs_delays_no_poll() {
    // accepts connections and never answers
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let hang = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let api = MockServer::start().await;
    serve(&api, Some(1_010)).await;
    let env = Env::new("");
    env.write_config(
        &config(
            &api.uri(),
            "[[alerts]]\nkind = \"milestone\"\n",
            &format!("[notify]\nwebhook = \"http://{hang}/hook\"\ntimeout = \"30s\"\n"),
        )
        .replace("poll_interval = \"1h\"", "poll_interval = \"1s\""),
    );
    let out = env.run(&["record", "github:alice", "990", "--at", "1h"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut child = command(env.dir.path(), &env.config(), &env.data(), &["poll"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap());
    let started = Instant::now();
    let polls = tokio::task::spawn_blocking(move || {
        let mut n = 0;
        for line in lines.lines() {
            if line.unwrap().contains("github:alice  1,010 followers") {
                n += 1;
                if n == 4 {
                    break;
                }
            }
        }
        n
    });
    let polls = tokio::time::timeout(Duration::from_secs(15), polls).await;
    let elapsed = started.elapsed();
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let polls = polls.expect("four polls while the webhook hangs").unwrap();
    assert_eq!(polls, 4, "{}", stderr(&out));
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert!(
        stderr(&out).contains("alert: milestone"),
        "the milestone fired: {}",
        stderr(&out)
    );
}

/// The dashboard's screen, as text.
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

#[test]
fn the_dashboard_counts_new_alerts_in_its_header_and_lists_them_on_a() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use socialtop::store::AlertRow;
    use socialtop::tui::app::{App, AppEvent, Effect, Loaded};
    use socialtop::tui::view::View;
    let now = jiff::Timestamp::from_second(1_780_315_200).unwrap();
    let mut app = App::new(Vec::new(), now);
    app.tz = jiff::tz::TimeZone::UTC;
    use socialtop::store::Delivery;
    let alert = |id: i64, kind: &str, message: &str, error: Option<&str>| AlertRow {
        id,
        key: format!("k{id}"),
        account: "github:alice".into(),
        kind: kind.into(),
        at_ms: now.as_millisecond(),
        value: Some(1_000),
        message: message.into(),
        delivery_error: error.map(String::from),
        delivery: if error.is_some() {
            Delivery::Failed
        } else {
            Delivery::Delivered
        },
        tries: 1,
        ..AlertRow::default()
    };
    // seen before the dashboard opened
    app.alerts = vec![alert(1, "milestone", "alice reached 500 followers", None)];
    app.alerts_seen = 1;
    assert!(!screen(&mut app, 100, 12).contains("new alert"));
    app.update(AppEvent::Loaded(Loaded::Alerts(vec![
        alert(
            3,
            "drop",
            "alice fell 5.0%",
            Some("webhook: HTTP 503 (3 tries)"),
        ),
        AlertRow {
            delivery: Delivery::Pending,
            tries: 2,
            last_error: Some("webhook: timed out after 10s".into()),
            ..alert(2, "milestone", "alice reached 1,000 followers", None)
        },
        alert(1, "milestone", "alice reached 500 followers", None),
    ])));
    assert_eq!(app.new_alerts(), 2);
    let head = screen(&mut app, 100, 12);
    assert!(
        head.lines().next().unwrap().contains("2 new alerts (a)"),
        "{head}"
    );
    let a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE);
    assert_eq!(app.update(AppEvent::Key(a)), vec![Effect::LoadAlerts]);
    assert_eq!(app.view, View::Alerts);
    assert_eq!(app.new_alerts(), 0, "seen once the view opened");
    let view = screen(&mut app, 100, 12);
    assert!(
        !view.lines().next().unwrap().contains("new alert"),
        "{view}"
    );
    assert!(view.contains("alice reached 1,000 followers"), "{view}");
    assert!(
        view.contains("failed    alice fell 5.0%  delivery failed: webhook: HTTP 503"),
        "{view}"
    );
    // the state of each: pending with its last try, delivered
    assert!(
        view.contains("pending   alice reached 1,000 followers  2 tries: webhook: timed out"),
        "{view}"
    );
    assert!(
        view.contains("delivered alice reached 500 followers"),
        "{view}"
    );
    let first = view.find("alice fell").unwrap();
    assert!(
        first < view.find("alice reached 500").unwrap(),
        "newest first"
    );
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    app.update(AppEvent::Key(esc));
    assert_eq!(app.view, View::Accounts);
}

// ---- exactly once: a loopback API and receivers that count ----

/// A request as a loopback server read it.
struct Request {
    path: String,
    /// `Idempotency-Key`, if sent.
    key: Option<String>,
    body: String,
}

/// What a loopback server does with a request.
enum Reply {
    Answer {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Never answers: holds the request until the client goes away.
    Hold,
}

fn ok(body: String) -> Reply {
    Reply::Answer {
        status: 200,
        headers: vec![("Content-Type", "application/json".into())],
        body,
    }
}

/// A minimal HTTP/1.1 server on loopback (keep-alive, `Content-Length`
/// bodies), one thread per connection, answering through `handler`.
fn http_server(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> SocketAddr {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || {
                let Ok(read) = stream.try_clone() else { return };
                let mut reader = BufReader::new(read);
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let (mut length, mut key) = (0usize, None);
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = h.split_once(':') {
                            let value = value.trim();
                            if name.eq_ignore_ascii_case("content-length") {
                                length = value.parse().unwrap_or(0);
                            } else if name.eq_ignore_ascii_case("idempotency-key") {
                                key = Some(value.to_string());
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let request = Request {
                        path,
                        key,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    };
                    match handler(&request) {
                        Reply::Hold => {
                            let mut buf = [0u8; 512];
                            while reader.read(&mut buf).is_ok_and(|n| n > 0) {}
                            return;
                        }
                        Reply::Answer {
                            status,
                            headers,
                            body,
                        } => {
                            let mut head = format!(
                                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n",
                                body.len()
                            );
                            for (k, v) in headers {
                                head.push_str(&format!("{k}: {v}\r\n"));
                            }
                            head.push_str("\r\n");
                            if stream.write_all(head.as_bytes()).is_err()
                                || stream.write_all(body.as_bytes()).is_err()
                            {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    addr
}

/// A GitHub API on loopback: `/users/<handle>` answers the count set for
/// that handle (or for every handle).
#[derive(Clone, Default)]
struct Api {
    counts: Arc<Mutex<HashMap<String, i64>>>,
    all: Arc<Mutex<Option<i64>>>,
}

impl Api {
    fn start() -> (Api, SocketAddr) {
        let api = Api::default();
        let served = api.clone();
        let addr = http_server(move |r| {
            let handle = r.path.trim_start_matches("/users/").to_string();
            let n = served.counts.lock().unwrap().get(&handle).copied();
            match n.or(*served.all.lock().unwrap()) {
                Some(n) => ok(github_user(n).to_string()),
                None => Reply::Answer {
                    status: 404,
                    headers: Vec::new(),
                    body: github_not_found().to_string(),
                },
            }
        });
        (api, addr)
    }

    fn set_all(&self, n: i64) {
        *self.all.lock().unwrap() = Some(n);
    }
}

/// What a webhook receiver took.
#[derive(Default)]
struct Taken {
    /// Every request that arrived.
    arrived: usize,
    /// The bodies it answered 2xx to, in order.
    delivered: Vec<Value>,
    /// Their `Idempotency-Key`s.
    keys: Vec<String>,
    /// Requests being answered at once, and the most ever.
    open: usize,
    max_open: usize,
}

type Shared<T> = Arc<Mutex<T>>;

/// The JSON webhook bodies a receiver took, as `value`s, counted.
fn delivered_values(taken: &Shared<Taken>) -> BTreeMap<i64, usize> {
    let mut counts = BTreeMap::new();
    for body in &taken.lock().unwrap().delivered {
        *counts.entry(body["value"].as_i64().unwrap()).or_insert(0) += 1;
    }
    counts
}

fn hook_config(api: SocketAddr, handles: &[String], rules: &str, notify: &str) -> String {
    let mut c = String::from("poll_interval = \"1h\"\nrequest_timeout = \"5s\"\n");
    for h in handles {
        c.push_str(&format!(
            "\n[[accounts]]\nplatform = \"github\"\nhandle = \"{h}\"\nbase_url = \"http://{api}\"\n"
        ));
    }
    format!("{c}\n{rules}\n{notify}")
}

/// `at = [100, 200, …, 3000]`: thirty milestones.
fn thirty_milestones() -> String {
    let at: Vec<String> = (1..=30).map(|i| (i * 100).to_string()).collect();
    format!(
        "[[alerts]]\nkind = \"milestone\"\nat = [{}]\n",
        at.join(", ")
    )
}

fn followers(env: &Env) -> Option<i64> {
    row(&env.status(), "github:alice")["followers"].as_i64()
}

/// Runs `poll --once` and kills it (`SIGKILL`) after `after`.
fn poll_once_killed_after(env: &Env, after: Duration) {
    let mut child = command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &["poll", "--once"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    std::thread::sleep(after);
    let _ = child.kill();
    let _ = child.wait();
}

/// A claim of a try runs out after the timeout, a second, and 10 s.
const CLAIM_WITH_1S_TIMEOUT: Duration = Duration::from_secs(12);

#[test]
fn kill_9_anywhere_between_fetch_and_delivery_loses_no_alert_and_sends_none_twice() {
    // items 2 and the "Done when": thirty milestones, each polled by
    // `poll --once` runs killed at random points until its sample is in;
    // while they run the receiver never takes an alert (it refuses each
    // alert's first request with a 503 and holds every later one), so every
    // kill falls between the fetch and the delivery; every sixth round runs
    // to its end with the receiver taking what it is sent
    let started = Instant::now();
    let (api, api_addr) = Api::start();
    let taking = Arc::new(AtomicBool::new(true));
    let taken: Shared<Taken> = Arc::default();
    let refused: Shared<HashSet<String>> = Arc::default();
    let hook = {
        let (taking, taken, refused) = (taking.clone(), taken.clone(), refused.clone());
        http_server(move |r| {
            taken.lock().unwrap().arrived += 1;
            if taking.load(Ordering::SeqCst) {
                taken
                    .lock()
                    .unwrap()
                    .delivered
                    .push(serde_json::from_str(&r.body).unwrap());
                return ok(String::new());
            }
            let key = r.key.clone().unwrap_or_default();
            if refused.lock().unwrap().insert(key) {
                Reply::Answer {
                    status: 503,
                    headers: Vec::new(),
                    body: String::new(),
                }
            } else {
                Reply::Hold
            }
        })
    };
    let env = Env::new("");
    env.write_config(&hook_config(
        api_addr,
        &["alice".into()],
        &thirty_milestones(),
        &format!("[notify]\nwebhook = \"http://{hook}/hook\"\nwebhook_format = \"json\"\ntimeout = \"1s\"\n"),
    ));
    api.set_all(50);
    assert!(env.run(&["poll", "--once"]).status.success());
    let mut runs = 0;
    for i in 1..=30i64 {
        let count = i * 100 + 50;
        api.set_all(count);
        let clean = i % 6 == 0;
        taking.store(clean, Ordering::SeqCst);
        // until this round's sample is in (a kill before it is a lost poll,
        // not a lost alert: the round is polled again)
        loop {
            runs += 1;
            if clean {
                env.run(&["poll", "--once"]);
            } else {
                // half of the kills within the first 120 ms (start, fetch,
                // sample, rules, claim), the others anywhere in the first second
                let within = if fastrand::bool() { 120 } else { 1_000 };
                poll_once_killed_after(&env, Duration::from_millis(fastrand::u64(0..within)));
            }
            if followers(&env) == Some(count) {
                break;
            }
        }
    }
    // the claims of killed processes run out; then one run delivers the rest
    taking.store(true, Ordering::SeqCst);
    std::thread::sleep(CLAIM_WITH_1S_TIMEOUT);
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = alerts_json(&env);
    let values: Vec<i64> = listed
        .iter()
        .map(|a| a["value"].as_i64().unwrap())
        .collect();
    assert_eq!(
        values,
        (1..=30).map(|i| i * 100).collect::<Vec<_>>(),
        "none lost"
    );
    let counts = delivered_values(&taken);
    assert_eq!(counts.len(), 30, "every milestone delivered: {counts:?}");
    assert!(
        counts.values().all(|n| *n == 1),
        "none delivered twice: {counts:?}"
    );
    assert!(
        listed.iter().all(|a| a["delivery"] == "delivered"),
        "{listed:#?}"
    );
    eprintln!(
        "{runs} runs, {} requests, {:?}",
        taken.lock().unwrap().arrived,
        started.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(90));
}

#[test]
fn three_poll_once_at_a_time_fire_all_30_milestones_exactly_once() {
    // item 3: three processes polling the same count at once used to
    // compare their samples with each other's and fire nothing
    let (api, api_addr) = Api::start();
    let taken: Shared<Taken> = Arc::default();
    let hook = {
        let taken = taken.clone();
        http_server(move |r| {
            let mut t = taken.lock().unwrap();
            t.arrived += 1;
            t.delivered.push(serde_json::from_str(&r.body).unwrap());
            t.keys.push(r.key.clone().unwrap_or_default());
            ok(String::new())
        })
    };
    let env = Env::new("");
    env.write_config(&hook_config(
        api_addr,
        &["alice".into()],
        &thirty_milestones(),
        &format!("[notify]\nwebhook = \"http://{hook}/hook\"\nwebhook_format = \"json\"\ntimeout = \"5s\"\n"),
    ));
    api.set_all(50);
    assert!(env.run(&["poll", "--once"]).status.success());
    for i in 1..=30i64 {
        api.set_all(i * 100 + 50);
        let runs: Vec<_> = (0..3)
            .map(|_| {
                command(
                    env.dir.path(),
                    &env.config(),
                    &env.data(),
                    &["poll", "--once"],
                )
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
            })
            .collect();
        for run in runs {
            let out = run.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    let listed = alerts_json(&env);
    let values: Vec<i64> = listed
        .iter()
        .map(|a| a["value"].as_i64().unwrap())
        .collect();
    assert_eq!(values, (1..=30).map(|i| i * 100).collect::<Vec<_>>());
    assert!(
        listed
            .iter()
            .all(|a| a["delivery"] == "delivered" && a["tries"] == 1)
    );
    let counts = delivered_values(&taken);
    assert_eq!(counts.len(), 30, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    // each request names its event, for a receiver that drops repeats
    let mut keys = taken.lock().unwrap().keys.clone();
    keys.sort_by_key(|k| k.rsplit(':').next().and_then(|v| v.parse::<i64>().ok()));
    let expected: Vec<String> = (1..=30)
        .map(|i| format!("milestone:github:alice:{}", i * 100))
        .collect();
    assert_eq!(keys, expected);
}

#[cfg(unix)]
#[test]
fn poll_once_waits_no_longer_than_it_says_and_a_later_run_delivers() {
    // items 1 and 11: a webhook that never answers and a command that never
    // ends; `poll --once` stops within its bound, says so, fails, and the
    // alert stays pending for the next run, which delivers it
    let (api, api_addr) = Api::start();
    let taking = Arc::new(AtomicBool::new(false));
    let taken: Shared<Taken> = Arc::default();
    let hook = {
        let (taking, taken) = (taking.clone(), taken.clone());
        http_server(move |r| {
            taken.lock().unwrap().arrived += 1;
            if !taking.load(Ordering::SeqCst) {
                return Reply::Hold;
            }
            taken
                .lock()
                .unwrap()
                .delivered
                .push(serde_json::from_str(&r.body).unwrap());
            ok(String::new())
        })
    };
    let env = Env::new("");
    let ran = env.dir.path().join("ran");
    let fine = env.dir.path().join("fine");
    env.write_config(&hook_config(
        api_addr,
        &["alice".into()],
        "[[alerts]]\nkind = \"milestone\"\n",
        &format!(
            "[notify]\ncommand = \"echo run >> '{}'; test -f '{}' || exec sleep 30\"\nwebhook = \"http://{hook}/hook\"\nwebhook_format = \"json\"\ntimeout = \"1s\"\n",
            ran.display(),
            fine.display()
        ),
    ));
    api.set_all(990);
    assert!(env.run(&["poll", "--once"]).status.success());
    api.set_all(1_010);
    let t = Instant::now();
    let out = env.run(&["poll", "--once"]);
    let took = t.elapsed();
    // the bound: 3 tries of 1 s and 5 s more
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(!out.status.success(), "{}", stderr(&out));
    assert_stderr(
        &out,
        "alert delivery failed: milestone (github:alice): webhook: timed out after 1s",
    );
    assert_stderr(&out, "command: still running after 1s; killed");
    let listed = alerts_json(&env);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["delivery"], "pending", "{listed:?}");
    assert!(listed[0]["delivery_error"].is_null());
    let tries = listed[0]["tries"].as_i64().unwrap();
    assert!((4..=6).contains(&tries), "{listed:?}");
    // the next run, once the next try is due, delivers it once
    let next: jiff::Timestamp = listed[0]["next_try"].as_str().unwrap().parse().unwrap();
    let wait = next.duration_since(jiff::Timestamp::now());
    if let Ok(wait) = Duration::try_from(wait) {
        std::thread::sleep(wait + Duration::from_millis(100));
    }
    taking.store(true, Ordering::SeqCst);
    std::fs::write(&fine, "").unwrap();
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = alerts_json(&env);
    assert_eq!(listed[0]["delivery"], "delivered", "{listed:?}");
    assert_eq!(delivered_values(&taken), BTreeMap::from([(1_000, 1)]));
    let runs = std::fs::read_to_string(&ran).unwrap();
    // two or three tries in the first run, one in the second
    assert!((3..=4).contains(&runs.lines().count()), "{runs}");
    // and nothing more after that
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(delivered_values(&taken), BTreeMap::from([(1_000, 1)]));
}

#[test]
fn a_redirect_is_not_followed_nor_tried_again() {
    // item 11: a 302 was tried three times
    let (api, api_addr) = Api::start();
    let elsewhere = Arc::new(AtomicUsize::new(0));
    let other = {
        let elsewhere = elsewhere.clone();
        http_server(move |_| {
            elsewhere.fetch_add(1, Ordering::SeqCst);
            ok(String::new())
        })
    };
    let arrived = Arc::new(AtomicUsize::new(0));
    let hook = {
        let arrived = arrived.clone();
        http_server(move |_| {
            arrived.fetch_add(1, Ordering::SeqCst);
            Reply::Answer {
                status: 302,
                headers: vec![("Location", format!("http://{other}/elsewhere"))],
                body: String::new(),
            }
        })
    };
    let env = Env::new("");
    env.write_config(&hook_config(
        api_addr,
        &["alice".into()],
        "[[alerts]]\nkind = \"milestone\"\n",
        &format!("[notify]\nwebhook = \"http://{hook}/hook\"\ntimeout = \"2s\"\n"),
    ));
    api.set_all(990);
    assert!(env.run(&["poll", "--once"]).status.success());
    api.set_all(1_010);
    let out = env.run(&["poll", "--once"]);
    assert!(!out.status.success());
    assert_stderr(
        &out,
        "alert delivery failed: milestone (github:alice): webhook: HTTP 302 (redirects are not followed) (1 try; failed, not tried again)",
    );
    let listed = alerts_json(&env);
    assert_eq!(listed[0]["delivery"], "failed", "{listed:?}");
    assert_eq!(
        listed[0]["delivery_error"],
        "webhook: HTTP 302 (redirects are not followed)"
    );
    assert_eq!(listed[0]["tries"], 1);
    // a later run does not try it again
    assert!(env.run(&["poll", "--once"]).status.success());
    assert_eq!(arrived.load(Ordering::SeqCst), 1);
    assert_eq!(elsewhere.load(Ordering::SeqCst), 0);
}

#[cfg(unix)]
#[test]
fn three_hundred_crossings_run_at_most_four_commands_and_four_webhooks_at_once() {
    // item 7: 300 accounts crossing 1,000 in one poll started 300 `sh` and
    // 311 connections at once
    let (api, api_addr) = Api::start();
    let taken: Shared<Taken> = Arc::default();
    let hook = {
        let taken = taken.clone();
        http_server(move |r| {
            {
                let mut t = taken.lock().unwrap();
                t.arrived += 1;
                t.open += 1;
                t.max_open = t.max_open.max(t.open);
            }
            std::thread::sleep(Duration::from_millis(20));
            let mut t = taken.lock().unwrap();
            t.open -= 1;
            t.delivered.push(serde_json::from_str(&r.body).unwrap());
            ok(String::new())
        })
    };
    let env = Env::new("");
    let log = env.dir.path().join("commands");
    let handles: Vec<String> = (0..300).map(|i| format!("user{i}")).collect();
    env.write_config(&hook_config(
        api_addr,
        &handles,
        "[[alerts]]\nkind = \"milestone\"\n",
        &format!(
            "[notify]\ncommand = \"echo + >> '{0}'; sleep 0.02; echo - >> '{0}'\"\nwebhook = \"http://{hook}/hook\"\nwebhook_format = \"json\"\ntimeout = \"10s\"\n",
            log.display()
        ),
    ));
    api.set_all(990);
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    api.set_all(1_010);
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let t = taken.lock().unwrap();
    assert!(t.max_open <= 4, "{} webhook requests at once", t.max_open);
    let (mut running, mut most) = (0i32, 0i32);
    let lines = std::fs::read_to_string(&log).unwrap();
    for line in lines.lines() {
        running += if line == "+" { 1 } else { -1 };
        most = most.max(running);
    }
    assert!(most <= 4, "{most} commands at once");
    assert_eq!(lines.lines().count(), 600);
    assert_eq!(t.delivered.len(), 300);
    let listed = alerts_json(&env);
    assert_eq!(listed.len(), 300);
    assert!(listed.iter().all(|a| a["delivery"] == "delivered"));
}

#[test]
fn a_kill_during_a_try_or_after_a_failed_one_leaves_the_alert_for_the_next_run() {
    // item 2: a `kill -9` after the webhook's first failed try left the
    // alert undelivered and never tried again
    let (api, api_addr) = Api::start();
    let (got, arrivals) = std::sync::mpsc::channel::<usize>();
    let taking = Arc::new(AtomicBool::new(false));
    let taken: Shared<Taken> = Arc::default();
    let hook = {
        let (taking, taken) = (taking.clone(), taken.clone());
        let got = Mutex::new(got);
        http_server(move |r| {
            let n = {
                let mut t = taken.lock().unwrap();
                t.arrived += 1;
                t.arrived
            };
            let _ = got.lock().unwrap().send(n);
            if taking.load(Ordering::SeqCst) {
                taken
                    .lock()
                    .unwrap()
                    .delivered
                    .push(serde_json::from_str(&r.body).unwrap());
                return ok(String::new());
            }
            if n == 1 {
                Reply::Answer {
                    status: 503,
                    headers: Vec::new(),
                    body: String::new(),
                }
            } else {
                Reply::Hold
            }
        })
    };
    let env = Env::new("");
    env.write_config(&hook_config(
        api_addr,
        &["alice".into()],
        "[[alerts]]\nkind = \"milestone\"\n",
        &format!("[notify]\nwebhook = \"http://{hook}/hook\"\nwebhook_format = \"json\"\ntimeout = \"1s\"\n"),
    ));
    api.set_all(990);
    assert!(env.run(&["poll", "--once"]).status.success());
    api.set_all(1_010);
    let mut child = command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &["poll", "--once"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    // the first try fails (503); the second is under way: kill
    assert_eq!(arrivals.recv_timeout(Duration::from_secs(10)).unwrap(), 1);
    assert_eq!(arrivals.recv_timeout(Duration::from_secs(10)).unwrap(), 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = alerts_json(&env);
    // the next run leaves what the killed one claimed until its claim runs out
    taking.store(true, Ordering::SeqCst);
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(taken.lock().unwrap().delivered.is_empty());
    std::thread::sleep(CLAIM_WITH_1S_TIMEOUT);
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(delivered_values(&taken), BTreeMap::from([(1_000, 1)]));
    assert_eq!(killed[0]["delivery"], "pending", "{killed:?}");
    assert_eq!(killed[0]["tries"], 1, "the 503 is recorded");
    assert_eq!(killed[0]["last_error"], "webhook: HTTP 503");
    let listed = alerts_json(&env);
    assert_eq!(listed[0]["delivery"], "delivered", "{listed:?}");
    assert_eq!(listed[0]["tries"], 2);
    assert_eq!(delivered_values(&taken), BTreeMap::from([(1_000, 1)]));
}

#[test]
fn poll_delivers_what_poll_once_left_pending() {
    // the pending delivery of one process is another's to finish: here
    // `poll` takes over what `poll --once` could not deliver in its bound
    let (api, api_addr) = Api::start();
    let taking = Arc::new(AtomicBool::new(false));
    let taken: Shared<Taken> = Arc::default();
    let hook = {
        let (taking, taken) = (taking.clone(), taken.clone());
        http_server(move |r| {
            taken.lock().unwrap().arrived += 1;
            if !taking.load(Ordering::SeqCst) {
                return Reply::Hold;
            }
            taken
                .lock()
                .unwrap()
                .delivered
                .push(serde_json::from_str(&r.body).unwrap());
            ok(String::new())
        })
    };
    let env = Env::new("");
    env.write_config(&hook_config(
        api_addr,
        &["alice".into()],
        "[[alerts]]\nkind = \"milestone\"\n",
        &format!("[notify]\nwebhook = \"http://{hook}/hook\"\nwebhook_format = \"json\"\ntimeout = \"1s\"\n"),
    ));
    api.set_all(990);
    assert!(env.run(&["poll", "--once"]).status.success());
    api.set_all(1_010);
    assert!(!env.run(&["poll", "--once"]).status.success());
    assert_eq!(alerts_json(&env)[0]["delivery"], "pending");
    taking.store(true, Ordering::SeqCst);
    let mut child = command(env.dir.path(), &env.config(), &env.data(), &["poll"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while taken.lock().unwrap().delivered.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // a moment for the mark
    std::thread::sleep(Duration::from_millis(300));
    let listed = alerts_json(&env);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(delivered_values(&taken), BTreeMap::from([(1_000, 1)]));
    assert_eq!(listed[0]["delivery"], "delivered", "{listed:?}");
}
