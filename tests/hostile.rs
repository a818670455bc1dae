//! Trust at the platform/HTTP layer: outside text stays data, redirects stay
//! within their origin, counts are counts, hidden is a state, and errors say
//! what the platform meant.

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use serde_json::json;
use socialtop::config::Config;
use socialtop::http::Http;
use socialtop::model::Account;
use socialtop::model::{FixedClock, MapSecrets};
use socialtop::platforms::{FetchError, Fetched, platform};
use socialtop::poller::Poller;
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;SGVsbG8=\u{7}boom";

fn account(platform: &str, handle: &str, base: &str, extra: &str) -> Account {
    let toml = format!(
        "[[accounts]]\nplatform = \"{platform}\"\nhandle = \"{handle}\"\nbase_url = \"{base}\"\n{extra}"
    );
    Config::parse(&toml, std::path::Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .accounts
        .remove(0)
}

fn json_account(base: &str) -> Account {
    let toml =
        format!("[[accounts]]\nplatform = \"json\"\nurl = \"{base}/stats\"\npointer = \"/n\"\n");
    Config::parse(&toml, std::path::Path::new("t.toml"))
        .unwrap()
        .accounts
        .remove(0)
}

async fn fetch(a: &Account) -> Result<Fetched, FetchError> {
    let secrets = MapSecrets::new([("YT_KEY", "yt-secret-key"), ("X_TOKEN", "x-token")]);
    platform(a.platform)
        .fetch(
            &Http::new(Duration::from_secs(5)).unwrap(),
            a,
            None,
            &secrets,
            jiff::Timestamp::now(),
        )
        .await
}

async fn serve(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

fn hostile_bodies() -> Vec<(&'static str, ResponseTemplate)> {
    vec![
        (
            "json",
            ResponseTemplate::new(500).set_body_json(json!({ "error": HOSTILE })),
        ),
        (
            "text",
            ResponseTemplate::new(500).set_body_raw(HOSTILE.as_bytes().to_vec(), "text/plain"),
        ),
        (
            "html",
            ResponseTemplate::new(500).set_body_raw(
                format!("<!DOCTYPE html><html><head><title>{HOSTILE}</title></head><body>{HOSTILE}</body></html>")
                    .into_bytes(),
                "text/html",
            ),
        ),
    ]
}

fn assert_clean(err: &str) {
    assert!(!err.chars().any(|c| c.is_control()), "{err:?}");
    assert!(
        !err.contains("pwned") && !err.contains("SGVsbG8"),
        "{err:?}"
    );
    assert!(!err.contains('<'), "no markup: {err:?}");
    assert!(err.chars().count() <= 300, "{err:?}");
}

#[tokio::test]
async fn hostile_error_bodies_become_short_clean_text() {
    for (kind, template) in hostile_bodies() {
        let server = serve(template).await;
        for a in [
            account("mastodon", "a@b.example", &server.uri(), ""),
            account("github", "octocat", &server.uri(), ""),
            json_account(&server.uri()),
        ] {
            let err = fetch(&a).await.unwrap_err().to_string();
            assert_clean(&err);
            assert!(
                err.starts_with("server error 500"),
                "{kind} {}: {err}",
                a.id
            );
            assert!(err.contains("boom"), "{kind} {}: {err}", a.id);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn poll_once_prints_no_escape_sequences_from_a_hostile_server() {
    for (kind, template) in hostile_bodies() {
        let server = serve(template).await;
        let base = server.uri();
        let env = Env::new(&format!(
            "request_timeout = \"5s\"\n\n[[accounts]]\nplatform = \"mastodon\"\nhandle = \"a@b.example\"\nbase_url = \"{base}\"\n\n[[accounts]]\nplatform = \"github\"\nhandle = \"octocat\"\nbase_url = \"{base}\"\n\n[[accounts]]\nplatform = \"json\"\nurl = \"{base}/stats\"\npointer = \"/n\"\n"
        ));
        let out = env.run(&["poll", "--once"]);
        assert_eq!(out.status.code(), Some(1), "{kind}: {}", stderr(&out));
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !stream.contains(&0x1b) && !stream.contains(&0x07),
                "{kind}: {:?}",
                String::from_utf8_lossy(stream)
            );
        }
        assert_eq!(
            stderr(&out).matches("boom").count(),
            3,
            "{kind}: {}",
            stderr(&out)
        );
        let status = env.run(&["status", "--format", "json"]);
        assert!(!status.stdout.contains(&0x1b) && !status.stdout.contains(&0x07));
    }
}

#[tokio::test]
async fn block_pages_and_challenges_read_as_their_titles() {
    let blocked = serve(ResponseTemplate::new(403).set_body_raw(
        "<!DOCTYPE html><html><head><title>Blocked by network security</title><style>body{}</style></head><body><p>Your request has been blocked by network security.</p><p>To continue, log in to your Reddit account or use your developer token</p></body></html>",
        "text/html",
    ))
    .await;
    let err = fetch(&account("reddit", "r/rust", &blocked.uri(), ""))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "Reddit blocked the anonymous request (Blocked by network security); set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (a \"script\" app at reddit.com/prefs/apps) to use its API"
    );

    let challenge = serve(ResponseTemplate::new(403).set_body_raw(
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title><meta http-equiv=\"refresh\" content=\"390\"></head><body><div>Enable JavaScript and cookies to continue</div><script>(function(){window._cf_chl_opt={cvId: '3'}})();</script></body></html>",
        "text/html",
    ))
    .await;
    let err = fetch(&account("github", "octocat", &challenge.uri(), ""))
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(err, "HTTP 403 Forbidden: Just a moment...");
    let err = fetch(&account("mastodon", "a@b.example", &challenge.uri(), ""))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("(Just a moment...)"), "{err}");
}

// ---------- redirects ----------

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed() {
    let b = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(1)))
        .expect(0)
        .mount(&b)
        .await;
    let a = serve(ResponseTemplate::new(302).insert_header(
        "location",
        format!("{}/users/octocat?key=stolen", b.uri()).as_str(),
    ))
    .await;
    let b_host = b.address().to_string(); // 127.0.0.1:PORT
    let err = fetch(&account("github", "octocat", &a.uri(), ""))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("redirected to {b_host}")), "{err}");
    assert!(err.contains("not followed"), "{err}");
    assert!(!err.contains("stolen"), "{err}");
    // a key in the query (YouTube) does not reach the other origin either
    let yt = account("youtube", "@alice", &a.uri(), "token_env = \"YT_KEY\"");
    let err = fetch(&yt).await.unwrap_err().to_string();
    assert!(
        err.contains(&b_host) && !err.contains("yt-secret-key"),
        "{err}"
    );
    assert!(b.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed() {
    let server = MockServer::start().await;
    Mock::given(path("/users/octocat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(github_user(42)))
        .mount(&server)
        .await;
    Mock::given(path("/users/old-name"))
        .respond_with(ResponseTemplate::new(301).insert_header(
            "location",
            format!("{}/users/octocat", server.uri()).as_str(),
        ))
        .mount(&server)
        .await;
    let f = fetch(&account("github", "old-name", &server.uri(), ""))
        .await
        .unwrap();
    assert_eq!(f.counts.followers, 42);
}

// ---------- counts ----------

async fn raw(status: u16, body: &str) -> MockServer {
    serve(ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")).await
}

#[tokio::test]
async fn counts_outside_0_to_2_pow_53_are_errors_naming_the_value() {
    for (value, shown) in [
        ("-5", "followers_count is -5, not a count"),
        ("1.5", "followers_count is 1.5, not a count"),
        ("1e30", "followers_count is 1e+30, not a count"),
        ("18446744073709551616", "followers_count is"),
        (
            "9007199254740993",
            "followers_count is 9007199254740993, not a count",
        ),
    ] {
        let s = raw(
            200,
            &format!("{{\"followers_count\": {value}, \"following_count\": 1}}"),
        )
        .await;
        let err = fetch(&account("mastodon", "a@b.example", &s.uri(), ""))
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::BadResponse(_)), "{value}: {err}");
        assert!(err.to_string().contains(shown), "{value}: {err}");
    }
    let ok = raw(200, "{\"followers_count\": 9007199254740992}").await;
    let f = fetch(&account("mastodon", "a@b.example", &ok.uri(), ""))
        .await
        .unwrap();
    assert_eq!(f.counts.followers, 1 << 53);

    let missing = raw(200, "{\"following_count\": 1}").await;
    let err = fetch(&account("mastodon", "a@b.example", &missing.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no followers_count"), "{err}");

    let gh = raw(200, "{\"login\": \"octocat\", \"followers\": -3}").await;
    let err = fetch(&account("github", "octocat", &gh.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("followers is -3, not a count"),
        "{err}"
    );

    let yt = raw(200, "{\"items\": [{\"statistics\": {\"subscriberCount\": \"-7\", \"hiddenSubscriberCount\": false}}]}").await;
    let err = fetch(&account(
        "youtube",
        "@a",
        &yt.uri(),
        "token_env = \"YT_KEY\"",
    ))
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("subscriberCount is \"-7\", not a count"),
        "{err}"
    );

    let js = raw(200, "{\"n\": 2.5}").await;
    let err = fetch(&json_account(&js.uri())).await.unwrap_err();
    assert!(err.to_string().contains("is 2.5, not a count"), "{err}");

    let x = raw(
        200,
        "{\"data\": {\"public_metrics\": {\"followers_count\": 1e300}}}",
    )
    .await;
    let err = fetch(&account("x", "a", &x.uri(), "token_env = \"X_TOKEN\""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a count"), "{err}");
}

#[tokio::test]
async fn hidden_counts_are_a_hidden_state() {
    let masto = raw(
        200,
        "{\"followers_count\": -1, \"following_count\": -1, \"statuses_count\": 10}",
    )
    .await;
    let err = fetch(&account("mastodon", "a@b.example", &masto.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.is_hidden(), "{err}");
    assert!(err.to_string().starts_with("hidden"), "{err}");

    // Misskey answers 0 for a follower list that is not public
    let misskey = raw(200, "{\"followersCount\": 0, \"followingCount\": 0, \"notesCount\": 5, \"followersVisibility\": \"private\", \"followingVisibility\": \"private\"}").await;
    let err = fetch(&account("misskey", "a@b.example", &misskey.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.is_hidden() && err.to_string().starts_with("hidden"),
        "{err}"
    );
    let older = raw(
        200,
        "{\"followersCount\": 0, \"ffVisibility\": \"followers\"}",
    )
    .await;
    assert!(
        fetch(&account("misskey", "a@b.example", &older.uri(), ""))
            .await
            .unwrap_err()
            .is_hidden()
    );
    let public = raw(
        200,
        "{\"followersCount\": 12, \"followersVisibility\": \"public\"}",
    )
    .await;
    assert_eq!(
        fetch(&account("misskey", "a@b.example", &public.uri(), ""))
            .await
            .unwrap()
            .counts
            .followers,
        12
    );

    let yt = raw(200, "{\"items\": [{\"statistics\": {\"subscriberCount\": \"0\", \"hiddenSubscriberCount\": true}}]}").await;
    let err = fetch(&account(
        "youtube",
        "@shy",
        &yt.uri(),
        "token_env = \"YT_KEY\"",
    ))
    .await
    .unwrap_err();
    assert!(
        err.is_hidden() && err.to_string().starts_with("hidden"),
        "{err}"
    );
}

#[tokio::test]
async fn the_poller_does_not_back_off_for_a_hidden_count() {
    let server = raw(200, "{\"followers_count\": -1}").await;
    let toml = format!(
        "[[accounts]]\nplatform = \"mastodon\"\nhandle = \"a@b.example\"\nbase_url = \"{}\"\ninterval = \"10m\"\n",
        server.uri()
    );
    let config = Config::parse(&toml, std::path::Path::new("t.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = socialtop::store::Handle::open_dir(dir.path()).unwrap();
    store.sync_accounts(config.accounts.clone()).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    ));
    let poller = Poller::with_seams(
        &config,
        store.clone(),
        clock.clone(),
        Arc::new(MapSecrets::default()),
    )
    .unwrap();
    let a = &config.accounts[0];
    for _ in 0..4 {
        let r = poller.poll_one(a).await;
        assert!(
            matches!(&r.outcome, socialtop::poller::Outcome::Hidden(e) if e.contains("hidden")),
            "{r:?}"
        );
    }
    let id = a.id.clone();
    let state = store.read(move |s| s.state(&id)).await.unwrap();
    assert!(state.error.as_deref().unwrap().starts_with("hidden"));
    let due = poller.due(a).await.as_second();
    let checked = state.checked_at_ms.unwrap() / 1000;
    assert!(
        due <= checked + 660,
        "hidden must not back off: due in {}s",
        due - checked
    );
}

// ---------- wording ----------

#[tokio::test]
async fn youtube_reasons_decide_the_message() {
    let yt = |s: &MockServer| account("youtube", "@a", &s.uri(), "token_env = \"YT_KEY\"");
    let key_invalid = serve(ResponseTemplate::new(400).set_body_json(json!({"error": {
        "code": 400, "message": "Bad Request",
        "errors": [{"message": "Bad Request", "domain": "usageLimits", "reason": "keyInvalid"}]
    }})))
    .await;
    let err = fetch(&yt(&key_invalid)).await.unwrap_err();
    assert!(matches!(err, FetchError::Auth(_)), "{err}");
    assert!(
        err.to_string().contains("API key is invalid") && err.to_string().contains("YT_KEY"),
        "{err}"
    );

    let api_key_invalid = serve(ResponseTemplate::new(400).set_body_json(json!({"error": {
        "code": 400, "message": "API key not valid. Please pass a valid API key.",
        "errors": [{"message": "API key not valid. Please pass a valid API key.", "domain": "global", "reason": "badRequest"}],
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]
    }}))).await;
    let err = fetch(&yt(&api_key_invalid)).await.unwrap_err();
    assert!(err.to_string().contains("API key is invalid"), "{err}");

    let forbidden = serve(ResponseTemplate::new(403).set_body_json(json!({"error": {
        "code": 403, "message": "Forbidden",
        "errors": [{"message": "Forbidden", "domain": "youtube.channel", "reason": "forbidden"}]
    }})))
    .await;
    let err = fetch(&yt(&forbidden)).await.unwrap_err();
    assert!(
        err.to_string().contains("does not allow") && !err.to_string().contains("key"),
        "{err}"
    );

    let quota = serve(ResponseTemplate::new(403).set_body_json(json!({"error": {
        "code": 403, "message": "The request cannot be completed because you have exceeded your quota.",
        "errors": [{"message": "The request cannot be completed because you have exceeded your quota.", "domain": "youtube.quota", "reason": "quotaExceeded"}]
    }}))).await;
    let err = fetch(&yt(&quota)).await.unwrap_err();
    assert!(
        err.hold_until().is_some() && err.to_string().contains("midnight Pacific"),
        "{err}"
    );
}

#[tokio::test]
async fn github_limits_ask_for_a_token_only_when_one_would_help() {
    let secondary = serve(
        ResponseTemplate::new(403)
            .insert_header("x-ratelimit-limit", "5000")
            .insert_header("x-ratelimit-remaining", "4990")
            .set_body_json(json!({
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 1234.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
            })),
    )
    .await;
    let err = fetch(&account("github", "octocat", &secondary.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.hold_until().is_some(), "{err}");
    assert!(err.to_string().contains("secondary rate limit"), "{err}");
    assert!(!err.to_string().to_lowercase().contains("token"), "{err}");

    let primary_with_token = serve(
        ResponseTemplate::new(403)
            .insert_header("x-ratelimit-limit", "5000")
            .insert_header("x-ratelimit-remaining", "0")
            .insert_header("x-ratelimit-reset", "1924992000")
            .set_body_json(json!({"message": "API rate limit exceeded for user ID 1.", "documentation_url": "https://docs.github.com/rest"})),
    )
    .await;
    let err = fetch(&account("github", "octocat", &primary_with_token.uri(), ""))
        .await
        .unwrap_err();
    assert_eq!(err.hold_until().unwrap().as_second(), 1_924_992_000);
    assert!(!err.to_string().contains("GITHUB_TOKEN"), "{err}");
}

#[tokio::test]
async fn x_client_not_enrolled_is_not_a_bad_token() {
    let server = serve(ResponseTemplate::new(403).set_body_json(json!({
        "client_id": "12345678",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "title": "Client Forbidden",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "type": "https://api.twitter.com/2/problems/client-forbidden"
    })))
    .await;
    let err = fetch(&account(
        "x",
        "someone",
        &server.uri(),
        "token_env = \"X_TOKEN\"",
    ))
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, FetchError::Auth(_)), "{msg}");
    assert!(
        msg.contains("client-not-enrolled") && msg.contains("Project"),
        "{msg}"
    );
    assert!(
        !msg.contains("rejected the bearer token") && !msg.contains("bad token"),
        "{msg}"
    );
}
