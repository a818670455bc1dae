//! Mastodon and compatible servers.
//!
//! `GET /api/v1/accounts/lookup?acct=user@instance` (public, no token) answers
//! an Account entity (`followers_count`, `following_count`, `statuses_count`),
//! or 404 `{"error":"Record not found"}`. Rate limits: `X-RateLimit-Remaining`
//! and `X-RateLimit-Reset` (an ISO 8601 time); 429 when exceeded, in 5-minute windows.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count,
    default_hold, json, opt_count, retry_after, said, status_error, token, url, why,
};
use crate::http::Response;
use crate::model::Account;

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
