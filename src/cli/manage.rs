//! `scimhub tenant disable|enable|delete` and `scimhub admin grant|revoke|list`: what the
//! dashboard's platform administrators do, for scripts. Each change lands in the audit trail,
//! by the operating-system user who ran it.

use anyhow::bail;
use serde_json::{json, Value};

use super::{find_tenant, open, retry};
use crate::clock::{rfc3339_ms, Clock, SystemClock};
use crate::config::DatabaseArgs;
use crate::db::audit::NewAuditEntry;
use crate::db::grant::{self, Principal};
use crate::db::tenant;
use crate::db::{self, Db};
use crate::tenant::Tenant;

/// Who a grant is for, and on what.
#[derive(Debug, Clone, clap::Args)]
#[command(group = clap::ArgGroup::new("who").required(true).multiple(false))]
pub struct GrantArgs {
    /// The tenant (exact name); omit with --platform.
    #[arg(long, required_unless_present = "platform", conflicts_with = "platform")]
    tenant: Option<String>,
    /// Every tenant: platform administration (tenants and administrators too).
    #[arg(long)]
    platform: bool,
    /// An identity's email (compared case-insensitively).
    #[arg(long, group = "who")]
    email: Option<String>,
    /// An identity's OIDC subject (`sub`, exact).
    #[arg(long, group = "who")]
    subject: Option<String>,
    /// A value of the rights claim (`--admin-claim`, e.g. an IdP group), for everyone holding it.
    #[arg(long, group = "who")]
    claim: Option<String>,
    /// Only looking (grant on a tenant only).
    #[arg(long, conflicts_with = "platform")]
    read_only: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

impl GrantArgs {
    fn principal(&self) -> anyhow::Result<Principal> {
        let (kind, value) = match (&self.email, &self.subject, &self.claim) {
            (Some(v), None, None) => ("email", v),
            (None, Some(v), None) => ("subject", v),
            (None, None, Some(v)) => ("claim", v),
            _ => bail!("name exactly one of --email, --subject or --claim"),
        };
        Ok(Principal::parse(kind, value)?)
    }

    /// The tenant, or `None` for the platform.
    async fn scope(&self, db: &Db) -> anyhow::Result<Option<Tenant>> {
        match &self.tenant {
            Some(name) => Ok(Some(find_tenant(db, name).await?)),
            None => Ok(None),
        }
    }
}

/// The label of the person running the command, for the audit trail.
/// Who runs a command, as the audit trail names them (`cli:<user>`).
pub(super) fn operator() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Appends an audit entry for a change made from the command line.
pub(super) async fn audit(db: &Db, tenant: Option<&Tenant>, action: &str, detail: Value) -> anyhow::Result<()> {
    let who = operator();
    let entry = NewAuditEntry {
        tenant_id: tenant.map(|t| t.id.clone()),
        occurred_at: SystemClock.now_ms(),
        actor_subject: who.clone(),
        actor_label: who,
        action: action.to_owned(),
        detail,
        client_addr: None,
    };
    retry::when_busy(|| db::audit::append(db, &entry)).await?;
    Ok(())
}

/// `tenant disable` / `tenant enable`.
pub async fn set_disabled(database: &DatabaseArgs, name: &str, disabled: bool) -> anyhow::Result<()> {
    let db = open(database).await?;
    let t = find_tenant(&db, name).await?;
    if t.disabled_at.is_some() == disabled {
        println!("Tenant {} is already {}.", t.name, if disabled { "disabled" } else { "enabled" });
        return Ok(());
    }
    let now = SystemClock.now_ms();
    retry::when_busy(|| tenant::set_disabled(&db, &t.id, disabled, now)).await?;
    let action = if disabled { "tenant.disable" } else { "tenant.enable" };
    audit(&db, Some(&t), action, json!({ "name": t.name })).await?;
    if disabled {
        println!("Disabled tenant {}: its SCIM and token endpoints answer 403; its data is kept.", t.name);
    } else {
        println!("Enabled tenant {}.", t.name);
    }
    Ok(())
}

/// `tenant delete --confirm NAME`.
pub async fn delete_tenant(database: &DatabaseArgs, name: &str, confirm: &str) -> anyhow::Result<()> {
    if confirm != name {
        bail!("--confirm must repeat the tenant's exact name \"{name}\" (case-sensitive); nothing was deleted");
    }
    let db = open(database).await?;
    let t = find_tenant(&db, name).await?;
    let (users, _) = db::user::totals(&db, &t.id).await?;
    retry::when_busy(|| tenant::delete(&db, &t.id)).await?;
    let detail = json!({ "name": t.name, "displayName": t.display_name, "users": users });
    audit(&db, Some(&t), "tenant.delete", detail).await?;
    tracing::warn!(tenant = %t.name, users, "tenant deleted from the command line");
    println!("Deleted tenant {} and all its data ({users} users).", t.name);
    Ok(())
}

/// `admin grant`.
pub async fn grant(args: &GrantArgs) -> anyhow::Result<()> {
    let principal = args.principal()?;
    let db = open(&args.database).await?;
    let scope = args.scope(&db).await?;
    let now = SystemClock.now_ms();
    let (tenant_id, by) = (scope.as_ref().map(|t| t.id.as_str()), operator());
    retry::when_busy(|| grant::put(&db, tenant_id, &principal, args.read_only, now, &by)).await?;
    let detail = json!({ "kind": principal.kind(), "principal": principal.value(), "readOnly": args.read_only });
    audit(&db, scope.as_ref(), "admin.grant", detail).await?;
    let what = match &scope {
        Some(t) if args.read_only => format!("read-only administration of tenant {}", t.name),
        Some(t) => format!("administration of tenant {}", t.name),
        None => "platform administration (every tenant)".to_owned(),
    };
    println!("Granted {} {} {what}.", principal.kind(), principal.value());
    Ok(())
}

/// `admin revoke`.
pub async fn revoke(args: &GrantArgs) -> anyhow::Result<()> {
    let principal = args.principal()?;
    let db = open(&args.database).await?;
    let scope = args.scope(&db).await?;
    let tenant_id = scope.as_ref().map(|t| t.id.as_str());
    if !retry::when_busy(|| grant::revoke(&db, tenant_id, &principal)).await? {
        bail!("{} {} has no such right (see `scimhub admin list`)", principal.kind(), principal.value());
    }
    let detail = json!({ "kind": principal.kind(), "principal": principal.value() });
    audit(&db, scope.as_ref(), "admin.revoke", detail).await?;
    println!("Revoked the right of {} {}.", principal.kind(), principal.value());
    Ok(())
}

/// `admin list`.
pub async fn list_grants(database: &DatabaseArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    println!("{:<24}  {:<8}  {:<40}  {:<10}  GRANTED", "SCOPE", "KIND", "PRINCIPAL", "ACCESS");
    for g in grant::all(&db).await? {
        let scope = g.tenant.as_deref().unwrap_or("(platform)");
        let access = if g.read_only { "read-only" } else { "full" };
        println!(
            "{:<24}  {:<8}  {:<40}  {:<10}  {} by {}",
            scope,
            g.principal.kind(),
            g.principal.value(),
            access,
            rfc3339_ms(g.created_at),
            g.created_by
        );
    }
    Ok(())
}
