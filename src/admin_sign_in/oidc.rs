//! Administrator sign-in with OpenID Connect: authorization code flow with PKCE, state and
//! nonce (the `openidconnect` crate verifies the ID token's signature, issuer, audience,
//! expiry and nonce). Discovery happens at the first sign-in and is cached, so scimhub starts
//! even while the identity provider is down. Who is an administrator is decided by a
//! configured email list or claim value.

use std::time::{Duration, Instant};

use app::dto::{AdminIdentity, SignInMethod};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;
use tokio::sync::RwLock;
use tower_sessions::Session;

use crate::config::OidcConfig;

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// How long discovered provider metadata (and its keys) is reused.
const METADATA_TTL: Duration = Duration::from_secs(3600);
const PENDING_KEY: &str = "oidc_pending";

/// Why a sign-in failed. The variants name what to show; details go to the server log.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// No issuer or client id is configured.
    #[error("OIDC sign-in is not configured")]
    NotConfigured,
    /// A configured URL is malformed.
    #[error("invalid OIDC setting: {0}")]
    Config(String),
    /// The provider could not be reached or described itself wrongly.
    #[error("OIDC discovery failed: {0}")]
    Discovery(String),
    /// The callback does not belong to a sign-in started here (or it expired).
    #[error("the sign-in state does not match")]
    StateMismatch,
    /// The provider refused the code or the token request failed.
    #[error("token exchange failed: {0}")]
    Exchange(String),
    /// The ID token is missing or failed verification.
    #[error("ID token rejected: {0}")]
    IdToken(String),
    /// The session store failed.
    #[error(transparent)]
    Session(#[from] tower_sessions::session::Error),
}

impl OidcError {
    /// The `?error=` code the sign-in page explains.
    pub fn code(&self) -> &'static str {
        match self {
            OidcError::NotConfigured => "sso_not_configured",
            OidcError::StateMismatch => "state_mismatch",
            _ => "failed",
        }
    }
}

/// A sign-in in progress, kept in the session between redirect and callback.
#[derive(Debug, Serialize, Deserialize)]
struct PendingLogin {
    state: String,
    nonce: String,
    verifier: String,
    return_to: String,
}

/// The OIDC sign-in service.
pub struct OidcLogin {
    config: OidcConfig,
    redirect_url: String,
    http: openidconnect::reqwest::Client,
    metadata: RwLock<Option<(CoreProviderMetadata, Instant)>>,
}

impl OidcLogin {
    /// A sign-in service for this configuration; `public_url` gives the callback URL.
    pub fn new(config: OidcConfig, public_url: &str) -> Result<Self, OidcError> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would expose the token requests to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| OidcError::Config(e.to_string()))?;
        Ok(Self { config, redirect_url: format!("{public_url}/auth/callback"), http, metadata: RwLock::new(None) })
    }

    /// Whether sign-in can be offered.
    pub fn is_configured(&self) -> bool {
        self.config.is_configured()
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcError> {
        if let Some((meta, at)) = self.metadata.read().await.as_ref() {
            if at.elapsed() < METADATA_TTL {
                return Ok(meta.clone());
            }
        }
        let issuer = self.config.oidc_issuer.clone().ok_or(OidcError::NotConfigured)?;
        let issuer = IssuerUrl::new(issuer).map_err(|e| OidcError::Config(e.to_string()))?;
        let meta = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Discovery(e.to_string()))?;
        *self.metadata.write().await = Some((meta.clone(), Instant::now()));
        Ok(meta)
    }

    async fn client(&self) -> Result<Client, OidcError> {
        let client_id = self.config.oidc_client_id.clone().ok_or(OidcError::NotConfigured)?;
        let redirect = RedirectUrl::new(self.redirect_url.clone()).map_err(|e| OidcError::Config(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            self.metadata().await?,
            ClientId::new(client_id),
            self.config.oidc_client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a sign-in: remembers state, nonce and PKCE verifier in the session and returns
    /// the provider's authorization URL.
    pub async fn start(&self, session: &Session, return_to: Option<&str>) -> Result<String, OidcError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            return_to: safe_return_path(return_to),
        };
        session.insert(PENDING_KEY, pending).await?;
        Ok(url.to_string())
    }

    /// Completes a sign-in from the provider's callback; returns the administrator and where
    /// to send them.
    pub async fn finish(
        &self,
        session: &Session,
        code: &str,
        state: &str,
    ) -> Result<(AdminIdentity, String), OidcError> {
        let pending: PendingLogin = session.remove(PENDING_KEY).await?.ok_or(OidcError::StateMismatch)?;
        if !bool::from(pending.state.as_bytes().ct_eq(state.as_bytes())) {
            return Err(OidcError::StateMismatch);
        }
        let client = self.client().await?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Exchange(e.to_string()))?;
        let id_token = token.id_token().ok_or_else(|| OidcError::IdToken("the provider sent no ID token".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
            .map_err(|e| OidcError::IdToken(e.to_string()))?;
        // The token is verified; read its payload once more for claims outside the standard set.
        let raw = jwt_payload(&id_token.to_string()).unwrap_or(Value::Null);
        let email = claims.email().map(|e| e.to_string()).filter(|_| claims.email_verified() != Some(false));
        let name = claims.name().and_then(|n| n.get(None)).map(|n| n.to_string());
        let mut identity = AdminIdentity::new(claims.subject().to_string(), email, name, SignInMethod::Oidc);
        // The rights claim's values, which the configuration and grants may name; the rights
        // themselves are decided by `crate::rights` on every request.
        identity.claim_values = claim_values(self.config.admin_claim.as_deref().and_then(|c| raw.get(c)));
        Ok((identity, pending.return_to))
    }
}

/// The values of a claim that is a string or an array of strings.
fn claim_values(claim: Option<&Value>) -> Vec<String> {
    match claim {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// The JSON payload of a compact JWT (no verification: only for an already verified token).
fn jwt_payload(jwt: &str) -> Option<Value> {
    let payload = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// A local path to return to after sign-in; anything else (absolute or protocol-relative
/// URLs, which would make an open redirect) becomes `/`.
fn safe_return_path(path: Option<&str>) -> String {
    match path {
        // Browsers drop tabs and newlines from URLs: "/\t/evil.example" would become "//evil…".
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn return_paths_cannot_leave_the_site() {
        assert_eq!(safe_return_path(Some("/tenants/a")), "/tenants/a");
        assert_eq!(safe_return_path(Some("//evil.example")), "/");
        assert_eq!(safe_return_path(Some("https://evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\t/evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\n/evil.example")), "/");
        assert_eq!(safe_return_path(Some("/tenants/a/log?q=x%20y")), "/tenants/a/log?q=x%20y");
        assert_eq!(safe_return_path(None), "/");
    }

    #[test]
    fn payloads_decode() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"groups":["a"]}"#);
        assert_eq!(jwt_payload(&format!("h.{payload}.s")), Some(json!({"groups": ["a"]})));
        assert_eq!(jwt_payload("garbage"), None);
    }

    #[test]
    fn claim_values_are_strings_or_arrays_of_strings() {
        assert_eq!(claim_values(Some(&json!("admins"))), vec!["admins".to_owned()]);
        assert_eq!(claim_values(Some(&json!(["a", 1, "b"]))), vec!["a".to_owned(), "b".to_owned()]);
        assert!(claim_values(Some(&json!({"a": 1}))).is_empty());
        assert!(claim_values(None).is_empty());
    }
}
