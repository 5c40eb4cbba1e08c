//! The administration API's contract: the OpenAPI document against live answers, every
//! documented operation routed, and — against a real server process — the CLI's tokens and the
//! onboarding script of docs/api.md, run as it stands there.

use std::process::Command;

use axum::http::{Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::{json, Value};

use crate::admin_api::{call, platform_token};
use crate::process::{client, run_cli, Server};
use crate::support::{entra_user, fresh_database_url, TestApp};

/// `schema` as a validator whose `$ref`s resolve in the document's components. Object schemas
/// are closed (`additionalProperties: false`), so an undocumented member fails too — except
/// those composed with `allOf`, which a closed part would refuse.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut components = doc["components"].clone();
    let composed: Vec<String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| s["allOf"].as_array().cloned().unwrap_or_default())
        .filter_map(|part| part["$ref"].as_str().map(|r| r.rsplit('/').next().unwrap_or_default().to_owned()))
        .collect();
    for (name, schema) in components["schemas"].as_object_mut().unwrap() {
        if schema.get("properties").is_some() && !composed.contains(name) {
            schema["additionalProperties"] = json!(false);
        }
    }
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": components,
        "allOf": [schema],
    });
    jsonschema::validator_for(&root).unwrap()
}

/// Asserts that `body` is what the document says `method path` answers with `status`.
fn assert_documented(doc: &Value, method: &str, path: &str, status: &str, body: &Value) {
    let response = &doc["paths"][path][method]["responses"];
    let schema = match response.get(status) {
        Some(r) => r["content"]["application/json"]["schema"].clone(),
        None => response["4XX"]["content"]["application/problem+json"]["schema"].clone(),
    };
    assert!(!schema.is_null(), "{method} {path} documents no {status} body");
    let errors: Vec<String> =
        validator(doc, &schema).iter_errors(body).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{method} {path} {status}: {errors:?}\n{body:#}");
}

#[tokio::test]
async fn the_openapi_document_describes_every_live_answer_and_every_operation_is_routed() {
    let app = TestApp::new().await;
    let acme = app.tenant("acme", Profile::Azure).await;
    let token = platform_token(&app).await;
    let user = app.scim(&acme, Method::POST, "/Users", Some(&entra_user("adele@acme.test", "e-1"))).await;
    let user_id = user.body["id"].as_str().unwrap().to_owned();
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Sales", "members": [{ "value": user_id }] });
    let group = app.scim(&acme, Method::POST, "/Groups", Some(&group.to_string())).await;
    assert_eq!(group.status, StatusCode::CREATED);
    let group_id = group.body["id"].as_str().unwrap().to_owned();

    let doc = call(&app, None, Method::GET, "/openapi.json", None).await.body;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/admin/api/v1");
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");

    // Changes first, so that the reads below have something to show.
    let writes = [
        ("post", "/tenants", "/tenants".to_owned(), json!({ "name": "initech", "profile": "generic" }), "201"),
        (
            "post",
            "/tenants/{tenant}/mappers",
            "/tenants/acme/mappers".to_owned(),
            json!({ "name": "dept", "userAttribute": "department", "claim": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "jsonType": "String" }),
            "201",
        ),
        (
            "post",
            "/tenants/{tenant}/mappers/entra-defaults",
            "/tenants/acme/mappers/entra-defaults".to_owned(),
            Value::Null,
            "200",
        ),
        (
            "post",
            "/tenants/{tenant}/secrets/{kind}",
            "/tenants/acme/secrets/clientSecret".to_owned(),
            json!({ "graceSeconds": 3600 }),
            "201",
        ),
        (
            "post",
            "/api-tokens",
            "/api-tokens".to_owned(),
            json!({ "name": "ci", "tenants": ["acme"], "expiresDays": 7 }),
            "201",
        ),
        (
            "post",
            "/tenants/{tenant}/admins",
            "/tenants/acme/admins".to_owned(),
            json!({ "kind": "email", "principal": "ops@acme.test", "readOnly": true }),
            "200",
        ),
        (
            "put",
            "/tenants/{tenant}/log-retention",
            "/tenants/acme/log-retention".to_owned(),
            json!({ "days": 90, "rows": null }),
            "200",
        ),
        ("patch", "/tenants/{tenant}", "/tenants/initech".to_owned(), json!({ "disabled": true }), "200"),
        (
            "delete",
            "/tenants/{tenant}/secrets/{kind}",
            "/tenants/acme/secrets/clientSecret".to_owned(),
            Value::Null,
            "200",
        ),
        (
            "post",
            "/tenants/{tenant}/applications",
            "/tenants/acme/applications".to_owned(),
            json!({ "name": "hooks", "kind": "webhook", "url": "http://127.0.0.1:9/hook" }),
            "201",
        ),
        (
            "post",
            "/tenants/{tenant}/applications",
            "/tenants/acme/applications".to_owned(),
            json!({ "name": "crm", "kind": "scim", "url": "http://127.0.0.1:9/scim/v2", "auth": "bearer", "secret": "s3cret-for-crm" }),
            "201",
        ),
        (
            "post",
            "/tenants/{tenant}/applications/{name}/{action}",
            "/tenants/acme/applications/hooks/pause".to_owned(),
            Value::Null,
            "200",
        ),
        (
            "put",
            "/tenants/{tenant}/applications/{name}/mapping",
            "/tenants/acme/applications/crm/mapping".to_owned(),
            json!({ "defaults": true }),
            "200",
        ),
        (
            "put",
            "/tenants/{tenant}/alerts",
            "/tenants/acme/alerts".to_owned(),
            json!({ "rules": { "errorRatePercent": 20, "errorWindowMinutes": 15, "errorMinRequests": 10, "silenceHours": 24, "expiryDays": null, "outboundMinutes": null, "emailTo": [] } }),
            "200",
        ),
        // Refusals are documented too.
        ("post", "/tenants", "/tenants".to_owned(), json!({ "name": "initech" }), "400"),
        (
            "put",
            "/tenants/{tenant}/alerts",
            "/tenants/acme/alerts".to_owned(),
            json!({ "rules": { "errorRatePercent": 500, "errorWindowMinutes": 15, "errorMinRequests": 10, "silenceHours": null, "expiryDays": null, "outboundMinutes": null, "emailTo": [] } }),
            "400",
        ),
    ];
    for (method, template, path, body, status) in writes {
        let body = (!body.is_null()).then_some(body);
        let reply =
            call(&app, Some(&token), Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), &path, body).await;
        assert_eq!(reply.status.as_str(), status, "{method} {path}: {:?}", reply.body);
        assert_documented(&doc, method, template, status, &reply.body);
        if status == "400" {
            assert!(reply.body["field"].is_string(), "{method} {path}: {:?}", reply.body);
        }
    }
    let log_id = call(&app, Some(&token), Method::GET, "/tenants/acme/log", None).await.body["rows"][0]["id"].clone();
    let reads = [
        ("/tenants", "/tenants".to_owned()),
        ("/tenants/{tenant}", "/tenants/acme".to_owned()),
        ("/tenants/{tenant}/scim", "/tenants/acme/scim".to_owned()),
        ("/tenants/{tenant}/mappers", "/tenants/acme/mappers".to_owned()),
        ("/tenants/{tenant}/mappers/export", "/tenants/acme/mappers/export".to_owned()),
        ("/tenants/{tenant}/users", "/tenants/acme/users?sort=created&order=desc".to_owned()),
        ("/tenants/{tenant}/users/{id}", format!("/tenants/acme/users/{user_id}")),
        ("/tenants/{tenant}/groups", "/tenants/acme/groups".to_owned()),
        ("/tenants/{tenant}/groups/{id}", format!("/tenants/acme/groups/{group_id}")),
        ("/tenants/{tenant}/groups/{id}/members", format!("/tenants/acme/groups/{group_id}/members")),
        ("/tenants/{tenant}/log", "/tenants/acme/log?last=24h".to_owned()),
        ("/tenants/{tenant}/log/{id}", format!("/tenants/acme/log/{log_id}")),
        ("/tenants/{tenant}/log-retention", "/tenants/acme/log-retention".to_owned()),
        ("/tenants/{tenant}/admins", "/tenants/acme/admins".to_owned()),
        ("/audit", "/audit".to_owned()),
        ("/platform", "/platform".to_owned()),
        ("/api-tokens", "/api-tokens".to_owned()),
        ("/tenants/{tenant}/applications", "/tenants/acme/applications".to_owned()),
        (
            "/tenants/{tenant}/applications/{name}/preview",
            "/tenants/acme/applications/crm/preview?user=adele@acme.test".to_owned(),
        ),
        ("/tenants/{tenant}/alerts", "/tenants/acme/alerts".to_owned()),
    ];
    for (template, path) in reads {
        let reply = call(&app, Some(&token), Method::GET, &path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {:?}", reply.body);
        assert_documented(&doc, "get", template, "200", &reply.body);
    }
    // The check itself can fail: an undocumented member, a missing one, a wrong type.
    let page = call(&app, Some(&token), Method::GET, "/tenants", None).await.body;
    let schema = doc["paths"]["/tenants"]["get"]["responses"]["200"]["content"]["application/json"]["schema"].clone();
    let check = validator(&doc, &schema);
    assert!(check.is_valid(&page));
    let mut extra = page.clone();
    extra["rows"][0]["colour"] = json!("red");
    let mut missing = page.clone();
    missing["rows"][0].as_object_mut().unwrap().remove("name");
    let mut wrong = page.clone();
    wrong["total"] = json!("many");
    for broken in [extra, missing, wrong] {
        assert!(!check.is_valid(&broken), "{broken:#}");
    }

    // Every documented operation is routed: without a token, each is refused for that, not
    // answered "no such operation".
    let mut operations = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = template
            .replace("{tenant}", "acme")
            .replace("{kind}", "bearer")
            .replace("{id}", "1")
            .replace("{name}", "hooks")
            .replace("{action}", "test");
        for method in item.as_object().unwrap().keys() {
            let reply =
                call(&app, None, Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), &path, None).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {template}: {:?}", reply.body);
            assert_documented(&doc, method, template, "401", &reply.body);
            operations += 1;
        }
    }
    assert!(operations >= 35, "{operations} operations documented");
}

