//! Upgrades: a database made with the schema of an earlier release — migrations 0001–0012, the
//! schema of commit cc3d3d8, before request ids and outbound log rows (migrations are never
//! edited once committed: sqlx refuses a changed one by its checksum, so these files are that
//! commit's) — with a row in every table migrates forward to this build's schema with every row
//! kept, and this build reads them. On the database under test.

use std::borrow::Cow;
use std::path::Path;

use scimhub::db::Db;
use sqlx::AnyPool;

use crate::support::fresh_database_url;

/// The last migration of the earlier schema.
const EARLIER: i64 = 12;

/// Every table of the earlier schema, with the one row the fixture puts in it.
pub(crate) fn rows(flag: fn(bool) -> &'static str) -> Vec<(&'static str, String)> {
    let (t, f) = (flag(true), flag(false));
    vec![
        ("tenant", format!("insert into tenant (tenant_id, name, display_name, profile, scim_enabled, created_at, updated_at, \
            mapping_revision, log_retention_days) values ('t1', 'Old', 'Old Co', 'azure', {t}, 1, 2, 1, 30)")),
        ("credential", "insert into credential (credential_id, tenant_id, kind, secret_hash, created_at) \
            values ('c1', 't1', 'bearer', 'hash-1', 3)".into()),
        ("scim_user", format!("insert into scim_user (user_id, tenant_id, user_name, user_name_ci, external_id, display_name, \
            active, resource, version, created_at, updated_at, attributes, mapping_revision) values ('u1', 't1', 'ann@old.example', \
            'ann@old.example', 'ext-ann', 'Ann', {t}, '{{\"userName\":\"ann@old.example\",\"displayName\":\"Ann\",\"active\":true}}', \
            3, 4, 5, '{{\"dept\":\"Research\"}}', 1)")),
        ("scim_group", "insert into scim_group (group_id, tenant_id, display_name, display_name_ci, resource, version, \
            created_at, updated_at) values ('g1', 't1', 'Ops', 'ops', '{\"displayName\":\"Ops\"}', 1, 6, 6)".into()),
        ("group_member", "insert into group_member (tenant_id, group_id, member_id, member_type, created_at) \
            values ('t1', 'g1', 'u1', 'User', 7)".into()),
        ("provisioning_log", "insert into provisioning_log (tenant_id, occurred_at, credential_id, method, path, operation, \
            resource_type, resource_id, user_name, status, latency_us, client_addr, user_agent) values ('t1', 8, 'c1', 'POST', \
            '/Users', 'create', 'User', 'u1', 'ann@old.example', 201, 900, '192.0.2.1', 'Entra')".into()),
        ("admin_session", "insert into admin_session (session_id, data, expires_at) values ('s1', '{}', 9)".into()),
        ("login_link", "insert into login_link (token_hash, created_at, expires_at) values ('lh1', 10, 11)".into()),
        ("signing_key", "insert into signing_key (kid, tenant_id, algorithm, private_key_pem, public_jwk, created_at) \
            values ('k1', 't1', 'ES256', 'pem', '{}', 12)".into()),
        ("admin_audit", "insert into admin_audit (tenant_id, occurred_at, actor_subject, actor_label, action, detail) \
            values ('t1', 13, 'sub-1', 'Alice', 'tenant.create', '{}')".into()),
        ("admin_grant", format!("insert into admin_grant (grant_id, tenant_id, principal_kind, principal, read_only, \
            created_at, created_by) values ('gr1', 't1', 'email', 'bob@old.example', {f}, 14, 'sub-1')")),
        ("admin_preference", "insert into admin_preference (subject, last_tenant, updated_at) values ('sub-1', 'Old', 15)".into()),
        ("attribute_mapper", format!("insert into attribute_mapper (mapper_id, tenant_id, position, name, name_ci, \
            user_attribute, user_attribute_ci, claim, json_type, multivalued, id_token, access_token, userinfo, introspection, \
            created_at, updated_at) values ('m1', 't1', 1, 'Dept', 'dept', 'dept', 'dept', \
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', 'String', {f}, {t}, {t}, {f}, {f}, 16, 16)")),
        ("unicode_refold", "insert into unicode_refold (kind, id) values ('user', 'u-none')".into()),
        ("outbound_app", "insert into outbound_app (app_id, tenant_id, name, kind, url, auth, sealed_secret, settings, \
            created_at, delivered) values ('a1', 't1', 'crm', 'scim', 'https://crm.example/scim/v2', 'bearer', 'v1.sealed', \
            '{\"scope_groups\":[],\"push_groups\":true,\"on_delete\":\"deactivate\",\"events\":[]}', 17, 42)".into()),
        ("outbound_event", "insert into outbound_event (app_id, resource_type, resource_id, kind, name, created_at, \
            next_attempt_at) values ('a1', 'User', 'u1', 'updated', 'ann@old.example', 18, 18)".into()),
        ("outbound_link", "insert into outbound_link (app_id, resource_id, resource_type, target_id, delivered_at) \
            values ('a1', 'u1', 'User', 'crm-77', 19)".into()),
    ]
}

