//! YouTube, X, Twitch, Reddit, Misskey, PeerTube, Lemmy, Hacker News, Discord,
//! Telegram and generic JSON against a loopback server serving each one's
//! documented answers: success, not found, auth and rate limits.

use std::time::Duration;

use serde_json::json;
use socialtop::config::Config;
use socialtop::http::Http;
use socialtop::model::Account;
use socialtop::model::MapSecrets;
use socialtop::platforms::{FetchError, Fetched, platform};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn account(platform: &str, handle: &str, base: &str, extra: &str) -> Account {
    let toml = format!(
        "[[accounts]]\nplatform = \"{platform}\"\nhandle = \"{handle}\"\nbase_url = \"{base}\"\n{extra}"
    );
    Config::parse(&toml, std::path::Path::new("t.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .accounts
        .remove(0)
}

/// The secrets these tests' accounts name (`YOUTUBE_API_KEY` is never set).
fn secrets() -> MapSecrets {
    MapSecrets::new([
        ("YT_TEST_KEY_1", "yt-key-1"),
        ("YT_TEST_KEY_2", "k"),
        ("X_TEST_TOKEN", "x-token-1"),
        ("TWITCH_CLIENT_ID", "twitch-client"),
        ("TWITCH_TEST_TOKEN", "twitch-token"),
        ("TG_TEST_TOKEN", "tg-secret-1"),
        ("TG_TEST_WRONG", "wrong"),
        ("NEWSLETTER_TEST_KEY", "nl-secret"),
    ])
}

async fn fetch(a: &Account) -> Result<Fetched, FetchError> {
    fetch_known(a, None).await
}

async fn fetch_known(a: &Account, known: Option<&str>) -> Result<Fetched, FetchError> {
    let http = Http::new(Duration::from_secs(5)).unwrap();
    platform(a.platform)
        .fetch(&http, a, known, &secrets(), jiff::Timestamp::now())
        .await
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

async fn serve(status: u16, body: serde_json::Value) -> MockServer {
    serve_with(status, &[], body).await
}

/// A server answering every request (GET or POST) with this status, headers and body.
async fn serve_with(status: u16, headers: &[(&str, &str)], body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    let mut template = ResponseTemplate::new(status).set_body_json(body);
    for (k, v) in headers {
        template = template.insert_header(*k, *v);
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

// ---------- YouTube ----------

fn yt_channel(subs: &str, hidden: bool) -> serde_json::Value {
    json!({
        "kind": "youtube#channelListResponse",
        "etag": "x",
        "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
        "items": [{
            "kind": "youtube#channel",
            "etag": "y",
            "id": "UC_x5XG1OV2P6uZZ5FSM9Ttw",
            "statistics": {"viewCount": "123456", "subscriberCount": subs, "hiddenSubscriberCount": hidden, "videoCount": "321"}
        }]
    })
}

#[tokio::test]
async fn youtube_counts_are_strings_and_the_key_is_sent() {
    let server = MockServer::start().await;
    Mock::given(path("/youtube/v3/channels"))
        .and(query_param("part", "statistics"))
        .and(query_param("forHandle", "@GoogleDevelopers"))
        .and(query_param("key", "yt-key-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(yt_channel("2450000", false)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/youtube/v3/channels"))
        .and(query_param("id", "UC_x5XG1OV2P6uZZ5FSM9Ttw"))
        .respond_with(ResponseTemplate::new(200).set_body_json(yt_channel("99", false)))
        .expect(1)
        .mount(&server)
        .await;
    let a = account(
        "youtube",
        "@GoogleDevelopers",
        &server.uri(),
        "token_env = \"YT_TEST_KEY_1\"",
    );
    assert_eq!(a.metric(), "subscribers");
    let f = fetch(&a).await.unwrap();
    assert_eq!((f.counts.followers, f.counts.posts), (2_450_000, Some(321)));
    let by_id = account(
        "youtube",
        "UC_x5XG1OV2P6uZZ5FSM9Ttw",
        &server.uri(),
        "token_env = \"YT_TEST_KEY_1\"",
    );
    assert_eq!(fetch(&by_id).await.unwrap().counts.followers, 99);
}

#[tokio::test]
async fn youtube_unknown_hidden_and_quota_are_each_their_own_state() {
    let extra = "token_env = \"YT_TEST_KEY_2\"";
    let none = serve(200, json!({"kind": "youtube#channelListResponse", "etag": "x", "pageInfo": {"totalResults": 0, "resultsPerPage": 5}})).await;
    let err = fetch(&account("youtube", "@nobody", &none.uri(), extra))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "not found: no YouTube channel nobody");

    let hidden = serve(200, yt_channel("0", true)).await;
    let err = fetch(&account("youtube", "@shy", &hidden.uri(), extra))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("hides its subscriber count"),
        "{err}"
    );

    let quota = serve(403, json!({"error": {
        "code": 403,
        "message": "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
        "errors": [{"message": "The request cannot be completed because you have exceeded your quota.", "domain": "youtube.quota", "reason": "quotaExceeded"}]
    }})).await;
    let err = fetch(&account("youtube", "@busy", &quota.uri(), extra))
        .await
        .unwrap_err();
    let until = err.hold_until().unwrap();
    assert!(
        until.as_second() > now() && until.as_second() <= now() + 25 * 3600,
        "{until}"
    );
    assert!(err.to_string().contains("daily quota"), "{err}");

    let bad_key = serve(400, json!({"error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "errors": [{"message": "API key not valid. Please pass a valid API key.", "domain": "global", "reason": "badRequest"}],
        "status": "INVALID_ARGUMENT"
    }})).await;
    let err = fetch(&account("youtube", "@x", &bad_key.uri(), extra))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Auth(_)), "{err}");

    let unset = account("youtube", "@x", &none.uri(), "");
    assert_eq!(
        fetch(&unset).await.unwrap_err().to_string(),
        "environment variable YOUTUBE_API_KEY is not set"
    );
}

