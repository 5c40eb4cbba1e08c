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
    /// The identity is valid but not an administrator.
    #[error("{0} is not an administrator")]
    NotAdmin(String),
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
            OidcError::NotAdmin(_) => "not_admin",
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
        let identity = AdminIdentity {
            subject: claims.subject().to_string(),
            email,
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.to_string()),
            platform_admin: false,
            tenants: Vec::new(),
            via: SignInMethod::Oidc,
        };
        let identity = self.grant_rights(identity, &raw)?;
        Ok((identity, pending.return_to))
    }

    /// Decides the administrator's rights from the configured email list and claim.
    fn grant_rights(&self, mut identity: AdminIdentity, claims: &Value) -> Result<AdminIdentity, OidcError> {
        let by_email = identity
            .email
            .as_deref()
            .is_some_and(|e| self.config.admin_emails.iter().any(|a| a.trim().eq_ignore_ascii_case(e)));
        let by_claim = match (&self.config.admin_claim, &self.config.admin_claim_value) {
            (Some(claim), Some(wanted)) => claim_has_value(claims.get(claim), wanted),
            _ => false,
        };
        if !(by_email || by_claim) {
            return Err(OidcError::NotAdmin(identity.label()));
        }
        identity.platform_admin = true;
        Ok(identity)
    }
}

/// Whether a claim (a string or an array of strings) holds `wanted`.
fn claim_has_value(claim: Option<&Value>, wanted: &str) -> bool {
    match claim {
        Some(Value::String(s)) => s == wanted,
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(wanted)),
        _ => false,
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
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_match_strings_and_arrays() {
        assert!(claim_has_value(Some(&json!("admins")), "admins"));
        assert!(claim_has_value(Some(&json!(["x", "admins"])), "admins"));
        assert!(!claim_has_value(Some(&json!(["x"])), "admins"));
        assert!(!claim_has_value(Some(&json!(1)), "admins"));
        assert!(!claim_has_value(None, "admins"));
    }

    #[test]
    fn return_paths_cannot_leave_the_site() {
        assert_eq!(safe_return_path(Some("/tenants/a")), "/tenants/a");
        assert_eq!(safe_return_path(Some("//evil.example")), "/");
        assert_eq!(safe_return_path(Some("https://evil.example")), "/");
        assert_eq!(safe_return_path(Some("/\\evil.example")), "/");
        assert_eq!(safe_return_path(None), "/");
    }

    #[test]
    fn payloads_decode() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"groups":["a"]}"#);
        assert_eq!(jwt_payload(&format!("h.{payload}.s")), Some(json!({"groups": ["a"]})));
        assert_eq!(jwt_payload("garbage"), None);
    }

    fn login(emails: &[&str], claim: Option<(&str, &str)>) -> OidcLogin {
        let config = OidcConfig {
            oidc_issuer: Some("http://127.0.0.1:1".into()),
            oidc_client_id: Some("c".into()),
            oidc_client_secret: None,
            admin_emails: emails.iter().map(|s| s.to_string()).collect(),
            admin_claim: claim.map(|c| c.0.to_owned()),
            admin_claim_value: claim.map(|c| c.1.to_owned()),
        };
        OidcLogin::new(config, "http://h").unwrap()
    }

    fn identity(email: Option<&str>) -> AdminIdentity {
        AdminIdentity {
            subject: "s".into(),
            email: email.map(str::to_owned),
            name: None,
            platform_admin: false,
            tenants: vec![],
            via: SignInMethod::Oidc,
        }
    }

    #[test]
    fn rights_come_from_the_email_list_or_the_claim() {
        let by_email = login(&["Boss@Example.com"], None);
        assert!(by_email.grant_rights(identity(Some("boss@example.com")), &Value::Null).unwrap().platform_admin);
        assert!(matches!(
            by_email.grant_rights(identity(Some("eve@example.com")), &Value::Null),
            Err(OidcError::NotAdmin(_))
        ));
        let by_claim = login(&[], Some(("groups", "scimhub-admins")));
        assert!(by_claim.grant_rights(identity(None), &json!({"groups": ["scimhub-admins"]})).is_ok());
        assert!(by_claim.grant_rights(identity(None), &json!({"groups": ["users"]})).is_err());
    }
}
