//! What an administrator may do, decided on the server for every request from the identity in
//! the session, the server's configuration and the grants in the database — so a grant or a
//! revocation takes effect at once, without a new sign-in.
//!
//! - Platform administrators (every tenant, tenant and administrator management): the
//!   break-glass administrator, identities the configuration names (`--admin-emails`, or
//!   `--admin-claim` holding `--admin-claim-value`), and holders of a platform grant.
//! - Tenant administrators: holders of a grant on the tenant — by OIDC subject, email, or a
//!   value of the `--admin-claim` claim (an IdP group or role) — optionally read-only. A tenant
//!   with a writable and a read-only grant for the same identity is writable.

use app::dto::{AdminIdentity, SignInMethod};

use crate::config::OidcConfig;
use crate::db::{self, Db};

/// The identity with its rights filled in (`platform_admin`, `tenants`, `read_only_tenants`).
pub async fn resolve(db: &Db, config: &OidcConfig, mut identity: AdminIdentity) -> Result<AdminIdentity, sqlx::Error> {
    let grants = if identity.via == SignInMethod::BreakGlass {
        Vec::new()
    } else {
        db::grant::matching(db, &identity.subject, identity.email.as_deref(), &identity.claim_values).await?
    };
    identity.platform_admin = identity.via == SignInMethod::BreakGlass
        || configured_platform_admin(config, &identity)
        || grants.iter().any(|g| g.tenant.is_none());
    let mut writable: Vec<String> = Vec::new();
    let mut read_only: Vec<String> = Vec::new();
    for grant in &grants {
        let Some(tenant) = &grant.tenant else { continue };
        let list = if grant.read_only { &mut read_only } else { &mut writable };
        if !list.contains(tenant) {
            list.push(tenant.clone());
        }
    }
    read_only.retain(|t| !writable.contains(t));
    writable.extend(read_only.iter().cloned());
    writable.sort();
    read_only.sort();
    identity.tenants = writable;
    identity.read_only_tenants = read_only;
    Ok(identity)
}

/// Whether the server's configuration makes this identity a platform administrator.
fn configured_platform_admin(config: &OidcConfig, identity: &AdminIdentity) -> bool {
    let by_email =
        identity.email.as_deref().is_some_and(|e| config.admin_emails.iter().any(|a| a.trim().eq_ignore_ascii_case(e)));
    let by_claim = config.admin_claim_value.as_deref().is_some_and(|v| identity.claim_values.iter().any(|c| c == v));
    by_email || by_claim
}

/// Whether the identity may use the dashboard at all.
pub fn has_any_right(identity: &AdminIdentity) -> bool {
    identity.platform_admin || !identity.tenants.is_empty()
}
