//! Hacker News (the official Firebase API): `GET /v0/user/{id}.json` answers
//! `{"id", "karma", "submitted": [...], ...}`, or `null` for an unknown user.
//! Metric "karma"; posts = items submitted.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, json, status_error, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://hacker-news.firebaseio.com";

pub struct HackerNews;

#[derive(Deserialize)]
struct User {
    karma: i64,
    #[serde(default)]
    submitted: Vec<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct FirebaseError {
    #[serde(default)]
    error: String,
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    match resp.status {
        200 => match json::<Option<User>>(resp)? {
            Some(u) => Ok(Fetched::new(Counts {
                followers: u.karma,
                following: None,
                posts: Some(u.submitted.len() as i64),
            })),
            None => Err(FetchError::NotFound(format!(
                "no Hacker News user {}",
                account.handle
            ))),
        },
        429 => Err(FetchError::RateLimited {
            until: super::wait_until(resp, None, now),
            detail: "Hacker News API rate limit".into(),
        }),
        401 | 403 => Err(FetchError::Auth(format!(
            "the Hacker News API refused the request ({})",
            json::<FirebaseError>(resp).unwrap_or_default().error
        ))),
        _ => Err(status_error(
            resp,
            json::<FirebaseError>(resp).ok().map(|e| e.error),
        )),
    }
}

fn request(account: &Account, root: &str) -> Result<Request, FetchError> {
    Ok(Request::get(url(
        root,
        &format!("/v0/user/{}.json", account.handle),
        &[],
    )?))
}

impl Platform for HackerNews {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Hackernews
    }

    fn metric(&self, _handle: &str) -> &'static str {
        "karma"
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            Ok(())
        } else {
            Err(format!("`{h}` is not a Hacker News username"))
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
