//! The token endpoint, `POST /realms/{tenant}/protocol/openid-connect/token`: the OAuth 2.0
//! client credentials grant (RFC 6749 §4.4) with `client_secret_basic` or `client_secret_post`
//! client authentication (§2.3.1). It answers an ES256-signed JWT access token (RFC 9068
//! profile) for the tenant's SCIM endpoint, and errors as JSON per §5.2.
//!
//! An unknown tenant answers exactly as a wrong client secret does (`invalid_client`, after
//! the same work), so tenant names cannot be told from the answers; both count against the
//! client's address ([`crate::scim_http::throttle::FailureLimit`]).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

use super::jwt::{issuer, ACCESS_TOKEN_TYPE, SCOPE};
use super::keys::{self, KeyError, ALGORITHM};
use crate::db;
use crate::db::credential::Kind;
use crate::scim_http::throttle;
use crate::secret::SecretHash;
use crate::state::AppState;

/// The largest token request body accepted.
const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// A token endpoint error (RFC 6749 §5.2), answered as JSON.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A missing, repeated or malformed parameter, or more than one client authentication.
    #[error("{0}")]
    InvalidRequest(String),
    /// Client authentication failed (unknown client, wrong or missing secret).
    #[error("client authentication failed")]
    InvalidClient,
    /// A grant type other than `client_credentials`.
    #[error("grant_type \"{0}\" is not supported; use client_credentials")]
    UnsupportedGrantType(String),
    /// The requested scope is malformed.
    #[error("{0}")]
    InvalidScope(String),
    /// The client is authenticated but may not get tokens now (endpoint disabled, remote token
    /// authentication off).
    #[error("{0}")]
    UnauthorizedClient(String),
    /// Too many failed client authentications from the client's address: come back after
    /// this long.
    #[error("too many failed client authentications from this address; retry after {} s", scim::error::retry_after_secs(*.0))]
    SlowDown(Duration),
    /// A platform administrator disabled the tenant.
    #[error("tenant \"{0}\" is disabled by a platform administrator")]
    TenantDisabled(String),
    /// A database failure.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Loading or creating the signing key failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Signing failed.
    #[error("signing the token failed: {0}")]
    Sign(String),
}

impl TokenError {
    /// The RFC 6749 error code and HTTP status.
    fn code(&self) -> (StatusCode, &'static str) {
        match self {
            TokenError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            TokenError::InvalidClient => (StatusCode::UNAUTHORIZED, "invalid_client"),
            TokenError::UnsupportedGrantType(_) => (StatusCode::BAD_REQUEST, "unsupported_grant_type"),
            TokenError::InvalidScope(_) => (StatusCode::BAD_REQUEST, "invalid_scope"),
            TokenError::UnauthorizedClient(_) => (StatusCode::BAD_REQUEST, "unauthorized_client"),
            // RFC 8628's code for a client that must slow down at the token endpoint.
            TokenError::SlowDown(_) => (StatusCode::TOO_MANY_REQUESTS, "slow_down"),
            TokenError::TenantDisabled(_) => (StatusCode::FORBIDDEN, "unauthorized_client"),
            TokenError::Db(_) | TokenError::Key(_) | TokenError::Sign(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error")
            }
        }
    }
}

/// An error answered by this tenant's endpoint (the realm goes into `WWW-Authenticate`).
pub struct TokenRejection {
    realm: String,
    error: TokenError,
}

impl IntoResponse for TokenRejection {
    fn into_response(self) -> Response {
        let (status, code) = self.error.code();
        let description = if status.is_server_error() {
            tracing::error!(error = %self.error, tenant = %self.realm, "token endpoint failed");
            "internal error".to_owned()
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            // Not logged per request: an address over its limit costs nothing.
            self.error.to_string()
        } else {
            // Visible to the operator, so a failing "Test Connection" can be diagnosed; the
            // messages never contain a secret.
            tracing::warn!(tenant = %self.realm, error = code, detail = %self.error, "token request refused");
            self.error.to_string()
        };
        let body = serde_json::json!({"error": code, "error_description": description});
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        no_store(headers);
        if status == StatusCode::UNAUTHORIZED {
            // Tenant names are [A-Za-z0-9_-], safe inside the quoted string; a path that cannot
            // name a tenant gets a fixed realm.
            let realm = if crate::tenant::validate_name(&self.realm).is_ok() { self.realm.as_str() } else { "scimhub" };
            if let Ok(value) = HeaderValue::from_str(&format!("Basic realm=\"{realm}\"")) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let TokenError::SlowDown(wait) = self.error {
            headers.insert(header::RETRY_AFTER, scim::error::retry_after_secs(wait).into());
        }
        response
    }
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// A client secret as presented. Its `Debug` hides it.
pub struct PresentedSecret(String);

impl std::fmt::Debug for PresentedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PresentedSecret(****)")
    }
}

