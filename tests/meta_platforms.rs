//! Facebook Pages, Instagram (own account and Business Discovery) and
//! Threads against a loopback server serving Meta's documented Graph API
//! answers: counts, usage headers, unknown objects, personal accounts,
//! expired and revoked tokens, rate limits.

use crate::common::*;
use jiff::Timestamp;
use serde_json::{Value, json};
use socialtop::model::MapSecrets;
use socialtop::platforms::FetchError;
use wiremock::matchers::{path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn secrets() -> MapSecrets {
    MapSecrets::new([
        ("FACEBOOK_TOKEN", "fb-page-token"),
        ("INSTAGRAM_TOKEN", "ig-user-token"),
        ("THREADS_TOKEN", "th-token"),
    ])
}

fn graph_error(code: i64, subcode: Option<i64>, message: &str) -> Value {
    let mut e = json!({"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AWswcVwbcqfgrSgjG80MtqJ"});
    if let Some(s) = subcode {
        e["error_subcode"] = json!(s);
    }
    json!({"error": e})
}

fn expired() -> Value {
    graph_error(
        190,
        Some(463),
        "Error validating access token: Session has expired on Tuesday, 24-Nov-26 09:00:00 PST. The current time is Wednesday, 25-Nov-26 12:00:00 PST.",
    )
}

fn revoked() -> Value {
    graph_error(
        190,
        Some(460),
        "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
    )
}

async fn fetch(a: &socialtop::model::Account) -> Result<socialtop::platforms::Fetched, FetchError> {
    fetch_at(a, &secrets(), None, Timestamp::now()).await
}

// ---------- Facebook ----------

#[tokio::test]
async fn facebook_page_followers_and_likes() {
    let server = MockServer::start().await;
    Mock::given(path("/v24.0/20531316728"))
        .and(query_param("fields", "followers_count,fan_count"))
        .and(query_param("access_token", "fb-page-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "x-app-usage",
                    r#"{"call_count":12,"total_cputime":3,"total_time":4}"#,
                )
                .set_body_json(
                    json!({"followers_count": 4321, "fan_count": 4000, "id": "20531316728"}),
                ),
        )
        .mount(&server)
        .await;
    let a = account_at("facebook", "20531316728", &server.uri(), "");
    assert_eq!(a.metric(), "followers");
    let f = fetch(&a).await.unwrap();
    assert_eq!((f.counts.followers, f.hold_until), (4321, None));
    let likes = account_at(
        "facebook",
        "20531316728",
        &server.uri(),
        "metric = \"likes\"",
    );
    assert_eq!(likes.metric(), "likes");
    assert_eq!(fetch(&likes).await.unwrap().counts.followers, 4000);
}

#[tokio::test]
async fn facebook_usage_at_100_percent_holds_the_host() {
    let server = answer(
        200,
        &[(
            "x-business-use-case-usage",
            r#"{"20531316728":[{"type":"pages","call_count":100,"total_cputime":20,"total_time":25,"estimated_time_to_regain_access":17}]}"#,
        )],
        json!({"followers_count": 1, "fan_count": 1, "id": "20531316728"}),
    )
    .await;
    let f = fetch(&account_at("facebook", "20531316728", &server.uri(), ""))
        .await
        .unwrap();
    let wait = f.hold_until.unwrap().as_second() - Timestamp::now().as_second();
    assert!((16 * 60..=17 * 60 + 5).contains(&wait), "{wait}");
}

#[tokio::test]
async fn facebook_errors_are_short_states() {
    let base = |s: &MockServer| account_at("facebook", "nobody.here", &s.uri(), "");
    let unknown = answer(
        404,
        &[],
        graph_error(
            803,
            None,
            "(#803) Some of the aliases you requested do not exist: nobody.here",
        ),
    )
    .await;
    assert_eq!(
        fetch(&base(&unknown)).await.unwrap_err().to_string(),
        "not found: no Facebook Page nobody.here"
    );

    let profile = answer(
        400,
        &[],
        graph_error(
            100,
            None,
            "(#100) Tried accessing nonexisting field (followers_count) on node type (User)",
        ),
    )
    .await;
    let err = fetch(&base(&profile)).await.unwrap_err();
    assert!(err.to_string().contains("is not a Facebook Page"), "{err}");

    let exp = answer(400, &[], expired()).await;
    let err = fetch(&base(&exp)).await.unwrap_err();
    assert!(matches!(err, FetchError::Auth(_)), "{err}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "the Facebook token in FACEBOOK_TOKEN has expired; get a new Page access token"
        ),
        "{msg}"
    );
    assert!(!msg.contains("fb-page-token"));

    let rev = answer(400, &[], revoked()).await;
    let err = fetch(&base(&rev)).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the Facebook token in FACEBOOK_TOKEN was revoked or is not valid;"),
        "{err}"
    );

    let perm = answer(
        403,
        &[],
        graph_error(
            10,
            None,
            "(#10) This endpoint requires the 'pages_read_engagement' permission",
        ),
    )
    .await;
    let err = fetch(&base(&perm)).await.unwrap_err();
    assert!(
        err.to_string().contains("needs pages_read_engagement"),
        "{err}"
    );

    let limited = answer(
        400,
        &[(
            "x-business-use-case-usage",
            r#"{"123":[{"type":"pages","call_count":104,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":30}]}"#,
        )],
        graph_error(32, None, "(#32) Page request limit reached"),
    )
    .await;
    let err = fetch(&base(&limited)).await.unwrap_err();
    let wait = err.hold_until().unwrap().as_second() - Timestamp::now().as_second();
    assert!((29 * 60..=30 * 60 + 5).contains(&wait), "{wait}");

    let app_limit = answer(
        400,
        &[],
        graph_error(4, None, "(#4) Application request limit reached"),
    )
    .await;
    let err = fetch(&base(&app_limit)).await.unwrap_err();
    assert!(matches!(err, FetchError::RateLimited { .. }), "{err}");

    let unset = account_at("facebook", "x", &unknown.uri(), "token_env = \"FB_OTHER\"");
    assert_eq!(
        fetch(&unset).await.unwrap_err().to_string(),
        "environment variable FB_OTHER is not set"
    );
}

