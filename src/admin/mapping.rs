//! The dashboard's mapper editor and user detail page (`app::backend::MappingBackend`).

use app::backend::MappingBackend;
use app::dto::{
    AdminIdentity, ClaimsPreview, GroupLink, InternalAttribute, MapperPanel, MapperRow, PushedTo, RederiveProgress,
    UserDetail,
};
use app::AppError;
use scim::mapping::{self, MapperProblem, MapperSpec, TokenKind};
use serde_json::{json, Map, Value};

use super::{changed_one, internal, log_row, Backend, OrInternal};
use crate::clock::rfc3339_ms;
use crate::db::{self, mapper::StoredMapper, UniqueViolationExt};
use crate::provisioning::caller::{Actor, Caller};
use crate::provisioning::log::LogDraft;
use crate::provisioning::mapping::{self as engine, TenantMapping};
use crate::provisioning::precondition::Preconditions;
use crate::provisioning::users::UserRequest;
use crate::tenant::Tenant;

/// Tenants with at most this many users are re-derived before a mapper change answers; larger
/// ones in the background, with progress on the panel.
const REDERIVE_INLINE_MAX: u64 = 1_000;

/// The most mappers an import may carry.
const MAX_IMPORT: usize = 500;

/// Rows of provisioning history on the user detail page.
const HISTORY_ROWS: u32 = 100;

/// The field of the import form.
const IMPORT: &str = "import";

fn refused(problem: MapperProblem) -> AppError {
    AppError::InvalidField(problem.field.to_owned(), problem.message)
}

/// A mapper as typed: surrounding blanks are not part of any field.
fn trimmed(mut spec: MapperSpec) -> MapperSpec {
    spec.name = spec.name.trim().to_owned();
    spec.user_attribute = spec.user_attribute.trim().to_owned();
    spec.claim = spec.claim.trim().to_owned();
    spec
}

fn mapper_row(m: StoredMapper) -> MapperRow {
    let entra_source = mapping::entra_source(&m.spec.claim).map(str::to_owned);
    MapperRow { id: m.id, spec: m.spec, entra_source }
}

fn spec_detail(spec: &MapperSpec) -> Value {
    json!({
        "name": spec.name,
        "userAttribute": spec.user_attribute,
        "claim": spec.claim,
        "jsonType": spec.json_type.as_str(),
    })
}

/// Reads an export: a JSON array of mappers, or an object with a `mappers` array.
fn parse_import(text: &str) -> Result<Vec<MapperSpec>, AppError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| AppError::InvalidField(IMPORT.to_owned(), format!("the text is not JSON: {e}")))?;
    let list = match value {
        Value::Object(mut obj) => obj.remove("mappers").unwrap_or(Value::Null),
        other => other,
    };
    let specs: Vec<MapperSpec> = serde_json::from_value(list).map_err(|e| {
        AppError::InvalidField(IMPORT.to_owned(), format!("expected a JSON array of mappers as exported: {e}"))
    })?;
    if specs.len() > MAX_IMPORT {
        return Err(AppError::InvalidField(IMPORT.to_owned(), format!("at most {MAX_IMPORT} mappers at once")));
    }
    Ok(specs.into_iter().map(trimmed).collect())
}

impl Backend {
    /// Brings the tenant's users to its new mappers: at once for small tenants, in the
    /// background for large ones.
    async fn rederive_after_change(&self, tenant: &Tenant) -> Result<(), AppError> {
        let (users, _) = db::user::totals(&self.state.db, &tenant.id).await.or_internal()?;
        if users <= REDERIVE_INLINE_MAX {
            engine::rederive(&self.state, &tenant.id).await.or_internal()?;
        } else {
            engine::rederive_in_background(&self.state, &tenant.id);
        }
        Ok(())
    }

    /// Writes `mappers` (new ones, after deleting all when `replace`) in one transaction that
    /// also moves the tenant's mapping revision on.
    async fn store_mappers(&self, tenant: &Tenant, specs: &[MapperSpec], replace: bool) -> Result<(), AppError> {
        let now = self.state.clock.now_ms();
        let mut tx = self.state.db.writer().begin().await.or_internal()?;
        if replace {
            db::mapper::delete_all(&mut tx, &tenant.id).await.or_internal()?;
        }
        for spec in specs {
            let id = uuid::Uuid::new_v4().to_string();
            db::mapper::insert(&mut tx, &tenant.id, &id, spec, now).await.or_internal()?;
        }
        db::mapper::bump_revision(&mut tx, &tenant.id).await.or_internal()?;
        tx.commit().await.or_internal()
    }

