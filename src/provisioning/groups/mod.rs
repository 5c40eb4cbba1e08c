//! The Group operations of RFC 7644 §3.3–§3.6 on one tenant's directory.
//!
//! Members are rows of `group_member`, not part of the group's JSON. A write reads first —
//! the group, and only the member rows its operations concern ([`members::diff`]) — then
//! states the whole change as statements for [`crate::db::Db::write`]: the group's row at the
//! version it was read at (a guard that must change exactly one row), the members that come
//! and go (each statement must change exactly its rows), and the log row. If anything moved in
//! between, nothing is written and the operation starts over, so adding or removing 10,000
//! members neither loads nor rewrites the others, and every write takes one path — on SQLite
//! the shared group commit, on PostgreSQL one transaction. Operations on other attributes go
//! through `scim::patch::apply` on the group's JSON.

mod members;

use std::collections::HashMap;

use scim::list::{list_response, ListQuery};
use scim::patch::{self, PatchOpKind, PatchOperation, PatchRequest};
use scim::path::{AttrPath, PatchPath};
use scim::resource;
use scim::schema::GROUP_RESOURCE;
use scim::ScimError;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use self::members::{member_refs, names_members, split_members, MemberDiff, MemberOp, MemberRef};
use super::caller::Caller;
use super::log::{self, LogDraft, LogFacts, MemberIds, Mutation};
use super::outcome::{Outcome, Status};
use super::precondition::Preconditions;
use super::render;
use crate::db::group::{self as store, GroupRecord, GroupWrite, Member};
use crate::db::query_sql::{self, GROUPS};
use crate::db::sql::Statement;
use crate::error::Error;
use crate::state::AppState;

/// Everything an operation needs to know about its request.
pub struct GroupRequest<'a> {
    /// Shared state.
    pub state: &'a AppState,
    /// The authenticated caller.
    pub caller: &'a Caller,
    /// The log row in the making.
    pub draft: &'a LogDraft,
    /// `If-Match` / `If-None-Match` of the request.
    pub preconditions: &'a Preconditions,
}

/// A PATCH request split into its member operations and the others, each with its index in
/// the request (for error details).
#[derive(Debug, Default)]
struct GroupPatch {
    members: Vec<MemberOp>,
    attributes: Vec<(usize, PatchOperation)>,
}

/// A group's change as its log row records it.
struct Change<'a> {
    status: Status,
    operation: &'static str,
    record: &'a GroupRecord,
    body: Option<&'a Value>,
    /// The members the change added and removed (`None`: it did not touch them).
    members: Option<&'a MemberDiff>,
}

impl<'a> From<Change<'a>> for Mutation<'a> {
    fn from(change: Change<'a>) -> Self {
        // The row says how the members changed, when they did; the outbox, which ones.
        let changed = change.members.filter(|diff| diff.changes().any());
        let detail = changed.map(|diff| diff.changes().detail());
        let members = changed.map(|diff| MemberIds { added: &diff.added, removed: &diff.removed });
        let (resource_id, name) = (change.record.id.as_str(), change.record.display_name.as_str());
        Mutation {
            status: change.status,
            operation: change.operation,
            resource_type: "Group",
            resource_id,
            name,
            body: change.body,
            detail,
            members,
        }
    }
}

