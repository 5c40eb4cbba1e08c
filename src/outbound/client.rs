//! Talking to an application: its credentials applied to each request (bearer, Basic, or an
//! OAuth 2.0 access token fetched with client credentials and cached until it expires), and
//! every way a request can fail sorted into what the queue does about it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

use super::application::{Application, Auth};
use super::journal::{Answered, Journal, Sent, Subject};
use crate::sealed::{SealError, SealKey};
use crate::secret::Secret;

/// The media type of SCIM bodies (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// The longest part of a target's answer kept in an error message.
const ANSWER_LIMIT: usize = 512;

/// Why a delivery (or a connection test) did not succeed, and so what happens next.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// No answer: refused connection, DNS, TLS, timeout.
    #[error("{0}")]
    Unreachable(String),
    /// The target answered with an error status.
    #[error("{method} {url} answered {status}{}", answer_suffix(.answer))]
    Refused {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The status.
        status: StatusCode,
        /// The start of the body.
        answer: String,
        /// `Retry-After`, when the target said when to come back.
        retry_after: Option<Duration>,
    },
    /// The target answered success with something that is not what SCIM says.
    #[error("{0}")]
    Malformed(String),
    /// The stored credential could not be opened.
    #[error(transparent)]
    Sealed(#[from] SealError),
    /// scimhub's own database failed.
    #[error("scimhub's database: {0}")]
    Db(#[from] sqlx::Error),
}

fn answer_suffix(answer: &str) -> String {
    if answer.is_empty() {
        String::new()
    } else {
        format!(": {answer}")
    }
}

impl DeliveryError {
    /// Whether trying again cannot help: a 4xx other than 401, 403 (credentials can be fixed),
    /// 404 (handled by the caller where it means "gone"), 408, 409 and 429. Such events go to the
    /// dead-letter list; everything else is retried with backoff.
    pub fn is_permanent(&self) -> bool {
        match self {
            DeliveryError::Refused { status, .. } => {
                status.is_client_error()
                    && ![
                        StatusCode::UNAUTHORIZED,
                        StatusCode::FORBIDDEN,
                        StatusCode::REQUEST_TIMEOUT,
                        StatusCode::CONFLICT,
                        StatusCode::TOO_MANY_REQUESTS,
                    ]
                    .contains(status)
            }
            _ => false,
        }
    }

    /// The wait the target asked for (`Retry-After` on a 429 or 503).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DeliveryError::Refused { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The status the target answered, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            DeliveryError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// An error from reqwest in words an administrator can act on (the whole source chain: "error
/// sending request" alone says nothing).
pub(super) fn unreachable(method: &Method, url: &str, error: &reqwest::Error) -> DeliveryError {
    let mut text = if error.is_timeout() {
        format!("{method} {url}: no answer in time")
    } else {
        format!("{method} {url}: {error}")
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    DeliveryError::Unreachable(text)
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or_default())
}

/// The first [`ANSWER_LIMIT`] bytes of a text, cut at a character boundary.
pub fn clip(text: &str) -> String {
    let mut cut = text.len().min(ANSWER_LIMIT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let clipped = text[..cut].trim();
    if cut < text.len() {
        format!("{clipped}…")
    } else {
        clipped.to_owned()
    }
}

/// An OAuth access token and when to stop using it.
struct CachedToken {
    token: String,
    until: Instant,
}

/// The HTTP client every delivery shares, and the OAuth access tokens it holds.
pub struct Client {
    http: reqwest::Client,
    seal: SealKey,
    tokens: Mutex<HashMap<String, CachedToken>>,
    journal: Option<Journal>,
}

/// A request's answer: status and body.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl Client {
    /// A client that opens credentials with `seal`; each request may take `timeout`.
    pub fn new(seal: SealKey, timeout: Duration) -> Result<Client, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("scimhub/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client { http, seal, tokens: Mutex::new(HashMap::new()), journal: None })
    }

    /// The same client, recording every request it sends in the provisioning log.
    pub fn with_journal(self, journal: Journal) -> Client {
        Client { journal: Some(journal), ..self }
    }

    /// Records a request and its answer, when this client keeps a journal.
    pub(super) async fn record(&self, sent: Sent<'_>, answered: Answered<'_>) {
        if let Some(journal) = &self.journal {
            journal.record(sent, answered).await;
        }
    }

    /// Waits until every request recorded so far is in the log.
    pub async fn flush(&self) {
        if let Some(journal) = &self.journal {
            journal.flush().await;
        }
    }

    /// The application's secret, opened.
    pub fn secret(&self, app: &Application) -> Result<Secret, SealError> {
        self.seal.open(&app.sealed_secret, &app.id)
    }

    /// The underlying HTTP client (webhooks sign their own requests).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends a SCIM request about `subject` to the application with its credentials; an answer
    /// of 2xx, 404 or 409 is returned (the caller decides what they mean), any other is an
    /// error. The request is recorded in the journal, if the client keeps one.
    pub async fn scim(
        &self,
        app: &Application,
        subject: Subject<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, DeliveryError> {
        let url = format!("{}{path}", app.url.trim_end_matches('/'));
        let authorization = self.authorization(app).await?;
        let mut request =
            self.http.request(method.clone(), &url).header("Accept", SCIM_JSON).header(AUTHORIZATION, authorization);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, SCIM_JSON).body(body.to_string());
        }
        let sent = Sent { app, method: &method, url: &url, subject, body, started: Instant::now() };
        let (status, wait, text) = match self.exchange(request).await {
            Ok(answer) => answer,
            Err(e) => {
                let error = unreachable(&method, &url, &e);
                self.record(sent, Answered::Nothing(&error.to_string())).await;
                return Err(error);
            }
        };
        self.record(sent, Answered::Status(status, &text)).await;
        if status.is_success() || status == StatusCode::NOT_FOUND || status == StatusCode::CONFLICT {
            let body = serde_json::from_str(&text).unwrap_or(Value::Null);
            return Ok(Answer { status, body });
        }
        if status == StatusCode::UNAUTHORIZED {
            self.forget_token(app);
        }
        Err(DeliveryError::Refused { method, url, status, answer: clip(&text), retry_after: wait })
    }

    /// Sends a request and reads its answer: status, `Retry-After`, body.
    pub(super) async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Option<Duration>, String), reqwest::Error> {
        let response = request.send().await?;
        let status = response.status();
        let wait = retry_after(&response);
        Ok((status, wait, response.text().await?))
    }

    /// The `Authorization` header value for the application.
    async fn authorization(&self, app: &Application) -> Result<HeaderValue, DeliveryError> {
        let secret = self.secret(app)?;
        let value = match &app.auth {
            Auth::Bearer | Auth::Signature => format!("Bearer {}", secret.expose()),
            Auth::Basic { user } => format!("Basic {}", STANDARD.encode(format!("{user}:{}", secret.expose()))),
            Auth::OAuth { client_id, token_url } => {
                format!("Bearer {}", self.access_token(app, client_id, token_url, &secret).await?)
            }
        };
        let mut header = HeaderValue::from_str(&value)
            .map_err(|_| DeliveryError::Malformed("the credential has characters a header cannot carry".into()))?;
        header.set_sensitive(true);
        Ok(header)
    }

    /// A cached access token, or a new one from the token endpoint (client credentials,
    /// `client_secret_basic`).
    async fn access_token(
        &self,
        app: &Application,
        client_id: &str,
        token_url: &str,
        secret: &Secret,
    ) -> Result<String, DeliveryError> {
        if let Some(token) = self.cached_token(app) {
            return Ok(token);
        }
        let basic = STANDARD.encode(format!("{}:{}", form_encode(client_id), form_encode(secret.expose())));
        let request = self
            .http
            .post(token_url)
            .header(AUTHORIZATION, format!("Basic {basic}"))
            .form(&[("grant_type", "client_credentials")]);
        // Recorded without bodies: the request is the grant, a successful answer the token.
        let sent = Sent {
            app,
            method: &Method::POST,
            url: token_url,
            subject: Subject::about("token"),
            body: None,
            started: Instant::now(),
        };
        let (status, wait, text) = match self.exchange(request).await {
            Ok(answer) => answer,
            Err(e) => {
                let error = unreachable(&Method::POST, token_url, &e);
                self.record(sent, Answered::Nothing(&error.to_string())).await;
                return Err(error);
            }
        };
        let recorded = if status.is_success() { "" } else { text.as_str() };
        self.record(sent, Answered::Status(status, recorded)).await;
        if !status.is_success() {
            let answer = clip(&text);
            return Err(DeliveryError::Refused {
                method: Method::POST,
                url: token_url.to_owned(),
                status,
                answer,
                retry_after: wait,
            });
        }
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let token = body.get("access_token").and_then(Value::as_str).ok_or_else(|| {
            DeliveryError::Malformed(format!("the token endpoint {token_url} answered without an access_token"))
        })?;
        let lifetime = body.get("expires_in").and_then(Value::as_u64).unwrap_or(300);
        // Renewed a little early, so a token never expires on its way.
        let until = Instant::now() + Duration::from_secs(lifetime.saturating_sub(30).max(1));
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(app.id.clone(), CachedToken { token: token.to_owned(), until });
        }
        Ok(token.to_owned())
    }

    fn cached_token(&self, app: &Application) -> Option<String> {
        let tokens = self.tokens.lock().ok()?;
        tokens.get(&app.id).filter(|t| t.until > Instant::now()).map(|t| t.token.clone())
    }

    fn forget_token(&self, app: &Application) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.remove(&app.id);
        }
    }
}

/// `application/x-www-form-urlencoded` of a client id or secret, as HTTP Basic for OAuth wants
/// them (RFC 6749 §2.3.1).
fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16) -> DeliveryError {
        DeliveryError::Refused {
            method: Method::POST,
            url: "https://x/Users".into(),
            status: StatusCode::from_u16(status).unwrap(),
            answer: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn only_unfixable_client_errors_are_permanent() {
        for status in [400, 404, 405, 413, 422] {
            assert!(refused(status).is_permanent(), "{status}");
        }
        for status in [401, 403, 408, 409, 429, 500, 502, 503] {
            assert!(!refused(status).is_permanent(), "{status}");
        }
        assert!(!DeliveryError::Unreachable("refused".into()).is_permanent());
        assert_eq!(refused(400).to_string(), "POST https://x/Users answered 400 Bad Request");
    }

    #[test]
    fn answers_are_clipped_at_a_character_boundary() {
        assert_eq!(clip(" short "), "short");
        let long = "é".repeat(400);
        let clipped = clip(&long);
        assert!(clipped.ends_with('…') && clipped.len() <= ANSWER_LIMIT + '…'.len_utf8());
    }
}
