//! JWT bearer tokens at the SCIM endpoint: the access tokens of the tenant's own token endpoint
//! (remote token authentication) and, for the Azure profile, tokens issued by the customer's
//! Entra tenant. The token's unverified `iss` only chooses which keys to verify it with; the
//! signature, the algorithm, the issuer, the audience, the subject and the times are then all
//! checked, the times against the application clock.

use serde::{Deserialize, Serialize};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::db::{self};
use crate::state::AppState;
use crate::tenant::{Profile, Tenant};

/// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECS: i64 = 60;

/// The `typ` header of scimhub's access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The only scope scimhub grants: full SCIM access to the tenant.
pub const SCOPE: &str = "scim";

/// Why a JWT is refused. The messages are safe to show to the client.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts with JSON header and claims of the expected types.
    #[error("the bearer token is not a well-formed JWT")]
    Malformed,
    /// An algorithm this issuer does not sign with (including `none` and HMAC).
    #[error("tokens signed with \"{0}\" are not accepted")]
    Algorithm(String),
    /// No published key of the issuer has the token's `kid`.
    #[error("the token's signing key is unknown")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    Signature,
    /// Past `exp`.
    #[error("the token has expired")]
    Expired,
    /// Before `nbf` (or issued in the future).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// An issuer this tenant does not trust (e.g. another tenant's token endpoint).
    #[error("the token's issuer is not accepted by this tenant")]
    Issuer,
    /// An audience this tenant does not accept.
    #[error("the token's audience is not accepted by this tenant")]
    Audience,
    /// A subject outside the tenant's accepted subjects.
    #[error("the token's subject is not accepted by this tenant")]
    Subject,
    /// The token is for a different use than SCIM access.
    #[error("the token is not an access token for this endpoint")]
    TokenType,
    /// The tenant's own tokens are only accepted with remote token authentication on.
    #[error("remote token authentication is off for this tenant")]
    RemoteAuthOff,
    /// The issuer's keys could not be fetched, so the token cannot be verified now.
    #[error("the token issuer's signing keys cannot be fetched; try again later")]
    KeysUnavailable {
        /// When the next fetch is allowed (sent as `Retry-After`).
        retry_after: std::time::Duration,
    },
    /// A database failure.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Whether a bearer token has the shape of a JWS compact serialisation (`eyJ…` and exactly two
/// dots). Secret tokens are base64url without dots, so this cheap test keeps them on the
/// one-hash, one-lookup path.
pub fn looks_like_jwt(token: &str) -> bool {
    token.starts_with("eyJ") && token.bytes().filter(|b| *b == b'.').count() == 2
}

/// A claim that is one string or an array of strings (`aud`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    fn contains_any(&self, accepted: &[String]) -> bool {
        match self {
            OneOrMany::One(v) => accepted.contains(v),
            OneOrMany::Many(vs) => vs.iter().any(|v| accepted.contains(v)),
        }
    }
}

/// The claims scimhub reads. The types are strict: an `exp` that is not an integer makes the
/// token malformed rather than letting the check be skipped.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience(s).
    pub aud: Option<OneOrMany>,
    /// Subject.
    pub sub: Option<String>,
    /// Expiry (seconds since the epoch); required.
    pub exp: i64,
    /// Not before.
    pub nbf: Option<i64>,
    /// Issued at.
    pub iat: Option<i64>,
}

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The exact issuer.
    pub issuer: &'a str,
    /// Accepted audiences (one must match).
    pub audiences: &'a [String],
    /// Accepted subjects; empty means any.
    pub subjects: &'a [String],
    /// Now, in seconds since the epoch.
    pub now_secs: i64,
}

/// Checks the claims of a token whose signature has been verified.
pub fn check_claims(claims: &Claims, expected: &Expected<'_>) -> Result<(), JwtError> {
    if claims.iss != expected.issuer {
        return Err(JwtError::Issuer);
    }
    if claims.exp <= expected.now_secs - LEEWAY_SECS {
        return Err(JwtError::Expired);
    }
    let not_before = claims.nbf.into_iter().chain(claims.iat).max();
    if not_before.is_some_and(|t| t > expected.now_secs + LEEWAY_SECS) {
        return Err(JwtError::NotYetValid);
    }
    if !claims.aud.as_ref().is_some_and(|aud| aud.contains_any(expected.audiences)) {
        return Err(JwtError::Audience);
    }
    let sub = claims.sub.as_deref().filter(|s| !s.is_empty()).ok_or(JwtError::Malformed)?;
    if !expected.subjects.is_empty() && !expected.subjects.iter().any(|s| s == sub) {
        return Err(JwtError::Subject);
    }
    Ok(())
}

