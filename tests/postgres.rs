//! The history on PostgreSQL (`database_url`), run as a team would: two
//! machines (two configs and data dirs) on one database. Needs the test
//! database `SOCIALTOP_TEST_DATABASE_URL` names (`.ci/run` starts one); without
//! it these tests say so and pass, but under `CI=true` they fail.

use crate::cli_poll::serve_counts;
use crate::common::*;
use socialtop::store::testing::pg_place;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn team_config(base: &str, url: &str, user: &str) -> String {
    format!(
        r#"database_url = "{url}"
user = "{user}"

[[accounts]]
platform = "mastodon"
handle = "alice@example.social"
base_url = "{base}"

[[accounts]]
platform = "github"
handle = "alice"
base_url = "{base}"
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn two_machines_share_one_history_and_each_person_logs_their_own_time() {
    let Some(place) = pg_place() else {
        eprintln!("no test database: PostgreSQL not tested");
        return;
    };
    let url = place.url().unwrap().to_string();
    let server = MockServer::start().await;
    serve_counts(&server, 1_000, 0, 300, 0).await;
    let laptop = Env::new(&team_config(&server.uri(), &url, "alice"));
    let desktop = Env::new(&team_config(&server.uri(), &url, "bob"));

    let out = laptop.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // the history is in PostgreSQL: no SQLite file in the data dir
    assert!(!laptop.data().join("socialtop.db").exists());

    // the other machine reads what this one polled
    let rows = desktop.status();
    assert_eq!(
        row(&rows, "mastodon:alice@example.social")["followers"],
        1_000
    );
    assert_eq!(row(&rows, "github:alice")["followers"], 300);

    // it polls too: both samples are there for both
    serve_counts(&server, 1_010, 0, 305, 0).await;
    let out = desktop.run(&["poll", "--once"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = laptop.status();
    let m = row(&rows, "mastodon:alice@example.social");
    assert_eq!(m["followers"], 1_010);

    // each person's time is theirs; the team's is everyone's
    ok(laptop.run(&["log", "github:alice", "30m", "--at", "1h"]));
    ok(desktop.run(&["log", "github:alice", "45m", "--at", "2h"]));
    let team: serde_json::Value =
        serde_json::from_str(&ok(laptop.run(&["effort", "--format", "json"]))).unwrap();
    let alice: serde_json::Value = serde_json::from_str(&ok(
        laptop.run(&["effort", "--format", "json", "--user", "alice"])
    ))
    .unwrap();
    assert_eq!(alice["user"], "alice");
    let minutes = |v: &serde_json::Value| -> f64 {
        v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == "github:alice")
            .map(|a| a["minutes_per_week"].as_f64().unwrap_or(0.0))
            .unwrap_or(0.0)
    };
    assert!(
        minutes(&team) > minutes(&alice),
        "team {team}\nalice {alice}"
    );

    // the whole history exports the same from either machine
    let a = ok(laptop.run(&["export", "--history", "--format", "csv", "--out", "-"]));
    let b = ok(desktop.run(&["export", "--history", "--format", "csv", "--out", "-"]));
    assert_eq!(a, b);
    assert!(a.contains("1010"), "{a}");
}

#[test]
fn the_password_is_never_shown_and_a_bad_url_names_its_line() {
    let env = Env::new(
        "database_url = \"mysql://team:hunter2@db/social\"\n[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n",
    );
    let out = env.run(&["status"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_stderr(&out, "config.toml:1:");
    assert_stderr(&out, "database_url is not a postgres:// URL");
    assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));

    // a server that is not there: the URL shows, its password does not
    env.write_config("[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\n");
    let url = "postgres://team:hunter2@127.0.0.1:9/social?connect_timeout=2";
    for args in [&["status"][..], &["poll", "--once"][..]] {
        let out = env.run_env(args, &[("SOCIALTOP_DATABASE_URL", url)]);
        assert_ne!(out.status.code(), Some(0));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            text.contains("postgres://team@127.0.0.1:9/social"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }
    let out = env.run_env(&["status"], &[("SOCIALTOP_DATABASE_URL", "not a url")]);
    assert_stderr(&out, "SOCIALTOP_DATABASE_URL is not a postgres:// URL");
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// Each account's polls, from both pollers' output: `(second, poller)`.
fn polls_by_account(
    lines: &[(usize, String)],
) -> std::collections::HashMap<String, Vec<(i64, usize)>> {
    let mut out: std::collections::HashMap<String, Vec<(i64, usize)>> = Default::default();
    for (who, line) in lines {
        let mut parts = line.split_whitespace();
        let (Some(at), Some(account)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(at) = at.parse::<jiff::Timestamp>() else {
            continue;
        };
        if line.contains(" followers") {
            out.entry(account.to_string())
                .or_default()
                .push((at.as_second(), *who));
        }
    }
    out
}

/// Everything a child wrote so far, tagged with who.
fn drain(rx: &std::sync::mpsc::Receiver<String>, who: usize, into: &mut Vec<(usize, String)>) {
    while let Ok(line) = rx.try_recv() {
        into.push((who, line));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_pollers_split_the_accounts_poll_each_once_per_interval_and_take_over() {
    use std::time::{Duration, Instant};
    let Some(place) = pg_place() else {
        eprintln!("no test database: PostgreSQL not tested");
        return;
    };
    const N: usize = 200;
    const INTERVAL: i64 = 6;
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path_regex(r"^/users/u\d+$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(42)))
        .mount(&server)
        .await;
    let mut config = format!(
        "database_url = \"{}\"\nrequest_timeout = \"3s\"\npoll_interval = \"{INTERVAL}s\"\n",
        place.url().unwrap()
    );
    for i in 0..N {
        config.push_str(&format!(
            "\n[[accounts]]\nplatform = \"github\"\nhandle = \"u{i}\"\nbase_url = \"{}\"\n",
            server.uri()
        ));
    }
    let (one, two) = (Env::new(&config), Env::new(&config));
    let (mut a, a_out, _a_err) = crate::lease::spawn_poll(&one);
    let (mut b, b_out, _b_err) = crate::lease::spawn_poll(&two);
    let mut lines = Vec::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3 * INTERVAL as u64) {
        std::thread::sleep(Duration::from_millis(200));
        drain(&a_out, 0, &mut lines);
        drain(&b_out, 1, &mut lines);
    }
    let both = polls_by_account(&lines);
    assert_eq!(both.len(), N, "every account polled");
    let mut by = [0usize; 2];
    for (account, polls) in &both {
        for (_, who) in polls {
            by[*who] += 1;
        }
        // once per interval in total: never again within half an interval
        // (the output has whole seconds), never more than the time allows
        for w in polls.windows(2) {
            assert!(
                w[1].0 - w[0].0 >= INTERVAL / 2 - 1,
                "{account} polled twice in a row: {polls:?}"
            );
        }
        assert!(polls.len() <= 4, "{account}: {polls:?}");
    }
    // the work is split between the two
    let total = by[0] + by[1];
    assert!(
        by[0] * 5 >= total && by[1] * 5 >= total,
        "one poller did nearly everything: {by:?}"
    );

    // one dies without a word: the other polls every account within 20 s
    a.kill().unwrap();
    a.wait().unwrap();
    let killed = Instant::now();
    drain(&b_out, 1, &mut lines);
    let mut after = Vec::new();
    while killed.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(200));
        drain(&b_out, 1, &mut after);
        if polls_by_account(&after).len() == N {
            break;
        }
    }
    let seen = polls_by_account(&after).len();
    b.kill().unwrap();
    b.wait().unwrap();
    assert_eq!(
        seen, N,
        "the survivor polled {seen} of {N} accounts in the 20 s after the other died"
    );
    eprintln!(
        "split {by:?}; survivor took over all {N} in {:.1} s",
        killed.elapsed().as_secs_f64()
    );
}

#[test]
fn migrate_moves_a_history_both_ways_all_or_nothing() {
    let Some(place) = pg_place() else {
        eprintln!("no test database: PostgreSQL not tested");
        return;
    };
    let url = place.url().unwrap().to_string();
    let env = Env::new(
        "user = \"alice\"\n[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"a\"\n\n[[accounts]]\nplatform = \"manual\"\nhandle = \"b\"\nid = \"b\"\n",
    );
    for (id, n, at) in [
        ("a", "100", "2026-11-01"),
        ("a", "120", "2026-11-08"),
        ("b", "7", "2026-11-02"),
    ] {
        ok(env.run(&["record", id, n, "--at", at]));
    }
    ok(env.run(&[
        "log",
        "a",
        "30m",
        "--at",
        "2026-11-03",
        "--note",
        "tab\tand \\ backslash",
    ]));
    ok(env.run(&["log", "b", "1h", "--at", "2026-11-04"]));
    let export = ["export", "--history", "--format", "csv", "--out", "-"];
    let before = ok(env.run(&export));

    // into PostgreSQL: progress on stderr, the password nowhere
    let out = env.run(&["migrate", "--to", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr(&out, "7 of 7 rows (100%)");
    assert!(
        stdout(&out).contains("copied 2 accounts, 3 samples, 2 time entries"),
        "{}",
        stdout(&out)
    );
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        !text.contains("secret") && !text.contains("socialtop-test"),
        "{text}"
    );
    let pg = [("SOCIALTOP_DATABASE_URL", url.as_str())];
    assert_eq!(ok(env.run_env(&export, &pg)), before);
    // the time came along, whose it was too
    let team = ok(env.run_env(&["effort", "--format", "json", "--user", "alice"], &pg));
    assert!(team.contains("\"user\": \"alice\""), "{team}");

    // import history works on it too (it spools outside the data dir)
    let out = env.run_stdin_env(&["import", "history", "-"], before.as_bytes(), &pg);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 0 new samples (3 already there)"),
        "{}",
        stdout(&out)
    );

    // again into the same database: refused, nothing doubled
    let out = env.run(&["migrate", "--to", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "already holds a history (2 accounts)");
    assert_eq!(ok(env.run_env(&export, &pg)), before);

    // back into a new data dir: the same history
    let back = env.dir.path().join("back");
    let out = env.run_env(&["migrate", "--to", back.to_str().unwrap()], &pg);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = run_in(env.dir.path(), &env.config(), &back, &export, &[]);
    assert_eq!(stdout(&again), before);

    // a copy that fails half way leaves its target empty
    let Some(other) = pg_place() else { return };
    other.sql("SELECT 1");
    let out = env.run_env(
        &["status"],
        &[("SOCIALTOP_DATABASE_URL", other.url().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    other.sql("DELETE FROM accounts; ALTER TABLE time_entries ADD CONSTRAINT short CHECK (seconds < 3600)");
    let out = env.run(&["migrate", "--to", other.url().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_stderr(&out, "short");
    let status = env.run_env(
        &["export", "--history", "--format", "csv", "--out", "-"],
        &[("SOCIALTOP_DATABASE_URL", other.url().unwrap())],
    );
    assert_eq!(
        stdout(&status).lines().count(),
        1,
        "only the header: {}",
        stdout(&status)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dashboard_shows_another_machines_sample_within_two_seconds() {
    let Some(place) = pg_place() else {
        eprintln!("no test database: PostgreSQL not tested");
        return;
    };
    if !Tmux::available() {
        require_in_ci(false, "tmux");
        return;
    }
    let config = format!(
        "database_url = \"{}\"\n[[accounts]]\nplatform = \"manual\"\nhandle = \"a\"\nid = \"a\"\n",
        place.url().unwrap()
    );
    let (laptop, desktop) = (Env::new(&config), Env::new(&config));
    ok(desktop.run(&["record", "a", "4321", "--at", "1h"]));
    let program = laptop.dashboard();
    let tmux = Tmux::start(&program, 120, 32);
    assert!(
        tmux.wait_for(std::time::Duration::from_secs(15), |s| s.contains("4,321"))
            .is_some(),
        "the dashboard shows the history:\n{}",
        tmux.screen()
    );
    // another machine records; the dashboard hears of it (LISTEN), well
    // before it would read the counter again (every 10 s while listening)
    std::thread::sleep(std::time::Duration::from_secs(1));
    ok(desktop.run(&["record", "a", "98765"]));
    let recorded = std::time::Instant::now();
    let shown = tmux.wait_for(std::time::Duration::from_secs(12), |s| s.contains("98,765"));
    let took = recorded.elapsed();
    assert!(shown.is_some(), "never shown:\n{}", tmux.screen());
    assert!(
        took < std::time::Duration::from_secs(2),
        "shown after {} ms",
        took.as_millis()
    );
    eprintln!(
        "shown {} ms after the other machine recorded it",
        took.as_millis()
    );
}

/// A GitHub user whose count goes up by one at each request, until frozen
/// (then every request fails): every count handed out is known.
struct Counting {
    next: std::sync::Arc<std::sync::atomic::AtomicI64>,
    frozen: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl wiremock::Respond for Counting {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        use std::sync::atomic::Ordering;
        if self.frozen.load(Ordering::SeqCst) {
            return ResponseTemplate::new(503);
        }
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        // slow: the database can go away while a count is on its way
        ResponseTemplate::new(200)
            .set_body_json(github_user(n))
            .set_delay(std::time::Duration::from_millis(700))
    }
}

/// A TCP proxy to the database that can be cut: while cut, every connection
/// through it is dropped and new ones are refused, as when the server stops.
struct Proxy {
    port: u16,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    async fn start(upstream: std::net::SocketAddr) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = cut.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if flag.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let flag = flag.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
                    let watch = async {
                        while !flag.load(Ordering::SeqCst) {
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        }
                    };
                    tokio::select! { _ = copy => {}, _ = watch => {} }
                });
            }
        });
        Proxy { port, cut }
    }

    fn set_cut(&self, on: bool) {
        self.cut.store(on, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_goes_away_loses_no_sample() {
    use std::sync::atomic::Ordering;
    use std::time::Duration;
    let Some(place) = pg_place() else {
        eprintln!("no test database: PostgreSQL not tested");
        return;
    };
    let direct = place.url().unwrap().to_string();
    // the database's address, and the same URL through the proxy
    let parsed = reqwest::Url::parse(&direct).unwrap();
    let host = parsed.host_str().unwrap().to_string();
    let port = parsed.port().unwrap_or(5432);
    let upstream = tokio::net::lookup_host((host.as_str(), port))
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxy = Proxy::start(upstream).await;
    let mut through = parsed.clone();
    through.set_host(Some("127.0.0.1")).unwrap();
    through.set_port(Some(proxy.port)).unwrap();

    let server = MockServer::start().await;
    let next = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(1_000));
    let frozen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    Mock::given(path("/users/alice"))
        .respond_with(Counting {
            next: next.clone(),
            frozen: frozen.clone(),
        })
        .mount(&server)
        .await;
    let env = Env::new(&format!(
        "database_url = \"{through}\"\nrequest_timeout = \"2s\"\n[[accounts]]\nplatform = \"github\"\nhandle = \"alice\"\nbase_url = \"{}\"\ninterval = \"1s\"\n",
        server.uri()
    ));
    let (mut poller, out_lines, err) = crate::lease::spawn_poll(&env);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = next.load(Ordering::SeqCst);
    assert!(before > 1_001, "it polls: {before}");
    // the server goes away (while a count is on its way) for a while, then
    // comes back
    let asked = next.load(Ordering::SeqCst);
    while next.load(Ordering::SeqCst) == asked {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    proxy.set_cut(true);
    let cut_at = next.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(8)).await;
    proxy.set_cut(false);
    tokio::time::sleep(Duration::from_secs(8)).await;
    frozen.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let served: Vec<i64> = (1_000..next.load(Ordering::SeqCst)).collect();
    let out = env.run_env(
        &["export", "--history", "--format", "csv", "--out", "-"],
        &[("SOCIALTOP_DATABASE_URL", &direct)],
    );
    poller.kill().unwrap();
    poller.wait().unwrap();
    let said: Vec<String> = err.try_iter().collect();
    let stored: std::collections::BTreeSet<i64> = stdout(&out)
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(4)?.parse().ok())
        .collect();
    let polled: Vec<String> = out_lines.try_iter().collect();
    let lost: Vec<i64> = served
        .iter()
        .copied()
        .filter(|n| !stored.contains(n))
        .collect();
    assert!(
        lost.is_empty(),
        "counts fetched but never recorded: {lost:?}\nstored {stored:?}\npoller said {said:?} {polled:#?}"
    );
    assert!(
        served.len() > 5,
        "too few polls to tell: {served:?} {polled:#?}"
    );
    // a count was on its way when the database went away: kept, then written
    assert!(
        stored.contains(&(cut_at - 1)),
        "the count fetched as it went away: {} {polled:#?}",
        cut_at - 1
    );
    // the outage was seen and said
    assert!(
        said.iter().any(|l| l.contains("cannot")),
        "the poller said nothing of the outage: {said:?}"
    );
}
