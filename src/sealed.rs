//! Sealing the secrets scimhub must use again rather than only check: an outbound
//! application's bearer token, Basic password, OAuth client secret and webhook signing secret.
//! They cannot be hashed, so they are encrypted at rest with XChaCha20-Poly1305 (RustCrypto's
//! `chacha20poly1305`) under a 256-bit key that is not in the database: `SCIMHUB_SECRET_KEY`
//! (base64) or a key file, created on first use beside a SQLite database. Each sealed value is
//! bound to the row it belongs to (associated data), so a value copied to another row does not
//! open.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;

use crate::secret::Secret;

/// Where the sealing key comes from (the environment variable `SCIMHUB_SECRET_KEY`, base64 of
/// 32 bytes, takes precedence over the file).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SealArgs {
    /// File holding the key that encrypts outbound applications' credentials (base64 of 32
    /// bytes). Default: beside a SQLite database (`data/scimhub.db` → `data/scimhub.key`),
    /// `data/scimhub.key` for PostgreSQL; created with mode 0600 when missing. Every process
    /// of one database needs the same key: back it up with the database, apart from it.
    #[arg(long, env = "SCIMHUB_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
}

/// The environment variable that holds the key itself.
const KEY_VARIABLE: &str = "SCIMHUB_SECRET_KEY";

/// Why a key could not be had or a value not opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key is not base64 of 32 bytes.
    #[error("the sealing key {0} is not base64 of 32 bytes")]
    BadKey(String),
    /// The key file could not be read or created.
    #[error("the sealing key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The value was sealed with another key, for another row, or was altered.
    #[error("a stored credential cannot be opened: it was sealed with another key (SCIMHUB_SECRET_KEY / the key file) or altered")]
    WrongKey,
}

/// The key that seals and opens. Its `Debug` hides it.
#[derive(Clone)]
pub struct SealKey(XChaCha20Poly1305);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(****)")
    }
}

/// The prefix of a sealed value: the format's version.
const VERSION: &str = "v1.";

impl SealKey {
    /// The key these settings name for this database.
    pub fn load(args: &SealArgs, database_url: &str) -> Result<SealKey, SealError> {
        if let Ok(text) = std::env::var(KEY_VARIABLE) {
            return SealKey::from_base64(&text, KEY_VARIABLE);
        }
        let path = args.secret_key_file.clone().unwrap_or_else(|| default_key_file(database_url));
        SealKey::from_file(&path)
    }

    /// The key in a file, which is created (mode 0600, a fresh random key) when missing.
    pub fn from_file(path: &Path) -> Result<SealKey, SealError> {
        let file_error = |source| SealError::KeyFile { path: path.to_owned(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => SealKey::from_base64(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                OsRng.fill_bytes(&mut key);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(file_error)?;
                }
                match create_private(path) {
                    Ok(mut file) => {
                        file.write_all(format!("{}\n", STANDARD.encode(key)).as_bytes()).map_err(file_error)?;
                        file.sync_all().map_err(file_error)?;
                        Ok(SealKey(XChaCha20Poly1305::new(&key.into())))
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => SealKey::from_file(path),
                    Err(e) => Err(file_error(e)),
                }
            }
            Err(e) => Err(file_error(e)),
        }
    }

    fn from_base64(text: &str, origin: &str) -> Result<SealKey, SealError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| SealError::BadKey(origin.to_owned()))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey(origin.to_owned()))?;
        Ok(SealKey(XChaCha20Poly1305::new(&key.into())))
    }

    /// `secret` sealed for the row `bound_to` (a random 192-bit nonce each time).
    pub fn seal(&self, secret: &Secret, bound_to: &str) -> String {
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload { msg: secret.expose().as_bytes(), aad: bound_to.as_bytes() };
        // Encryption fails only for messages over 256 GiB.
        let sealed = self.0.encrypt(XNonce::from_slice(&nonce), payload).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// The secret a value sealed for `bound_to` holds.
    pub fn open(&self, sealed: &str, bound_to: &str) -> Result<Secret, SealError> {
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > 24)
            .ok_or(SealError::WrongKey)?;
        let (nonce, ciphertext) = bytes.split_at(24);
        let payload = Payload { msg: ciphertext, aad: bound_to.as_bytes() };
        let clear = self.0.decrypt(XNonce::from_slice(nonce), payload).map_err(|_| SealError::WrongKey)?;
        String::from_utf8(clear).map(Secret::given).map_err(|_| SealError::WrongKey)
    }
}

/// `sqlite://dir/name.db?…` → `dir/name.key`; any other database → `data/scimhub.key`.
fn default_key_file(database_url: &str) -> PathBuf {
    let file = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|rest| rest.split('?').next().unwrap_or(rest))
        .filter(|path| !path.is_empty() && !path.starts_with(":memory:"));
    match file {
        Some(path) => Path::new(path).with_extension("key"),
        None => PathBuf::from("data/scimhub.key"),
    }
}

fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_row() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealKey::from_file(&dir.path().join("k.key")).unwrap();
        let again = SealKey::from_file(&dir.path().join("k.key")).unwrap();
        let other = SealKey::from_file(&dir.path().join("other.key")).unwrap();
        let sealed = key.seal(&Secret::given("hunter2".into()), "app-1");
        assert!(!sealed.contains("hunter2") && sealed.starts_with(VERSION));
        assert_ne!(sealed, key.seal(&Secret::given("hunter2".into()), "app-1"), "a fresh nonce each time");
        assert_eq!(again.open(&sealed, "app-1").unwrap().expose(), "hunter2");
        assert!(matches!(key.open(&sealed, "app-2"), Err(SealError::WrongKey)));
        assert!(matches!(other.open(&sealed, "app-1"), Err(SealError::WrongKey)));
        let mut altered = sealed.clone();
        altered.pop();
        assert!(key.open(&altered, "app-1").is_err() && key.open("v1.", "app-1").is_err());
        assert_eq!(format!("{key:?}"), "SealKey(****)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("k.key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn the_default_key_file_sits_beside_a_sqlite_database() {
        assert_eq!(default_key_file("sqlite://data/scimhub.db"), PathBuf::from("data/scimhub.key"));
        assert_eq!(default_key_file("sqlite:///tmp/x/a.db?mode=rwc"), PathBuf::from("/tmp/x/a.key"));
        assert_eq!(default_key_file("postgres://u@h/db"), PathBuf::from("data/scimhub.key"));
        assert!(SealKey::from_base64("c2hvcnQ=", "test").is_err());
    }
}