/// A pool on `url` with only the earlier schema's migrations applied.
async fn earlier_schema(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    let (dir, connect) = match url.strip_prefix("sqlite://") {
        Some(path) => {
            std::fs::create_dir_all(Path::new(path).parent().unwrap()).unwrap();
            ("migrations/sqlite", format!("{url}?mode=rwc"))
        }
        None => ("migrations/postgres", url.to_owned()),
    };
    let mut migrator = sqlx::migrate::Migrator::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).await.unwrap();
    let earlier: Vec<_> = migrator.migrations.iter().filter(|m| m.version <= EARLIER).cloned().collect();
    assert_eq!(earlier.len() as i64, EARLIER, "migrations are numbered without gaps");
    migrator.migrations = Cow::Owned(earlier);
    let pool = AnyPool::connect(&connect).await.unwrap();
    migrator.run(&pool).await.unwrap();
    pool
}

async fn count(pool: &AnyPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn a_database_of_the_earlier_schema_migrates_forward_with_every_row_kept() {
    let url = fresh_database_url().await;
    let sqlite = url.starts_with("sqlite:");
    let pool = earlier_schema(&url).await;
    let flag: fn(bool) -> &'static str =
        if sqlite { |b| if b { "1" } else { "0" } } else { |b| if b { "TRUE" } else { "FALSE" } };
    let fixture = rows(flag);
    // The fixture covers every table of the earlier schema.
    let tables: Vec<String> = if sqlite {
        sqlx::query_scalar("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> '_sqlx_migrations'")
            .fetch_all(&pool)
            .await
            .unwrap()
    } else {
        sqlx::query_scalar("select table_name::text from information_schema.tables where table_schema = 'public' and table_name <> '_sqlx_migrations'")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    for table in &tables {
        assert!(fixture.iter().any(|(t, _)| t == table), "the fixture has no row for {table}");
    }
    for (table, insert) in &fixture {
        sqlx::query(insert).execute(&pool).await.unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    pool.close().await;

    // This build opens it: the later migrations run, and every row is still there.
    let db = Db::connect(&url).await.unwrap();
    for (table, _) in &fixture {
        assert_eq!(count(db.reader(), table).await, 1, "{table}");
    }
    // And this build reads what the earlier one wrote.
    let user = scimhub::db::user::get(&db, "t1", "u1").await.unwrap().unwrap();
    assert_eq!(
        (user.user_name.as_str(), user.version, user.attributes["dept"].as_str()),
        ("ann@old.example", 3, Some("Research"))
    );
    let log = scimhub::db::log::page(&db, "t1", None, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].entry.status, log[0].entry.application_id.as_deref()),
        (201, None),
        "an old row is a received request"
    );
    let app = scimhub::db::outbound::get(&db, "a1").await.unwrap().unwrap();
    assert_eq!(app.delivered, 42);
    assert_eq!(
        app.settings.mapping,
        scimhub::outbound::mapping::default_rules(),
        "an older application has the default mapping"
    );
    assert!(app.settings.push_groups);
    assert_eq!(scimhub::db::outbound::link_of(&db, "a1", "User", "u1").await.unwrap().as_deref(), Some("crm-77"));
    assert!(db.schema_is_current().await.unwrap());
    db.close().await;
}
