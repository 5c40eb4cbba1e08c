//! Alerts per tenant (`scimhub::alerts`): each rule opens its alert and resolves it once its
//! condition clears; the messages they owe reach real sinks — the local webhook receiver
//! (signatures checked) and an SMTP server, aiosmtpd from PyPI (installed on demand in a venv
//! under target/, run as a child process that writes every message to a Maildir) — once each,
//! and wait in the database while a channel is down. Settings are checked and nothing changes
//! on a refusal, the webhook URL is stored sealed, tenants are apart, and two rounds at once
//! open one alert.
//!
//! Evaluation and sending are driven by hand (`evaluate::all_tenants`, `Sender::send_due`) and
//! time moves on a test clock. The clock starts at the real time and moves by minutes at most
//! where a webhook message is sent: the receiver, as Standard Webhooks says, refuses a
//! timestamp more than five minutes away.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use scimhub::alerts::evaluate::all_tenants;
use scimhub::alerts::manage::{self, SaveError, Saved, WebhookInput};
use scimhub::alerts::notify::{url_binding, Sender};
use scimhub::alerts::settings::Rules;
use scimhub::alerts::Rule;
use scimhub::db::alert::{self, Alert};
use scimhub::db::credential;
use scimhub::outbound::application::{Auth, Kind as AppKind, OnDelete};
use scimhub::outbound::manage::NewApplication;
use scimhub::secret::Secret;
use scimhub::tenant::Profile;
use serde_json::Value;
use sqlx::{Column, Row};

use crate::process::{free_port, START_TIMEOUT};
use crate::receiver::Receiver;
use crate::support::{entra_user, pip_program, TestApp, TestClock, TestTenant, PUBLIC_URL};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;
/// The pinned aiosmtpd release.
const AIOSMTPD_VERSION: &str = "1.4.6";
/// The bound on a wait for a state: it only turns a hang into a failure.
const WAIT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// An SMTP server

/// An e-mail as the SMTP server stored it: headers (unfolded) and the body.
#[derive(Debug, Clone)]
struct Mail {
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn parse(text: &str) -> Mail {
        let text = text.replace("\r\n", "\n");
        let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            match (line.starts_with([' ', '\t']), headers.last_mut()) {
                (true, Some((_, value))) => value.push_str(line),
                _ => {
                    let (name, value) = line.split_once(':').unwrap_or((line, ""));
                    headers.push((name.trim().to_owned(), value.trim().to_owned()));
                }
            }
        }
        Mail { headers, body: body.to_owned() }
    }

    /// The body's text, its quoted-printable encoding (if any) undone.
    fn text(&self) -> String {
        if !self.header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable") {
            return self.body.clone();
        }
        let joined = self.body.replace("=\n", "");
        let mut bytes = Vec::new();
        let mut rest = joined.as_bytes();
        while let Some((&first, tail)) = rest.split_first() {
            let hex = tail.get(..2).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
            match (first, hex) {
                (b'=', Some(byte)) => {
                    bytes.push(byte);
                    rest = &tail[2..];
                }
                _ => {
                    bytes.push(first);
                    rest = tail;
                }
            }
        }
        String::from_utf8(bytes).unwrap()
    }

    /// A header's value (the first of that name); empty when there is none.
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).unwrap_or_default()
    }
}

/// aiosmtpd on a free local port with its `Mailbox` handler: every message accepted is a file
/// in `<dir>/new` (the envelope's recipients in `X-RcptTo`) before the server answers 250.
/// Dropping it kills the process; when the test is failing, its output is printed first.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
}