/// The parts of the JOSE header scimhub reads (before verification).
#[derive(Debug, Clone, Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
    crit: Option<serde_json::Value>,
}

/// The unverified header and issuer of a token.
fn peek(token: &str) -> Result<(RawHeader, String), JwtError> {
    #[derive(Deserialize)]
    struct Issuer {
        iss: String,
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwtError::Malformed);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Malformed);
    let header: RawHeader = serde_json::from_slice(&decode(header)?).map_err(|_| JwtError::Malformed)?;
    let issuer: Issuer = serde_json::from_slice(&decode(payload)?).map_err(|_| JwtError::Malformed)?;
    Ok((header, issuer.iss))
}

/// Verifies the signature with `key` for exactly `algorithm` and decodes the claims (the claim
/// checks are [`check_claims`], against the application clock).
fn verify(token: &str, key: &DecodingKey, algorithm: Algorithm) -> Result<Claims, JwtError> {
    let mut validation = Validation::new(algorithm);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    match jsonwebtoken::decode::<Claims>(token, key, &validation) {
        Ok(data) => Ok(data.claims),
        Err(e) => Err(match e.kind() {
            ErrorKind::InvalidSignature | ErrorKind::InvalidEcdsaKey | ErrorKind::InvalidRsaKey(_) => {
                JwtError::Signature
            }
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                JwtError::Algorithm(format!("{algorithm:?}"))
            }
            _ => JwtError::Malformed,
        }),
    }
}

/// The issuer of a tenant's own tokens: its realm URL.
pub fn issuer(state: &AppState, tenant_name: &str) -> String {
    format!("{}/realms/{tenant_name}", state.config.public_url.base())
}

