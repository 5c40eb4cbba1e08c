//! Break-glass sign-in: `scimhub admin login-link` prints a one-time URL that signs in a local
//! platform administrator, for first use before OIDC is set up and for an IdP lockout.

use app::dto::{AdminIdentity, SignInMethod};

use crate::clock::Clock;
use crate::db::audit::NewAuditEntry;
use crate::db::{self, Db};
use crate::secret::{Secret, SecretHash};
use crate::state::AppState;

/// How long a link stays valid (ms).
pub const LINK_TTL_MS: i64 = 15 * 60 * 1000;

/// Creates a link; returns the URL to open.
pub async fn create(db: &Db, clock: &dyn Clock, public_url: &str) -> Result<String, sqlx::Error> {
    let token = Secret::generate("");
    let now = clock.now_ms();
    db::login_link::insert(db, &token.hash(), now, now + LINK_TTL_MS).await?;
    Ok(format!("{public_url}/auth/link/{}", token.expose()))
}

/// Redeems a presented link token: the break-glass administrator if it was valid and unused.
pub async fn redeem(db: &Db, clock: &dyn Clock, token: &str) -> Result<Option<AdminIdentity>, sqlx::Error> {
    let redeemed = db::login_link::redeem(db, &SecretHash::of(token), clock.now_ms()).await?;
    Ok(redeemed.then(break_glass_admin))
}

/// The local administrator a link signs in.
pub fn break_glass_admin() -> AdminIdentity {
    let mut admin = AdminIdentity::new(
        "break-glass".into(),
        None,
        Some("Break-glass administrator".into()),
        SignInMethod::BreakGlass,
    );
    admin.platform_admin = true;
    admin
}

/// Records a break-glass sign-in in the platform-wide audit trail, where the platform overview
/// shows it. A failure is logged: the sign-in itself stands (the IdP may be down).
pub async fn record_use(state: &AppState, admin: &AdminIdentity, client_addr: Option<String>) {
    let entry = NewAuditEntry {
        tenant_id: None,
        occurred_at: state.clock.now_ms(),
        actor_subject: admin.subject.clone(),
        actor_label: admin.label(),
        action: crate::admin::BREAK_GLASS_ACTION.to_owned(),
        detail: serde_json::json!({}),
        client_addr,
    };
    if let Err(e) = db::audit::append(&state.db, &entry).await {
        tracing::error!(error = %e, "could not record a break-glass sign-in in the audit trail");
    }
}
