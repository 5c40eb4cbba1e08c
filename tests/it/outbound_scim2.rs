//! Outbound provisioning against a third-party SCIM 2.0 service: `scim2-server` from PyPI (the
//! python-scim project's in-memory server), installed on demand in a venv under target/ and
//! run as a child process. The hub runs on the database under test; what arrives is read back
//! through scim2-server's own SCIM API. Every wait is for a state, bounded only to turn a hang
//! into a failure.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::outbound::{add_scim_app, eventually, urlencode, Node};
use crate::process::{client, free_port, START_TIMEOUT};
use crate::support::{fresh_database_url, pip_program};

/// The pinned scim2-server release.
const SCIM2_SERVER_VERSION: &str = "0.8.3";

/// scim2-server's program, installed in `target/scim2-server-venv` if needed (see
/// [`pip_program`]).
fn scim2_server_program() -> PathBuf {
    pip_program("scim2-server-venv", "scim2-server", SCIM2_SERVER_VERSION, "scim2-server")
}

/// A running scim2-server, which accepts only its bearer token. Dropping it kills the process;
/// when the test is failing, its log (one line per request) is printed first.
struct Scim2Server {
    child: Child,
    /// The SCIM base URL (`http://127.0.0.1:PORT/v2`).
    base: String,
    token: String,
    log: PathBuf,
}

