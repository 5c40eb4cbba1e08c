//! Passwords that clients set on users (Okta sends them): stored only as Argon2id hashes,
//! computed off the async runtime because hashing is deliberately slow.
//!
//! Argon2id with the OWASP parameters fills 19 MiB per hash, so hashes run at most one per
//! core at a time ([`HASHING`]): a burst of password writes then waits holding only its
//! plaintexts instead of taking 19 MiB each at once (64 at once took over 1 GB).

use std::sync::LazyLock;

use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::error::Error;

/// Permits to hash: one per core (more would only interleave, each holding its memory).
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())));

/// The PHC-format Argon2id hash of `password`.
pub async fn hash(password: String) -> Result<String, Error> {
    let permit =
        HASHING.acquire().await.map_err(|e| Error::Internal(format!("password hashing is unavailable: {e}")))?;
    tokio::task::spawn_blocking(move || {
        // Held until the hash is done, even if the request that asked for it is gone.
        let _permit = permit;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing task failed: {e}")))?
}

/// The hash of the last password given, so that a request which retries (a PATCH that lost an
/// optimistic-concurrency race) runs Argon2 once, not once per attempt.
#[derive(Default)]
pub struct HashOnce {
    last: Option<(String, String)>,
}

impl HashOnce {
    /// The hash of `password`: the one computed before if it was the same password.
    pub async fn hash(&mut self, password: String) -> Result<String, Error> {
        if let Some((plain, hashed)) = &self.last {
            if bool::from(plain.as_bytes().ct_eq(password.as_bytes())) {
                return Ok(hashed.clone());
            }
        }
        let hashed = hash(password.clone()).await?;
        self.last = Some((password, hashed.clone()));
        Ok(hashed)
    }
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHash, PasswordVerifier};

    #[tokio::test]
    async fn hash_once_reuses_the_hash_of_the_same_password_only() {
        let mut once = super::HashOnce::default();
        let first = once.hash("correct horse".into()).await.unwrap();
        // Every fresh hash has its own random salt: an equal string is the reused one.
        assert_eq!(once.hash("correct horse".into()).await.unwrap(), first);
        let other = once.hash("battery staple".into()).await.unwrap();
        assert_ne!(other, first);
        let parsed = PasswordHash::new(&other).unwrap();
        assert!(argon2::Argon2::default().verify_password(b"battery staple", &parsed).is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_never_contain_the_password() {
        let h = super::hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$") && !h.contains("correct"));
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(argon2::Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        assert!(argon2::Argon2::default().verify_password(b"wrong", &parsed).is_err());
    }
}
