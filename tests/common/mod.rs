//! Helpers for the integration tests: documented API answers, configs, and
//! running the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A Mastodon Account entity, as `GET /api/v1/accounts/lookup` answers.
pub fn mastodon_account(followers: i64) -> Value {
    json!({
        "id": "13179",
        "username": "Mastodon",
        "acct": "Mastodon",
        "display_name": "Mastodon",
        "locked": false,
        "bot": false,
        "discoverable": true,
        "group": false,
        "created_at": "2016-11-23T00:00:00.000Z",
        "note": "<p>Free, open-source decentralized social media platform.</p>",
        "url": "https://mastodon.social/@Mastodon",
        "avatar": "https://files.mastodon.social/accounts/avatars/000/013/179/original/b4ceb19c9c54ec7e.png",
        "followers_count": followers,
        "following_count": 12,
        "statuses_count": 345,
        "last_status_at": "2026-11-20",
        "emojis": [],
        "fields": []
    })
}

/// A Bluesky profileViewDetailed, as `app.bsky.actor.getProfile` answers.
pub fn bluesky_profile(followers: i64) -> Value {
    json!({
        "did": "did:plc:z72i7hdynmk6r22z27h6tvur",
        "handle": "bsky.app",
        "displayName": "Bluesky",
        "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreihagr2cmvl2jt4mgx3sppwe2it3fwolkrbtjrhcnwjk4jdijhsoze@jpeg",
        "associated": {"lists": 0, "feedgens": 9, "starterPacks": 3, "labeler": false},
        "labels": [],
        "createdAt": "2023-04-12T04:53:57.057Z",
        "description": "official Bluesky account",
        "indexedAt": "2024-01-25T23:46:33.106Z",
        "followersCount": followers,
        "followsCount": 7,
        "postsCount": 600
    })
}

/// A GitHub user, as `GET /users/{login}` answers.
pub fn github_user(followers: i64) -> Value {
    json!({
        "login": "octocat",
        "id": 583231,
        "type": "User",
        "site_admin": false,
        "name": "The Octocat",
        "public_repos": 8,
        "public_gists": 8,
        "followers": followers,
        "following": 9,
        "created_at": "2011-01-25T18:44:36Z",
        "updated_at": "2026-09-22T14:07:16Z"
    })
}

/// A GitHub repository, as `GET /repos/{owner}/{repo}` answers.
pub fn github_repo(stars: i64) -> Value {
    json!({
        "id": 1296269,
        "name": "Hello-World",
        "full_name": "octocat/Hello-World",
        "private": false,
        "stargazers_count": stars,
        "watchers_count": stars,
        "forks_count": 9,
        "open_issues_count": 0,
        "subscribers_count": 42
    })
}

pub fn github_not_found() -> Value {
    json!({
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/rest/users/users#get-a-user",
        "status": "404"
    })
}

pub fn github_rate_limited() -> Value {
    json!({
        "message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
        "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
    })
}

/// A scratch dir with a config and a data dir.
pub struct Env {
    pub dir: tempfile::TempDir,
    /// With `SOCIALTOP_TEST_ENGINE=postgres`, the PostgreSQL schema every
    /// config of this Env puts its history in.
    pub place: Option<socialtop::store::testing::Place>,
}

impl Env {
    pub fn new(config: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let place = if std::env::var("SOCIALTOP_TEST_ENGINE").as_deref() == Ok("postgres") {
            socialtop::store::testing::pg_place()
        } else {
            None
        };
        let env = Env { dir, place };
        env.write_config(config);
        env
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn write_config(&self, config: &str) {
        let text = match self.place.as_ref().and_then(|p| p.url()) {
            Some(url) if !config.contains("database_url") => {
                format!("database_url = \"{url}\"\n{config}")
            }
            _ => config.to_string(),
        };
        std::fs::write(self.config(), text).unwrap();
    }

    /// Runs the real binary with this config and data dir.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.dir.path(), &self.config(), &self.data(), args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        run_in(self.dir.path(), &self.config(), &self.data(), args, env)
    }