// ---------- X ----------

#[tokio::test]
async fn x_user_and_its_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/2/users/by/username/XDevelopers"))
        .and(query_param("user.fields", "public_metrics"))
        .and(header("authorization", "Bearer x-token-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-rate-limit-limit", "300")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", "1924992000")
                .set_body_json(json!({"data": {
                    "id": "2244994945", "name": "Developers", "username": "XDevelopers",
                    "public_metrics": {"followers_count": 583000, "following_count": 2000, "tweet_count": 4000, "listed_count": 2100, "like_count": 2400}
                }})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/2/users/by/username/nobody_here"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"errors": [{
            "value": "nobody_here", "detail": "Could not find user with username: [nobody_here].",
            "title": "Not Found Error", "resource_type": "user", "parameter": "username",
            "resource_id": "nobody_here", "type": "https://api.twitter.com/2/problems/resource-not-found"
        }]})))
        .mount(&server)
        .await;
    let extra = "token_env = \"X_TEST_TOKEN\"";
    let f = fetch(&account("x", "XDevelopers", &server.uri(), extra))
        .await
        .unwrap();
    assert_eq!(
        (f.counts.followers, f.counts.following, f.counts.posts),
        (583_000, Some(2_000), Some(4_000))
    );
    assert_eq!(
        f.hold_until.unwrap().as_second(),
        1_924_992_000,
        "no calls left: wait for the reset"
    );
    let err = fetch(&account("x", "nobody_here", &server.uri(), extra))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "not found: no X user nobody_here");

    let limited = serve_with(429, &[("x-rate-limit-remaining", "0"), ("x-rate-limit-reset", "1924992000")], json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})).await;
    let err = fetch(&account("x", "a", &limited.uri(), extra))
        .await
        .unwrap_err();
    assert_eq!(err.hold_until().unwrap().as_second(), 1_924_992_000);

    let capped = serve(429, json!({
        "account_id": 1, "product_name": "standard-basic", "title": "UsageCapExceeded",
        "period": "Monthly", "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap",
        "type": "https://api.twitter.com/2/problems/usage-capped"
    })).await;
    let err = fetch(&account("x", "a", &capped.uri(), extra))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("usage cap"), "{err}");
    assert!(err.hold_until().unwrap().as_second() > now() + 3600);

    let unauthorized = serve(401, json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})).await;
    let err = fetch(&account("x", "a", &unauthorized.uri(), extra))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "X rejected the bearer token (Unauthorized)"
    );
}

// ---------- Twitch ----------

