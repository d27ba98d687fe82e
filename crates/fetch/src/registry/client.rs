//! The HTTP side of a registry (distribution-spec): one agent per pull,
//! the auth dance (401 challenge → Basic, or a Bearer token from the realm),
//! and the registry's errors turned into one-line causes.

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use ureq::config::RedirectAuthHeaders;
use ureq::http::Response;
use ureq::tls::TlsConfig;
use ureq::{Agent, Body};

use super::{Credentials, RegistryError};

/// Registry error bodies and token answers are small; read at most this much.
const SMALL_BODY: u64 = 64 << 10;

/// Where a pull goes and how it proves who it is.
pub(crate) struct Client {
    agent: Agent,
    /// `https://host:port` (or `http://` with `--tls-verify=false`).
    base: String,
    /// The repository, `library/python`.
    pub repo: String,
    creds: Option<Credentials>,
    /// The current `Authorization` value, shared by the layer threads.
    auth: Mutex<Option<String>>,
}

/// The agent: statuses are answers (a 401 carries the challenge), redirects
/// are followed (blob storage) without `Authorization` across hosts.
pub(crate) fn agent(tls: TlsConfig) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(5)
        .redirect_auth_headers(RedirectAuthHeaders::SameHost)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(120)))
        // A stalled body is a dropped connection: the blob reader resumes.
        .timeout_recv_body(None)
        .timeout_global(None)
        .user_agent(concat!("layerscope/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls)
        .build()
        .into()
}

impl Client {
    pub fn new(agent: Agent, base: String, repo: String, creds: Option<Credentials>) -> Client {
        Client {
            agent,
            base,
            repo,
            creds,
            auth: Mutex::new(None),
        }
    }

    /// `GET /v2/<repo>/<kind>/<reference>`, authenticating on a 401 (once
    /// per request: a token that expired mid-pull is renewed, a refused one
    /// is reported). Any other status is returned for the caller to judge.
    pub fn get(
        &self,
        kind: &str,
        reference: &str,
        headers: &[(&str, String)],
    ) -> Result<Response<Body>, RegistryError> {
        let url = format!("{}/v2/{}/{kind}/{reference}", self.base, self.repo);
        let mut renewed = false;
        loop {
            let mut req = self.agent.get(&url);
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            let auth = self.auth.lock().map(|a| a.clone()).unwrap_or_default();
            if let Some(a) = &auth {
                req = req.header("Authorization", a);
            }
            let resp = req.call().map_err(|e| transport(&self.base, &e))?;
            if resp.status().as_u16() == 401 && !renewed {
                renewed = true;
                let challenge = header(&resp, "www-authenticate").unwrap_or_default();
                let fresh = self.authenticate(&challenge, auth.as_deref())?;
                if let Ok(mut a) = self.auth.lock() {
                    *a = Some(fresh);
                }
                continue;
            }
            return Ok(resp);
        }
    }

    /// Answer a `WWW-Authenticate` challenge with an `Authorization` value.
    fn authenticate(&self, challenge: &str, sent: Option<&str>) -> Result<String, RegistryError> {
        let (scheme, params) = parse_challenge(challenge);
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => match &self.creds {
                Some(Credentials::Basic { user, pass }) => {
                    let value = basic(user, pass);
                    if sent == Some(value.as_str()) {
                        return Err(RegistryError::new(
                            "unauthorized (401): the registry refused these credentials",
                        ));
                    }
                    Ok(value)
                }
                _ => Err(RegistryError::new(
                    "unauthorized (401): the registry wants a user name and password \
                     (--creds USER:PASS, or docker login)",
                )),
            },
            "bearer" => self.token(&params),
            _ => Err(RegistryError::new(format!(
                "unauthorized (401) without a usable challenge ({:?})",
                clip(challenge)
            ))),
        }
    }

    /// Distribution's token flow: `GET realm?service=…&scope=…`, anonymous
    /// or with Basic credentials; an identity token goes as a refresh token.
    fn token(&self, params: &[(String, String)]) -> Result<String, RegistryError> {
        let param = |k: &str| {
            params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let realm = param("realm")
            .filter(|r| r.starts_with("https://") || r.starts_with("http://"))
            .ok_or_else(|| {
                RegistryError::new(
                    "unauthorized (401): a Bearer challenge without an http(s) realm",
                )
            })?;
        let scope = param("scope").unwrap_or_else(|| format!("repository:{}:pull", self.repo));
        let service = param("service");
        let mut query = vec![("scope", scope.clone())];
        if let Some(s) = &service {
            query.push(("service", s.clone()));
        }
        let resp = match &self.creds {
            Some(Credentials::IdentityToken(t)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("refresh_token", t.clone()),
                    ("client_id", "layerscope".to_string()),
                    ("scope", scope),
                ];
                if let Some(s) = service {
                    form.push(("service", s));
                }
                let body = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                self.agent
                    .post(&realm)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .send(body.as_bytes())
            }
            creds => {
                let url = format!(
                    "{realm}{}{}",
                    if realm.contains('?') { '&' } else { '?' },
                    query
                        .iter()
                        .map(|(k, v)| format!("{k}={}", encode(v)))
                        .collect::<Vec<_>>()
                        .join("&")
                );
                let mut req = self.agent.get(&url);
                if let Some(Credentials::Basic { user, pass }) = creds {
                    req = req.header("Authorization", basic(user, pass));
                }
                req.call()
            }
        }
        .map_err(|e| transport(&realm, &e))?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(RegistryError::new(format!(
                "unauthorized: the token server {} answered {status}",
                clip(&realm)
            )));
        }
        #[derive(Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        let bytes = read_small(resp).map_err(|e| RegistryError::new(format!("token: {e}")))?;
        let t: Token = serde_json::from_slice(&bytes).map_err(|e| {
            RegistryError::new(format!("the token server's answer is not JSON: {e}"))
        })?;
        let token = t
            .token
            .or(t.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| RegistryError::new("the token server's answer has no token"))?;
        Ok(format!("Bearer {token}"))
    }
}