/// The onboarding script between the markers in docs/api.md.
fn onboarding_script() -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md")).unwrap();
    let block =
        doc.split("<!-- onboarding-script -->").nth(1).unwrap().split("<!-- /onboarding-script -->").next().unwrap();
    block.trim().trim_start_matches("```bash").trim_end_matches("```").to_owned()
}

#[tokio::test]
async fn the_cli_makes_tokens_and_the_documented_onboarding_script_works_against_a_server() {
    let database_url = fresh_database_url().await;
    let key = std::env::temp_dir().join(format!("scimhub-api-{}.key", uuid::Uuid::new_v4().simple()));
    let key = key.to_string_lossy().into_owned();
    let mut server = Server::start_with_env(&database_url, &[], &[("SCIMHUB_SECRET_KEY_FILE", &key)]);
    server.wait_ready().await;

    let (ok, out, err) = run_cli(
        &database_url,
        &key,
        &["api-token", "create", "--name", "onboarding", "--platform", "--expires-days", "1"],
        None,
    );
    assert!(ok, "{err}");
    let token = out.lines().last().unwrap().to_owned();
    assert!(token.starts_with("scimhub_api_"), "{out}");
    let (ok, _, err) =
        run_cli(&database_url, &key, &["api-token", "create", "--name", "x", "--tenant", "nobody"], None);
    assert!(!ok && err.contains("--tenant") && err.contains("nobody"), "{err}");

    let script = onboarding_script();
    let run = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("SCIMHUB_URL", server.url(""))
        .env("SCIMHUB_API_TOKEN", &token)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "the script failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("7 mappers created"), "{stdout}");
    assert!(stdout.contains(&server.url("/realms/contoso/scim/v2")), "{stdout}");
    let user: Value =
        serde_json::from_str(stdout.split("(give it to Entra ID with the Secret Token)").nth(1).unwrap().trim())
            .unwrap();
    assert_eq!((user["userName"].as_str(), user["active"].as_bool()), (Some("adele@contoso.com"), Some(true)));

    // The token's use shows in the list; revoked, it stops working at once.
    let (ok, out, _) = run_cli(&database_url, &key, &["api-token", "list", "--json"], None);
    assert!(ok);
    let listed: Value = serde_json::from_str(&out).unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert!(listed[0]["lastUsedAt"].is_string() && !out.contains(&token), "{out}");
    let (ok, _, err) = run_cli(&database_url, &key, &["api-token", "revoke", &id], None);
    assert!(ok, "{err}");
    let refused = client().get(server.url("/admin/api/v1/tenants")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    server.stop().await;
}
