//! Newsletters: Buttondown, Kit, beehiiv, Ghost (a signed Admin API token)
//! and Mailchimp (the key's data centre picks the host) against a loopback
//! server serving each one's documented answers.

use crate::common::*;
use base64::Engine;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde_json::json;
use socialtop::model::MapSecrets;
use socialtop::platforms::{FetchError, Fetched};
use wiremock::matchers::{header, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GHOST_KEY: &str =
    "6489c0ab3e1d2f0001a1b2c3:a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

fn secrets() -> MapSecrets {
    MapSecrets::new([
        ("BUTTONDOWN_API_KEY", "bd-key"),
        ("KIT_API_KEY", "kit_key"),
        ("BEEHIIV_API_KEY", "bh-key"),
        ("GHOST_ADMIN_API_KEY", GHOST_KEY),
        ("MAILCHIMP_API_KEY", "0123456789abcdef0123456789abcdef-us6"),
        ("MC_NO_DC", "0123456789abcdef"),
        ("GHOST_BAD", "not-a-key"),
    ])
}

async fn fetch(a: &socialtop::model::Account) -> Result<Fetched, FetchError> {
    fetch_at(a, &secrets(), None, Timestamp::now()).await
}

fn wait(err: &FetchError) -> i64 {
    err.hold_until().unwrap().as_second() - Timestamp::now().as_second()
}

// ---------- Buttondown ----------

#[tokio::test]
async fn buttondown_counts_regular_subscribers() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/subscribers"))
        .and(query_param("type", "regular"))
        .and(header("authorization", "Token bd-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 1530, "next": "https://api.buttondown.com/v1/subscribers?page=2&type=regular", "previous": null,
            "results": [{"id": "4a3c1b0e-5f0c-4c50-9f0a-1e7c1f1a2b3c", "email_address": "reader@example.com", "type": "regular", "creation_date": "2026-01-01T00:00:00Z"}]
        })))
        .mount(&server)
        .await;
    let a = account_at("buttondown", "mynewsletter", &server.uri(), "");
    assert_eq!(a.metric(), "subscribers");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 1530);

    let auth = answer(401, &[], json!({"detail": "Invalid token."})).await;
    assert_eq!(
        fetch(&account_at("buttondown", "mynewsletter", &auth.uri(), ""))
            .await
            .unwrap_err()
            .to_string(),
        "Buttondown refused the API key in BUTTONDOWN_API_KEY (Invalid token.); copy the key from Settings → API"
    );
    let limited = answer(
        429,
        &[("retry-after", "30")],
        json!({"detail": "Request was throttled. Expected available in 30 seconds."}),
    )
    .await;
    let err = fetch(&account_at(
        "buttondown",
        "mynewsletter",
        &limited.uri(),
        "",
    ))
    .await
    .unwrap_err();
    assert!((28..=31).contains(&wait(&err)), "{err}");
}

// ---------- Kit ----------

