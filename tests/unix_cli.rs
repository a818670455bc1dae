//! Unix manners: a closed or full standard output, a bad `TZ`, completions
//! and the man page, id prefixes, relative times and bounds on what is logged.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::common::*;

/// `n` manual accounts, `id = "m0"`, `"m1"`, ...
fn manual_accounts(n: usize) -> String {
    (0..n)
        .map(|i| format!("[[accounts]]\nplatform = \"manual\"\nhandle = \"h{i}\"\nid = \"m{i}\"\n"))
        .collect()
}

/// Runs `args` with standard output read like `| head -1`: one line, then closed.
fn head_1(env: &Env, args: &[&str]) -> (String, std::process::Output) {
    let mut child = command(env.dir.path(), &env.config(), &env.data(), args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    (first, child.wait_with_output().unwrap())
}

#[track_caller]
fn assert_quiet_broken_pipe(out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(141), "{}", stderr(out));
    assert_eq!(stderr(out), "", "a broken pipe is not an error to report");
}

#[test]
fn status_and_poll_into_a_closed_pipe_end_quietly_with_141() {
    let env = Env::new(&manual_accounts(3_000));
    let (first, out) = head_1(&env, &["status"]);
    assert!(first.starts_with("ACCOUNT"), "{first}");
    assert_quiet_broken_pipe(&out);
    let (first, out) = head_1(&env, &["status", "--format", "json"]);
    assert!(first.starts_with('['), "{first}");
    assert_quiet_broken_pipe(&out);
    let (first, out) = head_1(&env, &["poll", "--once"]);
    assert!(
        first.starts_with("m0 ") && first.contains("  skipped"),
        "{first}"
    );
    assert_quiet_broken_pipe(&out);
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    )
}

#[test]
fn a_full_stdout_is_a_clear_error_and_says_what_was_recorded() {
    let env = Env::new(&manual_accounts(2));
    let out = command(
        env.dir.path(),
        &env.config(),
        &env.data(),
        &["log", "m1", "25m"],
    )
    .stdout(dev_full())
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "cannot write to standard output: No space left on device",
    );
    assert_stderr(&out, "WAS recorded");
    assert!(!stderr(&out).contains("panicked"));
    let out = command(env.dir.path(), &env.config(), &env.data(), &["status"])
        .stdout(dev_full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "cannot write to standard output: No space left on device",
    );
}

