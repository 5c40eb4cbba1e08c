//! Connection handling of the real `scimhub` binary, with raw sockets: connections that never
//! finish a request head, or sit idle, are closed in time while normal requests keep being
//! served; the connection cap holds extra connections in the backlog; a body announced over
//! the limit gets 413 at once.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::process::{client, provision, Server, IO_TIMEOUT};
use crate::support::fresh_database_url;

/// Added to every timeout the server is configured with before a test calls it a hang.
const SLACK: Duration = Duration::from_secs(5);

async fn connect(server: &Server) -> TcpStream {
    TcpStream::connect(("127.0.0.1", server.port)).await.unwrap()
}

/// Reads until the server closes the connection (end of stream or reset), at most `bound`
/// after `since`; returns what was read.
async fn closed_by_server(stream: &mut TcpStream, since: Instant, bound: Duration, what: &str) -> Vec<u8> {
    let mut received = Vec::new();
    loop {
        let left = bound.checked_sub(since.elapsed()).unwrap_or_default();
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Err(_) => panic!("{what}: still open {bound:?} later"),
            Ok(Ok(0)) | Ok(Err(_)) => return received,
            Ok(Ok(n)) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A whole response read from a raw socket: status, head, JSON body (by `Content-Length`).
async fn read_response(stream: &mut TcpStream) -> (u16, String, Value) {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(IO_TIMEOUT, stream.read(&mut chunk)).await.expect("no answer").unwrap();
        assert!(n > 0, "connection closed before a whole response head: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    buf.drain(..end + 4);
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("bad head {head:?}"));
    let length: usize = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .map(|(_, value)| value.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("no Content-Length in {head:?}"));
    while buf.len() < length {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(IO_TIMEOUT, stream.read(&mut chunk)).await.expect("body timed out").unwrap();
        assert!(n > 0, "connection closed in the body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = if length == 0 {
        Value::Null
    } else {
        serde_json::from_slice(&buf[..length])
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&buf[..length]).into()))
    };
    (status, head, body)
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: scimhub.test\r\n\r\n";

/// `GET /healthz` on a fresh connection (a new client each time).
async fn healthz(server: &Server) -> reqwest::StatusCode {
    client().get(server.url("/healthz")).send().await.unwrap().status()
}

#[tokio::test]
async fn stalled_and_idle_connections_are_closed_in_time() {
    let database_url = fresh_database_url().await;
    let header_read = Duration::from_secs(1);
    let keep_alive = Duration::from_secs(6);
    let mut server = Server::start_with(
        &database_url,
        &["--header-read-timeout-secs", "1", "--keep-alive-timeout-secs", "6", "--max-connections", "64"],
    );
    server.wait_ready().await;

    let started = Instant::now();
    // (a) Connects and sends nothing.
    let mut silent = connect(&server).await;
    // (b) A request line, no headers.
    let mut line_only = connect(&server).await;
    line_only.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    // (c) One header line at a time, forever ("slowloris"); bytes keep arriving, the head never
    // completes.
    let (mut slow_read, mut slow_write) = connect(&server).await.into_split();
    let slowloris = tokio::spawn(async move {
        slow_write.write_all(b"GET /healthz HTTP/1.1\r\nHost: scimhub.test\r\n").await?;
        for n in 0.. {
            tokio::time::sleep(Duration::from_millis(250)).await;
            slow_write.write_all(format!("X-Slow-{n}: still here\r\n").as_bytes()).await?;
        }
        Ok::<_, std::io::Error>(())
    });
    // Meanwhile, normal requests on fresh connections are served.
    assert_eq!(healthz(&server).await, reqwest::StatusCode::OK);

    let bound = header_read + SLACK;
    for (what, stream) in [("a silent connection", &mut silent), ("a request line without headers", &mut line_only)] {
        let received = closed_by_server(stream, started, bound, what).await;
        assert!(received.is_empty(), "{what}: {:?}", String::from_utf8_lossy(&received));
    }
    let mut slow_read_buf = [0u8; 1024];
    let left = bound.checked_sub(started.elapsed()).unwrap_or_default();
    match tokio::time::timeout(left, slow_read.read(&mut slow_read_buf)).await {
        Ok(Ok(0) | Err(_)) => {}
        Ok(Ok(n)) => panic!("slowloris got an answer: {:?}", String::from_utf8_lossy(&slow_read_buf[..n])),
        Err(_) => panic!("a head sent one line at a time is still open {bound:?} later"),
    }
    // Its writes fail once the server has closed the connection.
    assert!(tokio::time::timeout(IO_TIMEOUT, slowloris).await.unwrap().unwrap().is_err());
    assert_eq!(healthz(&server).await, reqwest::StatusCode::OK);

    // (d) A finished request, then silence on the keep-alive connection. Idle longer than the
    // header-read timeout, it is still kept (idle time is not header time)...
    let mut idle = connect(&server).await;
    idle.write_all(HEALTHZ).await.unwrap();
    assert_eq!(read_response(&mut idle).await.0, 200);
    tokio::time::sleep(header_read * 5 / 2).await;
    idle.write_all(HEALTHZ).await.unwrap();
    assert_eq!(read_response(&mut idle).await.0, 200, "the idle connection was kept alive");
    // ... until the keep-alive timeout.
    let answered = Instant::now();
    let received = closed_by_server(&mut idle, answered, keep_alive + SLACK, "an idle keep-alive connection").await;
    assert!(received.is_empty());
    assert!(answered.elapsed() >= keep_alive - Duration::from_millis(100), "closed before the keep-alive timeout");

    assert_eq!(healthz(&server).await, reqwest::StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn normal_requests_are_served_while_many_connections_stall() {
    let database_url = fresh_database_url().await;
    let (_, token) = provision(&database_url, "busy").await;
    // Stalled connections are closed only after 60 s: they are all open while we test.
    let mut server = Server::start_with(
        &database_url,
        &["--header-read-timeout-secs", "60", "--keep-alive-timeout-secs", "60", "--max-connections", "128"],
    );
    server.wait_ready().await;

    let mut stalled = Vec::new();
    for n in 0..50 {
        let mut stream = connect(&server).await;
        match n % 3 {
            0 => {}
            1 => stream.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap(),
            _ => stream.write_all(b"POST /realms/busy/scim/v2/Users HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap(),
        }
        stalled.push(stream);
    }
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(healthz(&server).await, reqwest::StatusCode::OK);
        let r = client().get(server.scim_url("busy", "/Users")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
    }
    // Promptly: far below the timeouts that would free the stalled connections.
    assert!(started.elapsed() < Duration::from_secs(20), "10 requests took {:?}", started.elapsed());
    for (n, stream) in stalled.iter().enumerate() {
        let mut byte = [0u8; 1];
        match stream.try_read(&mut byte) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("stalled connection {n} is no longer waiting: {other:?}"),
        }
    }
    drop(stalled);
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_stalled_ones_time_out() {
    let database_url = fresh_database_url().await;
    let mut server = Server::start_with(
        &database_url,
        &["--header-read-timeout-secs", "2", "--keep-alive-timeout-secs", "2", "--max-connections", "4"],
    );
    server.wait_ready().await;

    // Six silent connections: four are served (and time out), two wait in the backlog.
    let opened = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..6 {
        stalled.push(connect(&server).await);
    }
    let answer = healthz(&server).await;
    assert_eq!(answer, reqwest::StatusCode::OK, "a normal request is served once slots free up");
    assert!(
        opened.elapsed() >= Duration::from_millis(1900),
        "served after {:?}: the cap did not hold it back until the stalled connections timed out",
        opened.elapsed()
    );
    // Two rounds of the header-read timeout (three if the readiness probe's connection still
    // held a slot).
    let bound = Duration::from_secs(2) * 3 + SLACK;
    for (n, mut stream) in stalled.into_iter().enumerate() {
        closed_by_server(&mut stream, opened, bound, &format!("stalled connection {n}")).await;
    }
    assert_eq!(healthz(&server).await, reqwest::StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn a_body_announced_over_the_limit_gets_413_before_it_is_sent() {
    let database_url = fresh_database_url().await;
    let (tenant_id, token) = provision(&database_url, "limits").await;
    let mut server = Server::start_with(&database_url, &["--max-body-bytes", "1024"]);
    server.wait_ready().await;
    let head = |extra: &str| {
        format!(
            "POST /realms/limits/scim/v2/Users HTTP/1.1\r\nHost: scimhub.test\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/scim+json\r\n{extra}\r\n"
        )
    };

    // `Expect: 100-continue`: the answer is 413, not 100, and the body is never asked for.
    let mut stream = connect(&server).await;
    stream.write_all(head("Content-Length: 10000000\r\nExpect: 100-continue\r\n").as_bytes()).await.unwrap();
    let (status, response_head, body) = read_response(&mut stream).await;
    assert_eq!(status, 413, "{response_head}");
    assert_eq!(body["status"], "413");
    assert_eq!(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert!(response_head.to_ascii_lowercase().contains("connection: close"), "{response_head}");
    closed_by_server(&mut stream, Instant::now(), IO_TIMEOUT, "the connection after a 413").await;

    // The body partly sent, and still coming: 413 too, readable before the connection closes.
    let (mut reader, mut writer) = connect(&server).await.into_split();
    writer.write_all(head("Content-Length: 10000000\r\n").as_bytes()).await.unwrap();
    let sender = tokio::spawn(async move {
        let chunk = vec![b' '; 16 * 1024];
        for _ in 0..16 {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
        }
    });
    let mut buf = Vec::new();
    tokio::time::timeout(IO_TIMEOUT, reader.read_to_end(&mut buf)).await.expect("the connection stays open").unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"status\":\"413\""), "{text}");
    sender.await.unwrap();

    // A chunked body has no length to judge by: it is cut at the limit.
    let mut stream = connect(&server).await;
    stream.write_all(head("Transfer-Encoding: chunked\r\n").as_bytes()).await.unwrap();
    for _ in 0..4 {
        stream.write_all(format!("400\r\n{}\r\n", " ".repeat(1024)).as_bytes()).await.unwrap();
    }
    stream.write_all(b"0\r\n\r\n").await.unwrap();
    let (status, _, body) = read_response(&mut stream).await;
    assert_eq!((status, body["status"].as_str()), (413, Some("413")));

    // Nothing got in.
    let db = scimhub::db::Db::connect(&database_url).await.unwrap();
    assert_eq!(scimhub::db::user::totals(&db, &tenant_id).await.unwrap().0, 0);
    db.close().await;
    server.stop().await;
}
