//! Secrets a client sends — passwords in every form SCIM allows, tokens in the query, a
//! break-glass link — reach neither the database (every file of it, or every row) nor the
//! server's output at debug level, whatever becomes of the request.

use reqwest::{Method, StatusCode};
use scimhub::db::{Db, Dialect};
use serde_json::{json, Value};
use sqlx::Row;

use crate::process::{client, provision, Server};
use crate::support::fresh_database_url;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn patch(operations: Value) -> Value {
    json!({ "schemas": [PATCH_OP], "Operations": operations })
}

/// Every text of every row of every table (PostgreSQL, where the files are not ours to read).
async fn all_rows_as_text(db: &Db) -> String {
    let tables: Vec<String> = sqlx::query(
        "select cast(table_name as text) as table_name from information_schema.tables \
         where table_schema = 'public' and table_type = 'BASE TABLE'",
    )
    .fetch_all(db.reader())
    .await
    .unwrap()
    .iter()
    .map(|row| row.get("table_name"))
    .collect();
    assert!(tables.iter().any(|t| t == "provisioning_log"), "{tables:?}");
    let mut text = String::new();
    for table in tables {
        let rows = sqlx::query(&format!("select cast(t as text) as line from \"{table}\" t"))
            .fetch_all(db.reader())
            .await
            .unwrap();
        rows.iter().for_each(|row| text.push_str(&format!("{}\n", row.get::<String, _>("line"))));
    }
    text
}

