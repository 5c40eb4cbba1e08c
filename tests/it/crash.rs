//! Crash safety, with the real `scimhub` binary as a child process on a real database: a
//! SIGKILL in the middle of a write load loses no acknowledged write and leaves nothing
//! half-written, and a SIGTERM lets the requests in flight finish before the process exits.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scimhub::db::{Db, Dialect};
use serde_json::Value;
use sqlx::Row;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::process::{client, provision, write_load, Acknowledged, Server, EXIT_TIMEOUT, IO_TIMEOUT, START_TIMEOUT};
use crate::support::{entra_user, fresh_database_url};

/// The `resource_id`s of the tenant's log rows with this operation and status.
async fn logged_ids(db: &Db, tenant_id: &str, operation: &str, status: i64) -> Vec<String> {
    sqlx::query(
        "select resource_id from provisioning_log where tenant_id = $1 and operation = $2 and status = $3 \
         order by log_id",
    )
    .bind(tenant_id)
    .bind(operation)
    .bind(status)
    .fetch_all(db.reader())
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get::<Option<String>, _>("resource_id").unwrap().expect("a mutation's log row names it"))
    .collect()
}

/// The tenant's users as stored: id → (userName column, resource JSON text).
async fn stored_users(db: &Db, tenant_id: &str) -> HashMap<String, (String, String)> {
    sqlx::query("select user_id, user_name, resource from scim_user where tenant_id = $1")
        .bind(tenant_id)
        .fetch_all(db.reader())
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get("user_id"), (row.get("user_name"), row.get("resource"))))
        .collect()
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    const WORKERS: usize = 16;
    const ENOUGH_WRITES: usize = 300;
    let database_url = fresh_database_url().await;
    let (tenant_id, token) = provision(&database_url, "crash").await;
    let mut first = Server::start(&database_url);
    first.wait_ready().await;

    // Write load until enough writes were acknowledged (or a while has passed), then SIGKILL
    // while the workers are still sending.
    let acks = Arc::new(Mutex::new(Acknowledged::default()));
    let count = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..WORKERS)
        .map(|worker| {
            let base = first.scim_url("crash", "");
            tokio::spawn(write_load(worker, base, token.clone(), acks.clone(), count.clone(), killed.clone()))
        })
        .collect();
    let started = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let n = count.load(Ordering::SeqCst);
        if n >= ENOUGH_WRITES || (started.elapsed() >= Duration::from_secs(2) && n >= WORKERS) {
            break;
        }
        let unexpected = acks.lock().unwrap().unexpected.clone();
        assert!(unexpected.is_empty(), "write failures before the kill: {unexpected:#?}");
        assert!(started.elapsed() < START_TIMEOUT, "only {n} writes acknowledged in {START_TIMEOUT:?}");
    }
    killed.store(true, Ordering::SeqCst);
    first.sigkill();
    for worker in workers {
        tokio::time::timeout(IO_TIMEOUT, worker).await.expect("a load task hangs after the kill").unwrap();
    }
    let acks = std::mem::take(&mut *acks.lock().unwrap());
    assert!(acks.unexpected.is_empty(), "write failures before the kill: {:#?}", acks.unexpected);
    assert!(!acks.created.is_empty());

    // Restarted on the same database (recovery included), the server has every acknowledged
    // write.
    let mut second = Server::start(&database_url);
    second.wait_ready().await;
    let client = client();
    for (user_name, id) in &acks.created {
        let r = client.get(second.scim_url("crash", &format!("/Users/{id}"))).bearer_auth(&token).send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "acknowledged user {user_name} ({id}) is lost: {body}");
        assert_eq!(body["userName"], user_name.as_str());
        if let Some(display_name) = acks.patched.get(id) {
            assert_eq!(body["displayName"], display_name.as_str(), "acknowledged PATCH of {user_name} is lost");
        }
    }
    second.stop().await;

    // Nothing half-written: a user row and its log row commit together, so the users are
    // exactly the logged creations, and the patched users exactly the logged updates.
    let db = Db::connect(&database_url).await.unwrap();
    let users = stored_users(&db, &tenant_id).await;
    let created_ids = logged_ids(&db, &tenant_id, "create", 201).await;
    assert_eq!(users.len(), created_ids.len(), "users and logged creations differ in number");
    assert_eq!(
        users.keys().cloned().collect::<BTreeSet<_>>(),
        created_ids.into_iter().collect::<BTreeSet<_>>(),
        "users and logged creations differ"
    );
    assert!(users.len() >= acks.created.len());
    let mut patched_ids = BTreeSet::new();
    for (id, (user_name, resource)) in &users {
        let resource: Value = serde_json::from_str(resource)
            .unwrap_or_else(|e| panic!("stored resource of {id} is not JSON ({e}): {resource}"));
        assert_eq!(resource["userName"], user_name.as_str(), "stored resource of {id}: {resource}");
        assert!(acks.attempted.contains(user_name), "{user_name} was never sent");
        if resource["displayName"].as_str().is_some_and(|d| d.starts_with("Patched ")) {
            patched_ids.insert(id.clone());
        }
    }
    let updated_ids = logged_ids(&db, &tenant_id, "update", 200).await;
    assert_eq!(updated_ids.len(), patched_ids.len(), "patched users and logged updates differ in number");
    assert_eq!(
        patched_ids,
        updated_ids.into_iter().collect::<BTreeSet<_>>(),
        "patched users and logged updates differ"
    );
    assert!(acks.patched.keys().all(|id| patched_ids.contains(id)));

    if db.dialect() == Dialect::Sqlite {
        let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(db.reader()).await.unwrap();
        assert_eq!(check, ["ok"], "SQLite integrity check after the kill");
        let dangling = sqlx::query("PRAGMA foreign_key_check").fetch_all(db.reader()).await.unwrap();
        assert!(dangling.is_empty(), "{} rows violate foreign keys after the kill", dangling.len());
    }
    db.close().await;
    eprintln!(
        "{} writes acknowledged before SIGKILL ({} creates, {} patches); {} users stored",
        acks.created.len() + acks.patched.len(),
        acks.created.len(),
        acks.patched.len(),
        users.len()
    );
}