#[tokio::test]
async fn twitch_looks_the_id_up_once_then_reads_followers() {
    let server = MockServer::start().await;
    Mock::given(path("/helix/users"))
        .and(query_param("login", "twitchdev"))
        .and(header("client-id", "twitch-client"))
        .and(header("authorization", "Bearer twitch-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{
            "id": "141981764", "login": "twitchdev", "display_name": "TwitchDev", "type": "",
            "broadcaster_type": "partner", "description": "", "created_at": "2016-12-14T20:32:28Z"
        }]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/helix/channels/followers"))
        .and(query_param("broadcaster_id", "141981764"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ratelimit-limit", "800")
                .insert_header("ratelimit-remaining", "799")
                .insert_header("ratelimit-reset", "1924992000")
                .set_body_json(json!({"total": 151200, "data": [], "pagination": {}})),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/helix/users"))
        .and(query_param("login", "ghost_streamer"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&server)
        .await;
    let extra = "token_env = \"TWITCH_TEST_TOKEN\"";
    let a = account("twitch", "twitchdev", &server.uri(), extra);
    let first = fetch(&a).await.unwrap();
    assert_eq!(first.counts.followers, 151_200);
    assert_eq!(first.remember.as_deref(), Some("141981764"));
    // the kept id skips the lookup (the users mock expects one call)
    let second = fetch_known(&a, Some("141981764")).await.unwrap();
    assert_eq!((second.counts.followers, second.remember), (151_200, None));
    let err = fetch(&account("twitch", "ghost_streamer", &server.uri(), extra))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "not found: no Twitch user ghost_streamer");
}

#[tokio::test]
async fn twitch_looks_again_when_the_kept_id_stops_working() {
    let server = MockServer::start().await;
    Mock::given(path("/helix/channels/followers"))
        .and(query_param("broadcaster_id", "999"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "Bad Request", "status": 400, "message": "Invalid broadcaster_id"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/helix/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"id": "555", "login": "renamed"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/helix/channels/followers"))
        .and(query_param("broadcaster_id", "555"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 42, "data": []})))
        .mount(&server)
        .await;
    let a = account(
        "twitch",
        "renamed",
        &server.uri(),
        "token_env = \"TWITCH_TEST_TOKEN\"",
    );
    let f = fetch_known(&a, Some("999")).await.unwrap();
    assert_eq!(
        (f.counts.followers, f.remember.as_deref()),
        (42, Some("555"))
    );
}

#[tokio::test]
async fn twitch_auth_and_rate_limit() {
    let extra = "token_env = \"TWITCH_TEST_TOKEN\"";
    let bad = serve(
        401,
        json!({"error": "Unauthorized", "status": 401, "message": "Invalid OAuth token"}),
    )
    .await;
    let err = fetch(&account("twitch", "a", &bad.uri(), extra))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Invalid OAuth token"), "{err}");
    let limited = serve_with(
        429,
        &[
            ("ratelimit-limit", "800"),
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "1924992000"),
        ],
        json!({"error": "Too Many Requests", "status": 429, "message": "Rate limit exceeded"}),
    )
    .await;
    let err = fetch(&account("twitch", "a", &limited.uri(), extra))
        .await
        .unwrap_err();
    assert_eq!(err.hold_until().unwrap().as_second(), 1_924_992_000);
}

// ---------- Reddit ----------

#[tokio::test]
async fn reddit_users_and_subreddits() {
    let server = MockServer::start().await;
    Mock::given(path("/user/spez/about.json"))
        .and(wiremock::matchers::header_regex("user-agent", r"^[a-z]+:socialtop:v[0-9.]+ \("))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-used", "4")
                .insert_header("x-ratelimit-remaining", "96.0")
                .insert_header("x-ratelimit-reset", "240")
                .set_body_json(json!({"kind": "t2", "data": {"name": "spez", "link_karma": 100, "comment_karma": 50, "total_karma": 150, "is_suspended": false}})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/r/rust/about.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"kind": "t5", "data": {"display_name": "rust", "subscribers": 342000, "active_user_count": 900}})))
        .mount(&server)
        .await;
    Mock::given(path("/user/nobody_zz/about.json"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found", "error": 404})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/r/secretclub/about.json"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"reason": "private", "message": "Forbidden", "error": 403})),
        )
        .mount(&server)
        .await;
    let user = account("reddit", "u/spez", &server.uri(), "");
    assert_eq!(user.metric(), "karma");
    assert_eq!(fetch(&user).await.unwrap().counts.followers, 150);
    let sub = account("reddit", "r/rust", &server.uri(), "");
    assert_eq!(sub.metric(), "members");
    assert_eq!(fetch(&sub).await.unwrap().counts.followers, 342_000);
    let err = fetch(&account("reddit", "u/nobody_zz", &server.uri(), ""))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "not found: no Reddit user nobody_zz");
    let err = fetch(&account("reddit", "r/secretclub", &server.uri(), ""))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "r/secretclub is private");
}

