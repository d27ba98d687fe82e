//! Who we are to a registry: `--creds USER[:PASS]`, else what `docker login`
//! and `podman login` stored (docker/cli `cli/config/configfile/file.go`;
//! containers-auth.json(5)):
//!
//! 1. `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`):
//!    `credHelpers[host]`, then `credsStore` (both run
//!    `docker-credential-NAME get`), then `auths[host]` (`auth` is base64
//!    `user:pass`; `identitytoken` is exchanged for a token);
//! 2. Podman's `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
//!    `~/.config/containers/auth.json` (`auths` as above).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

use super::{Credentials, RegistryError};

/// Config files are small; a helper's answer too.
const FILE_CAP: u64 = 1 << 20;
/// A credential helper that has not answered by then is killed.
const HELPER_TIMEOUT: Duration = Duration::from_secs(30);
/// Docker Hub's key in config.json and for helpers.
const HUB_KEY: &str = "https://index.docker.io/v1/";

/// `--creds USER[:PASS]` (an empty password when none is given).
pub(crate) fn parse_flag(s: &str) -> Credentials {
    let (user, pass) = s.split_once(':').unwrap_or((s, ""));
    Credentials::Basic {
        user: user.to_string(),
        pass: pass.to_string(),
    }
}

#[derive(Deserialize, Default)]
struct ConfigJson {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(rename = "credsStore", default)]
    creds_store: Option<String>,
    #[serde(rename = "credHelpers", default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(rename = "identitytoken", default)]
    identity_token: Option<String>,
}

/// Stored credentials for `registry` (as the reference names it).
pub(crate) fn lookup(registry: &str) -> Result<Option<Credentials>, RegistryError> {
    let host = normalize(registry);
    if let Some(path) = docker_config() {
        if let Some(cfg) = read_config(&path)? {
            let helper = cfg
                .cred_helpers
                .iter()
                .find(|(k, _)| normalize(k) == host)
                .map(|(_, v)| v.clone())
                .or(cfg.creds_store.clone())
                .filter(|h| !h.is_empty());
            if let Some(h) = helper {
                if let Some(c) = from_helper(&h, &server_url(&host))? {
                    return Ok(Some(c));
                }
            }
            if let Some(c) = from_auths(&cfg, &host, &path)? {
                return Ok(Some(c));
            }
        }
    }
    for path in podman_auth_files() {
        if let Some(cfg) = read_config(&path)? {
            if let Some(c) = from_auths(&cfg, &host, &path)? {
                return Ok(Some(c));
            }
        }
    }
    Ok(None)
}

/// `https://index.docker.io/v1/` → `docker.io`; `https://h:5000/x` → `h:5000`.
fn normalize(key: &str) -> String {
    let k = key
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let k = k.split('/').next().unwrap_or(k);
    match k {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => "docker.io".to_string(),
        k => k.to_string(),
    }
}

fn server_url(host: &str) -> String {
    if host == "docker.io" {
        HUB_KEY.to_string()
    } else {
        host.to_string()
    }
}

fn docker_config() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(d) if !d.is_empty() => Some(Path::new(&d).join("config.json")),
        _ => home().map(|h| h.join(".docker/config.json")),
    }
}

fn podman_auth_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(f) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|f| !f.is_empty()) {
        out.push(PathBuf::from(f));
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        out.push(Path::new(&d).join("containers/auth.json"));
    }
    if let Some(h) = home() {
        out.push(h.join(".config/containers/auth.json"));
    }
    out
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

fn read_config(path: &Path) -> Result<Option<ConfigJson>, RegistryError> {
    let Ok(f) = std::fs::File::open(path) else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    f.take(FILE_CAP)
        .read_to_end(&mut bytes)
        .map_err(|e| RegistryError::new(format!("{}: {e}", path.display())))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| RegistryError::new(format!("{}: not a credentials file: {e}", path.display())))
}

fn from_auths(
    cfg: &ConfigJson,
    host: &str,
    path: &Path,
) -> Result<Option<Credentials>, RegistryError> {
    let Some(entry) = cfg
        .auths
        .iter()
        .find(|(k, _)| normalize(k) == host)
        .map(|(_, v)| v)
    else {
        return Ok(None);
    };
    if let Some(t) = entry.identity_token.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credentials::IdentityToken(t.clone())));
    }
    if let Some(a) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
        let bad = || {
            RegistryError::new(format!(
                "{}: the auth entry for {host} is not base64 USER:PASS",
                path.display()
            ))
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .map_err(|_| bad())?;
        let text = String::from_utf8(raw).map_err(|_| bad())?;
        let (user, pass) = text.split_once(':').ok_or_else(bad)?;
        return Ok(Some(Credentials::Basic {
            user: user.to_string(),
            pass: pass.to_string(),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(u), Some(p)) => Ok(Some(Credentials::Basic {
            user: u.clone(),
            pass: p.clone(),
        })),
        _ => Ok(None),
    }
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// `docker-credential-NAME get` with the server on stdin; `None` when it has
/// nothing for this server (it exits non-zero, or is not installed).
fn from_helper(name: &str, server: &str) -> Result<Option<Credentials>, RegistryError> {
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(RegistryError::new(format!(
            "credential helper name {:?} is not a plain name",
            super::client::clip(name)
        )));
    }
    let program = format!("docker-credential-{name}");
    let Ok(mut child) = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return Ok(None);
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let deadline = Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RegistryError::new(format!(
                    "{program} did not answer in {} s",
                    HELPER_TIMEOUT.as_secs()
                )));
            }
        }
    };
    if !status.success() {
        return Ok(None);
    }
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = stdout.take(FILE_CAP).read_to_end(&mut out);
    }
    let answer: HelperAnswer = serde_json::from_slice(&out)
        .map_err(|e| RegistryError::new(format!("{program}: not JSON credentials: {e}")))?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if answer.username == "<token>" {
        Credentials::IdentityToken(answer.secret)
    } else {
        Credentials::Basic {
            user: answer.username,
            pass: answer.secret,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_normalise_like_docker() {
        assert_eq!(normalize("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
        assert_eq!(normalize("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn auths_entries_decode() {
        let cfg: ConfigJson = serde_json::from_str(
            r#"{"auths":{"https://h:5000":{"auth":"dXNlcjpwOnc="},"t.io":{"identitytoken":"xyz"}}}"#,
        )
        .unwrap();
        let p = Path::new("config.json");
        assert_eq!(
            from_auths(&cfg, "h:5000", p).unwrap(),
            Some(Credentials::Basic {
                user: "user".into(),
                pass: "p:w".into()
            })
        );
        assert_eq!(
            from_auths(&cfg, "t.io", p).unwrap(),
            Some(Credentials::IdentityToken("xyz".into()))
        );
        assert_eq!(from_auths(&cfg, "other", p).unwrap(), None);
    }

    #[test]
    fn creds_flag_splits_at_the_first_colon() {
        assert_eq!(
            parse_flag("u:a:b"),
            Credentials::Basic {
                user: "u".into(),
                pass: "a:b".into()
            }
        );
    }
}