impl SmtpSink {
    /// Installs (if needed) and starts aiosmtpd; returns once it greets.
    async fn start() -> SmtpSink {
        let program = pip_program("aiosmtpd-venv", "aiosmtpd", AIOSMTPD_VERSION, "aiosmtpd");
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("scimhub-smtp-{}", uuid::Uuid::new_v4().simple()));
        let log = dir.with_extension("log");
        let out = File::create(&log).unwrap();
        let child = Command::new(&program)
            .args(["-n", "-c", "aiosmtpd.handlers.Mailbox", "-l", &format!("127.0.0.1:{port}")])
            .arg(&dir)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut sink = SmtpSink { child, port, dir, log };
        let started = Instant::now();
        while !sink.greets() {
            if let Some(status) = sink.child.try_wait().unwrap() {
                panic!("aiosmtpd exited during start-up: {status}\n{}", sink.output());
            }
            assert!(started.elapsed() < START_TIMEOUT, "aiosmtpd did not greet within {START_TIMEOUT:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        sink
    }

    /// Whether the server answers a connection with its 220 greeting.
    fn greets(&self) -> bool {
        let Ok(stream) = TcpStream::connect(("127.0.0.1", self.port)) else { return false };
        stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut greeting = String::new();
        BufReader::new(stream).read_line(&mut greeting).is_ok() && greeting.starts_with("220")
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Every message stored so far, in the order they arrived: by the counter in the Maildir
    /// file name (`<secs>.M<usecs>P<pid>Q<count>.<host>`).
    fn mails(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else { return Vec::new() };
        let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        let count = |path: &PathBuf| -> u64 {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let unique = name.split('.').nth(1).unwrap_or_default();
            unique.split_once('Q').and_then(|(_, n)| n.parse().ok()).unwrap_or_else(|| panic!("Maildir name {name}"))
        };
        paths.sort_by_key(count);
        paths.iter().map(|p| Mail::parse(&std::fs::read_to_string(p).unwrap())).collect()
    }

    /// Waits until `count` messages are stored, and returns them.
    async fn wait_for(&self, what: &str, count: usize) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let mails = self.mails();
            if mails.len() >= count {
                return mails;
            }
            assert!(started.elapsed() < WAIT, "waited in vain for {what}; stored: {mails:#?}\n{}", self.output());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- aiosmtpd output\n{}", self.output());
        }
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// An app on the database under test, with a clock that starts at the real time and this
/// SMTP relay (if any).
async fn app(smtp_url: Option<String>) -> (TestApp, Arc<TestClock>) {
    let real_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let clock = TestClock::at(i64::try_from(real_ms).unwrap());
    let app = TestApp::with_clock_and_config(clock.clone(), |config| config.alerts.smtp_url = smtp_url).await;
    (app, clock)
}

fn now(app: &TestApp) -> i64 {
    app.state.clock.now_ms()
}

async fn save(app: &TestApp, t: &TestTenant, rules: Rules, webhook: WebhookInput) -> Result<Saved, SaveError> {
    manage::save(&app.state.db, &app.state.seal, &t.id, rules, webhook, now(app)).await
}

/// The field a refused change names.
fn refused(result: Result<Saved, SaveError>) -> &'static str {
    match result {
        Err(SaveError::Invalid(invalid)) => invalid.field(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// One evaluation round.
async fn evaluate(app: &TestApp) {
    all_tenants(&app.state).await.unwrap();
}

/// Sends the messages due now.
async fn send(app: &TestApp) {
    Sender::new(&app.state).unwrap().send_due(&app.state).await.unwrap();
}

async fn open(app: &TestApp, t: &TestTenant) -> Vec<Alert> {
    alert::open(&app.state.db, Some(&t.id)).await.unwrap()
}

async fn recent(app: &TestApp, t: &TestTenant) -> Vec<Alert> {
    alert::recent(&app.state.db, &t.id, 100).await.unwrap()
}

async fn unsent(app: &TestApp, t: &TestTenant) -> Vec<(String, i64, Option<String>)> {
    alert::unsent(&app.state.db, &t.id).await.unwrap()
}

/// The one open alert of the tenant, which must be of this rule.
async fn the_open_alert(app: &TestApp, t: &TestTenant, rule: Rule) -> Alert {
    let open = open(app, t).await;
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0].rule, rule, "{open:#?}");
    open.into_iter().next().unwrap()
}

/// Requests the tenant's credential sends that fail with 400 (a body that is not JSON).
async fn failing_requests(app: &TestApp, t: &TestTenant, count: usize) {
    for _ in 0..count {
        let reply = app.scim(t, Method::POST, "/Users", Some("{not json")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    }
}

/// Requests the tenant's credential sends that succeed.
async fn fine_requests(app: &TestApp, t: &TestTenant, count: usize) {
    for _ in 0..count {
        let reply = app.scim(t, Method::GET, "/Users?count=1", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    }
}

/// Rules with one failed request out of one raising an error-rate alert.
fn any_failure() -> Rules {
    Rules { error_rate_percent: Some(100), error_min_requests: 1, ..Rules::default() }
}

fn token() -> String {
    format!("tok{}", uuid::Uuid::new_v4().simple())
}

// ---------------------------------------------------------------------------------------------
// Rules and channels

#[tokio::test]
async fn an_error_rate_alert_opens_and_resolves_once_on_the_webhook_and_by_email() {
    let smtp = SmtpSink::start().await;
    let (app, _clock) = app(Some(smtp.url())).await;
    let t = app.tenant("acme", Profile::Generic).await;
    let receiver = Receiver::start().await;
    // The URL carries a token, as Slack's and Teams' do.
    let hook = format!("{}?token={}", receiver.url, token());
    let rules = Rules {
        error_rate_percent: Some(50),
        error_window_minutes: 15,
        error_min_requests: 4,
        email_to: vec!["noc@example.com".into()],
        ..Rules::default()
    };
    let saved = save(&app, &t, rules, WebhookInput::Set(Secret::given(hook))).await.unwrap();
    receiver.set_secret(saved.webhook_secret.expect("a new webhook's signing secret").expose());

    // Three failed requests are under the minimum of four: no alert.
    failing_requests(&app, &t, 3).await;
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());
    failing_requests(&app, &t, 1).await;
    evaluate(&app).await;
    let opened = the_open_alert(&app, &t, Rule::ErrorRate).await;
    assert_eq!((opened.subject.as_str(), opened.tenant.as_str(), opened.resolved_at), ("", "acme", None));
    assert!(opened.summary.contains("4 of 4"), "{}", opened.summary);
    assert_eq!(unsent(&app, &t).await.len(), 2, "one message per channel");

    // One signed webhook message and one e-mail.
    send(&app).await;
    let hooks = receiver.wait_for("the opened message", |r| !r.is_empty()).await;
    assert_eq!(hooks.len(), 1, "{hooks:#?}");
    let message = &hooks[0];
    assert!(message.signed && message.answered == 204, "{message:#?}");
    assert_eq!(message.id, format!("msg_alert_{}_opened", opened.id));
    let body = &message.body;
    assert_eq!(body["type"], "alert.opened", "{body}");
    assert_eq!(body["alert"]["rule"], "error_rate", "{body}");
    assert_eq!(body["alert"]["id"], opened.id.as_str(), "{body}");
    assert_eq!(body["alert"]["tenant"], "acme", "{body}");
    assert_eq!(body["alert"]["resolved_at"], Value::Null, "{body}");
    assert_eq!(body["alert"]["url"], format!("{PUBLIC_URL}/tenants/acme"), "{body}");
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("tenant acme") && text.contains("4 of 4"), "{text}");
    let mails = smtp.wait_for("the opened e-mail", 1).await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let mail = &mails[0];
    assert!(mail.header("Subject").contains("Alert") && mail.header("Subject").contains("acme"), "{mail:#?}");
    assert!(mail.header("To").contains("noc@example.com"), "{mail:#?}");
    assert_eq!(mail.header("X-RcptTo"), "noc@example.com", "{mail:#?}");
    assert!(mail.header("From").contains("scimhub@localhost"), "{mail:#?}");
    let text = mail.text();
    assert!(text.contains("tenant acme") && text.contains("4 of 4 SCIM requests"), "{text}");
    assert!(text.contains(&format!("Open the tenant: {PUBLIC_URL}/tenants/acme")), "{text}");
    assert!(unsent(&app, &t).await.is_empty());

    // Still firing: the same alert, and nothing sent twice.
    evaluate(&app).await;
    send(&app).await;
    assert_eq!(the_open_alert(&app, &t, Rule::ErrorRate).await.id, opened.id);
    assert_eq!((receiver.received().len(), smtp.mails().len()), (1, 1));

    // Four fine requests: 4 of 8 failed, 50 %, still at the threshold; one more clears it.
    fine_requests(&app, &t, 4).await;
    evaluate(&app).await;
    assert_eq!(the_open_alert(&app, &t, Rule::ErrorRate).await.id, opened.id);
    fine_requests(&app, &t, 1).await;
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());
    let history = recent(&app, &t).await;
    assert_eq!(history.len(), 1, "{history:#?}");
    assert_eq!(history[0].id, opened.id);
    assert_eq!(history[0].resolved_at, Some(now(&app)));

    send(&app).await;
    let hooks = receiver.wait_for("the resolved message", |r| r.len() >= 2).await;
    assert_eq!(hooks.len(), 2, "{hooks:#?}");
    let resolved = &hooks[1];
    assert!(resolved.signed && resolved.answered == 204, "{resolved:#?}");
    assert_eq!(resolved.id, format!("msg_alert_{}_resolved", opened.id));
    assert_eq!(resolved.body["type"], "alert.resolved", "{}", resolved.body);
    assert_eq!(resolved.body["alert"]["rule"], "error_rate", "{}", resolved.body);
    assert!(resolved.body["alert"]["resolved_at"].is_string(), "{}", resolved.body);
    let mails = smtp.wait_for("the resolved e-mail", 2).await;
    assert_eq!(mails.len(), 2, "{mails:#?}");
    assert!(mails[1].header("Subject").contains("Resolved") && mails[1].header("Subject").contains("acme"));
    assert_eq!(mails[1].header("X-RcptTo"), "noc@example.com");
    assert!(mails[1].text().contains("It said: 4 of 4 SCIM requests"), "{mails:#?}");

    // Nothing more is owed.
    evaluate(&app).await;
    send(&app).await;
    assert_eq!((receiver.received().len(), smtp.mails().len()), (2, 2));
    assert!(unsent(&app, &t).await.is_empty());
}

#[tokio::test]
async fn silence_counts_from_the_last_authenticated_request_or_from_the_settings() {
    let (app, clock) = app(None).await;
    let quiet = app.tenant("quiet", Profile::Generic).await;
    let never = app.tenant("never", Profile::Generic).await;
    for t in [&quiet, &never] {
        save(&app, t, Rules { silence_hours: Some(2), ..Rules::default() }, WebhookInput::Keep).await.unwrap();
    }
    fine_requests(&app, &quiet, 1).await;
    clock.advance_ms(2 * HOUR_MS - MINUTE_MS);
    evaluate(&app).await;
    assert!(open(&app, &quiet).await.is_empty() && open(&app, &never).await.is_empty());

    clock.advance_ms(HOUR_MS);
    evaluate(&app).await;
    let silent = the_open_alert(&app, &quiet, Rule::Silence).await;
    assert_eq!(silent.subject, "");
    assert!(silent.summary.contains("for 2 hours"), "{}", silent.summary);
    let never_heard = the_open_alert(&app, &never, Rule::Silence).await;
    assert!(never_heard.summary.contains("since alerts were set"), "{}", never_heard.summary);

    // A request that fails authentication is no sign of life; the tenant's credential is.
    let reply = app.scim_as("never", Some("scimhub_wrong"), Method::GET, "/Users", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    fine_requests(&app, &quiet, 1).await;
    evaluate(&app).await;
    assert!(open(&app, &quiet).await.is_empty());
    assert_eq!(recent(&app, &quiet).await[0].resolved_at, Some(now(&app)));
    assert_eq!(the_open_alert(&app, &never, Rule::Silence).await.id, never_heard.id);
    fine_requests(&app, &never, 1).await;
    evaluate(&app).await;
    assert!(open(&app, &never).await.is_empty());
}

#[tokio::test]
async fn a_secret_in_its_grace_period_alerts_until_the_grace_ends() {
    let (app, clock) = app(None).await;
    let t = app.tenant("rotating", Profile::Generic).await;
    let db = &app.state.db;
    let first = credential::list_active(db, &t.id, now(&app)).await.unwrap()[0].id.clone();
    save(&app, &t, Rules { expiry_days: Some(7), ..Rules::default() }, WebhookInput::Keep).await.unwrap();
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty(), "a secret without an expiry");

    // A grace period of ten days ends beyond the seven: no alert until three days later.
    let fresh = Secret::generate("scimhub_");
    let second = credential::rotate(db, &t.id, credential::Kind::Bearer, &fresh.hash(), now(&app), 10 * DAY_MS)
        .await
        .unwrap()
        .credential_id;
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());
    clock.advance_ms(3 * DAY_MS + MINUTE_MS);
    evaluate(&app).await;
    let ending = the_open_alert(&app, &t, Rule::SecretExpiry).await;
    assert_eq!(ending.subject, first, "the previous credential's alert");
    assert!(ending.summary.contains("previous Secret Token") && ending.summary.contains("in 6 days"), "{ending:?}");
    evaluate(&app).await;
    assert_eq!(the_open_alert(&app, &t, Rule::SecretExpiry).await.id, ending.id);

