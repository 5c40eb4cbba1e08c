//! What an operator watches a running server by: Prometheus metrics on their own listener,
//! readiness that turns off when the database goes away, request ids in responses, log rows and
//! JSON log lines. A real server process, so the counts are this test's alone.

use reqwest::StatusCode;
use serde_json::Value;

use crate::process::{client, free_port, provision, Server};
use crate::support::{entra_user, fresh_database_url};

/// The value of the sample of `metric` whose labels include every one of `labels`.
fn sample(text: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")) || l.starts_with(&format!("{metric} ")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_readiness_and_request_ids_of_a_running_server() {
    let database_url = fresh_database_url().await;
    let (_, token) = provision(&database_url, "metered").await;
    let metrics = format!("127.0.0.1:{}", free_port());
    let flags = ["--metrics-listen", metrics.as_str(), "--log-format", "json"];
    let mut server = Server::start_with_env(&database_url, &flags, &[("RUST_LOG", "info,tower_http=debug")]);
    server.wait_ready().await;
    let scim = |path: &str| server.url(&format!("/realms/metered/scim/v2{path}"));
    let http = client();

    // Known traffic: two creates, one refused as a duplicate, three reads, one unknown user.
    for name in ["m1@example.com", "m2@example.com", "m1@example.com"] {
        let response = http
            .post(scim("/Users"))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .header("x-request-id", format!("it-{name}"))
            .body(entra_user(name, name))
            .send()
            .await
            .unwrap();
        assert!(response.status() == StatusCode::CREATED || response.status() == StatusCode::CONFLICT);
        assert_eq!(response.headers()["x-request-id"], format!("it-{name}").as_str(), "the client's id comes back");
    }
    for _ in 0..3 {
        let response = http.get(scim("/Users?count=1")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "a request without an id gets one: {id}");
    }
    let hostile = http.get(scim("/Users/nobody")).bearer_auth(&token).header("x-request-id", "a b<c>").send().await;
    let hostile = hostile.unwrap();
    assert_eq!(hostile.status(), StatusCode::NOT_FOUND);
    assert_ne!(hostile.headers()["x-request-id"], "a b<c>", "a hostile id is replaced");

    // The metrics listener serves them; the public one does not.
    let public = http.get(server.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!public.contains("scimhub_scim_requests_total"));
    let text = http.get(format!("http://{metrics}/metrics")).send().await.unwrap().text().await.unwrap();
    let requests = |operation: &str, status: &str| {
        let labels = [r#"tenant="metered""#, &format!(r#"operation="{operation}""#), &format!(r#"status="{status}""#)];
        sample(&text, "scimhub_scim_requests_total", &labels.iter().map(|s| s.as_ref()).collect::<Vec<&str>>())
    };
    assert_eq!(requests("create", "2xx"), Some(2.0), "{text}");
    assert_eq!(requests("create", "4xx"), Some(1.0), "{text}");
    assert_eq!(requests("list", "2xx"), Some(3.0), "{text}");
    assert_eq!(requests("read", "4xx"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "scimhub_scim_request_duration_seconds_count", &[r#"operation="create""#]), Some(3.0));
    assert!(sample(&text, "scimhub_http_requests_total", &[r#"surface="scim""#, r#"status="2xx""#]) >= Some(5.0));
    assert!(sample(&text, "scimhub_db_pool_connections", &[r#"pool="reader""#]) >= Some(1.0), "{text}");
    // PostgreSQL's SCIM path has a pool of its own, which served the requests above.
    let scim = sample(&text, "scimhub_db_pool_connections", &[r#"pool="scim""#]);
    if database_url.starts_with("postgres") {
        assert!(scim >= Some(1.0), "{text}");
    } else {
        assert_eq!(scim, None, "{text}");
    }
    assert!(sample(&text, "scimhub_log_writer_queue_rows", &[]).is_some(), "{text}");

    // The request id is in the request's log row and in its JSON log lines.
    let db = scimhub::db::Db::connect(&database_url).await.unwrap();
    let logged: Vec<(Option<String>, i64)> =
        sqlx::query_as("select request_id, status from provisioning_log where method = 'POST' order by log_id")
            .fetch_all(db.reader())
            .await
            .unwrap();
    let ids: Vec<Option<&str>> = logged.iter().map(|(id, _)| id.as_deref()).collect();
    assert_eq!(ids, [Some("it-m1@example.com"), Some("it-m2@example.com"), Some("it-m1@example.com")]);
    db.close().await;
    let output = server.output();
    let line = output
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["span"]["request_id"] == "it-m2@example.com")
        .unwrap_or_else(|| panic!("no JSON log line carries the request id:\n{output}"));
    assert!(line["timestamp"].is_string() && line["level"].is_string(), "{line}");

    // Ready, until the database goes away.
    assert_eq!(http.get(server.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    remove_database(&database_url).await;
    let started = std::time::Instant::now();
    loop {
        let status = http.get(server.url("/readyz")).send().await.unwrap().status();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "still ready without a database: {status}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Takes the database away: a SQLite file is deleted, a PostgreSQL database dropped.
async fn remove_database(database_url: &str) {
    if let Some(path) = database_url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        return;
    }
    let (base, name) = database_url.rsplit_once('/').unwrap();
    let pool = sqlx::AnyPool::connect(&format!("{base}/postgres")).await.unwrap();
    sqlx::query(&format!("drop database {name} with (force)")).execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn readiness_turns_off_while_draining() {
    let app = crate::support::TestApp::new().await;
    let ready = || axum::http::Request::get("/readyz").body(axum::body::Body::empty()).unwrap();
    assert_eq!(app.send(ready()).await.status, axum::http::StatusCode::OK);
    app.state.draining.begin();
    let draining = app.send(ready()).await;
    assert_eq!(draining.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(draining.body.as_str(), Some("not ready: shutting down"));
    // Liveness is another question: the process still answers.
    let live = app.send(axum::http::Request::get("/healthz").body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(live.status, axum::http::StatusCode::OK);
}
