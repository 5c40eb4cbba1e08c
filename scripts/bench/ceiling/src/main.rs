//! The machine's ceiling for `scripts/bench.sh`: a bare axum handler answering a small JSON
//! object, on the same runtime and allocator as scimhub and nothing else. The performance goals
//! were set against this figure on the machine they were written for (about 72,000 requests/s
//! with `wrk -t2 -c16`); measuring it beside scimhub's own figures tells how fast *this* machine
//! is. Usage: `cargo run --release -p ceiling -- 127.0.0.1:3499`. It also accepts any POST to
//! `/hooks` with 204: the fast local webhook receiver of `scripts/bench/outbound.sh`.

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3499".to_owned());
    let app = Router::new()
        .route("/", get(|| async { Json(serde_json::json!({ "status": "ok", "users": 1 })) }))
        .route("/hooks", post(|| async { StatusCode::NO_CONTENT }));
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    axum::serve(listener, app).await
}