#[test]
fn facebook_metric_is_followers_or_likes_and_other_platforms_take_none() {
    let parse = |p: &str, m: &str| {
        socialtop::config::Config::parse(
            &format!("[[accounts]]\nplatform = \"{p}\"\nhandle = \"x\"\nmetric = \"{m}\"\n"),
            std::path::Path::new("t.toml"),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    assert!(parse("facebook", "likes").is_ok());
    let err = parse("facebook", "views").unwrap_err();
    assert!(err.contains("counts \"followers\" or \"likes\""), "{err}");
    let err = parse("instagram", "likes").unwrap_err();
    assert!(err.contains("applies only to platform = \"json\""), "{err}");
}

// ---------- Instagram ----------

const OWN_ID: &str = "17841405822304914";

async fn instagram() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/v24.0/me/accounts"))
        .and(query_param(
            "fields",
            "instagram_business_account{id,username,followers_count,follows_count,media_count}",
        ))
        .and(query_param("access_token", "ig-user-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"id": "111"},
                {"instagram_business_account": {"id": OWN_ID, "username": "myshop", "followers_count": 500, "follows_count": 10, "media_count": 42}, "id": "1234"}
            ],
            "paging": {"cursors": {"before": "QVFI", "after": "QVFI"}}
        })))
        .mount(&server)
        .await;
    let discovery = |name: &str| {
        format!(
            "business_discovery.username({name}){{username,followers_count,follows_count,media_count}}"
        )
    };
    Mock::given(path(format!("/v24.0/{OWN_ID}")))
        .and(query_param("fields", discovery("bluebottle").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "business_discovery": {"username": "bluebottle", "followers_count": 267_793, "follows_count": 1, "media_count": 1205, "id": "17841401441775531"},
            "id": OWN_ID
        })))
        .mount(&server)
        .await;
    Mock::given(path(format!("/v24.0/{OWN_ID}")))
        .and(query_param("fields", discovery("someperson").as_str()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Invalid user id", "type": "OAuthException", "code": 110, "error_subcode": 2207013,
            "is_transient": false, "error_user_title": "Cannot find User",
            "error_user_msg": "The user with username: someperson cannot be found.", "fbtrace_id": "A1b2"
        }})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn instagram_own_account_and_others_by_business_discovery() {
    let server = instagram().await;
    let own = account_at("instagram", "myshop", &server.uri(), "");
    let f = fetch(&own).await.unwrap();
    assert_eq!(
        (f.counts.followers, f.counts.following, f.counts.posts),
        (500, Some(10), Some(42))
    );
    assert_eq!(f.remember.as_deref(), Some(OWN_ID));

    let other = account_at("instagram", "bluebottle", &server.uri(), "");
    let f = fetch(&other).await.unwrap();
    assert_eq!((f.counts.followers, f.counts.posts), (267_793, Some(1205)));
    assert_eq!(f.remember.as_deref(), Some(OWN_ID));
    let before = server.received_requests().await.unwrap().len();
    // with the id kept, one request
    let f = fetch_at(&other, &secrets(), Some(OWN_ID), Timestamp::now())
        .await
        .unwrap();
    assert_eq!(f.counts.followers, 267_793);
    assert_eq!(server.received_requests().await.unwrap().len(), before + 1);
}

