//! Each platform against a loopback server serving its documented answers.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use serde_json::json;
use socialtop::config::Config;
use socialtop::http::{Http, USER_AGENT};
use socialtop::model::Account;
use socialtop::model::Counts;
use socialtop::model::MapSecrets;
use socialtop::platforms::{FetchError, platform};
use socialtop::poller::{Outcome, Poller};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn account(toml: &str) -> Account {
    Config::parse(toml, std::path::Path::new("t.toml"))
        .unwrap()
        .accounts
        .remove(0)
}

fn acct(platform: &str, handle: &str, base: &str) -> Account {
    account(&format!(
        "[[accounts]]\nplatform = \"{platform}\"\nhandle = \"{handle}\"\nbase_url = \"{base}\"\n"
    ))
}

fn http() -> Http {
    Http::new(Duration::from_secs(5)).unwrap()
}

async fn fetch(a: &Account) -> Result<socialtop::platforms::Fetched, FetchError> {
    fetch_with(a, &MapSecrets::default()).await
}

async fn fetch_with(
    a: &Account,
    secrets: &MapSecrets,
) -> Result<socialtop::platforms::Fetched, FetchError> {
    platform(a.platform)
        .fetch(&http(), a, None, secrets, jiff::Timestamp::now())
        .await
}

fn in_future(secs: i64) -> i64 {
    jiff::Timestamp::now().as_second() + secs
}

// ---------- Mastodon ----------

#[tokio::test]
async fn mastodon_lookup_reads_counts_and_sends_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/lookup"))
        .and(query_param("acct", "Mastodon@mastodon.social"))
        .and(header("user-agent", USER_AGENT))
        .respond_with(ResponseTemplate::new(200).set_body_json(mastodon_account(843_000)))
        .expect(1)
        .mount(&server)
        .await;
    let a = acct("mastodon", "Mastodon@mastodon.social", &server.uri());
    let f = fetch(&a).await.unwrap();
    assert_eq!(
        f.counts,
        Counts {
            followers: 843_000,
            following: Some(12),
            posts: Some(345)
        }
    );
    assert_eq!(f.hold_until, None);
}

#[tokio::test]
async fn mastodon_unknown_account_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/accounts/lookup"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": "Record not found"})),
        )
        .mount(&server)
        .await;
    let err = fetch(&acct("mastodon", "ghost@example.social", &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not found: no Mastodon account ghost@example.social"
    );
}

#[tokio::test]
async fn mastodon_429_holds_until_the_reset_header() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/accounts/lookup"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-RateLimit-Limit", "300")
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Reset", "2031-01-02T03:05:00.000000Z")
                .set_body_json(json!({"error": "Too many requests"})),
        )
        .mount(&server)
        .await;
    let err = fetch(&acct("mastodon", "a@b.c", &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(
        err.hold_until().unwrap().to_string(),
        "2031-01-02T03:05:00Z"
    );
    assert!(err.to_string().contains("Too many requests"), "{err}");
}

#[tokio::test]
async fn mastodon_success_with_no_calls_left_holds_until_reset() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/accounts/lookup"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header("X-RateLimit-Reset", "2031-01-02T03:05:00Z")
                .set_body_json(mastodon_account(5)),
        )
        .mount(&server)
        .await;
    let f = fetch(&acct("mastodon", "a@b.c", &server.uri()))
        .await
        .unwrap();
    assert_eq!(f.counts.followers, 5);
    assert_eq!(f.hold_until.unwrap().to_string(), "2031-01-02T03:05:00Z");
}

#[tokio::test]
async fn mastodon_instance_that_requires_auth_says_so() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/accounts/lookup"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "This API requires an authenticated user"})),
        )
        .mount(&server)
        .await;
    let err = fetch(&acct("mastodon", "a@b.c", &server.uri()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("token_env"), "{err}");
    assert!(
        err.to_string().contains("requires an authenticated user"),
        "{err}"
    );
}

// ---------- Bluesky ----------

