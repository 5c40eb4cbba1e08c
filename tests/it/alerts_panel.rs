//! *Settings → Alerts*: its backend (`scimhub::admin::Backend`) as the server functions call it —
//! refusals next to their field with nothing stored, rights per tenant, the webhook URL stored
//! sealed and shown by its origin only, its signing secret returned once, every change audited
//! — and the open alerts on the tenant's overview and the tenants page.

use app::backend::{AdminBackend, AlertsBackend, ManagementBackend};
use app::dto::{alert_fields as fields, AdminIdentity, AlertRules, SignInMethod, WebhookEdit};
use app::AppError;
use scimhub::admin::Backend;
use scimhub::alerts::Rule;
use scimhub::db::{alert, audit};
use scimhub::tenant::Profile;

use crate::support::TestApp;

fn admin(tenants: &[&str], read_only: &[&str]) -> AdminIdentity {
    AdminIdentity {
        subject: "sub-nora".into(),
        email: Some("nora@example.test".into()),
        name: Some("Nora".into()),
        platform_admin: false,
        tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
        read_only_tenants: read_only.iter().map(|t| (*t).to_owned()).collect(),
        claim_values: Vec::new(),
        via: SignInMethod::Oidc,
        read_only: false,
    }
}

fn rules() -> AlertRules {
    AlertRules {
        error_rate_percent: Some(20),
        error_window_minutes: 15,
        error_min_requests: 10,
        silence_hours: Some(24),
        expiry_days: None,
        outbound_minutes: None,
        email_to: vec!["noc@example.com".into()],
    }
}

fn refused_field(result: Result<impl std::fmt::Debug, AppError>) -> String {
    match result {
        Err(AppError::InvalidField(field, _)) => field,
        other => panic!("expected a refused field, got {other:?}"),
    }
}

const HOOK: &str = "https://hooks.slack.example/services/T000/B000/very-secret-token";

