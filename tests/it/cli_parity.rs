//! The dashboard's actions on the command line (`mapper`, `user`, `group`, `log export`,
//! `audit list`, `tenant rename`): the same backend, so the same checks, log rows and audit.

use axum::http::{Method, StatusCode};
use scimhub::tenant::Profile;
use serde_json::Value;

use crate::process::run_cli;
use crate::support::{entra_user, fresh_database_url};

/// Runs the CLI, asserting it succeeds; its stdout.
fn cli(database_url: &str, key: &str, args: &[&str], stdin: Option<&str>) -> String {
    let (ok, out, err) = run_cli(database_url, key, args, stdin);
    assert!(ok, "scimhub {args:?} failed: {err}");
    out
}

#[tokio::test]
async fn every_dashboard_action_has_a_command_with_table_or_json_output() {
    let database_url = fresh_database_url().await;
    let key = std::env::temp_dir().join(format!("scimhub-cli-{}.key", uuid::Uuid::new_v4().simple()));
    let key = key.to_string_lossy().into_owned();
    // A user provisioned through SCIM first, in process, on the same database.
    let db = scimhub::db::Db::connect(&database_url).await.unwrap();
    let now = i64::try_from(std::time::UNIX_EPOCH.elapsed().unwrap().as_millis()).unwrap();
    scimhub::db::tenant::insert(&db, "acme", Profile::Azure, now).await.unwrap();
    scimhub::db::tenant::insert(&db, "globex", Profile::Generic, now).await.unwrap();
    db.close().await;
    let app = crate::support::TestApp::with_config(|c| c.database.database_url = database_url.clone()).await;
    let secret = scimhub::secret::Secret::generate("scimhub_");
    let acme = scimhub::db::tenant::by_name(&app.state.db, "acme").await.unwrap().unwrap();
    scimhub::db::credential::rotate_bearer(&app.state.db, &acme.id, &secret.hash(), 0).await.unwrap();
    let tenant = crate::support::TestTenant { name: "acme".into(), id: acme.id.clone(), token: secret.expose().into() };
    let created = app.scim(&tenant, Method::POST, "/Users", Some(&entra_user("adele@acme.test", "e-1"))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let user_id = created.body["id"].as_str().unwrap().to_owned();
    app.state.flush_logs().await;

    // Mappers: Entra's defaults, a table, export → import into another tenant, add, remove.
    assert!(cli(&database_url, &key, &["mapper", "apply-entra-defaults", "acme"], None).contains("Created 7 mapper(s)"));
    let table = cli(&database_url, &key, &["mapper", "list", "acme"], None);
    assert!(table.starts_with("NAME") && table.contains("firstName") && table.contains("name.givenName"), "{table}");
    let exported = cli(&database_url, &key, &["mapper", "export", "acme"], None);
    assert_eq!(serde_json::from_str::<Value>(&exported).unwrap().as_array().unwrap().len(), 7);
    assert!(
        cli(&database_url, &key, &["mapper", "import", "globex", "--replace"], Some(&exported)).contains("Imported 7")
    );
    cli(
        &database_url,
        &key,
        &["mapper", "add", "globex", "--name", "dept", "--user-attribute", "department", "--claim", "title"],
        None,
    );
    let listed: Value =
        serde_json::from_str(&cli(&database_url, &key, &["mapper", "list", "globex", "--json"], None)).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 8);
    cli(&database_url, &key, &["mapper", "remove", "globex", "dept"], None);
    // Refusals name the field, and change nothing.
    let (ok, _, err) = run_cli(
        &database_url,
        &key,
        &["mapper", "add", "globex", "--name", "x", "--user-attribute", "y", "--claim", "bad!"],
        None,
    );
    assert!(!ok && err.contains("claim:"), "{err}");
    let (ok, _, err) = run_cli(&database_url, &key, &["mapper", "list", "Globex"], None);
    assert!(!ok && err.contains("did you mean \"globex\""), "{err}");
    let listed: Value =
        serde_json::from_str(&cli(&database_url, &key, &["mapper", "list", "globex", "--json"], None)).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 7);

    // Users: a filtered list, one user, deactivated by hand through the SCIM core.
    let users: Value = serde_json::from_str(&cli(
        &database_url,
        &key,
        &["user", "list", "acme", "--filter", "userName eq \"adele@acme.test\"", "--json"],
        None,
    ))
    .unwrap();
    assert_eq!(users[0]["id"], user_id.as_str());
    let (ok, _, err) = run_cli(&database_url, &key, &["user", "list", "acme", "--filter", "userName eq"], None);
    assert!(!ok && err.contains("--filter"), "{err}");
    let detail: Value =
        serde_json::from_str(&cli(&database_url, &key, &["user", "show", "acme", &user_id], None)).unwrap();
    assert_eq!(detail["userName"], "adele@acme.test");
    assert!(detail["internal"].as_array().unwrap().iter().any(|a| a["name"] == "firstName"), "{detail:#}");
    cli(&database_url, &key, &["user", "deactivate", "acme", &user_id], None);
    let read = app.scim(&tenant, Method::GET, &format!("/Users/{user_id}"), None).await;
    assert_eq!(read.body["active"], false);
    let table = cli(&database_url, &key, &["user", "list", "acme", "--status", "deactivated"], None);
    assert!(table.contains("adele@acme.test") && table.contains("deactivated"), "{table}");
    let groups = cli(&database_url, &key, &["group", "list", "acme", "--json"], None);
    assert_eq!(serde_json::from_str::<Value>(&groups).unwrap(), serde_json::json!([]));

    // The log has the identity provider's create and the manual deactivation.
    let log: Value =
        serde_json::from_str(&cli(&database_url, &key, &["log", "export", "acme", "--format", "json"], None)).unwrap();
    let operations: Vec<&str> = log.as_array().unwrap().iter().filter_map(|r| r["operation"].as_str()).collect();
    assert!(operations.contains(&"create") && operations.contains(&"deactivate"), "{operations:?}");
    let csv = cli(&database_url, &key, &["log", "export", "acme", "--op", "deactivate"], None);
    assert_eq!(csv.lines().count(), 2, "{csv}");

    // The log's retention: set, shown, refused out of range.
    let kept = cli(&database_url, &key, &["log", "retention", "acme", "--days", "30"], None);
    assert!(kept.contains("for 30 days, no count limit"), "{kept}");
    let kept = cli(&database_url, &key, &["log", "retention", "acme", "--rows", "5000"], None);
    assert!(kept.contains("for 30 days, the newest 5000 rows"), "{kept}");
    let (ok, _, err) = run_cli(&database_url, &key, &["log", "retention", "acme", "--days", "0"], None);
    assert!(!ok && err.contains("days:"), "{err}");

    // A rotation with a grace period, then the grace ended by hand: the old secret stops at once.
    let rotated = cli(&database_url, &key, &["secret", "rotate", "acme", "--grace", "3600"], None);
    let new_token = rotated.lines().last().unwrap().to_owned();
    assert_eq!(app.scim(&tenant, Method::GET, "/Users?count=1", None).await.status, StatusCode::OK);
    let now = i64::try_from(std::time::UNIX_EPOCH.elapsed().unwrap().as_millis()).unwrap();
    let active = scimhub::db::credential::list_active(&app.state.db, &acme.id, now).await.unwrap();
    let superseded = active.iter().find(|c| c.expires_at.is_some()).unwrap().id.clone();
    cli(&database_url, &key, &["secret", "end-grace", "acme", &superseded], None);
    assert_eq!(app.scim(&tenant, Method::GET, "/Users?count=1", None).await.status, StatusCode::UNAUTHORIZED);
    let renewed = crate::support::TestTenant { token: new_token, ..tenant };
    assert_eq!(app.scim(&renewed, Method::GET, "/Users?count=1", None).await.status, StatusCode::OK);

    cli(&database_url, &key, &["tenant", "rename", "acme", "Acme Corp"], None);
    let audit: Value =
        serde_json::from_str(&cli(&database_url, &key, &["audit", "list", "--tenant", "acme", "--json"], None))
            .unwrap();
    let actions: Vec<&str> = audit.as_array().unwrap().iter().filter_map(|r| r["action"].as_str()).collect();
    for action in
        ["mapper.azure_defaults", "user.deactivate", "tenant.rename", "log_retention.update", "scim_secret.end_grace"]
    {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
    assert!(audit[0]["actor"].as_str().unwrap().starts_with("cli:"), "{audit:#}");
}
