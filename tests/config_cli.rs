//! The config from the command line: an explicit path must exist, `init`
//! writes the starter, bounds and control characters, and big configs.

use std::path::Path;

use crate::common::*;
use socialtop::config::Config;

#[test]
fn an_explicit_config_that_does_not_exist_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("confg.toml");
    let data = dir.path().join("data");
    let out = run_in(dir.path(), &typo, &data, &["status"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, &format!("{} does not exist", typo.display()));
    assert!(!typo.exists(), "a starter config was written at a typo");
    assert!(!data.exists(), "a data dir was made for a typo");
    // the same through the environment
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_socialtop"))
        .current_dir(dir.path())
        .args(["--data-dir", "data", "poll", "--once"])
        .env("SOCIALTOP_CONFIG", &typo)
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, &format!("{} does not exist", typo.display()));
    assert!(!typo.exists() && !dir.path().join("xdg").exists());
}

#[test]
fn init_writes_the_starter_config_says_where_and_keeps_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sub/my.toml");
    let data = dir.path().join("data");
    let out = run_in(dir.path(), &cfg, &data, &["init"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), cfg.display().to_string());
    assert!(
        std::fs::read_to_string(&cfg)
            .unwrap()
            .contains("[[accounts]]")
    );
    std::fs::write(&cfg, "# mine\n").unwrap();
    let out = run_in(dir.path(), &cfg, &data, &["init"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "already exists");
    assert_stderr(&out, "--force");
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "# mine\n");
    let out = run_in(dir.path(), &cfg, &data, &["init", "--force"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&cfg)
            .unwrap()
            .contains("[[accounts]]")
    );
    // init touches no history
    assert!(!data.exists());
}

#[test]
fn init_without_config_writes_at_the_default_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_socialtop"))
        .current_dir(dir.path())
        .arg("init")
        .env_remove("SOCIALTOP_CONFIG")
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cfg = dir.path().join("xdg/socialtop/config.toml");
    assert_eq!(stdout(&out).trim(), cfg.display().to_string());
    assert!(cfg.exists());
}

#[test]
fn durations_out_of_bounds_name_file_line_value_and_limit() {
    let env = Env::new("poll_interval = \"100000000h\"\n");
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "config.toml:1:17: key `poll_interval`: duration `100000000h`",
    );
    assert_stderr(&out, "maximum, 30d");
    env.write_config("request_timeout = \"0.5s\"\n");
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "config.toml:1:19: key `request_timeout`: duration `0.5s`",
    );
    assert_stderr(&out, "minimum, 1s");
    env.write_config(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"news\"\ninterval = \"31d\"\n",
    );
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "config.toml:4:12: key `interval`: duration `31d`");
}

#[test]
fn labels_and_handles_lose_control_characters() {
    let env = Env::new(
        "[[accounts]]\nplatform = \"manual\"\nhandle = \"news\\u001b[2J\"\nlabel = \"News\\u001b]0;owned\\u0007\\r\\n!\"\n",
    );
    let rows = env.status();
    assert_eq!(rows[0]["id"], "manual:news");
    let out = env.run(&["status"]);
    assert!(!stdout(&out).contains('\u{1b}'), "{}", stdout(&out));
}

/// A config of `n` accounts; account `i` is at line `3 * i + 2`.
fn big_config(n: usize) -> String {
    let mut text = String::from("poll_interval = \"1h\"\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[accounts]]\nplatform = \"manual\"\nhandle = \"acct{i}\"\n"
        ));
    }
    text
}

#[test]
fn twenty_thousand_accounts_parse_and_errors_keep_their_lines() {
    let n = 20_000;
    let text = big_config(n);
    let c = Config::parse(&text, Path::new("big.toml")).unwrap();
    assert_eq!(c.accounts.len(), n);
    assert_eq!(c.accounts[n - 1].id, format!("manual:acct{}", n - 1));
    assert!(c.accounts.iter().all(|a| a.interval.as_secs() == 3_600));
    // a duplicate at the very end is located exactly, with its first line
    let dup = format!("{text}[[accounts]]\nplatform = \"manual\"\nhandle = \"acct7\"\n");
    let err = Config::parse(&dup, Path::new("big.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("big.toml:{}:1:", 3 * n + 2)),
        "{err}"
    );
    assert!(
        err.contains(&format!("first defined at line {}", 3 * 7 + 2)),
        "{err}"
    );
    // and so is a bad value in the last account
    let bad =
        format!("{text}[[accounts]]\nplatform = \"manual\"\nhandle = \"z\"\ninterval = \"0s\"\n");
    let err = Config::parse(&bad, Path::new("big.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("big.toml:{}:12:", 3 * n + 5)),
        "{err}"
    );
}
