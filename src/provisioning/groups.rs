//! The Group operations of RFC 7644 §3.3–§3.6 on one tenant's directory.
//!
//! Members are rows of `group_member`, not part of the group's JSON. A PATCH is split in two:
//! operations on `members` become set operations on those rows (add: one multi-row insert per
//! chunk that skips members already there; remove by value array or by `members[…]` filter:
//! one delete per chunk; replace: the difference to the current set), so adding or removing
//! 10,000 members neither loads nor rewrites the others; every other operation goes through
//! `scim::patch::apply` on the group's JSON. Both halves, the version bump and the log row
//! commit in one transaction.

use std::collections::{HashMap, HashSet};

use axum::http::StatusCode;
use scim::list::{list_response, ListQuery};
use scim::patch::{self, PatchOpKind, PatchOperation, PatchRequest};
use scim::path::{AttrPath, PatchPath};
use scim::resource;
use scim::schema::GROUP_RESOURCE;
use scim::ScimError;
use serde_json::{json, Map, Value};
use sqlx::AnyConnection;

use super::log::{self, LogDraft, Mutation};
use super::precondition::Preconditions;
use super::query_sql::{self, GROUPS};
use super::render;
use crate::db::group::{self as store, GroupRecord, GroupWrite, Member, MemberType};
use crate::db::sql::Where;
use crate::error::ApiError;
use crate::scim_http::gate::ScimCaller;
use crate::scim_http::response::{LogFacts, ScimResponse};
use crate::state::AppState;

/// Everything an operation needs to know about its request.
pub struct GroupRequest<'a> {
    /// Shared state.
    pub state: &'a AppState,
    /// The authenticated caller.
    pub caller: &'a ScimCaller,
    /// The log row in the making.
    pub draft: &'a LogDraft,
    /// `If-Match` / `If-None-Match` of the request.
    pub preconditions: &'a Preconditions,
}

/// A member named in a request: its id and the type the client declared, if it did.
#[derive(Debug, Clone)]
struct MemberRef {
    id: String,
    declared: Option<String>,
}

/// An operation on `members`, as a set operation on the group's rows.
#[derive(Debug)]
enum MemberOp {
    /// Add these (members already there stay as they are).
    Add(Vec<MemberRef>),
    /// Remove these ids (ids that are not members are ignored).
    Remove(Vec<String>),
    /// Remove the members a `members[…]` filter selects: a condition over the row `r`.
    RemoveWhere(Where),
    /// Remove every member.
    Clear,
    /// Make the members exactly these.
    Replace(Vec<MemberRef>),
}

/// How the members changed, for the log.
#[derive(Debug, Default, Clone, Copy)]
struct MemberChanges {
    added: u64,
    removed: u64,
}

impl MemberChanges {
    fn any(self) -> bool {
        self.added + self.removed > 0
    }

    fn detail(self) -> String {
        format!("members: {} added, {} removed", self.added, self.removed)
    }
}

/// A PATCH request split into its member operations and the others, each with its index in
/// the request (for error details).
#[derive(Debug, Default)]
struct GroupPatch {
    members: Vec<MemberOp>,
    attributes: Vec<(usize, PatchOperation)>,
}