#[tokio::test]
async fn reddit_counts_seconds_remaining_in_its_reset_header() {
    let used_up = serve_with(
        200,
        &[
            ("x-ratelimit-used", "100"),
            ("x-ratelimit-remaining", "0.0"),
            ("x-ratelimit-reset", "300"),
        ],
        json!({"kind": "t5", "data": {"subscribers": 5}}),
    )
    .await;
    let f = fetch(&account("reddit", "r/tiny", &used_up.uri(), ""))
        .await
        .unwrap();
    let hold = f.hold_until.unwrap().as_second();
    assert!((now() + 295..=now() + 302).contains(&hold), "{hold}");
    let limited = serve_with(
        429,
        &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "120")],
        json!({"message": "Too Many Requests", "error": 429}),
    )
    .await;
    let err = fetch(&account("reddit", "r/tiny", &limited.uri(), ""))
        .await
        .unwrap_err();
    let until = err.hold_until().unwrap().as_second();
    assert!((now() + 115..=now() + 122).contains(&until), "{until}");
}

// ---------- Misskey ----------

#[tokio::test]
async fn misskey_users_show() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/users/show"))
        .and(body_json(
            json!({"username": "syuilo", "host": "misskey.io"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "7rkr3b1c1c", "username": "syuilo", "host": null, "name": "しゅいろ",
            "followersCount": 21000, "followingCount": 300, "notesCount": 95000
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_json(json!({"username": "ghost", "host": "misskey.io"})))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": {
            "message": "No such user.", "code": "NO_SUCH_USER", "id": "4362f8dc-731f-4ad8-a694-be5a88922a24"
        }})))
        .mount(&server)
        .await;
    let f = fetch(&account("misskey", "syuilo@misskey.io", &server.uri(), ""))
        .await
        .unwrap();
    assert_eq!((f.counts.followers, f.counts.posts), (21_000, Some(95_000)));
    let err = fetch(&account("misskey", "ghost@misskey.io", &server.uri(), ""))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not found: no Misskey user ghost@misskey.io"
    );
    let limited = serve_with(429, &[], json!({"error": {
            "message": "Rate limit exceeded. Please try again later.", "code": "RATE_LIMIT_EXCEEDED",
            "id": "d5826d14-3982-4d2e-8011-b9e9f02499ef", "info": {"resetMs": 30000, "fullResetMs": 60000}
        }})).await;
    let err = fetch(&account("misskey", "a@b.c", &limited.uri(), ""))
        .await
        .unwrap_err();
    let until = err.hold_until().unwrap().as_second();
    assert!((now() + 29..=now() + 32).contains(&until), "{until}");
}

// ---------- PeerTube ----------

#[tokio::test]
async fn peertube_accounts_and_channels() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/accounts/chocobozzz@framatube.org"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 3, "name": "chocobozzz", "host": "framatube.org", "displayName": "chocobozzz",
            "followersCount": 1200, "followingCount": 4, "createdAt": "2018-01-01T00:00:00.000Z"
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/video-channels/framasoft@framatube.org"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 9, "name": "framasoft", "displayName": "Framasoft", "followersCount": 8800, "followingCount": 0
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/accounts/nobody@framatube.org"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "type": "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/account_not_found",
            "detail": "Account not found", "status": 404, "title": "Not Found", "code": "account_not_found"
        })))
        .mount(&server)
        .await;
    let f = fetch(&account(
        "peertube",
        "chocobozzz@framatube.org",
        &server.uri(),
        "",
    ))
    .await
    .unwrap();
    assert_eq!(f.counts.followers, 1_200);
    let channel = account("peertube", "c/framasoft@framatube.org", &server.uri(), "");
    assert_eq!(channel.metric(), "subscribers");
    assert_eq!(fetch(&channel).await.unwrap().counts.followers, 8_800);
    let err = fetch(&account(
        "peertube",
        "nobody@framatube.org",
        &server.uri(),
        "",
    ))
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not found: no PeerTube account nobody@framatube.org"
    );
    let limited = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "50")
                .insert_header("ratelimit-limit", "50")
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", "50")
                .set_body_string("Too many requests, please try again later."),
        )
        .mount(&limited)
        .await;
    let err = fetch(&account("peertube", "a@b.c", &limited.uri(), ""))
        .await
        .unwrap_err();
    let until = err.hold_until().unwrap().as_second();
    assert!((now() + 48..=now() + 52).contains(&until), "{until}");
}

