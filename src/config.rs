//! The TOML configuration: accounts and global settings.
//!
//! Every error names the file, the line and the key at fault, because the
//! user has to go and fix that exact place.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub use crate::model::{Account, PlatformKind};

/// The starter config written on first run.
pub const STARTER_CONFIG: &str = include_str!("../assets/starter.toml");

/// A configuration error located in a file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}:{column}: {message}")]
    At {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write starter config {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A positive duration written as `30s`, `15m`, `1h30m` or ISO 8601 (`PT15M`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl Dur {
    pub fn parse(text: &str) -> Result<Dur, String> {
        let d: jiff::SignedDuration = text
            .trim()
            .parse()
            .map_err(|_| format!("invalid duration `{text}` (use e.g. 90s, 15m, 1h30m)"))?;
        if d.is_negative() || d.is_zero() {
            return Err(format!("duration `{text}` must be greater than zero"));
        }
        d.try_into()
            .map(Dur)
            .map_err(|_| format!("invalid duration `{text}`"))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Dur::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::util::format_duration(self.0))
    }
}

fn default_poll_interval() -> Dur {
    Dur(crate::model::DEFAULT_INTERVAL)
}
fn default_request_timeout() -> Dur {
    Dur(Duration::from_secs(20))
}
fn default_effort_margin() -> f64 {
    0.2
}
fn default_export_formats() -> Vec<String> {
    ["json", "csv", "md", "svg"].map(String::from).to_vec()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default = "default_poll_interval")]
    poll_interval: Dur,
    #[serde(default = "default_request_timeout")]
    request_timeout: Dur,
    #[serde(default = "default_effort_margin")]
    effort_margin: f64,
    #[serde(default = "default_export_formats")]
    export_formats: Vec<String>,
    #[serde(default)]
    accounts: Vec<toml::Spanned<RawAccount>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    platform: PlatformKind,
    handle: Option<String>,
    id: Option<String>,
    label: Option<String>,
    base_url: Option<String>,
    interval: Option<Dur>,
    token_env: Option<String>,
    #[serde(default)]
    time_tags: Vec<String>,
    domains: Option<Vec<String>>,
    url: Option<String>,
    pointer: Option<String>,
    headers: Option<std::collections::BTreeMap<String, String>>,
    metric: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub poll_interval: Duration,
    pub request_timeout: Duration,
    pub effort_margin: f64,
    pub export_formats: Vec<String>,
    pub accounts: Vec<Account>,
}

impl Config {
    /// Parses config text; `path` is only used to locate errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            ConfigError::At {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| at(e.span().unwrap_or(0..0), e.message().to_string()))?;
        if !(0.0..=10.0).contains(&raw.effort_margin) {
            let span = key_span(text, "effort_margin").unwrap_or(0..0);
            return Err(at(
                span,
                "effort_margin must be a number between 0 and 10".into(),
            ));
        }
        for f in &raw.export_formats {
            if !["json", "csv", "md", "svg"].contains(&f.as_str()) {
                let span = key_span(text, "export_formats").unwrap_or(0..0);
                return Err(at(
                    span,
                    format!("export_formats: unknown format `{f}` (json, csv, md, svg)"),
                ));
            }
        }
        let poll_interval = raw.poll_interval.0;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut accounts = Vec::with_capacity(raw.accounts.len());
        for spanned in raw.accounts {
            let span = spanned.span();
            let acct = spanned.into_inner();
            let json = acct.platform == PlatformKind::Json;
            for (key, set) in [
                ("url", acct.url.is_some()),
                ("pointer", acct.pointer.is_some()),
                ("headers", acct.headers.is_some()),
            ] {
                if set && !json {
                    return Err(at(
                        span.clone(),
                        format!("key `{key}` applies only to platform = \"json\""),
                    ));
                }
            }
            if acct.metric.is_some() && !json && acct.platform != PlatformKind::Manual {
                return Err(at(
                    span,
                    "key `metric` applies only to platform = \"json\" and \"manual\"; other platforms know what they count".into(),
                ));
            }
            if json && (acct.url.is_none() || acct.pointer.is_none()) {
                return Err(at(
                    span,
                    "platform = \"json\" needs `url` (the endpoint) and `pointer` (an RFC 6901 pointer to the count, e.g. \"/data/subscribers\")".into(),
                ));
            }
            // a json counter is named after its host unless it has a handle
            let handle = match (&acct.handle, &acct.url) {
                (Some(h), _) => h.trim().trim_start_matches('@').to_string(),
                (None, Some(u)) if json => reqwest::Url::parse(u)
                    .ok()
                    .and_then(|u| u.host_str().map(String::from))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            let platform = crate::platforms::platform(acct.platform);
            if handle.is_empty() {
                return Err(at(span, "key `handle` is missing or empty".into()));
            }
            let metric = acct
                .metric
                .unwrap_or_else(|| platform.metric(&handle).to_string());
            let account = Account {
                id: acct
                    .id
                    .unwrap_or_else(|| format!("{}:{}", acct.platform.name(), handle)),
                platform: acct.platform,
                handle,
                label: acct.label,
                base_url: acct.base_url.map(|u| u.trim_end_matches('/').to_string()),
                interval: acct.interval.map_or(poll_interval, |d| d.0),
                token_env: acct.token_env,
                time_tags: acct.time_tags,
                domains: acct.domains,
                url: acct.url,
                pointer: acct.pointer,
                headers: acct.headers.unwrap_or_default().into_iter().collect(),
                metric,
            };
            if let Some(base) = &account.base_url
                && reqwest::Url::parse(base).is_err()
            {
                return Err(at(
                    span,
                    format!(
                        "account {}: key `base_url`: `{base}` is not a URL",
                        account.id
                    ),
                ));
            }
            if let Err(message) = platform.check_handle(&account) {
                return Err(at(
                    span,
                    format!("account {}: key `handle`: {message}", account.id),
                ));
            }
            let (line, _) = line_col(text, span.start);
            if let Some(first) = seen.insert(account.id.clone(), line) {
                return Err(at(
                    span,
                    format!(
                        "key `id`: duplicate account id `{}` (first defined at line {first})",
                        account.id
                    ),
                ));
            }
            accounts.push(account);
        }
        Ok(Config {
            path: path.to_path_buf(),
            poll_interval,
            request_timeout: raw.request_timeout.0,
            effort_margin: raw.effort_margin,
            export_formats: raw.export_formats,
            accounts,
        })
    }

