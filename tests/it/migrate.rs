//! Moving up: `scimhub migrate --from sqlite://… --to postgres://…` copies a SQLite database
//! with a row in every table into a new PostgreSQL database, and every table's rows compare
//! equal (flags as booleans, identities continued); a target that is not empty, or a move in
//! the wrong direction, is refused with nothing copied. Always on PostgreSQL, whatever the
//! backend of the run.

use std::process::Command;

use scimhub::db::Db;
use sqlx::{Column as _, Row as _, TypeInfo as _};

use crate::support::fresh_postgres_url;

/// Rows of the tables added after the upgrade fixture's schema, with their values.
fn later_rows() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "alert_setting",
            "insert into alert_setting (tenant_id, error_rate_percent, error_window_minutes, \
            error_min_requests, silence_hours, webhook_origin, webhook_sealed_url, webhook_sealed_secret, email_to, \
            created_at, updated_at) values ('t1', 20, 15, 10, 6, 'https://hooks.example', 'v1.url', 'v1.secret', \
            'noc@old.example', 20, 21)",
        ),
        (
            "alert",
            "insert into alert (alert_id, tenant_id, rule, subject, summary, opened_at) \
            values ('al1', 't1', 'silence', '', 'Silent for 7 hours.', 22)",
        ),
        (
            "alert_notice",
            "insert into alert_notice (alert_id, channel, event, created_at, attempts, next_attempt_at, \
            last_error) values ('al1', 'email', 'opened', 23, 2, 24, 'no SMTP server is configured (--smtp-url)')",
        ),
        (
            "api_token",
            "insert into api_token (token_id, name, token_hash, platform, read_only, created_at, created_by, \
            expires_at, last_used_at, revoked_at) values ('at1', 'onboarding', 'b2c3', 0, 1, 25, 'cli:ops', 26, 27, null)",
        ),
        ("api_token_tenant", "insert into api_token_tenant (token_id, tenant_id) values ('at1', 't1')"),
    ]
}

fn migrate(from: &str, to: &str) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scimhub"))
        .args(["migrate", "--from", from, "--to", to])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// A table's rows as text, sorted, each value rendered by its declared type (SQLite flags and
/// PostgreSQL booleans alike).
async fn rows_of(pool: &sqlx::AnyPool, table: &str, flags: &[String]) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = sqlx::query(&format!("select * from {table}"))
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            let mut columns: Vec<(String, String)> = row
                .columns()
                .iter()
                .map(|column| {
                    let name = column.name().to_owned();
                    let i = column.ordinal();
                    let value = if flags.contains(&name) {
                        row.try_get::<Option<bool>, _>(i)
                            .ok()
                            .flatten()
                            .or_else(|| row.try_get::<Option<i64>, _>(i).ok().flatten().map(|v| v != 0))
                            .map_or("null".into(), |b| b.to_string())
                    } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                        v.map_or("null".into(), |v| v.to_string())
                    } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                        v.map_or("null".into(), |v| v.to_string())
                    } else {
                        let v: Option<String> = row
                            .try_get(i)
                            .unwrap_or_else(|e| panic!("{table}.{name} ({}): {e}", column.type_info().name()));
                        v.unwrap_or_else(|| "null".into())
                    };
                    (name, value)
                })
                .collect();
            columns.sort();
            columns.into_iter().map(|(name, value)| format!("{name}={value}")).collect()
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn a_sqlite_database_moves_to_postgresql_with_every_row() {
    let dir = std::env::temp_dir().join(format!("scimhub-move-{}", uuid::Uuid::new_v4().simple()));
    let from = format!("sqlite://{}/source.db", dir.display());
    let to = fresh_postgres_url().await;
    let source = Db::connect(&from).await.unwrap();
    let fixture: Vec<(&str, String)> = crate::upgrade::rows(|b| if b { "1" } else { "0" })
        .into_iter()
        .chain(later_rows().into_iter().map(|(t, sql)| (t, sql.to_owned())))
        .collect();
    for (table, insert) in &fixture {
        sqlx::query(insert).execute(source.writer()).await.unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> '_sqlx_migrations' order by name",
    )
    .fetch_all(source.reader())
    .await
    .unwrap();
    for table in &tables {
        assert!(fixture.iter().any(|(t, _)| t == table), "the fixture has no row for {table}");
    }
    source.close().await;

    // The wrong way round is refused; so is a target that is not empty (and nothing is added).
    let (ok, _, err) = migrate(&to, &from);
    assert!(!ok && err.contains("move from a sqlite:// file to a postgres:// database"), "{err}");
    let missing = format!("sqlite://{}/no-such.db", dir.display());
    let (ok, _, err) = migrate(&missing, &to);
    assert!(!ok && err.contains("there is no SQLite database at"), "{err}");
    assert!(!dir.join("no-such.db").exists(), "a missing source was created");
    let (ok, out, err) = migrate(&from, &to);
    assert!(ok, "{err}");
    for table in &tables {
        assert!(out.contains(&format!("{table}: ")), "{table} not reported: {out}");
    }

    // Every table, row for row.
    sqlx::any::install_default_drivers();
    let sqlite = sqlx::AnyPool::connect(&from).await.unwrap();
    let postgres = sqlx::AnyPool::connect(&to).await.unwrap();
    for table in &tables {
        let flags: Vec<String> = sqlx::query_scalar(
            "select column_name::text from information_schema.columns \
             where table_schema = current_schema() and table_name = $1 and data_type = 'boolean'",
        )
        .bind(table)
        .fetch_all(&postgres)
        .await
        .unwrap();
        let (here, there) = (rows_of(&sqlite, table, &flags).await, rows_of(&postgres, table, &flags).await);
        assert!(!here.is_empty(), "{table} is empty in the source");
        assert_eq!(here, there, "{table} differs");
    }

    // Identities continue after the copied ones: new rows in PostgreSQL take new ids.
    let db = Db::connect(&to).await.unwrap();
    sqlx::query(
        "insert into provisioning_log (tenant_id, occurred_at, method, path, operation, status, latency_us) \
         values ('t1', 30, 'GET', '/Users', 'list', 200, 5)",
    )
    .execute(db.writer())
    .await
    .unwrap();
    let ids: Vec<i64> =
        sqlx::query_scalar("select log_id from provisioning_log order by log_id").fetch_all(db.reader()).await.unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[1] > ids[0], "{ids:?}");
    db.close().await;

    let (ok, _, err) = migrate(&from, &to);
    assert!(!ok && err.contains("is not empty"), "{err}");
    let count: i64 = sqlx::query_scalar("select count(*) from scim_user").fetch_one(&postgres).await.unwrap();
    assert_eq!(count, 1, "a refused move added rows");
}