/// Reads one HTTP/1.1 response head (up to the blank line) from `stream`; bytes read past it
/// stay in `buf`.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<String, String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            return Ok(head);
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.map_err(|e| format!("{e} after {} bytes", buf.len()))?;
        if n == 0 {
            return Err(format!("connection closed after {} bytes: {:?}", buf.len(), String::from_utf8_lossy(buf)));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// One POST on its own connection, sent in two steps: the head with `Expect: 100-continue`,
/// which the server acknowledges with `100 Continue` once the handler reads the body (so the
/// request is provably in flight), then, when `go` says so, the body. Returns the final
/// status and body.
async fn post_in_two_steps(
    port: u16,
    path: String,
    token: String,
    body: String,
    ready: tokio::sync::mpsc::Sender<()>,
    mut go: tokio::sync::watch::Receiver<bool>,
) -> Result<(u16, Value), String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| format!("connect: {e}"))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.map_err(|e| format!("sending the head: {e}"))?;
    let mut buf = Vec::new();
    let interim = tokio::time::timeout(IO_TIMEOUT, read_head(&mut stream, &mut buf))
        .await
        .map_err(|_| "no 100 Continue".to_owned())??;
    if !interim.starts_with("HTTP/1.1 100") {
        return Err(format!("expected 100 Continue, got {interim:?}"));
    }
    ready.send(()).await.map_err(|e| e.to_string())?;
    go.wait_for(|go| *go).await.map_err(|e| e.to_string())?;

    stream.write_all(body.as_bytes()).await.map_err(|e| format!("sending the body: {e}"))?;
    let head = tokio::time::timeout(IO_TIMEOUT, read_head(&mut stream, &mut buf))
        .await
        .map_err(|_| "no answer".to_owned())??;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line in {head:?}"))?;
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(IO_TIMEOUT, stream.read(&mut chunk))
            .await
            .map_err(|_| "body timed out".to_owned())?
            .map_err(|e| format!("reading the body: {e}"))?;
        if n == 0 {
            return Err(format!("connection closed after {} of {length} body bytes", buf.len()));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[..length]).map_err(|e| format!("body is not JSON: {e}"))?;
    Ok((status, body))
}

