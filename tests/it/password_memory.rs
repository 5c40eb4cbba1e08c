//! Memory under password load, with the real `scimhub` binary: Argon2id fills 19 MiB per hash,
//! so many parallel writes carrying passwords must not hash all at once. What the load adds to
//! the server's peak resident set (`VmHWM` in `/proc/<pid>/status`) over its size after start
//! stays bounded: 64 hashes at once would add 1.2 GiB. (The size after start — mostly the debug
//! binary's own pages — is not what is bounded here; the benchmarks record the release build's.)

use crate::process::{client, provision, Server};
use crate::support::fresh_database_url;

/// The bound on what the load adds to the server's peak resident memory, in KiB (five hashes'
/// worth; the server hashes at most as many at once as it has cores, two on these machines).
const GROWTH_LIMIT_KIB: u64 = 100 * 1024;
const PARALLEL: usize = 64;

/// A field of `/proc/<pid>/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("no {field} in {status}"));
    line[field.len()..].trim().trim_end_matches("kB").trim().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_password_writes_keep_the_servers_memory_bounded() {
    let database_url = fresh_database_url().await;
    let (_, token) = provision(&database_url, "passwords").await;
    let mut server = Server::start(&database_url);
    server.wait_ready().await;
    let baseline = status_kib(server.pid(), "VmHWM:");

    let url = server.scim_url("passwords", "/Users");
    let posts: Vec<_> = (0..PARALLEL)
        .map(|i| {
            let (client, url, token) = (client(), url.clone(), token.clone());
            tokio::spawn(async move {
                let body = serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": format!("pw-{i}@example.com"),
                    "password": format!("Correct-Horse-{i}-{}", uuid::Uuid::new_v4().simple()),
                });
                let r = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/scim+json")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            })
        })
        .collect();
    for (i, post) in posts.into_iter().enumerate() {
        let (status, body) = post.await.unwrap();
        assert_eq!(status, reqwest::StatusCode::CREATED, "POST {i}: {body}");
        assert!(!body.contains("Correct-Horse"), "POST {i} echoed the password: {body}");
    }

    let peak = status_kib(server.pid(), "VmHWM:");
    eprintln!(
        "scimhub serve peak RSS: {baseline} KiB after start, {peak} KiB after {PARALLEL} parallel password writes"
    );
    let growth = peak.saturating_sub(baseline);
    assert!(growth < GROWTH_LIMIT_KIB, "peak RSS {peak} KiB grew {growth} KiB from {baseline} KiB after start");
    server.stop().await;
}
