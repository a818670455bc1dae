//! `socialtop poll --once` and `status`, run as a user would, against loopback servers.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::json;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) async fn serve_counts(
    server: &MockServer,
    mastodon: i64,
    bluesky: i64,
    gh_user: i64,
    gh_repo: i64,
) {
    server.reset().await;
    Mock::given(path("/api/v1/accounts/lookup"))
        .and(query_param("acct", "alice@example.social"))
        .respond_with(ResponseTemplate::new(200).set_body_json(mastodon_account(mastodon)))
        .mount(server)
        .await;
    Mock::given(path("/xrpc/app.bsky.actor.getProfile"))
        .and(query_param("actor", "alice.bsky.social"))
        .respond_with(ResponseTemplate::new(200).set_body_json(bluesky_profile(bluesky)))
        .mount(server)
        .await;
    Mock::given(path("/users/alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(gh_user)))
        .mount(server)
        .await;
    Mock::given(path("/repos/alice/tool"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_repo(gh_repo)))
        .mount(server)
        .await;
    Mock::given(path("/api/v1/accounts/lookup"))
        .and(query_param("acct", "ghost@example.social"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": "Record not found"})),
        )
        .mount(server)
        .await;
}

fn config(base: &str, extra: &str) -> String {
    format!(
        r#"poll_interval = "10m"
request_timeout = "3s"

[[accounts]]
platform = "mastodon"
handle = "alice@example.social"
base_url = "{base}"

[[accounts]]
platform = "bluesky"
handle = "alice.bsky.social"
label = "Sky"
base_url = "{base}"

[[accounts]]
platform = "github"
handle = "alice"
base_url = "{base}"

[[accounts]]
platform = "github"
handle = "alice/tool"
id = "tool-stars"
base_url = "{base}"
{extra}"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn two_polls_record_counts_and_changes() {
    let server = MockServer::start().await;
    serve_counts(&server, 1_000, 2_000, 300, 40).await;
    let env = Env::new(&config(&server.uri(), ""));

    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.contains("mastodon:alice@example.social  1,000 followers"),
        "{text}"
    );
    // the accounts are padded to the longest id: the counts line up
    assert!(
        text.contains("tool-stars                     40 stars"),
        "{text}"
    );
    let starts: Vec<usize> = text
        .lines()
        .map(|l| {
            l.find(|c: char| c.is_ascii_digit() && l.contains("  "))
                .unwrap_or(0)
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{text}");

    let rows = env.status();
    assert_eq!(rows.len(), 4);
    let m = row(&rows, "mastodon:alice@example.social");
    assert_eq!(m["followers"], 1_000);
    assert_eq!(m["following"], 12);
    assert_eq!(m["posts"], 345);
    assert_eq!(m["platform"], "mastodon");
    assert_eq!(m["label"], serde_json::Value::Null);
    assert_eq!(
        m["change_24h"],
        serde_json::Value::Null,
        "one sample: no change yet"
    );
    assert_eq!(m["error"], serde_json::Value::Null);
    let updated: jiff::Timestamp = m["updated_at"].as_str().unwrap().parse().unwrap();
    assert!((jiff::Timestamp::now().as_second() - updated.as_second()).abs() < 60);
    assert!(m["checked_at"].is_string());
    assert_eq!(row(&rows, "bluesky:alice.bsky.social")["label"], "Sky");
    assert_eq!(row(&rows, "tool-stars")["metric"], "stars");
    assert_eq!(row(&rows, "github:alice")["posts"], serde_json::Value::Null);
    // exactly these fields, in this order
    let fields = [
        "id",
        "platform",
        "handle",
        "label",
        "metric",
        "followers",
        "following",
        "posts",
        "updated_at",
        "checked_at",
        "change_24h",
        "change_7d",
        "change_30d",
        "error",
    ];
    assert_eq!(m.as_object().unwrap().len(), fields.len());
    let raw = stdout(&env.run(&["status", "--format", "json"]));
    let first_object = &raw[..raw.find('}').unwrap()];
    let positions: Vec<usize> = fields
        .iter()
        .map(|f| first_object.find(&format!("\"{f}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{first_object}");

    // the counts move on the server; a second poll records the change
    serve_counts(&server, 1_050, 1_990, 300, 45).await;
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = env.status();
    let m = row(&rows, "mastodon:alice@example.social");
    assert_eq!(m["followers"], 1_050);
    assert_eq!(m["change_24h"], 50);
    assert_eq!(m["change_7d"], 50);
    assert_eq!(m["change_30d"], 50);
    assert_eq!(row(&rows, "bluesky:alice.bsky.social")["change_24h"], -10);
    assert_eq!(row(&rows, "github:alice")["change_7d"], 0);
    assert_eq!(row(&rows, "tool-stars")["change_30d"], 5);

    // the table and CSV say the same
    let table = stdout(&env.run(&["status"]));
    assert!(table.contains("1,050") && table.contains("+50"), "{table}");
    let csv_out = env.run(&["status", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv_out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.len(), 14);
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[0], "mastodon:alice@example.social");
    assert_eq!(&first[5], "1050");
    assert_eq!(&first[10], "50");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_account_is_named_and_the_others_are_recorded() {
    let server = MockServer::start().await;
    serve_counts(&server, 10, 20, 30, 40).await;
    let extra = "\n[[accounts]]\nplatform = \"mastodon\"\nhandle = \"ghost@example.social\"\nbase_url = \"BASE\"\n"
        .replace("BASE", &server.uri());
    let env = Env::new(&config(&server.uri(), &extra));
    let out = env.run(&["poll", "--once"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "mastodon:ghost@example.social: not found: no Mastodon account ghost@example.social"
        ),
        "{err}"
    );
    assert!(
        !err.contains("alice"),
        "only the failed account is named: {err}"
    );
    let rows = env.status();
    assert_eq!(row(&rows, "github:alice")["followers"], 30);
    let ghost = row(&rows, "mastodon:ghost@example.social");
    assert_eq!(ghost["followers"], serde_json::Value::Null);
    assert!(ghost["error"].as_str().unwrap().contains("not found"));
    assert!(ghost["checked_at"].is_string());

    // a server error later keeps the last good value and shows the error
    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": "boom"})))
        .mount(&server)
        .await;
    let out = env.run(&["poll", "--once"]);
    assert_eq!(out.status.code(), Some(1));
    let rows = env.status();
    let gh = row(&rows, "github:alice");
    assert_eq!(gh["followers"], 30, "last good value stays");
    assert!(
        gh["error"]
            .as_str()
            .unwrap()
            .starts_with("server error 500"),
        "{gh}"
    );
}

fn error_of<'a>(rows: &'a [serde_json::Value], id: &str) -> &'a str {
    row(rows, id)["error"].as_str().unwrap_or_default()
}

/// A server that accepts, reads the request, and hangs up without answering.
fn dropping_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming().take(8) {
            let Ok(mut s) = stream else { break };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
        }
    });
    format!("http://{addr}")
}

/// A server that streams a 64 MiB chunked body with no Content-Length.
fn flooding_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in l.incoming().take(8) {
            let Ok(mut s) = stream else { break };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..1024 {
                let head = format!("{:x}\r\n", chunk.len());
                if s.write_all(head.as_bytes()).is_err()
                    || s.write_all(&chunk).is_err()
                    || s.write_all(b"\r\n").is_err()
                {
                    break;
                }
            }
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_servers_are_errors_on_their_account_and_poll_ends_in_time() {
    let good = MockServer::start().await;
    serve_counts(&good, 1, 2, 3, 4).await;
    let slow = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(github_user(1))
                .set_delay(Duration::from_secs(60)),
        )
        .mount(&slow)
        .await;
    let malformed = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"followers\": tru"))
        .mount(&malformed)
        .await;
    let extra = format!(
        r#"
[[accounts]]
platform = "github"
handle = "slow"
base_url = "{}"

[[accounts]]
platform = "github"
handle = "dropped"
base_url = "{}"

[[accounts]]
platform = "github"
handle = "flood"
base_url = "{}"

[[accounts]]
platform = "github"
handle = "malformed"
base_url = "{}"

[[accounts]]
platform = "github"
handle = "refused"
base_url = "http://127.0.0.1:9"
"#,
        slow.uri(),
        dropping_server(),
        flooding_server(),
        malformed.uri()
    );
    let env = Env::new(&config(&good.uri(), &extra));
    let started = Instant::now();
    let out = env.run(&["poll", "--once"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        took < Duration::from_secs(8),
        "took {took:?} with a 3s timeout"
    );
    let err = stderr(&out);
    for id in ["slow", "dropped", "flood", "malformed", "refused"] {
        assert!(
            err.contains(&format!("github:{id}: ")),
            "{id} not named: {err}"
        );
    }
    let rows = env.status();
    assert!(error_of(&rows, "github:slow").contains("timed out after 3s"));
    assert!(error_of(&rows, "github:flood").contains("larger than"));
    assert!(error_of(&rows, "github:malformed").contains("malformed JSON"));
    assert!(error_of(&rows, "github:refused").contains("cannot connect"));
    assert!(error_of(&rows, "github:dropped").starts_with("network"));
    // the good accounts were recorded all the same
    assert_eq!(row(&rows, "github:alice")["followers"], 3);
    assert_eq!(row(&rows, "tool-stars")["followers"], 4);
}

#[test]
fn config_errors_name_file_line_and_key_and_exit_non_zero() {
    let env = Env::new(
        "poll_interval = \"5m\"\n\n[[accounts]]\nplatform = \"github\"\nhandle = \"x\"\nintervall = \"5m\"\n",
    );
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("config.toml:6:1: unknown field `intervall`"),
        "{err}"
    );
}

#[test]
fn first_run_writes_a_starter_config_at_the_default_path_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_socialtop"))
        .current_dir(dir.path())
        .args(["--data-dir", "data", "status"])
        .env_remove("SOCIALTOP_CONFIG")
        .env_remove("SOCIALTOP_DATA_DIR")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cfg = dir.path().join("xdg/socialtop/config.toml");
    assert!(
        stderr(&out).contains(&cfg.display().to_string()),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("[[accounts]]"));
    assert!(stdout(&out).contains("never polled"));
}

