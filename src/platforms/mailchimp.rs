//! Mailchimp Marketing API 3.0: an audience's subscribers,
//! `GET https://{dc}.api.mailchimp.com/3.0/lists/{list_id}?fields=stats.member_count`
//! with HTTP basic auth `anystring:KEY` (`MAILCHIMP_API_KEY`; the key ends in
//! its data centre, `...-us6`, which picks the host; `base_url` replaces the
//! whole `https://{dc}.api.mailchimp.com`) → `{"stats": {"member_count": N, ...}}`.
//! Errors are RFC 7807 problems `{"type", "title", "status", "detail",
//! "instance"}`: 401 "API Key Invalid", 403 "User Disabled" / "Forbidden",
//! 404 "Resource Not Found", 429 "Too Many Requests".
//!
//! Past: `GET /3.0/lists/{list_id}/growth-history?count=..&offset=..` →
//! `{"history": [{"month": "2024-05", "existing": N, "optins": ..., ...}],
//! "total_items": N}`: the members of each month, exact (monthly samples).

use base64::Engine;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PastKind, PastPage, PastSource, PlatformKind, Request,
    Secrets, SimpleApi, count, json, required_token, said, status_error, url, why,
};
use crate::http::{Http, Response};
use crate::model::Account;

/// Only a placeholder for [`super::host_of`]: the real host comes from the key.
pub const API_ROOT: &str = "https://api.mailchimp.com";
pub const TOKEN_VAR: &str = "MAILCHIMP_API_KEY";

pub struct Mailchimp;

#[derive(Deserialize)]
struct List {
    stats: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct Growth {
    #[serde(default)]
    history: Vec<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    total_items: serde_json::Value,
}

/// Months per growth-history request (the API gives at most 1,000).
const MONTHS: usize = 1_000;

#[derive(Deserialize, Default)]
struct Problem {
    #[serde(default, deserialize_with = "said")]
    title: String,
    #[serde(default, deserialize_with = "said")]
    detail: String,
}

/// `0123abcd-us6` → `us6`: letters then digits, nothing that could leave the host.
fn data_centre(key: &str) -> Option<&str> {
    let (_, dc) = key.rsplit_once('-')?;
    let letters = dc.chars().take_while(|c| c.is_ascii_lowercase()).count();
    let ok = letters > 0 && dc.len() > letters && dc[letters..].chars().all(|c| c.is_ascii_digit());
    ok.then_some(dc)
}

impl SimpleApi for Mailchimp {
    const KIND: PlatformKind = PlatformKind::Mailchimp;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Yellow;

    fn metric(&self, _handle: &str) -> &'static str {
        "subscribers"
    }

    fn domains(&self, _account: &Account) -> Vec<String> {
        vec!["mailchimp.com".into()]
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        let h = &account.handle;
        if !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(())
        } else {
            Err(format!(
                "`{h}` is not a Mailchimp audience id (Audience → Settings → Audience name and defaults)"
            ))
        }
    }

    fn request(
        &self,
        account: &Account,
        _root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let path = format!("/3.0/lists/{}", account.handle);
        authorized(account, secrets, &path, &[("fields", "stats.member_count")])
    }

    fn past(&self, _account: &Account) -> Option<PastSource> {
        Some(PastSource {
            kind: PastKind::Counts,
            what: "Mailchimp's growth history",
            monthly: true,
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
        Box::pin(growth_history(http, account, secrets, cursor, now))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        if resp.status == 200 {
            let l: List = json(resp)?;
            let stats = l.stats.unwrap_or_default();
            return Ok(Fetched::new(Counts {
                followers: count(super::field(&stats, "member_count"), "member_count")?,
                following: None,
                posts: None,
            }));
        }
        Err(error(resp, account, now))
    }
}

/// A GET of `path` under the account's API root, with its key.
fn authorized(
    account: &Account,
    secrets: &dyn Secrets,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Request, FetchError> {
    let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
    let key = required_token(account, TOKEN_VAR, secrets)?;
    let root = match &account.base_url {
        Some(b) => b.clone(),
        None => {
            let dc = data_centre(&key).ok_or_else(|| {
                FetchError::Auth(format!(
                    "the key in {var} has no data-centre suffix (it ends like -us6); copy the whole key from Account → Extras → API keys"
                ))
            })?;
            format!("https://{dc}.api.mailchimp.com")
        }
    };
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("socialtop:{key}"));
    Ok(Request::get(url(&root, path, query)?).header("authorization", format!("Basic {basic}")))
}

/// One page of the audience's growth history (`cursor`: the offset).
async fn growth_history(
    http: &Http,
    account: &Account,
    secrets: &dyn Secrets,
    cursor: Option<&str>,
    now: Timestamp,
) -> Result<PastPage, FetchError> {
    let offset: usize = match cursor {
        None => 0,
        Some(c) => c
            .parse()
            .map_err(|_| FetchError::BadResponse(format!("bad backfill cursor `{c}`")))?,
    };
    let path = format!("/3.0/lists/{}/growth-history", account.handle);
    let (count_text, offset_text) = (MONTHS.to_string(), offset.to_string());
    let req = authorized(
        account,
        secrets,
        &path,
        &[
            ("count", &count_text),
            ("offset", &offset_text),
            ("fields", "history.month,history.existing,total_items"),
        ],
    )?;
    let resp = super::send(http, req).await?;
    if resp.status != 200 {
        return Err(error(&resp, account, now));
    }
    let g: Growth = json(&resp)?;
    let mut counts = Vec::with_capacity(g.history.len());
    for h in &g.history {
        let month = h.get("month").and_then(|m| m.as_str()).unwrap_or("");
        let start = jiff::civil::Date::strptime("%Y-%m-%d", format!("{}-01", month.trim()))
            .ok()
            .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
            .ok_or_else(|| {
                FetchError::BadResponse(format!(
                    "month `{}` is not YYYY-MM",
                    crate::text::short(month, 20)
                ))
            })?;
        counts.push((
            start.timestamp().as_second(),
            count(super::field(h, "existing"), "existing")?,
        ));
    }
    let total = super::opt_count(&g.total_items, "total_items")?.unwrap_or(0);
    let seen = offset + g.history.len();
    Ok(PastPage {
        counts,
        next: (!g.history.is_empty() && (seen as i64) < total).then(|| seen.to_string()),
        ..PastPage::default()
    })
}

/// What an answer other than 200 means.
fn error(resp: &Response, account: &Account, now: Timestamp) -> FetchError {
    let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
    let p: Problem = json(resp).unwrap_or_default();
    let said = if p.detail.is_empty() {
        p.title.clone()
    } else {
        format!("{}: {}", p.title, p.detail)
    };
    match resp.status {
        401 => FetchError::Auth(format!(
            "Mailchimp refused the key in {var} ({}); create a key in Account → Extras → API keys",
            why(resp, &p.title)
        )),
        403 => FetchError::Auth(format!("Mailchimp denied access ({})", why(resp, &said))),
        404 => FetchError::NotFound(format!("no Mailchimp audience {}", account.handle)),
        429 => FetchError::RateLimited {
            until: super::wait_until(resp, None, now),
            detail: "Mailchimp API limit (10 simultaneous connections)".into(),
        },
        _ => status_error(resp, Some(said)),
    }
}
