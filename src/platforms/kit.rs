//! Kit (formerly ConvertKit) API v4:
//! `GET /v4/subscribers?status=active&include_total_count=true&per_page=1` with
//! `X-Kit-Api-Key` (`KIT_API_KEY`, a v4 key from Settings → Developer) →
//! `{"subscribers": [...], "pagination": {"has_previous_page", "has_next_page",
//! "start_cursor", "end_cursor", "per_page", "total_count": N}}`. Errors:
//! `{"errors": ["The access token is invalid"]}` (401), 403, 429 with
//! `Retry-After`. The handle names the account, for display.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, status_error, url, why,
};
use crate::http::Response;
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
