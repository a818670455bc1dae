//! Buttondown: `GET /v1/subscribers?type=regular` with `Authorization: Token KEY`
//! (`BUTTONDOWN_API_KEY`, from Settings → API; one key per newsletter) → a page
//! `{"count": N, "next", "previous", "results": [...]}`, of which `count` is
//! the number of regular (active) subscribers. Errors: 401 `{"detail": "Invalid
//! token."}`, 429 "Request was throttled" with `Retry-After`. The handle names
//! the newsletter (its buttondown.com/NAME), for display and domains.
//! Rate limit (docs.buttondown.com "Rate limits"): 600 requests a minute;
//! every answer has `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (epoch seconds). A key may lack a permission
//! (`subscriber_access`): 403.
//!
//! Past (OpenAPI `list_subscribers`, "Pagination"): `GET /v1/subscribers?
//! type=regular&type=unsubscribed&ordering=creation_date&page=N` → `{"count",
//! "next": "https://api.buttondown.com/v1/subscribers?page=N+1&...", "results":
//! [{"creation_date", "type", "unsubscription_date", ...}]}`. Regular
//! subscribers count from `creation_date`; unsubscribed ones from
//! `creation_date` to `unsubscription_date` (undated ones not at all). Others
//! (removed, undeliverable, deleted...) are not counted: a lower bound. The
//! next page is the `page` of `next`, only on the API's own origin.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PastKind, PastPage, PastSource, PlatformKind, Request,
    Secrets, SimpleApi, count, epoch_header, int_header, json, query_value, required_token,
    rfc3339, said, same_origin, status_error, url, why,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://api.buttondown.com";
pub const TOKEN_VAR: &str = "BUTTONDOWN_API_KEY";

pub struct Buttondown;

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    count: serde_json::Value,
}

#[derive(Deserialize)]
struct SubscriberPage {
    #[serde(default)]
    results: Vec<Subscriber>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct Subscriber {
    #[serde(default, deserialize_with = "said")]
    creation_date: String,
    #[serde(default, rename = "type", deserialize_with = "said")]
    kind: String,
    #[serde(default, deserialize_with = "said")]
    unsubscription_date: String,
}

/// A 429 as the error it is: until `Retry-After`, else `X-RateLimit-Reset`,
/// else a minute.
fn rate_limited(resp: &Response, now: Timestamp) -> FetchError {
    FetchError::RateLimited {
        until: super::retry_after(resp, now)
            .or_else(|| epoch_header(resp, "x-ratelimit-reset"))
            .unwrap_or_else(|| super::default_hold(now)),
        detail: "Buttondown API rate limit (600 requests a minute)".into(),
    }
}

/// One page of the newsletter's regular and unsubscribed subscribers
/// (`cursor`: the page number).
async fn subscribers(
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<PastPage, FetchError> {
    let page: u32 = match cursor {
        None => 1,
        Some(c) => c
            .parse()
            .map_err(|_| FetchError::BadResponse(format!("bad backfill cursor `{c}`")))?,
    };
    let key = required_token(account, TOKEN_VAR, secrets)?;
    let root = SimpleApi::api_root(&Buttondown, account);
    let page_text = page.to_string();
    let u = url(
        &root,
        "/v1/subscribers",
        &[
            ("type", "regular"),
            ("type", "unsubscribed"),
            ("ordering", "creation_date"),
            ("page", &page_text),
        ],
    )?;
    let req = Request::get(u.clone()).header("authorization", format!("Token {key}"));
    let resp = super::send(http, req).await?;
    let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
    let said = || json::<ButtondownError>(&resp).unwrap_or_default().detail;
    match resp.status {
        200 => {}
        401 | 403 => {
            return Err(FetchError::Auth(format!(
                "Buttondown does not list the subscribers of {} to the key in {var} ({}): it needs a key of that newsletter with read access to subscribers (subscriber_access, in API → Keys)",
                account.handle,
                why(&resp, &said())
            )));
        }
        429 => return Err(rate_limited(&resp, now)),
        _ => return Err(status_error(&resp, Some(said()))),
    }
    let p: SubscriberPage = json(&resp)?;
    let mut out = PastPage::default();
    for s in &p.results {
        match s.kind.as_str() {
            "regular" => out.joined.push(rfc3339(&s.creation_date, "creation_date")?),
            "unsubscribed" if !s.unsubscription_date.is_empty() => {
                out.joined.push(rfc3339(&s.creation_date, "creation_date")?);
                out.left
                    .push(rfc3339(&s.unsubscription_date, "unsubscription_date")?);
            }
            _ => {}
        }
    }
    if let Some(next) = p
        .next
        .as_deref()
        .filter(|n| !n.is_empty() && !p.results.is_empty())
    {
        let target = u
            .join(next)
            .ok()
            .filter(|n| same_origin(n, &u))
            .ok_or_else(|| {
                FetchError::BadResponse(format!(
                    "the next page `{}` is not on {}; not followed",
                    crate::text::short(next, 80),
                    u.origin().ascii_serialization()
                ))
            })?;
        let n = query_value(&target, "page")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| *n > page)
            .ok_or_else(|| {
                FetchError::BadResponse(format!(
                    "the next page `{}` names no later page number",
                    crate::text::short(next, 80)
                ))
            })?;
        out.next = Some(n.to_string());
    }
    if int_header(&resp, "x-ratelimit-remaining") == Some(0) {
        out.hold_until = epoch_header(&resp, "x-ratelimit-reset");
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
struct ButtondownError {
    #[serde(default, deserialize_with = "said")]
    detail: String,
}

/// Newsletter names and account names (Kit): no spaces, slashes or controls.
pub(crate) fn check_name(handle: &str, what: &str) -> Result<(), String> {
    let ok = !handle.is_empty()
        && handle
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{handle}` is not a {what} name (letters, digits, -, _ and .)"
        ))
    }
}

impl SimpleApi for Buttondown {
    const KIND: PlatformKind = PlatformKind::Buttondown;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Blue;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![format!("buttondown.com/{}", account.handle.to_lowercase())]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        check_name(&account.handle, "Buttondown newsletter")
    }

    fn past(&self, _account: &Account) -> Option<PastSource> {
        Some(PastSource {
            kind: PastKind::JoinedAndLeft,
            what: "Buttondown's subscriber dates",
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
        Box::pin(subscribers(http, account, secrets, cursor, now))
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let key = required_token(account, TOKEN_VAR, secrets)?;
        Ok(
            Request::get(url(root, "/v1/subscribers", &[("type", "regular")])?)
                .header("authorization", format!("Token {key}")),
        )
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        let e = || json::<ButtondownError>(resp).unwrap_or_default().detail;
        match resp.status {
            200 => {
                let p: Page = json(resp)?;
                Ok(Fetched::new(Counts {
                    followers: count(&p.count, "count")?,
                    following: None,
                    posts: None,
                }))
            }
            401 | 403 => Err(FetchError::Auth(format!(
                "Buttondown refused the API key in {var} ({}); copy the key from Settings → API",
                why(resp, &e())
            ))),
            429 => Err(rate_limited(resp, now)),
            _ => Err(status_error(resp, Some(e()))),
        }
    }
}