#[tokio::test]
async fn secrets_reach_neither_the_database_nor_the_output() {
    let database_url = fresh_database_url().await;
    let (tenant_id, token) = provision(&database_url, "redact").await;
    let mut server = Server::start_with_env(&database_url, &[], &[("RUST_LOG", "debug")]);
    server.wait_ready().await;
    let http = client();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut secrets = Vec::new();
    let mut secret = || {
        secrets.push(format!("Sekret{}x{run}", secrets.len()));
        secrets.last().unwrap().clone()
    };
    let scim = |method: Method, path: &str| {
        http.request(method, server.scim_url("redact", path))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
    };
    let send = |request: reqwest::RequestBuilder, body: Value| async move {
        let request = if body.is_null() { request } else { request.body(body.to_string()) };
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json::<Value>().await.unwrap_or(Value::Null))
    };

    // Create, then set the password by every PATCH form.
    let created = json!({ "schemas": [USER], "userName": "alice@example.com", "password": secret() });
    let (status, user) = send(scim(Method::POST, "/Users"), created).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    let user_path = format!("/Users/{id}");
    let forms = [
        json!({ "op": "replace", "path": "password", "value": secret() }),
        json!({ "op": "Add", "path": "PASSWORD", "value": secret() }),
        json!({ "op": "replace", "path": format!("{USER}:password"), "value": secret() }),
        json!({ "op": "replace", "value": { "password": secret() } }),
        json!({ "op": "add", "value": { format!("{USER}:password"): secret() } }),
    ];
    for form in forms {
        let (status, body) = send(scim(Method::PATCH, &user_path), patch(json!([form]))).await;
        assert!(status.is_success(), "{status} {body}");
    }
    let put = json!({ "schemas": [USER], "userName": "alice@example.com", USER: { "Password": secret() } });
    let (status, body) = send(scim(Method::PUT, &user_path), put).await;
    assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status} {body}");

    // Failures: a wrong version (412), a malformed operation after the password (400).
    let stale = scim(Method::PATCH, &user_path).header("if-match", "W/\"999\"");
    let (status, body) = send(stale, patch(json!([{ "op": "replace", "path": "password", "value": secret() }]))).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    let bad = patch(json!([{ "op": "replace", "path": "password", "value": secret() }, { "op": "explode" }]));
    let (status, body) = send(scim(Method::PATCH, &user_path), bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Bulk: a creation, a PATCH, and a PATCH that fails.
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            { "method": "POST", "path": "/Users", "bulkId": "b", "data": { "schemas": [USER], "userName": "bob@example.com", "password": secret() } },
            { "method": "PATCH", "path": user_path, "data": patch(json!([{ "op": "replace", "path": "password", "value": secret() }])) },
            { "method": "PATCH", "path": "/Users/missing", "data": patch(json!([{ "op": "replace", "path": "Password", "value": secret() }])) },
            // Not a bulk path; the error quotes it.
            { "method": "DELETE", "path": format!("/Users?filter=password eq \"{}\"", secret()) },
        ],
    });
    let (status, body) = send(scim(Method::POST, "/Bulk"), bulk).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["Operations"][2]["status"], "404", "{body}");
    assert_eq!(body["Operations"][3]["status"], "400", "{body}");

    // Secrets in the query, and filters comparing the password (one unquoted: a 400 that
    // quotes the value).
    for key in ["access_token", "token", "client_secret", "Refresh_Token"] {
        let (status, _) = send(scim(Method::GET, &format!("/Users?{key}={}&count=1", secret())), Value::Null).await;
        assert_eq!(status, StatusCode::OK);
    }
    let quoted = format!("/Users?filter=password%20eq%20%22{}%22", secret());
    let (status, body) = send(scim(Method::GET, &quoted), Value::Null).await;
    assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status} {body}");
    let bare = format!("/Users?filter=password+eq+{}", secret());
    let (status, body) = send(scim(Method::GET, &bare), Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    for path in ["/Users/.search", "/.search"] {
        let search = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": format!("userName eq \"x\" or PASSWORD eq \"{}\"", secret()),
        });
        let (status, body) = send(scim(Method::POST, path), search).await;
        assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status} {body}");
    }
    // Unauthenticated: logged as a 401 with its path.
    let refused =
        http.get(server.scim_url("redact", &format!("/Users?access_token={}", secret()))).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // A break-glass link (invalid, but its token is as secret as a valid one).
    let no_redirects = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build();
    let link = no_redirects.unwrap().get(server.url(&format!("/auth/link/{}", secret()))).send().await.unwrap();
    let location = link.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert!(location.contains("link_invalid"), "{} {location}", link.status());

    server.stop().await;
    let output = server.output();
    assert!(output.contains("/auth/link/[redacted]"), "the request spans are not at debug level:\n{output}");

    let db = Db::connect(&database_url).await.unwrap();
    let count = |sql: &'static str| {
        let (db, tenant_id) = (&db, &tenant_id);
        async move { sqlx::query(sql).bind(tenant_id).fetch_one(db.reader()).await.unwrap().get::<i64, _>(0) }
    };
    let rows = count("select count(*) from provisioning_log where tenant_id = $1").await;
    assert!(rows >= 23, "only {rows} log rows");
    let redacted_bodies =
        count("select count(*) from provisioning_log where tenant_id = $1 and request_excerpt like '%[redacted]%'")
            .await;
    assert!(redacted_bodies >= 15, "only {redacted_bodies} request excerpts say [redacted]");
    let redacted_paths =
        count("select count(*) from provisioning_log where tenant_id = $1 and path like '%[redacted]%'").await;
    assert!(redacted_paths >= 8, "only {redacted_paths} paths say [redacted]");

    let stored: Vec<(String, Vec<u8>)> = match db.dialect() {
        Dialect::Postgres => vec![("every row".to_owned(), all_rows_as_text(&db).await.into_bytes())],
        Dialect::Sqlite => {
            let file = database_url.strip_prefix("sqlite://").unwrap();
            let dir = std::path::Path::new(file).parent().unwrap();
            std::fs::read_dir(dir)
                .unwrap()
                .map(|entry| {
                    let path = entry.unwrap().path();
                    (path.display().to_string(), std::fs::read(&path).unwrap())
                })
                .collect()
        }
    };
    db.close().await;
    assert!(!stored.is_empty());
    for secret in &secrets {
        assert!(!output.contains(secret.as_str()), "{secret} in the server's output:\n{output}");
        for (name, bytes) in &stored {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{secret} in {name}");
        }
    }
}
