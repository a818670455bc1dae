//! Reddit and Twitch with client credentials: the token is fetched once by
//! the client-credentials flow, reused until it expires, renewed on a 401;
//! Reddit's block page names the variables; Discord's User-Agent.

use crate::common::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use socialtop::model::MapSecrets;
use socialtop::platforms::FetchError;
use wiremock::matchers::{body_string_contains, header, header_regex, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

// Tokens are cached by endpoint and client id, and wiremock reuses ports
// across tests: every test here has its own client id.
fn reddit_secrets(id: &str) -> MapSecrets {
    MapSecrets::new([
        ("REDDIT_CLIENT_ID", id),
        ("REDDIT_CLIENT_SECRET", "rsecret"),
    ])
}

async fn reddit_token(server: &MockServer, id: &str, token: &str, expires_in: i64, times: u64) {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:rsecret"));
    Mock::given(method("POST"))
        .and(path("/api/v1/access_token"))
        .and(header("authorization", format!("Basic {basic}").as_str()))
        .and(header_regex("user-agent", "socialtop:v"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": token, "token_type": "bearer", "expires_in": expires_in, "scope": "*"
        })))
        .up_to_n_times(1)
        .expect(times)
        .mount(server)
        .await;
}

async fn reddit_about(server: &MockServer, token: &str, status: u16) {
    let body = if status == 200 {
        json!({"kind": "t5", "data": {"display_name": "rust", "subscribers": 345_678}})
    } else {
        json!({"message": "Unauthorized", "error": 401})
    };
    Mock::given(method("GET"))
        .and(path("/r/rust/about"))
        .and(header("authorization", format!("bearer {token}").as_str()))
        .and(header_regex("user-agent", "socialtop:v"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn reddit_fetches_an_app_token_once_and_reuses_it() {
    let server = MockServer::start().await;
    reddit_token(&server, "rid-once", "tok-1", 86_400, 1).await;
    reddit_about(&server, "tok-1", 200).await;
    let a = account_at("reddit", "r/rust", &server.uri(), "");
    let now = Timestamp::now();
    for i in 0..3 {
        let at = now + SignedDuration::from_mins(15 * i);
        let f = fetch_at(&a, &reddit_secrets("rid-once"), None, at)
            .await
            .unwrap();
        assert_eq!(f.counts.followers, 345_678);
    }
    // the public JSON was never asked
    assert!(
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| !r.url.path().ends_with(".json"))
    );
}

#[tokio::test]
async fn reddit_renews_an_expired_token_and_one_refused_with_401() {
    let server = MockServer::start().await;
    reddit_token(&server, "rid-renew", "tok-a", 3_600, 1).await;
    reddit_token(&server, "rid-renew", "tok-b", 3_600, 1).await;
    reddit_token(&server, "rid-renew", "tok-c", 3_600, 1).await;
    reddit_about(&server, "tok-a", 200).await;
    reddit_about(&server, "tok-b", 401).await;
    reddit_about(&server, "tok-c", 200).await;
    let a = account_at("reddit", "r/rust", &server.uri(), "");
    let now = Timestamp::now();
    fetch_at(&a, &reddit_secrets("rid-renew"), None, now)
        .await
        .unwrap();
    // two hours later tok-a has expired: tok-b, refused, then tok-c
    let later = now + SignedDuration::from_hours(2);
    let f = fetch_at(&a, &reddit_secrets("rid-renew"), None, later)
        .await
        .unwrap();
    assert_eq!(f.counts.followers, 345_678);
}

#[tokio::test]
async fn reddit_refused_client_credentials_name_the_variables() {
    let server = answer(401, &[], json!({"message": "Unauthorized", "error": 401})).await;
    let a = account_at("reddit", "u/spez", &server.uri(), "");
    let err = fetch_at(&a, &reddit_secrets("rid-refused"), None, Timestamp::now())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Reddit refused the client credentials in REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (Unauthorized)"
    );
}

#[tokio::test]
async fn reddit_block_page_without_credentials_says_which_variables_to_set() {
    let server = MockServer::start().await;
    Mock::given(path("/r/rust/about.json"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            "<!DOCTYPE html><html><head><title>Blocked</title></head><body>You've been blocked by network security.</body></html>",
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let a = account_at("reddit", "r/rust", &server.uri(), "");
    let err = fetch_at(&a, &MapSecrets::default(), None, Timestamp::now())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Auth(_)), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("Blocked") && msg.contains("REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"),
        "{msg}"
    );
}

fn twitch_secrets(id: &str) -> MapSecrets {
    MapSecrets::new([
        ("TWITCH_CLIENT_ID", id),
        ("TWITCH_CLIENT_SECRET", "tw-secret"),
    ])
}

async fn twitch_server(id: &str, expires_in: i64, token_calls: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(body_string_contains(format!("client_id={id}").as_str()))
        .and(body_string_contains("client_secret=tw-secret"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "app-token", "expires_in": expires_in, "token_type": "bearer"
        })))
        .expect(token_calls)
        .mount(&server)
        .await;
    Mock::given(path("/helix/users"))
        .and(query_param("login", "twitchdev"))
        .and(header("authorization", "Bearer app-token"))
        .and(header("client-id", id))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "141981764", "login": "twitchdev"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/helix/channels/followers"))
        .and(query_param("broadcaster_id", "141981764"))
        .and(header("authorization", "Bearer app-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"total": 8, "data": [], "pagination": {}})),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn twitch_gets_an_app_token_by_client_credentials_once() {
    let server = twitch_server("tw-once", 5_011_271, 1).await;
    let a = account_at("twitch", "twitchdev", &server.uri(), "");
    let now = Timestamp::now();
    let first = fetch_at(&a, &twitch_secrets("tw-once"), None, now)
        .await
        .unwrap();
    assert_eq!(first.counts.followers, 8);
    let id = first.remember.clone().unwrap();
    for i in 1..4 {
        let at = now + SignedDuration::from_hours(i);
        let f = fetch_at(&a, &twitch_secrets("tw-once"), Some(&id), at)
            .await
            .unwrap();
        assert_eq!(f.counts.followers, 8);
    }
}

#[tokio::test]
async fn twitch_renews_the_app_token_when_it_expires() {
    let server = twitch_server("tw-renew", 3_600, 2).await;
    let a = account_at("twitch", "twitchdev", &server.uri(), "");
    let now = Timestamp::now();
    fetch_at(&a, &twitch_secrets("tw-renew"), None, now)
        .await
        .unwrap();
    let later = now + SignedDuration::from_hours(2);
    fetch_at(&a, &twitch_secrets("tw-renew"), None, later)
        .await
        .unwrap();
}

#[tokio::test]
async fn twitch_without_a_secret_or_token_names_both_variables() {
    let server = MockServer::start().await;
    let a = account_at("twitch", "twitchdev", &server.uri(), "");
    let secrets = MapSecrets::new([("TWITCH_CLIENT_ID", "tw-client")]);
    let err = fetch_at(&a, &secrets, None, Timestamp::now())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable TWITCH_CLIENT_SECRET or TWITCH_TOKEN is not set"
    );
}

#[tokio::test]
async fn discord_sends_the_user_agent_its_documentation_requires() {
    let server = MockServer::start().await;
    let ua = format!(
        "DiscordBot (https://crates.io/crates/socialtop, {})",
        env!("CARGO_PKG_VERSION")
    );
    Mock::given(path("/api/v10/invites/rust-lang"))
        // wiremock's header matcher splits values at commas
        .and(move |r: &wiremock::Request| {
            r.headers.get("user-agent").and_then(|v| v.to_str().ok()) == Some(ua.as_str())
        })
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"code": "rust-lang", "approximate_member_count": 12})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let a = account_at("discord", "discord.gg/rust-lang", &server.uri(), "");
    let f = fetch_at(&a, &MapSecrets::default(), None, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(f.counts.followers, 12);
}