    // Once the grace period is over the credential is gone, and so is the alert.
    clock.advance_ms(7 * DAY_MS);
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());

    // Another rotation with a day's grace; ending the grace now resolves its alert.
    let newest = Secret::generate("scimhub_");
    credential::rotate(db, &t.id, credential::Kind::Bearer, &newest.hash(), now(&app), DAY_MS).await.unwrap();
    evaluate(&app).await;
    assert_eq!(the_open_alert(&app, &t, Rule::SecretExpiry).await.subject, second);
    assert_eq!(credential::end_grace(db, &t.id, &second, now(&app)).await.unwrap(), Some(credential::Kind::Bearer));
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());
    let history = recent(&app, &t).await;
    let subjects: Vec<&str> = history.iter().map(|a| a.subject.as_str()).collect();
    assert_eq!(subjects, [second.as_str(), first.as_str()]);
    assert!(history.iter().all(|a| a.resolved_at.is_some()), "{history:#?}");
}

#[tokio::test]
async fn a_failing_outbound_application_alerts_and_its_own_errors_are_no_error_rate() {
    let (app, clock) = app(None).await;
    let t = app.tenant("pushing", Profile::Generic).await;
    let state = &app.state;
    let receiver = Receiver::start().await;
    let new = NewApplication {
        name: "hooks".into(),
        kind: AppKind::Webhook,
        url: receiver.url.clone(),
        auth: Auth::Signature,
        secret: None,
        scope_groups: Vec::new(),
        push_groups: false,
        on_delete: OnDelete::default(),
        events: Vec::new(),
    };
    let (application, secret) =
        scimhub::outbound::manage::add(&state.db, &state.seal, &t.id, new, now(&app)).await.unwrap();
    receiver.set_secret(secret.unwrap().expose());
    // The deliveries' own requests are logged too, as in `scimhub serve`.
    let journal = scimhub::outbound::journal::Journal::new(state.outbound_log.clone(), state.clock.clone());
    let client = scimhub::outbound::client::Client::new(state.seal.clone(), Duration::from_secs(30)).unwrap();
    let worker = scimhub::outbound::worker::Worker::new(
        state.db.clone(),
        client.with_journal(journal),
        state.clock.clone(),
        state.config.outbound.backoff(),
    );
    // Were the deliveries' failures counted, half the requests would have failed.
    let rules = Rules { outbound_minutes: Some(1), error_rate_percent: Some(50), ..any_failure() };
    save(&app, &t, rules, WebhookInput::Keep).await.unwrap();

    // A delivery that fails (500) is retried: no alert before it has failed for a minute.
    receiver.script(&[(500, None)]);
    let created = app.scim(&t, Method::POST, "/Users", Some(&entra_user("alice@example.com", "a1"))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    worker.drain(&application.id).await.unwrap();
    assert_eq!(receiver.received().iter().map(|r| r.answered).collect::<Vec<_>>(), [500]);
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());
    clock.advance_ms(MINUTE_MS + 1_000);
    evaluate(&app).await;
    let failing = the_open_alert(&app, &t, Rule::OutboundFailing).await;
    assert_eq!(failing.subject, application.id);
    assert!(failing.summary.contains("\"hooks\"") && failing.summary.contains("1 change failing"), "{failing:?}");
    // The 500 is in the tenant's log, but as the application's: the identity provider's one
    // request succeeded, so no error-rate alert (at 50 %, from one request).
    let log = app.log(&t).await;
    assert!(log.iter().any(|e| e.status == 500 && e.application_id.as_deref() == Some(&application.id)), "{log:#?}");

    // Delivered at the retry: resolved.
    worker.drain(&application.id).await.unwrap();
    assert_eq!(receiver.accepted().len(), 1);
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());

    // A refusal (400) is a dead letter: an alert at once; put back in line and delivered, it
    // resolves.
    receiver.script(&[(400, None)]);
    let created = app.scim(&t, Method::POST, "/Users", Some(&entra_user("bob@example.com", "b1"))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    worker.drain(&application.id).await.unwrap();
    assert_eq!(scimhub::db::outbound::status(&state.db, &application.id).await.unwrap().dead, 1);
    evaluate(&app).await;
    let dead = the_open_alert(&app, &t, Rule::OutboundFailing).await;
    assert_ne!(dead.id, failing.id, "a new alert");
    assert!(dead.summary.contains("1 on the dead-letter list"), "{}", dead.summary);
    assert_eq!(scimhub::db::outbound::retry_dead(&state.db, &application.id, None, now(&app)).await.unwrap(), 1);
    worker.drain(&application.id).await.unwrap();
    assert_eq!(receiver.accepted().len(), 2);
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());
    let history = recent(&app, &t).await;
    assert_eq!(history.len(), 2, "{history:#?}");
    assert!(history.iter().all(|a| a.rule == Rule::OutboundFailing && a.resolved_at.is_some()), "{history:#?}");
}

