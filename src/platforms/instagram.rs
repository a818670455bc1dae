//! Instagram professional accounts, Graph API (Facebook Login for Business),
//! with `access_token` (`INSTAGRAM_TOKEN`: a user token with `instagram_basic`,
//! `pages_show_list`, `pages_read_engagement`).
//!
//! 1. Once: `GET /v24.0/me/accounts?fields=instagram_business_account{id,username,followers_count,follows_count,media_count}`
//!    → `{"data": [{"instagram_business_account": {...}, "id": "<page id>"}]}`:
//!    the Instagram accounts linked to the token owner's Pages. When one is the
//!    handle, its counts are read here; its id is kept ([`Fetched::remember`]).
//! 2. Any other professional account, by username, through Business Discovery:
//!    `GET /v24.0/{ig-user-id}?fields=business_discovery.username(NAME){username,followers_count,follows_count,media_count}`
//!    → `{"business_discovery": {...}, "id": "<ig-user-id>"}`. A personal (or
//!    unknown) account is error code 110, subcode 2207013: Instagram shows
//!    counts only for professional accounts.
//!
//! Errors and usage headers are Meta's ([`super::meta`]).

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::meta::{self, GRAPH_VERSION, Product};
use super::{
    Counts, FetchError, Fetched, Hue, Platform, PlatformKind, Secrets, count, json, opt_count,
    required_token, url,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://graph.facebook.com";
pub const TOKEN_VAR: &str = "INSTAGRAM_TOKEN";

pub struct Instagram;

#[derive(Deserialize)]
struct Pages {
    #[serde(default)]
    data: Vec<PageEntry>,
}

#[derive(Deserialize)]
struct PageEntry {
    instagram_business_account: Option<IgUser>,
}

#[derive(Deserialize)]
struct IgUser {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(default)]
    username: String,
    #[serde(default)]
    followers_count: serde_json::Value,
    #[serde(default)]
    follows_count: serde_json::Value,
    #[serde(default)]
    media_count: serde_json::Value,
}

#[derive(Deserialize)]
struct Discovery {
    business_discovery: Option<IgUser>,
}

/// Instagram and Threads usernames: letters, digits, `.` and `_`, at most 30.
pub(crate) fn check_username(handle: &str, what: &str) -> Result<(), String> {
    let ok = !handle.is_empty()
        && handle.len() <= 30
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{handle}` is not a {what} username (letters, digits, . and _)"
        ))
    }
}

fn counts(u: &IgUser) -> Result<Counts, FetchError> {
    Ok(Counts {
        followers: count(&u.followers_count, "followers_count")?,
        following: opt_count(&u.follows_count, "follows_count")?,
        posts: opt_count(&u.media_count, "media_count")?,
    })
}

fn product(account: &Account) -> Product<'_> {
    Product {
        name: "Instagram",
        var: account.token_env.as_deref().unwrap_or(TOKEN_VAR),
        renew: "exchange a new short-lived token for a long-lived one (60 days; GET /oauth/access_token?grant_type=fb_exchange_token) and put it there",
        permissions: "instagram_basic, pages_show_list and pages_read_engagement",
    }
}

fn id_text(v: &serde_json::Value) -> Option<String> {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_digit())).then_some(s)
}

impl Platform for Instagram {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Instagram
    }

    fn hue(&self) -> Hue {
        Hue::Magenta
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![format!("instagram.com/{}", account.handle.to_lowercase())]
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        check_username(&account.handle, "Instagram")
    }

    fn api_root(&self, account: &Account) -> String {
        super::root_or(account, API_ROOT)
    }

    fn fetch_counts<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        known: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(self.read(http, account, known, secrets, now))
    }
}

impl Instagram {
    fn fail(&self, resp: &Response, account: &Account, now: Timestamp) -> FetchError {
        let e = meta::graph_error(resp);
        if e.code() == Some(110) || e.subcode() == Some(2_207_013) {
            return FetchError::NotFound(format!(
                "Instagram shows counts only for professional accounts; {} is a personal account or does not exist",
                account.handle
            ));
        }
        meta::error(
            resp,
            &e,
            &product(account),
            || format!("no Instagram account {}", account.handle),
            now,
        )
    }

    async fn read(
        &self,
        http: &Http,
        account: &Account,
        known: Option<&str>,
        secrets: &dyn Secrets,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let token = required_token(account, TOKEN_VAR, secrets)?;
        let root = self.api_root(account);
        let discover = |id: String| {
            let (root, token) = (&root, &token);
            async move {
                let fields = format!(
                    "business_discovery.username({}){{username,followers_count,follows_count,media_count}}",
                    account.handle
                );
                let path = format!("/{GRAPH_VERSION}/{id}");
                let u = url(root, &path, &[("fields", &fields), ("access_token", token)])?;
                let resp = http.get(u, &[]).await?;
                Ok::<_, FetchError>(resp)
            }
        };
        if let Some(id) = known {
            let resp = discover(id.to_string()).await?;
            // a kept id that no longer works: look the token's accounts up again
            let stale = resp.status != 200 && meta::graph_error(&resp).code() == Some(100);
            if !stale {
                return self.discovered(&resp, account, now, None);
            }
        }
        let u = url(
            &root,
            &format!("/{GRAPH_VERSION}/me/accounts"),
            &[
                (
                    "fields",
                    "instagram_business_account{id,username,followers_count,follows_count,media_count}",
                ),
                ("access_token", &token),
            ],
        )?;
        let resp = http.get(u, &[]).await?;
        if resp.status != 200 {
            return Err(self.fail(&resp, account, now));
        }
        let pages: Pages = json(&resp)?;
        let linked: Vec<IgUser> = pages
            .data
            .into_iter()
            .filter_map(|p| p.instagram_business_account)
            .collect();
        if let Some(own) = linked
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(&account.handle))
        {
            let mut f = Fetched::new(counts(own)?).hold(meta::usage_hold(&resp, now));
            f.remember = id_text(&own.id);
            return Ok(f);
        }
        let Some(id) = linked.iter().find_map(|u| id_text(&u.id)) else {
            return Err(FetchError::Auth(format!(
                "no Instagram professional account is linked to a Facebook Page of the token in {}; link one (Instagram: Settings → Account type and tools) and renew the token",
                product(account).var
            )));
        };
        let resp = discover(id.clone()).await?;
        self.discovered(&resp, account, now, Some(id))
    }

    fn discovered(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
        remember: Option<String>,
    ) -> Result<Fetched, FetchError> {
        if resp.status != 200 {
            return Err(self.fail(resp, account, now));
        }
        let d: Discovery = json(resp)?;
        let Some(u) = d.business_discovery else {
            return Err(FetchError::BadResponse(
                "no business_discovery in the answer".into(),
            ));
        };
        let mut f = Fetched::new(counts(&u)?).hold(meta::usage_hold(resp, now));
        f.remember = remember;
        Ok(f)
    }
}
