//! beehiiv API v2: `GET /v2/publications/{publicationId}?expand[]=stats` with
//! `Authorization: Bearer` (`BEEHIIV_API_KEY`, Settings → API) →
//! `{"data": {"id": "pub_...", "name", "stats": {"active_subscriptions": N,
//! "active_premium_subscriptions", "active_free_subscriptions", ...}}}`.
//! Errors: `{"status": N, "statusText": "...", "errors": [{"message", "code"}]}`
//! (401, 403, 404 unknown publication, 429). Rate limit (developers.beehiiv.com
//! "Rate Limiting"): 180 requests a minute per organization; every answer
//! has `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (epoch
//! seconds).
//!
//! Past ("List subscriptions", cursor pagination):
//! `GET /v2/publications/{id}/subscriptions?status=active&limit=100[&cursor=C]`
//! → `{"data": [{"id": "sub_...", "status": "active", "created": 1666800076,
//! ...}], "limit": 100, "has_more": true, "next_cursor": "..."}` (the
//! pagination guide nests `has_more` and `next_cursor` in `"pagination"`;
//! both are read). beehiiv dates no unsubscribe: the active subscriptions by
//! `created` (epoch seconds) are a lower bound. OAuth tokens need the
//! `subscriptions:read` scope.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PastKind, PastPage, PastSource, PlatformKind, Request,
    Secrets, SimpleApi, count, epoch_header, epoch_seconds, int_header, json, required_token, said,
    status_error, url, why,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://api.beehiiv.com";
pub const TOKEN_VAR: &str = "BEEHIIV_API_KEY";

pub struct Beehiiv;

#[derive(Deserialize)]
struct Answer {
    data: Option<Publication>,
}

#[derive(Deserialize)]
struct Publication {
    #[serde(default)]
    stats: serde_json::Map<String, serde_json::Value>,
}

/// Subscriptions per page: the most beehiiv gives.
const LIMIT: &str = "100";

#[derive(Deserialize)]
struct Subscriptions {
    #[serde(default)]
    data: Vec<Subscription>,
    #[serde(default)]
    has_more: Option<bool>,
    #[serde(default, deserialize_with = "said")]
    next_cursor: String,
    #[serde(default)]
    pagination: Option<Cursor>,
}

#[derive(Deserialize)]
struct Cursor {
    #[serde(default)]
    has_more: Option<bool>,
    #[serde(default, deserialize_with = "said")]
    next_cursor: String,
}

#[derive(Deserialize)]
struct Subscription {
    #[serde(default)]
    created: serde_json::Value,
}

/// A 429 as the error it is: until `RateLimit-Reset`, else `Retry-After`,
/// else a minute.
fn rate_limited(resp: &Response, now: Timestamp) -> FetchError {
    FetchError::RateLimited {
        until: super::wait_until(resp, Some("ratelimit-reset"), now),
        detail: "beehiiv API rate limit (180 requests a minute)".into(),
    }
}

/// One page of the publication's active subscriptions (`cursor`: beehiiv's).
async fn subscriptions(
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<PastPage, FetchError> {
    let key = required_token(account, TOKEN_VAR, secrets)?;
    let root = SimpleApi::api_root(&Beehiiv, account);
    let path = format!("/v2/publications/{}/subscriptions", account.handle);
    let mut query = vec![("status", "active"), ("limit", LIMIT)];
    if let Some(c) = cursor {
        query.push(("cursor", c));
    }
    let req =
        Request::get(url(&root, &path, &query)?).header("authorization", format!("Bearer {key}"));
    let resp = super::send(http, req).await?;
    if resp.status != 200 {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        return Err(match resp.status {
            401 | 403 => FetchError::Auth(format!(
                "beehiiv does not list the subscriptions of {} to the key in {var} ({}): it needs an API key of the workspace that owns the publication (Settings → API), or an OAuth token with the subscriptions:read scope",
                account.handle,
                why(&resp, &error_said(&resp))
            )),
            _ => match Beehiiv.interpret(&resp, account, now) {
                Err(e) => e,
                Ok(_) => status_error(&resp, None),
            },
        });
    }
    let list: Subscriptions = json(&resp)?;
    let joined = list
        .data
        .iter()
        .map(|s| epoch_seconds(&s.created, "created"))
        .collect::<Result<Vec<i64>, _>>()?;
    let (more, next) = match list.pagination {
        Some(p) => (p.has_more.or(list.has_more), p.next_cursor),
        None => (list.has_more, list.next_cursor),
    };
    let next = (more != Some(false) && !next.is_empty() && !joined.is_empty()).then_some(next);
    Ok(PastPage {
        joined,
        next,
        hold_until: (int_header(&resp, "ratelimit-remaining") == Some(0))
            .then(|| epoch_header(&resp, "ratelimit-reset"))
            .flatten(),
        ..PastPage::default()
    })
}

/// What an error answer says: its first message, else its `statusText`.
fn error_said(resp: &Response) -> String {
    let e: BeehiivError = json(resp).unwrap_or_default();
    e.errors
        .into_iter()
        .next()
        .map(|m| m.message)
        .filter(|m| !m.is_empty())
        .unwrap_or(e.status_text)
}

#[derive(Deserialize, Default)]
struct BeehiivError {
    #[serde(default)]
    errors: Vec<Message>,
    #[serde(default, rename = "statusText", deserialize_with = "said")]
    status_text: String,
}

#[derive(Deserialize, Default)]
struct Message {
    #[serde(default, deserialize_with = "said")]
    message: String,
}

impl SimpleApi for Beehiiv {
    const KIND: PlatformKind = PlatformKind::Beehiiv;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Yellow;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["beehiiv.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        let ok = h.len() > 4
            && h.starts_with("pub_")
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if ok {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a beehiiv publication id (pub_..., in Settings → API)"
            ))
        }
    }

    fn past(&self, _account: &Account) -> Option<PastSource> {
        Some(PastSource {
            kind: PastKind::JoinedAndLeft,
            what: "beehiiv's subscription dates",
            monthly: false,
        })
    }

    fn past_page<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        secrets: &'a dyn Secrets,
        cursor: Option<&'a str>,
        _since: Timestamp,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<PastPage, FetchError>> {
        Box::pin(subscriptions(http, account, secrets, cursor, now))
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let key = required_token(account, TOKEN_VAR, secrets)?;
        let path = format!("/v2/publications/{}", account.handle);
        Ok(Request::get(url(root, &path, &[("expand[]", "stats")])?)
            .header("authorization", format!("Bearer {key}")))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        if resp.status == 200 {
            let a: Answer = json(resp)?;
            let stats = a.data.map(|p| p.stats).unwrap_or_default();
            return Ok(Fetched::new(Counts {
                followers: count(
                    super::field(&stats, "active_subscriptions"),
                    "active_subscriptions",
                )?,
                following: None,
                posts: None,
            }));
        }
        let said = error_said(resp);
        match resp.status {
            401 | 403 => Err(FetchError::Auth(format!(
                "beehiiv refused the API key in {var} ({}); create one in Settings → API",
                why(resp, &said)
            ))),
            404 => Err(FetchError::NotFound(format!(
                "no beehiiv publication {}",
                account.handle
            ))),
            429 => Err(rate_limited(resp, now)),
            _ => Err(status_error(resp, Some(said))),
        }
    }
}
