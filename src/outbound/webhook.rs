//! Delivering to a webhook, signed as the Standard Webhooks specification says: each message is
//! a POST of JSON with `webhook-id` (the same on every retry of a message, so receivers can drop
//! duplicates), `webhook-timestamp` (seconds) and `webhook-signature` (`v1,` and the base64
//! HMAC-SHA256, keyed with the secret's bytes, of `{id}.{timestamp}.{body}`). Events are sent
//! one by one, in order per resource; `data.resource` is the resource as it is when the
//! message is sent (or `null` once it is deleted).

use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

use super::application::Application;
use super::client::{clip, unreachable, Client, DeliveryError};
use super::journal::{Answered, Sent, Subject};
use crate::clock::rfc3339_ms;
use crate::db::outbound::Event;
use crate::db::{self, Db};
use crate::secret::Secret;

/// The prefix of a signing secret (the specification's convention).
const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> Secret {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    Secret::given(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The `webhook-signature` value of a message.
pub fn signature(secret: &Secret, id: &str, timestamp: i64, body: &str) -> Result<String, DeliveryError> {
    let encoded = secret.expose().strip_prefix(SECRET_PREFIX).unwrap_or(secret.expose());
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| DeliveryError::Malformed("the signing secret is not whsec_ and base64".into()))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&key).map_err(|_| DeliveryError::Malformed("empty signing secret".into()))?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The event type of an outbox event (`group.members_changed` for a group change that added or
/// removed members; a sync is an update).
pub fn event_type(event: &Event) -> String {
    let resource = event.resource_type.to_ascii_lowercase();
    let kind = match event.kind.as_str() {
        "updated" if event.members.is_some() => "members_changed",
        "sync" => "updated",
        kind => kind,
    };
    format!("{resource}.{kind}")
}

/// Sends a signed message about `subject`; an answer other than 2xx is an error. The message
/// is recorded in the client's journal.
pub async fn send(
    client: &Client,
    app: &Application,
    subject: Subject<'_>,
    id: &str,
    body: &Value,
    now_ms: i64,
) -> Result<(), DeliveryError> {
    let text = body.to_string();
    let timestamp = now_ms / 1000;
    let signature = signature(&client.secret(app)?, id, timestamp, &text)?;
    let request = client
        .http()
        .post(&app.url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(text);
    let sent = Sent { app, method: &Method::POST, url: &app.url, subject, body: Some(body), started: Instant::now() };
    let (status, retry_after, answer) = match client.exchange(request).await {
        Ok(answer) => answer,
        Err(e) => {
            let error = unreachable(&Method::POST, &app.url, &e);
            client.record(sent, Answered::Nothing(&error.to_string())).await;
            return Err(error);
        }
    };
    client.record(sent, Answered::Status(status, &answer)).await;
    if status.is_success() {
        return Ok(());
    }
    Err(DeliveryError::Refused {
        method: Method::POST,
        url: app.url.clone(),
        status,
        answer: clip(&answer),
        retry_after,
    })
}

/// Delivers one event (when the webhook subscribes to its type); returns its id.
pub async fn deliver(
    db: &Db,
    client: &Client,
    app: &Application,
    event: &Event,
    now_ms: i64,
) -> Result<Vec<i64>, DeliveryError> {
    let kind = event_type(event);
    if !app.subscribed(&kind) {
        return Ok(vec![event.id]);
    }
    let resource = match event.resource_type.as_str() {
        "User" => db::user::get(db, &app.tenant_id, &event.resource_id).await?.map(|u| with_id(u.resource, &u.id)),
        _ => db::group::find(db, &app.tenant_id, &event.resource_id).await?.map(|g| with_id(g.resource, &g.id)),
    };
    let mut data = json!({
        "resourceType": event.resource_type,
        "id": event.resource_id,
        "name": event.name,
        "resource": resource,
    });
    if let (Some(members), Some(obj)) = (event.members.as_deref(), data.as_object_mut()) {
        obj.insert("members".into(), serde_json::from_str(members).unwrap_or(Value::Null));
    }
    let body = json!({ "type": kind, "timestamp": rfc3339_ms(event.created_at), "data": data });
    let resource_type = if event.resource_type == "User" { "User" } else { "Group" };
    let subject = Subject {
        operation: "notify",
        resource_type: Some(resource_type),
        id: Some(&event.resource_id),
        name: Some(&event.name),
    };
    send(client, app, subject, &message_id(app, event.id), &body, now_ms).await?;
    Ok(vec![event.id])
}

/// A message's id: stable across retries, unique across applications.
fn message_id(app: &Application, event_id: i64) -> String {
    format!("msg_{}_{event_id}", app.id.replace('-', ""))
}

fn with_id(mut resource: Value, id: &str) -> Value {
    if let Some(obj) = resource.as_object_mut() {
        obj.insert("id".into(), Value::from(id));
    }
    resource
}

/// A signed `ping` message (the connection test).
pub async fn ping(client: &Client, app: &Application, now_ms: i64) -> Result<(), DeliveryError> {
    let id = format!("msg_ping_{}", uuid::Uuid::new_v4().simple());
    let body = json!({ "type": "ping", "timestamp": rfc3339_ms(now_ms), "data": { "application": app.name } });
    send(client, app, Subject::about("notify"), &id, &body, now_ms).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The specification's published test vector.
        let secret = Secret::given("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
        let body = r#"{"test": 2432232314}"#;
        let signed = signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(new_secret().expose().starts_with(SECRET_PREFIX));
    }

    #[test]
    fn member_changes_have_their_own_event_type() {
        let event = |resource_type: &str, kind: &str, members: Option<&str>| Event {
            id: 1,
            resource_type: resource_type.into(),
            resource_id: "r".into(),
            kind: kind.into(),
            name: "n".into(),
            members: members.map(str::to_owned),
            created_at: 0,
            attempts: 0,
            last_error: None,
        };
        assert_eq!(event_type(&event("User", "deactivated", None)), "user.deactivated");
        assert_eq!(event_type(&event("Group", "updated", Some("{}"))), "group.members_changed");
        assert_eq!(event_type(&event("Group", "updated", None)), "group.updated");
        assert_eq!(event_type(&event("Group", "created", Some("{}"))), "group.created");
        assert_eq!(event_type(&event("User", "sync", None)), "user.updated");
    }
}
