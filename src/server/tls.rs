//! Built-in TLS (`--tls-cert`, `--tls-key`): rustls with its ring provider, the one reqwest and
//! openidconnect already build. The certificate chain and key are PEM files, read at start and
//! again on SIGHUP — so a renewed certificate (certbot, an ACME client, a secret mount) takes
//! effect without a restart. A reload that fails (a half-written file, a key that does not match)
//! keeps the certificate in use and logs why. Each connection takes the configuration current
//! when it is accepted; the handshake must finish within the header-read timeout.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Why the certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {why}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// rustls refused the pair (a key that does not match the certificate, …).
    #[error("the certificate and key cannot serve TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The certificate files and the configuration read from them.
pub struct Certificates {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<ServerConfig>>,
}

impl Certificates {
    /// Reads the chain and key.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Certificates>, TlsError> {
        let config = read(cert, key)?;
        Ok(Arc::new(Certificates {
            cert: cert.to_owned(),
            key: key.to_owned(),
            current: RwLock::new(Arc::new(config)),
        }))
    }

    /// Reads the files again; on failure the configuration in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = Arc::new(read(&self.cert, &self.key)?);
        if let Ok(mut current) = self.current.write() {
            *current = config;
        }
        Ok(())
    }

    /// An acceptor with the configuration in use now.
    pub fn acceptor(&self) -> Option<TlsAcceptor> {
        self.current.read().ok().map(|config| TlsAcceptor::from(Arc::clone(&config)))
    }

    /// Reloads the files on every SIGHUP, for as long as the process runs.
    pub fn reload_on_sighup(self: &Arc<Self>) {
        #[cfg(unix)]
        {
            let certificates = Arc::clone(self);
            tokio::spawn(async move {
                let mut hangups = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
                    Ok(signal) => signal,
                    Err(e) => {
                        return tracing::error!(error = %e, "cannot listen for SIGHUP: certificates will not reload")
                    }
                };
                while hangups.recv().await.is_some() {
                    match certificates.reload() {
                        Ok(()) => tracing::info!(cert = %certificates.cert.display(), "TLS certificate reloaded"),
                        Err(e) => tracing::error!(error = %e, "TLS certificate not reloaded; the previous one stays"),
                    }
                }
            });
        }
    }
}

/// A server configuration for the chain in `cert` and the key in `key` (HTTP/1.1 over TLS 1.2
/// and 1.3).
fn read(cert: &Path, key: &Path) -> Result<ServerConfig, TlsError> {
    let pem = |path: &Path, why: String| TlsError::Pem { path: path.to_owned(), why };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| pem(cert, e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| pem(cert, e.to_string()))?;
    if chain.is_empty() {
        return Err(pem(cert, "no certificate in it".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem(key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_empty_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let missing = dir.path().join("missing.pem");
        let error = Certificates::load(&missing, &empty).err().unwrap().to_string();
        assert!(error.contains("missing.pem"), "{error}");
        let error = Certificates::load(&empty, &empty).err().unwrap().to_string();
        assert!(error.contains("empty.pem") && error.contains("no certificate"), "{error}");
    }
}
