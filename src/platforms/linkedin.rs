//! LinkedIn company pages (Community Management API):
//! `GET /rest/networkSizes/urn:li:organization:{id}?edgeType=COMPANY_FOLLOWED_BY_MEMBER`
//! with `Authorization: Bearer` (`LINKEDIN_TOKEN`, a member token of a Page
//! admin with `rw_organization_admin`), `LinkedIn-Version: YYYYMM` and
//! `X-Restli-Protocol-Version: 2.0.0` → `{"firstDegreeSize": N}`.
//! Errors: `{"status", "serviceErrorCode", "code", "message"}`: 401
//! `EXPIRED_ACCESS_TOKEN` (65601; tokens last 60 days), `INVALID_ACCESS_TOKEN`
//! (65600), `REVOKED_ACCESS_TOKEN` (65602); 403 `ACCESS_DENIED`; 404; 429
//! `TOO_MANY_REQUESTS`, daily limits that reset at midnight UTC.
//! Personal connections have no API: keep them as a `manual` account.

use jiff::Timestamp;
use serde::Deserialize;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    required_token, said, status_error, url, why,
};
use crate::http::Response;
use crate::model::Account;

pub const API_ROOT: &str = "https://api.linkedin.com";
pub const TOKEN_VAR: &str = "LINKEDIN_TOKEN";
/// The versioned API's month (each version is served for a year).
pub const VERSION: &str = "202610";

pub struct Linkedin;

#[derive(Deserialize)]
struct NetworkSize {
    #[serde(default, rename = "firstDegreeSize")]
    first_degree_size: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct LinkedinError {
    #[serde(default, deserialize_with = "said")]
    code: String,
    #[serde(default, deserialize_with = "said")]
    message: String,
    #[serde(default, rename = "serviceErrorCode")]
    service_error_code: serde_json::Value,
}

/// `12345` or `urn:li:organization:12345` → `12345`.
fn org_id(handle: &str) -> Option<&str> {
    let id = handle
        .strip_prefix("urn:li:organization:")
        .unwrap_or(handle);
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then_some(id)
}

/// The next midnight UTC, when LinkedIn's daily limits reset.
fn next_midnight_utc(now: Timestamp) -> Timestamp {
    let day = now.as_second().div_euclid(86_400) + 1;
    Timestamp::from_second(day * 86_400).unwrap_or(now)
}

impl SimpleApi for Linkedin {
    const KIND: PlatformKind = PlatformKind::Linkedin;
    const ROOT: &'static str = API_ROOT;
    const HUE: Hue = Hue::Blue;

    fn domains(&self, account: &Account) -> Vec<String> {
        match org_id(&account.handle) {
            Some(id) => vec![format!("linkedin.com/company/{id}")],
            None => vec!["linkedin.com".into()],
        }
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
        org_id(&account.handle).map(|_| ()).ok_or_else(|| {
            format!(
                "`{}` is not a LinkedIn organization id (digits, as in urn:li:organization:12345); personal connections have no API: use platform = \"manual\"",
                account.handle
            )
        })
    }

    fn request(
        &self,
        account: &Account,
        root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let token = required_token(account, TOKEN_VAR, secrets)?;
        let id = org_id(&account.handle).unwrap_or("0");
        let path = format!("/rest/networkSizes/urn:li:organization:{id}");
        Ok(Request::get(url(
            root,
            &path,
            &[("edgeType", "COMPANY_FOLLOWED_BY_MEMBER")],
        )?)
        .header("authorization", format!("Bearer {token}"))
        .header("linkedin-version", VERSION)
        .header("x-restli-protocol-version", "2.0.0"))
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        if resp.status == 200 {
            let n: NetworkSize = json(resp)?;
            return Ok(Fetched::new(Counts {
                followers: count(&n.first_degree_size, "firstDegreeSize")?,
                following: None,
                posts: None,
            }));
        }
        let e: LinkedinError = json(resp).unwrap_or_default();
        let service = e.service_error_code.as_i64();
        let renew = "get a new one (tokens last 60 days; the refresh token or the LinkedIn Developer Portal's token generator)";
        if service == Some(65601) || e.code == "EXPIRED_ACCESS_TOKEN" {
            return Err(FetchError::Auth(format!(
                "the LinkedIn token in {var} has expired; {renew} and put it there"
            )));
        }
        match resp.status {
            401 => Err(FetchError::Auth(format!(
                "the LinkedIn token in {var} was revoked or is not valid ({}); {renew} and put it there",
                why(resp, &e.message)
            ))),
            403 => Err(FetchError::Auth(format!(
                "LinkedIn denied access ({}); the token in {var} must belong to an admin of the page, with rw_organization_admin",
                why(resp, &e.message)
            ))),
            404 => Err(FetchError::NotFound(format!(
                "no LinkedIn organization {}",
                account.handle
            ))),
            429 => Err(FetchError::RateLimited {
                until: super::retry_after(resp, now).unwrap_or_else(|| next_midnight_utc(now)),
                detail: "LinkedIn daily API limit; it resets at midnight UTC".into(),
            }),
            _ => Err(status_error(resp, Some(e.message))),
        }
    }
}
