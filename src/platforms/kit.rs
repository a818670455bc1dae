//! Kit (formerly ConvertKit) API v4:
//! `GET /v4/subscribers?status=active&include_total_count=true&per_page=1` with
//! `X-Kit-Api-Key` (`KIT_API_KEY`, a v4 key from Settings → Developer) →
//! `{"subscribers": [...], "pagination": {"has_previous_page", "has_next_page",
//! "start_cursor", "end_cursor", "per_page", "total_count": N}}`. Errors:
//! `{"errors": ["The access token is invalid"]}` (401), 403, 429 with
//! `Retry-After`. The handle names the account, for display.
//!
//! Past (developers.kit.com, API v4 "List subscribers"): `GET /v4/subscribers?
//! status=active&per_page=1000[&after=END_CURSOR]` lists every active
//! subscriber with `created_at` (RFC 3339), `state`, 1,000 a page, the next
//! page named by `pagination.end_cursor` while `pagination.has_next_page`;
//! then the same with `status=cancelled&include=canceled_at`, which dates each
//! unsubscribe (`canceled_at`, may be null). Active subscribers count from
//! their `created_at`, cancelled ones from `created_at` to `canceled_at`;
//! bounced, complained and undated ones are not counted: a lower bound.
//! Rate limit: 120 requests a rolling minute per API key, then 429.

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PastKind, PastPage, PastSource, PlatformKind, Request,
    Secrets, SimpleApi, count, json, required_token, rfc3339, said, status_error, url, why,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const API_ROOT: &str = "https://api.kit.com";
pub const TOKEN_VAR: &str = "KIT_API_KEY";

pub struct Kit;

#[derive(Deserialize)]
struct List {
    pagination: Option<Pagination>,
}

#[derive(Deserialize)]
struct Pagination {
    #[serde(default)]
    total_count: serde_json::Value,
}

/// Subscribers per page: the most Kit gives.
const PER_PAGE: &str = "1000";

#[derive(Deserialize)]
struct SubscriberPage {
    #[serde(default)]
    subscribers: Vec<Subscriber>,
    pagination: Option<Cursors>,
}

#[derive(Deserialize)]
struct Subscriber {
    #[serde(default, deserialize_with = "said")]
    created_at: String,
    #[serde(default, deserialize_with = "said")]
    canceled_at: String,
}

#[derive(Deserialize)]
struct Cursors {
    #[serde(default)]
    has_next_page: bool,
    #[serde(default, deserialize_with = "said")]
    end_cursor: String,
}

/// The two lists a backfill reads, in order.
const ACTIVE: &str = "active";
const CANCELLED: &str = "cancelled";

/// One page of the account's subscribers (`cursor`: `"<status>:<end
/// cursor>"`, the status `active` then `cancelled`).
async fn subscribers(
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<PastPage, FetchError> {
    let (status, after) = match cursor {
        None => (ACTIVE, ""),
        Some(c) => match c.split_once(':') {
            Some((ACTIVE, after)) => (ACTIVE, after),
            Some((CANCELLED, after)) => (CANCELLED, after),
            _ => {
                return Err(FetchError::BadResponse(format!(
                    "bad backfill cursor `{c}`"
                )));
            }
        },
    };
    let key = required_token(account, TOKEN_VAR, secrets)?;
    let root = SimpleApi::api_root(&Kit, account);
    let mut query = vec![("status", status), ("per_page", PER_PAGE)];
    if status == CANCELLED {
        query.push(("include", "canceled_at"));
    }
    if !after.is_empty() {
        query.push(("after", after));
    }
    let req = Request::get(url(&root, "/v4/subscribers", &query)?).header("x-kit-api-key", key);
    let resp = super::send(http, req).await?;
    if resp.status != 200 {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        return Err(match resp.status {
            401 | 403 => FetchError::Auth(format!(
                "Kit does not list the subscribers of {} to the key in {var} ({}): it needs a v4 API key of that account (Settings → Developer → API keys; v3 keys and secrets are refused)",
                account.handle,
                why(&resp, &error_text(&resp))
            )),
            _ => match Kit.interpret(&resp, account, now) {
                Err(e) => e,
                Ok(_) => status_error(&resp, None),
            },
        });
    }
    let p: SubscriberPage = json(&resp)?;
    let mut page = PastPage::default();
    for s in &p.subscribers {
        if status == ACTIVE {
            page.joined.push(rfc3339(&s.created_at, "created_at")?);
        } else if !s.canceled_at.is_empty() {
            page.joined.push(rfc3339(&s.created_at, "created_at")?);
            page.left.push(rfc3339(&s.canceled_at, "canceled_at")?);
        }
    }
    let more = p
        .pagination
        .filter(|c| c.has_next_page && !c.end_cursor.is_empty() && !p.subscribers.is_empty())
        .map(|c| c.end_cursor);
    page.next = match (status, more) {
        (_, Some(end)) => Some(format!("{status}:{end}")),
        (ACTIVE, None) => Some(format!("{CANCELLED}:")),
        _ => None,
    };
    Ok(page)
}

#[derive(Deserialize, Default)]
struct KitErrors {
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

fn error_text(resp: &Response) -> String {
    json::<KitErrors>(resp)
        .unwrap_or_default()
        .errors
        .iter()
        .filter_map(|v| v.as_str())
        .map(|s| super::text::short(s, 120))
        .collect::<Vec<_>>()
        .join("; ")
}

impl SimpleApi for Kit {
    const KIND: PlatformKind = PlatformKind::Kit;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Magenta;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["kit.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        super::buttondown::check_name(&account.handle, "Kit account")
    }

    fn past(&self, _account: &Account) -> Option<PastSource> {
        Some(PastSource {
            kind: PastKind::JoinedAndLeft,
            what: "Kit's subscriber dates",
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
        Ok(Request::get(url(
            root,
            "/v4/subscribers",
            &[
                ("status", "active"),
                ("include_total_count", "true"),
                ("per_page", "1"),
            ],
        )?)
        .header("x-kit-api-key", key))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        match resp.status {
            200 => {
                let l: List = json(resp)?;
                let total = l
                    .pagination
                    .map(|p| p.total_count)
                    .unwrap_or(serde_json::Value::Null);
                Ok(Fetched::new(Counts {
                    followers: count(&total, "pagination.total_count")?,
                    following: None,
                    posts: None,
                }))
            }
            401 | 403 => Err(FetchError::Auth(format!(
                "Kit refused the API key in {var} ({}); create a v4 API key in Settings → Developer",
                why(resp, &error_text(resp))
            ))),
            429 => Err(FetchError::RateLimited {
                until: super::wait_until(resp, None, now),
                detail: "Kit API rate limit".into(),
            }),
            _ => Err(status_error(resp, Some(error_text(resp)))),
        }
    }
}