#[tokio::test]
async fn sigterm_drains_in_flight_requests() {
    const REQUESTS: usize = 32;
    let database_url = fresh_database_url().await;
    let (tenant_id, token) = provision(&database_url, "drain").await;
    let mut server = Server::start(&database_url);
    server.wait_ready().await;

    // 32 POSTs, each on its own connection, all admitted by the server and waiting for their
    // bodies.
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(REQUESTS);
    let (go_tx, go_rx) = tokio::sync::watch::channel(false);
    let requests: Vec<_> = (0..REQUESTS)
        .map(|i| {
            let user_name = format!("drain-{i}@example.com");
            let body = entra_user(&user_name, &format!("drain-ext-{i}"));
            let task = tokio::spawn(post_in_two_steps(
                server.port,
                "/realms/drain/scim/v2/Users".into(),
                token.clone(),
                body,
                ready_tx.clone(),
                go_rx.clone(),
            ));
            (user_name, task)
        })
        .collect();
    drop(ready_tx);
    for n in 0..REQUESTS {
        let ready = tokio::time::timeout(IO_TIMEOUT, ready_rx.recv()).await;
        if !matches!(ready, Ok(Some(()))) {
            let (user_name, task) = requests.into_iter().find(|(_, t)| t.is_finished()).expect("a request ended early");
            panic!("only {n} of {REQUESTS} requests got in flight; {user_name}: {:?}", task.await.unwrap());
        }
    }

    // SIGTERM; once the server stops accepting connections it is shutting down, and only then
    // do the bodies follow.
    server.sigterm();
    let signalled = Instant::now();
    loop {
        match TcpStream::connect(("127.0.0.1", server.port)).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            _ => {}
        }
        assert!(server.child.try_wait().unwrap().is_none(), "the server exited with requests in flight");
        assert!(signalled.elapsed() < EXIT_TIMEOUT, "the server still accepts connections after SIGTERM");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    go_tx.send(true).unwrap();

    // Every request gets its whole answer, then the process exits cleanly.
    let mut answered = BTreeSet::new();
    for (user_name, task) in requests {
        match task.await.unwrap() {
            Ok((201, body)) if body["userName"] == user_name.as_str() && body["id"].is_string() => {
                answered.insert(user_name);
            }
            other => panic!("{user_name} was in flight at SIGTERM but got {other:?}"),
        }
    }
    let status = server.wait_exit().await;
    assert!(status.success(), "the server did not exit cleanly after draining: {status}");

    // And what it acknowledged is stored, with its log rows.
    let db = Db::connect(&database_url).await.unwrap();
    let users = stored_users(&db, &tenant_id).await;
    let stored: BTreeSet<_> = users.values().map(|(user_name, _)| user_name.clone()).collect();
    assert_eq!(stored, answered);
    assert_eq!(logged_ids(&db, &tenant_id, "create", 201).await.len(), REQUESTS);
    db.close().await;
}

#[tokio::test]
async fn a_stalled_request_cannot_hold_the_shutdown() {
    let database_url = fresh_database_url().await;
    let mut server = Server::start_with(&database_url, &["--request-timeout-secs", "1"]);
    server.wait_ready().await;
    // Half a request head, never finished.
    let mut stalled = TcpStream::connect(("127.0.0.1", server.port)).await.unwrap();
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let signalled = Instant::now();
    server.sigterm();
    // The drain deadline is the request timeout plus 5 s; EXIT_TIMEOUT is well above it.
    let status = server.wait_exit().await;
    assert!(status.success(), "the server did not exit cleanly: {status}");
    assert!(signalled.elapsed() >= Duration::from_secs(1), "it waited for the drain first");
    drop(stalled);
}
