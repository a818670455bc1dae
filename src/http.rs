//! The one HTTP client of the process.
//!
//! Every request: a User-Agent naming socialtop and its version, the configured
//! timeout for the whole exchange (body included), a capped body, and at most
//! [`PER_HOST`] requests in flight to one host. Redirects are followed only
//! within the origin the request went to (at most [`MAX_REDIRECTS`]), and no
//! `Referer` is sent: a URL may carry a key, and another host must not get it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use tokio::sync::Semaphore;

/// Why an exchange failed before any answer could be read, in words a person
/// understands and with no URL in them (URLs may carry keys).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HttpError {
    #[error("timed out after {0}")]
    Timeout(String),
    #[error("network: {0}")]
    Network(String),
    #[error("answer larger than {} KiB, refused", .0 / 1024)]
    TooLarge(usize),
    /// A redirect that was not followed, naming where it pointed (host only).
    #[error("{0}")]
    Redirect(String),
}

pub const USER_AGENT: &str = concat!(
    "socialtop/",
    env!("CARGO_PKG_VERSION"),
    " (follower monitor; +https://crates.io/crates/socialtop)"
);

/// Largest response body read; API answers for one profile are a few KiB.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Requests in flight to one host at once.
pub const PER_HOST: usize = 8;

/// Redirects followed for one request (each within its origin).
pub const MAX_REDIRECTS: usize = 5;

/// Why a redirect was not followed; reqwest hands it back as the error's source.
#[derive(Debug)]
struct RedirectRefused(String);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedirectRefused {}

/// Scheme, host and port alike.
fn same_origin(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Follows a redirect only to the origin the request was sent to.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let Some(first) = attempt.previous().first() else {
            return attempt.follow();
        };
        if !same_origin(first, attempt.url()) {
            let to = host_key(attempt.url());
            return attempt.error(RedirectRefused(format!(
                "redirected to {to}; not followed (it could carry your key)"
            )));
        }
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(RedirectRefused(format!(
                "more than {MAX_REDIRECTS} redirects; not followed"
            )));
        }
        attempt.follow()
    })
}

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

pub struct Http {
    client: reqwest::Client,
    timeout: Duration,
    max_body: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// Hosts that did not answer in time, until when
    /// they are not called again: requests queued behind one that timed out
    /// fail at once instead of each waiting out its own timeout.
    down: Mutex<HashMap<String, Instant>>,
}

impl Http {
    pub fn new(timeout: Duration) -> Result<Http, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(redirect_policy())
            .referer(false)
            .build()?;
        Ok(Http {
            client,
            timeout,
            max_body: MAX_BODY,
            hosts: Mutex::new(HashMap::new()),
            down: Mutex::new(HashMap::new()),
        })
    }

    /// Lowers the body cap (tests).
    pub fn with_max_body(mut self, max_body: usize) -> Http {
        self.max_body = max_body;
        self
    }

    fn host_permit(&self, url: &reqwest::Url) -> Arc<Semaphore> {
        let key = host_key(url);
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
            .clone()
    }

    /// GETs `url` with extra headers; any HTTP status is an `Ok` response.
    pub async fn get(
        &self,
        url: reqwest::Url,
        headers: &[(&str, String)],
    ) -> Result<Response, HttpError> {
        self.send(self.client.get(url.clone()), &url, headers).await
    }

    /// POSTs a JSON body (Misskey's API is all POST).
    pub async fn post_json(
        &self,
        url: reqwest::Url,
        headers: &[(&str, String)],
        body: &serde_json::Value,
    ) -> Result<Response, HttpError> {
        self.send(self.client.post(url.clone()).json(body), &url, headers)
            .await
    }

    /// POSTs an `application/x-www-form-urlencoded` body (OAuth token endpoints).
    pub async fn post_form(
        &self,
        url: reqwest::Url,
        headers: &[(&str, String)],
        form: &[(&str, &str)],
    ) -> Result<Response, HttpError> {
        self.send(self.client.post(url.clone()).form(form), &url, headers)
            .await
    }

    async fn send(
        &self,
        mut req: reqwest::RequestBuilder,
        url: &reqwest::Url,
        headers: &[(&str, String)],
    ) -> Result<Response, HttpError> {
        let sem = self.host_permit(url);
        let _permit = sem
            .acquire()
            .await
            .map_err(|_| HttpError::Network("client shutting down".into()))?;
        let key = host_key(url);
        if self.is_down(&key) {
            return Err(HttpError::Network(format!(
                "{key} did not answer a moment ago; not called again yet"
            )));
        }
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let exchange = async {
            let mut resp = req.send().await.map_err(|e| self.network_error(e))?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            if resp
                .content_length()
                .is_some_and(|n| n > self.max_body as u64)
            {
                return Err(HttpError::TooLarge(self.max_body));
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| self.network_error(e))? {
                if body.len() + chunk.len() > self.max_body {
                    return Err(HttpError::TooLarge(self.max_body));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Response {
                status,
                headers,
                body,
            })
        };
        // reqwest's timeout covers the exchange; this one is the backstop.
        let result = tokio::time::timeout(self.timeout + Duration::from_millis(500), exchange)
            .await
            .unwrap_or_else(|_| Err(self.timeout_error()));
        if let Err(HttpError::Timeout(_)) = &result {
            self.mark_down(key);
        }
        result
    }

    fn is_down(&self, key: &str) -> bool {
        let down = self.down.lock().unwrap_or_else(|p| p.into_inner());
        down.get(key).is_some_and(|until| Instant::now() < *until)
    }

    /// Marks a host that did not answer in time: for one more timeout, requests to it
    /// fail at once (so `poll --once` ends within about two timeouts however
    /// many accounts share the host).
    fn mark_down(&self, key: String) {
        let mut down = self.down.lock().unwrap_or_else(|p| p.into_inner());
        down.insert(key, Instant::now() + self.timeout);
    }

    fn timeout_error(&self) -> HttpError {
        HttpError::Timeout(crate::util::format_duration(self.timeout))
    }

    /// A short, secret-free description of a transport failure.
    fn network_error(&self, e: reqwest::Error) -> HttpError {
        if e.is_timeout() {
            return self.timeout_error();
        }
        let e = e.without_url(); // URLs may carry API keys
        let root = root_cause(&e);
        if e.is_redirect() {
            HttpError::Redirect(root)
        } else if e.is_connect() {
            HttpError::Network(format!("cannot connect: {root}"))
        } else if e.is_body() || e.is_decode() {
            HttpError::Network(format!(
                "connection dropped while reading the answer: {root}"
            ))
        } else {
            HttpError::Network(root)
        }
    }
}

/// The host (and port, where not the default) a URL talks to: the unit of
/// concurrency and of rate-limit holds.
pub fn host_key(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        // no host: never the whole URL, which may carry a key
        _ => format!("{}:", url.scheme()),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
