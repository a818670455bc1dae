//! Imports under hostile input: what they hold while they wait, how much
//! memory they take whatever a server or a file does, and what they say.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::*;

/// The most memory any import may take, whatever its input.
const MEMORY_BOUND_KB: u64 = 50 * 1024;

/// Runs `cmd` to its end: its output and its peak resident memory in KiB
/// (`/usr/bin/time -v` where installed; else `VmHWM`, read while it runs).
fn peak_rss(cmd: Command) -> (Output, u64) {
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let report = tempfile::NamedTempFile::new().unwrap();
        let mut timed = Command::new(time);
        timed
            .arg("-v")
            .arg("-o")
            .arg(report.path())
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .current_dir(cmd.get_current_dir().unwrap_or(Path::new(".")));
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => timed.env(k, v),
                None => timed.env_remove(k),
            };
        }
        let out = timed.stdin(Stdio::null()).output().unwrap();
        let said = std::fs::read_to_string(report.path()).unwrap();
        let kb = said
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no peak in /usr/bin/time's report:\n{said}"));
        return (out, kb);
    }
    let mut cmd = cmd;
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let (tx, rx) = std::sync::mpsc::channel();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = std::sync::Arc::clone(&stop);
    std::thread::spawn(move || {
        let mut peak = 0u64;
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            if let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            }) {
                peak = peak.max(kb);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = tx.send(peak);
    });
    let out = child.wait_with_output().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    (out, rx.recv().unwrap())
}

fn one_manual_account() -> Env {
    Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n")
}

fn followers(env: &Env) -> Value {
    env.status()[0]["followers"].clone()
}

// ---------- import history ----------

