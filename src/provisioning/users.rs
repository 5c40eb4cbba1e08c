//! The User operations of RFC 7644 §3.3–§3.6 on one tenant's directory.

use scim::list::{list_response, ListQuery};
use scim::patch::{self, PatchOpKind, PatchOperation, PatchRequest};
use scim::resource::{self, Prepared};
use scim::schema::ResourceSchema;

use scim::filter::{CompValue, CompareOp, Filter};
use scim::path::AttrPath;
use scim::ScimError;
use serde_json::{Map, Value};

use super::caller::Caller;
use super::log::{self, LogDraft, LogFacts, Mutation};
use super::outcome::{Outcome, Status};
use super::precondition::Preconditions;
use super::{password, render};
use crate::db::group::Membership;
use crate::db::query_sql;
use crate::db::sql::Statement;
use crate::db::user::{Groups, Page, UserRecord, UserWrite, WithGroups};
use crate::db::{self, UniqueViolationExt};
use crate::error::Error;
use crate::state::AppState;
use crate::tenant::LinkMatch;

/// Everything an operation needs to know about its request.
pub struct UserRequest<'a> {
    /// Shared state.
    pub state: &'a AppState,
    /// The authenticated caller.
    pub caller: &'a Caller,
    /// The log row in the making.
    pub draft: &'a LogDraft,
    /// `If-Match` / `If-None-Match` of the request.
    pub preconditions: &'a Preconditions,
}

