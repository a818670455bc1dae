//! `socialtop export` after two polls, every format parsed and checked against
//! `status`, as a user would use them.

use crate::common::*;
use serde_json::Value;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve(server: &MockServer, user: i64, repo: i64) {
    server.reset().await;
    Mock::given(path("/users/alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(user)))
        .mount(server)
        .await;
    Mock::given(path("/repos/alice/tool"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_repo(repo)))
        .mount(server)
        .await;
}

/// Two accounts polled twice (counts 100 → 130 and 2,000 → 2,050), a manual
/// one with a label holding a comma and a pipe, and a token in the environment.
async fn two_polls() -> (MockServer, Env) {
    let server = MockServer::start().await;
    let env = Env::new(&format!(
        r#"[[accounts]]
platform = "github"
handle = "alice"
base_url = "{0}"
token_env = "EXPORT_TEST_TOKEN"

[[accounts]]
platform = "github"
handle = "alice/tool"
base_url = "{0}"
label = "Tool, the | repo"

[[accounts]]
platform = "manual"
handle = "newsletter"
"#,
        server.uri()
    ));
    serve(&server, 100, 2_000).await;
    let token = [("EXPORT_TEST_TOKEN", "tok_DoNotLeakThis123")];
    assert!(env.run_env(&["poll", "--once"], &token).status.success());
    serve(&server, 130, 2_050).await;
    assert!(env.run_env(&["poll", "--once"], &token).status.success());
    (server, env)
}

fn export(env: &Env, args: &[&str]) -> String {
    let out = env.run(&[&["export"], args].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_parses_and_matches_status() {
    let (_server, env) = two_polls().await;
    let status = env.status();

    // JSON: to the default path, which is printed
    let printed = export(&env, &["--format", "json"]);
    let path = std::path::PathBuf::from(printed.trim());
    assert!(path.starts_with(env.data().join("exports")), "{path:?}");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("socialtop-") && name.ends_with(".json"),
        "{name}"
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        json["generated_at"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .is_ok()
    );
    assert_eq!(json["effort"], Value::Null, "no time spent yet");
    let accounts = json["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 3);
    for (a, s) in accounts.iter().zip(&status) {
        for (k, v) in s.as_object().unwrap() {
            if k != "checked_at" && k != "updated_at" {
                assert_eq!(&a[k], v, "{k} differs from status");
            }
        }
        assert_eq!(a["minutes_this_week"], 0.0);
    }
    assert_eq!(accounts[0]["followers"], 130);
    assert_eq!(accounts[0]["change_24h"], 30);

    // CSV: a standard reader, one row per account, same values
    let csv_text = export(&env, &["--format", "csv", "--out", "-"]);
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers.len(), 15);
    assert_eq!(headers[14], "minutes_this_week");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[1][0], "github:alice/tool");
    assert_eq!(&rows[1][3], "Tool, the | repo", "a comma survives quoting");
    assert_eq!(&rows[1][5], "2050");
    assert_eq!(&rows[1][12], "50");
    assert_eq!(&rows[2][5], "", "no count yet is an empty cell");

    // Markdown: a table with counts, changes, and the pipe escaped
    let md = export(&env, &["--format", "md", "--out", "-"]);
    assert!(md.starts_with("# socialtop snapshot"), "{md}");
    let line = md.lines().find(|l| l.contains("Tool, the")).unwrap();
    assert!(
        line.contains("Tool, the \\| repo")
            && line.contains("| 2,050 |")
            && line.contains("| +50 |"),
        "{line}"
    );
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        4,
        "header and 3 rows"
    );

    // SVG: well-formed XML with a title, legend and axis labels
    let svg = export(&env, &["--format", "svg", "--out", "-"]);
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    let texts: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(
        texts.iter().any(|t| t.starts_with("socialtop · ")),
        "{texts:?}"
    );
    assert!(texts.contains(&"alice (followers)"), "{texts:?}");
    assert!(texts.contains(&"Tool, the | repo (stars)"), "{texts:?}");
    assert!(
        texts.contains(&"date") && texts.iter().any(|t| t.starts_with("count")),
        "{texts:?}"
    );
    assert!(
        doc.descendants()
            .any(|n| n.has_tag_name("polyline") || n.has_tag_name("path"))
    );

    // no export holds the token
    let mut all = json.to_string() + &csv_text + &md + &svg;
    for entry in std::fs::read_dir(env.data().join("exports")).unwrap() {
        all += &std::fs::read_to_string(entry.unwrap().path()).unwrap();
    }
    assert!(!all.contains("DoNotLeak"));
}

#[tokio::test(flavor = "multi_thread")]
async fn history_holds_every_sample_as_csv_and_ndjson() {
    let (_server, env) = two_polls().await;
    let csv_text = export(&env, &["--format", "csv", "--history", "--out", "-"]);
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "id",
            "platform",
            "handle",
            "at",
            "followers",
            "following",
            "posts",
            "source"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "two samples for each polled account");
    assert!(rows.iter().all(|r| &r[7] == "polled"), "{rows:?}");
    let alice: Vec<&str> = rows
        .iter()
        .filter(|r| &r[0] == "github:alice")
        .map(|r| &r[4])
        .collect();
    assert_eq!(alice, ["100", "130"]);
    assert_eq!(&rows[0][5], "9", "following");
    assert_eq!(&rows[2][5], "", "a repository has no following");
    assert!(
        rows[0][3].parse::<jiff::Timestamp>().is_ok(),
        "{}",
        &rows[0][3]
    );

    let nd = export(&env, &["--format", "json", "--history", "--out", "-"]);
    let lines: Vec<Value> = nd
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1]["id"], "github:alice");
    assert_eq!(lines[1]["followers"], 130);
    assert_eq!(lines[3]["following"], Value::Null);
    assert_eq!(lines[3]["source"], "polled");
    let t0: jiff::Timestamp = lines[0]["at"].as_str().unwrap().parse().unwrap();
    let t1: jiff::Timestamp = lines[1]["at"].as_str().unwrap().parse().unwrap();
    assert!(t1 > t0);

    // --since keeps what came after: the polls were more than a second apart
    let mut times: Vec<i64> = lines
        .iter()
        .map(|l| {
            l["at"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond()
        })
        .collect();
    times.sort();
    let since = jiff::Timestamp::from_millisecond(times[1] + 1)
        .unwrap()
        .to_string();
    let later = export(
        &env,
        &[
            "--format",
            "csv",
            "--history",
            "--out",
            "-",
            "--since",
            &since,
        ],
    );
    assert_eq!(
        later.lines().count(),
        3,
        "header and the second poll's samples: {later}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_never_overwritten() {
    let (_server, env) = two_polls().await;
    let target = env.dir.path().join("snap.json");
    std::fs::write(&target, "keep me").unwrap();
    let out = env.run(&[
        "export",
        "--format",
        "json",
        "--out",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "already exists");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    // two snapshots in the same second get two names
    let a = export(&env, &["--format", "csv"]);
    let b = export(&env, &["--format", "csv"]);
    assert_ne!(a, b);
    // bad combinations are refused up front
    let out = env.run(&["export", "--format", "md", "--history"]);
    assert_stderr(&out, "--history exports csv or json");
}

#[test]
fn the_effort_summary_joins_when_time_was_spent() {
    let env = Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"n\"\nid = \"n\"\n");
    for (w, (count, mins)) in [(100, 30), (150, 40), (230, 45)].into_iter().enumerate() {
        let day = format!("2026-03-{:02}", 2 + 7 * w);
        assert!(
            env.run(&[
                "record",
                "n",
                &count.to_string(),
                "--at",
                &format!("{day}T08:00:00Z")
            ])
            .status
            .success()
        );
        assert!(
            env.run(&[
                "log",
                "n",
                &format!("{mins}m"),
                "--at",
                &format!("{day}T09:00:00Z")
            ])
            .status
            .success()
        );
    }
    let json: Value =
        serde_json::from_str(&export(&env, &["--format", "json", "--out", "-"])).unwrap();
    // three weeks are too few for the model, and the summary says so
    assert_eq!(json["effort"]["n"], 0);
    assert_eq!(json["effort"]["excluded"]["weeks"]["too_few_points"], 3);
    assert_eq!(json["effort"]["accounts"][0]["weeks"], 3);
    assert_eq!(json["effort"]["verdict"], "insufficient_data");
    let md = export(&env, &["--format", "md", "--out", "-"]);
    assert!(md.contains("**Effort.** "), "{md}");
}

#[test]
fn dashboard_export_writes_each_configured_format() {
    let dir = tempfile::tempdir().unwrap();
    let now = jiff::Timestamp::now();
    let paths = socialtop::demo::prepare(dir.path(), now, None).unwrap();
    let mut text = std::fs::read_to_string(&paths.config).unwrap();
    text = text.replace(
        "poll_interval",
        "export_formats = [\"md\", \"svg\"]\npoll_interval",
    );
    let config = socialtop::config::Config::parse(&text, &paths.config).unwrap();
    let store = socialtop::store::Store::open_dir(&paths.data_dir).unwrap();
    let tz = jiff::tz::TimeZone::UTC;
    let files =
        socialtop::export::snapshot_files(&store, &config, &paths.data_dir, now, &tz).unwrap();
    let exts: Vec<String> = files
        .iter()
        .map(|f| f.extension().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(exts, ["md", "svg"]);
    let md = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        md.contains("Bluesky alice.bsky (demo)")
            && md.contains("**Effort.** ")
            && md.contains("the claim that a bigger audience takes no more of your time"),
        "{md}"
    );
    let svg = std::fs::read_to_string(&files[1]).unwrap();
    roxmltree::Document::parse(&svg).unwrap();
    // kept for a look at the chart: target/tmp/demo-export.svg
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-export.svg"),
        svg,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn history_round_trips_through_import_history_once_and_all_or_nothing() {
    let (_server, env) = two_polls().await;
    let config = std::fs::read_to_string(env.config()).unwrap();
    for format in ["csv", "json"] {
        let exported = export(&env, &["--format", format, "--history", "--out", "-"]);
        let other = Env::new(&config);
        let out = other.run_stdin(&["import", "history", "-"], exported.as_bytes());
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("imported 4 new samples (0 already there)"),
            "{}",
            stdout(&out)
        );
        let again = other.run_stdin(&["import", "history", "-"], exported.as_bytes());
        assert!(
            stdout(&again).contains("imported 0 new samples (4 already there)"),
            "{}",
            stdout(&again)
        );
        assert_eq!(
            export(&other, &["--format", format, "--history", "--out", "-"]),
            exported,
            "{format}: the same history on the other side"
        );
        assert_eq!(other.status()[0]["followers"], env.status()[0]["followers"]);
    }
    // a bad line anywhere keeps the whole file out, and says where
    let exported = export(&env, &["--format", "csv", "--history", "--out", "-"]);
    let bad = format!("{exported}github:alice,github,alice,2026-01-01T00:00:00Z,-5,,\n");
    let other = Env::new(&config);
    let out = other.run_stdin(&["import", "history", "-"], bad.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "<stdin>:6:");
    assert_stderr(&out, "followers -5");
    assert_eq!(
        other.status()[0]["followers"],
        serde_json::Value::Null,
        "nothing was kept"
    );
}

/// An export gets the permissions the umask gives any new file (not the
/// temporary file's 0600), and temporary files of exports that were killed
/// (`kill -9` leaves them) are removed by the next export in that directory.
#[cfg(unix)]
#[test]
fn exports_follow_the_umask_and_killed_exports_leave_nothing_behind() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n");
    assert!(env.run(&["record", "manual:a", "5"]).status.success());
    let out_dir = env.dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    // what a killed export leaves: a pid that runs no more
    let abandoned = out_dir.join(".socialtop-export-4194303-00000000deadbeef.tmp");
    std::fs::write(&abandoned, vec![b'x'; 1 << 20]).unwrap();
    // and a file of an export still running (this test process) stays
    let running = out_dir.join(format!(
        ".socialtop-export-{}-0000000000000001.tmp",
        std::process::id()
    ));
    std::fs::write(&running, b"x").unwrap();
    let file = out_dir.join("snap.json");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_socialtop"))
        .arg("--config")
        .arg(env.config())
        .arg("--data-dir")
        .arg(env.data())
        .args(["export", "--format", "json", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "mode {mode:o} under umask 022");
    assert!(
        !abandoned.exists(),
        "the killed export's temporary file stays"
    );
    assert!(running.exists(), "a running export's file was removed");
    let left: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(".socialtop-export-") && !n.contains(&std::process::id().to_string())
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
