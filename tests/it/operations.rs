//! Issue 6: the retention of the provisioning log (preview, pruning by age and by count, per
//! tenant, validation) and the onboarding checklist turning green as an Entra-like client works.

use app::backend::{ManagementBackend, MappingBackend, OperationsBackend};
use app::dto::{AdminIdentity, Checklist, FormOutcome, SignInMethod};
use app::AppError;
use axum::http::{Method, StatusCode};
use scimhub::admin::Backend;
use scimhub::db::log::NewLogEntry;
use scimhub::db::log_retention::{self, Retention};
use scimhub::tenant::Profile;
use serde_json::json;

use crate::support::{entra_user, TestApp, TestClock, TestTenant};

const NOW_MS: i64 = 1_800_000_000_000;
const DAY_MS: i64 = 86_400_000;

fn platform_admin() -> AdminIdentity {
    let mut admin = AdminIdentity::new("sub-plat".into(), Some("plat@msp.test".into()), None, SignInMethod::Oidc);
    admin.platform_admin = true;
    admin
}

/// Appends `n` rows to the tenant's log, one a day, the newest `newest_days_ago` days old.
async fn seed(app: &TestApp, t: &TestTenant, n: i64, newest_days_ago: i64) {
    for i in (0..n).rev() {
        let entry = NewLogEntry {
            tenant_id: t.id.clone(),
            occurred_at: NOW_MS - (newest_days_ago + i) * DAY_MS,
            method: "GET".into(),
            path: format!("/Users?row={i}"),
            operation: "list".into(),
            status: 200,
            ..NewLogEntry::default()
        };
        scimhub::db::log::append(&mut app.state.db.writer().acquire().await.unwrap(), &entry).await.unwrap();
    }
}

async fn rows(app: &TestApp, t: &TestTenant) -> usize {
    app.log(t).await.len()
}

#[tokio::test]
async fn retention_previews_and_prunes_by_age_and_by_count_per_tenant() {
    let app = TestApp::with_clock(TestClock::at(NOW_MS)).await;
    let t = app.tenant("acme", Profile::Generic).await;
    let other = app.tenant("globex", Profile::Generic).await;
    seed(&app, &t, 40, 0).await; // 0..39 days old
    seed(&app, &other, 40, 0).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();

    let current = backend.log_retention(&admin, &t.name).await.unwrap();
    assert_eq!((current.days, current.rows, current.prunable), (None, None, 0));
    // 30 days keeps the rows up to 30 days old; the 9 older go.
    assert_eq!(backend.preview_log_retention(&admin, &t.name, Some(30), None).await, Ok(9));
    // The larger of the two cuts wins: at most 1,000 rows removes nothing here, 5 days 34.
    assert_eq!(backend.preview_log_retention(&admin, &t.name, Some(5), Some(1_000)).await, Ok(34));
    assert_eq!(rows(&app, &t).await, 40, "a preview removes nothing");

    let saved = backend.set_log_retention(&admin, None, &t.name, Some(30), None).await.unwrap();
    assert_eq!((saved.days, saved.rows, saved.prunable), (Some(30), None, 9));
    // Pruning runs in the background after saving; run it to completion here.
    scimhub::provisioning::retention::prune_all(&app.state).await.unwrap();
    let kept = app.log(&t).await;
    assert_eq!(kept.len(), 31);
    assert!(kept.iter().all(|r| r.occurred_at >= NOW_MS - 30 * DAY_MS));
    assert_eq!(rows(&app, &other).await, 40, "another tenant's log is untouched");
    assert_eq!(backend.log_retention(&admin, &t.name).await.unwrap().prunable, 0);

    // By count, in batches smaller than what goes: the newest 1,000 of 1,030 stay.
    seed(&app, &other, 990, 100).await;
    let by_count = Retention { days: None, rows: Some(1_000) };
    assert_eq!(log_retention::prunable(&app.state.db, &other.id, by_count, NOW_MS).await.unwrap(), 30);
    assert_eq!(log_retention::prune(&app.state.db, &other.id, by_count, NOW_MS, 7).await.unwrap(), 30);
    let kept = app.log(&other).await;
    assert_eq!(kept.len(), 1_000);
    // The newest rows stay: the 40 seeded first were newer than the 990 seeded after them,
    // and the log order is by id, so the 30 oldest ids (the first seeded) are gone.
    assert!(kept.iter().any(|r| r.path == "/Users?row=0"));

    // The audit trail records the change in words.
    let audit = backend.audit_page(&admin, Some(&t.name), "", None).await.unwrap();
    let summaries: Vec<&str> = audit.rows.iter().map(|r| r.summary.as_str()).collect();
    assert!(summaries.contains(&"Set the provisioning log retention to 30 days, no count limit"), "{summaries:?}");
}

