//! Reconciliation: read what a SCIM application holds and compare it with what scimhub would
//! push, to find drift — users missing there, users whose attributes differ, users active there
//! who should not be. A dry run only lists the drift; otherwise each drifted user is queued for a
//! push of its current state, which the normal delivery makes true (and logs, retries, …).

use std::collections::HashMap;

use reqwest::Method;
use serde_json::Value;

use super::application::{Application, Kind};
use super::client::{Client, DeliveryError};
use super::journal::Subject;
use super::mapping;
use crate::db::outbound as store;
use crate::db::sql::Where;
use crate::db::{self, Db};

/// The page size used to read both sides.
const PAGE: u64 = 500;

/// Attributes of the sent user that are not compared: the envelope, and the link itself.
const NOT_COMPARED: [&str; 2] = ["schemas", "externalId"];

/// One difference between scimhub and the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// In scope here, absent there.
    Missing {
        /// The userName.
        user_name: String,
    },
    /// Present on both sides with these attributes differing.
    Changed {
        /// The userName.
        user_name: String,
        /// The attributes that differ.
        attributes: Vec<String>,
    },
    /// Active there, but deleted, deactivated or out of scope here.
    ShouldBeInactive {
        /// The userName.
        user_name: String,
    },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Missing { user_name } => write!(f, "missing there: {user_name} (would be created)"),
            Drift::Changed { user_name, attributes } => {
                write!(f, "differs: {user_name} ({} would be replaced)", attributes.join(", "))
            }
            Drift::ShouldBeInactive { user_name } => write!(f, "active there: {user_name} (would be deactivated)"),
        }
    }
}

/// What a reconciliation found (and, unless a dry run, queued).
#[derive(Debug, Default)]
pub struct Reconciliation {
    /// Users compared.
    pub compared: usize,
    /// The drift, one entry per user.
    pub drift: Vec<Drift>,
    /// Users queued for a push (0 in a dry run).
    pub queued: usize,
}

/// The application's users, by the scimhub id they carry as `externalId` (those without one are
/// not scimhub's and are left alone).
async fn target_users(client: &Client, app: &Application) -> Result<HashMap<String, Value>, DeliveryError> {
    let mut users = HashMap::new();
    let mut start = 1u64;
    loop {
        let path = format!("/Users?startIndex={start}&count={PAGE}");
        let answer = client.scim(app, Subject::about("list"), Method::GET, &path, None).await?;
        let resources = answer.body.get("Resources").and_then(Value::as_array).cloned().unwrap_or_default();
        if !answer.status.is_success() || (answer.body.get("totalResults").is_none() && resources.is_empty()) {
            return Err(DeliveryError::Malformed(format!(
                "GET {}{path} answered {} without a ListResponse",
                app.url, answer.status
            )));
        }
        let total = answer.body.get("totalResults").and_then(Value::as_u64).unwrap_or(0);
        let read = resources.len() as u64;
        for user in resources {
            if let Some(external) = user.get("externalId").and_then(Value::as_str) {
                users.insert(external.to_owned(), user.clone());
            }
        }
        start += read;
        if read == 0 || start > total {
            return Ok(users);
        }
    }
}

/// Whether the target's value `have` holds what scimhub sends as `want`: every member of an
/// object (a target may add its own, such as `name.formatted`), each element of a list in
/// order, strings equal ignoring case where SCIM says they are not case-exact (`userName`
/// and email values), anything else equal.
fn holds(want: &Value, have: &Value, case_exact: bool) -> bool {
    match (want, have) {
        (Value::Object(want), Value::Object(have)) => want.iter().all(|(key, w)| {
            let exact = !matches!(key.as_str(), "value" | "userName") || case_exact;
            have.get(key).is_some_and(|h| holds(w, h, exact))
        }),
        (Value::Array(want), Value::Array(have)) => {
            want.len() == have.len() && want.iter().zip(have).all(|(w, h)| holds(w, h, case_exact))
        }
        (Value::String(a), Value::String(b)) if !case_exact => a.eq_ignore_ascii_case(b),
        _ => want == have,
    }
}

