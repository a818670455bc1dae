//! Discord: an invite's approximate member count, `GET /api/v10/invites/{code}?with_counts=true`
//! → `{"approximate_member_count": N, "approximate_presence_count": M, ...}`.
//! Unknown invite: 404 `{"message": "Unknown Invite", "code": 10006}`. Rate
//! limits: `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds); 429
//! with `{"retry_after": seconds, "global": bool}`. Handle: the invite code or
//! its URL (`discord.gg/CODE`).

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, int_header, json, reset_header,
    status_error, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://discord.com";

pub struct Discord;

#[derive(Deserialize)]
struct Invite {
    approximate_member_count: Option<i64>,
}

#[derive(Deserialize, Default)]
struct DiscordError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
    retry_after: Option<f64>,
}

/// `discord.gg/abc`, `https://discord.com/invite/abc` or `abc` → `abc`.
fn code(handle: &str) -> &str {
    handle
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(handle)
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    let e = || json::<DiscordError>(resp).unwrap_or_default();
    match resp.status {
        200 => {
            let i: Invite = json(resp)?;
            let members = i.approximate_member_count.ok_or_else(|| {
                FetchError::BadResponse(
                    "no approximate_member_count (was with_counts dropped?)".into(),
                )
            })?;
            let hold = (int_header(resp, "x-ratelimit-remaining") == Some(0))
                .then(|| reset_header(resp, "x-ratelimit-reset", now))
                .flatten();
            Ok(Fetched::new(Counts {
                followers: members,
                following: None,
                posts: None,
            })
            .hold(hold))
        }
        404 => Err(FetchError::NotFound(format!(
            "no Discord invite {} (expired or revoked)",
            code(&account.handle)
        ))),
        429 => {
            let err = e();
            let until = match err.retry_after {
                Some(s) => now
                    .checked_add(jiff::SignedDuration::from_millis((s * 1000.0).ceil() as i64))
                    .unwrap_or(now),
                None => super::wait_until(resp, Some("x-ratelimit-reset"), now),
            };
            Err(FetchError::RateLimited {
                until,
                detail: err.message,
            })
        }
        401 | 403 => Err(FetchError::Auth(format!(
            "Discord refused the request ({})",
            e().message
        ))),
        _ => {
            let err = e();
            Err(status_error(
                resp,
                Some(format!("{} (code {})", err.message, err.code)),
            ))
        }
    }
}

fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    let path = format!("/api/v10/invites/{}", code(&account.handle));
    Ok(Request::get(url(root, &path, &[("with_counts", "true")])?))
}

impl Platform for Discord {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Discord
    }

    fn metric(&self, _handle: &str) -> &'static str {
        "members"
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        let c = code(&account.handle);
        if !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
            Ok(())
        } else {
            Err(format!(
                "`{}` is not a Discord invite code or link",
                account.handle
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
