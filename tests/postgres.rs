//! The history on PostgreSQL (`database_url`), run as a team would: two
//! machines (two configs and data dirs) on one database. Needs the test
//! database `SOCIALTOP_TEST_DATABASE_URL` names (`.ci/run` starts one); without
//! it these tests say so and pass, but under `CI=true` they fail.

use crate::common::*;
use socialtop::store::testing::pg_place;
use wiremock::matchers::{path, query_param};
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

async fn serve(server: &MockServer, mastodon: i64, github: i64) {
    server.reset().await;
    Mock::given(path("/api/v1/accounts/lookup"))
        .and(query_param("acct", "alice@example.social"))
        .respond_with(ResponseTemplate::new(200).set_body_json(mastodon_account(mastodon)))
        .mount(server)
        .await;
    Mock::given(path("/users/alice"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(github)))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_machines_share_one_history_and_each_person_logs_their_own_time() {
    let Some(place) = pg_place() else {
        eprintln!("no test database: PostgreSQL not tested");
        return;
    };
    let url = place.url().unwrap().to_string();
    let server = MockServer::start().await;
    serve(&server, 1_000, 300).await;
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
    serve(&server, 1_010, 305).await;
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
