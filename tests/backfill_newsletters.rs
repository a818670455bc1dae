//! `socialtop backfill` of newsletters (Kit, beehiiv, Buttondown) as a user
//! runs it, against loopback servers serving each one's documented subscriber
//! lists: paging, a rate limit that stops a run and the next run going on
//! from there, dated unsubscribes, a key without access (named, with what it
//! needs, the server's text cleaned of terminal escapes) and a next page on
//! another host (not followed).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wiremock::matchers::{header, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const DAY: i64 = 86_400;
const PUB: &str = "pub_00000000-0000-0000-0000-000000000000";

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn today() -> i64 {
    now().div_euclid(DAY) * DAY
}

fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).unwrap().to_string()
}

/// Subscriber `k` of `n`: signed up over the last 300 days; every fifth
/// unsubscribed 30 days later (when that is before today).
fn subscriber(k: i64, n: i64) -> (i64, Option<i64>) {
    let created = today() - 300 * DAY + k * (300 * DAY / n) + 3_600;
    let left = (k % 5 == 0)
        .then_some(created + 30 * DAY)
        .filter(|t| *t < today());
    (created, left)
}

/// The count at the end of each day from the first sign-up to yesterday:
/// those who came by then less those who left by then.
fn expected(people: &[(i64, Option<i64>)]) -> BTreeMap<i64, i64> {
    let first = people.iter().map(|p| p.0).min().unwrap().div_euclid(DAY) * DAY;
    let mut want = BTreeMap::new();
    let mut d = first;
    while d < today() {
        let end = d + DAY - 1;
        let n = people
            .iter()
            .filter(|(c, l)| *c <= end && l.is_none_or(|l| l > end))
            .count() as i64;
        want.insert(end, n);
        d += DAY;
    }
    want
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// Every sample of an account: `(at, followers, source)`.
fn history(env: &Env, id: &str) -> Vec<(i64, i64, String)> {
    let text = ok(env.run(&["export", "--format", "csv", "--history", "--out", "-"]));
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records()
        .map(Result::unwrap)
        .filter(|r| &r[0] == id)
        .map(|r| {
            let at: jiff::Timestamp = r[3].parse().unwrap();
            (at.as_second(), r[4].parse().unwrap(), r[7].to_string())
        })
        .collect()
}

fn reconstructed(env: &Env, id: &str) -> BTreeMap<i64, i64> {
    let rows = history(env, id);
    assert!(rows.iter().all(|r| r.2 == "reconstructed"), "{rows:?}");
    rows.iter().map(|r| (r.0, r.1)).collect()
}

fn account(id: &str, platform: &str, handle: &str, uri: &str) -> String {
    format!(
        "[[accounts]]\nid = \"{id}\"\nplatform = \"{platform}\"\nhandle = \"{handle}\"\nbase_url = \"{uri}\"\n"
    )
}

/// What a terminal must never get from a server.
fn assert_clean(out: &std::process::Output, secret: &str) {
    let err = stderr(out);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(!err.contains(secret), "{err}");
}

// ---------- Kit ----------

fn kit_subscriber(k: i64, n: i64, cancelled: bool) -> Value {
    let (created, left) = subscriber(k, n);
    let mut s = json!({
        "id": 1000 + k, "first_name": format!("S{k}"), "email_address": format!("s{k}@kit.dev"),
        "state": if cancelled { "cancelled" } else { "active" },
        "created_at": rfc3339(created), "fields": {}
    });
    if cancelled {
        s["canceled_at"] = json!(left.map(rfc3339));
    }
    s
}

fn kit_page(people: Vec<Value>, next: Option<&str>) -> Value {
    json!({
        "subscribers": people,
        "pagination": {
            "has_previous_page": false, "has_next_page": next.is_some(),
            "start_cursor": "WzFd", "end_cursor": next.unwrap_or("WzEwMF0="), "per_page": 1000
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn kit_active_and_cancelled_subscribers_over_pages_and_a_rate_limit() {
    let n = 250;
    let kit = MockServer::start().await;
    let key = || header("x-kit-api-key", "kit_key");
    let active = |range: std::ops::Range<i64>| -> Vec<Value> {
        range
            .filter(|k| subscriber(*k, n).1.is_none())
            .map(|k| kit_subscriber(k, n, false))
            .collect()
    };
    Mock::given(path("/v4/subscribers"))
        .and(query_param("status", "active"))
        .and(query_param("per_page", "1000"))
        .and(query_param_is_missing("after"))
        .and(key())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(kit_page(active(0..120), Some("WzEyMF0="))),
        )
        .mount(&kit)
        .await;
    // the second page answers once with Kit's 429
    Mock::given(path("/v4/subscribers"))
        .and(query_param("after", "WzEyMF0="))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "2")
                .set_body_json(json!({"errors": ["Rate limit hit."]})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&kit)
        .await;
    Mock::given(path("/v4/subscribers"))
        .and(query_param("status", "active"))
        .and(query_param("after", "WzEyMF0="))
        .and(key())
        .respond_with(ResponseTemplate::new(200).set_body_json(kit_page(active(120..n), None)))
        .with_priority(2)
        .mount(&kit)
        .await;
    // the unsubscribed, with their dates (one undated: not counted)
    let mut cancelled: Vec<Value> = (0..n)
        .filter(|k| subscriber(*k, n).1.is_some())
        .map(|k| kit_subscriber(k, n, true))
        .collect();
    let mut undated = kit_subscriber(3, n, true);
    undated["canceled_at"] = Value::Null;
    undated["id"] = json!(9_999);
    cancelled.push(undated);
    Mock::given(path("/v4/subscribers"))
        .and(query_param("status", "cancelled"))
        .and(query_param("include", "canceled_at"))
        .and(query_param_is_missing("after"))
        .and(key())
        .respond_with(ResponseTemplate::new(200).set_body_json(kit_page(cancelled, None)))
        .mount(&kit)
        .await;
    let env = Env::new(&account("kit", "kit", "myaccount", &kit.uri()));
    let secret = [("KIT_API_KEY", "kit_key")];

    let first = ok(env.run_env(&["backfill", "kit"], &secret));
    assert!(first.contains("stopped by the rate limit until"), "{first}");
    assert!(
        history(&env, "kit").is_empty(),
        "nothing until the last page"
    );
    std::thread::sleep(std::time::Duration::from_millis(3_100));
    let second = ok(env.run_env(&["backfill", "kit"], &secret));
    assert!(
        second.contains("from Kit's subscriber dates (reconstructed, a lower bound)")
            && second.contains("going on from where an earlier run stopped"),
        "{second}"
    );
    let people: Vec<(i64, Option<i64>)> = (0..n).map(|k| subscriber(k, n)).collect();
    assert!(people.iter().any(|p| p.1.is_some()));
    assert_eq!(reconstructed(&env, "kit"), expected(&people));
    let asked: Vec<(String, String)> = kit
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let q = |k: &str| {
                r.url
                    .query_pairs()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (q("status"), q("after"))
        })
        .collect();
    let pair = |s: &str, a: &str| (s.to_string(), a.to_string());
    assert_eq!(
        asked,
        [
            pair("active", ""),
            pair("active", "WzEyMF0="),
            pair("active", "WzEyMF0="),
            pair("cancelled", "")
        ],
        "page one once; the limited page again after the wait"
    );
    let again = ok(env.run_env(&["backfill", "kit"], &secret));
    assert!(
        again.contains("nothing new from Kit's subscriber dates"),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn kit_key_without_access_is_named_with_what_it_needs() {
    let kit = MockServer::start().await;
    Mock::given(path("/v4/subscribers"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"errors": ["The access token is invalid\u{1b}[2J\u{1b}]0;pwned\u{7}"]}),
        ))
        .mount(&kit)
        .await;
    let env = Env::new(&account("kit", "kit", "myaccount", &kit.uri()));
    let out = env.run_env(&["backfill", "kit"], &[("KIT_API_KEY", "v3_secret_123")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "Kit does not list the subscribers of myaccount to the key in KIT_API_KEY (The access token is invalid",
    );
    assert_stderr(&out, "it needs a v4 API key of that account");
    assert_clean(&out, "v3_secret_123");
    let out = env.run(&["backfill", "kit"]);
    assert_stderr(&out, "KIT_API_KEY is not set");
}

// ---------- beehiiv ----------

fn beehiiv_subscription(k: i64, n: i64) -> Value {
    json!({
        "id": format!("sub_{k:08}"), "email": format!("s{k}@example.com"), "status": "active",
        "created": subscriber(k, n).0, "subscription_tier": "free",
        "subscription_premium_tier_names": [], "utm_source": "", "utm_medium": "",
        "utm_channel": "", "utm_campaign": "", "utm_term": "", "utm_content": "",
        "referring_site": "", "referral_code": "ABC"
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn beehiiv_active_subscriptions_by_cursor_with_its_rate_limit_headers() {
    let n = 230;
    let bh = MockServer::start().await;
    let subs = format!("/v2/publications/{PUB}/subscriptions");
    let page =
        |r: std::ops::Range<i64>| -> Vec<Value> { r.map(|k| beehiiv_subscription(k, n)).collect() };
    let bearer = || header("authorization", "Bearer bh-key");
    let limits = |t: ResponseTemplate, left: i64| {
        t.insert_header("ratelimit-limit", "180")
            .insert_header("ratelimit-remaining", left.to_string().as_str())
            .insert_header("ratelimit-reset", (now() + 4).to_string().as_str())
    };
    // the API reference's shape (top level), then the pagination guide's
    Mock::given(path(subs.as_str()))
        .and(query_param("status", "active"))
        .and(query_param("limit", "100"))
        .and(query_param_is_missing("cursor"))
        .and(bearer())
        .respond_with(
            limits(ResponseTemplate::new(200), 170).set_body_json(json!({
                "data": page(0..100), "limit": 100, "has_more": true, "next_cursor": "eyJ0IjoxfQ=="
            })),
        )
        .mount(&bh)
        .await;
    Mock::given(path(subs.as_str()))
        .and(query_param("cursor", "eyJ0IjoxfQ=="))
        .respond_with(limits(ResponseTemplate::new(429), 0).set_body_json(json!({
            "status": 429, "statusText": "Too Many Requests",
            "errors": [{"message": "Rate limit exceeded", "code": "RATE_LIMIT"}]
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&bh)
        .await;
    Mock::given(path(subs.as_str()))
        .and(query_param("cursor", "eyJ0IjoxfQ=="))
        .and(bearer())
        .respond_with(
            limits(ResponseTemplate::new(200), 168).set_body_json(json!({
                "data": page(100..200),
                "pagination": {"limit": 100, "has_more": true, "next_cursor": "eyJ0IjoyfQ=="}
            })),
        )
        .with_priority(2)
        .mount(&bh)
        .await;
    Mock::given(path(subs.as_str()))
        .and(query_param("cursor", "eyJ0IjoyfQ=="))
        .and(bearer())
        .respond_with(
            limits(ResponseTemplate::new(200), 167).set_body_json(json!({
                "data": page(200..n),
                "pagination": {"limit": 100, "has_more": false, "next_cursor": null}
            })),
        )
        .mount(&bh)
        .await;
    let env = Env::new(&account("bh", "beehiiv", PUB, &bh.uri()));
    let secret = [("BEEHIIV_API_KEY", "bh-key")];
    let first = ok(env.run_env(&["backfill", "bh"], &secret));
    assert!(
        first.contains("stopped by the rate limit until") && first.contains("beehiiv"),
        "{first}"
    );
    // the hold is kept: no call before the reset
    let calls = bh.received_requests().await.unwrap().len();
    let held = ok(env.run_env(&["backfill", "bh"], &secret));
    assert!(held.contains("stopped by the rate limit until"), "{held}");
    assert_eq!(bh.received_requests().await.unwrap().len(), calls);
    std::thread::sleep(std::time::Duration::from_millis(5_100));
    let second = ok(env.run_env(&["backfill", "bh"], &secret));
    assert!(
        second.contains("from beehiiv's subscription dates (reconstructed, a lower bound)"),
        "{second}"
    );
    let people: Vec<(i64, Option<i64>)> = (0..n).map(|k| (subscriber(k, n).0, None)).collect();
    assert_eq!(reconstructed(&env, "bh"), expected(&people));
    let cursors: Vec<String> = bh
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        cursors,
        ["", "eyJ0IjoxfQ==", "eyJ0IjoxfQ==", "eyJ0IjoyfQ=="],
        "the first page once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn beehiiv_key_without_access_and_a_bad_time_are_errors_that_say_so() {
    let bh = MockServer::start().await;
    Mock::given(path(format!("/v2/publications/{PUB}/subscriptions")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "status": 403, "statusText": "Forbidden",
            "errors": [{"message": "\u{1b}[31mYou do not have access to this publication\u{1b}[0m", "code": "FORBIDDEN"}]
        })))
        .mount(&bh)
        .await;
    let env = Env::new(&account("bh", "beehiiv", PUB, &bh.uri()));
    let out = env.run_env(&["backfill", "bh"], &[("BEEHIIV_API_KEY", "bh-other-key")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        &format!("beehiiv does not list the subscriptions of {PUB} to the key in BEEHIIV_API_KEY"),
    );
    assert_stderr(&out, "You do not have access to this publication");
    assert_stderr(&out, "subscriptions:read");
    assert_clean(&out, "bh-other-key");

    let bad = MockServer::start().await;
    Mock::given(path(format!("/v2/publications/{PUB}/subscriptions")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "sub_1", "status": "active", "created": -5}],
            "has_more": false
        })))
        .mount(&bad)
        .await;
    let env = Env::new(&account("bh", "beehiiv", PUB, &bad.uri()));
    let out = env.run_env(&["backfill", "bh"], &[("BEEHIIV_API_KEY", "bh-key")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "created -5 is not a time in seconds since 1970");
    assert!(history(&env, "bh").is_empty());
}

// ---------- Buttondown ----------

fn buttondown_subscriber(k: i64, n: i64) -> Value {
    let (created, left) = subscriber(k, n);
    json!({
        "id": format!("sub_{k:026}"), "email_address": format!("s{k}@example.com"),
        "creation_date": rfc3339(created), "type": if left.is_some() { "unsubscribed" } else { "regular" },
        "unsubscription_date": left.map(rfc3339), "source": "form", "tags": [], "metadata": {},
        "notes": "", "referral_code": "x", "secondary_id": k, "utm_campaign": "", "utm_medium": "",
        "utm_source": "", "transitions": []
    })
}

fn buttondown_next(uri: &str, page: i64) -> String {
    format!(
        "{uri}/v1/subscribers?ordering=creation_date&page={page}&type=regular&type=unsubscribed"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn buttondown_regular_and_dated_unsubscribes_are_counted_exactly_over_pages() {
    let n = 240;
    let bd = MockServer::start().await;
    let token = || header("authorization", "Token bd-key");
    let results = |r: std::ops::Range<i64>| -> Vec<Value> {
        r.map(|k| buttondown_subscriber(k, n)).collect()
    };
    let paged = |page: &str| {
        Mock::given(path("/v1/subscribers"))
            .and(query_param("type", "regular"))
            .and(query_param("type", "unsubscribed"))
            .and(query_param("ordering", "creation_date"))
            .and(query_param("page", page))
            .and(token())
    };
    let headers = |t: ResponseTemplate, left: &str| {
        t.insert_header("x-ratelimit-limit", "600")
            .insert_header("x-ratelimit-remaining", left)
            .insert_header("x-ratelimit-reset", (now() + 2).to_string().as_str())
    };
    paged("1")
        .respond_with(headers(ResponseTemplate::new(200), "599").set_body_json(json!({
            "count": n, "next": buttondown_next(&bd.uri(), 2), "previous": null, "results": results(0..100)
        })))
        .mount(&bd)
        .await;
    Mock::given(path("/v1/subscribers"))
        .and(query_param("page", "2"))
        .respond_with(
            headers(ResponseTemplate::new(429), "0")
                .insert_header("retry-after", "2")
                .set_body_json(json!({"code": "rate_limited", "detail": "Request was throttled."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&bd)
        .await;
    paged("2")
        .respond_with(
            headers(ResponseTemplate::new(200), "598").set_body_json(json!({
                "count": n, "next": buttondown_next(&bd.uri(), 3),
                "previous": buttondown_next(&bd.uri(), 1), "results": results(100..200)
            })),
        )
        .with_priority(2)
        .mount(&bd)
        .await;
    // an unsubscribed subscriber without a date is not counted
    let mut last = results(200..n);
    let mut undated = buttondown_subscriber(7, n);
    undated["type"] = json!("unsubscribed");
    last.push(undated);
    paged("3")
        .respond_with(headers(ResponseTemplate::new(200), "597").set_body_json(json!({
            "count": n + 1, "next": null, "previous": buttondown_next(&bd.uri(), 2), "results": last
        })))
        .mount(&bd)
        .await;
    let env = Env::new(&account("bd", "buttondown", "mynewsletter", &bd.uri()));
    let secret = [("BUTTONDOWN_API_KEY", "bd-key")];
    let first = ok(env.run_env(&["backfill", "bd"], &secret));
    assert!(first.contains("stopped by the rate limit until"), "{first}");
    std::thread::sleep(std::time::Duration::from_millis(3_100));
    let second = ok(env.run_env(&["backfill", "bd"], &secret));
    assert!(
        second.contains("from Buttondown's subscriber dates (reconstructed, a lower bound)"),
        "{second}"
    );
    let people: Vec<(i64, Option<i64>)> = (0..n).map(|k| subscriber(k, n)).collect();
    let got = reconstructed(&env, "bd");
    assert_eq!(got, expected(&people));
    // the unsubscribes lower the count: it is not the running total of sign-ups
    let signed_up: Vec<(i64, Option<i64>)> = people.iter().map(|p| (p.0, None)).collect();
    assert_ne!(got, expected(&signed_up));
    let pages: Vec<String> = bd
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(pages, ["1", "2", "2", "3"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn buttondown_next_page_on_another_host_is_not_followed_and_a_key_without_access_is_named() {
    let elsewhere = MockServer::start().await;
    let bd = MockServer::start().await;
    Mock::given(path("/v1/subscribers"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "count": 2, "next": buttondown_next(&elsewhere.uri(), 2), "previous": null,
            "results": [buttondown_subscriber(1, 2)]
        })))
        .mount(&bd)
        .await;
    let env = Env::new(&account("bd", "buttondown", "mynewsletter", &bd.uri()));
    let out = env.run_env(&["backfill", "bd"], &[("BUTTONDOWN_API_KEY", "bd-key")]);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(&out, "not followed");
    assert_clean(&out, "bd-key");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    assert!(history(&env, "bd").is_empty());

    let denied = MockServer::start().await;
    Mock::given(path("/v1/subscribers"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "code": "permission_denied",
            "detail": "This API key lacks subscriber access.\u{1b}]8;;http://x\u{7}click\u{1b}]8;;\u{7}"
        })))
        .mount(&denied)
        .await;
    let env = Env::new(&account("bd", "buttondown", "mynewsletter", &denied.uri()));
    let out = env.run_env(
        &["backfill", "bd"],
        &[("BUTTONDOWN_API_KEY", "bd-read-emails")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_stderr(
        &out,
        "Buttondown does not list the subscribers of mynewsletter to the key in BUTTONDOWN_API_KEY (This API key lacks subscriber access.",
    );
    assert_stderr(&out, "read access to subscribers (subscriber_access");
    assert_clean(&out, "bd-read-emails");
}

/// `backfill --all` names no newsletter as lacking a source any more.
#[test]
fn newsletters_have_a_source() {
    let env = Env::new(&format!(
        "{}{}{}",
        account("kit", "kit", "myaccount", "http://127.0.0.1:9"),
        account("bh", "beehiiv", PUB, "http://127.0.0.1:9"),
        account("bd", "buttondown", "mynewsletter", "http://127.0.0.1:9"),
    ));
    let out = env.run(&["backfill", "--all"]);
    let err = stderr(&out);
    assert!(!err.contains("no platform record of past counts"), "{err}");
    for var in ["KIT_API_KEY", "BEEHIIV_API_KEY", "BUTTONDOWN_API_KEY"] {
        assert!(err.contains(&format!("{var} is not set")), "{err}");
    }
}
