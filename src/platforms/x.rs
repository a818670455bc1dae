//! X API v2: `GET /2/users/by/username/{username}?user.fields=public_metrics`
//! with a bearer token. An unknown or suspended user is a 200 whose body has an
//! `errors` array (`title` "Not Found Error", type `.../resource-not-found`).
//! Rate limits: `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch
//! seconds); 429 when exceeded, and 429 `UsageCapExceeded` when the plan's cap
//! is used up. Token: `X_BEARER_TOKEN`, or the variable named by `token_env`.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, epoch_header, int_header, json,
    required_token, status_error, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://api.x.com";

pub struct X;

#[derive(Deserialize)]
struct Body {
    data: Option<User>,
    #[serde(default)]
    errors: Vec<Problem>,
    // a top-level problem (401, 429, usage caps)
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default, rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct User {
    public_metrics: Metrics,
}

#[derive(Deserialize)]
struct Metrics {
    followers_count: i64,
    following_count: Option<i64>,
    tweet_count: Option<i64>,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(default)]
    title: String,
    #[serde(default)]
    detail: String,
    #[serde(default, rename = "type")]
    kind: String,
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    let exhausted = int_header(resp, "x-rate-limit-remaining") == Some(0);
    let reset = epoch_header(resp, "x-rate-limit-reset");
    let body: Option<Body> = json(resp).ok();
    let capped = body.as_ref().is_some_and(|b| {
        b.title == "UsageCapExceeded"
            || b.kind.ends_with("/usage-capped")
            || b.kind.ends_with("/credits-depleted")
    });
    if capped {
        return Err(FetchError::RateLimited {
            until: reset.unwrap_or_else(|| {
                now.checked_add(jiff::SignedDuration::from_hours(24))
                    .unwrap_or(now)
            }),
            detail: "X API usage cap reached for this plan".into(),
        });
    }
    if resp.status == 429 {
        return Err(FetchError::RateLimited {
            until: super::wait_until(resp, Some("x-rate-limit-reset"), now),
            detail: "X API rate limit".into(),
        });
    }
    match (resp.status, body) {
        (200, Some(Body { data: Some(u), .. })) => Ok(Fetched::new(Counts {
            followers: u.public_metrics.followers_count,
            following: u.public_metrics.following_count,
            posts: u.public_metrics.tweet_count,
        })
        .hold(if exhausted { reset } else { None })),
        (200, Some(b)) if !b.errors.is_empty() => {
            let p = &b.errors[0];
            if p.kind.ends_with("/resource-not-found") || p.title == "Not Found Error" {
                let suspended = p.detail.to_lowercase().contains("suspended");
                Err(FetchError::NotFound(if suspended {
                    format!("X user {} is suspended", account.handle)
                } else {
                    format!("no X user {}", account.handle)
                }))
            } else {
                Err(FetchError::Status(format!(
                    "X refused the lookup: {}",
                    if p.detail.is_empty() {
                        &p.title
                    } else {
                        &p.detail
                    }
                )))
            }
        }
        (200, _) => Err(FetchError::BadResponse(
            "neither data nor errors in the answer".into(),
        )),
        (401 | 403, b) => Err(FetchError::Auth(format!(
            "X rejected the bearer token ({})",
            b.map(|b| if b.detail.is_empty() {
                b.title
            } else {
                b.detail
            })
            .unwrap_or_else(|| resp.status.to_string())
        ))),
        (_, b) => Err(status_error(resp, b.map(|b| b.detail))),
    }
}

fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    let token = required_token(account, "X_BEARER_TOKEN")?;
    let path = format!("/2/users/by/username/{}", account.handle);
    Ok(
        Request::get(url(root, &path, &[("user.fields", "public_metrics")])?)
            .header("authorization", format!("Bearer {token}")),
    )
}

impl Platform for X {
    fn kind(&self) -> PlatformKind {
        PlatformKind::X
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if !h.is_empty()
            && h.len() <= 15
            && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not an X username (letters, digits and _, at most 15)"
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
