//! What the Toggl and Clockify importers share: a GET that answers JSON,
//! waits out rate limits a few times, and says plainly when a key is refused.

use std::time::Duration;

use serde::Deserialize;

use crate::http::Http;

/// A time-tracking service's API, as messages name it.
pub struct Service {
    /// `Toggl`, `Clockify`.
    pub name: &'static str,
    /// The variable the key comes from.
    pub key_var: &'static str,
    /// Where a user finds the key.
    pub key_hint: &'static str,
    /// A header telling when a used-up quota resets, in seconds, if any.
    pub quota_header: Option<&'static str>,
}

/// The largest answer an import reads (streamed, refused past it): a page
/// of 1,000 time entries is about 0.5 MiB.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// How often a 429 is waited out before giving up.
const RETRIES: u32 = 3;
/// The longest wait for one 429.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// GETs `base` + `path` with `query` and `headers`; JSON on success.
pub async fn get_json<T: for<'de> Deserialize<'de>>(
    svc: &Service,
    http: &Http,
    base: &str,
    path: &str,
    query: &[(&str, String)],
    headers: &[(&str, String)],
) -> anyhow::Result<T> {
    let body = get(svc, http, base, path, query, headers).await?;
    serde_json::from_slice(&body)
        .map_err(|e| anyhow::anyhow!("unexpected answer from {} at {base}{path}: {e}", svc.name))
}

/// A JSON array of at most `max` items from `base` + `path` (see
/// [`super::Capped`]).
pub(crate) async fn get_capped<T: serde::de::DeserializeOwned>(
    svc: &Service,
    http: &Http,
    base: &str,
    path: &str,
    query: &[(&str, String)],
    headers: &[(&str, String)],
    max: usize,
) -> anyhow::Result<super::Capped<T>> {
    let body = get(svc, http, base, path, query, headers).await?;
    super::parse_capped(&body, max)
        .map_err(|e| anyhow::anyhow!("unexpected answer from {} at {base}{path}: {e}", svc.name))
}

/// GETs `base` + `path` with `query` and `headers`: the body of a success.
async fn get(
    svc: &Service,
    http: &Http,
    base: &str,
    path: &str,
    query: &[(&str, String)],
    headers: &[(&str, String)],
) -> anyhow::Result<Vec<u8>> {
    let mut url = reqwest::Url::parse(&format!("{base}{path}"))
        .map_err(|e| anyhow::anyhow!("`{base}` is not a URL: {e}"))?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    let name = svc.name;
    let mut attempt = 0;
    loop {
        let resp = match http.get(url.clone(), headers).await {
            Ok(r) => r,
            Err(crate::http::HttpError::TooLarge(n)) => anyhow::bail!(
                "{name} at {base} answered more than {} MiB for {path}, more than an import reads: nothing was imported (a later --since asks for less)",
                n / (1024 * 1024)
            ),
            Err(e) => anyhow::bail!("cannot reach {name} at {base}: {e}"),
        };
        let body = || {
            crate::text::clean(
                &String::from_utf8_lossy(&resp.body)
                    .chars()
                    .take(200)
                    .collect::<String>(),
            )
        };
        match resp.status {
            s if (200..300).contains(&s) => return Ok(resp.body),
            401 | 403 => anyhow::bail!(
                "{name} refused the key in {} (HTTP {}): check it ({})",
                svc.key_var,
                resp.status,
                svc.key_hint
            ),
            402 => {
                let resets = svc
                    .quota_header
                    .and_then(|h| resp.header(h))
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(|s| {
                        format!(
                            "; it resets in {}",
                            crate::util::format_duration(Duration::from_secs(s))
                        )
                    })
                    .unwrap_or_default();
                anyhow::bail!(
                    "{name}'s API quota is used up (HTTP 402){resets}: try again later (nothing was imported)"
                )
            }
            429 if attempt < RETRIES => {
                attempt += 1;
                let wait = resp
                    .header("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map_or(Duration::from_secs(1 << attempt), Duration::from_secs)
                    .min(MAX_WAIT);
                tracing::info!("{name} rate limit: waiting {wait:?} before retrying {path}");
                tokio::time::sleep(wait).await;
            }
            429 => anyhow::bail!(
                "{name} kept answering HTTP 429 (too many requests) after {RETRIES} retries: try again in a minute (nothing was imported)"
            ),
            s => anyhow::bail!("{name} at {base} answered HTTP {s} for {path}: {}", body()),
        }
    }
}

/// Standard base64 (RFC 4648, padded), for HTTP basic auth.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The key from `svc.key_var`, or an error that says where to find one.
pub fn key(svc: &Service, secrets: &dyn crate::model::Secrets) -> anyhow::Result<String> {
    secrets.get(svc.key_var).ok_or_else(|| {
        anyhow::anyhow!(
            "set {} to your {} API key ({})",
            svc.key_var,
            svc.name,
            svc.key_hint
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            base64(b"1971800d4d82861d8f2c1651fea4d212:api_token"),
            "MTk3MTgwMGQ0ZDgyODYxZDhmMmMxNjUxZmVhNGQyMTI6YXBpX3Rva2Vu"
        );
    }
}
