//! Threads: the token owner's follower count, `GET /v1.0/me/threads_insights?metric=followers_count`
//! on graph.threads.net with `access_token` (`THREADS_TOKEN`, scopes
//! `threads_basic` and `threads_manage_insights`) →
//! `{"data": [{"name": "followers_count", "period": "day", "title", "description",
//! "total_value": {"value": N}, "id"}]}`. Errors and usage headers are Meta's
//! ([`super::meta`]). The handle is the token owner's username, for display.

use jiff::Timestamp;
use serde::Deserialize;

use super::meta::{self, Product};
use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, url,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://graph.threads.net";
pub const TOKEN_VAR: &str = "THREADS_TOKEN";

pub struct Threads;

#[derive(Deserialize)]
struct Insights {
    #[serde(default)]
    data: Vec<Metric>,
}

#[derive(Deserialize)]
struct Metric {
    #[serde(default)]
    name: String,
    #[serde(default)]
    total_value: Option<Total>,
}

#[derive(Deserialize)]
struct Total {
    #[serde(default)]
    value: serde_json::Value,
}

impl SimpleApi for Threads {
    const KIND: PlatformKind = PlatformKind::Threads;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Plain;

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![format!("threads.net/@{}", account.handle.to_lowercase())]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        super::instagram::check_username(&account.handle, "Threads")
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let token = required_token(account, TOKEN_VAR, secrets)?;
        Ok(Request::get(url(
            root,
            "/v1.0/me/threads_insights",
            &[("metric", "followers_count"), ("access_token", &token)],
        )?))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        if resp.status == 200 {
            let i: Insights = json(resp)?;
            let v = i
                .data
                .into_iter()
                .find(|m| m.name == "followers_count")
                .and_then(|m| m.total_value)
                .map(|t| t.value)
                .unwrap_or(serde_json::Value::Null);
            return Ok(Fetched::new(Counts {
                followers: count(&v, "followers_count")?,
                following: None,
                posts: None,
            })
            .hold(meta::usage_hold(resp, now)));
        }
        let product = Product {
            name: "Threads",
            var: account.token_env.as_deref().unwrap_or(TOKEN_VAR),
            renew: "refresh a long-lived token before its 60 days end (GET graph.threads.net/refresh_access_token?grant_type=th_refresh_token), or sign in again for a new one",
            permissions: "threads_basic and threads_manage_insights",
        };
        Err(meta::error(
            resp,
            &meta::graph_error(resp),
            &product,
            || format!("no Threads profile for {}", account.handle),
            now,
        ))
    }
}
