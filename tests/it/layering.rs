//! The layers depend one way: the provisioning core, storage and the domain types know no
//! transport. Nothing under them may name axum, hyper, the `http` crate or the SCIM HTTP edge;
//! the edges (`scim_http`, `admin`, `cli`) map the core's outcomes and errors once.

use std::path::{Path, PathBuf};

/// What the transport-free layers must not name (in code; comments may).
const TRANSPORT: [&str; 4] = ["axum", "hyper", "scim_http", "http::"];

/// The transport-free layers.
const CORE: [&str; 4] = ["src/provisioning", "src/db", "src/tenant.rs", "src/error.rs"];

fn rust_files(path: &Path, found: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), found);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        found.push(path.to_owned());
    }
}

/// The names of `TRANSPORT` the code of `source` uses, with their line numbers.
fn transport_names(source: &str) -> Vec<(usize, &'static str)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(n, line)| {
            let code = line.split("//").next().unwrap_or_default();
            TRANSPORT.iter().find(|name| code.contains(*name)).map(|name| (n + 1, *name))
        })
        .collect()
}

#[test]
fn the_core_names_no_transport() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for layer in CORE {
        rust_files(&root.join(layer), &mut files);
    }
    assert!(files.len() > 20, "the layers were not found under {}", root.display());
    let offences: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let source = std::fs::read_to_string(file).unwrap();
            let shown = file.strip_prefix(root).unwrap().display().to_string();
            transport_names(&source).into_iter().map(move |(line, name)| format!("{shown}:{line} uses {name}"))
        })
        .collect();
    assert!(offences.is_empty(), "the core reaches the transport:\n{}", offences.join("\n"));
}

#[test]
fn the_check_sees_imports_and_paths_but_not_comments() {
    let source = "use axum::Json;\n// axum in prose\nlet s = crate::scim_http::x();\nlet h = http::StatusCode::OK;";
    assert_eq!(transport_names(source), vec![(1, "axum"), (3, "scim_http"), (4, "http::")]);
}