#[test]
fn an_import_waiting_on_its_input_holds_no_lock() {
    let env = one_manual_account();
    let mut import = command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &["import", "history", "-"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut pipe = import.stdin.take().unwrap();
    writeln!(
        pipe,
        r#"{{"id":"manual:a","at":"2025-01-01T00:00:00Z","followers":10}}"#
    )
    .unwrap();
    pipe.flush().unwrap();
    // the import has read that row and waits for more: other commands,
    // writers included, go on as if it were not there
    std::thread::sleep(Duration::from_millis(700));
    for args in [
        &["record", "manual:a", "25", "--at", "2025-06-01T00:00:00Z"][..],
        &["status", "--format", "json"],
        &["log", "manual:a", "25m"],
        &["export", "--format", "json", "--out", "-"],
        &["effort", "--format", "json"],
        &["alerts"],
    ] {
        let started = Instant::now();
        let out = env.run(args);
        let took = started.elapsed();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(
            took < Duration::from_secs(2),
            "{args:?} took {took:?} while an import waited on its input"
        );
    }
    writeln!(
        pipe,
        r#"{{"id":"manual:a","at":"2025-02-01T00:00:00Z","followers":20}}"#
    )
    .unwrap();
    drop(pipe);
    let out = import.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 2 new samples (0 already there)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(followers(&env), 25);
    let history = env.run(&["export", "--history", "--format", "csv", "--out", "-"]);
    assert_eq!(stdout(&history).lines().count(), 4, "{}", stdout(&history));
}

/// A file of `size` bytes: `head`, then `x` up to the size, in one line.
fn one_long_line(dir: &Path, name: &str, head: &str, size: usize) -> std::path::PathBuf {
    let p = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    f.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut left = size - head.len();
    while left > 0 {
        let n = left.min(chunk.len());
        f.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    f.flush().unwrap();
    p
}

#[test]
fn a_64_mb_line_fails_fast_naming_its_place_in_bounded_memory() {
    let env = one_manual_account();
    // the first command makes the history; then each import alone
    assert!(env.run(&["status"]).status.success());
    let size = 64 << 20;
    for (name, head, line) in [
        ("long.ndjson", "{\"id\":\"manual:a\",\"at\":\"", 1),
        (
            "long.csv",
            "id,platform,handle,at,followers,following,posts\nmanual:a,manual,a,\"",
            2,
        ),
    ] {
        let file = one_long_line(env.dir.path(), name, head, size);
        let started = Instant::now();
        let file_arg = file.to_str().unwrap();
        let (out, kb) = peak_rss(command(
            env.dir.path(),
            &env.config(),
            &env.data(),
            &["import", "history", file_arg],
        ));
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        assert_stderr(
            &out,
            &format!("{file_arg}:{line}: a line longer than 1 MiB"),
        );
        assert!(
            kb < MEMORY_BOUND_KB,
            "{name}: import history took {kb} KiB for a 64 MB line"
        );
        assert!(took < Duration::from_secs(5), "{name}: took {took:?}");
        eprintln!("{name}: refused in {took:?}, peak RSS {kb} KiB");
        std::fs::remove_file(&file).unwrap();
    }
    assert_eq!(followers(&env), Value::Null);
}

#[test]
fn the_same_sample_twice_with_other_counts_is_an_error_naming_both() {
    let env = one_manual_account();
    let twice = concat!(
        r#"{"id":"manual:a","at":"2025-01-01T00:00:00Z","followers":10}"#,
        "\n",
        r#"{"id":"manual:a","at":"2025-01-02T00:00:00Z","followers":11}"#,
        "\n",
        r#"{"id":"manual:a","at":"2025-01-01T00:00:00Z","followers":12}"#,
        "\n"
    );
    let out = env.run_stdin(&["import", "history", "-"], twice.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_stderr(
        &out,
        "<stdin>:3: `manual:a` at 2025-01-01T00:00:00Z has followers 12",
    );
    assert_stderr(&out, "but followers 10");
    assert_stderr(&out, "nothing was imported");
    assert_eq!(followers(&env), Value::Null);
    // the same counts twice are one sample
    let same = concat!(
        r#"{"id":"manual:a","at":"2025-01-01T00:00:00Z","followers":10}"#,
        "\n",
        r#"{"id":"manual:a","at":"2025-01-01T00:00:00Z","followers":10}"#,
        "\n"
    );
    let out = env.run_stdin(&["import", "history", "-"], same.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 1 new samples (1 already there)"),
        "{}",
        stdout(&out)
    );
    // other counts than the history's, in a later import: not "already there"
    let other = "id,platform,handle,at,followers,following,posts\nmanual:a,manual,a,2025-01-01T00:00:00Z,99,,\n";
    let out = env.run_stdin(&["import", "history", "-"], other.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_stderr(
        &out,
        "<stdin>:2: `manual:a` at 2025-01-01T00:00:00Z has followers 99",
    );
    assert_eq!(followers(&env), 10);
}

#[test]
fn byte_order_marks_escaped_ids_and_far_times_are_handled() {
    let env = one_manual_account();
    let ndjson = "\u{feff}{\"id\":\"manual:a\",\"at\":\"2025-01-01T00:00:00Z\",\"followers\":10}\n";
    let out = env.run_stdin(&["import", "history", "-"], ndjson.as_bytes());
    assert!(out.status.success(), "NDJSON with a BOM: {}", stderr(&out));
    let csv = "\u{feff}id,platform,handle,at,followers,following,posts\nmanual:a,manual,a,2025-01-02T00:00:00Z,11,,\n";
    let out = env.run_stdin(&["import", "history", "-"], csv.as_bytes());
    assert!(out.status.success(), "CSV with a BOM: {}", stderr(&out));
    assert_eq!(followers(&env), 11);

    // an id with an escape sequence is shown as the id it is, harmlessly
    let escaped =
        "{\"id\":\"\\u001b[31mmanual:a\",\"at\":\"2025-01-03T00:00:00Z\",\"followers\":1}\n";
    let out = env.run_stdin(&["import", "history", "-"], escaped.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "<stdin>:1: unknown account `\\u{1b}[31mmanual:a`");
    assert!(!stderr(&out).contains('\u{1b}'));

    // a well-formed time past what any timestamp holds is out of range
    for far in ["9999-12-31T23:59:59Z", "2999-01-01T00:00:00Z"] {
        let line = format!("{{\"id\":\"manual:a\",\"at\":\"{far}\",\"followers\":1}}\n");
        let out = env.run_stdin(&["import", "history", "-"], line.as_bytes());
        assert_eq!(out.status.code(), Some(1));
        assert_stderr(
            &out,
            "is out of range: a sample's time must be between 2000-01-01T00:00:00Z and 5 minutes from now",
        );
        assert!(!stderr(&out).contains("RFC 3339"), "{}", stderr(&out));
    }
    assert_eq!(followers(&env), 11);
}

#[test]
fn an_empty_history_file_is_an_error_not_a_new_history() {
    let env = one_manual_account();
    std::fs::create_dir_all(env.data()).unwrap();
    let db = env.data().join("socialtop.db");
    std::fs::write(&db, b"").unwrap();
    for args in [&["status"][..], &["record", "manual:a", "5"]] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert_stderr(&out, "is empty (0 bytes)");
        assert_stderr(&out, "move it aside");
    }
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left as it was");
    // no file at all: a new history
    std::fs::remove_file(&db).unwrap();
    assert!(env.run(&["record", "manual:a", "5"]).status.success());
    assert_eq!(followers(&env), 5);
}

// ---------- Toggl and Clockify ----------

fn tagged_account() -> Env {
    Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"a\"\ntime_tags = [\"social\"]\n",
    )
}

const CF_WS: &str = "5e4117fe8c625f38930d57b7";
const CF_USER: &str = "5a0ab5acb07987125438b60f";

/// Clockify's time entries, 1,000 a page, whatever the page: pagination
/// that never ends.
struct EndlessPages;

impl Respond for EndlessPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: i64 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        let now = jiff::Timestamp::now().as_second();
        let entries: Vec<Value> = (0..1000)
            .map(|i| {
                let n = page * 1000 + i;
                let start = jiff::Timestamp::from_second(now - 3600 - n * 60).unwrap();
                let end = jiff::Timestamp::from_second(now - 3600 - n * 60 + 50).unwrap();
                json!({
                    "id": format!("{n:024x}"), "description": "replies and a long note ".repeat(4),
                    "tagIds": ["64c777ddd3fcab07cfbb210c", "64c777ddd3fcab07cfbb210d"],
                    "userId": CF_USER, "billable": false, "taskId": null, "projectId": null,
                    "workspaceId": CF_WS,
                    "timeInterval": {"start": start.to_string(), "end": end.to_string(), "duration": "PT50S"},
                    "customFieldValues": [], "type": "REGULAR", "kioskId": null, "hourlyRate": null,
                    "costRate": null, "isLocked": false
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(entries)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn clockify_pages_that_never_end_stop_at_the_cap_in_bounded_memory() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": CF_USER, "name": "Alice", "activeWorkspace": CF_WS, "defaultWorkspace": CF_WS
        })))
        .mount(&server)
        .await;
    Mock::given(path(format!("/api/v1/workspaces/{CF_WS}/tags")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "64c777ddd3fcab07cfbb210c", "name": "social", "workspaceId": CF_WS, "archived": false},
            {"id": "64c777ddd3fcab07cfbb210d", "name": "other", "workspaceId": CF_WS, "archived": false}
        ])))
        .mount(&server)
        .await;
    Mock::given(path(format!("/api/v1/workspaces/{CF_WS}/projects")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(path(format!(
        "/api/v1/workspaces/{CF_WS}/user/{CF_USER}/time-entries"
    )))
    .respond_with(EndlessPages)
    .mount(&server)
    .await;
    let env = tagged_account();
    assert!(env.run(&["status"]).status.success());
    let mut cmd = command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &["import", "clockify", "--url", &server.uri()],
    );
    cmd.env("CLOCKIFY_API_KEY", "k");
    let started = Instant::now();
    let (out, kb) = tokio::task::spawn_blocking(move || peak_rss(cmd))
        .await
        .unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr(
        &out,
        "stopped after 20 pages (20,000 time entries), the most an import reads",
    );
    assert!(
        stdout(&out).contains("imported 20000 new time entries"),
        "{}",
        stdout(&out)
    );
    let pages = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/time-entries"))
        .count();
    assert_eq!(pages, 20);
    assert!(
        kb < MEMORY_BOUND_KB,
        "import clockify took {kb} KiB against endless pages"
    );
    eprintln!(
        "clockify, endless pages: stopped after {pages} pages in {took:?}, peak RSS {kb} KiB"
    );
}

