//! Secrets: generated from the OS RNG (256 bits), shown once, stored only as a SHA-256 hash and
//! compared in constant time. A SHA-256 of a 256-bit random value is as strong as a slow hash
//! would be (there is no dictionary to try) and keeps authentication cheap on every request.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A freshly generated secret in clear text. Deliberately neither `Serialize` nor `Display`,
/// and its `Debug` hides the value, so it cannot end up in a log by accident.
pub struct Secret(String);

impl Secret {
    /// A new random secret: `prefix` followed by 32 random bytes in base64url.
    pub fn generate(prefix: &str) -> Secret {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Secret(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A secret someone else made: one an operator gives (read from stdin) or one unsealed to
    /// be used ([`crate::sealed`]).
    pub fn given(clear: String) -> Secret {
        Secret(clear)
    }

    /// The clear text, for the one time it is shown (or the moment it is used).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash that is stored.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// The hex SHA-256 of a secret, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretHash(String);

impl SecretHash {
    /// The hash of a presented secret.
    pub fn of(presented: &str) -> SecretHash {
        let digest = Sha256::digest(presented.as_bytes());
        SecretHash(hex::encode(digest))
    }

    /// A stored hash read back from the database.
    pub fn from_stored(hex: String) -> SecretHash {
        SecretHash(hex)
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time equality.
    pub fn matches(&self, other: &SecretHash) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hide_in_debug() {
        let a = Secret::generate("scimhub_");
        let b = Secret::generate("scimhub_");
        assert_ne!(a.expose(), b.expose());
        assert!(a.expose().starts_with("scimhub_"));
        assert_eq!(a.expose().len(), "scimhub_".len() + 43);
        assert_eq!(format!("{a:?}"), "Secret(****)");
    }

    #[test]
    fn hashes_match_only_the_same_secret() {
        let s = Secret::generate("");
        assert!(s.hash().matches(&SecretHash::of(s.expose())));
        assert!(!s.hash().matches(&SecretHash::of("other")));
        // Lowercase hex of SHA-256, as every stored hash is (FIPS 180-2's "abc" vector).
        assert_eq!(SecretHash::of("abc").as_str(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
