//! Bluesky, through the public AppView (no auth).
//!
//! `GET /xrpc/app.bsky.actor.getProfile?actor=<handle or DID>` answers a
//! profileViewDetailed (`followersCount`, `followsCount`, `postsCount`). An
//! unknown profile is 400 `{"error":"InvalidRequest","message":"Profile not found"}`.
//! Rate limits: `ratelimit-remaining` and `ratelimit-reset` (epoch seconds);
//! 429 `{"error":"RateLimitExceeded"}` when exceeded.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, default_hold, epoch_header,
    int_header, json, retry_after, status_error, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://public.api.bsky.app";

pub struct Bluesky;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    followers_count: Option<i64>,
    follows_count: Option<i64>,
    posts_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct XrpcError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    if resp.status == 200 {
        let p: Profile = json(resp)?;
        let followers = p
            .followers_count
            .ok_or_else(|| FetchError::BadResponse("the profile has no followersCount".into()))?;
        let exhausted = int_header(resp, "ratelimit-remaining") == Some(0);
        return Ok(Fetched {
            counts: Counts {
                followers,
                following: p.follows_count,
                posts: p.posts_count,
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
        (400, _) if e.message.to_lowercase().contains("not found") => Err(FetchError::NotFound(
            format!("no Bluesky profile {}", account.handle),
        )),
        (400, _) if !e.message.is_empty() => Err(FetchError::Status(format!(
            "Bluesky refused the request: {}",
            e.message
        ))),
        _ => Err(status_error(
            resp,
            (!e.error.is_empty()).then(|| format!("{} {}", e.error, e.message).trim().to_string()),
        )),
    }
}

fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    Ok(Request::get(url(
        root,
        "/xrpc/app.bsky.actor.getProfile",
        &[("actor", &account.handle)],
    )?))
}

impl Platform for Bluesky {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Bluesky
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if h.starts_with("did:") || (h.contains('.') && !h.contains('/') && !h.contains(' ')) {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a Bluesky handle or DID (e.g. alice.bsky.social or did:plc:...)"
            ))
        }
    }

    fn api_root(&self, account: &Account) -> String {
        super::root_or(account, API_ROOT)
    }

    fn fetch<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        super::fetch_one(self, http, account, request, interpret)
    }
}
