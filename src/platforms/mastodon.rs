//! Mastodon and compatible servers.
//!
//! `GET /api/v1/accounts/lookup?acct=user@instance` (public, no token) answers
//! an Account entity (`followers_count`, `following_count`, `statuses_count`),
//! or 404 `{"error":"Record not found"}`. Rate limits: `X-RateLimit-Remaining`
//! and `X-RateLimit-Reset` (an ISO 8601 time); 429 when exceeded, in 5-minute windows.
//!
//! Followers: `GET /api/v1/accounts/:id/followers?limit=80` (the id from the
//! lookup) answers an array of Account entities, newest follow first; the
//! next page is the `Link` header's `rel="next"` URL, whose `max_id` is a
//! follow's id (not an account's), so it is read from there. An owner who
//! hides their network gets an empty array (the count still says how many).
//! `GET /api/v1/accounts/:id` tells why someone is gone: `moved` set (an
//! Account), `suspended: true`, or 404 (deleted).

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count,
    default_hold, json, opt_count, retry_after, said, status_error, token, url, why,
};
use super::{Page, Person, budget, link_next, person, query_value, safe_segment, send};
use crate::http::{Http, Response};
use crate::model::Account;

/// The largest page the followers endpoint gives.
pub const PAGE: usize = 80;

/// An Account entity as a follower list or a lookup gives it.
#[derive(Deserialize)]
struct Follower {
    #[serde(deserialize_with = "id_text")]
    id: String,
    #[serde(default)]
    acct: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    moved: Option<serde_json::Value>,
    #[serde(default)]
    suspended: Option<bool>,
}

/// An id as text (servers send strings; some forks numbers).
fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) if !s.is_empty() => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom("an account without an id")),
    }
}

fn rate_budget(resp: &Response) -> Option<super::Budget> {
    budget(
        resp,
        "x-ratelimit-remaining",
        "x-ratelimit-limit",
        reset(resp),
    )
}

/// The request, with the token when `token_env` names one.
fn authorized(
    url: reqwest::Url,
    account: &Account,
    secrets: &dyn Secrets,
) -> Result<Request, FetchError> {
    let mut req = Request::get(url);
    if let Some(t) = token(account, None, secrets)? {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    Ok(req)
}

/// An answer that is not a page: the lookup's errors.
fn failed(resp: &Response, account: &Account, now: Timestamp) -> FetchError {
    match Mastodon.interpret(resp, account, now) {
        Err(e) => e,
        Ok(_) => FetchError::BadResponse(format!("HTTP {} instead of a list", resp.status)),
    }
}

async fn page(
    http: &Http,
    account: &Account,
    root: String,
    cursor: Option<&str>,
    secrets: &dyn Secrets,
    now: Timestamp,
) -> Result<Page, FetchError> {
    // the cursor is "<account id> <max_id>"; the first page looks the id up
    let (id, max_id) = match cursor.and_then(|c| c.split_once(' ')) {
        Some((id, max)) => (id.to_string(), Some(max.to_string())),
        None => {
            let req = Mastodon.request(account, &root, secrets)?;
            let resp = send(http, req).await?;
            if resp.status != 200 {
                return Err(failed(&resp, account, now));
            }
            (json::<Follower>(&resp)?.id, None)
        }
    };
    if !safe_segment(&id) {
        return Err(FetchError::BadResponse(
            "an account id that is no id".into(),
        ));
    }
    let mut query = vec![("limit", PAGE.to_string())];
    if let Some(m) = &max_id {
        query.push(("max_id", m.clone()));
    }
    let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let u = url(&root, &format!("/api/v1/accounts/{id}/followers"), &pairs)?;
    let resp = send(http, authorized(u.clone(), account, secrets)?).await?;
    if resp.status != 200 {
        return Err(failed(&resp, account, now));
    }
    let list: Vec<Follower> = json(&resp)?;
    let instance = instance(&account.handle).unwrap_or("");
    let people = list
        .iter()
        .map(|f| {
            // a local account's acct has no domain
            let handle = if f.acct.contains('@') || instance.is_empty() {
                f.acct.clone()
            } else {
                format!("{}@{instance}", f.acct)
            };
            let followers = f.followers_count.as_i64().filter(|n| *n >= 0);
            person(&f.id, &handle, f.display_name.as_deref(), followers)
        })
        .collect::<Vec<Person>>();
    let next = if people.is_empty() {
        None
    } else {
        link_next(&resp, &u)
            .and_then(|n| query_value(&n, "max_id"))
            .map(|m| format!("{id} {m}"))
    };
    Ok(Page {
        people,
        next,
        budget: rate_budget(&resp),
    })
}

async fn gone(
    http: &Http,
    account: &Account,
    root: String,
    who: &Person,
    secrets: &dyn Secrets,
    now: Timestamp,
) -> Result<Option<&'static str>, FetchError> {
    if !safe_segment(&who.id) {
        return Ok(None);
    }
    let u = url(&root, &format!("/api/v1/accounts/{}", who.id), &[])?;
    let resp = send(http, authorized(u, account, secrets)?).await?;
    match resp.status {
        200 => {
            let f: Follower = json(&resp)?;
            Ok(if f.moved.is_some_and(|m| !m.is_null()) {
                Some("moved")
            } else if f.suspended == Some(true) {
                Some("suspended")
            } else {
                None
            })
        }
        404 => Ok(Some("deleted")),
        410 => Ok(Some("suspended")),
        _ => Err(failed(&resp, account, now)),
    }
}

