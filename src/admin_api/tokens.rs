//! Administration API tokens: making one (its scope checked, the token shown once), listing,
//! revoking, and what a presented token may do. The dashboard's *API tokens* page and the API's
//! `/api-tokens` (both through `admin::api_tokens`, which checks the caller's rights) and the CLI
//! (`scimhub api-token`) share these; each change lands in the platform audit trail.

use app::dto::api_token_fields as fields;
use app::dto::{AdminIdentity, ApiTokenRow, CreatedApiToken, NewApiToken, SignInMethod, MAX_TOKEN_DAYS};
use serde_json::json;

use crate::clock::rfc3339_ms;
use crate::db::api_token::{ApiToken, TokenRecord};
use crate::db::audit::NewAuditEntry;
use crate::db::{self, Db};
use crate::secret::Secret;

/// The prefix of every API token, so that secret scanners recognise one.
pub const TOKEN_PREFIX: &str = "scimhub_api_";

/// Why a token cannot be made: the request's field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Refusal {
    /// The refused field (a name from `app::dto::api_token_fields`).
    pub field: &'static str,
    /// Why.
    pub message: String,
}

/// Why making, listing or revoking a token failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The request was refused.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Who makes or revokes a token, for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Their stable id (an administrator's subject, `api-token:<id>`, `cli:<user>`).
    pub subject: String,
    /// Their name as people read it; stored as the token's maker.
    pub label: String,
    /// The address the request came from, if over the network.
    pub address: Option<String>,
}

impl Actor {
    /// The administrator (or token) behind a request.
    pub fn of(admin: &AdminIdentity, address: Option<String>) -> Actor {
        Actor { subject: admin.subject.clone(), label: admin.label(), address }
    }
}

fn refuse(field: &'static str, message: impl Into<String>) -> TokenError {
    TokenError::Refused(Refusal { field, message: message.into() })
}

/// Makes a token as `request` says, by `created_by` (audited); the answer carries the token.
pub async fn create(db: &Db, now_ms: i64, request: &NewApiToken, by: &Actor) -> Result<CreatedApiToken, TokenError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(refuse(fields::NAME, "name the token in 1 to 100 characters"));
    }
    match (request.platform, request.tenants.is_empty()) {
        (true, false) => {
            return Err(refuse(fields::TENANTS, "a platform token already reaches every tenant: name none"))
        }
        (false, true) => return Err(refuse(fields::TENANTS, "name at least one tenant, or make a platform token")),
        _ => {}
    }
    let expires_at = match request.expires_days {
        Some(days) if !(1..=MAX_TOKEN_DAYS).contains(&days) => {
            return Err(refuse(fields::EXPIRES_DAYS, format!("a token lives 1 to {MAX_TOKEN_DAYS} days")))
        }
        Some(days) => Some(now_ms + i64::from(days) * 86_400_000),
        None => None,
    };
    let mut tenant_ids = Vec::new();
    for tenant in &request.tenants {
        match db::tenant::by_name(db, tenant).await? {
            Some(found) if !tenant_ids.contains(&found.id) => tenant_ids.push(found.id),
            Some(_) => {}
            None => {
                return Err(refuse("tenants", format!("there is no tenant \"{tenant}\" (names are case-sensitive)")))
            }
        }
    }
    let secret = Secret::generate(TOKEN_PREFIX);
    let new = TokenRecord {
        name,
        platform: request.platform,
        tenant_ids: &tenant_ids,
        read_only: request.read_only,
        expires_at,
        created_by: &by.label,
    };
    let id = db::api_token::create(db, &new, &secret.hash(), now_ms).await?;
    let mut tenants = request.tenants.clone();
    tenants.sort();
    tenants.dedup();
    let row = ApiTokenRow {
        id,
        name: name.to_owned(),
        platform: request.platform,
        tenants,
        read_only: request.read_only,
        created_at: rfc3339_ms(now_ms),
        created_by: by.label.clone(),
        expires_at: expires_at.map(rfc3339_ms),
        last_used_at: None,
        revoked_at: None,
    };
    let detail = json!({
        "tokenId": row.id, "name": row.name, "platform": row.platform, "tenants": row.tenants,
        "readOnly": row.read_only, "expiresAt": row.expires_at,
    });
    audit(db, now_ms, by, "api_token.create", detail).await;
    Ok(CreatedApiToken { token: secret.expose().to_owned(), row })
}

/// Every token, newest first.
pub async fn list(db: &Db) -> Result<Vec<ApiTokenRow>, sqlx::Error> {
    Ok(db::api_token::list(db).await?.into_iter().map(row).collect())
}

/// Revokes a token by `by` (audited); `false` when no usable token has this id.
pub async fn revoke(db: &Db, now_ms: i64, id: &str, by: &Actor) -> Result<bool, sqlx::Error> {
    let revoked = db::api_token::revoke(db, id, now_ms).await?;
    if revoked {
        audit(db, now_ms, by, "api_token.revoke", json!({ "tokenId": id })).await;
    }
    Ok(revoked)
}

/// A stored token as lists show it.
fn row(token: ApiToken) -> ApiTokenRow {
    ApiTokenRow {
        id: token.id,
        name: token.name,
        platform: token.platform,
        tenants: token.tenants,
        read_only: token.read_only,
        created_at: rfc3339_ms(token.created_at),
        created_by: token.created_by,
        expires_at: token.expires_at.map(rfc3339_ms),
        last_used_at: token.last_used_at.map(rfc3339_ms),
        revoked_at: token.revoked_at.map(rfc3339_ms),
    }
}

/// What a presented token may do, as the backend's rights checks read it: its scope is all it
/// has (grants name people, not tokens).
pub fn identity(token: &ApiToken) -> AdminIdentity {
    let mut who = AdminIdentity::new(
        format!("api-token:{}", token.id),
        None,
        Some(format!("API token \u{201c}{}\u{201d}", token.name)),
        SignInMethod::ApiToken,
    );
    who.platform_admin = token.platform;
    who.tenants = token.tenants.clone();
    if token.read_only {
        who.read_only = true;
        who.read_only_tenants = token.tenants.clone();
    }
    who
}

/// Appends a platform audit entry (see [`db::audit::append_or_log`]).
async fn audit(db: &Db, now_ms: i64, by: &Actor, action: &str, detail: serde_json::Value) {
    let entry = NewAuditEntry {
        tenant_id: None,
        occurred_at: now_ms,
        actor_subject: by.subject.clone(),
        actor_label: by.label.clone(),
        action: action.to_owned(),
        detail,
        client_addr: by.address.clone(),
    };
    db::audit::append_or_log(db, &entry).await;
}