    /// Runs the real binary with `input` on its standard input.
    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        self.run_stdin_env(args, input, &[])
    }

    /// [`Env::run_stdin`] with these variables set.
    pub fn run_stdin_env(&self, args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Output {
        use std::io::Write;
        use std::process::Stdio;
        let mut cmd = command(self.dir.path(), &self.config(), &self.data(), args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    /// The dashboard on this config and data dir, in UTC without colours:
    /// the program a [`Tmux`] pane runs.
    pub fn dashboard(&self) -> Vec<String> {
        vec![
            "env".into(),
            "TZ=UTC".into(),
            "NO_COLOR=1".into(),
            env!("CARGO_BIN_EXE_socialtop").into(),
            "--config".into(),
            self.config().display().to_string(),
            "--data-dir".into(),
            self.data().display().to_string(),
        ]
    }

    /// `status --format json`, parsed.
    pub fn status(&self) -> Vec<Value> {
        let out = self.run(&["status", "--format", "json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// The command for the real binary on this config and data dir.
pub fn command(cwd: &Path, config: &Path, data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_socialtop"));
    cmd.current_dir(cwd)
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GITHUB_TOKEN")
        .env_remove("SOCIALTOP_CONFIG")
        .env_remove("SOCIALTOP_DATA_DIR")
        .env_remove("SOCIALTOP_DATABASE_URL")
        .env("TZ", "UTC");
    cmd
}

pub fn run_in(
    cwd: &Path,
    config: &Path,
    data: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = command(cwd, config, data, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Asserts that stderr says `needle`.
#[track_caller]
pub fn assert_stderr(out: &Output, needle: &str) {
    let err = stderr(out);
    assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The status row of one account.
pub fn row<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {rows:?}"))
}

/// A cross-check that needs a real outside program skips without it on a
/// developer's machine, but with `CI=true` a missing program fails the run.
pub fn require_in_ci(present: bool, what: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        present || !ci,
        "CI=true and {what} is missing: install it (.ci/run does)"
    );
}

// ---- platform tests against loopback servers ----

/// One account of `platform` with `base_url` pointing at a loopback server.
pub fn account_at(
    platform: &str,
    handle: &str,
    base: &str,
    extra: &str,
) -> socialtop::model::Account {
    let toml = format!(
        "[[accounts]]\nplatform = \"{platform}\"\nhandle = \"{handle}\"\nbase_url = \"{base}\"\n{extra}"
    );
    socialtop::config::Config::parse(&toml, Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .accounts
        .remove(0)
}

/// Fetches one account with these secrets, at `now`.
pub async fn fetch_at(
    a: &socialtop::model::Account,
    secrets: &socialtop::model::MapSecrets,
    known: Option<&str>,
    now: jiff::Timestamp,
) -> Result<socialtop::platforms::Fetched, socialtop::platforms::FetchError> {
    let http = socialtop::http::Http::new(std::time::Duration::from_secs(5)).unwrap();
    socialtop::platforms::platform(a.platform)
        .fetch(&http, a, known, secrets, now)
        .await
}

/// A server answering every request with this status, headers and JSON body.
pub async fn answer(status: u16, headers: &[(&str, &str)], body: Value) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    let mut t = wiremock::ResponseTemplate::new(status).set_body_json(body);
    for (k, v) in headers {
        t = t.insert_header(*k, *v);
    }
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(t)
        .mount(&server)
        .await;
    server
}

/// A tmux server of our own (its own socket, no user config), killed on drop.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Whether tmux is installed (with CI=true, a missing one fails).
    pub fn available() -> bool {
        let have = Command::new("tmux").arg("-V").output().is_ok();
        require_in_ci(have, "tmux (Debian package tmux)");
        have
    }

    pub fn start(program: &[String], w: u16, h: u16) -> Tmux {
        let t = Tmux {
            socket: format!(
                "socialtop-test-{}-{}",
                std::process::id(),
                fastrand::u32(..)
            ),
        };
        let out = t
            .cmd()
            .args(["new-session", "-d", "-s", "dash", "-x"])
            .arg(w.to_string())
            .arg("-y")
            .arg(h.to_string())
            .args(program)
            .output()
            .unwrap();
        assert!(out.status.success(), "tmux: {}", stderr(&out));
        t
    }

    pub fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "dash"])
            .output()
            .unwrap();
        stdout(&out)
    }

    pub fn send(&self, key: &str) {
        let out = self
            .cmd()
            .args(["send-keys", "-t", "dash", key])
            .output()
            .unwrap();
        assert!(out.status.success(), "send-keys {key}: {}", stderr(&out));
    }

    pub fn alive(&self) -> bool {
        self.cmd()
            .args(["has-session", "-t", "dash"])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Polls the screen until `ok` holds; the time it took, or `None` after `limit`.
    pub fn wait_for(&self, limit: Duration, ok: impl Fn(&str) -> bool) -> Option<Duration> {
        let start = Instant::now();
        loop {
            if ok(&self.screen()) {
                return Some(start.elapsed());
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}
