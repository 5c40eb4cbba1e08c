//! The dashboard's static files (the WASM, its JavaScript glue, the stylesheet) and how browsers
//! may keep them.
//!
//! A release build (`cargo leptos build --release --precompress`, with `hash-files` on) names each
//! file in `pkg/` after its content and writes a `.br` and a `.gz` beside it: they are served
//! precompressed to browsers that accept it, and cached for a year as immutable, since a new build
//! gets new names. Without hashed names (a plain debug build) the browser must revalidate.
//! Pages are never stored (`no-store`): they carry tenant data.
//!
//! A release binary carries its site (`embedded`) and serves it from any directory.

use std::path::Path;

use axum::http::{header, HeaderValue};
use axum::Router;
use leptos::prelude::LeptosOptions;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

#[cfg(feature = "embed-site")]
mod embedded;

/// `Cache-Control` of content-named files: a new build gets new names.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// `Cache-Control` of files whose name stays across builds: use, but revalidate first.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// `Cache-Control` of the icon: it rarely changes and a stale one harms nobody.
const ONE_DAY: HeaderValue = HeaderValue::from_static("public, max-age=86400");

/// The dashboard's files `scimhub serve` serves, and Leptos' options pointing at them.
pub struct Site {
    /// Leptos' rendering options: where the site lies, whether its files have hashed names.
    pub options: LeptosOptions,
    /// The private directory a binary that carries its site unpacked it into, kept until the
    /// server stops.
    unpacked: Option<tempfile::TempDir>,
}

impl Site {
    /// The binary's own site when it carries one (release builds: feature `embed-site`), so it
    /// runs from any directory with nothing beside it; otherwise the site on disk that
    /// cargo-leptos' environment names (default `target/site`).
    pub fn locate() -> anyhow::Result<Self> {
        #[cfg(feature = "embed-site")]
        {
            embedded::unpack()
        }
        #[cfg(not(feature = "embed-site"))]
        {
            Ok(Self { options: leptos_options()?, unpacked: None })
        }
    }

    /// Removes the unpacked copy, if there is one: the server calls it when it stops.
    pub fn close(self) -> std::io::Result<()> {
        self.unpacked.map_or(Ok(()), tempfile::TempDir::close)
    }
}

/// Leptos' options from the environment cargo-leptos sets (defaults otherwise), with hashed file
/// names switched on exactly when the build wrote its hash file beside the executable — so the
/// binary `cargo leptos build` made works when started by hand, not only under `cargo leptos`.
pub fn leptos_options() -> anyhow::Result<LeptosOptions> {
    let mut options = leptos::config::get_configuration(None)?.leptos_options;
    options.hash_files = beside_executable(options.hash_file.as_ref()).is_some_and(|path| path.is_file());
    Ok(options)
}

fn beside_executable(name: &str) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(name))
}

/// `/pkg/…`, served from the site's package directory with precompressed variants and cached by
/// name, and `/favicon.ico`.
pub fn router(options: &LeptosOptions) -> Router<AppState> {
    let site = Path::new(options.site_root.as_ref());
    let package = ServeDir::new(site.join(options.site_pkg_dir.as_ref())).precompressed_br().precompressed_gzip();
    let cache = if options.hash_files { IMMUTABLE } else { REVALIDATE };
    let package = Router::new()
        .nest_service(&format!("/{}", options.site_pkg_dir), package)
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, cache));
    let icon = Router::new()
        .route_service("/favicon.ico", ServeFile::new(site.join("favicon.ico")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, ONE_DAY));
    package.merge(icon)
}

/// Compression of dynamic answers (pages, server-function answers) for browsers that accept it.
/// Event streams and tiny answers pass as they are.
pub fn compression() -> CompressionLayer {
    CompressionLayer::new().br(true).gzip(true)
}

/// Marks pages `no-store` unless a handler chose otherwise.
pub fn pages_not_stored() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}
