//! GitHub: a user's followers or a repository's stars.
//!
//! `GET /users/{login}` (`followers`, `following`) and `GET /repos/{owner}/{repo}`
//! (`stargazers_count`). Not found: 404 `{"message":"Not Found",...}`. Rate limits:
//! 403 or 429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch
//! seconds), or a `retry-after` for secondary limits; otherwise wait a minute.
//! Token: `GITHUB_TOKEN`, or the variable named by `token_env`.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, default_hold, epoch_header,
    int_header, json, retry_after, status_error, token, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://api.github.com";

pub struct Github;

#[derive(Deserialize)]
struct User {
    followers: i64,
    following: Option<i64>,
}

#[derive(Deserialize)]
struct Repo {
    stargazers_count: i64,
}

#[derive(Deserialize, Default)]
struct ApiError {
    #[serde(default)]
    message: String,
}

fn is_repo(handle: &str) -> bool {
    handle.contains('/')
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    let exhausted = int_header(resp, "x-ratelimit-remaining") == Some(0);
    if resp.status == 200 {
        let counts = if is_repo(&account.handle) {
            let r: Repo = json(resp)?;
            Counts {
                followers: r.stargazers_count,
                following: None,
                posts: None,
            }
        } else {
            let u: User = json(resp)?;
            Counts {
                followers: u.followers,
                following: u.following,
                posts: None,
            }
        };
        return Ok(Fetched {
            counts,
            hold_until: if exhausted {
                epoch_header(resp, "x-ratelimit-reset")
            } else {
                None
            },
            remember: None,
        });
    }
    let e: ApiError = json(resp).unwrap_or_default();
    let limited = resp.status == 429
        || (resp.status == 403
            && (exhausted
                || resp.header("retry-after").is_some()
                || e.message.to_lowercase().contains("rate limit")));
    if limited {
        let until = retry_after(resp, now)
            .or_else(|| {
                exhausted
                    .then(|| epoch_header(resp, "x-ratelimit-reset"))
                    .flatten()
            })
            .unwrap_or_else(|| default_hold(now));
        let detail = if e.message.to_lowercase().contains("secondary") {
            "secondary rate limit".to_string()
        } else {
            "API rate limit exceeded; a token (GITHUB_TOKEN) raises it".to_string()
        };
        return Err(FetchError::RateLimited { until, detail });
    }
    match resp.status {
        404 if is_repo(&account.handle) => Err(FetchError::NotFound(format!(
            "no GitHub repository {} (or it is private)",
            account.handle
        ))),
        404 => Err(FetchError::NotFound(format!(
            "no GitHub user {}",
            account.handle
        ))),
        401 => Err(FetchError::Auth(format!(
            "GitHub rejected the token ({})",
            if e.message.is_empty() {
                "401"
            } else {
                &e.message
            }
        ))),
        _ => Err(status_error(resp, Some(e.message))),
    }
}

fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    let path = if is_repo(&account.handle) {
        format!("/repos/{}", account.handle)
    } else {
        format!("/users/{}", account.handle)
    };
    let mut req = Request::get(url(root, &path, &[])?)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28");
    if let Some(t) = token(account, Some("GITHUB_TOKEN"))? {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    Ok(req)
}

impl Platform for Github {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Github
    }

    fn metric(&self, handle: &str) -> &'static str {
        if is_repo(handle) {
            "stars"
        } else {
            "followers"
        }
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        let parts: Vec<&str> = account.handle.split('/').collect();
        let ok_part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if (parts.len() == 1 || parts.len() == 2) && parts.iter().all(|p| ok_part(p)) {
            Ok(())
        } else {
            Err(format!(
                "`{}` is neither a GitHub user (octocat) nor a repository (owner/repo)",
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
