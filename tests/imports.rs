//! Imports under hostile input: what they hold while they wait, how much
//! memory they take whatever a server or a file does, and what they say.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

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
