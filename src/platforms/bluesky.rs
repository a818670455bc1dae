//! Bluesky, through the public AppView (no auth).
//!
//! `GET /xrpc/app.bsky.actor.getProfile?actor=<handle or DID>` answers a
//! profileViewDetailed (`followersCount`, `followsCount`, `postsCount`). An
//! unknown profile is 400 `{"error":"InvalidRequest","message":"Profile not found"}`.
//! Rate limits: `ratelimit-remaining` and `ratelimit-reset` (epoch seconds);
//! 429 `{"error":"RateLimitExceeded"}` when exceeded.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count,
    default_hold, epoch_header, int_header, json, opt_count, retry_after, said, status_error, url,
};
use crate::http::Response;
use crate::model::Account;

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