#[tokio::test]
async fn alert_settings_are_checked_sealed_audited_and_per_tenant() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    app.tenant("other", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let nora = admin(&["acme"], &[]);

    // Nothing set yet: the defaults, no webhook, no alert.
    let panel = backend.alert_panel(&nora, "acme").await.unwrap();
    assert!(!panel.configured && panel.webhook_origin.is_none() && panel.alerts.is_empty());
    assert!(!panel.smtp_configured, "the test server has no SMTP relay");

    // Refusals name their field, and nothing is stored.
    let zero = AlertRules { error_rate_percent: Some(0), ..rules() };
    assert_eq!(
        refused_field(backend.save_alerts(&nora, None, "acme", zero, WebhookEdit::Keep).await),
        fields::ERROR_RATE
    );
    let silence = AlertRules { silence_hours: Some(0), ..rules() };
    assert_eq!(
        refused_field(backend.save_alerts(&nora, None, "acme", silence, WebhookEdit::Keep).await),
        fields::SILENCE
    );
    let window = AlertRules { error_window_minutes: 0, ..rules() };
    assert_eq!(
        refused_field(backend.save_alerts(&nora, None, "acme", window, WebhookEdit::Keep).await),
        fields::ERROR_WINDOW
    );
    let email = AlertRules { email_to: vec!["noc at example".into()], ..rules() };
    assert_eq!(refused_field(backend.save_alerts(&nora, None, "acme", email, WebhookEdit::Keep).await), fields::EMAIL);
    let ftp = WebhookEdit::Set("ftp://hooks.example/x".into());
    assert_eq!(refused_field(backend.save_alerts(&nora, None, "acme", rules(), ftp).await), fields::WEBHOOK);
    let creds = WebhookEdit::Set("https://u:p@hooks.example/x".into());
    assert_eq!(refused_field(backend.save_alerts(&nora, None, "acme", rules(), creds).await), fields::WEBHOOK);
    assert!(alert::settings(&app.state.db, &t.id).await.unwrap().is_none(), "a refused save stored something");

    // Rights: another tenant is not found, a read-only one forbidden; neither stores anything.
    let other = backend.save_alerts(&nora, None, "other", rules(), WebhookEdit::Keep).await;
    assert!(matches!(other, Err(AppError::NotFound)), "{other:?}");
    assert!(matches!(backend.alert_panel(&nora, "other").await, Err(AppError::NotFound)));
    let viewer = admin(&["acme"], &["acme"]);
    let looked = backend.save_alerts(&viewer, None, "acme", rules(), WebhookEdit::Keep).await;
    assert!(matches!(looked, Err(AppError::Forbidden)), "{looked:?}");
    assert!(matches!(backend.alerts_off(&viewer, None, "acme").await, Err(AppError::Forbidden)));
    assert!(backend.alert_panel(&viewer, "acme").await.is_ok(), "a read-only administrator may look");

    // Saved with a webhook: a signing secret once, the URL sealed, only its origin shown.
    let saved = backend
        .save_alerts(&nora, Some("203.0.113.9".into()), "acme", rules(), WebhookEdit::Set(HOOK.into()))
        .await
        .unwrap();
    let secret = saved.webhook_secret.expect("a new webhook's signing secret");
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    assert_eq!(saved.panel.webhook_origin.as_deref(), Some("https://hooks.slack.example"));
    assert_eq!(saved.panel.rules, rules());
    let row: (String, String, String) = sqlx::query_as(
        "select webhook_origin, webhook_sealed_url, webhook_sealed_secret from alert_setting where tenant_id = $1",
    )
    .bind(&t.id)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    assert!(!format!("{row:?}").contains("very-secret-token"), "the webhook URL is stored in clear: {row:?}");
    assert!(!row.2.contains(secret.trim_start_matches("whsec_")), "the signing secret is stored in clear");

    // Saving again keeps the webhook and shows no secret; the panel never shows one.
    let again = backend.save_alerts(&nora, None, "acme", rules(), WebhookEdit::Keep).await.unwrap();
    assert_eq!(
        (again.webhook_secret, again.panel.webhook_origin.as_deref()),
        (None, Some("https://hooks.slack.example"))
    );
    let shown = serde_json::to_string(&backend.alert_panel(&nora, "acme").await.unwrap()).unwrap();
    assert!(!shown.contains("very-secret-token") && !shown.contains(&secret), "{shown}");

    // Audited: who, from where, what — never the URL or the secret.
    let entries: Vec<_> =
        audit::page(&app.state.db, &t.id, None, 10).await.unwrap().into_iter().map(|e| e.entry).collect();
    let set =
        entries.iter().rev().find(|e| e.action == "alerts.set").expect("an alerts.set audit entry (the first save)");
    assert_eq!((set.actor_label.as_str(), set.client_addr.as_deref()), ("nora@example.test", Some("203.0.113.9")));
    let trail = serde_json::to_string(&entries.iter().map(|e| &e.detail).collect::<Vec<_>>()).unwrap();
    assert!(!trail.contains("very-secret-token") && !trail.contains(&secret), "{trail}");
    assert_eq!(set.detail["webhook"], "https://hooks.slack.example");

    // Removing the webhook; then switching alerts off (audited) leaves the defaults.
    let removed = backend.save_alerts(&nora, None, "acme", rules(), WebhookEdit::Remove).await.unwrap();
    assert!(removed.panel.webhook_origin.is_none());
    let off = backend.alerts_off(&nora, None, "acme").await.unwrap();
    assert!(!off.configured && alert::settings(&app.state.db, &t.id).await.unwrap().is_none());
    let entries = audit::page(&app.state.db, &t.id, None, 10).await.unwrap();
    assert_eq!(entries.iter().filter(|e| e.entry.action == "alerts.off").count(), 1);
}