impl GroupRequest<'_> {
    fn tenant_id(&self) -> &str {
        &self.caller.tenant.id
    }

    fn not_found(id: &str) -> ApiError {
        ApiError(ScimError::not_found(format!("no group with id \"{id}\"")))
    }

    /// Writes the log row for a successful mutation in its transaction, then commits.
    async fn commit_logged(
        &self,
        tx: sqlx::Transaction<'static, sqlx::Any>,
        status: StatusCode,
        operation: &'static str,
        record: &GroupRecord,
        body: Option<&Value>,
        changes: MemberChanges,
    ) -> Result<LogFacts, ApiError> {
        let mutation = Mutation {
            status,
            operation,
            resource_type: "Group",
            resource_id: &record.id,
            name: &record.display_name,
            body,
            // The row says how the members changed, when they did.
            detail: changes.any().then(|| changes.detail()),
        };
        log::commit_logged(tx, self.draft, mutation).await
    }

    /// Validates a POST or PUT body: the group's JSON without members, and its members.
    fn prepare(&self, body: Value) -> Result<(Value, Vec<MemberRef>), ApiError> {
        let mut prepared = resource::prepare(body, &GROUP_RESOURCE, self.caller.tolerance)?.resource;
        let members = prepared.as_object_mut().and_then(|obj| obj.remove("members"));
        Ok((prepared, member_refs(members.as_ref())?))
    }

    /// The members in a PATCH value, validated as the schema says.
    fn patch_members(&self, value: Option<Value>) -> Result<Vec<MemberRef>, ScimError> {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Ok(Vec::new());
        };
        let body = json!({ "displayName": "-", "members": value });
        let prepared = resource::prepare(body, &GROUP_RESOURCE, self.caller.tolerance)?.resource;
        member_refs(prepared.get("members")).map_err(|e| e.0)
    }

    /// POST /Groups (RFC 7644 §3.3).
    pub async fn create(&self, body: Value) -> Result<ScimResponse, ApiError> {
        let (resource, members) = self.prepare(body)?;
        let write = write_of(&resource)?;
        // Time-ordered (v7): new rows land at the end of the id indexes instead of anywhere.
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.state.clock.now_ms();
        let ops = [MemberOp::Add(members)];
        let mut tx = self.state.db.writer().begin().await?;
        let types = self.member_types(&mut tx, &id, &ops).await?;
        store::insert(&mut *tx, self.tenant_id(), &id, &write, now).await?;
        let changes = self.apply_members(&mut tx, &id, &ops, &types, now).await?;
        let record = stored(&id, &write, 1, now, now);
        let body = self.render(&mut tx, &record, true, &[], &[]).await?;
        let facts = self.commit_logged(tx, StatusCode::CREATED, "create", &record, Some(&body), changes).await?;
        let location = format!("{}/Groups/{id}", self.caller.base_url);
        Ok(ScimResponse::created(body, location).with_version(record.version).with_facts(facts))
    }

    /// GET /Groups/{id} (RFC 7644 §3.4.1). Members are read only when the response carries them.
    pub async fn get(&self, id: &str, query: &ListQuery) -> Result<ScimResponse, ApiError> {
        let mut conn = self.state.db.reader().acquire().await?;
        let record = store::get(&mut *conn, self.tenant_id(), id).await?.ok_or_else(|| Self::not_found(id))?;
        if self.preconditions.not_modified(record.version) {
            return Ok(ScimResponse::not_modified(record.version).with_facts(read_facts(&record)));
        }
        let body = self.render(&mut conn, &record, false, &query.attributes, &query.excluded_attributes).await?;
        Ok(ScimResponse::ok(body).with_version(record.version).with_facts(read_facts(&record)))
    }

    /// PUT /Groups/{id} (RFC 7644 §3.5.1): the body replaces the group, members included.
    pub async fn replace(&self, id: &str, body: Value) -> Result<ScimResponse, ApiError> {
        let (resource, members) = self.prepare(body)?;
        let write = write_of(&resource)?;
        let ops = [MemberOp::Replace(members)];
        let now = self.state.clock.now_ms();
        let mut tx = self.state.db.writer().begin().await?;
        let before = store::get(&mut *tx, self.tenant_id(), id).await?.ok_or_else(|| Self::not_found(id))?;
        self.preconditions.check_write(before.version)?;
        let types = self.member_types(&mut tx, id, &ops).await?;
        if !store::update(&mut *tx, self.tenant_id(), id, &write, before.version, now).await? {
            return Err(concurrent_change());
        }
        let changes = self.apply_members(&mut tx, id, &ops, &types, now).await?;
        let record = stored(id, &write, before.version + 1, before.created_at, now);
        let body = self.render(&mut tx, &record, true, &[], &[]).await?;
        let facts = self.commit_logged(tx, StatusCode::OK, "replace", &record, Some(&body), changes).await?;
        Ok(ScimResponse::ok(body).with_version(record.version).with_facts(facts))
    }

    /// PATCH /Groups/{id} (RFC 7644 §3.5.2): all operations apply, or none. Answers 204 (the
    /// RFC allows it, Entra ID and Okta expect it), so a large group is never read back; with
    /// `attributes` or `excludedAttributes` it answers 200 with the resource projected so.
    pub async fn patch(&self, id: &str, body: Value, query: &ListQuery) -> Result<ScimResponse, ApiError> {
        let request = PatchRequest::parse(&body, self.caller.tolerance)?;
        let plan = self.plan(request)?;
        for _ in 0..super::PATCH_ATTEMPTS {
            let mut tx = self.state.db.writer().begin().await?;
            let before = store::get(&mut *tx, self.tenant_id(), id).await?.ok_or_else(|| Self::not_found(id))?;
            self.preconditions.check_write(before.version)?;
            let (resource, changed) = self.apply_attributes(&before, &plan.attributes)?;
            let types = self.member_types(&mut tx, id, &plan.members).await?;
            let now = self.state.clock.now_ms();
            let changes = self.apply_members(&mut tx, id, &plan.members, &types, now).await?;
            let write = write_of(&resource)?;
            let record = if changed {
                if !store::update(&mut *tx, self.tenant_id(), id, &write, before.version, now).await? {
                    continue;
                }
                stored(id, &write, before.version + 1, before.created_at, now)
            } else if changes.any() {
                if !store::touch(&mut *tx, self.tenant_id(), id, before.version, now).await? {
                    continue;
                }
                GroupRecord { version: before.version + 1, updated_at: now, ..before }
            } else {
                before
            };
            let projected = !query.attributes.is_empty() || !query.excluded_attributes.is_empty();
            let body = if projected {
                Some(self.render(&mut tx, &record, false, &query.attributes, &query.excluded_attributes).await?)
            } else {
                None
            };
            let (status, response) = match body {
                Some(ref b) => (StatusCode::OK, ScimResponse::ok(b.clone())),
                None => (StatusCode::NO_CONTENT, ScimResponse::no_content()),
            };
            let facts = self.commit_logged(tx, status, "update", &record, body.as_ref(), changes).await?;
            return Ok(response.with_version(record.version).with_facts(facts));
        }
        Err(concurrent_change())
    }

    /// DELETE /Groups/{id} (RFC 7644 §3.6): the group, its members and its own memberships.
    pub async fn delete(&self, id: &str) -> Result<ScimResponse, ApiError> {
        let mut tx = self.state.db.writer().begin().await?;
        let record = store::get(&mut *tx, self.tenant_id(), id).await?.ok_or_else(|| Self::not_found(id))?;
        self.preconditions.check_write(record.version)?;
        store::delete(&mut tx, self.tenant_id(), id, self.state.clock.now_ms()).await?;
        let facts =
            self.commit_logged(tx, StatusCode::NO_CONTENT, "delete", &record, None, MemberChanges::default()).await?;
        Ok(ScimResponse::no_content().with_facts(facts))
    }

    /// GET /Groups and POST /Groups/.search (RFC 7644 §3.4.2, §3.4.3). The members of a page's
    /// groups are read with one query (per 1,000 groups), and only when they are returned.
    pub async fn list(&self, query: &ListQuery) -> Result<ScimResponse, ApiError> {
        let plan = self.state.list_plan(query, &GROUPS, GROUPS.schema)?;
        let pool = self.state.db.reader();
        let records = if plan.limit == 0 {
            Vec::new()
        } else {
            store::list(&self.state.db, self.tenant_id(), &plan.filter, plan.order.as_ref(), plan.offset, plan.limit)
                .await?
        };
        let total = match plan.total_from_page(records.len()) {
            Some(total) => total,
            None => store::count(&self.state.db, self.tenant_id(), &plan.filter).await?,
        };
        let (attributes, excluded) = (&query.attributes, &query.excluded_attributes);
        let mut members: HashMap<String, Vec<Member>> = HashMap::new();
        if !records.is_empty() && render::requested(&GROUP_RESOURCE, "members", attributes, excluded) {
            let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
            let mut conn = pool.acquire().await?;
            for member in store::members(&mut conn, self.tenant_id(), &ids).await? {
                members.entry(member.group_id.clone()).or_default().push(member);
            }
        }
        let base = &self.caller.base_url;
        let resources = records
            .iter()
            .map(|r| {
                let full = render::group(r, Some(members.get(&r.id).map(Vec::as_slice).unwrap_or_default()), base);
                resource::project(&full, &GROUP_RESOURCE, attributes, excluded)
            })
            .collect();
        let facts = LogFacts { operation: Some("list"), resource_type: Some("Group"), ..LogFacts::default() };
        Ok(ScimResponse::ok(list_response(resources, total, query.start_index)).with_facts(facts))
    }

    /// The served resource, projected; members are read only when the projection keeps them
    /// (`always`: a POST or PUT response, which carries the whole group).
    async fn render(
        &self,
        conn: &mut AnyConnection,
        record: &GroupRecord,
        always: bool,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
    ) -> Result<Value, ApiError> {
        let wanted = always || render::requested(&GROUP_RESOURCE, "members", attributes, excluded);
        let members = if wanted {
            Some(store::members(conn, self.tenant_id(), std::slice::from_ref(&record.id)).await?)
        } else {
            None
        };
        let full = render::group(record, members.as_deref(), &self.caller.base_url);
        Ok(resource::project(&full, &GROUP_RESOURCE, attributes, excluded))
    }

    /// Splits a PATCH request into set operations on members and the other operations.
    fn plan(&self, request: PatchRequest) -> Result<GroupPatch, ApiError> {
        let mut plan = GroupPatch::default();
        for (i, op) in request.operations.into_iter().enumerate() {
            let at = |e: ScimError| ApiError(ScimError { detail: format!("Operations[{i}]: {}", e.detail), ..e });
            match (&op.path, op.value) {
                (Some(path), value) => {
                    let parsed = PatchPath::parse(path, &self.state.filter_limits()).map_err(at)?;
                    if names_members(&parsed.attr) {
                        plan.members.push(self.member_op(op.op, &parsed, value).map_err(at)?);
                    } else {
                        plan.attributes.push((i, PatchOperation { op: op.op, path: op.path, value }));
                    }
                }
                // A value object without path (Okta's rename, Entra's multi-attribute
                // replace) may carry members too: those become member operations.
                (None, Some(Value::Object(obj))) => {
                    let mut found = Vec::new();
                    let rest = split_members(obj, &mut found);
                    for (key, value) in found {
                        let parsed = PatchPath::parse(&key, &self.state.filter_limits()).map_err(at)?;
                        plan.members.push(self.member_op(op.op, &parsed, Some(value)).map_err(at)?);
                    }
                    if !rest.is_empty() {
                        plan.attributes
                            .push((i, PatchOperation { op: op.op, path: None, value: Some(Value::Object(rest)) }));
                    }
                }
                (None, value) => plan.attributes.push((i, PatchOperation { op: op.op, path: None, value })),
            }
        }
        Ok(plan)
    }

    /// One operation whose path names `members`.
    fn member_op(&self, kind: PatchOpKind, path: &PatchPath, value: Option<Value>) -> Result<MemberOp, ScimError> {
        if path.attr.sub_attr.is_some() || path.sub_attr.is_some() {
            return Err(ScimError::invalid_path(
                "members are added, replaced and removed whole: use \"members\" or \"members[value eq \\\"…\\\"]\"",
            ));
        }
        match (kind, &path.filter) {
            (PatchOpKind::Remove, Some(filter)) => {
                // Placeholders $1 and $2 are the tenant and the group.
                query_sql::element_to_sql("members", filter, &GROUPS, self.state.db.dialect(), 3)
                    .map(MemberOp::RemoveWhere)
                    .map_err(|e| ScimError::invalid_path(e.detail))
            }
            (_, Some(_)) => {
                Err(ScimError::invalid_path("a value filter on \"members\" can only select members to remove"))
            }
            (PatchOpKind::Add, None) => Ok(MemberOp::Add(self.patch_members(value)?)),
            (PatchOpKind::Replace, None) => Ok(MemberOp::Replace(self.patch_members(value)?)),
            (PatchOpKind::Remove, None) => match value {
                None | Some(Value::Null) => Ok(MemberOp::Clear),
                // Entra ID: `{"op": "Remove", "path": "members", "value": [{"value": "<id>"}]}`.
                value => Ok(MemberOp::Remove(self.patch_members(value)?.into_iter().map(|m| m.id).collect())),
            },
        }
    }

    /// Applies the operations that do not touch members to the group's JSON (pure: nothing is
    /// written). Returns the new JSON and whether it changed.
    fn apply_attributes(
        &self,
        before: &GroupRecord,
        ops: &[(usize, PatchOperation)],
    ) -> Result<(Value, bool), ApiError> {
        let mut resource = before.resource.clone();
        if ops.is_empty() {
            return Ok((resource, false));
        }
        // PATCH sees the resource as the client does, with its id (Okta's rename repeats it).
        if let Some(obj) = resource.as_object_mut() {
            obj.insert("id".into(), Value::from(before.id.as_str()));
        }
        let limits = self.state.filter_limits();
        let mut changed = false;
        // One operation at a time, so that an error names the operation's own index.
        for (i, op) in ops {
            let single = PatchRequest { operations: vec![op.clone()] };
            changed |=
                patch::apply(&mut resource, &single, &GROUP_RESOURCE, self.caller.tolerance, &limits).map_err(|e| {
                    let detail =
                        format!("Operations[{i}]: {}", e.detail.strip_prefix("Operations[0]: ").unwrap_or(&e.detail));
                    ScimError { detail, ..e }
                })?;
        }
        if let Some(obj) = resource.as_object_mut() {
            obj.remove("id");
            if obj.remove("members").is_some() {
                return Err(ApiError(ScimError::invalid_path("members can only be changed with the path \"members\"")));
            }
        }
        Ok((resource, changed))
    }

    /// The type of every member the operations add, checked to be a user or group of this
    /// tenant (one query per chunk of ids); an unknown id is a 400 `invalidValue` naming it.
    async fn member_types(
        &self,
        conn: &mut AnyConnection,
        group_id: &str,
        ops: &[MemberOp],
    ) -> Result<HashMap<String, MemberType>, ApiError> {
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        let mut declared: Vec<(&str, &str)> = Vec::new();
        for op in ops {
            let (MemberOp::Add(refs) | MemberOp::Replace(refs)) = op else { continue };
            for r in refs {
                if r.id == group_id {
                    return Err(ApiError(ScimError::invalid_value("a group cannot be a member of itself")));
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
        let types = store::member_types(conn, self.tenant_id(), &ids).await?;
        if let Some(unknown) = ids.iter().find(|id| !types.contains_key(*id)) {
            return Err(ApiError(ScimError::invalid_value(format!(
                "members: no user or group with id \"{unknown}\" in this tenant"
            ))));
        }
        for (id, kind) in declared {
            if types.get(id).is_some_and(|t| !t.as_str().eq_ignore_ascii_case(kind)) {
                return Err(ApiError(ScimError::invalid_value(format!("members: \"{id}\" is not of type \"{kind}\""))));
            }
        }
        Ok(types)
    }

    /// Runs member operations in order as statements on `group_member`.
    async fn apply_members(
        &self,
        conn: &mut AnyConnection,
        group_id: &str,
        ops: &[MemberOp],
        types: &HashMap<String, MemberType>,
        now: i64,
    ) -> Result<MemberChanges, ApiError> {
        let tenant = self.tenant_id();
        let typed = |refs: &[MemberRef], skip: &HashSet<String>| -> Vec<(String, MemberType)> {
            refs.iter()
                .filter(|r| !skip.contains(&r.id))
                .filter_map(|r| types.get(&r.id).map(|t| (r.id.clone(), *t)))
                .collect()
        };
        let mut changes = MemberChanges::default();
        for op in ops {
            match op {
                MemberOp::Add(refs) => {
                    changes.added +=
                        store::add_members(conn, tenant, group_id, &typed(refs, &HashSet::new()), now).await?
                }
                MemberOp::Remove(ids) => changes.removed += store::remove_members(conn, tenant, group_id, ids).await?,
                MemberOp::RemoveWhere(cond) => {
                    changes.removed += store::remove_members_where(conn, tenant, group_id, cond).await?
                }
                MemberOp::Clear => changes.removed += store::remove_all_members(conn, tenant, group_id).await?,
                MemberOp::Replace(refs) => {
                    // The difference to the current set, so unchanged memberships are kept.
                    let current: HashSet<String> =
                        store::member_ids(conn, tenant, group_id).await?.into_iter().collect();
                    let wanted: HashSet<&str> = refs.iter().map(|r| r.id.as_str()).collect();
                    let gone: Vec<String> =
                        current.iter().filter(|id| !wanted.contains(id.as_str())).cloned().collect();
                    changes.removed += store::remove_members(conn, tenant, group_id, &gone).await?;
                    changes.added += store::add_members(conn, tenant, group_id, &typed(refs, &current), now).await?;
                }
            }
        }
        Ok(changes)
    }
}

/// Whether a path names the `members` attribute (`members`, its URN-qualified form, or
/// anything below it).
fn names_members(path: &AttrPath) -> bool {
    path.resolve(&GROUP_RESOURCE).is_some_and(|(def, _)| def.name == "members")
}

/// Moves the members out of a no-path value object into `found` (as path, value pairs),
/// looking into an object keyed by the core Group schema URN too; returns the rest.
fn split_members(obj: Map<String, Value>, found: &mut Vec<(String, Value)>) -> Map<String, Value> {
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
            value if AttrPath::parse(&key).is_ok_and(|p| names_members(&p)) => found.push((key, value)),
            value => {
                rest.insert(key, value);
            }
        }
    }
    rest
}

