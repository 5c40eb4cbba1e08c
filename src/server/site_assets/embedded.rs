//! The dashboard's files built into the binary (feature `embed-site`), so that `scimhub serve`
//! started in an empty directory serves the whole dashboard.
//!
//! With file hashing on, cargo-leptos builds the site (`target/site`, with its `.br`/`.gz`
//! variants) and writes `hash.txt` before it compiles the server, so one
//! `scripts/build-release.sh` embeds the site of the same build. Leptos 0.8 reads `hash.txt` and
//! the wasm-split manifest from disk while rendering, so the files are unpacked once at start into
//! a private temporary directory (mode 0700, a random name, removed when the server stops) and
//! served from there like any site on disk.

use std::path::{Component, Path};

use anyhow::Context as _;
use rust_embed::Embed;

use super::Site;

/// The site cargo-leptos built in this release build.
#[derive(Embed)]
#[folder = "target/site/"]
struct Files;

/// The build's file-name hashes, written by cargo-leptos beside the release binary before it
/// compiled this crate.
const HASHES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/hash.txt"));

/// Unpacks the embedded site and returns options that serve it with its hashed names.
pub(super) fn unpack() -> anyhow::Result<Site> {
    let dir = tempfile::Builder::new()
        .prefix("scimhub-site-")
        .tempdir()
        .context("creating a directory for the dashboard's files")?;
    for name in Files::iter() {
        let relative = Path::new(name.as_ref());
        anyhow::ensure!(
            relative.components().all(|part| matches!(part, Component::Normal(_))),
            "embedded file {name} leaves the site"
        );
        let file = Files::get(&name).with_context(|| format!("embedded file {name} is listed but missing"))?;
        let path = dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &file.data).with_context(|| format!("unpacking {}", path.display()))?;
    }
    let hash_file = dir.path().join("hash.txt");
    std::fs::write(&hash_file, HASHES).context("unpacking hash.txt")?;
    let mut options = leptos::config::get_configuration(None)?.leptos_options;
    options.site_root = path_text(dir.path())?.into();
    options.hash_file = path_text(&hash_file)?.into();
    options.hash_files = true;
    Ok(Site { options, unpacked: Some(dir) })
}

fn path_text(path: &Path) -> anyhow::Result<&str> {
    path.to_str().with_context(|| format!("the temporary directory {} is not UTF-8", path.display()))
}
