//! Facebook Pages, Graph API: `GET /v24.0/{page-id-or-username}?fields=followers_count,fan_count`
//! with `access_token` (a Page access token, `FACEBOOK_TOKEN`, or `token_env`)
//! → `{"followers_count": N, "fan_count": M, "id": "..."}`. The main count is
//! `followers_count`; `metric = "likes"` reads `fan_count`. Errors and usage
//! headers are Meta's ([`super::meta`]); a user profile instead of a Page is
//! code 100 "Tried accessing nonexisting field (followers_count) on node type (User)".

use jiff::Timestamp;
use serde::Deserialize;

use super::meta::{self, GRAPH_VERSION, Product};
use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, url,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://graph.facebook.com";
pub const TOKEN_VAR: &str = "FACEBOOK_TOKEN";

pub struct Facebook;

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    fan_count: serde_json::Value,
}

fn product(account: &Account) -> Product<'_> {
    Product {
        name: "Facebook",
        var: account.token_env.as_deref().unwrap_or(TOKEN_VAR),
        renew: "get a new Page access token (Graph API Explorer: a long-lived user token, then GET /me/accounts) and put it there",
        permissions: "pages_read_engagement (and pages_show_list)",
    }
}

fn valid(handle: &str) -> bool {
    !handle.is_empty()
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
}

impl SimpleApi for Facebook {
    const KIND: PlatformKind = PlatformKind::Facebook;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Blue;
    const METRICS: &'static [&'static str] = &["followers", "likes"];

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![format!("facebook.com/{}", account.handle.to_lowercase())]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        if valid(&account.handle) {
            Ok(())
        } else {
            Err(format!(
                "`{}` is not a Facebook Page id or username",
                account.handle
            ))
        }
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let token = required_token(account, TOKEN_VAR, secrets)?;
        let path = format!("/{GRAPH_VERSION}/{}", account.handle);
        Ok(Request::get(url(
            root,
            &path,
            &[
                ("fields", "followers_count,fan_count"),
                ("access_token", &token),
            ],
        )?))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        if resp.status == 200 {
            let p: Page = json(resp)?;
            let (v, name) = if account.metric == "likes" {
                (&p.fan_count, "fan_count")
            } else {
                (&p.followers_count, "followers_count")
            };
            if v.is_null() {
                return Err(FetchError::BadResponse(format!(
                    "no {name} in the answer; is {} a Page the token may read?",
                    account.handle
                )));
            }
            return Ok(Fetched::new(Counts {
                followers: count(v, name)?,
                following: None,
                posts: None,
            })
            .hold(meta::usage_hold(resp, now)));
        }
        let e = meta::graph_error(resp);
        if e.code() == Some(100) && e.message.contains("nonexisting field") {
            return Err(FetchError::NotFound(format!(
                "{} is not a Facebook Page (profiles have no public counts)",
                account.handle
            )));
        }
        Err(meta::error(
            resp,
            &e,
            &product(account),
            || format!("no Facebook Page {}", account.handle),
            now,
        ))
    }
}
