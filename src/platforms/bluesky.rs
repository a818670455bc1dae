//! Bluesky, through the public AppView (no auth).
//!
//! `GET /xrpc/app.bsky.actor.getProfile?actor=<handle or DID>` answers a
//! profileViewDetailed (`followersCount`, `followsCount`, `postsCount`). An
//! unknown profile is 400 `{"error":"InvalidRequest","message":"Profile not found"}`.
//! Rate limits: `ratelimit-remaining` and `ratelimit-reset` (epoch seconds);
//! 429 `{"error":"RateLimitExceeded"}` when exceeded.
//!
//! Followers: `GET /xrpc/app.bsky.graph.getFollowers?actor=&limit=100&cursor=`
//! answers `{subject, followers: [profileView], cursor}` (a profileView has
//! `did`, `handle`, `displayName`, no counts); no `cursor` on the last page.
//! Why someone is gone: `getProfile` of their DID answers 400
//! `AccountDeactivated` (deactivated), `AccountTakedown` (taken down:
//! suspended) or "Profile not found" (deleted).

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count,
    default_hold, epoch_header, int_header, json, opt_count, retry_after, said, status_error, url,
};
use super::{Page, Person, budget, person, send};
use crate::http::{Http, Response};
use crate::model::Account;

/// The largest page getFollowers gives.
pub const PAGE: usize = 100;

#[derive(Deserialize)]
struct Followers {
    followers: Vec<ProfileView>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileView {
    did: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    display_name: Option<String>,
}

fn rate_budget(resp: &Response) -> Option<super::Budget> {
    budget(
        resp,
        "ratelimit-remaining",
        "ratelimit-limit",
        epoch_header(resp, "ratelimit-reset"),
    )
}

fn failed(resp: &Response, account: &Account, now: Timestamp) -> FetchError {
    match Bluesky.interpret(resp, account, now) {
        Err(e) => e,
        Ok(_) => FetchError::BadResponse(format!("HTTP {} instead of a list", resp.status)),
    }
}

async fn page(
    http: &Http,
    account: &Account,
    root: String,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<Page, FetchError> {
    let limit = PAGE.to_string();
    let mut query = vec![("actor", account.handle.as_str()), ("limit", &limit)];
    if let Some(c) = cursor {
        query.push(("cursor", c));
    }
    let u = url(&root, "/xrpc/app.bsky.graph.getFollowers", &query)?;
    let resp = send(http, Request::get(u)).await?;
    if resp.status != 200 {
        return Err(failed(&resp, account, now));
    }
    let list: Followers = json(&resp)?;
    let people: Vec<Person> = list
        .followers
        .iter()
        .map(|p| person(&p.did, &p.handle, p.display_name.as_deref(), None))
        .collect();
    let next = list.cursor.filter(|c| !c.is_empty() && !people.is_empty());
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
    now: Timestamp,
) -> Result<Option<&'static str>, FetchError> {
    let u = url(
        &root,
        "/xrpc/app.bsky.actor.getProfile",
        &[("actor", who.id.as_str())],
    )?;
    let resp = send(http, Request::get(u)).await?;
    if resp.status == 200 {
        return Ok(None);
    }
    let e: XrpcError = json(&resp).unwrap_or_default();
    match (resp.status, e.error.as_str()) {
        (400, "AccountDeactivated") => Ok(Some("deactivated")),
        (400, "AccountTakedown") => Ok(Some("suspended")),
        (400, _) if e.message.to_lowercase().contains("not found") => Ok(Some("deleted")),
        _ => Err(failed(&resp, account, now)),
    }
}

pub const API_ROOT: &str = "https://public.api.bsky.app";

pub struct Bluesky;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    follows_count: serde_json::Value,
    #[serde(default)]
    posts_count: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct XrpcError {
    #[serde(default, deserialize_with = "said")]
    error: String,
    #[serde(default, deserialize_with = "said")]
    message: String,
}

impl SimpleApi for Bluesky {
    const KIND: PlatformKind = PlatformKind::Bluesky;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Blue;

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["bsky.app".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if h.starts_with("did:") || (h.contains('.') && !h.contains('/') && !h.contains(' ')) {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a Bluesky handle or DID (e.g. alice.bsky.social or did:plc:...)"
            ))
        }
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
        _secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Page, FetchError>> {
        Box::pin(page(http, account, root, cursor, now))
    }

    fn why_gone<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        root: String,
        who: &'a Person,
        _secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<&'static str>, FetchError>> {
        Box::pin(gone(http, account, root, who, now))
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        _secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        Ok(Request::get(url(
            root,
            "/xrpc/app.bsky.actor.getProfile",
            &[("actor", &account.handle)],
        )?))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        if resp.status == 200 {
            let p: Profile = json(resp)?;
            if p.followers_count.is_null() {
                return Err(FetchError::BadResponse(
                    "the profile has no followersCount".into(),
                ));
            }
            let exhausted = int_header(resp, "ratelimit-remaining") == Some(0);
            return Ok(Fetched {
                counts: Counts {
                    followers: count(&p.followers_count, "followersCount")?,
                    following: opt_count(&p.follows_count, "followsCount")?,
                    posts: opt_count(&p.posts_count, "postsCount")?,
                },
                hold_until: if exhausted {
                    epoch_header(resp, "ratelimit-reset")
                } else {
                    None
                },
                remember: None,
            });
        }
        let e: XrpcError = json(resp).unwrap_or_default();
        match (resp.status, e.error.as_str()) {
            (429, _) => Err(FetchError::RateLimited {
                until: epoch_header(resp, "ratelimit-reset")
                    .or_else(|| retry_after(resp, now))
                    .unwrap_or_else(|| default_hold(now)),
                detail: if e.message.is_empty() {
                    "Rate Limit Exceeded".into()
                } else {
                    e.message
                },
            }),
            (400, "AccountTakedown") => Err(FetchError::NotFound(format!(
                "Bluesky account {} was taken down",
                account.handle
            ))),
            (400, "AccountDeactivated") => Err(FetchError::NotFound(format!(
                "Bluesky account {} is deactivated",
                account.handle
            ))),
            (400, _) if e.message.to_lowercase().contains("not found") => Err(
                FetchError::NotFound(format!("no Bluesky profile {}", account.handle)),
            ),
            (400, _) if !e.message.is_empty() => Err(FetchError::Status(format!(
                "Bluesky refused the request: {}",
                e.message
            ))),
            _ => Err(status_error(
                resp,
                (!e.error.is_empty())
                    .then(|| format!("{} {}", e.error, e.message).trim().to_string()),
            )),
        }
    }
}
