//! Delivering to a SCIM 2.0 application. Delivery is by state, as Entra ID provisions: an event
//! says *which* resource changed, and the resource's current state is pushed — created (POST, or
//! linked to the target's existing user when the POST answers 409), replaced (PUT), deactivated
//! (PATCH `active: false`) or deleted. So every event of a resource waiting at that moment is
//! covered by one push, and a push that is repeated (after a crash) sends the same state again.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::application::{Application, OnDelete};
use super::client::{Answer, Client, DeliveryError};
use super::journal::Subject;
use crate::db::outbound::{self as store, Event};
use crate::db::{self, Db};

const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A resource being pushed: its type, its scimhub id, and the attribute and value that identify
/// it at the target when a create is refused as a duplicate.
struct Pushed<'a> {
    resource_type: &'static str,
    id: &'a str,
    key: (&'static str, &'a str),
}

impl<'a> Pushed<'a> {
    /// The subject of a request doing `operation` to it.
    fn subject(&self, operation: &'static str) -> Subject<'a> {
        Subject { operation, resource_type: Some(self.resource_type), id: Some(self.id), name: Some(self.key.1) }
    }
}

/// What one delivery needs.
pub struct Delivery<'a> {
    /// The database.
    pub db: &'a Db,
    /// The HTTP client.
    pub client: &'a Client,
    /// The application.
    pub app: &'a Application,
    /// The time (ms).
    pub now_ms: i64,
}

/// A SCIM filter's string literal.
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The `id` of a resource the target answered with.
fn target_id(answer: &Answer, what: &str) -> Result<String, DeliveryError> {
    answer
        .body
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| DeliveryError::Malformed(format!("the application answered the {what} without an \"id\"")))
}

