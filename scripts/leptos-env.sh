# Sourced by the scripts: the environment cargo-leptos sets for a debug build, so that plain
# cargo commands (tests, clippy) reuse its build artifacts instead of rebuilding the tree.
# Run `cargo leptos` itself without RUSTFLAGS from here: it appends the same flag on its own.
export LEPTOS_OUTPUT_NAME=scimhub
export LEPTOS_SITE_ROOT=target/site
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR=127.0.0.1:3000
export LEPTOS_RELOAD_PORT=3001
export LEPTOS_LIB_DIR=app
export LEPTOS_BIN_DIR=.
export LEPTOS_JS_MINIFY=false
export LEPTOS_HASH_FILES=true
export LEPTOS_HASH_FILE_NAME=hash.txt
export RUSTFLAGS="--cfg erase_components"
