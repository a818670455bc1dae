//! Ghost Admin API: a site's members, `GET {site}/ghost/api/admin/members/?limit=1`
//! with `Authorization: Ghost <JWT>` and `Accept-Version: v5.0` →
//! `{"members": [...], "meta": {"pagination": {"page", "limit", "pages", "total": N}}}`.
//! The token is signed here from the Admin API key (`GHOST_ADMIN_API_KEY`,
//! `id:secret` from Settings → Integrations → a custom integration): HS256 with
//! the hex-decoded secret, header `kid` = id, payload `iat`, `exp` = iat + 5
//! minutes, `aud` "/admin/". Errors: `{"errors": [{"message", "context",
//! "type", "code", "id"}]}`: 401 `UnauthorizedError` (unknown key, bad or
//! expired token), 403 `NoPermissionError`, 404, 429 `TooManyRequestsError`.
//! The handle is the site's host; `base_url` is the site.

use base64::Engine;
use futures_util::future::BoxFuture;
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use serde::Deserialize;
use sha2::Sha256;

use super::{
    Counts, FetchError, Fetched, Hue, Platform, PlatformKind, Request, Secrets, count, json,
    required_token, said, send, status_error, url, why,
};
use crate::http::{Http, Response};
use crate::model::Account;

pub const TOKEN_VAR: &str = "GHOST_ADMIN_API_KEY";

pub struct Ghost;

#[derive(Deserialize)]
struct Members {
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    pagination: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize, Default)]
struct Errors {
    #[serde(default)]
    errors: Vec<GhostError>,
}

#[derive(Deserialize, Default)]
struct GhostError {
    #[serde(default, deserialize_with = "said")]
    message: String,
    #[serde(default, deserialize_with = "said")]
    context: String,
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The short-lived Admin API token for `key` (`id:secret`) at `now`.
pub(crate) fn admin_token(key: &str, now: Timestamp) -> Option<String> {
    let (id, secret) = key.trim().split_once(':')?;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let secret = hex(secret)?;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": id});
    let iat = now.as_second();
    let payload = serde_json::json!({"iat": iat, "exp": iat + 300, "aud": "/admin/"});
    let signing = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).ok()?;
    mac.update(signing.as_bytes());
    Some(format!("{signing}.{}", b64(&mac.finalize().into_bytes())))
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
}

impl Platform for Ghost {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Ghost
    }

    fn metric(&self, _handle: &str) -> &'static str {
        "members"
    }

    fn hue(&self) -> Hue {
        Hue::Plain
    }

    fn domains(&self, account: &Account) -> Vec<String> {
        vec![account.handle.to_lowercase()]
    }

    fn check_handle(&self, account: &Account) -> Result<(), String> {
        if valid_host(&account.handle) {
            Ok(())
        } else {
            Err(format!(
                "`{}` is not a site host (like blog.example.com)",
                account.handle
            ))
        }
    }

    fn api_root(&self, account: &Account) -> String {
        super::root_or(account, &format!("https://{}", account.handle))
    }

    fn fetch_counts<'a>(
        &'a self,
        http: &'a Http,
        account: &'a Account,
        _known: Option<&'a str>,
        secrets: &'a dyn Secrets,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Fetched, FetchError>> {
        Box::pin(async move {
            let req = self.request(account, secrets, now)?;
            let resp = send(http, req).await?;
            interpret(&resp, account, now)
        })
    }
}

impl Ghost {
    fn request(
        &self,
        account: &Account,
        secrets: &dyn Secrets,
        now: Timestamp,
    ) -> Result<Request, FetchError> {
        let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
        let key = required_token(account, TOKEN_VAR, secrets)?;
        let jwt = admin_token(&key, now).ok_or_else(|| {
            FetchError::Auth(format!(
                "{var} is not a Ghost Admin API key (id:secret, the secret in hex); copy it from Settings → Integrations"
            ))
        })?;
        let root = self.api_root(account);
        Ok(
            Request::get(url(&root, "/ghost/api/admin/members/", &[("limit", "1")])?)
                .header("authorization", format!("Ghost {jwt}"))
                .header("accept-version", "v5.0"),
        )
    }
}

fn interpret(resp: &Response, account: &Account, now: Timestamp) -> Result<Fetched, FetchError> {
    let var = account.token_env.as_deref().unwrap_or(TOKEN_VAR);
    if resp.status == 200 {
        let m: Members = json(resp)?;
        let p = m.meta.and_then(|m| m.pagination).unwrap_or_default();
        return Ok(Fetched::new(Counts {
            followers: count(super::field(&p, "total"), "meta.pagination.total")?,
            following: None,
            posts: None,
        }));
    }
    let e = json::<Errors>(resp)
        .unwrap_or_default()
        .errors
        .into_iter()
        .next()
        .unwrap_or_default();
    let said = if e.context.is_empty() {
        e.message.clone()
    } else {
        format!("{}: {}", e.message, e.context)
    };
    match resp.status {
        401 => Err(FetchError::Auth(format!(
            "Ghost refused the Admin API key in {var} ({}); the integration may have been deleted or its key regenerated: copy the key again from Settings → Integrations",
            why(resp, &e.message)
        ))),
        403 => Err(FetchError::Auth(format!(
            "Ghost denied access to members ({}); use a custom integration's Admin API key",
            why(resp, &said)
        ))),
        404 => Err(FetchError::NotFound(format!(
            "no Ghost Admin API at {} (is it a Ghost site?)",
            account.handle
        ))),
        429 => Err(FetchError::RateLimited {
            until: super::wait_until(resp, None, now),
            detail: "Ghost Admin API rate limit".into(),
        }),
        _ => Err(status_error(resp, Some(said))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_token_is_a_signed_hs256_jwt() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let t = admin_token("6489c0ab:00ff10", now).unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let dec = |s: &str| {
            let v = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .unwrap();
            serde_json::from_slice::<serde_json::Value>(&v).unwrap()
        };
        assert_eq!(
            dec(parts[0]),
            serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": "6489c0ab"})
        );
        assert_eq!(
            dec(parts[1]),
            serde_json::json!({"iat": 1_700_000_000, "exp": 1_700_000_300, "aud": "/admin/"})
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(&[0x00, 0xff, 0x10]).unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        mac.verify_slice(&sig).unwrap();
        assert_eq!(admin_token("nocolon", now), None);
        assert_eq!(admin_token("id:zz", now), None);
    }
}
