//! Outbound provisioning against real receivers: a second scimhub (its own process and SQLite
//! database) as the downstream SCIM application, and a local webhook receiver that checks
//! signatures. The hub runs on the database under test. Every wait is for a state, bounded only
//! to turn a hang into a failure.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::process::{client, free_port, provision, run_cli, Server};
use crate::receiver::Receiver;
use crate::support::{entra_user, fresh_database_url};

const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const WAIT: Duration = Duration::from_secs(60);
/// Fast retries, so a recovered target is reached quickly.
pub(crate) const HUB_FLAGS: [&str; 4] = ["--outbound-retry-base-ms", "200", "--outbound-retry-max-ms", "1000"];

/// A scimhub process with one tenant and its bearer token.
pub(crate) struct Node {
    server: Server,
    database_url: String,
    tenant: String,
    token: String,
    key_file: String,
}

impl Node {
    pub(crate) async fn start(database_url: String, tenant: &str, port: u16) -> Node {
        let (_, token) = provision(&database_url, tenant).await;
        let key_file = std::env::temp_dir().join(format!("scimhub-key-{}", uuid::Uuid::new_v4().simple()));
        let key_file = key_file.display().to_string();
        let env = [("SCIMHUB_SECRET_KEY_FILE", key_file.as_str())];
        let mut server = Server::start_on(port, &database_url, &HUB_FLAGS, &env);
        server.wait_ready().await;
        Node { server, database_url, tenant: tenant.to_owned(), token, key_file }
    }

    pub(crate) fn base(&self) -> String {
        self.server.scim_url(&self.tenant, "")
    }