// ---------- Lemmy ----------

#[tokio::test]
async fn lemmy_communities() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v3/community"))
        .and(query_param("name", "rust@programming.dev"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "community_view": {
                "community": {"id": 7, "name": "rust", "title": "Rust", "actor_id": "https://programming.dev/c/rust"},
                "subscribed": "NotSubscribed", "blocked": false,
                "counts": {"community_id": 7, "subscribers": 12500, "posts": 800, "comments": 9000, "subscribers_local": 3000}
            },
            "moderators": [], "discussion_languages": []
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v3/community"))
        .and(query_param("name", "nothing@programming.dev"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"error": "couldnt_find_community"})),
        )
        .mount(&server)
        .await;
    let a = account("lemmy", "!rust@programming.dev", &server.uri(), "");
    assert_eq!(a.metric(), "subscribers");
    let f = fetch(&a).await.unwrap();
    assert_eq!((f.counts.followers, f.counts.posts), (12_500, Some(800)));
    let err = fetch(&account(
        "lemmy",
        "!nothing@programming.dev",
        &server.uri(),
        "",
    ))
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not found: no Lemmy community !nothing@programming.dev"
    );
    let limited = serve(400, json!({"error": "rate_limit_error"})).await;
    let err = fetch(&account("lemmy", "!a@b.c", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.hold_until().is_some(), "{err}");
}

// ---------- Hacker News ----------

#[tokio::test]
async fn hacker_news_karma_and_null_for_unknown() {
    let server = MockServer::start().await;
    Mock::given(path("/v0/user/pg.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "about": "Bug fixer.", "created": 1160418092, "id": "pg", "karma": 157236, "submitted": [1, 2, 3]
        })))
        .mount(&server)
        .await;
    Mock::given(path("/v0/user/nobody_zz.json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("null"))
        .mount(&server)
        .await;
    let a = account("hackernews", "pg", &server.uri(), "");
    assert_eq!(a.metric(), "karma");
    let f = fetch(&a).await.unwrap();
    assert_eq!((f.counts.followers, f.counts.posts), (157_236, Some(3)));
    let err = fetch(&account("hackernews", "nobody_zz", &server.uri(), ""))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "not found: no Hacker News user nobody_zz");
    let denied = serve(401, json!({"error": "Permission denied"})).await;
    let err = fetch(&account("hackernews", "pg", &denied.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Permission denied"), "{err}");
}

// ---------- Discord ----------

#[tokio::test]
async fn discord_invite_counts() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v10/invites/rust-lang"))
        .and(query_param("with_counts", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": 0, "code": "rust-lang",
            "guild": {"id": "442252698964721669", "name": "Rust Programming Language Community"},
            "approximate_member_count": 95000, "approximate_presence_count": 12000
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v10/invites/gone"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Unknown Invite", "code": 10006})),
        )
        .mount(&server)
        .await;
    let a = account("discord", "https://discord.gg/rust-lang", &server.uri(), "");
    assert_eq!(a.metric(), "members");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 95_000);
    let err = fetch(&account("discord", "gone", &server.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no Discord invite gone"), "{err}");
    let limited = serve_with(
        429,
        &[
            ("retry-after", "65"),
            ("x-ratelimit-limit", "5"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset-after", "64.57"),
        ],
        json!({"message": "You are being rate limited.", "retry_after": 64.57, "global": false}),
    )
    .await;
    let err = fetch(&account("discord", "abc", &limited.uri(), ""))
        .await
        .unwrap_err();
    let until = err.hold_until().unwrap().as_second();
    assert!((now() + 63..=now() + 67).contains(&until), "{until}");
    assert!(
        err.to_string().contains("You are being rate limited."),
        "{err}"
    );
}

// ---------- Telegram ----------

#[tokio::test]
async fn telegram_member_count_and_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/bottg-secret-1/getChatMemberCount"))
        .and(query_param("chat_id", "@durov"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": 1_200_000})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/bottg-secret-1/getChatMemberCount"))
        .and(query_param("chat_id", "@nochannel"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/bottg-secret-1/getChatMemberCount"))
        .and(query_param("chat_id", "@busy_channel"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "ok": false, "error_code": 429, "description": "Too Many Requests: retry after 35", "parameters": {"retry_after": 35}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/botwrong/getChatMemberCount"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
            ),
        )
        .mount(&server)
        .await;
    let extra = "token_env = \"TG_TEST_TOKEN\"";
    let a = account("telegram", "@durov", &server.uri(), extra);
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 1_200_000);
    let err = fetch(&account("telegram", "nochannel", &server.uri(), extra))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no Telegram chat @nochannel"),
        "{err}"
    );
    assert!(!err.to_string().contains("tg-secret-1"));
    let err = fetch(&account("telegram", "busy_channel", &server.uri(), extra))
        .await
        .unwrap_err();
    let until = err.hold_until().unwrap().as_second();
    assert!((now() + 34..=now() + 36).contains(&until), "{until}");
    let err = fetch(&account(
        "telegram",
        "durov",
        &server.uri(),
        "token_env = \"TG_TEST_WRONG\"",
    ))
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Telegram rejected the bot token (Unauthorized)"
    );
}