#[tokio::test]
async fn kit_reads_the_total_count() {
    let server = MockServer::start().await;
    Mock::given(path("/v4/subscribers"))
        .and(query_param("status", "active"))
        .and(query_param("include_total_count", "true"))
        .and(header("x-kit-api-key", "kit_key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "subscribers": [{"id": 142, "first_name": null, "email_address": "reader@example.com", "state": "active", "created_at": "2026-01-01T00:00:00Z", "fields": {}}],
            "pagination": {"has_previous_page": false, "has_next_page": true, "start_cursor": "WzE0Ml0=", "end_cursor": "WzE0Ml0=", "per_page": 1, "total_count": 9876}
        })))
        .mount(&server)
        .await;
    let a = account_at("kit", "myaccount", &server.uri(), "");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 9876);
    let auth = answer(401, &[], json!({"errors": ["The access token is invalid"]})).await;
    let err = fetch(&account_at("kit", "myaccount", &auth.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Kit refused the API key in KIT_API_KEY (The access token is invalid)"),
        "{err}"
    );
    let limited = answer(
        429,
        &[("retry-after", "15")],
        json!({"errors": ["Too many requests"]}),
    )
    .await;
    let err = fetch(&account_at("kit", "myaccount", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!((13..=16).contains(&wait(&err)), "{err}");
}

// ---------- beehiiv ----------

const PUB: &str = "pub_00000000-0000-0000-0000-000000000000";

#[tokio::test]
async fn beehiiv_active_subscriptions() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/v2/publications/{PUB}")))
        .and(query_param("expand[]", "stats"))
        .and(header("authorization", "Bearer bh-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "id": PUB, "name": "My Newsletter", "organization_name": "Me", "referral_program_enabled": true, "created": 1_666_000_000,
            "stats": {"active_subscriptions": 3210, "active_premium_subscriptions": 12, "active_free_subscriptions": 3198, "average_open_rate": 0.51, "average_click_rate": 0.08, "total_sent": 44, "total_unique_opened": 1000, "total_clicked": 120}
        }})))
        .mount(&server)
        .await;
    let a = account_at("beehiiv", PUB, &server.uri(), "");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 3210);
    let gone = answer(
        404,
        &[],
        json!({"status": 404, "statusText": "Not Found", "errors": [{"message": "Publication not found", "code": "NOT_FOUND"}]}),
    )
    .await;
    assert_eq!(
        fetch(&account_at("beehiiv", PUB, &gone.uri(), ""))
            .await
            .unwrap_err()
            .to_string(),
        format!("not found: no beehiiv publication {PUB}")
    );
    let auth = answer(
        401,
        &[],
        json!({"status": 401, "statusText": "Unauthorized", "errors": [{"message": "Invalid API key", "code": "UNAUTHORIZED"}]}),
    )
    .await;
    let err = fetch(&account_at("beehiiv", PUB, &auth.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("BEEHIIV_API_KEY (Invalid API key)"),
        "{err}"
    );
    let limited = answer(429, &[("retry-after", "5")], json!({"status": 429, "statusText": "Too Many Requests", "errors": [{"message": "Rate limit exceeded"}]})).await;
    let err = fetch(&account_at("beehiiv", PUB, &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::RateLimited { .. }), "{err}");
}

// ---------- Ghost ----------

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn ghost_members_with_a_signed_admin_token() {
    let server = MockServer::start().await;
    Mock::given(path("/ghost/api/admin/members/"))
        .and(query_param("limit", "1"))
        .and(header("accept-version", "v5.0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "members": [{"id": "623199bfe8bc4d3097caefe0", "uuid": "4fa3e4df-85d5-44bd-b0bf-d504bbe22060", "email": "jamie@example.com", "status": "free"}],
            "meta": {"pagination": {"page": 1, "limit": 1, "pages": 2048, "total": 2048, "next": 2, "prev": null}}
        })))
        .mount(&server)
        .await;
    let a = account_at("ghost", "blog.example.com", &server.uri(), "");
    assert_eq!(a.metric(), "members");
    let now = Timestamp::now();
    let f = fetch_at(&a, &secrets(), None, now).await.unwrap();
    assert_eq!(f.counts.followers, 2048);

    // the token: HS256 over the hex-decoded secret, kid = id, 5 minutes, aud /admin/
    let reqs = server.received_requests().await.unwrap();
    let auth = reqs[0]
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    let jwt = auth.strip_prefix("Ghost ").unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let head: serde_json::Value = serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
    let body: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    let (id, secret) = GHOST_KEY.split_once(':').unwrap();
    assert_eq!(head["alg"], "HS256");
    assert_eq!(head["kid"], id);
    assert_eq!(body["aud"], "/admin/");
    assert_eq!(body["iat"], now.as_second());
    assert_eq!(body["exp"], now.as_second() + 300);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&hex(secret)).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    mac.verify_slice(&b64.decode(parts[2]).unwrap()).unwrap();
    assert!(!auth.contains(secret));
}

