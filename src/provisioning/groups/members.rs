//! A group's members in a write: the member operations a request makes, and what they come to
//! — exactly which members go and which come — worked out from what is stored before anything
//! is written. The write then states it as statements that must change exactly those rows,
//! behind the group's version: if anything moved in between, nothing is written and the
//! operation starts over.

use std::collections::{HashMap, HashSet};

use scim::filter::Filter;
use scim::schema::GROUP_RESOURCE;
use scim::ScimError;
use serde_json::{json, Map, Value};

use crate::db::group::{self as store, Member};
use crate::db::sql::{Statement, Where};
use crate::db::Db;
use crate::error::Error;

/// A member named in a request: its id and the type the client declared, if it did.
#[derive(Debug, Clone)]
pub struct MemberRef {
    /// The member's id.
    pub id: String,
    /// The `type` the client sent.
    pub declared: Option<String>,
}

/// An operation on `members`, as a set operation on the group's rows.
#[derive(Debug)]
pub enum MemberOp {
    /// Add these (members already there stay as they are).
    Add(Vec<MemberRef>),
    /// Remove these ids (ids that are not members are ignored).
    Remove(Vec<String>),
    /// Remove the members a `members[…]` value filter selects: the filter, and the condition it
    /// translates to over the member row `r` (placeholders from `$3`).
    RemoveWhere(Filter, Where),
    /// Remove every member.
    Clear,
    /// Make the members exactly these.
    Replace(Vec<MemberRef>),
}

/// How the members changed, for the log.
#[derive(Debug, Default, Clone, Copy)]
pub struct MemberChanges {
    /// Members added.
    pub added: usize,
    /// Members removed.
    pub removed: usize,
}

impl MemberChanges {
    /// Whether any member came or went.
    pub fn any(self) -> bool {
        self.added + self.removed > 0
    }

    /// The log row's words for it.
    pub fn detail(self) -> String {
        format!("members: {} added, {} removed", self.added, self.removed)
    }
}

/// What a request's member operations come to.
#[derive(Debug, Default)]
pub struct MemberDiff {
    /// The ids that become members.
    pub added: Vec<String>,
    /// The ids that stop being members.
    pub removed: Vec<String>,
    /// The members added, as served (type and display names).
    pub details: HashMap<String, Member>,
}

impl MemberDiff {
    /// The counts, for the log.
    pub fn changes(&self) -> MemberChanges {
        MemberChanges { added: self.added.len(), removed: self.removed.len() }
    }

    /// The statements that make the change: each must change exactly its rows.
    pub fn statements(&self, tenant_id: &str, group_id: &str, now_ms: i64) -> Vec<Statement> {
        let mut statements = store::remove_members_statements(tenant_id, group_id, &self.removed);
        statements.extend(store::add_members_statements(tenant_id, group_id, &self.added, now_ms));
        statements
    }

    /// Every member the request named to add, in id order: the members after a POST or PUT.
    pub fn named(&self) -> Vec<Member> {
        let mut named: Vec<Member> = self.details.values().cloned().collect();
        named.sort_by(|a, b| a.id.cmp(&b.id));
        named
    }

    /// The members after the change, in id order, from the members before it.
    pub fn applied_to(&self, before: Vec<Member>) -> Vec<Member> {
        let removed: HashSet<&str> = self.removed.iter().map(String::as_str).collect();
        let mut after: Vec<Member> = before.into_iter().filter(|m| !removed.contains(m.id.as_str())).collect();
        after.extend(self.added.iter().filter_map(|id| self.details.get(id).cloned()));
        after.sort_by(|a, b| a.id.cmp(&b.id));
        after
    }
}