// ---------- Generic JSON ----------

#[tokio::test]
async fn generic_json_pointer_headers_and_metric() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/subscribers"))
        .and(header("authorization", "Token nl-secret"))
        .and(header("x-plain", "yes"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"stats": [{"count": "4312"}]}})),
        )
        .mount(&server)
        .await;
    let toml = format!(
        r#"[[accounts]]
platform = "json"
url = "https://api.newsletter.example/v1/subscribers"
base_url = "{}"
pointer = "/data/stats/0/count"
metric = "subscribers"
headers = {{ Authorization = "Token ${{NEWSLETTER_TEST_KEY}}", X-Plain = "yes" }}
"#,
        server.uri()
    );
    let a = Config::parse(&toml, std::path::Path::new("t.toml"))
        .unwrap()
        .accounts
        .remove(0);
    assert_eq!(a.id, "json:api.newsletter.example");
    assert_eq!(a.metric(), "subscribers");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 4_312);

    let mut missing = a.clone();
    missing.headers = vec![(
        "Authorization".into(),
        "Token ${NEWSLETTER_TEST_UNSET}".into(),
    )];
    assert_eq!(
        fetch(&missing).await.unwrap_err().to_string(),
        "environment variable NEWSLETTER_TEST_UNSET is not set"
    );
    let mut wrong = a.clone();
    wrong.pointer = Some("/data/nope".into());
    assert_eq!(
        fetch(&wrong).await.unwrap_err().to_string(),
        "unexpected answer: nothing at pointer `/data/nope`"
    );
    let text = serve(200, json!({"data": {"stats": [{"count": "many"}]}})).await;
    let mut not_number = a.clone();
    not_number.base_url = Some(text.uri());
    assert!(
        fetch(&not_number)
            .await
            .unwrap_err()
            .to_string()
            .contains("is not a number")
    );
    let limited = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "90"))
        .mount(&limited)
        .await;
    let mut slow = a.clone();
    slow.base_url = Some(limited.uri());
    let until = fetch(&slow)
        .await
        .unwrap_err()
        .hold_until()
        .unwrap()
        .as_second();
    assert!((now() + 88..=now() + 92).contains(&until), "{until}");
}

#[test]
fn json_accounts_need_url_and_pointer_and_keys_stay_with_their_platform() {
    let parse = |t: &str| {
        Config::parse(t, std::path::Path::new("c.toml"))
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let err = parse("[[accounts]]\nplatform = \"json\"\nurl = \"https://x.example/n\"\n");
    assert!(
        err.contains("needs `url`") && err.starts_with("c.toml:1:"),
        "{err}"
    );
    let err = parse("[[accounts]]\nplatform = \"github\"\nhandle = \"a\"\npointer = \"/x\"\n");
    assert!(
        err.contains("key `pointer` applies only to platform = \"json\""),
        "{err}"
    );
    let err = parse(
        "[[accounts]]\nplatform = \"json\"\nurl = \"https://x.example/n\"\npointer = \"data\"\n",
    );
    assert!(err.contains("RFC 6901"), "{err}");
    let err = parse("[[accounts]]\nplatform = \"reddit\"\nhandle = \"spez\"\n");
    assert!(err.contains("u/NAME"), "{err}");
}