impl UserRequest<'_> {
    fn tenant_id(&self) -> &str {
        &self.caller.tenant.id
    }

    /// The tenant's User resource type (with the custom extensions its mappers read).
    fn schema(&self) -> &'static ResourceSchema {
        self.caller.mapping.user_schema
    }

    /// The internal attributes the tenant's mappers derive from a resource about to be stored.
    fn derive(&self, resource: &Value) -> Result<Map<String, Value>, Error> {
        Ok(self.caller.mapping.derive(resource, self.caller.tolerance)?)
    }

    fn not_found(id: &str) -> Error {
        Error::Scim(ScimError::not_found(format!("no user with id \"{id}\"")))
    }

    /// Runs a change's statements with its log row, all in one transaction; `None` when a
    /// statement found the user at another version than expected (nothing was written).
    async fn write_logged(&self, statements: Vec<Statement>, change: Change<'_>) -> Result<Option<LogFacts>, Error> {
        let mutation = Mutation {
            status: change.status,
            operation: change.operation,
            resource_type: "User",
            resource_id: &change.record.id,
            name: &change.record.user_name,
            body: change.body,
            detail: change.detail,
            members: None,
        };
        match log::write_logged(&self.state.db, self.draft, statements, mutation).await.on_unique(|| ()) {
            Ok(written) => written.map_err(Error::Db),
            Err(()) => Err(self.taken(&change.record.user_name).await),
        }
    }

    /// The 409 for a userName another user of the tenant holds, naming that user — its
    /// userName, id and externalId — so the identity provider's administrator can tell which
    /// account collides (the caller may read every user of the tenant anyway). Found after the
    /// refusal, off the path of every successful write.
    async fn taken(&self, user_name: &str) -> Error {
        let holder = db::user::by_user_name(&self.state.db, self.tenant_id(), user_name).await.ok().flatten();
        let by = match holder {
            Some(h) => match h.external_id {
                Some(external) => format!(" by {} (id {}), whose externalId is \"{external}\"", h.user_name, h.id),
                None => format!(" by {} (id {}), which has no externalId", h.user_name, h.id),
            },
            None => String::new(),
        };
        Error::Scim(ScimError::uniqueness(format!("userName \"{user_name}\" is already taken{by}")))
    }

    async fn prepare(&self, body: Value) -> Result<(Prepared, Option<String>), Error> {
        let mut prepared = resource::prepare(body, self.schema(), self.caller.tolerance)?;
        self.check_required(&prepared.resource)?;
        // A user the client creates or replaces without `active` is active (RFC 7643 §4.1.1
        // leaves it to the provider); saying so in the resource keeps responses, filters and
        // the dashboard in agreement.
        if let Some(obj) = prepared.resource.as_object_mut() {
            obj.entry("active").or_insert(Value::Bool(true));
        }
        let hash = match prepared.password.take() {
            Some(p) => Some(password::hash(p).await?),
            None => None,
        };
        Ok((prepared, hash))
    }

    /// Refuses a user that lacks an attribute the tenant requires (400 `invalidValue`).
    fn check_required(&self, resource: &Value) -> Result<(), Error> {
        for attr in &self.caller.tenant.provisioning.required_attributes {
            // Validated when the setting was saved; one that no longer parses requires nothing.
            let Ok(path) = AttrPath::parse(attr) else { continue };
            if !resource::has_value(resource, self.schema(), &path) {
                return Err(Error::Scim(ScimError::invalid_value(format!(
                    "this tenant requires \"{attr}\" on every user, and the user has no value for it"
                ))));
            }
        }
        Ok(())
    }

    /// User linking on creation: the one existing user a POST adopts instead of answering 409,
    /// as the tenant's setting matches it (see [`LinkMatch`]). None when linking is off, the
    /// request lacks the value, or no user — or more than one — matches.
    async fn link_candidate(
        &self,
        write: &UserWrite<'_>,
        groups: Groups,
    ) -> Result<Option<(WithGroups, LinkMatch)>, Error> {
        let Some(by) = self.caller.tenant.provisioning.link_users_by else {
            return Ok(None);
        };
        let eq = |path: AttrPath, value: &str| Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(value.to_owned()),
        };
        let unlinked = |f: Filter| {
            let external_id = Filter::Present(AttrPath::simple("externalId"));
            Filter::And(Box::new(f), Box::new(Filter::Not(Box::new(external_id))))
        };
        let filter = match by {
            LinkMatch::UserName => unlinked(eq(AttrPath::simple("userName"), write.user_name)),
            LinkMatch::Email => match resource::preferred_email(write.resource) {
                Some(email) => {
                    let path = AttrPath { urn: None, attr: "emails".into(), sub_attr: Some("value".into()) };
                    unlinked(eq(path, email))
                }
                None => return Ok(None),
            },
            LinkMatch::ExternalId => match write.external_id {
                Some(external_id) => eq(AttrPath::simple("externalId"), external_id),
                None => return Ok(None),
            },
        };
        let condition = query_sql::to_sql(&filter, &query_sql::USERS, self.state.db.dialect(), 2)?;
        let page = Page { filter: &condition, order: None, offset: 0, limit: 2 };
        let mut found = db::user::list_with(&self.state.db, self.tenant_id(), &page, groups).await?;
        Ok(match (found.pop(), found.is_empty()) {
            (Some(user), true) => Some((user, by)),
            _ => None,
        })
    }

    /// POST /Users (RFC 7644 §3.3); the response honours `attributes`/`excludedAttributes`.
    pub async fn create(&self, body: Value, query: &ListQuery) -> Result<Outcome, Error> {
        let (prepared, password_hash) = self.prepare(body).await?;
        let attributes = self.derive(&prepared.resource)?;
        let write = self.write_of(&prepared.resource, password_hash.as_deref(), &attributes)?;
        if let Some((existing, by)) = self.link_candidate(&write, self.groups_for(query)).await? {
            return self.adopt(existing, by, &write, query).await;
        }
        // Time-ordered (v7): new rows land at the end of the id indexes instead of anywhere.
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.state.clock.now_ms();
        let record = stored(&id, &write, 1, now, now);
        let body = self.project(&record, &[], &query.attributes, &query.excluded_attributes);
        let insert = db::user::insert_statement(self.tenant_id(), &id, &write, now);
        let change = Change::new(Status::Created, "create", &record, Some(&body));
        // An insert expects nothing, so it never conflicts.
        let facts = self.write_logged(vec![insert], change).await?.ok_or_else(concurrent_change)?;
        let location = format!("{}/Users/{id}", self.caller.base_url);
        Ok(Outcome::created(body, location).with_version(record.version).with_facts(facts))
    }

    /// Adopts `existing` for a POST: the request's resource replaces it (the identity provider
    /// is its source from now on), its id, memberships and creation time stay, and the answer is
    /// the 201 of a creation, logged as a link.
    async fn adopt(
        &self,
        (existing, groups): WithGroups,
        by: LinkMatch,
        write: &UserWrite<'_>,
        query: &ListQuery,
    ) -> Result<Outcome, Error> {
        let now = self.state.clock.now_ms();
        let record = stored(&existing.id, write, existing.version + 1, existing.created_at, now);
        let body = self.project(&record, &groups, &query.attributes, &query.excluded_attributes);
        let update = db::user::update_statement(self.tenant_id(), &existing.id, write, existing.version, now);
        let detail = format!("linked to the existing user \"{}\" by {}", existing.user_name, by.as_str());
        let change = Change { detail: Some(detail), ..Change::new(Status::Created, "link", &record, Some(&body)) };
        let facts = self.write_logged(vec![update], change).await?.ok_or_else(concurrent_change)?;
        let location = format!("{}/Users/{}", self.caller.base_url, record.id);
        Ok(Outcome::created(body, location).with_version(record.version).with_facts(facts))
    }

    /// The user with this id (with its groups when `groups` asks), or 404.
    async fn existing(&self, id: &str, groups: Groups) -> Result<WithGroups, Error> {
        db::user::get_with(&self.state.db, self.tenant_id(), id, groups).await?.ok_or_else(|| Self::not_found(id))
    }

    /// GET /Users/{id} (RFC 7644 §3.4.1).
    pub async fn get(&self, id: &str, query: &ListQuery) -> Result<Outcome, Error> {
        let (record, groups) = self.existing(id, self.groups_for(query)).await?;
        if self.preconditions.not_modified(record.version) {
            return Ok(Outcome::not_modified(record.version).with_facts(read_facts("read", &record)));
        }
        let body = self.project(&record, &groups, &query.attributes, &query.excluded_attributes);
        Ok(Outcome::ok(body).with_version(record.version).with_facts(read_facts("read", &record)))
    }

    /// PUT /Users/{id} (RFC 7644 §3.5.1): the body replaces the resource.
    pub async fn replace(&self, id: &str, body: Value, query: &ListQuery) -> Result<Outcome, Error> {
        let (prepared, password_hash) = self.prepare(body).await?;
        let attributes = self.derive(&prepared.resource)?;
        let write = self.write_of(&prepared.resource, password_hash.as_deref(), &attributes)?;
        let now = self.state.clock.now_ms();
        let (before, groups) = self.existing(id, self.groups_for(query)).await?;
        self.preconditions.check_write(before.version)?;
        let record = stored(id, &write, before.version + 1, before.created_at, now);
        let body = self.project(&record, &groups, &query.attributes, &query.excluded_attributes);
        let update = db::user::update_statement(self.tenant_id(), id, &write, before.version, now);
        let change = Change::new(Status::Ok, change_kind(&before, &record, "replace"), &record, Some(&body));
        let facts = self.write_logged(vec![update], change).await?.ok_or_else(concurrent_change)?;
        Ok(Outcome::ok(body).with_version(record.version).with_facts(facts))
    }

    /// PATCH /Users/{id} (RFC 7644 §3.5.2): all operations apply, or none. The user is read,
    /// patched and written back only if no other write came in between (else read again).
    pub async fn patch(&self, id: &str, request: PatchRequest, query: &ListQuery) -> Result<Outcome, Error> {
        let (attributes, excluded) = (&query.attributes, &query.excluded_attributes);
        let mut hasher = password::HashOnce::default();
        for _ in 0..super::PATCH_ATTEMPTS {
            let (before, groups) = self.existing(id, self.groups_for(query)).await?;
            self.preconditions.check_write(before.version)?;
            // PATCH sees the resource as the client does, with its id (a no-path value may
            // repeat it); the id is not stored in the JSON.
            let mut resource = before.resource.clone();
            if let Some(obj) = resource.as_object_mut() {
                obj.insert("id".into(), Value::from(id));
            }
            let limits = self.state.filter_limits();
            let changed = patch::apply(&mut resource, &request, self.schema(), self.caller.tolerance, &limits)?;
            if changed {
                self.check_required(&resource)?;
            }
            if let Some(obj) = resource.as_object_mut() {
                obj.remove("id");
            }
            let password_hash = match resource::take_password(&mut resource) {
                Some(p) => Some(hasher.hash(p).await?),
                None => None,
            };
            if !changed {
                let body = self.project(&before, &groups, attributes, excluded);
                let change = Change::new(Status::Ok, "update", &before, Some(&body));
                let facts = self.write_logged(Vec::new(), change).await?.ok_or_else(concurrent_change)?;
                return Ok(Outcome::ok(body).with_version(before.version).with_facts(facts));
            }
            let derived = self.derive(&resource)?;
            let write = self.write_of(&resource, password_hash.as_deref(), &derived)?;
            let now = self.state.clock.now_ms();
            let record = stored(id, &write, before.version + 1, before.created_at, now);
            let body = self.project(&record, &groups, attributes, excluded);
            let update = db::user::update_statement(self.tenant_id(), id, &write, before.version, now);
            let change = Change::new(Status::Ok, change_kind(&before, &record, "update"), &record, Some(&body));
            if let Some(facts) = self.write_logged(vec![update], change).await? {
                return Ok(Outcome::ok(body).with_version(record.version).with_facts(facts));
            }
        }
        Err(concurrent_change())
    }

    /// Sets `active` (an administrator's deactivation by hand): the change a PATCH replacing
    /// `active` makes, derived, versioned and logged the same way.
    pub async fn set_active(&self, id: &str, active: bool) -> Result<Outcome, Error> {
        let operation =
            PatchOperation { op: PatchOpKind::Replace, path: Some("active".into()), value: Some(Value::Bool(active)) };
        self.patch(id, PatchRequest { operations: vec![operation] }, &ListQuery::default()).await
    }

    /// DELETE /Users/{id} (RFC 7644 §3.6): the user and its memberships go together.
    pub async fn delete(&self, id: &str) -> Result<Outcome, Error> {
        let (record, _) = self.existing(id, Groups::Skip).await?;
        self.preconditions.check_write(record.version)?;
        let mut statements = vec![db::user::delete_statement(self.tenant_id(), id, record.version)];
        statements.extend(db::group::remove_memberships_statements(self.tenant_id(), id, self.state.clock.now_ms()));
        let change = Change::new(Status::NoContent, "delete", &record, None);
        let facts = self.write_logged(statements, change).await?.ok_or_else(concurrent_change)?;
        Ok(Outcome::no_content().with_facts(facts))
    }

    /// GET /Users and POST /Users/.search (RFC 7644 §3.4.2, §3.4.3).
    pub async fn list(&self, query: &ListQuery) -> Result<Outcome, Error> {
        let plan = self.state.list_plan(query, &query_sql::USERS, self.schema())?;
        let db = &self.state.db;
        let records = if plan.limit == 0 {
            Vec::new()
        } else {
            let page =
                Page { filter: &plan.filter, order: plan.order.as_ref(), offset: plan.offset, limit: plan.limit };
            db::user::list_with(db, self.tenant_id(), &page, self.groups_for(query)).await?
        };
        let total = match plan.total_from_page(records.len()) {
            Some(total) => total,
            None => db::user::count(db, self.tenant_id(), &plan.filter).await?,
        };
        let (attributes, excluded) = (&query.attributes, &query.excluded_attributes);
        let resources = records.iter().map(|(r, groups)| self.project(r, groups, attributes, excluded)).collect();
        let facts = LogFacts { operation: Some("list"), resource_type: Some("User"), ..LogFacts::default() };
        Ok(Outcome::ok(list_response(resources, total, query.start_index)).with_facts(facts))
    }

    /// Whether the response to `query` shows the read-only `groups`, so the users are read
    /// with them.
    fn groups_for(&self, query: &ListQuery) -> Groups {
        Groups::when(render::requested(self.schema(), "groups", &query.attributes, &query.excluded_attributes))
    }

    fn project(
        &self,
        record: &UserRecord,
        groups: &[Membership],
        attributes: &[scim::path::AttrPath],
        excluded: &[scim::path::AttrPath],
    ) -> Value {
        let full = render::user(record, groups, &self.caller.base_url);
        resource::project(&full, self.schema(), attributes, excluded)
    }

    /// The columns a prepared resource and its derived attributes are stored in.
    fn write_of<'a>(
        &self,
        resource: &'a Value,
        password_hash: Option<&'a str>,
        attributes: &'a Map<String, Value>,
    ) -> Result<UserWrite<'a>, Error> {
        let user_name = resource::user_name(resource)
            .ok_or_else(|| Error::Scim(ScimError::invalid_value("userName is required")))?;
        Ok(UserWrite {
            user_name,
            external_id: resource::external_id(resource),
            display_name: resource::display_name(resource),
            active: resource::active(resource),
            resource,
            password_hash,
            attributes,
            mapping_revision: self.caller.mapping.revision,
        })
    }
}

