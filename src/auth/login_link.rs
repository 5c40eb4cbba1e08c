//! Break-glass sign-in: `scimhub admin login-link` prints a one-time URL that signs in a local
//! platform administrator, for first use before OIDC is set up and for an IdP lockout.

use app::dto::{AdminIdentity, SignInMethod};

use crate::clock::Clock;
use crate::db::{self, Db};
use crate::secret::{Secret, SecretHash};

/// How long a link stays valid (ms).
pub const LINK_TTL_MS: i64 = 15 * 60 * 1000;

/// Creates a link; returns the URL to open.
pub async fn create(db: &Db, clock: &dyn Clock, public_url: &str) -> Result<String, sqlx::Error> {
    let token = Secret::generate("");
    let now = clock.now_ms();
    db::login_link::insert(db.writer(), &token.hash(), now, now + LINK_TTL_MS).await?;
    Ok(format!("{public_url}/auth/link/{}", token.expose()))
}

/// Redeems a presented link token: the break-glass administrator if it was valid and unused.
pub async fn redeem(db: &Db, clock: &dyn Clock, token: &str) -> Result<Option<AdminIdentity>, sqlx::Error> {
    let redeemed = db::login_link::redeem(db.writer(), &SecretHash::of(token), clock.now_ms()).await?;
    Ok(redeemed.then(break_glass_admin))
}

/// The local administrator a link signs in.
pub fn break_glass_admin() -> AdminIdentity {
    AdminIdentity {
        subject: "break-glass".into(),
        email: None,
        name: Some("Break-glass administrator".into()),
        platform_admin: true,
        tenants: Vec::new(),
        via: SignInMethod::BreakGlass,
    }
}