#[tokio::test]
async fn open_alerts_show_on_the_overview_and_the_tenants_page() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    app.tenant("quiet", Profile::Generic).await;
    let backend = Backend::new(app.state.clone());
    let nora = admin(&["acme", "quiet"], &[]);
    let opening = alert::Opening {
        tenant_id: &t.id,
        rule: Rule::Silence,
        subject: "",
        summary: "No request from the identity provider for 30 hours.",
    };
    assert!(alert::open_alert(&app.state.db, opening.clone(), &[], 1_000).await.unwrap());
    assert!(!alert::open_alert(&app.state.db, opening, &[], 2_000).await.unwrap(), "opened twice");

    let overview = backend.tenant_overview(&nora, "acme").await.unwrap();
    assert_eq!(overview.open_alerts.len(), 1);
    let line = &overview.open_alerts[0];
    assert!(
        line.starts_with("Identity provider silent — No request from the identity provider for 30 hours."),
        "{line}"
    );
    assert!(line.ends_with("ago)"), "{line}");
    assert!(backend.tenant_overview(&nora, "quiet").await.unwrap().open_alerts.is_empty());

    let page = backend.tenant_page(&nora, "", 0).await.unwrap();
    let counts: Vec<(&str, u64)> = page.rows.iter().map(|r| (r.name.as_str(), r.open_alerts)).collect();
    assert_eq!(counts, vec![("acme", 1), ("quiet", 0)]);

    let panel = backend.alert_panel(&nora, "acme").await.unwrap();
    assert_eq!((panel.alerts.len(), panel.alerts[0].resolved_at.is_none()), (1, true));
}

/// Runs the CLI on the test app's database and key, with `stdin` as its input.
fn cli(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String, String) {
    let key_file = app.state.config.seal.secret_key_file.as_ref().unwrap();
    crate::process::run_cli(&app.state.config.database.database_url, &key_file.display().to_string(), args, Some(stdin))
}

#[tokio::test]
async fn the_cli_sets_shows_lists_and_switches_off_alerts() {
    let app = TestApp::new().await;
    let t = app.tenant("acme", Profile::Generic).await;
    let db = &app.state.db;

    // Refused: out of range, an unknown tenant — a clear message, nothing stored.
    let (ok, _, err) = cli(&app, &["alerts", "set", "acme", "--error-rate", "101"], "");
    assert!(!ok && err.contains("error_rate_percent must be a whole number from 1 to 100"), "{err}");
    let (ok, _, err) = cli(&app, &["alerts", "set", "nosuch", "--silence-hours", "6"], "");
    assert!(!ok && err.contains("nosuch"), "{err}");
    assert!(alert::settings(db, &t.id).await.unwrap().is_none());

    // The webhook URL comes on stdin; its signing secret alone on the last line; the URL never
    // printed, only its origin.
    let args = ["alerts", "set", "acme", "--error-rate", "25", "--silence-hours", "6", "--email", "noc@example.com"];
    let (ok, out, err) = cli(&app, &[&args[..], &["--webhook-url-stdin"]].concat(), &format!("{HOOK}\n"));
    assert!(ok, "{err}");
    let secret = out.trim().lines().last().unwrap();
    assert!(secret.starts_with("whsec_"), "{out}");
    assert!(!out.contains("very-secret-token") && out.contains("https://hooks.slack.example"), "{out}");
    let stored = alert::settings(db, &t.id).await.unwrap().unwrap();
    assert_eq!((stored.rules.error_rate_percent, stored.rules.silence_hours), (Some(25), Some(6)));
    assert_eq!(stored.rules.email_to, vec!["noc@example.com".to_owned()]);

    let (ok, shown, _) = cli(&app, &["alerts", "show", "acme"], "");
    assert!(ok && shown.contains("25 % over 15 minutes") && shown.contains("6 hours"), "{shown}");
    assert!(!shown.contains("very-secret-token") && !shown.contains(secret), "{shown}");

    let opening = alert::Opening { tenant_id: &t.id, rule: Rule::Silence, subject: "", summary: "Silent for 7 hours." };
    alert::open_alert(db, opening, &[], 5_000).await.unwrap();
    let (ok, listed, _) = cli(&app, &["alerts", "list", "--json"], "");
    assert!(ok, "{listed}");
    let lines: Vec<serde_json::Value> = listed.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{listed}");
    assert_eq!((lines[0]["tenant"].as_str(), lines[0]["rule"].as_str()), (Some("acme"), Some("silence")));

    let (ok, out, err) = cli(&app, &["alerts", "off", "acme"], "");
    assert!(ok && out.contains("off"), "{err}");
    assert!(alert::settings(db, &t.id).await.unwrap().is_none());
    let actions: Vec<String> =
        audit::page(db, &t.id, None, 10).await.unwrap().into_iter().map(|e| e.entry.action).collect();
    assert_eq!(actions, vec!["alerts.off".to_owned(), "alerts.set".to_owned()]);
}