/// The attributes of `expected` (the user as the mapping renders it) that `actual` (the
/// target's user) does not hold.
fn differing(expected: &Value, actual: &Value) -> Vec<String> {
    let Some(expected) = expected.as_object() else {
        return Vec::new();
    };
    expected
        .iter()
        .filter(|(key, _)| !NOT_COMPARED.contains(&key.as_str()))
        .filter(|(key, want)| {
            // Email values are compared ignoring case; so is userName.
            let case_exact = !matches!(key.as_str(), "userName" | "emails");
            !actual.get(key.as_str()).is_some_and(|have| holds(want, have, case_exact))
        })
        .map(|(key, _)| key.clone())
        .collect()
}

/// Compares the application with the tenant's users; queues a push of each drifted user unless
/// `dry_run`.
pub async fn reconcile(
    db: &Db,
    client: &Client,
    app: &Application,
    dry_run: bool,
    now_ms: i64,
) -> Result<Reconciliation, DeliveryError> {
    if app.kind != Kind::Scim {
        return Err(DeliveryError::Malformed("only SCIM applications can be reconciled".into()));
    }
    let mut there = target_users(client, app).await?;
    let mut result = Reconciliation::default();
    let mut pushes: Vec<(String, String)> = Vec::new();
    let mut offset = 0;
    loop {
        let users = db::user::list(db, &app.tenant_id, &Where::all(), None, offset, PAGE).await?;
        offset += PAGE;
        for user in &users {
            result.compared += 1;
            let in_scope = store::in_scope(db, app, &user.id).await?;
            let remote = there.remove(&user.id);
            let drift = match (remote, in_scope && user.active) {
                (None, true) => Some(Drift::Missing { user_name: user.user_name.clone() }),
                (Some(remote), true) => {
                    let attributes = differing(&mapping::render(&app.settings.mapping, user), &remote);
                    (!attributes.is_empty()).then(|| Drift::Changed { user_name: user.user_name.clone(), attributes })
                }
                (Some(remote), false) if remote.get("active") != Some(&Value::Bool(false)) => {
                    Some(Drift::ShouldBeInactive { user_name: user.user_name.clone() })
                }
                _ => None,
            };
            if let Some(drift) = drift {
                result.drift.push(drift);
                pushes.push((user.id.clone(), user.user_name.clone()));
            }
        }
        if (users.len() as u64) < PAGE {
            break;
        }
    }
    // Users scimhub pushed that no longer exist here, still active there.
    for (id, remote) in there {
        if remote.get("active") != Some(&Value::Bool(false)) {
            let user_name = remote.get("userName").and_then(Value::as_str).unwrap_or(&id).to_owned();
            if store::link_of(db, &app.id, "User", &id).await?.is_some() {
                result.drift.push(Drift::ShouldBeInactive { user_name: user_name.clone() });
                pushes.push((id, user_name));
            }
        }
    }
    if !dry_run {
        let queued: Vec<(&str, &str, &str)> =
            pushes.iter().map(|(id, name)| ("User", id.as_str(), name.as_str())).collect();
        store::enqueue_pushes(db, &app.id, &queued, now_ms).await?;
        result.queued = queued.len();
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_what_the_mapping_sends_is_compared() {
        let ours = json!({ "schemas": ["s"], "userName": "Ann@x", "displayName": "Ann", "active": true,
                           "externalId": "1", "name": { "givenName": "Ann" }, "emails": [{ "value": "Ann@X" }] });
        let same = json!({ "userName": "ann@X", "displayName": "Ann", "active": true, "title": "extra", "id": "t",
                           "name": { "givenName": "Ann", "formatted": "Ann" }, "emails": [{ "value": "ann@x" }] });
        assert!(differing(&ours, &same).is_empty());
        let other = json!({ "userName": "ann@x", "displayName": "ann", "active": false,
                            "name": { "givenName": "Anne" }, "emails": [{ "value": "ann@x" }, { "value": "b@x" }] });
        assert_eq!(differing(&ours, &other), ["active", "displayName", "emails", "name"]);
        assert_eq!(differing(&json!({ "emails": [{ "value": "a@x" }] }), &json!({})), ["emails"]);
        assert_eq!(Drift::Missing { user_name: "a".into() }.to_string(), "missing there: a (would be created)");
    }
}
