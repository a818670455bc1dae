//! X API v2: `GET /2/users/by/username/{username}?user.fields=public_metrics`
//! with a bearer token. An unknown or suspended user is a 200 whose body has an
//! `errors` array (`title` "Not Found Error", type `.../resource-not-found`).
//! Rate limits: `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch
//! seconds); 429 when exceeded, and 429 `UsageCapExceeded` when the plan's cap
//! is used up. Token: `X_BEARER_TOKEN`, or the variable named by `token_env`.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count,
    epoch_header, int_header, json, opt_count, required_token, said, status_error, url,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://api.x.com";

pub struct X;

#[derive(Deserialize)]
struct Body {
    data: Option<User>,
    #[serde(default)]
    errors: Vec<Problem>,
    // a top-level problem (401, 403, 429, usage caps)
    #[serde(flatten)]
    problem: Problem,
}

#[derive(Deserialize)]
struct User {
    public_metrics: Metrics,
}

#[derive(Deserialize)]
struct Metrics {
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    following_count: serde_json::Value,
    #[serde(default)]
    tweet_count: serde_json::Value,
}

/// An RFC 7807 problem as X words it; `reason` is set on 403 client problems
/// (`client-not-enrolled`).
#[derive(Deserialize, Default)]
struct Problem {
    #[serde(default, deserialize_with = "said")]
    title: String,
    #[serde(default, deserialize_with = "said")]
    detail: String,
    #[serde(default, rename = "type", deserialize_with = "said")]
    kind: String,
    #[serde(default, deserialize_with = "said")]
    reason: String,
}

impl Problem {
    fn text(&self) -> &str {
        if self.detail.is_empty() {
            &self.title
        } else {
            &self.detail
        }
    }
}

impl SimpleApi for X {
    const KIND: PlatformKind = PlatformKind::X;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Plain;

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["x.com".into(), "twitter.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
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

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let token = required_token(account, "X_BEARER_TOKEN", secrets)?;
        let path = format!("/2/users/by/username/{}", account.handle);
        Ok(
            Request::get(url(root, &path, &[("user.fields", "public_metrics")])?)
                .header("authorization", format!("Bearer {token}")),
        )
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let exhausted = int_header(resp, "x-rate-limit-remaining") == Some(0);
        let reset = epoch_header(resp, "x-rate-limit-reset");
        let body: Option<Body> = json(resp).ok();
        let capped = body.as_ref().is_some_and(|b| {
            b.problem.title == "UsageCapExceeded"
                || b.problem.kind.ends_with("/usage-capped")
                || b.problem.kind.ends_with("/credits-depleted")
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
            (200, Some(Body { data: Some(u), .. })) => {
                let m = u.public_metrics;
                Ok(Fetched::new(Counts {
                    followers: count(&m.followers_count, "followers_count")?,
                    following: opt_count(&m.following_count, "following_count")?,
                    posts: opt_count(&m.tweet_count, "tweet_count")?,
                })
                .hold(if exhausted { reset } else { None }))
            }
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
                        p.text()
                    )))
                }
            }
            (200, _) => Err(FetchError::BadResponse(
                "neither data nor errors in the answer".into(),
            )),
            // the token is fine; the developer App lacks a Project or access level
            (403, Some(b))
                if b.problem.reason == "client-not-enrolled"
                    || b.problem.kind.ends_with("/client-forbidden") =>
            {
                Err(FetchError::Auth(format!(
                    "X accepted the token but its developer App is not enrolled for this endpoint ({}): attach the App to a Project with the needed access level (developer.x.com, Projects)",
                    if b.problem.reason.is_empty() {
                        "client-forbidden"
                    } else {
                        &b.problem.reason
                    }
                )))
            }
            (401, b) => Err(FetchError::Auth(format!(
                "X rejected the bearer token ({})",
                b.map(|b| b.problem.text().to_string())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| super::why(resp, ""))
            ))),
            (403, b) => Err(FetchError::Auth(format!(
                "X refused the request ({})",
                b.map(|b| b.problem.text().to_string())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| super::why(resp, ""))
            ))),
            (_, b) => Err(status_error(resp, b.map(|b| b.problem.detail))),
        }
    }
}
