//! Hostile servers and faults: the poller never hammers and never lies.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use socialtop::config::Config;
use socialtop::poller::{Outcome, Poller};
use socialtop::store::{self, Store};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// A server that accepts connections and never answers.
fn hung_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            let mut s = stream;
            let _ = s.set_read_timeout(Some(Duration::from_millis(10)));
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            held.push(s); // keep it open, say nothing
            if held.len() > 200 {
                break;
            }
        }
    });
    format!("http://{addr}")
}

#[test]
fn poll_once_against_a_hung_host_with_50_accounts_ends_within_two_timeouts() {
    let base = hung_server();
    let mut config = String::from("request_timeout = \"2s\"\n");
    for i in 0..50 {
        config.push_str(&format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"user{i}\"\nbase_url = \"{base}\"\n"
        ));
    }
    let env = Env::new(&config);
    let started = Instant::now();
    let out = env.run(&["poll", "--once"]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        took < Duration::from_secs(2 * 2 + 2),
        "poll --once took {took:?} against a hung host"
    );
    let err = stderr(&out);
    assert_eq!(err.matches("socialtop: github:user").count(), 50, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ten_year_retry_after_is_capped_at_31_days_and_its_reason_never_nests() {
    let server = MockServer::start().await;
    Mock::given(path("/users/alice"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "315360000")
                .set_body_json(json!({"message": "slow down"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let env = Env::new(&format!(
        "[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\nbase_url = \"{}\"\n",
        server.uri()
    ));
    for _ in 0..4 {
        assert_eq!(env.run(&["poll", "--once"]).status.code(), Some(1));
    }
    let rows = env.status();
    let error = rows[0]["error"].as_str().unwrap().to_string();
    assert_eq!(error.matches("not calling").count(), 1, "{error}");
    // "rate limited until YYYY-MM-DD HH:MM:SSZ (...)"
    let until: jiff::Timestamp = error["rate limited until ".len()..][..20]
        .replace(' ', "T")
        .parse()
        .unwrap();
    let now = jiff::Timestamp::now();
    let days = (until.as_second() - now.as_second()) / 86_400;
    assert!((30..=31).contains(&days), "held for {days} days: {error}");
    // and `status` says which host is held until when
    let table = stdout(&env.run(&["status"]));
    let host = server.uri().trim_start_matches("http://").to_string();
    assert!(table.contains(&format!("held: {host} until ")), "{table}");
}

fn github_config(base: &str, interval: &str) -> Config {
    Config::parse(
        &format!(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\nbase_url = \"{base}\"\ninterval = \"{interval}\"\n"
        ),
        std::path::Path::new("c.toml"),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_history_that_cannot_be_written_causes_no_extra_requests_and_loses_no_value() {
    let server = MockServer::start().await;
    Mock::given(path("/users/alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(1_234)))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = github_config(&server.uri(), "1h");
    let shared = store::Handle::open_dir(dir.path()).unwrap();
    shared.sync_accounts(config.accounts.clone()).await.unwrap();
    // every write now fails
    shared.write(|s| s.set_query_only(true)).await.unwrap();
    let poller = Arc::new(Poller::new(&config, shared.clone()).unwrap());
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::unbounded_channel();
    let (_gate, active) = tokio::sync::watch::channel(true);
    let run = tokio::spawn(Arc::clone(&poller).run(cmd_rx, ev_tx, active));
    let mut outcomes = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, ev_rx.recv()).await {
        if let socialtop::poller::Event::Finished(r) = ev {
            outcomes.push(r.outcome);
        }
    }
    let calls = server.received_requests().await.unwrap().len();
    assert_eq!(
        calls, 1,
        "a failed write must not make the account due again"
    );
    match &outcomes[..] {
        [Outcome::Failed(e)] => assert!(e.contains("could not record 1,234 followers"), "{e}"),
        other => panic!("{other:?}"),
    }
    // once the history can be written, the kept value lands with the next one
    shared.write(|s| s.set_query_only(false)).await.unwrap();
    let r = poller.poll_one(&config.accounts[0]).await;
    assert!(matches!(r.outcome, Outcome::Ok(_)), "{:?}", r.outcome);
    let samples = shared
        .read(|s| s.samples_since("github:alice", jiff::Timestamp::MIN))
        .await
        .unwrap();
    assert_eq!(
        samples.len(),
        2,
        "the value fetched while the disk was full is kept"
    );
    drop(cmd_tx);
    let _ = run.await;
}

#[test]
fn labels_and_errors_never_become_formulas_markup_or_bad_xml_in_exports() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\nlabel = \"=HYPERLINK(\\\"http://evil.example\\\")|<b>x</b>\\u001b]0;pwned\\u0007\"\n",
    );
    assert!(env.run(&["record", "manual:news", "42"]).status.success());
    for args in [
        vec!["export", "--format", "csv", "--out", "-"],
        vec!["status", "--format", "csv"],
    ] {
        let out = env.run(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
        let row = reader.records().next().unwrap().unwrap();
        assert!(row[3].starts_with("'=HYPERLINK"), "{args:?}: {:?}", &row[3]);
        assert!(!row[3].contains('\u{1b}') && !row[3].contains('\u{7}'));
        assert_eq!(&row[5], "42", "numbers stay numbers");
    }
    let md = stdout(&env.run(&["export", "--format", "md", "--out", "-"]));
    let line = md.lines().find(|l| l.contains("HYPERLINK")).unwrap();
    assert_eq!(line.matches(" | ").count(), 8, "nine cells: {line}");
    assert!(!line.contains("<b>") && !md.contains('\u{1b}'), "{line}");
    let svg = stdout(&env.run(&["export", "--format", "svg", "--out", "-"]));
    roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    assert!(!svg.contains('\u{1b}') && !svg.contains('\u{7}'));
}

#[test]
fn a_timewarrior_import_is_all_or_nothing_and_skips_intervals_over_a_day() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\ntime_tags = [\"news\"]\n",
    );
    let good = r#"{"id":1,"start":"20260302T090000Z","end":"20260302T101500Z","tags":["news"]}"#;
    let bad = r#"{"id":2,"start":"20260303T090000Z","end":"yesterday","tags":["news"]}"#;
    let out = env.run_stdin(
        &["import", "timewarrior", "-"],
        format!("[{good},{bad}]").as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "interval @2");
    let effort = stdout(&env.run(&["effort", "--format", "json"]));
    assert!(
        effort.contains("\"accounts\": []"),
        "nothing of the failed import was kept: {effort}"
    );
    // a three-day interval is skipped with a warning, the rest imported
    let long = r#"{"id":3,"start":"20260304T090000Z","end":"20260307T090000Z","tags":["news"]}"#;
    let out = env.run_stdin(
        &["import", "timewarrior", "-"],
        format!("[{good},{long}]").as_bytes(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped interval @3: 3d is longer than a day"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("imported 1 new"), "{}", stdout(&out));
}

/// A read-only bind mount of `src` for the test's life (root only; `None` where
/// the machine does not allow mounts).
struct ReadOnlyMount(std::path::PathBuf);

impl ReadOnlyMount {
    fn new(src: &std::path::Path, at: &std::path::Path) -> Option<ReadOnlyMount> {
        std::fs::create_dir_all(at).unwrap();
        let ok = |args: &[&str]| {
            std::process::Command::new("mount")
                .args(args)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let (s, a) = (src.to_str().unwrap(), at.to_str().unwrap());
        if !ok(&["--bind", s, a]) {
            return None;
        }
        let mount = ReadOnlyMount(at.to_path_buf());
        ok(&["-o", "remount,ro,bind", a]).then_some(mount)
    }
}

impl Drop for ReadOnlyMount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn status_and_export_work_on_a_read_only_data_dir() {
    let env = Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\n");
    assert!(env.run(&["record", "manual:news", "42"]).status.success());
    let ro = env.dir.path().join("ro");
    let Some(_mount) = ReadOnlyMount::new(&env.data(), &ro) else {
        eprintln!("note: this machine does not allow a read-only bind mount; skipped");
        return;
    };
    assert!(
        std::fs::write(ro.join("probe"), b"x").is_err(),
        "the mount is read-only"
    );
    let out = command(
        env.dir.path(),
        &env.config(),
        &ro,
        &["status", "--format", "json"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["followers"], 42);
    let out = command(
        env.dir.path(),
        &env.config(),
        &ro,
        &["export", "--format", "csv", "--out", "-"],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("manual:news"));
    // a write says why it cannot be done, and changes nothing
    let out = command(
        env.dir.path(),
        &env.config(),
        &ro,
        &["record", "manual:news", "43"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn an_interrupted_export_leaves_no_file_behind() {
    let env = Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\n");
    assert!(env.run(&["record", "manual:news", "1"]).status.success());
    {
        let mut s = Store::open_dir(&env.data()).unwrap();
        let samples: Vec<socialtop::model::Sample> = (0..400_000i64)
            .map(|i| socialtop::model::Sample {
                at_ms: (1_600_000_000 + i * 60) * 1000,
                followers: i,
                following: Some(i),
                posts: Some(i),
            })
            .collect();
        s.insert_samples("manual:news", &samples).unwrap();
    }
    let out_dir = env.dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let target = out_dir.join("history.csv");
    let child = command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &[
            "export",
            "--format",
            "csv",
            "--history",
            "--out",
            target.to_str().unwrap(),
        ],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    // wait until it is writing, then interrupt it as Ctrl-C would
    let started = Instant::now();
    while std::fs::read_dir(&out_dir).unwrap().count() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the export never started writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let left: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    if out.status.success() {
        eprintln!("note: the export finished before the signal");
        // it finished before the signal arrived: then the file is whole
        assert_eq!(left.len(), 1, "{left:?}");
        return;
    }
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_activitywatch_error_page_reaches_the_terminal_clean() {
    let server = MockServer::start().await;
    Mock::given(path("/api/0/buckets/"))
        .respond_with(ResponseTemplate::new(500).set_body_string(
            "boom \u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;SGVsbG8=\u{7} server on fire",
        ))
        .mount(&server)
        .await;
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\ndomains = [\"news.example\"]\n",
    );
    let out = env.run(&["import", "activitywatch", "--url", &server.uri()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("answered HTTP 500"), "{err}");
    assert!(err.contains("server on fire"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
}