    async fn user_of(&self, tenant: &Tenant, user_id: &str) -> Result<db::user::UserRecord, AppError> {
        db::user::get(&self.state.db, &tenant.id, user_id).await.or_internal()?.ok_or(AppError::NotFound)
    }

    /// The tenant's directory as an administrator acting by hand sees it, and the log row in
    /// the making for the change (named as the SCIM request that would make it).
    async fn by_hand(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: Tenant,
        method: &str,
        path: String,
    ) -> Result<(Caller, LogDraft), AppError> {
        let mapping = engine::mapping_of(&self.state, &tenant.id).await.or_internal()?;
        let actor = Actor::Administrator { label: admin.label() };
        let caller = Caller::new(&self.state, tenant, actor, mapping);
        let draft = LogDraft::by_hand(&caller, method, path, self.state.clock.now_ms(), address);
        Ok((caller, draft))
    }
}

/// What an administrator does to a user by hand.
#[derive(Debug, Clone, Copy)]
enum ManualChange {
    /// `active` false, as the identity provider's PATCH would.
    Deactivate,
    /// Gone, as the identity provider's DELETE would.
    Delete,
}

impl Backend {
    /// Runs a manual change through the SCIM path (so it is derived and logged like the
    /// identity provider's), then audits it.
    async fn change_user_by_hand(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        user_id: &str,
        change: ManualChange,
    ) -> Result<(), AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let user = self.user_of(&tenant, user_id).await?;
        let (method, action) = match change {
            ManualChange::Deactivate => ("PATCH", "user.deactivate"),
            ManualChange::Delete => ("DELETE", "user.delete"),
        };
        let path = format!("/Users/{user_id}");
        let (caller, draft) = self.by_hand(admin, address, tenant, method, path).await?;
        let preconditions = Preconditions::default();
        let users = UserRequest { state: &self.state, caller: &caller, draft: &draft, preconditions: &preconditions };
        let done = match change {
            ManualChange::Deactivate => users.set_active(user_id, false).await,
            ManualChange::Delete => users.delete(user_id).await,
        };
        done.map_err(scim_refusal)?;
        let detail = json!({ "userId": user.id, "userName": user.user_name });
        self.audit(admin, draft.client_addr.clone(), &caller.tenant, action, detail).await;
        Ok(())
    }
}

/// The core's refusal of a manual change, as the dashboard says it.
fn scim_refusal(e: crate::error::Error) -> AppError {
    match e {
        crate::error::Error::Scim(e) if e.status == 404 => AppError::NotFound,
        crate::error::Error::Scim(e) if e.status < 500 => AppError::Invalid(e.detail),
        other => internal(other),
    }
}