/// Works out what `ops` do to the members of `group_id` as stored now. Every member added must
/// be a user or group of the tenant (of the type the client declared, if it did), and not the
/// group itself: else a 400 `invalidValue`. Reads only the rows the operations concern, or
/// every member when one replaces or clears them.
pub async fn diff(db: &Db, tenant_id: &str, group_id: &str, ops: &[MemberOp]) -> Result<MemberDiff, Error> {
    let details = added_members(db, tenant_id, group_id, ops).await?;
    let whole = ops.iter().any(|op| matches!(op, MemberOp::Replace(_) | MemberOp::Clear));
    let mut selected: Vec<Option<HashSet<String>>> = Vec::with_capacity(ops.len());
    for op in ops {
        selected.push(match op {
            MemberOp::RemoveWhere(_, condition) => {
                Some(store::member_ids_where(db, tenant_id, group_id, condition).await?.into_iter().collect())
            }
            _ => None,
        });
    }
    let initial: HashSet<String> = if whole {
        store::member_ids(db, tenant_id, group_id, None).await?.into_iter().collect()
    } else {
        let named: Vec<String> = named_ids(ops).into_iter().collect();
        let mut known: HashSet<String> =
            store::member_ids(db, tenant_id, group_id, Some(&named)).await?.into_iter().collect();
        known.extend(selected.iter().flatten().flatten().cloned());
        known
    };
    let mut members = initial.clone();
    for (op, selected) in ops.iter().zip(&selected) {
        match op {
            MemberOp::Add(refs) => members.extend(refs.iter().map(|r| r.id.clone())),
            MemberOp::Remove(ids) => ids.iter().for_each(|id| {
                members.remove(id);
            }),
            MemberOp::RemoveWhere(filter, _) => {
                // Stored members the filter selected, and members this request added that it
                // selects (their rows do not exist yet).
                let stored = selected.as_ref();
                members.retain(|id| {
                    let chosen = match initial.contains(id) {
                        true => stored.is_some_and(|s| s.contains(id)),
                        false => details.get(id).is_some_and(|m| selects(filter, m)),
                    };
                    !chosen
                });
            }
            MemberOp::Clear => members.clear(),
            MemberOp::Replace(refs) => members = refs.iter().map(|r| r.id.clone()).collect(),
        }
    }
    let mut added: Vec<String> = members.difference(&initial).cloned().collect();
    let mut removed: Vec<String> = initial.difference(&members).cloned().collect();
    added.sort();
    removed.sort();
    Ok(MemberDiff { added, removed, details })
}

/// Whether a `members[…]` filter selects this member.
fn selects(filter: &Filter, member: &Member) -> bool {
    let element = json!({ "value": member.id, "type": member.member_type.as_str() });
    GROUP_RESOURCE.attribute(None, "members").is_some_and(|def| filter.matches_element(&element, def))
}

/// The ids operations add or remove by name.
fn named_ids(ops: &[MemberOp]) -> HashSet<String> {
    let mut ids = HashSet::new();
    for op in ops {
        match op {
            MemberOp::Add(refs) | MemberOp::Replace(refs) => ids.extend(refs.iter().map(|r| r.id.clone())),
            MemberOp::Remove(removed) => ids.extend(removed.iter().cloned()),
            MemberOp::RemoveWhere(..) | MemberOp::Clear => {}
        }
    }
    ids
}

/// Every member the operations add, checked and described (one query per chunk of ids).
async fn added_members(
    db: &Db,
    tenant_id: &str,
    group_id: &str,
    ops: &[MemberOp],
) -> Result<HashMap<String, Member>, Error> {
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    let mut declared: Vec<(&str, &str)> = Vec::new();
    for op in ops {
        let (MemberOp::Add(refs) | MemberOp::Replace(refs)) = op else { continue };
        for r in refs {
            if r.id == group_id {
                return Err(ScimError::invalid_value("a group cannot be a member of itself").into());
            }
            if let Some(kind) = &r.declared {
                declared.push((&r.id, kind));
            }
            if seen.insert(r.id.as_str()) {
                ids.push(r.id.clone());
            }
        }
    }
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found = store::member_details(db, tenant_id, group_id, &ids).await?;
    if let Some(unknown) = ids.iter().find(|id| !found.contains_key(*id)) {
        let detail = format!("members: no user or group with id \"{unknown}\" in this tenant");
        return Err(ScimError::invalid_value(detail).into());
    }
    for (id, kind) in declared {
        if found.get(id).is_some_and(|m| !m.member_type.as_str().eq_ignore_ascii_case(kind)) {
            return Err(ScimError::invalid_value(format!("members: \"{id}\" is not of type \"{kind}\"")).into());
        }
    }
    Ok(found)
}

/// Whether a path names the `members` attribute (`members`, its URN-qualified form, or
/// anything below it).
pub fn names_members(path: &scim::path::AttrPath) -> bool {
    path.resolve(&GROUP_RESOURCE).is_some_and(|(def, _)| def.name == "members")
}

