//! TikTok, Pinterest, LinkedIn company pages and Patreon against a loopback
//! server serving each one's documented answers: counts, the wrong account,
//! not found, expired or invalid tokens, missing scopes, rate limits.

use crate::common::*;
use jiff::Timestamp;
use serde_json::json;
use socialtop::model::MapSecrets;
use socialtop::platforms::{FetchError, Fetched};
use wiremock::matchers::{header, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn secrets() -> MapSecrets {
    MapSecrets::new([
        ("TIKTOK_TOKEN", "act.tiktok-token"),
        ("PINTEREST_TOKEN", "pina_token"),
        ("LINKEDIN_TOKEN", "li-token"),
        ("PATREON_TOKEN", "pt-token"),
    ])
}

async fn fetch(a: &socialtop::model::Account) -> Result<Fetched, FetchError> {
    fetch_at(a, &secrets(), None, Timestamp::now()).await
}

fn wait(err: &FetchError) -> i64 {
    err.hold_until().unwrap().as_second() - Timestamp::now().as_second()
}

// ---------- TikTok ----------

#[tokio::test]
async fn tiktok_token_owner_counts_and_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/v2/user/info/"))
        .and(query_param(
            "fields",
            "open_id,username,follower_count,following_count,video_count",
        ))
        .and(header("authorization", "Bearer act.tiktok-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"user": {"open_id": "723f24d7-e717-40f8-a2b6-cb8464cd23b4", "username": "tiktok", "follower_count": 81_000_000, "following_count": 2, "video_count": 1234}},
            "error": {"code": "ok", "message": "", "log_id": "20231107221403E19A5EC6EA8D7A09A6F1"}
        })))
        .mount(&server)
        .await;
    let f = fetch(&account_at("tiktok", "tiktok", &server.uri(), ""))
        .await
        .unwrap();
    assert_eq!(
        (f.counts.followers, f.counts.following, f.counts.posts),
        (81_000_000, Some(2), Some(1234))
    );
    let err = fetch(&account_at("tiktok", "someoneelse", &server.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the token in TIKTOK_TOKEN belongs to @tiktok, not @someoneelse"),
        "{err}"
    );

    let tt_err = |code: &str, msg: &str| json!({"data": {}, "error": {"code": code, "message": msg, "log_id": "202206221854370101130062072500FFA2"}});
    let invalid = answer(
        401,
        &[],
        tt_err(
            "access_token_invalid",
            "The access token is invalid or not found in the request.",
        ),
    )
    .await;
    let err = fetch(&account_at("tiktok", "tiktok", &invalid.uri(), ""))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Auth(_)));
    assert!(
        err.to_string()
            .starts_with("the TikTok token in TIKTOK_TOKEN is invalid or has expired"),
        "{err}"
    );
    let scope = answer(
        401,
        &[],
        tt_err(
            "scope_not_authorized",
            "The user did not authorize the scope required for completing this request.",
        ),
    )
    .await;
    let err = fetch(&account_at("tiktok", "tiktok", &scope.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("user.info.stats"), "{err}");
    let limited = answer(
        429,
        &[("retry-after", "90")],
        tt_err(
            "rate_limit_exceeded",
            "API rate limit was exceeded, only 600 requests per minute are allowed.",
        ),
    )
    .await;
    let err = fetch(&account_at("tiktok", "tiktok", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!((88..=91).contains(&wait(&err)), "{err}");
    let unset = fetch_at(
        &account_at("tiktok", "tiktok", &server.uri(), ""),
        &MapSecrets::default(),
        None,
        Timestamp::now(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        unset.to_string(),
        "environment variable TIKTOK_TOKEN is not set"
    );
}

// ---------- Pinterest ----------

#[tokio::test]
async fn pinterest_user_account_and_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/v5/user_account"))
        .and(header("authorization", "Bearer pina_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", "60")
                .set_body_json(json!({
                    "account_type": "BUSINESS", "id": "549755885175", "username": "pinterest",
                    "profile_image": "https://i.pinimg.com/600x600_R/42/f5/36/42f5364f7d8ae4a2b8b6b5e7f6c0e1bb.jpg",
                    "website_url": "https://about.pinterest.com", "business_name": "Pinterest",
                    "board_count": 28, "pin_count": 1500, "follower_count": 11_000_000,
                    "following_count": 90, "monthly_views": 0
                })),
        )
        .mount(&server)
        .await;
    let f = fetch(&account_at("pinterest", "pinterest", &server.uri(), ""))
        .await
        .unwrap();
    assert_eq!(
        (f.counts.followers, f.counts.posts),
        (11_000_000, Some(1500))
    );
    let held = f.hold_until.unwrap().as_second() - Timestamp::now().as_second();
    assert!((58..=61).contains(&held), "{held}");

    let auth = answer(
        401,
        &[],
        json!({"code": 2, "message": "Authentication failed."}),
    )
    .await;
    let err = fetch(&account_at("pinterest", "pinterest", &auth.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Pinterest refused the token in PINTEREST_TOKEN (Authentication failed.)"),
        "{err}"
    );
    let denied = answer(
        403,
        &[],
        json!({"code": 29, "message": "You are not permitted to access that resource."}),
    )
    .await;
    let err = fetch(&account_at("pinterest", "pinterest", &denied.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("user_accounts:read"), "{err}");
    let limited = answer(
        429,
        &[("x-ratelimit-reset", "30")],
        json!({"code": 8, "message": "You have exceeded your rate limit. Try again later."}),
    )
    .await;
    let err = fetch(&account_at("pinterest", "pinterest", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!((28..=31).contains(&wait(&err)), "{err}");
}

// ---------- LinkedIn ----------

#[tokio::test]
async fn linkedin_company_followers_and_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/rest/networkSizes/urn:li:organization:2414183"))
        .and(query_param("edgeType", "COMPANY_FOLLOWED_BY_MEMBER"))
        .and(header("authorization", "Bearer li-token"))
        .and(header("x-restli-protocol-version", "2.0.0"))
        .and(wiremock::matchers::header_regex(
            "linkedin-version",
            r"^\d{6}$",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"firstDegreeSize": 1_234_567})),
        )
        .mount(&server)
        .await;
    let a = account_at("linkedin", "2414183", &server.uri(), "");
    assert_eq!(a.metric(), "followers");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 1_234_567);
    let urn = account_at("linkedin", "urn:li:organization:2414183", &server.uri(), "");
    assert_eq!(fetch(&urn).await.unwrap().counts.followers, 1_234_567);

    let li = |status: u16, service: i64, code: &str, msg: &str| json!({"status": status, "serviceErrorCode": service, "code": code, "message": msg});
    let expired = answer(
        401,
        &[],
        li(
            401,
            65601,
            "EXPIRED_ACCESS_TOKEN",
            "The token used in the request has expired",
        ),
    )
    .await;
    let err = fetch(&account_at("linkedin", "2414183", &expired.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the LinkedIn token in LINKEDIN_TOKEN has expired;"),
        "{err}"
    );
    let revoked = answer(
        401,
        &[],
        li(
            401,
            65602,
            "REVOKED_ACCESS_TOKEN",
            "The token used in the request has been revoked by the user",
        ),
    )
    .await;
    let err = fetch(&account_at("linkedin", "2414183", &revoked.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("was revoked or is not valid"),
        "{err}"
    );
    let denied = answer(
        403,
        &[],
        li(
            403,
            100,
            "ACCESS_DENIED",
            "Not enough permissions to access: networkSizes.GET.20241001",
        ),
    )
    .await;
    let err = fetch(&account_at("linkedin", "2414183", &denied.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("rw_organization_admin"), "{err}");
    let missing = answer(404, &[], json!({"status": 404, "message": "Not Found"})).await;
    assert_eq!(
        fetch(&account_at("linkedin", "1", &missing.uri(), ""))
            .await
            .unwrap_err()
            .to_string(),
        "not found: no LinkedIn organization 1"
    );
    let limited = answer(
        429,
        &[],
        li(
            429,
            101,
            "TOO_MANY_REQUESTS",
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        ),
    )
    .await;
    let err = fetch(&account_at("linkedin", "2414183", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert_eq!(err.hold_until().unwrap().as_second() % 86_400, 0, "{err}");

    let personal = socialtop::config::Config::parse(
        "[[accounts]]\nplatform = \"linkedin\"\nhandle = \"jane-doe\"\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(personal.contains("use platform = \"manual\""), "{personal}");
}

// ---------- Patreon ----------

#[tokio::test]
async fn patreon_campaign_patrons_and_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/api/oauth2/v2/campaigns/1234567"))
        .and(query_param("fields[campaign]", "patron_count"))
        .and(header("authorization", "Bearer pt-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"attributes": {"patron_count": 321}, "id": "1234567", "type": "campaign"},
            "links": {"self": "https://www.patreon.com/api/oauth2/v2/campaigns/1234567"}
        })))
        .mount(&server)
        .await;
    let a = account_at("patreon", "1234567", &server.uri(), "");
    assert_eq!(a.metric(), "patrons");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 321);

    let pe = |status: &str, code_name: &str, detail: &str| json!({"errors": [{"code": 1, "code_name": code_name, "detail": detail, "id": "5a8dd5ef-0d46-4b88-a6b5-a1e7e9f1a5a3", "status": status, "title": code_name}]});
    let auth = answer(
        401,
        &[],
        pe(
            "401",
            "Unauthorized",
            "The server could not verify that you are authorized to access the URL requested.",
        ),
    )
    .await;
    let err = fetch(&account_at("patreon", "1234567", &auth.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Patreon refused the token in PATREON_TOKEN"),
        "{err}"
    );
    let gone = answer(
        404,
        &[],
        pe(
            "404",
            "ResourceMissing",
            "The requested campaign was not found.",
        ),
    )
    .await;
    assert_eq!(
        fetch(&account_at("patreon", "7", &gone.uri(), ""))
            .await
            .unwrap_err()
            .to_string(),
        "not found: no Patreon campaign 7"
    );
    let limited = answer(
        429,
        &[],
        json!({"errors": [{"code_name": "RequestThrottled", "detail": "You have made too many attempts. Please try again later.", "retry_after_seconds": 42, "status": "429", "title": "Request was throttled."}]}),
    )
    .await;
    let err = fetch(&account_at("patreon", "1234567", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!((40..=43).contains(&wait(&err)), "{err}");
}