#[tokio::test]
async fn bluesky_profile_reads_counts() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.actor.getProfile"))
        .and(query_param("actor", "bsky.app"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ratelimit-limit", "3000")
                .insert_header("ratelimit-remaining", "2999")
                .insert_header("ratelimit-reset", "1893456000")
                .insert_header("ratelimit-policy", "3000;w=300")
                .set_body_json(bluesky_profile(35_471_536)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let f = fetch(&acct("bluesky", "bsky.app", &server.uri()))
        .await
        .unwrap();
    assert_eq!(
        f.counts,
        Counts {
            followers: 35_471_536,
            following: Some(7),
            posts: Some(600)
        }
    );
    assert_eq!(f.hold_until, None);
}

#[tokio::test]
async fn bluesky_unknown_profile_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/app.bsky.actor.getProfile"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "InvalidRequest", "message": "Profile not found"})),
        )
        .mount(&server)
        .await;
    let err = fetch(&acct("bluesky", "nobody.bsky.social", &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not found: no Bluesky profile nobody.bsky.social"
    );
}

#[tokio::test]
async fn bluesky_bad_actor_says_what_bluesky_said() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/app.bsky.actor.getProfile"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "InvalidRequest", "message": "Error: actor must be a valid did or a handle"}),
        ))
        .mount(&server)
        .await;
    let err = fetch(&acct("bluesky", "x.y", &server.uri()))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("actor must be a valid did"),
        "{err}"
    );
}

#[tokio::test]
async fn bluesky_429_holds_until_ratelimit_reset() {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/app.bsky.actor.getProfile"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("ratelimit-limit", "3000")
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", "1924992000")
                .insert_header("ratelimit-policy", "3000;w=300")
                .set_body_json(
                    json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}),
                ),
        )
        .mount(&server)
        .await;
    let err = fetch(&acct("bluesky", "bsky.app", &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(err.hold_until().unwrap().as_second(), 1_924_992_000);
    assert!(
        err.to_string().starts_with("rate limited until 2031-01-01"),
        "{err}"
    );
}

// ---------- GitHub ----------

#[tokio::test]
async fn github_user_followers_and_repo_stars() {
    let server = MockServer::start().await;
    Mock::given(path("/users/octocat"))
        .and(header("accept", "application/vnd.github+json"))
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-limit", "60")
                .insert_header("x-ratelimit-remaining", "59")
                .insert_header("x-ratelimit-reset", "1893456000")
                .set_body_json(github_user(21_000)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/repos/octocat/Hello-World"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_repo(2_700)))
        .expect(1)
        .mount(&server)
        .await;
    let user = acct("github", "octocat", &server.uri());
    let repo = acct("github", "octocat/Hello-World", &server.uri());
    assert_eq!(repo.metric(), "stars");
    let f = fetch(&user).await.unwrap();
    assert_eq!((f.counts.followers, f.counts.following), (21_000, Some(9)));
    let f = fetch(&repo).await.unwrap();
    assert_eq!((f.counts.followers, f.counts.following), (2_700, None));
}

#[tokio::test]
async fn github_not_found_user_and_repo() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(github_not_found()))
        .mount(&server)
        .await;
    let err = fetch(&acct("github", "ghost-user-zz", &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "not found: no GitHub user ghost-user-zz");
    let err = fetch(&acct("github", "a/b", &server.uri()))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no GitHub repository a/b"),
        "{err}"
    );
}

#[tokio::test]
async fn github_primary_rate_limit_403_holds_until_reset() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-ratelimit-limit", "60")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-used", "60")
                .insert_header("x-ratelimit-reset", "1924992000")
                .insert_header("x-ratelimit-resource", "core")
                .set_body_json(github_rate_limited()),
        )
        .mount(&server)
        .await;
    let err = fetch(&acct("github", "octocat", &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(err.hold_until().unwrap().as_second(), 1_924_992_000);
    assert!(err.to_string().contains("GITHUB_TOKEN"), "{err}");
}

#[tokio::test]
async fn github_secondary_rate_limit_honours_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(json!({
                    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
                })),
        )
        .mount(&server)
        .await;
    let before = jiff::Timestamp::now().as_second();
    let err = fetch(&acct("github", "octocat", &server.uri()))
        .await
        .unwrap_err();
    let until = err.hold_until().unwrap().as_second();
    assert!((before + 119..=before + 122).contains(&until), "{until}");
    assert!(err.to_string().contains("secondary rate limit"), "{err}");
}