// ---------------------------------------------------------------------------------------------
// Delivery of the messages

#[tokio::test]
async fn messages_wait_while_a_channel_is_down_and_never_show_the_webhook_url() {
    let (app, clock) = app(None).await;
    let receiver = Receiver::start().await;
    let down = app.tenant("down", Profile::Generic).await;
    let gone = app.tenant("gone", Profile::Generic).await;
    let mailed = app.tenant("mailed", Profile::Generic).await;
    let down_token = token();
    let down_hook = format!("{}?token={down_token}", receiver.url);
    let saved = save(&app, &down, any_failure(), WebhookInput::Set(Secret::given(down_hook))).await.unwrap();
    receiver.set_secret(saved.webhook_secret.unwrap().expose());
    // Nothing listens on this port.
    let gone_token = token();
    let gone_hook = format!("http://127.0.0.1:{}/services/{gone_token}", free_port());
    save(&app, &gone, any_failure(), WebhookInput::Set(Secret::given(gone_hook))).await.unwrap();
    // E-mail, but the server has no SMTP relay.
    let rules = Rules { email_to: vec!["ops@example.com".into()], ..any_failure() };
    save(&app, &mailed, rules, WebhookInput::Keep).await.unwrap();
    for t in [&down, &gone, &mailed] {
        failing_requests(&app, t, 1).await;
    }
    evaluate(&app).await;

    receiver.script(&[(500, None)]);
    send(&app).await;
    let received = receiver.wait_for("the first attempt", |r| !r.is_empty()).await;
    assert_eq!(received.iter().map(|r| r.answered).collect::<Vec<_>>(), [500]);
    let [(channel, attempts, error)] = unsent(&app, &down).await.try_into().unwrap();
    assert_eq!((channel.as_str(), attempts), ("webhook", 1));
    let error = error.unwrap();
    assert!(error.contains("500") && !error.contains(&down_token) && !error.contains("/hooks"), "{error}");
    let [(channel, attempts, error)] = unsent(&app, &gone).await.try_into().unwrap();
    assert_eq!((channel.as_str(), attempts), ("webhook", 1));
    let error = error.unwrap();
    assert!(error.contains("unreachable") && !error.contains(&gone_token) && !error.contains("/services"), "{error}");
    let [(channel, attempts, error)] = unsent(&app, &mailed).await.try_into().unwrap();
    assert_eq!((channel.as_str(), attempts), ("email", 1));
    assert!(error.as_deref().unwrap_or_default().contains("--smtp-url"), "{error:?}");

    // Not due again before the backoff (1 s ± 20 %) is over.
    send(&app).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(unsent(&app, &down).await[0].1, 1);

    // The receiver is back: the message arrives once, with the same id.
    clock.advance_ms(1_500);
    send(&app).await;
    let received = receiver.wait_for("the retry", |r| r.len() >= 2).await;
    assert_eq!(received.iter().map(|r| r.answered).collect::<Vec<_>>(), [500, 204]);
    assert_eq!(received[0].id, received[1].id, "webhook-id is stable across retries");
    assert!(received[1].signed);
    assert!(unsent(&app, &down).await.is_empty());
    // The others still wait, with another attempt counted.
    let attempts = |rows: Vec<(String, i64, Option<String>)>| rows.iter().map(|r| r.1).collect::<Vec<_>>();
    assert_eq!(attempts(unsent(&app, &gone).await), [2]);
    assert_eq!(attempts(unsent(&app, &mailed).await), [2]);
    clock.advance_ms(60_000);
    send(&app).await;
    assert_eq!(receiver.received().len(), 2, "delivered exactly once");
}

