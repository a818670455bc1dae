//! Hacker News (the official Firebase API): `GET /v0/user/{id}.json` answers
//! `{"id", "karma", "submitted": [...], ...}`, or `null` for an unknown user.
//! Metric "karma"; posts = items submitted.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json, said,
    status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://hacker-news.firebaseio.com";

pub struct HackerNews;

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    karma: serde_json::Value,
    #[serde(default)]
    submitted: Vec<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct FirebaseError {
    #[serde(default, deserialize_with = "said")]
    error: String,
}

impl SimpleApi for HackerNews {
    const KIND: PlatformKind = PlatformKind::Hackernews;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Yellow;

    fn metric(&self, _handle: &str) -> &'static str {
        "karma"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["news.ycombinator.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if h.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            Ok(())
        } else {
            Err(format!("`{h}` is not a Hacker News username"))
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
            &format!("/v0/user/{}.json", account.handle),
            &[],
        )?))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        match resp.status {
            200 => match json::<Option<User>>(resp)? {
                Some(u) => Ok(Fetched::new(Counts {
                    followers: count(&u.karma, "karma")?,
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
                why(resp, &json::<FirebaseError>(resp).unwrap_or_default().error)
            ))),
            _ => Err(status_error(
                resp,
                json::<FirebaseError>(resp).ok().map(|e| e.error),
            )),
        }
    }
}
