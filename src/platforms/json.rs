//! Generic JSON: any HTTP endpoint with a count in its answer.
//! `url`, `pointer` (RFC 6901, e.g. `/data/subscribers`) to a number or a
//! numeric string, optional `headers` whose values may name environment
//! variables as `${NAME}` (missing ones are an error naming them), optional
//! `metric`. `base_url` replaces the URL's scheme, host and port.

use futures_util::future::BoxFuture;
use jiff::Timestamp;

use super::{
    Counts, FetchError, Fetched, Platform, PlatformKind, Request, count, json, status_error,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub struct Json;

/// Replaces each `${NAME}` with the variable's value.
pub fn expand(value: &str) -> Result<String, FetchError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        let v = std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| FetchError::MissingSecret(name.to_string()))?;
        out.push_str(&v);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn target(account: &Account) -> Result<reqwest::Url, FetchError> {
    let raw = account.url.as_deref().unwrap_or_default();
    let mut u = reqwest::Url::parse(raw)
        .map_err(|e| FetchError::Status(format!("`url` is not a URL: {e}")))?;
    if let Some(base) = &account.base_url {
        let b = reqwest::Url::parse(base)
            .map_err(|e| FetchError::Status(format!("`base_url` is not a URL: {e}")))?;
        let _ = u.set_scheme(b.scheme());
        let _ = u.set_host(b.host_str());
        let _ = u.set_port(b.port());
    }
    Ok(u)
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    match resp.status {
        200..=299 => {
            let doc: serde_json::Value = json(resp)?;
            let pointer = account.pointer.as_deref().unwrap_or("");
            let v = doc.pointer(pointer).ok_or_else(|| {
                FetchError::BadResponse(format!("nothing at pointer `{pointer}`"))
            })?;
            let n = count(v).ok_or_else(|| {
                FetchError::BadResponse(format!(
                    "the value at `{pointer}` is not a number: {}",
                    crate::util::fit(&v.to_string(), 40)
                ))
            })?;
            Ok(Fetched::new(Counts {
                followers: n,
                following: None,
                posts: None,
            }))
        }
        429 | 503 if resp.header("retry-after").is_some() || resp.status == 429 => {
            Err(FetchError::RateLimited {
                until: super::wait_until(resp, Some("ratelimit-reset"), now),
                detail: "the endpoint asked to slow down".into(),
            })
        }
        401 | 403 => Err(FetchError::Auth(format!(
            "the endpoint refused the request (HTTP {}); check its headers",
            resp.status
        ))),
        404 => Err(FetchError::NotFound(format!(
            "{} answered 404",
            account.handle
        ))),
        _ => Err(status_error(resp, None)),
    }
}

/// `url` (with `base_url`'s origin when set) and the headers, `${VAR}`s expanded.
fn request(account: &Account, _root: &str) -> Result<Request, FetchError> {
    let mut req = Request::get(target(account)?);
    for (k, v) in &account.headers {
        req = req.header(k, expand(v)?);
    }
    Ok(req)
}

impl Platform for Json {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Json
    }

    fn metric(&self, _handle: &str) -> &'static str {
        "count"
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        if let Some(p) = &account.pointer
            && !p.is_empty()
            && !p.starts_with('/')
        {
            return Err(format!(
                "`pointer` must be empty or start with `/` (RFC 6901), not `{p}`"
            ));
        }
        target(account).map(|_| ()).map_err(|e| e.to_string())
    }

    fn api_root(&self, account: &Account) -> String {
        target(account)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }

    fn fetch<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        super::fetch_one(self, http, account, request, interpret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_variables_and_names_missing_ones() {
        // SAFETY: this test's own variable
        unsafe { std::env::set_var("SOCIALTOP_JSON_TEST_KEY", "k1") };
        assert_eq!(
            expand("Bearer ${SOCIALTOP_JSON_TEST_KEY}").unwrap(),
            "Bearer k1"
        );
        assert_eq!(expand("plain").unwrap(), "plain");
        assert_eq!(
            expand("${SOCIALTOP_JSON_TEST_NOPE}")
                .unwrap_err()
                .to_string(),
            "environment variable SOCIALTOP_JSON_TEST_NOPE is not set"
        );
    }
}