// ---------------------------------------------------------------------------------------------
// Settings and tenants

#[tokio::test]
async fn refused_settings_change_nothing_and_tenants_are_apart() {
    let (app, _clock) = app(None).await;
    let a = app.tenant("tenant-a", Profile::Generic).await;
    let b = app.tenant("tenant-b", Profile::Generic).await;
    let hook = "https://hooks.example.test/services/T0/B0/original";
    let rules = Rules { email_to: vec!["ops@example.com".into()], ..any_failure() };
    save(&app, &a, rules.clone(), WebhookInput::Set(Secret::given(hook.into()))).await.unwrap();
    let db = &app.state.db;
    let before = (alert::settings(db, &a.id).await.unwrap(), alert::webhook(db, &a.id).await.unwrap());
    assert!(before.0.is_some() && before.1.is_some());

    // Each refusal names its field. Every attempt changes the addresses too, so a partial save
    // would show.
    let other = |change: fn(&mut Rules)| {
        let mut rules = Rules { email_to: vec!["changed@example.com".into()], ..any_failure() };
        change(&mut rules);
        rules
    };
    let keep = || WebhookInput::Keep;
    let set = |url: &str| WebhookInput::Set(Secret::given(url.to_owned()));
    let attempts = [
        (other(|r| r.error_rate_percent = Some(0)), keep(), "error_rate_percent"),
        (other(|r| r.error_rate_percent = Some(101)), keep(), "error_rate_percent"),
        (other(|r| r.silence_hours = Some(0)), keep(), "silence_hours"),
        (other(|r| r.expiry_days = Some(0)), keep(), "expiry_days"),
        (other(|r| r.outbound_minutes = Some(0)), keep(), "outbound_minutes"),
        (other(|r| r.error_window_minutes = 0), keep(), "error_window_minutes"),
        (other(|r| r.email_to = vec!["noc at example".into()]), keep(), "email_to"),
        (other(|_| {}), set("ftp://hooks.example.test/x"), "webhook_url"),
        (other(|_| {}), set("https://user:pw@hooks.example.test/x"), "webhook_url"),
        (other(|_| {}), set("/services/relative"), "webhook_url"),
    ];
    for (rules, webhook, field) in attempts {
        let shown = format!("{rules:?} {webhook:?}");
        assert_eq!(refused(save(&app, &a, rules, webhook).await), field, "{shown}");
        let after = (alert::settings(db, &a.id).await.unwrap(), alert::webhook(db, &a.id).await.unwrap());
        assert_eq!(after, before, "{shown} changed the settings");
    }
    assert_eq!(alert::settings(db, &b.id).await.unwrap(), None, "nothing stored for another tenant");

    // A's alert is A's alone: B has settings too, and nothing to fear.
    save(&app, &b, rules, WebhookInput::Keep).await.unwrap();
    failing_requests(&app, &a, 1).await;
    fine_requests(&app, &b, 1).await;
    evaluate(&app).await;
    let a_alert = the_open_alert(&app, &a, Rule::ErrorRate).await;
    assert_eq!(a_alert.tenant_id, a.id);
    assert!(open(&app, &b).await.is_empty() && recent(&app, &b).await.is_empty());
    assert!(unsent(&app, &b).await.is_empty());
    assert_eq!(unsent(&app, &a).await.len(), 2);
    let everyone = alert::open(db, None).await.unwrap();
    assert_eq!(everyone.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), [a_alert.id.as_str()]);

    // Alerts switched off: the open alert resolves with nothing more to send, and what was owed
    // is dropped at the next send.
    assert!(alert::remove(db, &a.id).await.unwrap());
    evaluate(&app).await;
    assert!(open(&app, &a).await.is_empty());
    assert_eq!(recent(&app, &a).await[0].resolved_at, Some(now(&app)));
    assert_eq!(unsent(&app, &a).await.len(), 2, "no message about the resolution");
    send(&app).await;
    assert!(unsent(&app, &a).await.is_empty());
}