/// A change to a user, as its log row records it.
struct Change<'a> {
    status: Status,
    operation: &'static str,
    record: &'a UserRecord,
    body: Option<&'a Value>,
    detail: Option<String>,
}

impl<'a> Change<'a> {
    fn new(status: Status, operation: &'static str, record: &'a UserRecord, body: Option<&'a Value>) -> Self {
        Change { status, operation, record, body, detail: None }
    }
}

/// The record as it now stands in the database.
fn stored(id: &str, write: &UserWrite<'_>, version: i64, created_at: i64, updated_at: i64) -> UserRecord {
    UserRecord {
        id: id.to_owned(),
        user_name: write.user_name.to_owned(),
        external_id: write.external_id.map(str::to_owned),
        display_name: write.display_name.map(str::to_owned),
        active: write.active,
        resource: write.resource.clone(),
        version,
        created_at,
        updated_at,
        attributes: write.attributes.clone(),
        mapping_revision: write.mapping_revision,
    }
}

/// What a change did, for the log: deactivation and reactivation are called out.
fn change_kind(before: &UserRecord, after: &UserRecord, otherwise: &'static str) -> &'static str {
    match (before.active, after.active) {
        (true, false) => "deactivate",
        (false, true) => "reactivate",
        _ => otherwise,
    }
}

fn read_facts(operation: &'static str, record: &UserRecord) -> LogFacts {
    LogFacts {
        operation: Some(operation),
        resource_type: Some("User"),
        resource_id: Some(record.id.clone()),
        user_name: Some(record.user_name.clone()),
        ..LogFacts::default()
    }
}

fn concurrent_change() -> Error {
    Error::Scim(ScimError::new(409, None, "the user was changed concurrently; retry the request"))
}