    pub(crate) async fn scim(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = client().request(method, format!("{}{path}", self.base())).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.header("content-type", "application/scim+json").body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn create_user(&self, user_name: &str) -> String {
        let body: Value = serde_json::from_str(&entra_user(user_name, &format!("ext-{user_name}"))).unwrap();
        let (status, created) = self.scim(reqwest::Method::POST, "/Users", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn patch(&self, path: &str, operations: Value) {
        let body = json!({ "schemas": [PATCH], "Operations": operations });
        let (status, answer) = self.scim(reqwest::Method::PATCH, path, Some(body)).await;
        assert!(status.is_success(), "PATCH {path}: {status} {answer}");
    }

    /// The user with this userName here, if any.
    pub(crate) async fn user(&self, user_name: &str) -> Option<Value> {
        let filter = format!("userName eq \"{user_name}\"");
        let path = format!("/Users?filter={}", urlencode(&filter));
        let (status, list) = self.scim(reqwest::Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list["Resources"].as_array().and_then(|r| r.first()).cloned()
    }

    pub(crate) async fn user_count(&self) -> u64 {
        let (_, list) = self.scim(reqwest::Method::GET, "/Users?count=0", None).await;
        list["totalResults"].as_u64().unwrap()
    }

    /// Runs the CLI on this node's database, with `stdin` as its input.
    pub(crate) fn cli(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        run_cli(&self.database_url, &self.key_file, args, stdin)
    }

    pub(crate) fn cli_ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let (ok, stdout, stderr) = self.cli(args, stdin);
        assert!(ok, "scimhub {args:?} failed: {stderr}");
        stdout
    }

    pub(crate) fn status(&self, app: &str) -> Value {
        serde_json::from_str(&self.cli_ok(&["app", "status", &self.tenant, app, "--json"], None)).unwrap()
    }
}

pub(crate) fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Waits until `check` gives a value.
pub(crate) async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, mut check: impl FnMut() -> F) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < WAIT, "waited in vain for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join(format!("scimhub-it-{}", uuid::Uuid::new_v4().simple()));
    format!("sqlite://{}/target.db", dir.display())
}

/// The hub on the database under test and a downstream scimhub on its own SQLite database.
async fn hub_and_target() -> (Node, Node) {
    let target = Node::start(sqlite_url().await, "downstream", free_port()).await;
    let hub = Node::start(fresh_database_url().await, "hub", free_port()).await;
    (hub, target)
}

pub(crate) fn add_scim_app(hub: &Node, name: &str, url: &str, token: &str, extra: &[&str]) {
    let mut args = vec!["app", "add", &hub.tenant, name, "--scim-url", url, "--bearer-stdin"];
    args.extend_from_slice(extra);
    hub.cli_ok(&args, Some(&format!("{token}\n")));
}

#[tokio::test]
async fn users_and_groups_flow_on_to_a_downstream_scimhub_within_the_scope() {
    let (hub, target) = hub_and_target().await;
    let (status, sales) = hub.scim(reqwest::Method::POST, "/Groups", Some(json!({ "displayName": "Sales" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let sales = sales["id"].as_str().unwrap().to_owned();
    add_scim_app(&hub, "crm", &target.base(), &target.token, &["--group", "Sales", "--push-groups"]);
    // A scope group that does not exist is refused, and nothing is added.
    let (ok, _, stderr) = hub.cli(
        &["app", "add", "hub", "crm2", "--scim-url", &target.base(), "--bearer-stdin", "--group", "Nobody"],
        Some("t\n"),
    );
    assert!(!ok && stderr.contains("no group named \"Nobody\""), "{stderr}");
    // The secret never appears in the listing.
    let listing = hub.cli_ok(&["app", "list", "hub"], None);
    assert!(listing.contains("crm") && !listing.contains("crm2") && !listing.contains(&target.token), "{listing}");
    assert!(hub.cli_ok(&["app", "test", "hub", "crm"], None).contains("credentials are accepted"));

    let alice = hub.create_user("alice@example.com").await;
    let bob = hub.create_user("bob@example.com").await;
    hub.patch(&format!("/Groups/{sales}"), json!([{ "op": "add", "path": "members", "value": [{ "value": alice }] }]))
        .await;

    // Alice (in Sales) arrives, with scimhub's id as externalId; the group follows with her as
    // its member; Bob (not in Sales) does not.
    let pushed = eventually("alice downstream", || async { target.user("alice@example.com").await }).await;
    assert_eq!(pushed["externalId"], alice.as_str());
    assert_eq!(pushed["active"], true);
    let pushed_alice = pushed["id"].as_str().unwrap().to_owned();
    let group = eventually("Sales with alice downstream", || async {
        let (_, list) = target.scim(reqwest::Method::GET, "/Groups?filter=displayName%20eq%20%22Sales%22", None).await;
        let group = list["Resources"].as_array()?.first()?.clone();
        let members = group["members"].as_array()?;
        (members.len() == 1 && members[0]["value"] == pushed_alice.as_str()).then_some(group)
    })
    .await;
    assert_eq!(group["externalId"], sales.as_str());
    eventually("an empty queue", || async { (hub.status("crm")["backlog"] == 0).then_some(()) }).await;
    assert!(target.user("bob@example.com").await.is_none(), "bob is out of scope");

    // An update follows; Bob enters the scope, and leaves it again (deactivated there).
    hub.patch(&format!("/Users/{alice}"), json!([{ "op": "replace", "path": "displayName", "value": "Alice A." }]))
        .await;
    eventually("alice renamed", || async {
        target.user("alice@example.com").await.filter(|u| u["displayName"] == "Alice A.")
    })
    .await;
    hub.patch(&format!("/Groups/{sales}"), json!([{ "op": "add", "path": "members", "value": [{ "value": bob }] }]))
        .await;
    eventually("bob downstream", || async { target.user("bob@example.com").await.filter(|u| u["active"] == true) })
        .await;
    hub.patch(&format!("/Groups/{sales}"), json!([{ "op": "remove", "path": format!("members[value eq \"{bob}\"]") }]))
        .await;
    eventually("bob deactivated", || async { target.user("bob@example.com").await.filter(|u| u["active"] == false) })
        .await;

    // Deactivation, then deletion (the default: delete there too).
    hub.patch(&format!("/Users/{alice}"), json!([{ "op": "replace", "path": "active", "value": false }])).await;
    eventually("alice deactivated", || async {
        target.user("alice@example.com").await.filter(|u| u["active"] == false)
    })
    .await;
    let (status, _) = hub.scim(reqwest::Method::DELETE, &format!("/Users/{alice}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually("alice deleted", || async { target.user("alice@example.com").await.is_none().then_some(()) }).await;

    let status = eventually("an empty queue", || async {
        let status = hub.status("crm");
        (status["backlog"] == 0).then_some(status)
    })
    .await;
    assert_eq!(status["dead_lettered"], 0, "{status}");
    assert!(status["delivered"].as_i64().unwrap() >= 6, "{status}");
    assert!(status["last_success_at"].is_string(), "{status}");
}

#[tokio::test]
async fn a_target_that_is_down_gets_every_change_in_order_once_it_is_back() {
    // The target's database and token exist, but nothing listens on its port yet.
    let target_port = free_port();
    let target_url = sqlite_url().await;
    let (_, target_token) = provision(&target_url, "downstream").await;
    let hub = Node::start(fresh_database_url().await, "hub", free_port()).await;
    let base = format!("http://127.0.0.1:{target_port}/realms/downstream/scim/v2");
    add_scim_app(&hub, "crm", &base, &target_token, &[]);
    let (ok, _, stderr) = hub.cli(&["app", "test", "hub", "crm"], None);
    assert!(!ok && stderr.contains("Connection refused"), "{stderr}");

    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(hub.create_user(&format!("u{n}@example.com")).await);
    }
    for id in ids.iter().step_by(2) {
        hub.patch(&format!("/Users/{id}"), json!([{ "op": "replace", "path": "displayName", "value": "second" }]))
            .await;
    }
    let (status, _) = hub.scim(reqwest::Method::DELETE, &format!("/Users/{}", ids[19]), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Nothing is lost while the target is down: the backlog holds every change, the error says why.
    let status = eventually("a failed attempt", || async {
        let status = hub.status("crm");
        (status["failing"].as_i64() > Some(0)).then_some(status)
    })
    .await;
    assert!(status["last_error"].as_str().unwrap().contains("Connection refused"), "{status}");
    // 19 creates and 10 updates wait; u19's create and delete need nothing from the target (it
    // was never sent) and may be settled already.
    let backlog = status["backlog"].as_i64().unwrap();
    assert!((29..=31).contains(&backlog), "{status}");
    assert_eq!(status["dead_lettered"], 0);

    // The target comes up on the promised port: everything arrives, each user once.
    let target = Node {
        server: {
            let mut server = Server::start_on(target_port, &target_url, &[], &[]);
            server.wait_ready().await;
            server
        },
        database_url: target_url,
        tenant: "downstream".into(),
        token: target_token,
        key_file: String::new(),
    };
    eventually("a drained queue", || async { (hub.status("crm")["backlog"] == 0).then_some(()) }).await;
    assert_eq!(target.user_count().await, 19);
    for (n, id) in ids.iter().enumerate().take(19) {
        let user = target.user(&format!("u{n}@example.com")).await.unwrap();
        assert_eq!(user["externalId"], id.as_str());
        let source = hub.user(&format!("u{n}@example.com")).await.unwrap();
        assert_eq!(source["displayName"], if n % 2 == 0 { "second" } else { "Pilot User" });
        assert_eq!(user["displayName"], source["displayName"], "u{n}");
    }
    assert!(
        target.user("u19@example.com").await.is_none(),
        "a user deleted while the target was down is never created"
    );
}

#[tokio::test]
async fn sigkill_during_delivery_loses_nothing_and_duplicates_nothing() {
    let (mut hub, target) = hub_and_target().await;
    add_scim_app(&hub, "crm", &target.base(), &target.token, &[]);
    const USERS: u64 = 150;
    for n in 0..USERS {
        hub.create_user(&format!("k{n}@example.com")).await;
    }
    // Killed as soon as deliveries have begun (all of them, at worst, already done).
    eventually("a first delivery", || async { (target.user_count().await > 0).then_some(()) }).await;
    hub.server.sigkill();
    let env = [("SCIMHUB_SECRET_KEY_FILE", hub.key_file.as_str())];
    hub.server = Server::start_on(free_port(), &hub.database_url, &HUB_FLAGS, &env);
    hub.server.wait_ready().await;
    eventually("a drained queue", || async { (hub.status("crm")["backlog"] == 0).then_some(()) }).await;
    assert_eq!(target.user_count().await, USERS);
    let status = hub.status("crm");
    assert_eq!(status["dead_lettered"], 0, "{status}");
}

#[tokio::test]
async fn webhooks_are_signed_ordered_retried_after_429_and_dead_lettered_when_refused() {
    let receiver = Receiver::start().await;
    let hub = Node::start(fresh_database_url().await, "hub", free_port()).await;
    let out = hub.cli_ok(&["app", "add", "hub", "hooks", "--webhook-url", &receiver.url], None);
    let secret = out.lines().last().unwrap().trim();
    assert!(secret.starts_with("whsec_"), "{out}");
    receiver.set_secret(secret);
    assert!(hub.cli_ok(&["app", "test", "hub", "hooks"], None).contains("signed ping"));
    // An unknown event type is refused.
    let (ok, _, stderr) =
        hub.cli(&["app", "add", "hub", "h2", "--webhook-url", &receiver.url, "--event", "user.exploded"], None);
    assert!(!ok && stderr.contains("not an event type"), "{stderr}");

    // The first event is refused with 429 and Retry-After: 1.
    receiver.script(&[(429, Some(1))]);
    let id = hub.create_user("carol@example.com").await;
    hub.patch(&format!("/Users/{id}"), json!([{ "op": "replace", "path": "active", "value": false }])).await;
    let (status, _) = hub.scim(reqwest::Method::DELETE, &format!("/Users/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let received = receiver
        .wait_for("four messages accepted", |r| r.iter().filter(|m| (200..300).contains(&m.answered)).count() == 4)
        .await;
    assert!(received.iter().all(|m| m.signed), "{received:#?}");
    let accepted = receiver.accepted();
    let types: Vec<&str> = accepted.iter().map(|m| m.body["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ping", "user.created", "user.deactivated", "user.deleted"]);
    assert_eq!(accepted[1].body["data"]["id"], id.as_str());
    assert_eq!(accepted[1].body["data"]["name"], "carol@example.com");
    assert!(accepted[3].body["data"]["resource"].is_null());
    // The refused message came again with the same id, no sooner than the target asked.
    let refused = received.iter().find(|m| m.answered == 429).unwrap();
    assert_eq!(refused.id, accepted[1].id);
    assert!(accepted[1].at.duration_since(refused.at) >= Duration::from_millis(950));

    // A permanent refusal (400) goes to the dead-letter list with the answer, and the events
    // of other resources go on; retried, it is delivered.
    receiver.script(&[(400, None)]);
    hub.create_user("dave@example.com").await;
    let dead = eventually("a dead letter", || async {
        let out = hub.cli_ok(&["app", "dead", "hub", "hooks"], None);
        out.contains("dave@example.com").then_some(out)
    })
    .await;
    assert!(dead.contains("400 Bad Request") && dead.contains("scripted answer"), "{dead}");
    assert_eq!(hub.status("hooks")["dead_lettered"], 1);
    hub.create_user("erin@example.com").await;
    receiver
        .wait_for("erin", |r| r.iter().any(|m| m.body["data"]["name"] == "erin@example.com" && m.answered == 204))
        .await;
    hub.cli_ok(&["app", "retry", "hub", "hooks"], None);
    receiver
        .wait_for("dave", |r| r.iter().any(|m| m.body["data"]["name"] == "dave@example.com" && m.answered == 204))
        .await;
    let status = hub.status("hooks");
    assert_eq!((status["dead_lettered"].as_i64(), status["backlog"].as_i64()), (Some(0), Some(0)), "{status}");
}

#[tokio::test]
async fn wrong_credentials_and_tls_failures_are_named_and_nothing_is_lost() {
    let (hub, target) = hub_and_target().await;
    add_scim_app(&hub, "wrong", &target.base(), "not-the-token", &[]);
    let tls_url = target.base().replace("http://", "https://");
    add_scim_app(&hub, "tls", &tls_url, &target.token, &[]);
    let (ok, _, stderr) = hub.cli(&["app", "test", "hub", "wrong"], None);
    assert!(!ok && stderr.contains("401"), "{stderr}");
    let (ok, _, stderr) = hub.cli(&["app", "test", "hub", "tls"], None);
    assert!(!ok && stderr.contains("https://"), "{stderr}");
    hub.create_user("frank@example.com").await;
    for (app, says) in [("wrong", "401 Unauthorized"), ("tls", "https://")] {
        let status = eventually("a failed delivery", || async {
            let status = hub.status(app);
            (status["failing"] == 1).then_some(status)
        })
        .await;
        assert!(status["last_error"].as_str().unwrap().contains(says), "{status}");
        assert_eq!((status["backlog"].as_i64(), status["dead_lettered"].as_i64()), (Some(1), Some(0)), "{status}");
    }
    assert_eq!(target.user_count().await, 0);
    // Paused, removed: the application and its queue go.
    hub.cli_ok(&["app", "pause", "hub", "wrong"], None);
    assert_eq!(hub.status("wrong")["paused"], true);
    hub.cli_ok(&["app", "remove", "hub", "wrong"], None);
    let (ok, _, stderr) = hub.cli(&["app", "status", "hub", "wrong", "--json"], None);
    assert!(!ok && stderr.contains("no application named \"wrong\""), "{stderr}");
}

#[tokio::test]
async fn a_dry_run_lists_the_drift_and_a_reconciliation_repairs_it() {
    let (hub, target) = hub_and_target().await;
    add_scim_app(&hub, "crm", &target.base(), &target.token, &[]);
    let ann = hub.create_user("ann@example.com").await;
    hub.create_user("ben@example.com").await;
    hub.create_user("cat@example.com").await;
    // (Deactivated only once it is there: a user inactive before its first push is never created.)
    eventually("ann there", || async { target.user("ann@example.com").await }).await;
    hub.patch(&format!("/Users/{ann}"), json!([{ "op": "replace", "path": "active", "value": false }])).await;
    eventually("three users there, ann inactive", || async {
        let ann = target.user("ann@example.com").await?;
        (target.user_count().await == 3 && ann["active"] == false).then_some(())
    })
    .await;
    eventually("an empty queue", || async { (hub.status("crm")["backlog"] == 0).then_some(()) }).await;

    // Someone changes the application behind scimhub's back.
    let mut ids_there = Vec::new();
    for name in ["ann@example.com", "ben@example.com", "cat@example.com"] {
        ids_there.push(target.user(name).await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let [ann_there, ben_there, cat_there] = <[String; 3]>::try_from(ids_there).unwrap();
    target.patch(&format!("/Users/{ann_there}"), json!([{ "op": "replace", "path": "active", "value": true }])).await;
    target
        .patch(&format!("/Users/{ben_there}"), json!([{ "op": "replace", "path": "displayName", "value": "Wrong" }]))
        .await;
    let (status, _) = target.scim(reqwest::Method::DELETE, &format!("/Users/{cat_there}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let report = hub.cli_ok(&["app", "sync", "hub", "crm", "--dry-run"], None);
    for line in [
        "active there: ann@example.com (would be deactivated)",
        "differs: ben@example.com (displayName would be replaced)",
        "missing there: cat@example.com (would be created)",
        "Compared 3 users: 3 differ, 3 would be pushed.",
    ] {
        assert!(report.contains(line), "{line:?} not in:\n{report}");
    }
    // A dry run changes nothing.
    assert_eq!(hub.status("crm")["backlog"], 0);
    assert_eq!(target.user("ben@example.com").await.unwrap()["displayName"], "Wrong");

    let report = hub.cli_ok(&["app", "reconcile", "hub", "crm"], None);
    assert!(report.contains("3 differ, 3 queued"), "{report}");
    eventually("the drift repaired", || async {
        let (ann, ben, cat) = (
            target.user("ann@example.com").await?,
            target.user("ben@example.com").await?,
            target.user("cat@example.com").await?,
        );
        (ann["active"] == false && ben["displayName"] == "Pilot User" && cat["active"] == true).then_some(())
    })
    .await;
    let report = hub.cli_ok(&["app", "sync", "hub", "crm", "--dry-run"], None);
    assert!(report.contains("Compared 3 users: 0 differ"), "{report}");
}

#[tokio::test]
async fn oauth_client_credentials_authenticate_deliveries() {
    let (hub, target) = hub_and_target().await;
    // The downstream scimhub's own token endpoint (client credentials) issues the tokens.
    target.cli_ok(&["tenant", "configure", "downstream", "--remote-token-auth", "on"], None);
    let out = target.cli_ok(&["client-secret", "rotate", "downstream"], None);
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    let client_id = lines.first().unwrap().rsplit(' ').next().unwrap().trim().to_owned();
    let client_secret = lines.last().unwrap().trim().to_owned();
    let token_url = target.server.url("/realms/downstream/protocol/openid-connect/token");
    let add = |name: &str, secret: &str| {
        let args = [
            "app",
            "add",
            "hub",
            name,
            "--scim-url",
            &target.base(),
            "--client-id",
            &client_id,
            "--client-secret-stdin",
            "--token-url",
            &token_url,
        ];
        hub.cli(&args, Some(&format!("{secret}\n")))
    };
    let (ok, _, stderr) = add("crm", &client_secret);
    assert!(ok, "{stderr}");
    assert!(hub.cli_ok(&["app", "test", "hub", "crm"], None).contains("credentials are accepted"));
    // A wrong client secret: the token endpoint's refusal is the error.
    assert!(add("wrong", "not-the-secret").0);
    let (ok, _, stderr) = hub.cli(&["app", "test", "hub", "wrong"], None);
    assert!(!ok && stderr.contains("/protocol/openid-connect/token answered 401"), "{stderr}");

    for n in 0..5 {
        hub.create_user(&format!("o{n}@example.com")).await;
    }
    eventually("five users there", || async { (target.user_count().await == 5).then_some(()) }).await;
    eventually("an empty queue", || async { (hub.status("crm")["backlog"] == 0).then_some(()) }).await;
    let status = hub.status("crm");
    assert_eq!((status["delivered"].as_i64(), status["dead_lettered"].as_i64()), (Some(5), Some(0)), "{status}");
}

/// The hub's outbound rows of the provisioning log (direction "out"), newest first.
async fn sent_rows(hub: &Node) -> Vec<scimhub::db::log::LogEntry> {
    use scimhub::db::log::{search, Cursor, Direction, LogFilter};
    let db = scimhub::db::Db::connect(&hub.database_url).await.unwrap();
    let tenant = scimhub::db::tenant::by_name(&db, &hub.tenant).await.unwrap().unwrap();
    let filter = LogFilter { tenant_id: tenant.id, direction: Some(Direction::Out), ..LogFilter::default() };
    let rows = search(&db, &filter, Cursor::default(), 500, 5000).await.unwrap().rows;
    db.close().await;
    rows
}

#[tokio::test]
async fn an_outbound_mapping_chooses_what_the_target_receives_and_every_request_is_logged() {
    let (hub, target) = hub_and_target().await;
    add_scim_app(&hub, "crm", &target.base(), &target.token, &[]);
    let defaults = hub.cli_ok(&["app", "mapping", "hub", "crm"], None);
    assert!(defaults.contains("userName = scim:userName") && defaults.contains("externalId = id"), "{defaults}");

    // A mapping without userName, or with a source that does not exist, is refused whole.
    let department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
    for (bad, why) in [
        (vec!["--map", "title=scim:title"], "no rule fills userName"),
        (vec!["--map", "userName=scim:userName", "--map", "title=scim:nosuch"], "line 2"),
        (vec!["--map", "userName=scim:userName", "--map", "id=scim:title"], "does not send \"id\""),
    ] {
        let mut args = vec!["app", "mapping", "hub", "crm"];
        args.extend(bad);
        let (ok, _, stderr) = hub.cli(&args, None);
        assert!(!ok && stderr.contains(why), "{why}: {stderr}");
    }
    assert_eq!(hub.cli_ok(&["app", "mapping", "hub", "crm"], None), defaults, "a refusal changes nothing");

    let rules = format!(
        "userName = email\nexternalId = id\nactive = active\ntitle = scim:{department}\n{department} = displayName\n"
    );
    let saved = hub.cli_ok(&["app", "mapping", "hub", "crm", "--stdin"], Some(&rules));
    assert!(saved.contains("Saved the mapping of crm"), "{saved}");
    let ann = hub.create_user("ann@example.com").await;
    let there = eventually("ann there", || async { target.user("ann@example.com").await }).await;
    assert_eq!(there["title"], "IT", "the department, sent as title: {there}");
    let enterprise = department.trim_end_matches(":department");
    assert_eq!(there[enterprise]["department"], "Pilot User", "{there}");
    assert_eq!(there["externalId"], ann.as_str());
    assert!(there.get("name").is_none() && there.get("emails").is_none(), "only what the mapping sends: {there}");
    let preview: Value =
        serde_json::from_str(&hub.cli_ok(&["app", "preview", "hub", "crm", "ann@example.com"], None)).unwrap();
    assert_eq!((preview["title"].as_str(), preview["externalId"].as_str()), (Some("IT"), Some(ann.as_str())));
    let (ok, _, stderr) = hub.cli(&["app", "preview", "hub", "crm", "nobody@example.com"], None);
    assert!(!ok && stderr.contains("no user \"nobody@example.com\""), "{stderr}");

    // Every request sent is a row of the hub's log, with what the target answered.
    let rows = eventually("the create in the log", || async {
        let rows = sent_rows(&hub).await;
        rows.iter().any(|r| r.entry.operation == "create" && r.entry.status == 201).then_some(rows)
    })
    .await;
    let create = rows.iter().find(|r| r.entry.operation == "create").unwrap();
    assert_eq!(create.entry.method, "POST");
    assert_eq!(create.entry.resource_id.as_deref(), Some(ann.as_str()));
    assert_eq!(create.entry.user_name.as_deref(), Some("ann@example.com"));
    assert!(create.entry.path.ends_with("/scim/v2/Users") && create.entry.application_id.is_some());
    assert!(rows.iter().all(|r| r.entry.credential_id.is_none()), "outbound rows are no client's requests");

    // A second application with a wrong token: its refusals are logged and counted.
    add_scim_app(&hub, "broken", &target.base(), "not-the-token", &[]);
    hub.create_user("ben@example.com").await;
    // The failure's log row and the application's last error are written apart: wait for both.
    let status = eventually("a failure counted and recorded", || async {
        let status = hub.status("broken");
        (status["failures_last_hour"].as_u64() > Some(0) && status["last_error"].is_string()).then_some(status)
    })
    .await;
    assert!(status["last_error"].as_str().is_some_and(|e| e.contains("401")), "{status}");
    assert_eq!(hub.status("crm")["failures_last_hour"], 0);
    let refused = sent_rows(&hub).await.into_iter().find(|r| r.entry.status == 401).unwrap();
    assert!(!format!("{refused:?}").contains("not-the-token"), "credentials are never logged");
}
