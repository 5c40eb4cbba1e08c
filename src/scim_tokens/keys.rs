//! Per-tenant ES256 signing keys: generated from the OS RNG on first need, rotated on demand,
//! the retired key kept published until every token it signed has expired.

use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use p256::pkcs8::{EncodePrivateKey, LineEnding};

use crate::db::signing_key::{self, NewSigningKey, PrivateKeyPem};
use crate::db::{Db, UniqueViolationExt};
use crate::tenant::MAX_TOKEN_TTL_SECS;

/// The JWS algorithm of every token scimhub signs.
pub const ALGORITHM: Algorithm = Algorithm::ES256;

/// How long after its retirement a key stays published: the longest token lifetime a tenant
/// can configure plus the clock leeway, so no token it signed outlives it.
pub const RETIRED_KEY_LIFETIME_MS: i64 = (MAX_TOKEN_TTL_SECS + super::jwt::LEEWAY_SECS) * 1000;

/// Errors creating or loading a signing key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Key generation or encoding failed.
    #[error("signing key: {0}")]
    Crypto(String),
    /// A database failure.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<jsonwebtoken::errors::Error> for KeyError {
    fn from(e: jsonwebtoken::errors::Error) -> Self {
        KeyError::Crypto(e.to_string())
    }
}

/// The key that signs a tenant's tokens now.
pub struct SigningKey {
    /// Its key id (the `kid` header of the tokens).
    pub kid: String,
    /// The private key, ready to sign.
    pub encoding: EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// A new P-256 key: its PKCS#8 PEM, and its public JWK with `kid` (the RFC 7638 SHA-256
/// thumbprint), `use: sig` and `alg: ES256`.
pub fn generate() -> Result<NewSigningKey, KeyError> {
    let secret = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let pem = secret.to_pkcs8_pem(LineEnding::LF).map_err(|e| KeyError::Crypto(e.to_string()))?;
    let encoding = EncodingKey::from_ec_pem(pem.as_bytes())?;
    let mut jwk = Jwk::from_encoding_key(&encoding, ALGORITHM)?;
    let kid = jwk.thumbprint(ThumbprintHash::SHA256)?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let public_jwk = serde_json::to_string(&jwk).map_err(|e| KeyError::Crypto(e.to_string()))?;
    Ok(NewSigningKey { kid, algorithm: "ES256", private_key_pem: PrivateKeyPem(pem.to_string()), public_jwk })
}

/// The tenant's active key, created if it has none yet (if another replica creates it at the
/// same moment, that one wins and is used).
pub async fn current(db: &Db, tenant_id: &str, now_ms: i64) -> Result<SigningKey, KeyError> {
    if let Some(row) = signing_key::active(db, tenant_id).await? {
        return to_signing_key(row.kid, &row.private_key_pem);
    }
    let key = generate()?;
    if signing_key::insert_active(db, tenant_id, &key, now_ms).await.unique_as_none()?.is_some() {
        return to_signing_key(key.kid, &key.private_key_pem);
    }
    // Another replica's key took the active slot first; the unique index says a row is there.
    match signing_key::active(db, tenant_id).await? {
        Some(row) => to_signing_key(row.kid, &row.private_key_pem),
        None => Err(KeyError::Db(sqlx::Error::RowNotFound)),
    }
}

/// Makes a new key the tenant's active one; the previous key stays published (and its tokens
/// valid) for [`RETIRED_KEY_LIFETIME_MS`]. Returns the new and the retired key ids.
pub async fn rotate(db: &Db, tenant_id: &str, now_ms: i64) -> Result<(String, Option<String>), KeyError> {
    let key = generate()?;
    let retired =
        signing_key::rotate(db, tenant_id, &key, now_ms, now_ms.saturating_add(RETIRED_KEY_LIFETIME_MS)).await?;
    Ok((key.kid, retired))
}

fn to_signing_key(kid: String, pem: &PrivateKeyPem) -> Result<SigningKey, KeyError> {
    Ok(SigningKey { kid, encoding: EncodingKey::from_ec_pem(pem.0.as_bytes())? })
}

/// The verification key of a stored public JWK.
pub fn decoding_key(public_jwk: &str) -> Option<DecodingKey> {
    let jwk: Jwk = serde_json::from_str(public_jwk).ok()?;
    DecodingKey::from_jwk(&jwk).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_and_publish_their_public_half() {
        let key = generate().unwrap();
        let jwk: serde_json::Value = serde_json::from_str(&key.public_jwk).unwrap();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(jwk["alg"], "ES256");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kid"], key.kid.as_str());
        assert!(jwk.get("d").is_none(), "the private part is never published");
        assert!(key.private_key_pem.0.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(format!("{:?}", key.private_key_pem), "PrivateKeyPem(****)");

        let signer = to_signing_key(key.kid.clone(), &key.private_key_pem).unwrap();
        let header = jsonwebtoken::Header::new(ALGORITHM);
        let token = jsonwebtoken::encode(&header, &serde_json::json!({"sub": "x"}), &signer.encoding).unwrap();
        let mut validation = jsonwebtoken::Validation::new(ALGORITHM);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let verifier = decoding_key(&key.public_jwk).unwrap();
        assert!(jsonwebtoken::decode::<serde_json::Value>(&token, &verifier, &validation).is_ok());
        assert_ne!(generate().unwrap().kid, key.kid);
    }
}