#[tokio::test]
async fn the_webhook_url_is_stored_sealed_and_shown_by_its_origin() {
    let (app, _clock) = app(None).await;
    let t = app.tenant("sealed", Profile::Generic).await;
    let other = app.tenant("other", Profile::Generic).await;
    let secret_path = format!("/services/T0AB/B0CD/{}", token());
    let url = format!("https://hooks.slack.example{secret_path}");
    let saved = save(&app, &t, Rules::default(), WebhookInput::Set(Secret::given(url.clone()))).await.unwrap();
    let signing = saved.webhook_secret.unwrap();
    assert_eq!(saved.stored.webhook_origin.as_deref(), Some("https://hooks.slack.example"));
    let shown = alert::settings(&app.state.db, &t.id).await.unwrap().unwrap();
    assert_eq!(shown.webhook_origin.as_deref(), Some("https://hooks.slack.example"));
    let audited = manage::audit_detail(&shown).to_string();
    assert!(!audited.contains(&secret_path) && audited.contains("hooks.slack.example"), "{audited}");

    // No column holds the URL's path or the signing secret in clear.
    let row = sqlx::query("select * from alert_setting where tenant_id = $1")
        .bind(&t.id)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let mut sealed_url = None;
    for column in row.columns() {
        let i = column.ordinal();
        let value = match row.try_get::<Option<String>, _>(i) {
            Ok(text) => text.unwrap_or_default(),
            Err(_) => row.try_get::<Option<i64>, _>(i).unwrap().map(|n| n.to_string()).unwrap_or_default(),
        };
        let name = column.name();
        assert!(!value.contains(&secret_path) && !value.contains("/services/"), "{name} = {value}");
        assert!(!value.contains(signing.expose()), "{name} holds the signing secret");
        if name == "webhook_sealed_url" {
            sealed_url = Some(value);
        }
    }
    // The sealed URL opens for this tenant only.
    let sealed_url = sealed_url.expect("a webhook_sealed_url column");
    assert_eq!(app.state.seal.open(&sealed_url, &url_binding(&t.id)).unwrap().expose(), url);
    assert!(app.state.seal.open(&sealed_url, &url_binding(&other.id)).is_err());

    // Kept on a change of the rules, gone once removed.
    save(&app, &t, Rules { silence_hours: Some(24), ..Rules::default() }, WebhookInput::Keep).await.unwrap();
    let kept = alert::webhook(&app.state.db, &t.id).await.unwrap().unwrap();
    assert_eq!(kept.0, sealed_url);
    let removed = save(&app, &t, Rules::default(), WebhookInput::Remove).await.unwrap();
    assert_eq!((removed.stored.webhook_origin, removed.webhook_secret.is_none()), (None, true));
    assert_eq!(alert::webhook(&app.state.db, &t.id).await.unwrap(), None);
}

