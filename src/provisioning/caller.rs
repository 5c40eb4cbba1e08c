//! Who acts on a tenant's directory, and what the tenant's configuration says about handling
//! their requests. The SCIM gate builds a [`Caller`] for an authenticated SCIM client; the
//! dashboard builds one for an administrator acting by hand. Operations take it whatever the
//! transport.

use std::sync::Arc;

use scim::resource::Tolerance;

use super::mapping::{tolerance_of, TenantMapping};
use crate::state::AppState;
use crate::tenant::Tenant;

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A SCIM client, authenticated by this credential (secret, client-credentials token or
    /// identity-provider token).
    ScimClient {
        /// The credential's id.
        credential_id: String,
    },
    /// An administrator acting in the dashboard.
    Administrator {
        /// How the administrator is named in logs (e-mail or subject).
        label: String,
    },
}

/// An actor on one tenant's directory.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The tenant.
    pub tenant: Tenant,
    /// Who acts.
    pub actor: Actor,
    /// How tolerant to be of the request shapes (the tenant's client profile).
    pub tolerance: Tolerance,
    /// The tenant's SCIM base URL, which resources' `meta.location` and `$ref` name.
    pub base_url: String,
    /// The tenant's attribute mappers and User resource type.
    pub mapping: Arc<TenantMapping>,
}

impl Caller {
    /// The caller for `actor` on `tenant`, with the tenant's tolerance, base URL and `mapping`.
    pub fn new(state: &AppState, tenant: Tenant, actor: Actor, mapping: Arc<TenantMapping>) -> Caller {
        Caller {
            tolerance: tolerance_of(tenant.profile),
            base_url: state.scim_base_url(&tenant.name),
            tenant,
            actor,
            mapping,
        }
    }

    /// The credential of a SCIM client; none for an administrator.
    pub fn credential_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::ScimClient { credential_id } => Some(credential_id),
            Actor::Administrator { .. } => None,
        }
    }
}
