//! Meta's Graph API (Facebook, Instagram, Threads): one error shape and one
//! set of rate-limit headers.
//!
//! Errors: `{"error": {"message", "type", "code", "error_subcode",
//! "error_user_title", "error_user_msg", "fbtrace_id"}}`. Codes used here:
//! 190 access token invalid (subcode 463 expired; 460 password changed, 458
//! app removed, 464/467/492 logged out or invalid session: revoked); 102
//! session; 10 and 200-299 permission; 4 (app), 17 (user), 32 (Page), 613 and
//! 80001-80014 (business use case) rate limits; 803 "Some of the aliases you
//! requested do not exist" and 100 subcode 33 "Object ... does not exist":
//! unknown; 110 subcode 2207013 (Instagram Business Discovery: "The user with
//! username ... cannot be found", personal or unknown account).
//! Headers: `x-app-usage` `{"call_count", "total_cputime", "total_time"}` in
//! percent of the app's hourly allowance; `x-business-use-case-usage`
//! `{"<id>": [{"type", "call_count", "total_cputime", "total_time",
//! "estimated_time_to_regain_access"}]}`, the last in minutes.

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::{FetchError, said, status_error, why};
use crate::http::Response;

/// The Graph API version called (each lives two years; an expired one is
/// answered by the oldest live version).
pub const GRAPH_VERSION: &str = "v24.0";

#[derive(Deserialize, Default)]
struct Body {
    #[serde(default)]
    error: GraphError,
}

#[derive(Deserialize, Default)]
pub(crate) struct GraphError {
    #[serde(default, deserialize_with = "said")]
    pub message: String,
    #[serde(default, deserialize_with = "said")]
    pub error_user_msg: String,
    #[serde(default)]
    pub code: serde_json::Value,
    #[serde(default)]
    pub error_subcode: serde_json::Value,
}

impl GraphError {
    pub fn code(&self) -> Option<i64> {
        self.code.as_i64()
    }

    pub fn subcode(&self) -> Option<i64> {
        self.error_subcode.as_i64()
    }
}

/// The error in an answer, if it has Meta's shape.
pub(crate) fn graph_error(resp: &Response) -> GraphError {
    super::json::<Body>(resp).unwrap_or_default().error
}

/// Who is asking, for messages: "Facebook", the variable holding the token,
/// how a person renews it, the permissions it needs.
pub(crate) struct Product<'a> {
    pub name: &'static str,
    pub var: &'a str,
    pub renew: &'static str,
    pub permissions: &'static str,
}

/// Minutes Meta says to wait before calling again, from
/// `x-business-use-case-usage`.
fn regain(resp: &Response) -> Option<i64> {
    let v: serde_json::Value =
        serde_json::from_str(resp.header("x-business-use-case-usage")?).ok()?;
    v.as_object()?
        .values()
        .filter_map(|uses| uses.as_array())
        .flatten()
        .filter_map(|u| u.get("estimated_time_to_regain_access")?.as_i64())
        .max()
        .filter(|m| *m > 0)
}

/// Whether `x-app-usage` (or a business use case) says 100% is used.
fn used_up(resp: &Response) -> bool {
    let full = |v: &serde_json::Value| {
        ["call_count", "total_cputime", "total_time"]
            .iter()
            .any(|k| {
                v.get(k)
                    .and_then(|n| n.as_f64())
                    .is_some_and(|n| n >= 100.0)
            })
    };
    let app = resp
        .header("x-app-usage")
        .and_then(|h| serde_json::from_str::<serde_json::Value>(h).ok())
        .is_some_and(|v| full(&v));
    let buc = resp
        .header("x-business-use-case-usage")
        .and_then(|h| serde_json::from_str::<serde_json::Value>(h).ok())
        .and_then(|v| v.as_object().cloned())
        .is_some_and(|o| o.values().filter_map(|u| u.as_array()).flatten().any(full));
    app || buc
}

/// Until when to stop: the business-use-case estimate, else `Retry-After`,
/// else an hour (Meta counts usage over a rolling hour).
fn hold_until(resp: &Response, now: Timestamp) -> Timestamp {
    regain(resp)
        .and_then(|m| {
            now.checked_add(SignedDuration::from_mins(m.min(24 * 60)))
                .ok()
        })
        .or_else(|| super::retry_after(resp, now))
        .unwrap_or_else(|| {
            now.checked_add(SignedDuration::from_hours(1))
                .unwrap_or(now)
        })
}

/// A hold for a good answer whose usage headers say the allowance is spent.
pub(crate) fn usage_hold(resp: &Response, now: Timestamp) -> Option<Timestamp> {
    (regain(resp).is_some() || used_up(resp)).then(|| hold_until(resp, now))
}

fn is_rate_limit(code: i64) -> bool {
    matches!(code, 4 | 17 | 32 | 613) || (80001..=80014).contains(&code)
}

/// A non-200 Graph answer as a [`FetchError`]; `not_found` words an unknown object.
pub(crate) fn error(
    resp: &Response,
    e: &GraphError,
    p: &Product,
    not_found: impl FnOnce() -> String,
    now: Timestamp,
) -> FetchError {
    let msg = if e.message.is_empty() {
        e.error_user_msg.clone()
    } else {
        e.message.clone()
    };
    let code = e.code().unwrap_or(0);
    let sub = e.subcode();
    if code == 190 || code == 102 {
        let lower = msg.to_lowercase();
        let state = if sub == Some(463) || lower.contains("expired") {
            "has expired"
        } else {
            "was revoked or is not valid"
        };
        return FetchError::Auth(format!(
            "the {} token in {} {state}; {}",
            p.name, p.var, p.renew
        ));
    }
    if is_rate_limit(code) || resp.status == 429 {
        return FetchError::RateLimited {
            until: hold_until(resp, now),
            detail: format!("{} API rate limit (code {code})", p.name),
        };
    }
    if code == 803 || (code == 100 && sub == Some(33)) || resp.status == 404 {
        return FetchError::NotFound(not_found());
    }
    if code == 10 || (200..300).contains(&code) {
        return FetchError::Auth(format!(
            "{} denied permission ({}); the token in {} needs {}",
            p.name,
            why(resp, &msg),
            p.var,
            p.permissions
        ));
    }
    match resp.status {
        401 | 403 => FetchError::Auth(format!(
            "{} refused the token in {} ({})",
            p.name,
            p.var,
            why(resp, &msg)
        )),
        _ => status_error(
            resp,
            Some(if code != 0 {
                format!("{msg} (code {code})")
            } else {
                msg
            }),
        ),
    }
}