fn toggl_entry(id: i64, start: i64) -> Value {
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    json!({"id": id, "workspace_id": 777, "project_id": null, "start": at(start),
           "stop": at(start + 50), "duration": 50, "description": "x", "tags": ["social"]})
}

#[tokio::test(flavor = "multi_thread")]
async fn toggl_answers_past_the_caps_are_cut_or_refused_in_bounded_memory() {
    let now = jiff::Timestamp::now().as_second();
    // 25,000 entries (3 MB): the first 20,000 are read, and the output says so
    let many: Vec<Value> = (0..25_000)
        .map(|i| toggl_entry(1_000_000 + i, now - 3600 - i * 60))
        .collect();
    let server = MockServer::start().await;
    Mock::given(path("/api/v9/me/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(path("/api/v9/me/time_entries"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(many)))
        .mount(&server)
        .await;
    let env = tagged_account();
    let args = ["import", "toggl", "--url", &server.uri()];
    let out = env.run_env(&args, &[("TOGGL_API_TOKEN", "t")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr(
        &out,
        "Toggl listed 25,000 time entries; only the first 20,000 it listed were read",
    );
    assert!(
        stdout(&out).contains("imported 20000 new time entries"),
        "{}",
        stdout(&out)
    );

    // a 9 MiB answer is refused while it streams in
    let padded: Vec<Value> = (0..1_000)
        .map(|i| {
            let mut e = toggl_entry(2_000_000 + i, now - 3600 - i * 60);
            e["description"] = json!("y".repeat(9 * 1024));
            e
        })
        .collect();
    server.reset().await;
    Mock::given(path("/api/v9/me/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    Mock::given(path("/api/v9/me/time_entries"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(padded)))
        .mount(&server)
        .await;
    let mut cmd = command(env.dir.path(), &env.config(), &env.data(), &args);
    cmd.env("TOGGL_API_TOKEN", "t");
    let (out, kb) = tokio::task::spawn_blocking(move || peak_rss(cmd))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_stderr(&out, "answered more than 8 MiB for /api/v9/me/time_entries");
    assert!(
        kb < MEMORY_BOUND_KB,
        "import toggl took {kb} KiB for a 9 MiB answer"
    );
}

// ---------- ActivityWatch ----------

fn aw_bucket(id: &str, kind: &str, updated: &str) -> Value {
    json!({"id": id, "created": "2026-01-01T10:00:00.000000+00:00", "name": null, "type": kind,
           "client": "aw-client-web", "hostname": "laptop", "data": {}, "last_updated": updated})
}

/// An aw-server with these buckets whose every event list is empty; it
/// records every path asked for.
async fn aw_with(buckets: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/0/buckets/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(buckets))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    server
}

fn browsing_account() -> Env {
    Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"a\"\ndomains = [\"example.org\"]\n",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn activitywatch_bucket_ids_stay_inside_their_path() {
    let odd = "../../x?y=1#";
    let server = aw_with(json!({
        odd: aw_bucket(odd, "web.tab.current", "2026-03-02T12:00:00+00:00"),
        "aw-watcher-afk_laptop": aw_bucket("aw-watcher-afk_laptop", "afkstatus", "2026-03-02T12:00:00+00:00"),
        "..": aw_bucket("..", "web.tab.current", "2026-03-02T12:00:00+00:00"),
    }))
    .await;
    let env = browsing_account();
    let out = env.run(&[
        "import",
        "activitywatch",
        "--url",
        &server.uri(),
        "--since",
        "2026-03-01",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert!(paths.len() > 2, "{paths:?}");
    for p in &paths[1..] {
        assert!(
            p == "/api/0/buckets/..%2F..%2Fx%3Fy=1%23/events"
                || p == "/api/0/buckets/aw-watcher-afk_laptop/events",
            "a request went to {p}"
        );
    }
    assert!(paths.contains(&"/api/0/buckets/..%2F..%2Fx%3Fy=1%23/events".to_string()));
    // `..` cannot be a path segment (URLs resolve it away): skipped, and said
    assert_stderr(&out, "skipped 1 browser bucket(s) named `.` or `..`");
}

#[tokio::test(flavor = "multi_thread")]
async fn activitywatch_requests_are_capped_and_say_so() {
    let mut buckets = serde_json::Map::new();
    for i in 0..20 {
        let id = format!("aw-watcher-web-{i:02}");
        let updated = format!("2026-03-{:02}T12:00:00+00:00", i + 1);
        buckets.insert(id.clone(), aw_bucket(&id, "web.tab.current", &updated));
    }
    let server = aw_with(Value::Object(buckets)).await;
    let env = browsing_account();
    let since = jiff::Timestamp::now().as_second() - 3 * 86_400;
    let since = jiff::Timestamp::from_second(since).unwrap().to_string();
    let out = env.run(&[
        "import",
        "activitywatch",
        "--url",
        &server.uri(),
        "--since",
        &since,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr(
        &out,
        "ActivityWatch has 20 browser buckets; read the 8 most recently updated",
    );
    let requests = server.received_requests().await.unwrap();
    let asked: std::collections::BTreeSet<String> = requests[1..]
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    // the 8 most recently updated: 12 to 19
    let newest: std::collections::BTreeSet<String> = (12..20)
        .map(|i| format!("/api/0/buckets/aw-watcher-web-{i:02}/events"))
        .collect();
    assert_eq!(asked, newest);
    assert!(requests.len() <= 1 + 8 * 5, "{} requests", requests.len());

    // years back: refused before a single events request, saying why
    server.reset().await;
    let server = aw_with(json!({
        "web": aw_bucket("web", "web.tab.current", "2026-03-02T12:00:00+00:00"),
        "afk": aw_bucket("afk", "afkstatus", "2026-03-02T12:00:00+00:00"),
    }))
    .await;
    let out = env.run(&[
        "import",
        "activitywatch",
        "--url",
        &server.uri(),
        "--since",
        "2001-01-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "more than the 1000 an import makes: use a later --since",
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

// ---------- timewarrior ----------

#[test]
fn timewarrior_files_past_the_caps_are_refused_and_hostile_ones_stay_bounded() {
    let env = tagged_account();
    let big = env.dir.path().join("big.json");
    std::fs::write(&big, format!("[{}]", " ".repeat(9 << 20))).unwrap();
    let out = env.run(&["import", "timewarrior", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "is larger than 8 MiB, more than an import reads");

    // 20,000 intervals, each with 40 empty tags and a long annotation (7 MB)
    let now = jiff::Timestamp::now().as_second();
    let tw = |t: i64| {
        jiff::Timestamp::from_second(t)
            .unwrap()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    let empty_tags = ",\"\"".repeat(40);
    let mut text = String::from("[");
    for i in 0..20_000 {
        let start = now - 3600 - i * 60;
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "{{\"id\":{i},\"start\":\"{}\",\"end\":\"{}\",\"tags\":[\"social\"{empty_tags}],\"annotation\":\"{}\"}}",
            tw(start),
            tw(start + 50),
            "z".repeat(150)
        ));
    }
    text.push(']');
    let file = env.dir.path().join("hostile.json");
    std::fs::write(&file, &text).unwrap();
    let (out, kb) = peak_rss(command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &["import", "timewarrior", file.to_str().unwrap()],
    ));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 20000 new intervals"),
        "{}",
        stdout(&out)
    );
    assert!(kb < MEMORY_BOUND_KB, "import timewarrior took {kb} KiB");
    eprintln!("timewarrior, 7 MB hostile file: peak RSS {kb} KiB");
}