/// Moves the members out of a no-path value object into `found` (as path, value pairs),
/// looking into an object keyed by the core Group schema URN too; returns the rest.
pub fn split_members(obj: Map<String, Value>, found: &mut Vec<(String, Value)>) -> Map<String, Value> {
    let mut rest = Map::new();
    for (key, value) in obj {
        let core = GROUP_RESOURCE.schema(&key).is_some_and(|s| s.id == GROUP_RESOURCE.core.id);
        match value {
            Value::Object(inner) if core => {
                let inner = split_members(inner, found);
                if !inner.is_empty() {
                    rest.insert(key, Value::Object(inner));
                }
            }
            value if scim::path::AttrPath::parse(&key).is_ok_and(|p| names_members(&p)) => found.push((key, value)),
            value => {
                rest.insert(key, value);
            }
        }
    }
    rest
}

/// The members of a canonical `members` value, without repeats.
pub fn member_refs(members: Option<&Value>) -> Result<Vec<MemberRef>, ScimError> {
    let items = members.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(id) = item.get("value").and_then(Value::as_str).filter(|v| !v.is_empty()) else {
            return Err(ScimError::invalid_value("every member needs a \"value\": the member's id"));
        };
        if seen.insert(id) {
            let declared = item.get("type").and_then(Value::as_str).map(str::to_owned);
            out.push(MemberRef { id: id.to_owned(), declared });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::group::MemberType;

    #[test]
    fn members_are_split_out_of_no_path_values() {
        let value = json!({
            "id": "g1",
            "displayName": "Renamed",
            "members": [{"value": "u1"}],
            "urn:ietf:params:scim:schemas:core:2.0:Group": {"members": [{"value": "u2"}], "externalId": "e"},
        });
        let Value::Object(obj) = value else { unreachable!() };
        let mut found = Vec::new();
        let rest = split_members(obj, &mut found);
        assert_eq!(found.len(), 2);
        assert_eq!(
            Value::Object(rest),
            json!({"id": "g1", "displayName": "Renamed",
                   "urn:ietf:params:scim:schemas:core:2.0:Group": {"externalId": "e"}})
        );
    }

    #[test]
    fn member_values_need_ids_and_repeats_collapse() {
        let refs = member_refs(Some(&json!([{"value": "a", "type": "User"}, {"value": "a"}, {"value": "b"}]))).unwrap();
        let ids: Vec<&str> = refs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(refs[0].declared.as_deref(), Some("User"));
        assert!(member_refs(Some(&json!([{"$ref": "x"}]))).is_err());
        assert!(member_refs(None).unwrap().is_empty());
    }

    fn member(id: &str, kind: MemberType) -> Member {
        Member { group_id: "g".into(), id: id.into(), member_type: kind, display: None, user_name: None, active: None }
    }

    #[test]
    fn a_value_filter_selects_members_by_id_and_type() {
        let limits = scim::filter::FilterLimits::default();
        let by_type = scim::filter::parse("type eq \"group\"", &limits).unwrap();
        assert!(selects(&by_type, &member("x", MemberType::Group)));
        assert!(!selects(&by_type, &member("x", MemberType::User)));
        let by_id = scim::filter::parse("value eq \"u1\"", &limits).unwrap();
        assert!(selects(&by_id, &member("u1", MemberType::User)) && !selects(&by_id, &member("u2", MemberType::User)));
    }

    #[test]
    fn the_members_after_a_change_are_in_id_order() {
        let diff = MemberDiff {
            added: vec!["b".into()],
            removed: vec!["c".into()],
            details: HashMap::from([("b".to_owned(), member("b", MemberType::User))]),
        };
        let before = vec![member("a", MemberType::User), member("c", MemberType::Group), member("d", MemberType::User)];
        let ids: Vec<String> = diff.applied_to(before).into_iter().map(|m| m.id).collect();
        assert_eq!(ids, ["a", "b", "d"]);
        assert_eq!(diff.changes().detail(), "members: 1 added, 1 removed");
        let put = MemberDiff {
            details: HashMap::from([
                ("z".to_owned(), member("z", MemberType::User)),
                ("b".to_owned(), member("b", MemberType::Group)),
            ]),
            ..MemberDiff::default()
        };
        let named: Vec<String> = put.named().into_iter().map(|m| m.id).collect();
        assert_eq!(named, ["b", "z"], "a PUT serves every member it names, kept or added");
    }
}