impl Scim2Server {
    /// Installs (if needed) and starts scim2-server on a free port; returns once it answers.
    async fn start() -> Scim2Server {
        let program = scim2_server_program();
        let port = free_port();
        let token = format!("s2-{}", uuid::Uuid::new_v4().simple());
        let log = std::env::temp_dir().join(format!("scim2-server-{}.log", uuid::Uuid::new_v4().simple()));
        let out = File::create(&log).unwrap();
        let child = Command::new(&program)
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string(), "--bearer-token", &token])
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut server = Scim2Server { child, base: format!("http://127.0.0.1:{port}/v2"), token, log };
        server.wait_ready().await;
        server
    }

    /// Waits until `GET /v2/ServiceProviderConfig` answers 200 (it needs no token).
    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("scim2-server exited during start-up: {status}\n{}", self.output());
            }
            let probe = client().get(format!("{}/ServiceProviderConfig", self.base)).timeout(Duration::from_secs(2));
            if let Ok(answer) = probe.send().await {
                if answer.status() == StatusCode::OK {
                    return;
                }
            }
            assert!(started.elapsed() < START_TIMEOUT, "scim2-server did not answer within {START_TIMEOUT:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// What the process has written so far.
    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path` on scim2-server's SCIM API, with its token.
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let answer = client()
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("accept", "application/scim+json")
            .send()
            .await
            .unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// `POST path` on scim2-server's SCIM API, with its token.
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let answer = client()
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = answer.status();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// The resource at `path` (`/Users/ID`), or `None` when scim2-server answers 404.
    async fn resource(&self, path: &str) -> Option<Value> {
        let (status, body) = self.get(path).await;
        match status {
            StatusCode::OK => Some(body),
            StatusCode::NOT_FOUND => None,
            _ => panic!("GET {path} on scim2-server: {status} {body}"),
        }
    }

    /// The one resource of `endpoint` whose `attribute` equals `value`, if any (never two).
    async fn find(&self, endpoint: &str, attribute: &str, value: &str) -> Option<Value> {
        let filter = format!("{attribute} eq {}", serde_json::to_string(value).unwrap());
        let path = format!("{endpoint}?filter={}", urlencode(&filter));
        let (status, list) = self.get(&path).await;
        assert_eq!(status, StatusCode::OK, "GET {path} on scim2-server: {list}");
        let found = list["Resources"].as_array().cloned().unwrap_or_default();
        assert!(found.len() <= 1, "{endpoint} has {attribute} {value:?} more than once: {list}");
        found.into_iter().next()
    }

    /// The user with this userName there, if any.
    async fn user_named(&self, user_name: &str) -> Option<Value> {
        self.find("/Users", "userName", user_name).await
    }

    /// The group with this displayName there, if any.
    async fn group_named(&self, display_name: &str) -> Option<Value> {
        self.find("/Groups", "displayName", display_name).await
    }
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- scim2-server log\n{}", self.output());
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The ids of a group's members (scim2-server leaves `members` out when there are none).
fn member_ids(group: &Value) -> BTreeSet<String> {
    let members = group["members"].as_array().cloned().unwrap_or_default();
    members.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect()
}

/// A set of ids, to compare with [`member_ids`].
fn ids<const N: usize>(ids: [&str; N]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

/// Waits until the user arrives at scim2-server as the hub pushes it (scimhub's id as
/// externalId, the attributes of `entra_user`, active) and returns its id there.
async fn arrived(target: &Scim2Server, user_name: &str, hub_id: &str) -> String {
    let user =
        eventually(&format!("{user_name} at scim2-server"), || async { target.user_named(user_name).await }).await;
    assert_eq!(user["externalId"], hub_id, "{user}");
    assert_eq!(user["userName"], user_name, "{user}");
    assert_eq!(user["active"], true, "{user}");
    assert_eq!(user["displayName"], "Pilot User", "{user}");
    assert_eq!(user["name"]["givenName"], "Pilot", "{user}");
    assert_eq!(user["name"]["familyName"], "User", "{user}");
    assert_eq!(user["emails"][0]["value"], user_name, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert!(!id.is_empty() && id != hub_id, "scim2-server assigns its own ids: {user}");
    id
}

#[tokio::test]
async fn users_and_groups_flow_on_to_scim2_server() {
    let target = Scim2Server::start().await;
    let hub = Node::start(fresh_database_url().await, "hub", free_port()).await;

    // A wrong token is named by the connection test (scim2-server checks it), and removed.
    add_scim_app(&hub, "wrong", &target.base, "not-the-token", &[]);
    let (ok, _, stderr) = hub.cli(&["app", "test", "hub", "wrong"], None);
    assert!(!ok && stderr.contains("401"), "{stderr}");
    hub.cli_ok(&["app", "remove", "hub", "wrong"], None);

    add_scim_app(&hub, "python", &target.base, &target.token, &["--push-groups"]);
    let tested = hub.cli_ok(&["app", "test", "hub", "python"], None);
    assert!(tested.contains("a SCIM service provider") && tested.contains("credentials are accepted"), "{tested}");

    // Users arrive with their attributes and scimhub's id as externalId.
    let alice = hub.create_user("alice@example.com").await;
    let bob = hub.create_user("bob@example.com").await;
    let carol = hub.create_user("carol@example.com").await;
    let alice_t = arrived(&target, "alice@example.com", &alice).await;
    let bob_t = arrived(&target, "bob@example.com", &bob).await;
    let carol_t = arrived(&target, "carol@example.com", &carol).await;

    // A user scim2-server has already (its POST answers 409) is found by userName and linked.
    let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "dave@example.com" });
    let (status, existing) = target.post("/Users", user).await;
    assert_eq!(status, StatusCode::CREATED, "{existing}");
    let dave = hub.create_user("dave@example.com").await;
    let dave_t = eventually("dave linked at scim2-server", || async {
        target.user_named("dave@example.com").await.filter(|u| u["externalId"] == dave.as_str())
    })
    .await;
    assert_eq!(dave_t["id"], existing["id"], "{dave_t}");
    assert_eq!((&dave_t["displayName"], &dave_t["active"]), (&json!("Pilot User"), &json!(true)), "{dave_t}");

    // An update replaces the same user there (no second one appears).
    hub.patch(&format!("/Users/{alice}"), json!([{ "op": "replace", "path": "displayName", "value": "Alice A." }]))
        .await;
    let renamed = eventually("alice renamed at scim2-server", || async {
        target.resource(&format!("/Users/{alice_t}")).await.filter(|u| u["displayName"] == "Alice A.")
    })
    .await;
    assert_eq!((&renamed["externalId"], &renamed["active"]), (&json!(alice), &json!(true)), "{renamed}");
    assert_eq!(target.user_named("alice@example.com").await.unwrap()["id"], alice_t.as_str());

    // A group with members: its members there are the users' ids there.
    let (status, sales) = hub
        .scim(
            reqwest::Method::POST,
            "/Groups",
            Some(json!({ "displayName": "Sales", "members": [{ "value": alice }, { "value": bob }] })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sales}");
    let sales = sales["id"].as_str().unwrap().to_owned();
    let group = eventually("Sales with alice and bob at scim2-server", || async {
        target.group_named("Sales").await.filter(|g| member_ids(g) == ids([&alice_t, &bob_t]))
    })
    .await;
    assert_eq!(group["externalId"], sales.as_str(), "{group}");
    let sales_t = group["id"].as_str().unwrap().to_owned();

    // Membership changes: bob leaves, carol joins; the same group is updated.
    hub.patch(
        &format!("/Groups/{sales}"),
        json!([
            { "op": "remove", "path": format!("members[value eq \"{bob}\"]") },
            { "op": "add", "path": "members", "value": [{ "value": carol }] },
        ]),
    )
    .await;
    eventually("Sales with alice and carol at scim2-server", || async {
        target.resource(&format!("/Groups/{sales_t}")).await.filter(|g| member_ids(g) == ids([&alice_t, &carol_t]))
    })
    .await;

    // Deactivation: bob stays there, inactive.
    hub.patch(&format!("/Users/{bob}"), json!([{ "op": "replace", "path": "active", "value": false }])).await;
    let deactivated = eventually("bob deactivated at scim2-server", || async {
        target.resource(&format!("/Users/{bob_t}")).await.filter(|u| u["active"] == false)
    })
    .await;
    assert_eq!((&deactivated["userName"], &deactivated["externalId"]), (&json!("bob@example.com"), &json!(bob)));

    // Deletion (the default: deleted there too) of carol, a member of Sales.
    let (status, _) = hub.scim(reqwest::Method::DELETE, &format!("/Users/{carol}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually("carol deleted at scim2-server", || async {
        target.resource(&format!("/Users/{carol_t}")).await.is_none().then_some(())
    })
    .await;
    assert!(target.user_named("carol@example.com").await.is_none());
    eventually("an empty queue", || async { (hub.status("python")["backlog"] == 0).then_some(()) }).await;
    // Carol left Sales in the hub when she was deleted, so she must have left it there too:
    // read now, asserted at the end (so that a failure here does not hide the steps below).
    let (_, in_hub) = hub.scim(reqwest::Method::GET, &format!("/Groups/{sales}"), None).await;
    assert_eq!(member_ids(&in_hub), ids([&alice]), "{in_hub}");
    let sales_after_delete = member_ids(&target.resource(&format!("/Groups/{sales_t}")).await.unwrap());

    // What scim2-server holds in the end: alice (renamed), bob (inactive) and dave, nobody else.
    let (status, list) = target.get("/Users").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["totalResults"], 3, "{list}");
    let alice_there = target.resource(&format!("/Users/{alice_t}")).await.unwrap();
    assert_eq!((&alice_there["displayName"], &alice_there["active"]), (&json!("Alice A."), &json!(true)));
    assert_eq!(target.resource(&format!("/Users/{bob_t}")).await.unwrap()["active"], false);

    // The group's deletion follows.
    let (status, _) = hub.scim(reqwest::Method::DELETE, &format!("/Groups/{sales}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    eventually("Sales deleted at scim2-server", || async {
        target.resource(&format!("/Groups/{sales_t}")).await.is_none().then_some(())
    })
    .await;

    let status = eventually("an empty queue", || async {
        let status = hub.status("python");
        (status["backlog"] == 0).then_some(status)
    })
    .await;
    assert_eq!(status["dead_lettered"], 0, "{status}");
    assert!(status["last_success_at"].is_string(), "{status}");
    assert_eq!(
        sales_after_delete,
        ids([&alice_t]),
        "Sales at scim2-server still lists the deleted carol ({carol_t}) as a member: deleting a user in \
         the hub removed her from Sales in the hub, but Sales was not pushed again"
    );
}