    /// Loads the config at `path`, writing the starter config there first if
    /// no file exists. Returns the config and whether the starter was written.
    pub fn load_or_init(path: &Path) -> Result<(Config, bool), ConfigError> {
        let mut created = false;
        if !path.exists() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| ConfigError::Write {
                    path: path.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(path, STARTER_CONFIG).map_err(|source| ConfigError::Write {
                path: path.to_path_buf(),
                source,
            })?;
            created = true;
        }
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok((Config::parse(&text, path)?, created))
    }

    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// Span of a top-level `key =` line, for errors found after parsing.
fn key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            let start = offset + (line.len() - trimmed.len());
            return Some(start..start + key.len());
        }
        offset += line.len();
    }
    None
}

/// Default paths from the platform's conventions (XDG on Linux).
pub fn default_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "socialtop")
}

pub fn default_config_path() -> PathBuf {
    default_dirs().map_or_else(
        || PathBuf::from("socialtop.toml"),
        |d| d.config_dir().join("config.toml"),
    )
}

pub fn default_data_dir() -> PathBuf {
    default_dirs().map_or_else(
        || PathBuf::from("socialtop-data"),
        |d| d.data_dir().to_path_buf(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/tmp/c.toml"))
    }

    #[test]
    fn full_account_parses_with_defaults() {
        let c = parse(
            r#"
poll_interval = "5m"
[[accounts]]
platform = "mastodon"
handle = "@alice@example.social"
[[accounts]]
platform = "github"
handle = "rust-lang/rust"
label = "Rust"
interval = "1h30m"
base_url = "http://127.0.0.1:9/"
"#,
        )
        .unwrap();
        assert_eq!(c.poll_interval, Duration::from_secs(300));
        assert_eq!(c.request_timeout, Duration::from_secs(20));
        assert_eq!(c.accounts[0].id, "mastodon:alice@example.social");
        assert_eq!(c.accounts[0].interval, Duration::from_secs(300));
        assert_eq!(c.accounts[1].interval, Duration::from_secs(5400));
        assert_eq!(c.accounts[1].metric(), "stars");
        assert_eq!(c.accounts[1].display_name(), "Rust");
        assert_eq!(
            c.accounts[1].base_url.as_deref(),
            Some("http://127.0.0.1:9")
        );
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("[[accounts]]\nplatform = \"github\"\nhandle = \"x\"\nfolowers = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:4:"), "{err}");
        assert!(err.contains("folowers"), "{err}");
    }

    #[test]
    fn bad_duration_names_line() {
        let err = parse("poll_interval = \"soon\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/tmp/c.toml:1:"), "{err}");
        assert!(err.contains("invalid duration `soon`"), "{err}");
        let err = parse("\n\nrequest_timeout = \"-5s\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:3:"), "{err}");
    }

    #[test]
    fn unknown_platform_is_rejected_with_choices() {
        let err = parse("[[accounts]]\nplatform = \"myspace\"\nhandle = \"tom\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:2:"), "{err}");
        assert!(err.contains("myspace") && err.contains("mastodon"), "{err}");
    }

    #[test]
    fn duplicate_id_names_both_lines() {
        let err = parse(
            "[[accounts]]\nplatform = \"github\"\nhandle = \"a\"\n\n[[accounts]]\nplatform = \"github\"\nhandle = \"b\"\nid = \"github:a\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("/tmp/c.toml:5:"), "{err}");
        assert!(err.contains("duplicate account id `github:a`"), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn mastodon_handle_needs_instance() {
        let err = parse("[[accounts]]\nplatform = \"mastodon\"\nhandle = \"alice\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("user@instance"), "{err}");
    }

    #[test]
    fn starter_config_is_valid() {
        let c = parse(STARTER_CONFIG).unwrap();
        assert!(c.accounts.len() >= 3);
    }

    #[test]
    fn example_config_is_valid() {
        let c = parse(include_str!("../assets/config.example.toml")).unwrap();
        assert!(!c.accounts.is_empty());
    }
}