#[tokio::test]
async fn rounds_at_the_same_time_open_and_resolve_each_alert_once() {
    let (app, clock) = app(None).await;
    let t = app.tenant("raced", Profile::Generic).await;
    let rules = Rules { silence_hours: Some(1), email_to: vec!["ops@example.com".into()], ..Rules::default() };
    let hook = WebhookInput::Set(Secret::given("https://hooks.example.test/raced".into()));
    save(&app, &t, rules, hook).await.unwrap();
    for round in 1..=3 {
        clock.advance_ms(2 * HOUR_MS);
        let (first, second) = tokio::join!(all_tenants(&app.state), all_tenants(&app.state));
        first.unwrap();
        second.unwrap();
        the_open_alert(&app, &t, Rule::Silence).await;
        assert_eq!(recent(&app, &t).await.len(), round);
        // Two channels: an opened message for each, once, per alert so far.
        assert_eq!(unsent(&app, &t).await.len(), 4 * round - 2, "round {round}");

        fine_requests(&app, &t, 1).await;
        let (first, second) = tokio::join!(all_tenants(&app.state), all_tenants(&app.state));
        first.unwrap();
        second.unwrap();
        assert!(open(&app, &t).await.is_empty());
        assert_eq!(unsent(&app, &t).await.len(), 4 * round, "round {round}: one resolved message per channel");
    }
    let history = recent(&app, &t).await;
    assert!(history.iter().all(|a| a.rule == Rule::Silence && a.resolved_at.is_some()), "{history:#?}");
}