#[async_trait::async_trait]
impl MappingBackend for Backend {
    async fn mapper_panel(&self, admin: &AdminIdentity, tenant: &str) -> Result<MapperPanel, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let db = &self.state.db;
        // The revision first: a change in between shows as progress, never as a finished re-derivation.
        let revision = db::mapper::revision(db.reader(), &tenant.id).await.or_internal()?;
        let mappers = db::mapper::list(db.reader(), &tenant.id).await.or_internal()?;
        let behind = db::user::count_behind(db, &tenant.id, revision).await.or_internal()?;
        let rederive = if behind == 0 {
            None
        } else {
            let (total, _) = db::user::totals(db, &tenant.id).await.or_internal()?;
            Some(RederiveProgress { done: total.saturating_sub(behind), total })
        };
        Ok(MapperPanel {
            azure: tenant.profile == crate::tenant::Profile::Azure,
            can_change: admin.can_change(&tenant.name),
            tenant: tenant.name,
            mappers: mappers.into_iter().map(mapper_row).collect(),
            rederive,
        })
    }

    async fn save_mapper(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        id: Option<String>,
        spec: MapperSpec,
    ) -> Result<MapperRow, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let spec = trimmed(spec);
        let current = db::mapper::list(self.state.db.reader(), &tenant.id).await.or_internal()?;
        if let Some(id) = &id {
            if !current.iter().any(|m| &m.id == id) {
                return Err(AppError::NotFound);
            }
        }
        let others: Vec<MapperSpec> =
            current.into_iter().filter(|m| Some(&m.id) != id.as_ref()).map(|m| m.spec).collect();
        mapping::check_mapper(&spec, &others).map_err(refused)?;

        let now = self.state.clock.now_ms();
        let mapper_id = id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut tx = self.state.db.writer().begin().await.or_internal()?;
        let stored = match &id {
            Some(id) => db::mapper::update(&mut tx, &tenant.id, id, &spec, now).await,
            None => db::mapper::insert(&mut tx, &tenant.id, &mapper_id, &spec, now).await.map(|()| true),
        };
        // A unique violation: another administrator saved the same name or attribute a moment ago.
        let taken = || {
            let detail = "another mapper with this name or user attribute was just saved; reload the list";
            AppError::InvalidField(MapperSpec::NAME.to_owned(), detail.to_owned())
        };
        if !stored.on_unique(taken)?.or_internal()? {
            return Err(AppError::NotFound);
        }
        db::mapper::bump_revision(&mut tx, &tenant.id).await.or_internal()?;
        tx.commit().await.or_internal()?;

        let action = if id.is_some() { "mapper.update" } else { "mapper.create" };
        self.audit(admin, address, &tenant, action, spec_detail(&spec)).await;
        self.rederive_after_change(&tenant).await?;
        Ok(mapper_row(StoredMapper { id: mapper_id, spec }))
    }

    async fn delete_mapper(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        id: &str,
    ) -> Result<(), AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let current = db::mapper::list(self.state.db.reader(), &tenant.id).await.or_internal()?;
        let mapper = current.into_iter().find(|m| m.id == id).ok_or(AppError::NotFound)?;
        let mut tx = self.state.db.writer().begin().await.or_internal()?;
        changed_one(db::mapper::delete(&mut tx, &tenant.id, id).await)?;
        db::mapper::bump_revision(&mut tx, &tenant.id).await.or_internal()?;
        tx.commit().await.or_internal()?;
        self.audit(admin, address, &tenant, "mapper.delete", spec_detail(&mapper.spec)).await;
        self.rederive_after_change(&tenant).await
    }

    async fn apply_azure_defaults(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
    ) -> Result<u32, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let current = db::mapper::list(self.state.db.reader(), &tenant.id).await.or_internal()?;
        let mut all: Vec<MapperSpec> = current.into_iter().map(|m| m.spec).collect();
        let mut added = Vec::new();
        for preset in mapping::azure_defaults() {
            // A preset whose name or user attribute is taken is the administrator's own choice.
            if mapping::check_mapper(&preset.spec, &all).is_ok() {
                all.push(preset.spec.clone());
                added.push(preset.spec);
            }
        }
        if added.is_empty() {
            return Ok(0);
        }
        self.store_mappers(&tenant, &added, false).await?;
        let names: Vec<&str> = added.iter().map(|s| s.name.as_str()).collect();
        self.audit(admin, address, &tenant, "mapper.azure_defaults", json!({ "created": names })).await;
        self.rederive_after_change(&tenant).await?;
        Ok(u32::try_from(added.len()).unwrap_or(u32::MAX))
    }

    async fn export_mappers(&self, admin: &AdminIdentity, tenant: &str) -> Result<String, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        let mappers = db::mapper::list(self.state.db.reader(), &tenant.id).await.or_internal()?;
        let specs: Vec<MapperSpec> = mappers.into_iter().map(|m| m.spec).collect();
        serde_json::to_string_pretty(&specs).or_internal()
    }

    async fn import_mappers(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        json: &str,
        replace: bool,
    ) -> Result<u32, AppError> {
        let tenant = self.tenant_for_change(admin, tenant).await?;
        let imported = parse_import(json)?;
        if imported.is_empty() && !replace {
            return Err(AppError::InvalidField(IMPORT.to_owned(), "the list holds no mappers".to_owned()));
        }
        let kept: Vec<MapperSpec> = if replace {
            Vec::new()
        } else {
            let current = db::mapper::list(self.state.db.reader(), &tenant.id).await.or_internal()?;
            current.into_iter().map(|m| m.spec).collect()
        };
        let mut all = kept.clone();
        all.extend(imported.iter().cloned());
        if let Err((index, problem)) = mapping::check_mappers(&all) {
            let number = index.saturating_sub(kept.len()) + 1;
            let name = all.get(index).map(|s| s.name.as_str()).unwrap_or_default();
            return Err(AppError::InvalidField(
                IMPORT.to_owned(),
                format!("mapper {number} (\"{name}\"), {}: {}", problem.field, problem.message),
            ));
        }
        self.store_mappers(&tenant, &imported, replace).await?;
        let detail = json!({ "count": imported.len(), "replace": replace });
        self.audit(admin, address, &tenant, "mapper.import", detail).await;
        self.rederive_after_change(&tenant).await?;
        Ok(u32::try_from(imported.len()).unwrap_or(u32::MAX))
    }

    async fn user_detail(&self, admin: &AdminIdentity, tenant: &str, user_id: &str) -> Result<UserDetail, AppError> {
        let tenant = self.tenant(admin, tenant).await?;
        self.state.flush_logs().await;
        let db = &self.state.db;
        let (user, groups) = db::user::get_with(db, &tenant.id, user_id, db::user::Groups::Read)
            .await
            .or_internal()?
            .ok_or(AppError::NotFound)?;
        let mapping = TenantMapping::load(db.reader(), &tenant.id).await.or_internal()?;
        let history = db::log::for_resource(db, &tenant.id, &user.id, HISTORY_ROWS).await.or_internal()?;
        let mut history: Vec<app::dto::LogRow> = history.into_iter().map(log_row).collect();
        self.name_applications(&tenant.id, &mut history).await?;
        let resource = crate::provisioning::render::user(&user, &groups, &self.state.scim_base_url(&tenant.name));

        let specs = &mapping.specs;
        let internal_attributes = specs
            .iter()
            .filter_map(|spec| {
                let value = user.attributes.get(&spec.user_attribute)?;
                Some(InternalAttribute {
                    name: spec.user_attribute.clone(),
                    value: value.to_string(),
                    claim: spec.claim.clone(),
                })
            })
            .collect();
        let claims = TokenKind::ALL
            .into_iter()
            .map(|token| {
                let mut claims = Map::new();
                claims.insert("sub".to_owned(), Value::from(user.id.clone()));
                claims.extend(mapping::claims(&user.attributes, specs, token));
                ClaimsPreview { token: token.label().to_owned(), claims: pretty(&Value::Object(claims)) }
            })
            .collect();
        let pushed_to = db::outbound::pushed_to(&self.state.db, &tenant.id, &user.id).await.or_internal()?;
        Ok(UserDetail {
            pushed_to: pushed_to
                .into_iter()
                .map(|(application, target_id, at)| PushedTo { application, target_id, delivered_at: rfc3339_ms(at) })
                .collect(),
            can_change: admin.can_change(&tenant.name),
            mapping_pending: user.mapping_revision != mapping.revision,
            resource: pretty(&resource),
            internal: internal_attributes,
            claims,
            groups: groups.into_iter().map(|g| GroupLink { id: g.group_id, display_name: g.display }).collect(),
            history,
            created: rfc3339_ms(user.created_at),
            last_modified: rfc3339_ms(user.updated_at),
            id: user.id,
            user_name: user.user_name,
            display_name: user.display_name,
            active: user.active,
        })
    }

    async fn deactivate_user(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        user_id: &str,
    ) -> Result<(), AppError> {
        self.change_user_by_hand(admin, address, tenant, user_id, ManualChange::Deactivate).await
    }

    async fn delete_user(
        &self,
        admin: &AdminIdentity,
        address: Option<String>,
        tenant: &str,
        user_id: &str,
    ) -> Result<(), AppError> {
        self.change_user_by_hand(admin, address, tenant, user_id, ManualChange::Delete).await
    }
}

/// A JSON value as the dashboard shows it: indented.
pub(super) fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}
