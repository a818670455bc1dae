//! Generic JSON: any HTTP endpoint with a count in its answer.
//! `url`, `pointer` (RFC 6901, e.g. `/data/subscribers`) to a number or a
//! numeric string, optional `headers` whose values may name environment
//! variables as `${NAME}` (missing ones are an error naming them), optional
//! `metric`. `base_url` replaces the URL's scheme, host and port.

use jiff::Timestamp;

use super::{
    Counts, FetchError, Fetched, Hue, PlatformKind, Request, Secrets, SimpleApi, count, json,
    status_error,
};
use crate::http::Response;
use crate::model::Account;

pub struct Json;

/// Replaces each `${NAME}` with the secret's value.
pub fn expand(value: &str, secrets: &dyn Secrets) -> Result<String, FetchError> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        out.push_str(&super::required_env(&after[..end], secrets)?);
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

impl SimpleApi for Json {
    const KIND: PlatformKind = PlatformKind::Json;
    const ROOT: &'static str = "";
    const HUE: Hue = Hue::Cyan;

    fn metric(&self, _handle: &str) -> &'static str {
        "count"
    }

    fn validate(&self, account: &Account) -> Result<(), String> {
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

    /// `url` (with `base_url`'s origin when set) and the headers, `${VAR}`s expanded.
    fn request(
        &self,
        account: &Account,
        _root: &str,
        secrets: &dyn Secrets,
    ) -> Result<Request, FetchError> {
        let mut req = Request::get(target(account)?);
        for (k, v) in &account.headers {
            req = req.header(k, expand(v, secrets)?);
        }
        Ok(req)
    }

    fn interpret(
        &self,
        resp: &Response,
        account: &Account,
        now: Timestamp,
    ) -> Result<Fetched, FetchError> {
        match resp.status {
            200..=299 => {
                let doc: serde_json::Value = json(resp)?;
                let pointer = account.pointer.as_deref().unwrap_or("");
                let v = doc.pointer(pointer).ok_or_else(|| {
                    FetchError::BadResponse(format!("nothing at pointer `{pointer}`"))
                })?;
                let numeric =
                    v.is_number() || v.as_str().is_some_and(|s| s.trim().parse::<f64>().is_ok());
                if !numeric {
                    return Err(FetchError::BadResponse(format!(
                        "the value at `{pointer}` is not a number: {}",
                        crate::text::short(&v.to_string(), 40)
                    )));
                }
                Ok(Fetched::new(Counts {
                    followers: count(v, &format!("the value at `{pointer}`"))?,
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MapSecrets;

    #[test]
    fn expands_variables_and_names_missing_ones() {
        let secrets = MapSecrets::new([("SOCIALTOP_JSON_TEST_KEY", "k1")]);
        assert_eq!(
            expand("Bearer ${SOCIALTOP_JSON_TEST_KEY}", &secrets).unwrap(),
            "Bearer k1"
        );
        assert_eq!(expand("plain", &secrets).unwrap(), "plain");
        assert_eq!(
            expand("${SOCIALTOP_JSON_TEST_NOPE}", &secrets)
                .unwrap_err()
                .to_string(),
            "environment variable SOCIALTOP_JSON_TEST_NOPE is not set"
        );
    }
}
