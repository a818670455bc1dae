//! Mastodon and compatible servers.
//!
//! `GET /api/v1/accounts/lookup?acct=user@instance` (public, no token) answers
//! an Account entity (`followers_count`, `following_count`, `statuses_count`),
//! or 404 `{"error":"Record not found"}`. Rate limits: `X-RateLimit-Remaining`
//! and `X-RateLimit-Reset` (an ISO 8601 time); 429 when exceeded, in 5-minute windows.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, default_hold, json, retry_after,
    status_error, token, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub struct Mastodon;

#[derive(Deserialize)]
struct AccountEntity {
    followers_count: i64,
    following_count: Option<i64>,
    statuses_count: Option<i64>,
}

#[derive(Deserialize)]
struct ErrorEntity {
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

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    let error_text = || json::<ErrorEntity>(resp).ok().map(|e| e.error);
    match resp.status {
        200 => {
            let a: AccountEntity = json(resp)?;
            let exhausted = super::int_header(resp, "x-ratelimit-remaining") == Some(0);
            Ok(Fetched {
                counts: Counts {
                    followers: a.followers_count,
                    following: a.following_count,
                    posts: a.statuses_count,
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
            error_text().unwrap_or_else(|| resp.status.to_string())
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

/// `GET /api/v1/accounts/lookup?acct=`, with the token when `token_env` names one.
fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    let mut req = Request::get(url(
        root,
        "/api/v1/accounts/lookup",
        &[("acct", &account.handle)],
    )?);
    if let Some(t) = token(account, None)? {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    Ok(req)
}

impl Platform for Mastodon {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Mastodon
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
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

    fn fetch<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        super::fetch_one(self, http, account, request, interpret)
    }
}
