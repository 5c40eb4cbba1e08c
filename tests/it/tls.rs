//! Built-in TLS: `--tls-cert` and `--tls-key` with a certificate made in the test (rcgen); a TLS
//! handshake and a request over it, plain HTTP refused on that port, and a renewed certificate
//! taken up on SIGHUP without a restart.

use std::time::{Duration, Instant};

use crate::process::{free_port, Server};
use crate::support::fresh_database_url;

/// A certificate for 127.0.0.1 and localhost issued by a CA of its own: (the CA's certificate
/// PEM, the server's chain PEM, its key PEM). (webpki does not take a self-signed server
/// certificate as its own trust anchor.)
fn certificate(name: &str) -> (String, String, String) {
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name.push(rcgen::DnType::CommonName, format!("{name} test CA"));
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca.self_signed(&ca_key).unwrap();
    let mut leaf = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    leaf.distinguished_name.push(rcgen::DnType::CommonName, name);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = leaf.signed_by(&key, &ca, &ca_key).unwrap();
    (ca.pem(), leaf.pem(), key.serialize_pem())
}

/// A client that trusts only this CA.
fn trusting(cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Waits until `client` gets 200 from `url`.
async fn until_ok(client: &reqwest::Client, url: &str, what: &str) {
    let started = Instant::now();
    loop {
        let last = match client.get(url).send().await {
            Ok(r) if r.status() == reqwest::StatusCode::OK => return,
            Ok(r) => format!("answered {}", r.status()),
            Err(e) => format!("{e:?}"),
        };
        assert!(started.elapsed() < Duration::from_secs(60), "waited in vain for {what}: {last}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn https_with_a_certificate_reloaded_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (first_ca, first_cert, first_key) = certificate("first");
    std::fs::write(&cert_path, &first_cert).unwrap();
    std::fs::write(&key_path, &first_key).unwrap();
    let port = free_port();
    let public = format!("https://127.0.0.1:{port}");
    let (cert_arg, key_arg) = (cert_path.display().to_string(), key_path.display().to_string());
    let flags = ["--tls-cert", cert_arg.as_str(), "--tls-key", key_arg.as_str()];
    let server = Server::start_on(port, &fresh_database_url().await, &flags, &[]);
    let healthz = format!("{public}/healthz");
    let first = trusting(&first_ca);
    until_ok(&first, &healthz, "the HTTPS listener").await;
    let login = first.get(format!("{public}/login")).send().await.unwrap();
    assert_eq!(login.status(), reqwest::StatusCode::OK);
    assert!(login.text().await.unwrap().contains("Sign in to scimhub"));
    // Plain HTTP on the TLS port gets no answer.
    let plain = crate::process::client().get(format!("http://127.0.0.1:{port}/healthz")).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());

    // A renewed certificate: written over the files, taken up on SIGHUP.
    let (second_ca, second_cert, second_key) = certificate("second");
    let second = trusting(&second_ca);
    assert!(second.get(&healthz).send().await.is_err(), "the second certificate is not served yet");
    std::fs::write(&key_path, &second_key).unwrap();
    std::fs::write(&cert_path, &second_cert).unwrap();
    let hangup = std::process::Command::new("kill").args(["-HUP", &server.child.id().to_string()]).status().unwrap();
    assert!(hangup.success());
    until_ok(&second, &healthz, "the renewed certificate").await;
    let fresh_first = trusting(&first_ca);
    assert!(fresh_first.get(&healthz).send().await.is_err(), "the old certificate is no longer served");

    // A broken renewal keeps the certificate in use.
    std::fs::write(&cert_path, "not a certificate").unwrap();
    let hangup = std::process::Command::new("kill").args(["-HUP", &server.child.id().to_string()]).status().unwrap();
    assert!(hangup.success());
    let started = Instant::now();
    while !server.output().contains("TLS certificate not reloaded") {
        assert!(started.elapsed() < Duration::from_secs(30), "the failed reload was not logged: {}", server.output());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    until_ok(&trusting(&second_ca), &healthz, "the certificate kept").await;
}