pub struct Mastodon;

#[derive(Deserialize)]
struct AccountEntity {
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    following_count: serde_json::Value,
    #[serde(default)]
    statuses_count: serde_json::Value,
}

#[derive(Deserialize)]
struct ErrorEntity {
    #[serde(deserialize_with = "said")]
    error: String,
}

/// `alice@example.social` → `example.social`.
fn instance(handle: &str) -> Option<&str> {
    let (user, host) = handle.split_once('@')?;
    (!user.is_empty() && !host.is_empty() && !host.contains('@')).then_some(host)
}

fn reset(resp: &Response) -> Option<Timestamp> {
    resp.header("x-ratelimit-reset")?.trim().parse().ok()
}

/// A count where compatible servers (GoToSocial, Akkoma) answer `-1` for "hidden".
fn hidden_or(v: &serde_json::Value, name: &str) -> Result<Option<i64>, FetchError> {
    if v.as_i64() == Some(-1) {
        return Ok(None);
    }
    opt_count(v, name)
}

impl SimpleApi for Mastodon {
    const KIND: PlatformKind = PlatformKind::Mastodon;
    const ROOT: &'static str = "";
    const HUE: Hue = Hue::Magenta;

    fn validate(&self, account: &Account) -> Result<(), String> {
        if account.base_url.is_none() && instance(&account.handle).is_none() {
            return Err(format!(
                "`{}` is not a Mastodon address; write it as user@instance (e.g. alice@mastodon.social)",
                account.handle
            ));
        }
        Ok(())
    }

    fn api_root(&self, account: &Account) -> String {
        super::instance_root(account, instance(&account.handle))
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        super::instance_domains(&account.handle)
    }

    /// `GET /api/v1/accounts/lookup?acct=`, with the token when `token_env` names one.
    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let mut req = Request::get(url(
            root,
            "/api/v1/accounts/lookup",
            &[("acct", &account.handle)],
        )?);
        if let Some(t) = token(account, None, secrets)? {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        Ok(req)
    }

    fn lists_followers(&self, _account: &Account) -> bool {
        true
    }

    fn followers_page<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        root: String,
        cursor: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        Box::pin(page(http, account, root, cursor, secrets, now))
    }

    fn why_gone<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        root: String,
        who: &'a Person,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<&'static str>, FetchError>> {
        Box::pin(gone(http, account, root, who, secrets, now))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let error_text = || json::<ErrorEntity>(resp).ok().map(|e| e.error);
        match resp.status {
            200 => {
                let a: AccountEntity = json(resp)?;
                if a.followers_count.as_i64() == Some(-1) {
                    return Err(FetchError::Hidden(format!(
                        "{} hides its follower count",
                        account.handle
                    )));
                }
                let followers = count(&a.followers_count, "followers_count")?;
                let exhausted = super::int_header(resp, "x-ratelimit-remaining") == Some(0);
                Ok(Fetched {
                    counts: Counts {
                        followers,
                        following: hidden_or(&a.following_count, "following_count")?,
                        posts: hidden_or(&a.statuses_count, "statuses_count")?,
                    },
                    hold_until: if exhausted { reset(resp) } else { None },
                    remember: None,
                })
            }
            404 => Err(FetchError::NotFound(format!(
                "no Mastodon account {}",
                account.handle
            ))),
            410 => Err(FetchError::NotFound(format!(
                "account {} is gone (suspended or deleted)",
                account.handle
            ))),
            401 | 403 => Err(FetchError::Auth(format!(
                "the server refused anonymous access ({}); set token_env to a variable holding an access token",
                why(resp, &error_text().unwrap_or_default())
            ))),
            429 => Err(FetchError::RateLimited {
                until: reset(resp)
                    .or_else(|| retry_after(resp, now))
                    .unwrap_or_else(|| default_hold(now)),
                detail: error_text().unwrap_or_else(|| "Too many requests".into()),
            }),
            _ => Err(status_error(resp, error_text())),
        }
    }
}