/// How the client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic (`client_secret_basic`).
    Basic,
    /// Form parameters (`client_secret_post`).
    Post,
}

/// A parsed, syntactically valid client credentials request.
#[derive(Debug)]
pub struct TokenRequest {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: PresentedSecret,
    /// How they were sent.
    pub method: AuthMethod,
    /// The requested scope, if any.
    pub scope: Option<String>,
}

/// Parses a token request: the `Content-Type` and `Authorization` headers and the form body.
pub fn parse_request(
    content_type: Option<&str>,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<TokenRequest, TokenError> {
    let form_type = content_type
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(TokenError::InvalidRequest("the request body must be application/x-www-form-urlencoded".into()));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        if params.iter().any(|(n, _)| *n == name) {
            // RFC 6749 §3.2: parameters must not be repeated.
            return Err(TokenError::InvalidRequest(format!("the parameter \"{name}\" is repeated")));
        }
        params.push((name.into_owned(), value.into_owned()));
    }
    let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let grant_type = param("grant_type").ok_or_else(|| TokenError::InvalidRequest("grant_type is missing".into()))?;
    if grant_type != "client_credentials" {
        return Err(TokenError::UnsupportedGrantType(grant_type.chars().take(64).collect()));
    }
    let scope = param("scope").map(str::to_owned);
    if let Some(scope) = &scope {
        check_scope_syntax(scope)?;
    }
    let basic = authorization.map(parse_basic).transpose()?.flatten();
    let (client_id, client_secret, method) = match (basic, param("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(TokenError::InvalidRequest(
                "use one client authentication method: HTTP Basic or client_secret in the body, not both".into(),
            ))
        }
        (Some((id, secret)), None) => {
            if param("client_id").is_some_and(|body_id| body_id != id) {
                return Err(TokenError::InvalidRequest("client_id differs from the HTTP Basic user".into()));
            }
            (id, secret, AuthMethod::Basic)
        }
        (None, Some(secret)) => {
            let id = param("client_id").ok_or(TokenError::InvalidClient)?;
            (id.to_owned(), secret.to_owned(), AuthMethod::Post)
        }
        (None, None) => return Err(TokenError::InvalidClient),
    };
    Ok(TokenRequest { client_id, client_secret: PresentedSecret(client_secret), method, scope })
}

/// Reads HTTP Basic client credentials (RFC 6749 §2.3.1: both parts form-urlencoded). Another
/// scheme is not client authentication at all (`None`).
fn parse_basic(authorization: &str) -> Result<Option<(String, String)>, TokenError> {
    let Some((scheme, encoded)) = authorization.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let malformed = || TokenError::InvalidRequest("malformed HTTP Basic credentials".into());
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let unescape = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes()).map(|(_, v)| v.into_owned()).collect()
    };
    let (id, secret) = (unescape(id), unescape(secret));
    if id.is_empty() || secret.is_empty() {
        return Err(TokenError::InvalidClient);
    }
    Ok(Some((id, secret)))
}

/// RFC 6749 §3.3: space-separated tokens of `%x21 / %x23-5B / %x5D-7E`.
fn check_scope_syntax(scope: &str) -> Result<(), TokenError> {
    let ok = scope.len() <= 1024
        && scope.split(' ').all(|token| {
            !token.is_empty()
                && token.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(TokenError::InvalidScope("scope must be space-separated tokens of printable ASCII".into()))
    }
}

/// The claims of scimhub's access tokens.
#[derive(Debug, Serialize)]
struct AccessClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    jti: String,
    client_id: &'a str,
    scope: &'a str,
}

/// The successful answer (RFC 6749 §5.1).
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    scope: &'static str,
}