#[tokio::test]
async fn retention_refuses_out_of_range_values_and_keeps_the_setting() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    backend.set_log_retention(&admin, None, &t.name, Some(90), None).await.unwrap();
    for (days, rows, field) in [(Some(0), None, "days"), (Some(3651), None, "days"), (None, Some(999), "rows")] {
        let answer = FormOutcome::of(backend.set_log_retention(&admin, None, &t.name, days, rows).await).unwrap();
        let FormOutcome::Refused { field: f, message } = answer else { panic!("{days:?} {rows:?} was saved") };
        assert_eq!(f, field, "{message}");
        let preview = backend.preview_log_retention(&admin, &t.name, days, rows).await;
        assert!(matches!(preview, Err(AppError::InvalidField(ref f, _)) if f == field), "{preview:?}");
    }
    let current = backend.log_retention(&admin, &t.name).await.unwrap();
    assert_eq!((current.days, current.rows), (Some(90), None));
    // Removing both limits keeps everything again.
    let none = backend.set_log_retention(&admin, None, &t.name, None, None).await.unwrap();
    assert_eq!((none.days, none.rows), (None, None));
}

fn state_of(checklist: &Checklist) -> Vec<(&str, bool)> {
    checklist.items.iter().map(|i| (i.key.as_str(), i.done)).collect()
}

fn item<'a>(checklist: &'a Checklist, key: &str) -> &'a app::dto::ChecklistItem {
    checklist.items.iter().find(|i| i.key == key).unwrap()
}

#[tokio::test]
async fn the_onboarding_checklist_turns_green_as_an_entra_like_client_provisions_a_pilot() {
    let clock = TestClock::at(NOW_MS);
    let app = TestApp::with_clock(clock.clone()).await;
    let t = app.tenant("contoso", Profile::Azure).await;
    let backend = Backend::new(app.state.clone());
    let admin = platform_admin();
    let check = || async { backend.onboarding_checklist(&admin, &t.name).await.unwrap() };

    let c = check().await;
    assert_eq!(
        state_of(&c),
        [
            ("enabled", true),
            ("mappers", false),
            ("first_request", false),
            ("pilot_user", false),
            ("deactivation", false),
            ("no_errors", false)
        ]
    );
    assert_eq!(item(&c, "mappers").link.as_deref(), Some("/tenants/contoso/integrations/scim/mappers"));

    backend.apply_azure_defaults(&admin, None, &t.name).await.unwrap();
    assert!(item(&check().await, "mappers").done);

    // Entra's Test Connection: a lookup of a random userName; a wrong token does not count.
    let lookup = "/Users?filter=userName%20eq%20%22f1d2c3b4-random%22";
    assert_eq!(app.scim_as(&t.name, Some("wrong"), Method::GET, lookup, None).await.status, StatusCode::UNAUTHORIZED);
    assert!(!item(&check().await, "first_request").done);
    assert_eq!(app.scim(&t, Method::GET, lookup, None).await.status, StatusCode::OK);
    let c = check().await;
    let first = item(&c, "first_request");
    assert!(first.done && first.evidence.contains("filter="), "{first:?}");
    assert!(first.link.as_deref().unwrap().starts_with("/tenants/contoso/log?before="));
    // The refused token is an error of the last hour (a wrong secret in the provider shows up
    // here), and no longer counts an hour later.
    let errors = item(&c, "no_errors");
    assert!(!errors.done && errors.evidence.starts_with("1 failed request(s)"), "{errors:?}");
    clock.advance_ms(61 * 60_000);
    assert!(item(&check().await, "no_errors").done);

    // The pilot user, then its deactivation (Entra sends a string boolean).
    let created = app.scim(&t, Method::POST, "/Users", Some(&entra_user("pilot@contoso.test", "ext-1"))).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let c = check().await;
    assert!(item(&c, "pilot_user").evidence.contains("pilot@contoso.test"));
    assert!(!item(&c, "deactivation").done);
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{ "op": "Replace", "path": "active", "value": "False" }]
    })
    .to_string();
    assert_eq!(app.scim(&t, Method::PATCH, &format!("/Users/{id}"), Some(&patch)).await.status, StatusCode::OK);
    let c = check().await;
    assert!(c.complete(), "{:?}", state_of(&c));

    // An error from the identity provider turns the last step red, linking to it.
    let again = app.scim(&t, Method::POST, "/Users", Some(&entra_user("pilot@contoso.test", "ext-2"))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let c = check().await;
    let errors = item(&c, "no_errors");
    assert!(!errors.done && errors.evidence.starts_with("1 failed request(s)"), "{errors:?}");
    assert!(errors.link.is_some());
}