/// The members of a canonical `members` value, without repeats.
fn member_refs(members: Option<&Value>) -> Result<Vec<MemberRef>, ApiError> {
    let items = members.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let Some(id) = item.get("value").and_then(Value::as_str).filter(|v| !v.is_empty()) else {
            return Err(ApiError(ScimError::invalid_value("every member needs a \"value\": the member's id")));
        };
        if seen.insert(id) {
            let declared = item.get("type").and_then(Value::as_str).map(str::to_owned);
            out.push(MemberRef { id: id.to_owned(), declared });
        }
    }
    Ok(out)
}

/// The indexed columns of a prepared group.
fn write_of(resource: &Value) -> Result<GroupWrite<'_>, ApiError> {
    let display_name = resource::display_name(resource)
        .ok_or_else(|| ApiError(ScimError::invalid_value("displayName is required")))?;
    Ok(GroupWrite { display_name, external_id: resource::external_id(resource), resource })
}

/// The record as it now stands in the database.
fn stored(id: &str, write: &GroupWrite<'_>, version: i64, created_at: i64, updated_at: i64) -> GroupRecord {
    GroupRecord {
        id: id.to_owned(),
        display_name: write.display_name.to_owned(),
        external_id: write.external_id.map(str::to_owned),
        resource: write.resource.clone(),
        version,
        created_at,
        updated_at,
    }
}

fn read_facts(record: &GroupRecord) -> LogFacts {
    LogFacts {
        operation: Some("read"),
        resource_type: Some("Group"),
        resource_id: Some(record.id.clone()),
        user_name: Some(record.display_name.clone()),
        ..LogFacts::default()
    }
}

fn concurrent_change() -> ApiError {
    ApiError(ScimError::new(409, None, "the group was changed concurrently; retry the request"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