/// `POST /realms/{tenant}/protocol/openid-connect/token`. An address over its limit of failed
/// authentications is answered 429 before anything else; each `invalid_client` counts.
pub async fn token(
    State(state): State<AppState>,
    Path(tenant_name): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let source = throttle::source_of(&extensions);
    let limit = state.auth_failures.as_deref();
    if let Some(wait) = limit.and_then(|limit| limit.blocked(source)) {
        return TokenRejection { realm: tenant_name, error: TokenError::SlowDown(wait) }.into_response();
    }
    match issue(&state, &tenant_name, &headers, &body).await {
        Ok(response) => response,
        Err(error) => {
            if let (TokenError::InvalidClient, Some(limit)) = (&error, limit) {
                limit.failed(source);
            }
            TokenRejection { realm: tenant_name, error }.into_response()
        }
    }
}

async fn issue(state: &AppState, tenant_name: &str, headers: &HeaderMap, body: &[u8]) -> Result<Response, TokenError> {
    let tenant = db::tenant::by_name(&state.db, tenant_name).await?;
    if body.len() > MAX_REQUEST_BYTES {
        return Err(TokenError::InvalidRequest("the request body is too large".into()));
    }
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let request = parse_request(text(header::CONTENT_TYPE), text(header::AUTHORIZATION), body)?;
    let now_ms = state.clock.now_ms();
    // An unknown tenant's client is checked all the same (no secret belongs to a tenant without
    // an id): the same work and the same answer as a wrong secret.
    let tenant_id = tenant.as_ref().map_or("", |t| t.id.as_str());
    let credential_id = authenticate_client(state, tenant_id, &request, now_ms).await?;
    let tenant = tenant.ok_or(TokenError::InvalidClient)?;
    if tenant.disabled_at.is_some() {
        return Err(TokenError::TenantDisabled(tenant.name.clone()));
    }
    if !tenant.scim_enabled {
        return Err(TokenError::UnauthorizedClient(format!(
            "the SCIM endpoint of tenant \"{}\" is disabled",
            tenant.name
        )));
    }
    if !tenant.auth.remote_token_auth {
        return Err(TokenError::UnauthorizedClient(format!(
            "remote token authentication (OAuth 2.0 client credentials) is off for tenant \"{}\"",
            tenant.name
        )));
    }
    let key = keys::current(&state.db, &tenant.id, now_ms).await?;
    let iss = issuer(state, &tenant.name);
    let aud = state.scim_base_url(&tenant.name);
    let now_secs = now_ms.div_euclid(1000);
    let claims = AccessClaims {
        iss: &iss,
        sub: &request.client_id,
        aud: &aud,
        exp: now_secs + tenant.auth.token_ttl_secs,
        iat: now_secs,
        jti: uuid::Uuid::new_v4().to_string(),
        client_id: &request.client_id,
        scope: SCOPE,
    };
    let mut jose = jsonwebtoken::Header::new(ALGORITHM);
    jose.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
    jose.kid = Some(key.kid.clone());
    let access_token =
        jsonwebtoken::encode(&jose, &claims, &key.encoding).map_err(|e| TokenError::Sign(e.to_string()))?;
    if let Err(e) = db::credential::touch(&state.db, &tenant.id, &credential_id, now_ms).await {
        tracing::warn!(error = %e, "could not record credential use");
    }
    tracing::info!(tenant = %tenant.name, client_id = %request.client_id, method = ?request.method, kid = %key.kid, "issued an access token");
    let body =
        TokenResponse { access_token, token_type: "Bearer", expires_in: tenant.auth.token_ttl_secs, scope: SCOPE };
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    no_store(response.headers_mut());
    Ok(response)
}

