//! Alerts tried as a new user would: `poll --once` and `poll` against loopback
//! APIs, a command that appends to a file and loopback webhook receivers.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::Stdio;
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
            listed.iter().all(|a| a["delivery_error"].is_null()),
            "{listed:?}"
        );

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
    assert!(
        out.status.success(),
        "a failed delivery is no failed poll: {}",
        stderr(&out)
    );
    let listed = alerts_json(&env);
    assert_eq!(listed.len(), 1);
    let error = listed[0]["delivery_error"].as_str().unwrap();
    assert!(
        error.contains("command exited with status 4: cannot notify"),
        "{error}"
    );
    assert!(error.contains("webhook: HTTP 503 (3 tries)"), "{error}");
    assert_eq!(
        hook.received_requests().await.unwrap().len(),
        3,
        "tried three times"
    );
    let table = stdout(&env.run(&["alerts"]));
    assert!(table.contains("delivery failed"), "{table}");
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
    let alert = |id: i64, kind: &str, message: &str, error: Option<&str>| AlertRow {
        id,
        key: format!("k{id}"),
        account: "github:alice".into(),
        kind: kind.into(),
        at_ms: now.as_millisecond(),
        value: Some(1_000),
        message: message.into(),
        delivery_error: error.map(String::from),
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
        alert(2, "milestone", "alice reached 1,000 followers", None),
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
        view.contains("delivery failed: webhook: HTTP 503"),
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