#[tokio::test]
async fn instagram_personal_account_is_a_clear_state() {
    let server = instagram().await;
    let err = fetch(&account_at("instagram", "someperson", &server.uri(), ""))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::NotFound(_)), "{err}");
    assert!(
        err.to_string()
            .contains("Instagram shows counts only for professional accounts"),
        "{err}"
    );
}

#[tokio::test]
async fn instagram_expired_token_and_rate_limit() {
    let exp = answer(400, &[], expired()).await;
    let err = fetch(&account_at("instagram", "myshop", &exp.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the Instagram token in INSTAGRAM_TOKEN has expired; exchange"),
        "{err}"
    );
    let limited = answer(
        400,
        &[],
        graph_error(4, None, "(#4) Application request limit reached"),
    )
    .await;
    let err = fetch(&account_at("instagram", "myshop", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.hold_until().is_some(), "{err}");
    let none = answer(200, &[], json!({"data": [{"id": "111"}]})).await;
    let err = fetch(&account_at("instagram", "myshop", &none.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no Instagram professional account is linked"),
        "{err}"
    );
}

// ---------- Threads ----------

#[tokio::test]
async fn threads_followers_from_insights() {
    let server = MockServer::start().await;
    Mock::given(path("/v1.0/me/threads_insights"))
        .and(query_param("metric", "followers_count"))
        .and(query_param("access_token", "th-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{
            "name": "followers_count", "period": "day", "title": "followers_count",
            "description": "The number of followers on your profile.",
            "total_value": {"value": 4321}, "id": "1234567/insights/followers_count/day"
        }]})))
        .mount(&server)
        .await;
    let a = account_at("threads", "zuck", &server.uri(), "");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 4321);

    let exp = answer(400, &[], expired()).await;
    let err = fetch(&account_at("threads", "zuck", &exp.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("THREADS_TOKEN has expired")
            && err.to_string().contains("th_refresh_token"),
        "{err}"
    );
    let perm = answer(
        403,
        &[],
        graph_error(
            10,
            None,
            "Application does not have permission for this action",
        ),
    )
    .await;
    let err = fetch(&account_at("threads", "zuck", &perm.uri(), ""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("threads_manage_insights"), "{err}");
    let limited = answer(
        429,
        &[("retry-after", "120")],
        graph_error(4, None, "Application request limit reached"),
    )
    .await;
    let err = fetch(&account_at("threads", "zuck", &limited.uri(), ""))
        .await
        .unwrap_err();
    let wait = err.hold_until().unwrap().as_second() - Timestamp::now().as_second();
    assert!((118..=121).contains(&wait), "{wait}");
    let bad = answer(
        400,
        &[],
        graph_error(
            100,
            Some(33),
            "Unsupported get request. Object with ID 'me' does not exist",
        ),
    )
    .await;
    let err = fetch(&account_at("threads", "zuck", &bad.uri(), ""))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::NotFound(_)), "{err}");
}