/// Checks the client secret against the tenant's active client secrets of that client id.
/// Returns the credential's id.
async fn authenticate_client(
    state: &AppState,
    tenant_id: &str,
    request: &TokenRequest,
    now_ms: i64,
) -> Result<String, TokenError> {
    let presented = SecretHash::of(&request.client_secret.0);
    let found = db::credential::find_active(&state.db, Kind::ClientSecret, &presented, now_ms).await?;
    let credential = found
        .filter(|c| {
            c.hash.matches(&presented)
                && c.tenant_id == tenant_id
                && c.info.client_id.as_deref() == Some(request.client_id.as_str())
        })
        .ok_or(TokenError::InvalidClient)?;
    Ok(credential.info.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn basic_and_post_client_authentication_parse() {
        let r = parse_request(FORM, Some(&basic("c1", "s%3A1")), b"grant_type=client_credentials&scope=scim").unwrap();
        assert_eq!((r.client_id.as_str(), r.client_secret.0.as_str(), r.method), ("c1", "s:1", AuthMethod::Basic));
        assert_eq!(r.scope.as_deref(), Some("scim"));
        let r = parse_request(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            None,
            b"grant_type=client_credentials&client_id=c2&client_secret=s2",
        )
        .unwrap();
        assert_eq!((r.client_id.as_str(), r.method, r.scope), ("c2", AuthMethod::Post, None));
        assert_eq!(format!("{:?}", r.client_secret), "PresentedSecret(****)");
        // A Bearer header is not client authentication; the form's credentials count.
        let r = parse_request(FORM, Some("Bearer x"), b"grant_type=client_credentials&client_id=c&client_secret=s");
        assert_eq!(r.unwrap().method, AuthMethod::Post);
        // client_id in the body may repeat the Basic user.
        assert!(parse_request(FORM, Some(&basic("c", "s")), b"grant_type=client_credentials&client_id=c").is_ok());
    }

    #[test]
    fn malformed_requests_get_the_rfc_6749_errors() {
        let (ok, no_colon, no_secret) =
            (basic("c", "s"), format!("Basic {}", STANDARD.encode("nocolon")), basic("c", ""));
        let grant = "grant_type=client_credentials";
        let cases: [(Option<&str>, Option<&str>, String, &str); 15] = [
            (Some("application/json"), None, "{}".into(), "invalid_request"),
            (None, None, grant.into(), "invalid_request"),
            (FORM, None, "client_id=c&client_secret=s".into(), "invalid_request"),
            (FORM, None, format!("{grant}&{grant}"), "invalid_request"),
            (FORM, None, "grant_type=password&username=u".into(), "unsupported_grant_type"),
            (FORM, None, grant.into(), "invalid_client"),
            (FORM, None, format!("{grant}&client_id=c"), "invalid_client"),
            (FORM, Some(&ok), format!("{grant}&client_secret=s"), "invalid_request"),
            (FORM, Some(&ok), format!("{grant}&client_id=d"), "invalid_request"),
            (FORM, Some("Basic !!!"), grant.into(), "invalid_request"),
            (FORM, Some(&no_colon), grant.into(), "invalid_request"),
            (FORM, Some(&no_secret), grant.into(), "invalid_client"),
            (FORM, Some(&ok), format!("{grant}&scope=a%22b"), "invalid_scope"),
            (FORM, Some(&ok), format!("{grant}&scope=a%20%20b"), "invalid_scope"),
            (FORM, Some(&ok), format!("{grant}&scope=scim%20openid"), "ok"),
        ];
        for (content_type, authorization, body, expected) in cases {
            let code = match parse_request(content_type, authorization, body.as_bytes()) {
                Ok(_) => "ok",
                Err(e) => e.code().1,
            };
            assert_eq!(code, expected, "{body}");
        }
        let named = parse_request(FORM, None, b"grant_type=authorization_code&code=x").unwrap_err();
        assert!(matches!(named, TokenError::UnsupportedGrantType(g) if g == "authorization_code"));
    }

    #[test]
    fn error_codes_and_statuses_follow_rfc_6749() {
        assert_eq!(TokenError::InvalidClient.code(), (StatusCode::UNAUTHORIZED, "invalid_client"));
        assert_eq!(TokenError::InvalidRequest(String::new()).code().1, "invalid_request");
        assert_eq!(TokenError::UnsupportedGrantType(String::new()).code().1, "unsupported_grant_type");
        assert_eq!(
            TokenError::UnauthorizedClient(String::new()).code(),
            (StatusCode::BAD_REQUEST, "unauthorized_client")
        );
        assert_eq!(TokenError::InvalidScope(String::new()).code().1, "invalid_scope");
        let slow = TokenError::SlowDown(Duration::from_millis(1500));
        assert_eq!(slow.code(), (StatusCode::TOO_MANY_REQUESTS, "slow_down"));
        assert!(slow.to_string().ends_with("retry after 2 s"), "{slow}");
    }
}
