//! `scimhub seed`: fills a new tenant with synthetic users and provisioning-log rows, for the
//! dashboard benchmarks (docs/benchmarks.md). It refuses an existing tenant, so it cannot touch
//! real data.

use anyhow::{bail, Context};
use clap::Args;
use serde_json::{json, Map};
use sqlx::AnyConnection;

use crate::clock::{Clock, SystemClock};
use crate::config::DatabaseArgs;
use crate::db;
use crate::db::log::NewLogEntry;
use crate::db::tenant;
use crate::db::user::UserWrite;
use crate::secret::Secret;
use crate::tenant::Profile;

/// What `scimhub seed` makes.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The name of the tenant to create and fill (it must not exist).
    tenant: String,
    /// How many users.
    #[arg(long, default_value_t = 100_000)]
    users: u32,
    /// How many provisioning-log rows, spread over the last seven days.
    #[arg(long, default_value_t = 1_000_000)]
    log_rows: u32,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Users per transaction.
const USER_BATCH: u32 = 1_000;
/// Log rows per INSERT statement (17 values each: within both databases' bind limits).
const LOG_ROWS_PER_STATEMENT: usize = 500;
/// Statements per transaction.
const STATEMENTS_PER_TX: usize = 20;

/// The userName of synthetic user `n`.
pub fn user_name(tenant: &str, n: u32) -> String {
    format!("user{n:06}@{}.test", tenant.to_lowercase())
}

/// The id of synthetic user `n` (stable, so log rows can name it).
fn user_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// One synthetic log row of the tenant (id, name): mostly reads, some changes, 2.5 % client and 0.5 % server errors.
fn log_row(tenant: (&str, &str), credential_id: &str, i: u32, users: u32, occurred_at: i64) -> NewLogEntry {
    let (tenant_id, tenant_name) = tenant;
    let n = if users == 0 { 0 } else { (i.wrapping_mul(7_919)) % users };
    let (method, operation, status) = match i % 200 {
        0..=4 => ("POST", "create", 409),
        5 => ("PATCH", "update", 500),
        6..=45 => ("POST", "create", 201),
        46..=85 => ("PATCH", "update", 200),
        86..=95 => ("PATCH", "deactivate", 200),
        96..=99 => ("DELETE", "delete", 204),
        _ => ("GET", "read", 200),
    };
    let error = status >= 400;
    NewLogEntry {
        tenant_id: tenant_id.to_owned(),
        occurred_at,
        credential_id: Some(credential_id.to_owned()),
        method: method.to_owned(),
        path: format!("/Users/{}", user_id(n)),
        operation: operation.to_owned(),
        resource_type: Some("User".to_owned()),
        resource_id: Some(user_id(n)),
        user_name: Some(user_name(tenant_name, n)),
        status,
        scim_type: (status == 409).then(|| "uniqueness".to_owned()),
        detail: error.then(|| format!("synthetic error {status}")),
        latency_us: 800 + i64::from(i % 1_000),
        request_excerpt: None,
        response_excerpt: None,
        client_addr: Some("192.0.2.10".to_owned()),
        user_agent: Some("Microsoft.Identity.Provisioning (seed)".to_owned()),
        application_id: None,
        request_id: None,
    }
}

async fn insert_users(
    conn: &mut AnyConnection,
    tenant_id: &str,
    tenant: &str,
    from: u32,
    to: u32,
    now: i64,
) -> anyhow::Result<()> {
    let attributes = Map::new();
    for n in from..to {
        let name = user_name(tenant, n);
        let resource = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "externalId": format!("ext-{n}"),
            "displayName": format!("User {n}"),
            "active": n % 10 != 0,
            "emails": [{ "value": name, "type": "work", "primary": true }],
            "name": { "givenName": "User", "familyName": format!("{n}") },
        });
        let write = UserWrite {
            user_name: &name,
            external_id: resource["externalId"].as_str(),
            display_name: resource["displayName"].as_str(),
            active: n % 10 != 0,
            resource: &resource,
            password_hash: None,
            attributes: &attributes,
            mapping_revision: 0,
        };
        db::user::insert(&mut *conn, tenant_id, &user_id(n), &write, now - i64::from(to - n)).await?;
    }
    Ok(())
}

/// Runs `scimhub seed`.
pub async fn seed(args: &SeedArgs) -> anyhow::Result<()> {
    let db = super::open(&args.database).await?;
    let now = SystemClock.now_ms();
    if tenant::by_name(&db, &args.tenant).await?.is_some() {
        bail!("the tenant \"{}\" exists: seed only fills a new tenant", args.tenant);
    }
    crate::tenant::validate_name(&args.tenant).with_context(|| format!("invalid tenant name \"{}\"", args.tenant))?;
    let t = tenant::insert(&db, &args.tenant, Profile::Azure, now).await?;
    let secret = Secret::generate("scimhub_");
    let credential_id = db::credential::rotate_bearer(&db, &t.id, &secret.hash(), now).await?;

    let mut from = 0;
    while from < args.users {
        let to = (from + USER_BATCH).min(args.users);
        let mut tx = db.writer().begin().await?;
        insert_users(&mut tx, &t.id, &t.name, from, to, now).await?;
        tx.commit().await?;
        from = to;
    }
    println!("{} users in tenant \"{}\"", args.users, t.name);

    // Oldest first, so log ids grow with time as they do in service.
    let span_ms: i64 = 7 * 86_400_000;
    let step = span_ms / i64::from(args.log_rows.max(1));
    let mut i = 0;
    while i < args.log_rows {
        let mut tx = db.writer().begin().await?;
        for _ in 0..STATEMENTS_PER_TX {
            if i >= args.log_rows {
                break;
            }
            let end = (i + LOG_ROWS_PER_STATEMENT as u32).min(args.log_rows);
            let rows: Vec<NewLogEntry> = (i..end)
                .map(|k| log_row((&t.id, &t.name), &credential_id, k, args.users, now - span_ms + i64::from(k) * step))
                .collect();
            db::log::append_many(&mut tx, &rows).await?;
            i = end;
        }
        tx.commit().await?;
    }
    println!("{} provisioning-log rows over the last 7 days", args.log_rows);
    println!("SCIM bearer secret (shown once): {}", secret.expose());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_rows_mix_outcomes_and_name_real_users() {
        let rows: Vec<NewLogEntry> = (0..2_000).map(|i| log_row(("t", "Bench"), "c", i, 100, i64::from(i))).collect();
        let client = rows.iter().filter(|r| (400..500).contains(&r.status)).count();
        let server = rows.iter().filter(|r| r.status >= 500).count();
        assert_eq!((client, server), (50, 10));
        assert!(rows
            .iter()
            .all(|r| r.user_name.as_deref().is_some_and(|u| u.starts_with("user0000") && u.ends_with("@bench.test"))));
        assert_eq!(user_name("Bench", 42), "user000042@bench.test");
    }
}
