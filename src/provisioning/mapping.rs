//! A tenant's attribute mappers at work: the mapping every SCIM write derives a user's internal
//! attributes with (in the write's transaction), and the background re-derivation of existing
//! users after an administrator changed the mappers.
//!
//! Each change to the mappers increments the tenant's mapping revision; each user stores the
//! revision its attributes follow. A write that used a cached, older mapping leaves its user
//! behind the tenant's revision, and the re-derivation catches it up — so users converge on the
//! current mappers whatever the interleaving.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scim::mapping::{self, MapperSpec};
use scim::resource::Tolerance;
use scim::schema::ResourceSchema;
use scim::ScimError;
use serde_json::{Map, Value};

use crate::db;
use crate::state::AppState;
use crate::tenant::Profile;

/// The mappers of one tenant as of one revision.
#[derive(Debug)]
pub struct TenantMapping {
    /// The revision these mappers are.
    pub revision: i64,
    /// The mappers' configurations, in the order they apply.
    pub specs: Vec<MapperSpec>,
    /// The tenant's User resource type: core, enterprise and the custom extensions its mappers
    /// read.
    pub user_schema: &'static ResourceSchema,
}

impl TenantMapping {
    /// Reads a tenant's mappers. The revision is read first: a change committed in between
    /// leaves the users this mapping derives behind, to be caught up, never ahead.
    pub async fn load(pool: &sqlx::AnyPool, tenant_id: &str) -> Result<TenantMapping, sqlx::Error> {
        let revision = db::mapper::revision(pool, tenant_id).await?;
        let specs: Vec<MapperSpec> = db::mapper::list(pool, tenant_id).await?.into_iter().map(|m| m.spec).collect();
        let user_schema = mapping::user_schema(&specs);
        Ok(TenantMapping { revision, specs, user_schema })
    }

    /// A user's internal attributes: a value of the wrong JSON type is a 400 `invalidValue`
    /// (under the Azure profile, Entra's string booleans and numbers are coerced first).
    pub fn derive(&self, resource: &Value, tolerance: Tolerance) -> Result<Map<String, Value>, ScimError> {
        mapping::derive(resource, self.user_schema, &self.specs, tolerance)
    }

    /// The attributes of a user already stored: a mapper whose value does not fit its type is
    /// left out rather than refusing anything (there is no request to refuse).
    pub fn derive_stored(&self, resource: &Value, tolerance: Tolerance) -> Map<String, Value> {
        let mut attributes = Map::new();
        for spec in &self.specs {
            if let Ok(one) = mapping::derive(resource, self.user_schema, std::slice::from_ref(spec), tolerance) {
                attributes.extend(one);
            }
        }
        attributes
    }
}

/// The request tolerance of a tenant's profile.
pub fn tolerance_of(profile: Profile) -> Tolerance {
    match profile {
        Profile::Azure => Tolerance::Azure,
        Profile::Generic => Tolerance::Strict,
    }
}

/// Users re-derived per transaction.
const BATCH: i64 = 500;

/// The tenants whose users are being re-derived, each with whether another change arrived
/// meanwhile (the worker then makes another pass).
#[derive(Debug, Default)]
pub struct Rederivations {
    running: Mutex<HashMap<String, bool>>,
}

impl Rederivations {
    /// Marks a tenant as needing a pass; true when the caller must start a worker for it.
    fn claim(&self, tenant_id: &str) -> bool {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        match running.get_mut(tenant_id) {
            Some(again) => {
                *again = true;
                false
            }
            None => {
                running.insert(tenant_id.to_owned(), false);
                true
            }
        }
    }

    /// Called by a worker after a pass: true when it must make another.
    fn finish_pass(&self, tenant_id: &str) -> bool {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        match running.get_mut(tenant_id) {
            Some(again) if *again => {
                *again = false;
                true
            }
            _ => {
                running.remove(tenant_id);
                false
            }
        }
    }
}

/// Starts re-deriving the users of a tenant in the background (or asks the running worker for
/// another pass).
pub fn rederive_in_background(state: &AppState, tenant_id: &str) {
    if !state.rederivations.claim(tenant_id) {
        return;
    }
    let state = state.clone();
    let tenant_id = tenant_id.to_owned();
    tokio::spawn(async move {
        loop {
            if let Err(e) = rederive(&state, &tenant_id).await {
                tracing::error!(tenant_id, error = %e, "re-deriving user attributes failed");
            }
            if !state.rederivations.finish_pass(&tenant_id) {
                break;
            }
        }
    });
}

/// Brings every user of a tenant to its current mappers, a batch per transaction. Returns how
/// many users it changed.
pub async fn rederive(state: &AppState, tenant_id: &str) -> Result<u64, sqlx::Error> {
    let Some(tenant) = db::tenant::by_id(&state.db, tenant_id).await? else {
        return Ok(0);
    };
    let tolerance = tolerance_of(tenant.profile);
    let mut changed = 0;
    // A pass visits users by id; users a SCIM write changed meanwhile are skipped and caught by
    // the next pass (the write derived them, perhaps with an older mapping).
    for _pass in 0..3 {
        let mapping = TenantMapping::load(state.db.reader(), tenant_id).await?;
        let mut after = String::new();
        loop {
            let batch = db::user::behind(state.db.reader(), tenant_id, mapping.revision, &after, BATCH).await?;
            let Some(last) = batch.last() else { break };
            after.clone_from(&last.id);
            let mut tx = state.db.writer().begin().await?;
            for user in &batch {
                let attributes = mapping.derive_stored(&user.resource, tolerance);
                let done = db::user::set_attributes(
                    &mut *tx,
                    tenant_id,
                    &user.id,
                    &attributes,
                    mapping.revision,
                    user.version,
                )
                .await?;
                changed += u64::from(done);
            }
            tx.commit().await?;
        }
        if db::user::count_behind(&state.db, tenant_id, mapping.revision).await? == 0 {
            break;
        }
    }
    Ok(changed)
}

/// Resumes the re-derivations a stopped process left unfinished.
pub async fn resume_unfinished(state: &AppState) -> Result<(), sqlx::Error> {
    for tenant_id in db::mapper::tenants_behind(&state.db).await? {
        rederive_in_background(state, &tenant_id);
    }
    Ok(())
}

/// The mapping of a tenant, from the cache or the database.
pub async fn mapping_of(state: &AppState, tenant_id: &str) -> Result<Arc<TenantMapping>, sqlx::Error> {
    if let Some(found) = state.mappings.get(&tenant_id.to_owned()) {
        return Ok(found);
    }
    let found = Arc::new(TenantMapping::load(state.db.reader(), tenant_id).await?);
    state.mappings.put(tenant_id.to_owned(), found.clone());
    Ok(found)
}