#[tokio::test]
async fn ghost_errors() {
    let ge = |ty: &str, msg: &str, code: &str| json!({"errors": [{"message": msg, "context": null, "type": ty, "details": null, "property": null, "help": null, "code": code, "id": "e6f3c5a0-1234-11ee-9d6a-0242ac120002", "ghostErrorCode": null}]});
    let unknown = answer(
        401,
        &[],
        ge("UnauthorizedError", "Unknown Admin API Key", "INVALID_JWT"),
    )
    .await;
    let err = fetch(&account_at("ghost", "blog.example.com", &unknown.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "Ghost refused the Admin API key in GHOST_ADMIN_API_KEY (Unknown Admin API Key)"
        ),
        "{err}"
    );
    let limited = answer(
        429,
        &[("retry-after", "60")],
        ge("TooManyRequestsError", "Too many requests.", ""),
    )
    .await;
    let err = fetch(&account_at("ghost", "blog.example.com", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!((58..=61).contains(&wait(&err)), "{err}");
    let none = answer(404, &[], ge("NotFoundError", "Resource not found", "")).await;
    assert!(matches!(
        fetch(&account_at("ghost", "blog.example.com", &none.uri(), "")).await,
        Err(FetchError::NotFound(_))
    ));
    let bad = fetch(&account_at(
        "ghost",
        "blog.example.com",
        &none.uri(),
        "token_env = \"GHOST_BAD\"",
    ))
    .await
    .unwrap_err();
    assert_eq!(
        bad.to_string(),
        "GHOST_BAD is not a Ghost Admin API key (id:secret, the secret in hex); copy it from Settings → Integrations"
    );
}

// ---------- Mailchimp ----------

#[tokio::test]
async fn mailchimp_audience_members_with_basic_auth() {
    let server = MockServer::start().await;
    let basic = base64::engine::general_purpose::STANDARD
        .encode("socialtop:0123456789abcdef0123456789abcdef-us6");
    Mock::given(path("/3.0/lists/57afe96172"))
        .and(query_param("fields", "stats.member_count"))
        .and(header("authorization", format!("Basic {basic}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"stats": {"member_count": 4567}})),
        )
        .mount(&server)
        .await;
    let a = account_at("mailchimp", "57afe96172", &server.uri(), "");
    assert_eq!(a.metric(), "subscribers");
    assert_eq!(fetch(&a).await.unwrap().counts.followers, 4567);

    let problem = |status: u16, title: &str, detail: &str| json!({"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": title, "status": status, "detail": detail, "instance": "2b7f6a4e-6c1d-4b3a-9c39-7c0e3f0d1a2b"});
    let missing = answer(
        404,
        &[],
        problem(
            404,
            "Resource Not Found",
            "The requested resource could not be found.",
        ),
    )
    .await;
    assert_eq!(
        fetch(&account_at("mailchimp", "nope", &missing.uri(), ""))
            .await
            .unwrap_err()
            .to_string(),
        "not found: no Mailchimp audience nope"
    );
    let invalid = answer(
        401,
        &[],
        problem(
            401,
            "API Key Invalid",
            "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
        ),
    )
    .await;
    let err = fetch(&account_at("mailchimp", "57afe96172", &invalid.uri(), ""))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Mailchimp refused the key in MAILCHIMP_API_KEY (API Key Invalid)"),
        "{err}"
    );
    let limited = answer(
        429,
        &[],
        problem(
            429,
            "Too Many Requests",
            "You have exceeded the limit of 10 simultaneous connections.",
        ),
    )
    .await;
    let err = fetch(&account_at("mailchimp", "57afe96172", &limited.uri(), ""))
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn mailchimp_key_without_a_data_centre_is_an_error_before_any_request() {
    let toml = "[[accounts]]\nplatform = \"mailchimp\"\nhandle = \"57afe96172\"\ntoken_env = \"MC_NO_DC\"\n";
    let a = socialtop::config::Config::parse(toml, std::path::Path::new("t.toml"))
        .unwrap()
        .accounts
        .remove(0);
    let err = fetch(&a).await.unwrap_err();
    assert!(matches!(err, FetchError::Auth(_)), "{err}");
    assert!(err.to_string().contains("no data-centre suffix"), "{err}");
    assert!(!err.to_string().contains("0123456789abcdef"));
}