/// `Basic base64(user:pass)`.
fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// A response header as text.
pub(crate) fn header(resp: &Response<Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The body of a small answer (errors, tokens), bounded.
pub(crate) fn read_small(resp: Response<Body>) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    resp.into_body()
        .into_reader()
        .take(SMALL_BODY)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

/// A refused request as one line: the status, the registry's error code and
/// message (distribution-spec "Error codes"), and what to do.
pub(crate) fn status_error(resp: Response<Body>, what: &str) -> RegistryError {
    let status = resp.status().as_u16();
    let retry_after = header(&resp, "retry-after");
    let detail = read_small(resp)
        .ok()
        .and_then(|b| serde_json::from_slice::<ErrorsJson>(&b).ok())
        .and_then(|e| e.errors.into_iter().next())
        .map(|e| {
            let msg = e.message.unwrap_or_default();
            if msg.is_empty() {
                format!(" {}", e.code)
            } else {
                format!(" {}: {}", e.code, clip(&msg))
            }
        })
        .unwrap_or_default();
    let cause = match status {
        401 => format!(
            "{what}: unauthorized (401{detail}); give credentials with --creds USER[:PASS] or docker login"
        ),
        403 => format!("{what}: access denied (403{detail})"),
        404 => format!("{what}: not found (404{detail})"),
        429 => format!(
            "{what}: too many requests (429{detail}); Retry-After: {}",
            retry_after.as_deref().map_or("not given", clip)
        ),
        s => format!("{what}: the registry answered HTTP {s}{detail}"),
    };
    RegistryError::new(cause)
}

#[derive(Deserialize)]
struct ErrorsJson {
    errors: Vec<ErrorJson>,
}

#[derive(Deserialize)]
struct ErrorJson {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: Option<String>,
}

/// A request that got no HTTP answer: connection refused, TLS, DNS.
pub(crate) fn transport(base: &str, e: &ureq::Error) -> RegistryError {
    let text = one_line(&e.to_string());
    // Say what would work.
    let hint = if text.contains("InvalidContentType") {
        // An HTTP answer to a TLS hello.
        " (the registry speaks plain HTTP? --tls-verify=false allows it)"
    } else if text.contains("UnknownIssuer") {
        " (its CA goes in --cert-dir DIR or /etc/docker/certs.d/HOST:PORT/)"
    } else {
        ""
    };
    RegistryError::new(format!("cannot reach {}: {text}{hint}", clip(base)))
}

/// Text from the network, on one line and bounded.
pub(crate) fn clip(s: &str) -> &str {
    let end = s.char_indices().nth(200).map_or(s.len(), |(i, _)| i);
    s[..end].lines().next().unwrap_or("")
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `Bearer realm="…",service="…",scope="…"` → scheme and parameters.
pub(crate) fn parse_challenge(h: &str) -> (String, Vec<(String, String)>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = Vec::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let Some((key, after)) = s.split_once('=') else {
            break;
        };
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let after = after.trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            (v, &q[end.min(q.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        params.push((key, value));
        s = next.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_string(), params)
}

/// Percent-encoding for a query value (RFC 3986 unreserved kept).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="reg, x",scope="repository:a/b:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(
            p,
            vec![
                ("realm".into(), "https://auth.example/token".into()),
                ("service".into(), "reg, x".into()),
                ("scope".into(), "repository:a/b:pull".into()),
            ]
        );
        let (s, p) = parse_challenge(r#"Basic realm="basic-realm""#);
        assert_eq!((s.as_str(), p.len()), ("Basic", 1));
        assert_eq!(parse_challenge("").0, "");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("repository:a/b:pull"), "repository%3Aa%2Fb%3Apull");
    }
}