#[test]
fn a_corrupt_database_is_a_clear_error_and_is_left_alone() {
    let env = Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\n");
    std::fs::create_dir_all(env.data()).unwrap();
    let db = env.data().join("socialtop.db");
    std::fs::write(
        &db,
        b"this is not sqlite, just some text that looks nothing like a header ".repeat(100),
    )
    .unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("corrupt") && err.contains("socialtop.db"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_output_database_or_log() {
    let server = MockServer::start().await;
    Mock::given(path("/users/alice"))
        .and(wiremock::matchers::header(
            "authorization",
            "Bearer ghp_SuperSecretValue123",
        ))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new(&format!(
        "[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\nbase_url = \"{}\"\ntoken_env = \"MY_GH\"\n",
        server.uri()
    ));
    let out = env.run_env(
        &["poll", "--once"],
        &[
            ("MY_GH", "ghp_SuperSecretValue123"),
            ("SOCIALTOP_LOG", "trace"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("GitHub rejected the token (Bad credentials)"));
    let status = env.run(&["status", "--format", "json"]);
    let mut everything = [out.stdout, out.stderr, status.stdout].concat();
    for entry in std::fs::read_dir(env.data()).unwrap() {
        everything.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let hay = String::from_utf8_lossy(&everything);
    assert!(!hay.contains("SuperSecretValue"), "the token leaked");

    // and with the variable unset, the error names the variable
    let out = env.run(&["poll", "--once"]);
    assert_stderr(&out, "environment variable MY_GH is not set");
}

#[test]
fn record_adds_samples_for_manual_accounts() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"linkedin\"\nlabel = \"LinkedIn\"\n",
    );
    let out = env.run(&["record", "manual:linkedin", "480", "--at", "2026-01-01"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["record", "manual:linkedin", "500"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = env.status();
    assert_eq!(rows[0]["followers"], 500);
    assert_eq!(rows[0]["change_30d"], 20);
    // manual accounts are skipped by poll, which then succeeds
    let out = env.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("skipped"));
    // bad input is named
    let out = env.run(&["record", "manual:nope", "5"]);
    assert_stderr(&out, "unknown account `manual:nope`");
    let out = env.run(&["record", "manual:linkedin", "5", "--at", "last tuesday"]);
    assert_stderr(&out, "invalid time `last tuesday`");
}

#[test]
fn a_locked_database_is_a_clear_error_after_waiting_a_moment() {
    let env = Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\n");
    assert!(env.run(&["record", "manual:news", "5"]).status.success());
    // another process holds the write lock and does not let go
    let holder = rusqlite::Connection::open(env.data().join("socialtop.db")).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = std::time::Instant::now();
    let out = env.run(&["record", "manual:news", "6"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "is locked by another process; try again in a moment");
    assert!(!stderr(&out).contains("panicked"));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "it gave up in time"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    // nothing recorded was lost, and it works once the lock is gone
    assert!(env.run(&["record", "manual:news", "7"]).status.success());
    assert_eq!(env.status()[0]["followers"], 7);
    assert_eq!(env.status()[0]["change_30d"], 2);
}