#[tokio::test]
async fn a_disabled_tenant_rests_strangers_raise_nothing_and_removed_addresses_are_owed_nothing() {
    let (app, clock) = app(None).await;
    let t = app.tenant("resting", Profile::Generic).await;
    let rules = Rules { silence_hours: Some(1), email_to: vec!["noc@example.com".into()], ..any_failure() };
    save(&app, &t, rules.clone(), WebhookInput::Keep).await.unwrap();

    // Refused requests with a wrong token are a stranger's: no error rate, whatever their share.
    for _ in 0..5 {
        let reply = app.scim_as("resting", Some("scimhub_wrong"), Method::POST, "/Users", Some("{not json")).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    fine_requests(&app, &t, 1).await;
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty(), "{:#?}", open(&app, &t).await);

    // Silent for two hours: open. Disabled: the alert stays as it is and nothing new opens,
    // however long; enabled again, the rules apply again.
    clock.advance_ms(2 * HOUR_MS);
    evaluate(&app).await;
    let silent = the_open_alert(&app, &t, Rule::Silence).await;
    assert!(scimhub::db::tenant::set_disabled(&app.state.db, &t.id, true, now(&app)).await.unwrap());
    clock.advance_ms(5 * HOUR_MS);
    evaluate(&app).await;
    assert_eq!(the_open_alert(&app, &t, Rule::Silence).await.id, silent.id);
    assert!(scimhub::db::tenant::set_disabled(&app.state.db, &t.id, false, now(&app)).await.unwrap());
    fine_requests(&app, &t, 1).await;
    evaluate(&app).await;
    assert!(open(&app, &t).await.is_empty());

    // The e-mail owed (no SMTP relay here: it waits) is dropped once the addresses are removed.
    let waiting = unsent(&app, &t).await;
    send(&app).await;
    assert!(!waiting.is_empty() && unsent(&app, &t).await.iter().all(|(_, attempts, _)| *attempts >= 1));
    save(&app, &t, Rules { email_to: Vec::new(), ..rules }, WebhookInput::Keep).await.unwrap();
    clock.advance_ms(HOUR_MS);
    send(&app).await;
    assert!(unsent(&app, &t).await.is_empty(), "{:#?}", unsent(&app, &t).await);
}
