//! The dashboard's first load: its files are served precompressed and cached by name, pages are
//! compressed on the fly and never stored.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use leptos::prelude::LeptosOptions;

use crate::support::{Reply, TestApp};

/// A site directory like a release build's: a content-named WASM with its `.br` and `.gz`
/// variants (marked by their text, so the test sees which one was sent), and an icon.
fn site(hash_files: bool) -> (tempfile::TempDir, LeptosOptions) {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("scimhub.0a1b2c.wasm"), "identity variant").unwrap();
    std::fs::write(pkg.join("scimhub.0a1b2c.wasm.br"), "brotli variant").unwrap();
    std::fs::write(pkg.join("scimhub.0a1b2c.wasm.gz"), "gzip variant").unwrap();
    std::fs::write(dir.path().join("favicon.ico"), "icon").unwrap();
    let options = LeptosOptions::builder()
        .output_name("scimhub")
        .site_root(dir.path().to_str().unwrap())
        .site_pkg_dir("pkg")
        .hash_files(hash_files)
        .build();
    (dir, options)
}

async fn get(app: &TestApp, uri: &str, accept_encoding: Option<&str>) -> Reply {
    let mut request = Request::get(uri);
    if let Some(encodings) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encodings);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn content_named_files_go_out_precompressed_and_immutable() {
    let (_dir, options) = site(true);
    let app = TestApp::with_site(options).await;
    let wasm = "/pkg/scimhub.0a1b2c.wasm";
    for (accepted, encoding, body) in [
        (Some("gzip, deflate, br, zstd"), Some("br"), "brotli variant"),
        (Some("gzip"), Some("gzip"), "gzip variant"),
        (None, None, "identity variant"),
    ] {
        let reply = get(&app, wasm, accepted).await;
        assert_eq!(reply.status, StatusCode::OK, "{accepted:?}");
        assert_eq!(header(&reply.headers, header::CONTENT_ENCODING), encoding, "{accepted:?}");
        assert_eq!(reply.body, body, "{accepted:?}");
        assert_eq!(header(&reply.headers, header::CONTENT_TYPE), Some("application/wasm"));
        assert_eq!(
            header(&reply.headers, header::CACHE_CONTROL),
            Some("public, max-age=31536000, immutable"),
            "{accepted:?}"
        );
    }
    let icon = get(&app, "/favicon.ico", None).await;
    assert_eq!(
        (icon.status, header(&icon.headers, header::CACHE_CONTROL)),
        (StatusCode::OK, Some("public, max-age=86400"))
    );

    // Nothing outside the package directory is reachable through it.
    for uri in ["/pkg/../favicon.ico", "/pkg/%2e%2e/favicon.ico", "/pkg/missing.wasm"] {
        let reply = get(&app, uri, None).await;
        assert_ne!(reply.body, "icon", "{uri}");
        assert!(reply.status.is_client_error(), "{uri}: {}", reply.status);
    }
}

#[tokio::test]
async fn files_without_content_names_are_revalidated() {
    let (_dir, options) = site(false);
    let app = TestApp::with_site(options).await;
    let reply = get(&app, "/pkg/scimhub.0a1b2c.wasm", Some("br")).await;
    assert_eq!(header(&reply.headers, header::CACHE_CONTROL), Some("no-cache"));
}

#[tokio::test]
async fn pages_are_compressed_on_the_fly_and_never_stored() {
    let (_dir, options) = site(false);
    let app = TestApp::with_site(options).await;
    let plain = get(&app, "/login", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.body.as_str().is_some_and(|page| page.contains("Sign in to scimhub")), "{:?}", plain.body);
    assert_eq!(header(&plain.headers, header::CONTENT_ENCODING), None);
    for encoding in ["br", "gzip"] {
        let reply = get(&app, "/login", Some(encoding)).await;
        assert_eq!(header(&reply.headers, header::CONTENT_ENCODING), Some(encoding));
        assert!(!reply.body.as_str().unwrap_or_default().contains("Sign in to scimhub"), "{encoding}: not encoded");
        assert_eq!(header(&reply.headers, header::CACHE_CONTROL), Some("no-store"));
    }
    // Streamed exports pass through the compression whole (it polls a body once more at its end).
    let cookie = app.break_glass_session().await;
    for export in ["/admin/audit/export?format=csv", "/admin/log/export?tenant=nobody&format=json"] {
        let request = Request::get(export).header(header::COOKIE, &cookie).header(header::ACCEPT_ENCODING, "gzip");
        let reply = app.send(request.body(Body::empty()).unwrap()).await;
        assert!(reply.status.is_success() || reply.status == StatusCode::NOT_FOUND, "{export}: {}", reply.status);
        if reply.status.is_success() {
            assert_eq!(header(&reply.headers, header::CONTENT_ENCODING), Some("gzip"), "{export}");
            assert!(!reply.body.as_str().unwrap_or_default().is_empty(), "{export}: empty");
        }
    }
    // The SCIM API answers as it always did: its clients are programs on fast links.
    let scim = get(&app, "/realms/nobody/scim/v2/Users", Some("br")).await;
    assert_eq!(header(&scim.headers, header::CONTENT_ENCODING), None);
}