#[test]
fn a_bad_tz_falls_back_to_utc_with_one_warning() {
    let env = Env::new(&manual_accounts(1));
    for tz in ["/dev/zero", "Nowhere/Bogus", ":/dev/zero"] {
        let start = std::time::Instant::now();
        let out = env.run_env(&["log", "m0", "25m", "--at", "2026-03-01"], &[("TZ", tz)]);
        assert!(start.elapsed().as_secs() < 20, "TZ={tz} took too long");
        assert!(out.status.success(), "TZ={tz}: {}", stderr(&out));
        assert_eq!(
            stderr(&out).matches("warning").count(),
            1,
            "TZ={tz}: {}",
            stderr(&out)
        );
        assert_stderr(&out, "using UTC");
        // the date is read in UTC
        assert!(
            stdout(&out).contains("from 2026-03-01T00:00:00Z"),
            "TZ={tz}: {}",
            stdout(&out)
        );
    }
    let out = env.run_env(
        &["log", "m0", "25m", "--at", "2026-03-01"],
        &[("TZ", "Europe/Paris")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    if std::path::Path::new("/usr/share/zoneinfo/Europe/Paris").exists() {
        assert_eq!(stderr(&out), "");
        assert!(
            stdout(&out).contains("from 2026-02-28T23:00:00Z"),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn completions_and_man_page() {
    let env = Env::new("");
    for (shell, needle) in [
        ("bash", "_socialtop()"),
        ("zsh", "#compdef socialtop"),
        ("fish", "complete -c socialtop"),
        ("elvish", "socialtop"),
        ("powershell", "socialtop"),
    ] {
        let out = env.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains(needle), "{shell}");
        assert!(stdout(&out).contains("record"), "{shell}");
    }
    let out = env.run(&["completions", "tcsh"]);
    assert!(!out.status.success());
    let out = env.run(&["man"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH socialtop 1"), "{page}");
    assert!(page.contains("completions"), "{page}");
    // every section a user looks for, and no page that is not shipped
    for section in ["COMMANDS", "KEYS", "FILES", "ENVIRONMENT", "EXIT STATUS"] {
        assert!(
            page.lines()
                .any(|l| l.starts_with(".SH") && l.trim_matches(|c| c == '"').ends_with(section)),
            "{section}: {page}"
        );
    }
    assert!(page.contains("import history"), "{page}");
    assert!(page.contains("SOCIALTOP_DATA_DIR"), "{page}");
    assert!(
        !page.contains("socialtop\\-poll(1)") && !page.contains("socialtop-poll(1)"),
        "{page}"
    );
    // the example config the starter one points to is in the binary
    let out = env.run(&["init", "--example"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("[[accounts]]"), "{}", stdout(&out));
    let starter = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/starter.toml"),
    )
    .unwrap();
    assert!(starter.contains("socialtop init --example"));
    assert!(
        !starter.contains("assets/"),
        "the starter config cites a source file"
    );
    // neither touches the history
    assert!(!env.data().exists());
}

#[test]
fn a_unique_id_prefix_names_an_account() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"n\"\nid = \"noiob-demo\"\n\
         [[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"ab-one\"\n\
         [[accounts]]\nplatform = \"manual\"\nhandle = \"b\"\nid = \"ab-two\"\n\
         [[accounts]]\nplatform = \"manual\"\nhandle = \"c\"\nid = \"ab\"\n",
    );
    let out = env.run(&["record", "noiob", "600"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("for noiob-demo"), "{}", stdout(&out));
    let out = env.run(&["log", "noi", "5m"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("on noiob-demo"), "{}", stdout(&out));
    // ambiguous: the candidates are listed, nothing recorded
    let out = env.run(&["record", "ab-", "5"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "ambiguous");
    assert_stderr(&out, "ab-one, ab-two");
    // an exact id wins over the ids it begins
    let out = env.run(&["record", "ab", "7"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // case-sensitive
    let out = env.run(&["record", "NOIOB", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "unknown account `NOIOB`");
    let rows = env.status();
    assert_eq!(row(&rows, "noiob-demo")["followers"], 600);
    assert_eq!(row(&rows, "ab")["followers"], 7);
    assert!(row(&rows, "ab-one")["followers"].is_null());
}

#[test]
fn relative_times_and_their_bounds() {
    let env = Env::new(&manual_accounts(1));
    let now = jiff::Timestamp::now().as_second();
    let out = env.run(&["record", "m0", "10", "--at", "36h"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["record", "m0", "11", "--at", "yesterday"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["log", "m0", "25m", "--at", "90m"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["log", "m0", "25m", "--at", "today"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let midnight = now - now.rem_euclid(86_400); // TZ=UTC
    let today = jiff::Timestamp::from_second(midnight).unwrap();
    assert!(
        stdout(&out).contains(&format!("from {today}")),
        "{}",
        stdout(&out)
    );
    let out = env.run(&[
        "export",
        "--format",
        "csv",
        "--history",
        "--since",
        "7d",
        "--out",
        "-",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 3, "{}", stdout(&out));
    // bounds, naming the value and the limit
    let out = env.run(&["record", "m0", "1", "--at", "1999-12-31T23:59:59Z"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "`1999-12-31T23:59:59Z`");
    assert_stderr(&out, "2000-01-01T00:00:00Z");
    let out = env.run(&["log", "m0", "5m", "--at", "2100-01-01"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "`2100-01-01`");
    assert_stderr(&out, "5 minutes");
    // --since may be long ago
    let out = env.run(&[
        "export",
        "--format",
        "csv",
        "--history",
        "--since",
        "1990-01-01",
        "--out",
        "-",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn log_durations_are_bounded_with_a_clear_error() {
    let env = Env::new(&manual_accounts(1));
    for (d, limit) in [
        ("1000000000s", "maximum, 24h"),
        ("500ms", "minimum, 1s"),
        ("25h", "maximum, 24h"),
    ] {
        let out = env.run(&["log", "m0", d]);
        assert_eq!(out.status.code(), Some(1), "{d}");
        assert_stderr(&out, &format!("`{d}`"));
        assert_stderr(&out, limit);
        assert!(!stderr(&out).contains("CHECK"), "{}", stderr(&out));
    }
    // a week reads as a span here: the error says how to log it
    let out = env.run(&["log", "m0", "7d"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "log each day's time on its own");
    let out = env.run(&["log", "m0", "24h"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // times are written one way: RFC 3339, UTC, to the second
    let out = env.run(&[
        "record",
        "m0",
        "5",
        "--at",
        "2026-03-01T09:30:00.123456789Z",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(" at 2026-03-01T09:30:00Z"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_handle_or_label_names_an_account_and_accents_are_one_id() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"octocat\"\nlabel = \"Octo\"\n\
         [[accounts]]\nplatform = \"manual\"\nhandle = \"x\"\nid = \"e\u{301}x\"\n",
    );
    // the handle as shown, with or without its @, and the label
    for (who, n) in [("octocat", "60"), ("@octocat", "61"), ("octo", "62")] {
        let out = env.run(&["record", who, n]);
        assert!(out.status.success(), "{who}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("for manual:octocat"),
            "{}",
            stdout(&out)
        );
    }
    // `e` does not begin the id é·x (an e with a combining accent)
    let out = env.run(&["record", "e", "5"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_stderr(&out, "unknown account `e`");
    // typed precomposed, it names that id
    let out = env.run(&["record", "\u{e9}x", "6"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // two ids that look the same are one id: a config error naming the line
    env.write_config(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"\u{e9}\"\n\
         [[accounts]]\nplatform = \"manual\"\nhandle = \"b\"\nid = \"e\u{301}\"\n",
    );
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "duplicate account id");
    assert_stderr(&out, "first defined at line 1");
}

#[test]
fn usage_errors_say_socialtop_and_exit_2_and_demo_goes_anywhere() {
    let env = Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n");
    let out = env.run(&["status", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("socialtop: error: unexpected argument '--frobnicate'"),
        "{}",
        stderr(&out)
    );
    // help is not an error
    let out = env.run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("import"), "{}", stdout(&out));
    assert!(stdout(&out).contains("history"), "{}", stdout(&out));
    // --demo before or after the command
    for args in [["--demo", "status"], ["status", "--demo"]] {
        let out = env.run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("ACCOUNT"), "{}", stdout(&out));
    }
}

#[test]
fn export_without_a_format_writes_every_configured_one() {
    let env = Env::new(
        "export_formats = [\"json\", \"md\"]\n[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n",
    );
    assert!(env.run(&["record", "manual:a", "5"]).status.success());
    let out = env.run(&["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0].ends_with(".json") && files[1].ends_with(".md"),
        "{files:?}"
    );
    for f in &files {
        assert!(std::path::Path::new(f).is_file(), "{f}");
    }
    // --out and --history need a format
    let out = env.run(&["export", "--out", "x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_stderr(&out, "--format");
}

/// Issue 21, item 8: a `metric` from the config is outside text too.
#[test]
fn a_hostile_metric_reaches_no_output_raw() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nmetric = \"x\\ny\\u001b]0;pwned\\u0007\\u001b[2J\\r\\u202estars\"\n",
    );
    let out = env.run(&["record", "manual:a", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out2 = env.run(&["status"]);
    for o in [&out, &out2] {
        let text = stdout(o);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'),
            "{text:?}"
        );
    }
    // one header line and one account line: the metric broke no row
    assert_eq!(stdout(&out2).lines().count(), 2, "{}", stdout(&out2));
}

/// A dashboard whose terminal goes away (its tmux server killed: the pty
/// hangs up) ends: at once on SIGHUP; run under `setsid` it gets no SIGHUP,
/// only failing reads, and ends at its next minute tick, when the draw fails.
/// Before, crossterm's reader (which retries a failed read at once) ran on the
/// loop's thread and starved everything else: the process ran on at 100% CPU
/// for good (as one left behind by a test run did for an hour).
#[test]
fn a_dashboard_whose_terminal_goes_away_ends() {
    use crate::common::Tmux;
    use std::time::{Duration, Instant};
    if !Tmux::available() {
        eprintln!("note: tmux is not installed; skipping");
        return;
    }
    for setsid in [false, true] {
        let env = crate::common::Env::new("[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n");
        let mut program: Vec<String> = Vec::new();
        if setsid {
            program.extend(["setsid".into(), "-w".into()]);
        }
        program.extend([
            env!("CARGO_BIN_EXE_socialtop").into(),
            "--config".into(),
            env.config().display().to_string(),
            "--data-dir".into(),
            env.data().display().to_string(),
        ]);
        let tmux = Tmux::start(&program, 80, 24);
        assert!(
            tmux.wait_for(Duration::from_secs(15), |s| s.contains("ACCOUNT"))
                .is_some(),
            "the dashboard came up:\n{}",
            tmux.screen()
        );
        // the dashboard's own process: the one whose command line names this config
        let config = env.config().display().to_string();
        let pid = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                std::fs::read(p.join("cmdline")).is_ok_and(|c| {
                    let c = String::from_utf8_lossy(&c).replace('\0', " ");
                    c.starts_with(env!("CARGO_BIN_EXE_socialtop")) && c.contains(&config)
                })
            })
            .expect("the dashboard's process");
        drop(tmux); // kill-server: the pty hangs up
        let started = Instant::now();
        // a zombie (state Z) has ended too
        let alive = || {
            std::fs::read_to_string(pid.join("stat"))
                .ok()
                .is_some_and(|s| !s.contains(") Z "))
        };
        let limit = Duration::from_secs(if setsid { 75 } else { 10 });
        while alive() && started.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(20));
        }
        if alive() {
            let n = pid.file_name().unwrap().to_string_lossy().to_string();
            let _ = std::process::Command::new("kill").args(["-9", &n]).status();
            panic!("setsid {setsid}: the dashboard ran on {limit:?} after its terminal went away");
        }
    }
}