impl Delivery<'_> {
    /// Pushes the current state of the event's resource; returns the ids of the events this
    /// push covers (every event of the resource that was waiting before its state was read).
    pub async fn deliver(&self, event: &Event) -> Result<Vec<i64>, DeliveryError> {
        let mut covered = store::pending_of(self.db, &self.app.id, &event.resource_id).await?;
        if !covered.iter().any(|e| e.id == event.id) {
            covered.insert(0, event.clone());
        }
        match event.resource_type.as_str() {
            "Group" => self.push_group(&event.resource_id, &covered).await?,
            _ => self.push_user(&event.resource_id, &event.name).await?,
        }
        Ok(covered.iter().map(|e| e.id).collect())
    }

    async fn send(
        &self,
        subject: Subject<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, DeliveryError> {
        self.client.scim(self.app, subject, method, path, body).await
    }

    /// An error for an answer the caller did not expect (404 or 409 where they mean nothing).
    fn unexpected(method: Method, path: &str, answer: &Answer) -> DeliveryError {
        DeliveryError::Refused {
            method,
            url: path.to_owned(),
            status: answer.status,
            answer: super::client::clip(&answer.body.to_string()),
            retry_after: None,
        }
    }

    /// Pushes a user's current state; `name` is its userName as the event recorded it (all
    /// that is left of a deleted user).
    async fn push_user(&self, user_id: &str, name: &str) -> Result<(), DeliveryError> {
        let record = db::user::get(self.db, &self.app.tenant_id, user_id).await?;
        let link = store::link_of(self.db, &self.app.id, "User", user_id).await?;
        let Some(record) = record else {
            // Deleted in scimhub.
            if let Some(target) = link {
                let gone = Pushed { resource_type: "User", id: user_id, key: ("userName", name) };
                match self.app.settings.on_delete {
                    OnDelete::Delete => self.delete(&gone, &format!("/Users/{target}")).await?,
                    OnDelete::Deactivate => self.deactivate(&gone, &target).await?,
                }
                store::remove_link(self.db, &self.app.id, user_id).await?;
            }
            return Ok(());
        };
        if !store::in_scope(self.db, self.app, user_id).await? {
            if let Some(target) = link {
                let left = Pushed { resource_type: "User", id: user_id, key: ("userName", &record.user_name) };
                self.deactivate(&left, &target).await?;
            }
            return Ok(());
        }
        let body = super::mapping::render(&self.app.settings.mapping, &record);
        let user_name = body.get("userName").and_then(Value::as_str).unwrap_or(&record.user_name);
        let pushed = Pushed { resource_type: "User", id: user_id, key: ("userName", user_name) };
        if let Some(target) = &link {
            if self.replace_linked(&pushed, target, &body).await? {
                return Ok(());
            }
        }
        if !record.active {
            // Never created there (or gone there), inactive here: nothing to provision.
            return Ok(());
        }
        let target = self.create_or_adopt(&pushed, &body).await?;
        self.linked("User", user_id, &target).await?;
        // Groups pushed before this user was linked miss it as a member: push them again.
        if self.app.settings.push_groups {
            let groups = store::groups_of(self.db, &self.app.tenant_id, user_id).await?;
            let pushes: Vec<(&str, &str, &str)> =
                groups.iter().map(|(id, name)| ("Group", id.as_str(), name.as_str())).collect();
            store::enqueue_pushes(self.db, &self.app.id, &pushes, self.now_ms).await?;
        }
        Ok(())
    }

    async fn linked(&self, resource_type: &str, id: &str, target: &str) -> Result<(), DeliveryError> {
        Ok(store::put_link(self.db, &self.app.id, resource_type, id, target, self.now_ms).await?)
    }

    /// Replaces the linked resource there (PUT); `false` when it is gone there (404: the link
    /// is dropped, so the caller creates it again).
    async fn replace_linked(&self, pushed: &Pushed<'_>, target: &str, body: &Value) -> Result<bool, DeliveryError> {
        let path = format!("/{}s/{target}", pushed.resource_type);
        let answer = self.send(pushed.subject("replace"), Method::PUT, &path, Some(body)).await?;
        match answer.status {
            s if s.is_success() => self.linked(pushed.resource_type, pushed.id, target).await.map(|()| true),
            StatusCode::NOT_FOUND => Ok(store::remove_link(self.db, &self.app.id, pushed.id).await.map(|()| false)?),
            _ => Err(Self::unexpected(Method::PUT, &path, &answer)),
        }
    }

    /// Creates the resource there (POST) and returns its id there. When the target already
    /// has one with its name (409), that one is found by filter, made to match (PUT) and adopted.
    async fn create_or_adopt(&self, pushed: &Pushed<'_>, body: &Value) -> Result<String, DeliveryError> {
        let endpoint = format!("/{}s", pushed.resource_type);
        let answer = self.send(pushed.subject("create"), Method::POST, &endpoint, Some(body)).await?;
        match answer.status {
            s if s.is_success() => target_id(&answer, &format!("created {}", pushed.resource_type.to_lowercase())),
            StatusCode::CONFLICT => {
                let target = self.find(pushed, &endpoint).await?;
                let path = format!("{endpoint}/{target}");
                let answer = self.send(pushed.subject("link"), Method::PUT, &path, Some(body)).await?;
                match answer.status.is_success() {
                    true => Ok(target),
                    false => Err(Self::unexpected(Method::PUT, &path, &answer)),
                }
            }
            _ => Err(Self::unexpected(Method::POST, &endpoint, &answer)),
        }
    }

    /// The id of the target's one resource whose key attribute (userName, displayName) has the
    /// pushed resource's value.
    async fn find(&self, pushed: &Pushed<'_>, endpoint: &str) -> Result<String, DeliveryError> {
        let (attribute, value) = pushed.key;
        let filter = format!("{attribute} eq {}", quoted(value));
        let path = format!(
            "{endpoint}?filter={}",
            url::form_urlencoded::byte_serialize(filter.as_bytes()).collect::<String>()
        );
        let answer = self.send(pushed.subject("list"), Method::GET, &path, None).await?;
        let found = answer.body.get("Resources").and_then(Value::as_array).and_then(|r| r.first());
        match found.and_then(|r| r.get("id")).and_then(Value::as_str) {
            Some(id) if answer.status.is_success() => Ok(id.to_owned()),
            _ => Err(DeliveryError::Malformed(format!(
                "the application refused {endpoint} with {attribute} {value:?} as taken (409), but a filter for it finds nothing"
            ))),
        }
    }

    async fn deactivate(&self, pushed: &Pushed<'_>, target: &str) -> Result<(), DeliveryError> {
        let body = json!({
            "schemas": [PATCH_SCHEMA],
            "Operations": [{ "op": "replace", "path": "active", "value": false }],
        });
        let path = format!("/Users/{target}");
        let answer = self.send(pushed.subject("deactivate"), Method::PATCH, &path, Some(&body)).await?;
        match answer.status {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
            _ => Err(Self::unexpected(Method::PATCH, &path, &answer)),
        }
    }

    async fn delete(&self, pushed: &Pushed<'_>, path: &str) -> Result<(), DeliveryError> {
        let answer = self.send(pushed.subject("delete"), Method::DELETE, path, None).await?;
        match answer.status {
            s if s.is_success() || s == StatusCode::NOT_FOUND => Ok(()),
            _ => Err(Self::unexpected(Method::DELETE, path, &answer)),
        }
    }

    /// A group's events: the users they moved into or out of a scope group are pushed again,
    /// and the group itself when the application receives groups.
    async fn push_group(&self, group_id: &str, events: &[Event]) -> Result<(), DeliveryError> {
        let scope = &self.app.settings.scope_groups;
        let is_scope_group = scope.iter().any(|g| g == group_id);
        if is_scope_group {
            self.rescope(group_id, events).await?;
        }
        if !self.app.settings.push_groups || (!scope.is_empty() && !is_scope_group) {
            return Ok(());
        }
        let group = db::group::find(self.db, &self.app.tenant_id, group_id).await?;
        let link = store::link_of(self.db, &self.app.id, "Group", group_id).await?;
        let Some(group) = group else {
            if let Some(target) = link {
                let name = events.first().map_or(group_id, |e| e.name.as_str());
                let gone = Pushed { resource_type: "Group", id: group_id, key: ("displayName", name) };
                self.delete(&gone, &format!("/Groups/{target}")).await?;
                store::remove_link(self.db, &self.app.id, group_id).await?;
            }
            return Ok(());
        };
        let member_ids = db::group::member_ids(self.db, &self.app.tenant_id, &group.id, None).await?;
        let linked = store::links_of(self.db, &self.app.id, &member_ids).await?;
        let mut members: Vec<Value> =
            member_ids.iter().filter_map(|id| linked.get(id)).map(|t| json!({ "value": t })).collect();
        members.sort_by(|a, b| a["value"].as_str().cmp(&b["value"].as_str()));
        let body = json!({
            "schemas": [GROUP_SCHEMA],
            "displayName": group.display_name,
            "externalId": group.id,
            "members": members,
        });
        let pushed = Pushed { resource_type: "Group", id: &group.id, key: ("displayName", &group.display_name) };
        if let Some(target) = &link {
            if self.replace_linked(&pushed, target, &body).await? {
                return Ok(());
            }
        }
        let target = self.create_or_adopt(&pushed, &body).await?;
        self.linked("Group", &group.id, &target).await
    }

    /// A scope group changed: the users its events added or removed are pushed again (they
    /// entered or left the scope); when it was deleted, every linked user is; when it was
    /// synced, every member.
    async fn rescope(&self, group_id: &str, events: &[Event]) -> Result<(), DeliveryError> {
        if events.iter().any(|e| e.kind == "deleted") {
            let users = store::linked_users(self.db, &self.app.id).await?;
            let pushes: Vec<(&str, &str, &str)> =
                users.iter().map(|(id, name)| ("User", id.as_str(), name.as_str())).collect();
            return Ok(store::enqueue_pushes(self.db, &self.app.id, &pushes, self.now_ms).await?);
        }
        let mut ids: Vec<String> = Vec::new();
        for event in events {
            match event.members.as_deref().map(serde_json::from_str::<Value>) {
                Some(Ok(members)) => ids.extend(
                    ["added", "removed"]
                        .iter()
                        .filter_map(|k| members.get(k).and_then(Value::as_array))
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned),
                ),
                _ if event.kind == "sync" => {
                    ids.extend(db::group::member_ids(self.db, &self.app.tenant_id, group_id, None).await?);
                }
                _ => {}
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let pushes: Vec<(&str, &str, &str)> = ids.iter().map(|id| ("User", id.as_str(), id.as_str())).collect();
        Ok(store::enqueue_pushes(self.db, &self.app.id, &pushes, self.now_ms).await?)
    }
}
