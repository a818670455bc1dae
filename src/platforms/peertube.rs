//! PeerTube: an account (`name@instance`, or `a/name@instance`) via
//! `GET /api/v1/accounts/{name}`, a video channel (`c/name@instance`) via
//! `GET /api/v1/video-channels/{name}`; both answer `followersCount`.
//! Errors are RFC 7807 problems (`{"status":404,"title":"Not Found","detail":...}`);
//! rate limits are 429 with `Retry-After` and `RateLimit-Reset` (seconds).

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    opt_count, said, status_error, url,
};
use crate::http::Response;
use crate::model::Account;

pub struct Peertube;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Actor {
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    following_count: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct Problem {
    #[serde(default, deserialize_with = "said")]
    detail: String,
    #[serde(default, deserialize_with = "said")]
    error: String,
}

/// (is a channel, name, instance)
fn parse(handle: &str) -> Option<(bool, &str, &str)> {
    let (channel, rest) = match handle.split_once('/') {
        Some(("c", r)) => (true, r),
        Some(("a", r)) => (false, r),
        Some(_) => return None,
        None => (false, handle),
    };
    let (name, host) = rest.split_once('@')?;
    (!name.is_empty() && !host.is_empty()).then_some((channel, name, host))
}

impl SimpleApi for Peertube {
    const KIND: PlatformKind = PlatformKind::Peertube;
    const ROOT: &'static str = "";
    const HUE: Hue = Hue::Yellow;

    fn metric(&self, handle: &str) -> &'static str {
        if parse(handle).is_some_and(|p| p.0) {
            "subscribers"
        } else {
            "followers"
        }
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        parse(&account.handle).map(|_| ()).ok_or_else(|| {
            format!(
                "`{}` is not a PeerTube account (name@instance) or channel (c/name@instance)",
                account.handle
            )
        })
    }

    fn api_root(&self, account: &Account) -> String {
        super::instance_root(account, parse(&account.handle).map(|p| p.2))
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        super::instance_domains(&account.handle)
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        _secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let (channel, name, host) = parse(&account.handle).ok_or_else(|| {
            FetchError::Status(format!("`{}` is not name@instance", account.handle))
        })?;
        let kind = if channel {
            "video-channels"
        } else {
            "accounts"
        };
        Ok(Request::get(url(
            root,
            &format!("/api/v1/{kind}/{name}@{host}"),
            &[],
        )?))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let what = if parse(&account.handle).is_some_and(|p| p.0) {
            "channel"
        } else {
            "account"
        };
        match resp.status {
            200 => {
                let a: Actor = json(resp)?;
                Ok(Fetched::new(Counts {
                    followers: count(&a.followers_count, "followersCount")?,
                    following: opt_count(&a.following_count, "followingCount")?,
                    posts: None,
                }))
            }
            404 => Err(FetchError::NotFound(format!(
                "no PeerTube {what} {}",
                account.handle
            ))),
            429 => Err(FetchError::RateLimited {
                until: super::wait_until(resp, Some("ratelimit-reset"), now),
                detail: "PeerTube rate limit".into(),
            }),
            _ => {
                let p: Problem = json(resp).unwrap_or_default();
                Err(status_error(
                    resp,
                    Some(if p.detail.is_empty() {
                        p.error
                    } else {
                        p.detail
                    }),
                ))
            }
        }
    }
}
