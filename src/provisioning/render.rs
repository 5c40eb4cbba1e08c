//! Serving stored resources: the stored JSON plus `id` and `meta` derived from the columns, and
//! the attributes that live in the membership table (a group's `members`, a user's `groups`).

use scim::path::AttrPath;
use scim::resource;
use scim::schema::ResourceSchema;
use serde_json::{json, Map, Value};

use crate::clock::rfc3339_ms;
use crate::db::group::{GroupRecord, Member, Membership};
use crate::db::user::UserRecord;

/// A resource version as SCIM names it: `meta.version`, which is also the weak `ETag` of the
/// resource (RFC 7644 §3.14).
pub fn version_tag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// The stored JSON with `id` and `meta`; `resource_type` is `User` or `Group` (its endpoint is
/// the plural).
fn served(
    stored: &Value,
    resource_type: &str,
    id: &str,
    created_at: i64,
    updated_at: i64,
    version: i64,
    base_url: &str,
) -> Value {
    let mut resource = stored.clone();
    if let Some(obj) = resource.as_object_mut() {
        obj.insert("id".into(), Value::from(id));
        obj.insert(
            "meta".into(),
            json!({
                "resourceType": resource_type,
                "created": rfc3339_ms(created_at),
                "lastModified": rfc3339_ms(updated_at),
                "location": format!("{base_url}/{resource_type}s/{id}"),
                "version": version_tag(version),
            }),
        );
    }
    resource
}

/// The full User resource (before `attributes`/`excludedAttributes` projection), with its
/// read-only `groups` (RFC 7643 §4.1.2): the direct memberships given.
pub fn user(record: &UserRecord, groups: &[Membership], base_url: &str) -> Value {
    let mut resource =
        served(&record.resource, "User", &record.id, record.created_at, record.updated_at, record.version, base_url);
    if let (Some(obj), false) = (resource.as_object_mut(), groups.is_empty()) {
        let groups: Vec<Value> = groups
            .iter()
            .map(|g| {
                json!({
                    "value": g.group_id,
                    "$ref": format!("{base_url}/Groups/{}", g.group_id),
                    "display": g.display,
                    "type": "direct",
                })
            })
            .collect();
        obj.insert("groups".into(), Value::Array(groups));
    }
    resource
}

/// The full Group resource, with `members` when they were read (`None`: not asked for, so
/// not loaded).
pub fn group(record: &GroupRecord, members: Option<&[Member]>, base_url: &str) -> Value {
    let mut resource =
        served(&record.resource, "Group", &record.id, record.created_at, record.updated_at, record.version, base_url);
    if let (Some(obj), Some(members)) = (resource.as_object_mut(), members.filter(|m| !m.is_empty())) {
        let members: Vec<Value> = members
            .iter()
            .map(|m| {
                let mut member = json!({
                    "value": m.id,
                    "$ref": format!("{base_url}/{}/{}", m.member_type.endpoint(), m.id),
                    "type": m.member_type.as_str(),
                });
                if let (Some(display), Some(obj)) = (&m.display, member.as_object_mut()) {
                    obj.insert("display".into(), Value::from(display.as_str()));
                }
                member
            })
            .collect();
        obj.insert("members".into(), Value::Array(members));
    }
    resource
}

/// Whether a response projected with `attributes`/`excludedAttributes` would carry the
/// multi-valued attribute `attr`, decided by the projection itself, so that the membership
/// table is only read when its rows will be served (`excludedAttributes=members` reads none).
pub fn requested(schema: &ResourceSchema, attr: &str, attributes: &[AttrPath], excluded: &[AttrPath]) -> bool {
    // One element carrying every sub-attribute, so that selecting any one of them keeps it.
    let element: Map<String, Value> = schema
        .attribute(None, attr)
        .map(|def| def.sub_attributes.iter().map(|sub| (sub.name.to_owned(), Value::from(""))).collect())
        .unwrap_or_default();
    let probe = json!({ attr: [element] });
    resource::project(&probe, schema, attributes, excluded).get(attr).is_some()
}

#[cfg(test)]
mod tests {
    use scim::schema::{GROUP_RESOURCE, USER_RESOURCE};

    use super::*;

    fn paths(list: &[&str]) -> Vec<AttrPath> {
        list.iter().map(|p| AttrPath::parse(p).unwrap()).collect()
    }

    #[test]
    fn members_are_requested_unless_excluded_or_not_selected() {
        let wants = |a: &[&str], e: &[&str]| requested(&GROUP_RESOURCE, "members", &paths(a), &paths(e));
        assert!(wants(&[], &[]));
        assert!(!wants(&[], &["members"]));
        assert!(wants(&[], &["members.display"]));
        assert!(!wants(&["displayName"], &[]));
        assert!(wants(&["members.value"], &[]));
        assert!(wants(&["members.display"], &[]));
        assert!(wants(&["members.type", "displayName"], &["members.value"]));
        assert!(wants(&["urn:ietf:params:scim:schemas:core:2.0:Group:members"], &[]));
        assert!(!requested(&USER_RESOURCE, "groups", &[], &paths(&["groups"])));
        assert!(requested(&USER_RESOURCE, "groups", &paths(&["groups"]), &[]));
    }
}