impl GroupRequest<'_> {
    fn tenant_id(&self) -> &str {
        &self.caller.tenant.id
    }

    fn not_found(id: &str) -> Error {
        Error::Scim(ScimError::not_found(format!("no group with id \"{id}\"")))
    }

    /// Runs a change's statements with its log row, all in one transaction; `None` when a
    /// statement found the group or its members other than read (nothing was written).
    async fn write_logged(&self, statements: Vec<Statement>, change: Change<'_>) -> Result<Option<LogFacts>, Error> {
        Ok(log::write_logged(&self.state.db, self.draft, statements, change.into()).await?)
    }

    /// Validates a POST or PUT body: the group's JSON without members, and its members.
    fn prepare(&self, body: Value) -> Result<(Value, Vec<MemberRef>), Error> {
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
        member_refs(prepared.get("members"))
    }

    /// POST /Groups (RFC 7644 §3.3).
    pub async fn create(&self, body: Value) -> Result<Outcome, Error> {
        let (resource, refs) = self.prepare(body)?;
        let write = write_of(&resource)?;
        // Time-ordered (v7): new rows land at the end of the id indexes instead of anywhere.
        let id = uuid::Uuid::now_v7().to_string();
        let ops = [MemberOp::Add(refs)];
        for _ in 0..super::PATCH_ATTEMPTS {
            let diff = members::diff(&self.state.db, self.tenant_id(), &id, &ops).await?;
            let now = self.state.clock.now_ms();
            let record = stored(&id, &write, 1, now, now);
            let body = self.whole(&record, &diff);
            let mut statements = vec![store::insert_statement(self.tenant_id(), &id, &write, now)];
            statements.extend(diff.statements(self.tenant_id(), &id, now));
            let change = Change {
                status: Status::Created,
                operation: "create",
                record: &record,
                body: Some(&body),
                members: Some(&diff),
            };
            // A conflict here is a member deleted since it was checked: check again.
            if let Some(facts) = self.write_logged(statements, change).await? {
                let location = format!("{}/Groups/{id}", self.caller.base_url);
                return Ok(Outcome::created(body, location).with_version(record.version).with_facts(facts));
            }
        }
        Err(concurrent_change())
    }

    /// GET /Groups/{id} (RFC 7644 §3.4.1). Members are read only when the response carries them.
    pub async fn get(&self, id: &str, query: &ListQuery) -> Result<Outcome, Error> {
        let mut conn = self.state.db.reader().acquire().await?;
        let record = store::get(&mut *conn, self.tenant_id(), id).await?.ok_or_else(|| Self::not_found(id))?;
        if self.preconditions.not_modified(record.version) {
            return Ok(Outcome::not_modified(record.version).with_facts(read_facts(&record)));
        }
        let body = self.render(&mut conn, &record, &query.attributes, &query.excluded_attributes).await?;
        Ok(Outcome::ok(body).with_version(record.version).with_facts(read_facts(&record)))
    }

    /// PUT /Groups/{id} (RFC 7644 §3.5.1): the body replaces the group, members included.
    pub async fn replace(&self, id: &str, body: Value) -> Result<Outcome, Error> {
        let (resource, refs) = self.prepare(body)?;
        let write = write_of(&resource)?;
        let ops = [MemberOp::Replace(refs)];
        for _ in 0..super::PATCH_ATTEMPTS {
            let before = self.existing(id).await?;
            self.preconditions.check_write(before.version)?;
            let diff = members::diff(&self.state.db, self.tenant_id(), id, &ops).await?;
            let now = self.state.clock.now_ms();
            let record = stored(id, &write, before.version + 1, before.created_at, now);
            let body = self.whole(&record, &diff);
            let mut statements = vec![store::update_statement(self.tenant_id(), id, &write, before.version, now)];
            statements.extend(diff.statements(self.tenant_id(), id, now));
            let change = Change {
                status: Status::Ok,
                operation: "replace",
                record: &record,
                body: Some(&body),
                members: Some(&diff),
            };
            if let Some(facts) = self.write_logged(statements, change).await? {
                return Ok(Outcome::ok(body).with_version(record.version).with_facts(facts));
            }
        }
        Err(concurrent_change())
    }

    /// PATCH /Groups/{id} (RFC 7644 §3.5.2): all operations apply, or none. Answers 204 (the
    /// RFC allows it, Entra ID and Okta expect it), so a large group is never read back; with
    /// `attributes` or `excludedAttributes` it answers 200 with the resource projected so.
    pub async fn patch(&self, id: &str, request: PatchRequest, query: &ListQuery) -> Result<Outcome, Error> {
        let plan = self.plan(request)?;
        let (attributes, excluded) = (&query.attributes, &query.excluded_attributes);
        let projected = !attributes.is_empty() || !excluded.is_empty();
        let served = projected && render::requested(&GROUP_RESOURCE, "members", attributes, excluded);
        for _ in 0..super::PATCH_ATTEMPTS {
            let before = self.existing(id).await?;
            self.preconditions.check_write(before.version)?;
            let (resource, changed) = self.apply_attributes(&before, &plan.attributes)?;
            let diff = members::diff(&self.state.db, self.tenant_id(), id, &plan.members).await?;
            // The members as they were, when the response serves them as they become.
            let members_before = match served {
                true => Some(self.members(id).await?),
                false => None,
            };
            let now = self.state.clock.now_ms();
            let write = write_of(&resource)?;
            let (record, guard) = if changed {
                let record = stored(id, &write, before.version + 1, before.created_at, now);
                (record, Some(store::update_statement(self.tenant_id(), id, &write, before.version, now)))
            } else if diff.changes().any() {
                let guard = store::touch_statement(self.tenant_id(), id, before.version, now);
                (GroupRecord { version: before.version + 1, updated_at: now, ..before }, Some(guard))
            } else {
                (before, None)
            };
            let body = projected.then(|| {
                let members = members_before.map(|m| diff.applied_to(m));
                let full = render::group(&record, members.as_deref(), &self.caller.base_url);
                resource::project(&full, &GROUP_RESOURCE, attributes, excluded)
            });
            let status = if body.is_some() { Status::Ok } else { Status::NoContent };
            let mut statements: Vec<Statement> = guard.into_iter().collect();
            statements.extend(diff.statements(self.tenant_id(), id, now));
            let change =
                Change { status, operation: "update", record: &record, body: body.as_ref(), members: Some(&diff) };
            if let Some(facts) = self.write_logged(statements, change).await? {
                let outcome = match body {
                    Some(body) => Outcome::ok(body),
                    None => Outcome::no_content(),
                };
                return Ok(outcome.with_version(record.version).with_facts(facts));
            }
        }
        Err(concurrent_change())
    }

    /// DELETE /Groups/{id} (RFC 7644 §3.6): the group, its members and its own memberships.
    pub async fn delete(&self, id: &str) -> Result<Outcome, Error> {
        for _ in 0..super::PATCH_ATTEMPTS {
            let record = self.existing(id).await?;
            self.preconditions.check_write(record.version)?;
            let statements = store::delete_statements(self.tenant_id(), id, record.version, self.state.clock.now_ms());
            let change =
                Change { status: Status::NoContent, operation: "delete", record: &record, body: None, members: None };
            if let Some(facts) = self.write_logged(statements, change).await? {
                return Ok(Outcome::no_content().with_facts(facts));
            }
        }
        Err(concurrent_change())
    }

    /// GET /Groups and POST /Groups/.search (RFC 7644 §3.4.2, §3.4.3). The members of a page's
    /// groups are read with one query (per 1,000 groups), and only when they are returned.
    pub async fn list(&self, query: &ListQuery) -> Result<Outcome, Error> {
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
        Ok(Outcome::ok(list_response(resources, total, query.start_index)).with_facts(facts))
    }

    /// The group as stored now.
    async fn existing(&self, id: &str) -> Result<GroupRecord, Error> {
        store::find(&self.state.db, self.tenant_id(), id).await?.ok_or_else(|| Self::not_found(id))
    }

    /// The group's members as stored now, in id order.
    async fn members(&self, id: &str) -> Result<Vec<Member>, Error> {
        let mut conn = self.state.db.reader().acquire().await?;
        Ok(store::members(&mut conn, self.tenant_id(), &[id.to_owned()]).await?)
    }

    /// The whole group as a POST or PUT leaves it: its members are those the request named.
    fn whole(&self, record: &GroupRecord, diff: &MemberDiff) -> Value {
        render::group(record, Some(&diff.named()), &self.caller.base_url)
    }

    /// The served resource, projected; members are read only when the projection keeps them.
    async fn render(
        &self,
        conn: &mut AnyConnection,
        record: &GroupRecord,
        attributes: &[AttrPath],
        excluded: &[AttrPath],
    ) -> Result<Value, Error> {
        let members = if render::requested(&GROUP_RESOURCE, "members", attributes, excluded) {
            Some(store::members(conn, self.tenant_id(), std::slice::from_ref(&record.id)).await?)
        } else {
            None
        };
        let full = render::group(record, members.as_deref(), &self.caller.base_url);
        Ok(resource::project(&full, &GROUP_RESOURCE, attributes, excluded))
    }

    /// Splits a PATCH request into set operations on members and the other operations.
    fn plan(&self, request: PatchRequest) -> Result<GroupPatch, Error> {
        let mut plan = GroupPatch::default();
        for (i, op) in request.operations.into_iter().enumerate() {
            let at = |e: ScimError| Error::Scim(ScimError { detail: format!("Operations[{i}]: {}", e.detail), ..e });
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
                    .map(|condition| MemberOp::RemoveWhere(filter.clone(), condition))
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
    fn apply_attributes(&self, before: &GroupRecord, ops: &[(usize, PatchOperation)]) -> Result<(Value, bool), Error> {
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
                return Err(Error::Scim(ScimError::invalid_path(
                    "members can only be changed with the path \"members\"",
                )));
            }
        }
        Ok((resource, changed))
    }
}

/// The indexed columns of a prepared group.
fn write_of(resource: &Value) -> Result<GroupWrite<'_>, Error> {
    let display_name = resource::display_name(resource)
        .ok_or_else(|| Error::Scim(ScimError::invalid_value("displayName is required")))?;
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

fn concurrent_change() -> Error {
    Error::Scim(ScimError::new(409, None, "the group was changed concurrently; retry the request"))
}