/// Authenticates a JWT presented to the SCIM endpoint of `tenant`. Returns the id the
/// provisioning log records: `client:<client id>` for the tenant's own tokens, `azure:<sub>`
/// for Entra-issued ones.
pub async fn authenticate(state: &AppState, tenant: &Tenant, token: &str) -> Result<String, JwtError> {
    let (header, iss) = peek(token)?;
    if header.crit.is_some() {
        // RFC 7515 §4.1.11: extensions we do not understand make the token invalid.
        return Err(JwtError::Malformed);
    }
    let now_ms = state.clock.now_ms();
    let now_secs = now_ms.div_euclid(1000);
    if iss == issuer(state, &tenant.name) {
        if !tenant.auth.remote_token_auth {
            return Err(JwtError::RemoteAuthOff);
        }
        if header.alg != "ES256" {
            return Err(JwtError::Algorithm(header.alg));
        }
        if header.typ.as_deref().is_none_or(|t| !t.eq_ignore_ascii_case(ACCESS_TOKEN_TYPE)) {
            return Err(JwtError::TokenType);
        }
        let kid = header.kid.ok_or(JwtError::UnknownKey)?;
        let jwk = db::signing_key::published_jwk(&state.db, &tenant.id, &kid, now_ms).await?;
        let key = jwk.as_deref().and_then(super::keys::decoding_key).ok_or(JwtError::UnknownKey)?;
        let claims = verify(token, &key, Algorithm::ES256)?;
        let audience = [state.scim_base_url(&tenant.name)];
        check_claims(&claims, &Expected { issuer: &iss, audiences: &audience, subjects: &[], now_secs })?;
        return Ok(format!("client:{}", claims.sub.unwrap_or_default()));
    }
    let azure = &tenant.auth;
    if tenant.profile == Profile::Azure && azure.azure_issuers().contains(&iss) {
        // Entra ID signs its tokens with RS256 only.
        if header.alg != "RS256" {
            return Err(JwtError::Algorithm(header.alg));
        }
        let url = azure.effective_azure_jwks_url().ok_or(JwtError::Issuer)?;
        let kid = header.kid.ok_or(JwtError::UnknownKey)?;
        let key = state.remote_keys.key(&url, &kid, now_ms).await?;
        let claims = verify(token, &key, Algorithm::RS256)?;
        let audiences = azure.effective_azure_audiences();
        check_claims(
            &claims,
            &Expected { issuer: &iss, audiences: &audiences, subjects: &azure.azure_subjects, now_secs },
        )?;
        let sub: String = claims.sub.unwrap_or_default().chars().take(128).collect();
        return Ok(format!("azure:{sub}"));
    }
    Err(JwtError::Issuer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(v: serde_json::Value) -> Claims {
        serde_json::from_value(v).unwrap()
    }

    fn expected<'a>(audiences: &'a [String], subjects: &'a [String]) -> Expected<'a> {
        Expected { issuer: "https://iss", audiences, subjects, now_secs: 1_000_000 }
    }

    #[test]
    fn jwts_are_told_from_secrets_by_shape() {
        assert!(looks_like_jwt("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.sig"));
        assert!(looks_like_jwt("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0."));
        assert!(!looks_like_jwt("scimhub_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"));
        assert!(!looks_like_jwt("eyJa.b"));
        assert!(!looks_like_jwt("eyJa.b.c.d"));
    }

    #[test]
    fn claims_are_checked_against_issuer_audience_subject_and_time() {
        let aud = vec!["api://a".to_owned(), "b".to_owned()];
        let none: Vec<String> = vec![];
        let good = json_claims(1_000_100, None);
        assert!(check_claims(&good, &expected(&aud, &none)).is_ok());
        // Within the leeway an expired token still passes; beyond it, not.
        assert!(check_claims(&json_claims(1_000_000 - 59, None), &expected(&aud, &none)).is_ok());
        assert!(matches!(
            check_claims(&json_claims(1_000_000 - 60, None), &expected(&aud, &none)),
            Err(JwtError::Expired)
        ));
        assert!(matches!(
            check_claims(&json_claims(1_000_900, Some(1_000_500)), &expected(&aud, &none)),
            Err(JwtError::NotYetValid)
        ));
        let mut wrong_iss = good.clone();
        wrong_iss.iss = "https://other".into();
        assert!(matches!(check_claims(&wrong_iss, &expected(&aud, &none)), Err(JwtError::Issuer)));
        let other_aud = vec!["c".to_owned()];
        assert!(matches!(check_claims(&good, &expected(&other_aud, &none)), Err(JwtError::Audience)));
        let many = claims(serde_json::json!({"iss": "https://iss", "aud": ["x", "b"], "sub": "s", "exp": 1_000_100}));
        assert!(check_claims(&many, &expected(&aud, &none)).is_ok());
        let subjects = vec!["other".to_owned()];
        assert!(matches!(check_claims(&good, &expected(&aud, &subjects)), Err(JwtError::Subject)));
        let subjects = vec!["s".to_owned()];
        assert!(check_claims(&good, &expected(&aud, &subjects)).is_ok());
        let no_aud = claims(serde_json::json!({"iss": "https://iss", "sub": "s", "exp": 1_000_100}));
        assert!(matches!(check_claims(&no_aud, &expected(&aud, &none)), Err(JwtError::Audience)));
    }

    #[test]
    fn claim_types_are_strict() {
        let string_exp = serde_json::json!({"iss": "i", "aud": "a", "sub": "s", "exp": "99999999999"});
        assert!(serde_json::from_value::<Claims>(string_exp).is_err());
        let string_nbf = serde_json::json!({"iss": "i", "aud": "a", "sub": "s", "exp": 1, "nbf": "9"});
        assert!(serde_json::from_value::<Claims>(string_nbf).is_err());
        let no_exp = serde_json::json!({"iss": "i", "aud": "a", "sub": "s"});
        assert!(serde_json::from_value::<Claims>(no_exp).is_err());
    }

    #[test]
    fn headers_and_issuers_are_peeked_without_trusting_them() {
        let enc = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let token = format!("{}.{}.", enc(serde_json::json!({"alg": "none"})), enc(serde_json::json!({"iss": "x"})));
        let (header, iss) = peek(&token).unwrap();
        assert_eq!((header.alg.as_str(), iss.as_str()), ("none", "x"));
        assert!(matches!(peek("eyJ.eyJ.x"), Err(JwtError::Malformed)));
        assert!(matches!(peek("a.b"), Err(JwtError::Malformed)));
    }

    fn json_claims(exp: i64, nbf: Option<i64>) -> Claims {
        claims(serde_json::json!({"iss": "https://iss", "aud": "b", "sub": "s", "exp": exp, "nbf": nbf}))
    }
}