#[tokio::test]
async fn github_token_from_token_env_is_sent_and_missing_variable_is_named() {
    let server = MockServer::start().await;
    Mock::given(path("/users/octocat"))
        .and(header("authorization", "Bearer s3cr3t-from-env"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(1)))
        .expect(1)
        .mount(&server)
        .await;
    let mut a = acct("github", "octocat", &server.uri());
    let secrets = MapSecrets::new([("SOCIALTOP_TEST_GH_TOKEN", "s3cr3t-from-env")]);
    a.token_env = Some("SOCIALTOP_TEST_GH_TOKEN".into());
    assert_eq!(fetch_with(&a, &secrets).await.unwrap().counts.followers, 1);
    a.token_env = Some("SOCIALTOP_TEST_UNSET_VAR".into());
    let err = fetch_with(&a, &secrets).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable SOCIALTOP_TEST_UNSET_VAR is not set"
    );
}

// ---------- faults common to every platform ----------

#[tokio::test]
async fn wrongly_typed_and_malformed_json_are_clear_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/users/typed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"followers": "many"})))
        .mount(&server)
        .await;
    Mock::given(path("/users/broken"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"followers\": 1"))
        .mount(&server)
        .await;
    let err = fetch(&acct("github", "typed", &server.uri()))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unexpected answer: wrong JSON shape"),
        "{err}"
    );
    let err = fetch(&acct("github", "broken", &server.uri()))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unexpected answer: malformed JSON"),
        "{err}"
    );
}

#[tokio::test]
async fn huge_bodies_are_refused_without_reading_them() {
    let server = MockServer::start().await;
    let big = vec![b' '; 3 * 1024 * 1024];
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let err = fetch(&acct("github", "octocat", &server.uri()))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge(_)), "{err}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(github_user(1))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;
    let a = acct("github", "octocat", &server.uri());
    let started = std::time::Instant::now();
    let err = platform(a.platform)
        .fetch(
            &Http::new(Duration::from_millis(700)).unwrap(),
            &a,
            None,
            &MapSecrets::default(),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(matches!(err, FetchError::Timeout(_)), "{err}");
}

#[tokio::test]
async fn server_errors_show_status_and_short_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(502).set_body_string("<html><body>Bad Gateway</body></html>"),
        )
        .mount(&server)
        .await;
    let err = fetch(&acct("bluesky", "bsky.app", &server.uri()))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "server error 502 Bad Gateway");
}

// ---------- the poller honours holds ----------

#[tokio::test]
async fn after_a_429_the_poller_does_not_call_the_host_again_before_reset() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "600")
                .set_body_json(github_rate_limited()),
        )
        .expect(1) // the second poll must not reach the server
        .mount(&server)
        .await;
    let toml = format!(
        "[[accounts]]\nplatform = \"github\"\nhandle = \"octocat\"\nbase_url = \"{0}\"\n[[accounts]]\nplatform = \"github\"\nhandle = \"other\"\nbase_url = \"{0}\"\n",
        server.uri()
    );
    let config = Config::parse(&toml, std::path::Path::new("t.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = socialtop::store::Handle::open_dir(dir.path()).unwrap();
    store.sync_accounts(config.accounts.clone()).await.unwrap();
    let poller = Arc::new(Poller::new(&config, store.clone()).unwrap());
    let first = poller.poll_one(&config.accounts[0]).await;
    let Outcome::Failed(e) = &first.outcome else {
        panic!("{first:?}")
    };
    assert!(e.starts_with("rate limited until"), "{e}");
    // the other account on the same host is held too, without a request
    let second = poller.poll_one(&config.accounts[1]).await;
    let Outcome::Failed(e) = &second.outcome else {
        panic!("{second:?}")
    };
    assert!(e.contains("not calling"), "{e}");
    let host = socialtop::platforms::host_of(&config.accounts[0]);
    let hold = store.read(move |s| s.host_hold(&host)).await.unwrap();
    assert!(hold.unwrap().0 >= in_future(590));
}
